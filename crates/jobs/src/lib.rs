//! Tongxin's background jobs: deadline timers (warning, overdue marking, automatic 督办) of cases
//! and of disputes (the mediation limit, 司法确认 windows), and delivery of the transactional
//! outbox (in-app notices, text messages to residents).
//!
//! Each is a [`Job`] (name, trigger, lease, idempotency). [`spawn`] runs them as loops on the
//! Tokio runtime until [`JobsHandle::shutdown`]; every server process may run them, also several
//! against one PostgreSQL database: timer marks and outbox claims are taken row by row, so no
//! case is warned twice and no message is delivered by two processes at once. [`run_once`] runs one full pass of both, for tests and commands.
//! Time comes from the store's clock.

pub mod job;
pub mod outbox;
pub mod petition_timers;
pub mod sms;
pub mod timers;

pub use job::{Idempotency, Job, PassFuture, PassReport, Trigger};

pub use outbox::{DeliveryReport, backoff, deliver_claimed, deliver_due};
pub use sms::{HttpSender, LogSender, SendFuture, SmsSender};
pub use timers::{MediationTimerReport, TimerReport, run_mediation_timers, run_timers};

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tongxin_app::cases::CaseService;
use tongxin_store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsConfig {
    /// Time between passes.
    pub tick: Duration,
    /// Cases or messages per transaction.
    pub batch: usize,
    /// How long a claimed message is reserved for its claimer (at least 30 s is used: a text
    /// message is only sent with 15 s of lease left).
    pub lease: Duration,
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig { tick: Duration::from_secs(5), batch: 200, lease: Duration::from_secs(60) }
    }
}

impl JobsConfig {
    pub(crate) fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lease.max(Duration::from_secs(30))).unwrap_or(chrono::Duration::seconds(60))
    }
}

/// What one [`run_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    pub timers: TimerReport,
    pub mediation: MediationTimerReport,
    pub delivery: DeliveryReport,
}

/// One pass of every job: the case timers and the mediation timers (their notices included),
/// then delivery of every due message.
pub async fn run_once(
    store: &Store,
    cases: &CaseService,
    sms: &Arc<dyn SmsSender>,
    cfg: &JobsConfig,
) -> Result<RunReport, StoreError> {
    let timers = run_timers(store, cases, cfg).await?;
    let mediation = run_mediation_timers(store, cfg).await?;
    let delivery = deliver_due(store, sms, cfg).await?;
    Ok(RunReport { timers, mediation, delivery })
}

/// The running jobs. Dropping it stops them too (after the pass in progress); prefer
/// [`JobsHandle::shutdown`], which waits for that pass to finish.
#[must_use = "the jobs stop when the handle is dropped"]
pub struct JobsHandle {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl JobsHandle {
    /// Stops both loops and waits for the passes in progress to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "后台任务异常退出");
            }
        }
    }
}

/// The deadline timers as a [`Job`].
pub struct TimerJob {
    pub store: Store,
    pub cases: CaseService,
    pub cfg: JobsConfig,
}

impl Job for TimerJob {
    fn name(&self) -> &'static str {
        timers::JOB_NAME
    }
    fn title(&self) -> &'static str {
        "期限提醒与超期督办"
    }
    fn trigger(&self) -> Trigger {
        Trigger::Every(self.cfg.tick)
    }
    fn lease(&self) -> Option<chrono::Duration> {
        None
    }
    fn idempotency(&self) -> Idempotency {
        Idempotency::MarkedInSameTransaction
    }
    fn pass(&self) -> PassFuture<'_> {
        Box::pin(async move {
            let r = run_timers(&self.store, &self.cases, &self.cfg).await?;
            Ok(PassReport(vec![
                ("warned", r.warned),
                ("overdue", r.overdue),
                ("supervised", r.supervised),
                ("skipped", r.escalation_skipped),
                ("failed", r.escalation_failed),
                ("quarantined", r.quarantined),
            ]))
        })
    }
}

/// The mediation timers as a [`Job`]: the one-month limit's warnings, overdue marks and
/// automatic 督办, and missed 司法确认 windows.
pub struct MediationTimerJob {
    pub store: Store,
    pub cfg: JobsConfig,
}

impl Job for MediationTimerJob {
    fn name(&self) -> &'static str {
        timers::MEDIATION_JOB_NAME
    }
    fn title(&self) -> &'static str {
        "调解期限提醒、超期督办与司法确认期限"
    }
    fn trigger(&self) -> Trigger {
        Trigger::Every(self.cfg.tick)
    }
    fn lease(&self) -> Option<chrono::Duration> {
        None
    }
    fn idempotency(&self) -> Idempotency {
        Idempotency::MarkedInSameTransaction
    }
    fn pass(&self) -> PassFuture<'_> {
        Box::pin(async move {
            let r = run_mediation_timers(&self.store, &self.cfg).await?;
            Ok(PassReport(vec![
                ("warned", r.warned),
                ("overdue", r.overdue),
                ("supervised", r.supervised),
                ("skipped", r.skipped),
                ("lapsed", r.lapsed),
                ("failed", r.failed),
            ]))
        })
    }
}

