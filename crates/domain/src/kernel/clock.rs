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

/// China Standard Time, UTC+8, no daylight saving since 1991: the one definition of local time
/// (deadlines, calendar dates, display, parsed local input all use it).
pub const CHINA: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// An instant in Shanghai time.
pub fn shanghai(t: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    t.with_timezone(&CHINA)
}

/// An instant as people read it: `2026-12-05 09:30`, Shanghai time.
pub fn local_minute(t: DateTime<Utc>) -> String {
    shanghai(t).format("%Y-%m-%d %H:%M").to_string()
}

/// A Shanghai wall-clock time as an instant (`None` never happens for a fixed offset, but
/// chrono's API is total only this way).
pub fn from_shanghai(local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    CHINA.from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc))
}
