//! The one shape every background job has, so the runner, the logs and the operators treat
//! the deadline timers, the outbox and the jobs later modules add (meeting reminders, volunteer
//! hours, hotspot scans) alike: a name, a trigger, a lease and a stated idempotency.
//!
//! Every server process runs every job, also several processes against one PostgreSQL
//! database; a job is correct under that only through its [`Idempotency`], which each job
//! declares and its tests prove (e.g. `tests/outbox.rs`: two processes never deliver a
//! message twice).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tongxin_store::StoreError;

/// When a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A pass at this interval; each pass finds its own due work by querying for it, so a
    /// missed pass (a restart, a slow tick) only delays work, never loses it.
    Every(Duration),
}

/// Why a pass may run twice, or in two processes at once, without doing its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Each item is claimed with a lease before it is worked on; an item is only taken by a
    /// second process after its claimer's lease ran out (the outbox).
    ClaimedWithLease,
    /// The decision and its mark are written in one transaction that only matches unmarked
    /// rows, so a repeated pass finds nothing left to do (the deadline timers).
    MarkedInSameTransaction,
}

/// What one pass did, as named counts for the log (zero counts are left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport(pub Vec<(&'static str, usize)>);

impl PassReport {
    /// Whether the pass did anything worth a log line.
    pub fn is_quiet(&self) -> bool {
        self.0.iter().all(|(_, n)| *n == 0)
    }
}

impl std::fmt::Display for PassReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (name, n) in self.0.iter().filter(|(_, n)| *n > 0) {
            if !first {
                f.write_str(" ")?;
            }
            write!(f, "{name}={n}")?;
            first = false;
        }
        Ok(())
    }
}

/// The future one pass returns.
pub type PassFuture<'a> = Pin<Box<dyn Future<Output = Result<PassReport, StoreError>> + Send + 'a>>;

/// A background job.
pub trait Job: Send + Sync + 'static {
    /// A stable name: log lines, and the `job` column of `job_quarantine` for rows it set aside.
    fn name(&self) -> &'static str;
    /// A short Chinese description for the log.
    fn title(&self) -> &'static str;
    fn trigger(&self) -> Trigger;
    /// How long what one pass claims stays reserved for it; `None` when a pass holds nothing
    /// between its transactions.
    fn lease(&self) -> Option<chrono::Duration>;
    fn idempotency(&self) -> Idempotency;
    /// One pass over the work due now.
    fn pass(&self) -> PassFuture<'_>;
}

#[cfg(test)]
mod tests {
    use super::PassReport;

    #[test]
    fn a_report_names_only_what_happened() {
        let r = PassReport(vec![("warned", 2), ("overdue", 0), ("supervised", 1)]);
        assert_eq!(r.to_string(), "warned=2 supervised=1");
        assert!(!r.is_quiet());
        assert!(PassReport(vec![("claimed", 0)]).is_quiet());
    }
}