/// Delivery of the outbox (notices and text messages) as a [`Job`].
pub struct OutboxJob {
    pub store: Store,
    pub sms: Arc<dyn SmsSender>,
    pub cfg: JobsConfig,
}

impl Job for OutboxJob {
    fn name(&self) -> &'static str {
        "outbox"
    }
    fn title(&self) -> &'static str {
        "消息投递"
    }
    fn trigger(&self) -> Trigger {
        Trigger::Every(self.cfg.tick)
    }
    fn lease(&self) -> Option<chrono::Duration> {
        Some(self.cfg.lease())
    }
    fn idempotency(&self) -> Idempotency {
        Idempotency::ClaimedWithLease
    }
    fn pass(&self) -> PassFuture<'_> {
        Box::pin(async move {
            let r = deliver_due(&self.store, &self.sms, &self.cfg).await?;
            Ok(PassReport(vec![
                ("claimed", r.claimed),
                ("notices", r.notices),
                ("sms_sent", r.sms_sent),
                ("retrying", r.retrying),
                ("dead", r.dead),
                ("deferred", r.deferred),
            ]))
        })
    }
}

/// The jobs every server process runs.
pub fn standard_jobs(store: Store, cases: CaseService, sms: Arc<dyn SmsSender>, cfg: JobsConfig) -> Vec<Arc<dyn Job>> {
    vec![
        Arc::new(TimerJob { store: store.clone(), cases, cfg }),
        Arc::new(MediationTimerJob { store: store.clone(), cfg }),
        Arc::new(petition_timers::PetitionTimerJob { store: store.clone(), cfg }),
        Arc::new(OutboxJob { store, sms, cfg }),
    ]
}

/// Starts the standard jobs (the case, mediation and petition timers and the outbox delivery).
/// Must be called inside a Tokio runtime.
pub fn spawn(store: Store, cases: CaseService, sms: Arc<dyn SmsSender>, cfg: JobsConfig) -> JobsHandle {
    spawn_jobs(standard_jobs(store, cases, sms, cfg))
}

/// Starts one loop per job, each running a pass as its trigger says, until shutdown.
pub fn spawn_jobs(jobs: Vec<Arc<dyn Job>>) -> JobsHandle {
    let (stop, stopped) = watch::channel(false);
    let tasks = jobs.into_iter().map(|job| tokio::spawn(run_loop(job, stopped.clone()))).collect();
    JobsHandle { stop, tasks }
}

/// Runs a job's passes on its trigger until told to stop (or the handle is dropped). A failed
/// pass is logged and the next one runs on schedule.
async fn run_loop(job: Arc<dyn Job>, mut stopped: watch::Receiver<bool>) {
    let Trigger::Every(tick) = job.trigger();
    let mut interval = tokio::time::interval(tick.max(Duration::from_millis(10)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = stopped.changed() => break,
            _ = interval.tick() => {}
        }
        if *stopped.borrow() {
            break;
        }
        match job.pass().await {
            Ok(report) if !report.is_quiet() => tracing::info!(job = job.name(), %report, "{}", job.title()),
            Ok(_) => {}
            Err(e) => tracing::error!(job = job.name(), error = %e, "后台任务本轮失败，将在下一轮重试"),
        }
    }
    tracing::debug!(job = job.name(), "后台任务已停止");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its passes; every second pass fails.
    struct Counting(Arc<AtomicUsize>);

    impl Job for Counting {
        fn name(&self) -> &'static str {
            "counting"
        }
        fn title(&self) -> &'static str {
            "计数"
        }
        fn trigger(&self) -> Trigger {
            Trigger::Every(Duration::from_millis(10))
        }
        fn lease(&self) -> Option<chrono::Duration> {
            None
        }
        fn idempotency(&self) -> Idempotency {
            Idempotency::MarkedInSameTransaction
        }
        fn pass(&self) -> PassFuture<'_> {
            Box::pin(async move {
                let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
                if n.is_multiple_of(2) {
                    return Err(StoreError::Unavailable("test outage".into()));
                }
                Ok(PassReport(vec![("passes", n)]))
            })
        }
    }

    #[tokio::test]
    async fn a_failed_pass_does_not_stop_the_job_and_shutdown_does() {
        let passes = Arc::new(AtomicUsize::new(0));
        let handle = spawn_jobs(vec![Arc::new(Counting(passes.clone()))]);
        for _ in 0..500 {
            if passes.load(Ordering::SeqCst) >= 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(passes.load(Ordering::SeqCst) >= 4, "passes continue after a failed one");
        tokio::time::timeout(Duration::from_secs(5), handle.shutdown()).await.expect("shutdown finishes");
        let after = passes.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(passes.load(Ordering::SeqCst), after, "no pass after shutdown");
    }

    #[test]
    fn the_outbox_lease_is_at_least_30_seconds() {
        let cfg = JobsConfig::default();
        assert_eq!(cfg.lease(), chrono::Duration::seconds(60));
        let short = JobsConfig { lease: Duration::from_secs(1), ..cfg };
        assert_eq!(short.lease(), chrono::Duration::seconds(30));
    }
}
