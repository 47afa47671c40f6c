//! The 信访 clocks as a [`Job`] beside the case timers: `tongxin_app::petitions::run_timers` warns
//! before the earliest pending duty's last day (15 日 to tell, 60 (+30) 日 to handle, 30 日 to
//! answer a 复查/复核 …), marks it overdue after, and concludes (办结) the petitions whose
//! 复查/复核 window lapsed unused (《信访工作条例》arts 22–36).
//!
//! Like the case timers, each mark and its notices are one transaction that only matches
//! unmarked rows, and a conclusion is a version-guarded decision: a second pass, or a second
//! process, finds nothing left to do.

use crate::JobsConfig;
use crate::job::{Idempotency, Job, PassFuture, PassReport, Trigger};
use tongxin_store::Store;

/// The job's name in the log.
pub const JOB_NAME: &str = "petition_timers";

/// The petition clocks as a job.
pub struct PetitionTimerJob {
    pub store: Store,
    pub cfg: JobsConfig,
}

impl Job for PetitionTimerJob {
    fn name(&self) -> &'static str {
        JOB_NAME
    }
    fn title(&self) -> &'static str {
        "信访期限提醒、超期标记与到期办结"
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
            let r = tongxin_app::petitions::run_timers(&self.store, self.cfg.batch).await?;
            Ok(PassReport(vec![
                ("warned", r.warned),
                ("overdue", r.overdue),
                ("concluded", r.concluded),
                ("skipped", r.skipped),
                ("failed", r.failed),
            ]))
        })
    }
}
