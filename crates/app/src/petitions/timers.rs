//! The petition timers, one job step: warn before the earliest pending duty's last day and mark
//! it overdue after (the domain's `clocks`: 15 日 to tell, 60 (+30) 日 to handle, 30 日 to answer
//! 复查/复核 …), and conclude (办结) the petitions whose 复查 or 复核 window lapsed unused — the
//! domain's `Conclude` as the system, which checks the window itself.
//!
//! Marks and their notices are committed first (`store.petitions().mark_*`); each lapsed
//! petition is then decided like any other action. A person's decision in between makes the
//! system's a conflict, which is skipped.

use super::{PetitionError, Who, act};
use tongxin_domain::petition::{Action, TransitionError};
use tongxin_store::{Store, StoreError};

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PetitionTimerReport {
    pub warned: usize,
    pub overdue: usize,
    pub concluded: usize,
    /// Someone acted on the petition between the query and the system's decision.
    pub skipped: usize,
    /// Petitions the system could not decide (a bad row, the rules refused): logged, left.
    pub failed: usize,
}

/// Runs every petition timer due now, in batches of `batch`.
pub async fn run_timers(store: &Store, batch: usize) -> Result<PetitionTimerReport, StoreError> {
    let batch = batch.max(1);
    let limit = i64::try_from(batch).unwrap_or(i64::MAX);
    let mut report = PetitionTimerReport::default();
    loop {
        let warned = store.petitions().mark_warnings(limit).await?;
        report.warned += warned.len();
        for p in &warned {
            tracing::info!(petition_id = p.id, code = %p.code, "信访件临近办理期限，已提醒");
        }
        if warned.len() < batch {
            break;
        }
    }
    loop {
        let overdue = store.petitions().mark_overdue(limit).await?;
        report.overdue += overdue.len();
        for p in &overdue {
            tracing::info!(petition_id = p.id, code = %p.code, "信访件已超过办理期限，已标记并通知");
        }
        if overdue.len() < batch {
            break;
        }
    }
    let today = crate::mediation::today(store);
    loop {
        let due = store.petitions().lapsed_windows(today, limit).await?;
        let mut done = 0;
        for p in &due {
            match act(store, &Who::System, p.id, p.version, Action::Conclude).await {
                Ok(_) => {
                    report.concluded += 1;
                    done += 1;
                }
                Err(PetitionError::Store(StoreError::Conflict(_) | StoreError::NotFound)) => report.skipped += 1,
                Err(PetitionError::Rule(TransitionError::WindowOpen { .. } | TransitionError::NotAllowed { .. })) => {
                    report.skipped += 1
                }
                Err(PetitionError::Store(e @ (StoreError::Unavailable(_) | StoreError::Internal(_))))
                    if e.bad_row_reason().is_none() =>
                {
                    return Err(e);
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(petition_id = p.id, code = %p.code, error = %e, "信访件到期办结失败");
                }
            }
        }
        if due.len() < batch || done == 0 {
            break;
        }
    }
    Ok(report)
}
