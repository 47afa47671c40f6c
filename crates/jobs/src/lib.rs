//! Tongxin's background jobs: deadline timers (warning, overdue marking, automatic 督办) and
//! delivery of the transactional outbox (in-app notices, text messages to residents).
//!
//! [`spawn`] runs both as loops on the Tokio runtime until [`JobsHandle::shutdown`]; every
//! server process may run them, also several against one PostgreSQL database: timer marks and
//! outbox claims are taken row by row, so no case is warned twice and no message is delivered
//! by two processes at once. [`run_once`] runs one full pass of both, for tests and commands.
//! Time comes from the store's clock.

pub mod outbox;
pub mod sms;
pub mod timers;

pub use outbox::{DeliveryReport, backoff, deliver_claimed, deliver_due};
pub use sms::{HttpSender, LogSender, SendFuture, SmsSender};
pub use timers::{TimerReport, run_timers};

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
    pub delivery: DeliveryReport,
}

/// One pass of both jobs: the timers (their notices included), then delivery of every due
/// message.
pub async fn run_once(
    store: &Store,
    cases: &CaseService,
    sms: &Arc<dyn SmsSender>,
    cfg: &JobsConfig,
) -> Result<RunReport, StoreError> {
    let timers = run_timers(store, cases, cfg).await?;
    let delivery = deliver_due(store, sms, cfg).await?;
    Ok(RunReport { timers, delivery })
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

/// Starts the timer loop and the delivery loop, each running a pass every `cfg.tick`. Must be
/// called inside a Tokio runtime.
pub fn spawn(store: Store, cases: CaseService, sms: Arc<dyn SmsSender>, cfg: JobsConfig) -> JobsHandle {
    let (stop, stopped) = watch::channel(false);
    let timer_task = {
        let (store, stopped) = (store.clone(), stopped.clone());
        tokio::spawn(every(cfg.tick, stopped, "timers", move || {
            let (store, cases) = (store.clone(), cases.clone());
            async move {
                let r = run_timers(&store, &cases, &cfg).await?;
                if r != TimerReport::default() {
                    tracing::info!(
                        warned = r.warned,
                        overdue = r.overdue,
                        supervised = r.supervised,
                        skipped = r.escalation_skipped,
                        failed = r.escalation_failed,
                        "期限提醒与超期督办"
                    );
                }
                Ok(())
            }
        }))
    };
    let delivery_task = tokio::spawn(every(cfg.tick, stopped, "outbox", move || {
        let (store, sms) = (store.clone(), sms.clone());
        async move {
            let r = deliver_due(&store, &sms, &cfg).await?;
            if r.claimed > 0 {
                tracing::info!(
                    claimed = r.claimed,
                    notices = r.notices,
                    sms_sent = r.sms_sent,
                    retrying = r.retrying,
                    dead = r.dead,
                    deferred = r.deferred,
                    "消息投递"
                );
            }
            Ok(())
        }
    }));
    JobsHandle { stop, tasks: vec![timer_task, delivery_task] }
}

/// Runs `pass` every `tick` until told to stop (or the handle is dropped). A failed pass is
/// logged and the next one runs on schedule.
async fn every<F, Fut>(tick: Duration, mut stopped: watch::Receiver<bool>, name: &'static str, mut pass: F)
where
    F: FnMut() -> Fut + Send,
    Fut: Future<Output = Result<(), StoreError>> + Send,
{
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
        if let Err(e) = pass().await {
            tracing::error!(job = name, error = %e, "后台任务本轮失败，将在下一轮重试");
        }
    }
    tracing::debug!(job = name, "后台任务已停止");
}
