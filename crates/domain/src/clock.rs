//! Time comes from a clock the caller owns, so tests can hold it still or move it.

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, truncated to microseconds (what both databases store).
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock for tests: stands still until moved.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(at.trunc_subsecs(6)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().expect("clock lock");
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

/// Shanghai time (UTC+8, no daylight saving since 1991) for display.
pub fn shanghai(t: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
}
