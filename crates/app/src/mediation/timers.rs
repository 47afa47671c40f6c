//! The mediation timers, one job step: warn before the one-month limit (司法部《人民调解工作
//! 若干规定》art 33: 一般在一个月内调结), mark disputes past it overdue and supervise them (督办) as
//! the system, and lapse the 司法确认 windows that ended without an application (人民调解法
//! art 33: within 30 days of the agreement taking effect).
//!
//! Marks and their notices are committed first (`store.mediation().mark_*`); each flagged
//! dispute is then decided like any other action. A person's decision in between settles the
//! flag (the save clears it) and the system's is skipped as a conflict; if the rules no longer
//! call for 督办 (the limit was extended meanwhile) the flag is settled without one.

use super::{DisputeError, Who, act, confirm, today};
use tongxin_domain::mediation::{Action, ConfirmationAction, MediationError};
use tongxin_store::{Store, StoreError};

/// The note of an automatic supervision.
pub const AUTO_SUPERVISION_NOTE: &str = "超过调解期限仍未调结，系统自动督办";

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediationTimerReport {
    pub warned: usize,
    pub overdue: usize,
    pub supervised: usize,
    /// Someone acted on the dispute between the mark and the system's decision.
    pub skipped: usize,
    pub lapsed: usize,
    /// Disputes the system could not decide (a bad row, the rules refused): logged, left.
    pub failed: usize,
}

/// Runs every mediation timer due now, in batches of `batch`.
pub async fn run_timers(store: &Store, batch: usize) -> Result<MediationTimerReport, StoreError> {
    let batch = batch.max(1);
    let limit = i64::try_from(batch).unwrap_or(i64::MAX);
    let mut report = MediationTimerReport::default();
    loop {
        let warned = store.mediation().mark_limit_warnings(limit).await?;
        report.warned += warned.len();
        for d in &warned {
            tracing::info!(dispute_id = d.id, code = %d.code, "纠纷临近调解期限，已提醒");
        }
        if warned.len() < batch {
            break;
        }
    }
    loop {
        let overdue = store.mediation().mark_overdue(limit).await?;
        report.overdue += overdue.len();
        for d in &overdue {
            tracing::info!(dispute_id = d.id, code = %d.code, "纠纷已超过调解期限，已标记并通知");
        }
        if overdue.len() < batch {
            break;
        }
    }
    loop {
        let pending = store.mediation().pending_supervisions(limit).await?;
        let mut settled = 0;
        for d in &pending {
            let action = Action::Supervise { note: AUTO_SUPERVISION_NOTE.into() };
            match act(store, &Who::System, d.id, d.version, action).await {
                Ok(_) => {
                    report.supervised += 1;
                    settled += 1;
                }
                Err(DisputeError::Store(StoreError::Conflict(_) | StoreError::NotFound)) => {
                    report.skipped += 1;
                    settled += 1;
                }
                Err(DisputeError::Rule(MediationError::NotOverdue | MediationError::NotAllowed { .. })) => {
                    // Extended or settled meanwhile: nothing to supervise any more.
                    if store.mediation().settle_supervision(d.id, d.version).await? {
                        settled += 1;
                    }
                    report.skipped += 1;
                }
                Err(DisputeError::Store(e @ (StoreError::Unavailable(_) | StoreError::Internal(_))))
                    if e.bad_row_reason().is_none() =>
                {
                    return Err(e);
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(dispute_id = d.id, code = %d.code, error = %e, "纠纷自动督办失败");
                }
            }
        }
        if pending.len() < batch || settled == 0 {
            break;
        }
    }
    loop {
        let due = store.mediation().lapsable_confirmations(today(store), limit).await?;
        let mut done = 0;
        for d in &due {
            match confirm(store, &Who::System, d.id, d.version, ConfirmationAction::Lapse).await {
                Ok(_) => {
                    report.lapsed += 1;
                    done += 1;
                }
                Err(DisputeError::Store(StoreError::Conflict(_))) => report.skipped += 1,
                Err(DisputeError::Store(e @ (StoreError::Unavailable(_) | StoreError::Internal(_))))
                    if e.bad_row_reason().is_none() =>
                {
                    return Err(e);
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(dispute_id = d.id, code = %d.code, error = %e, "司法确认申请期限逾期标记失败");
                }
            }
        }
        if due.len() < batch || done == 0 {
            break;
        }
    }
    Ok(report)
}
