//! Deadline timers: warn the lead unit when a case reaches its warning time (e.g. 80% of its
//! time), mark cases a unit still holds past their deadline overdue, and escalate them (督办)
//! through the use-case layer like any other action.
//!
//! The overdue mark, its notices and a pending-escalation flag are committed first; then every
//! flagged case is supervised as the system, and that decision clears the flag. A failed
//! escalation never loses the mark: the case shows as overdue and the dispatchers have been
//! told. If the process dies between the two steps, the flag is still set and the next pass
//! escalates the case. A person's decision in between (a reply, an extension request, a manual
//! supervision) also clears the flag, and the case is not escalated twice.

use crate::JobsConfig;
use tongxin_app::cases::{CaseActor, CaseError, CaseService};
pub use tongxin_app::mediation::MediationTimerReport;
use tongxin_domain::case::Action;
use tongxin_store::{Store, StoreError};

/// The job's name, also in `job_quarantine` for the cases it set aside.
pub const JOB_NAME: &str = "timers";

/// The mediation timers' job name.
pub const MEDIATION_JOB_NAME: &str = "mediation_timers";

/// The note of an automatic supervision.
pub const AUTO_SUPERVISION_NOTE: &str = "超期未办结，系统自动督办";

/// What one timer pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerReport {
    pub warned: usize,
    pub overdue: usize,
    pub supervised: usize,
    /// Someone acted on the case between the mark and the escalation.
    pub escalation_skipped: usize,
    pub escalation_failed: usize,
    /// Cases whose stored data the job cannot read, set aside (issue 9 R6).
    pub quarantined: usize,
}

/// Runs the warning and overdue timers over every case due now (in batches of `cfg.batch`).
pub async fn run_timers(store: &Store, cases: &CaseService, cfg: &JobsConfig) -> Result<TimerReport, StoreError> {
    let batch = cfg.batch.max(1);
    let mut report = TimerReport::default();
    loop {
        let warned = store.cases().mark_deadline_warnings(batch as i64).await?;
        report.warned += warned.len();
        for w in &warned {
            tracing::info!(case_id = w.id, code = %w.code, "诉求临近办理期限，已提醒承办单位");
        }
        if warned.len() < batch {
            break;
        }
    }
    loop {
        let overdue = store.cases().mark_overdue(batch as i64).await?;
        report.overdue += overdue.len();
        for c in &overdue {
            tracing::info!(case_id = c.id, code = %c.code, "诉求已超期，已标记并通知");
        }
        if overdue.len() < batch {
            break;
        }
    }
    loop {
        let pending = store.cases().pending_supervisions(batch as i64).await?;
        for c in &pending {
            let action = Action::Supervise { note: AUTO_SUPERVISION_NOTE.into() };
            match cases.act(&CaseActor::System, c.id, c.version, action).await {
                Ok(_) => report.supervised += 1,
                Err(CaseError::Store(StoreError::Conflict(_))) => {
                    // Whoever changed the case meanwhile settled the flag with their decision.
                    report.escalation_skipped += 1;
                    tracing::info!(case_id = c.id, code = %c.code, "超期诉求刚被他人处理，跳过自动督办");
                }
                // The database is down or the writer is full, or the query itself is wrong: the
                // flags stay for the next pass.
                Err(CaseError::Store(e @ StoreError::Unavailable(_))) => return Err(e),
                Err(CaseError::Store(e @ StoreError::Internal(_))) if e.bad_row_reason().is_none() => return Err(e),
                Err(CaseError::Busy) => return Ok(report),
                // A bad row (its state cannot be read) fails alone: it is set aside once, with a
                // notice, and the pass goes on with the other cases (issue 9 R6).
                Err(CaseError::Store(e)) if e.bad_row_reason().is_some() => {
                    let reason = e.bad_row_reason().unwrap_or_default();
                    report.quarantined += 1;
                    if store.cases().quarantine(JOB_NAME, c.id, &reason).await? {
                        tracing::error!(case_id = c.id, code = %c.code, %reason, "诉求数据损坏，自动督办已跳过并隔离该诉求");
                    }
                }
                Err(e) => {
                    report.escalation_failed += 1;
                    store.cases().drop_pending_supervision(c.id, c.version).await?;
                    tracing::warn!(case_id = c.id, code = %c.code, error = %e, "超期诉求无法自动督办（超期标记已保存）");
                }
            }
        }
        if pending.len() < batch {
            break;
        }
    }
    Ok(report)
}

/// The mediation timers (issue 12), one pass in batches of `cfg.batch`: the warning before a
/// dispute's one-month limit (司法部《人民调解工作若干规定》art 33), the overdue mark with its
/// notices and the automatic 督办 as the system, and the lapse of 司法确认 windows that ended
/// without an application (人民调解法 art 33). Marks and notices are committed in the same
/// transaction and each flagged dispute is then decided like any other action
/// (`tongxin_app::mediation::run_timers`), so two processes never warn or supervise twice.
pub async fn run_mediation_timers(store: &Store, cfg: &JobsConfig) -> Result<MediationTimerReport, StoreError> {
    tongxin_app::mediation::run_timers(store, cfg.batch).await
}
