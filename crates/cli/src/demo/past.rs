//! The demo's past, replayed through the use-cases (issue 12): a clock that walks forward
//! through the year, the stories' steps in time order, and each simulated day's jobs (the
//! module's timers, then the outbox) run at its end, so that every record, clock, notice and
//! audit entry carries the day it happened. Used by [`super::mediation_year`] and
//! [`super::petition_year`].

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tongxin_domain::kernel::clock::{Clock, ManualClock, from_shanghai, shanghai};
use tongxin_jobs::{JobsConfig, SmsSender, deliver_due};
use tongxin_store::Store;

use super::names;

/// Which module's timer job runs at each day's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jobs {
    Mediation,
    Petitions,
}

/// The store on a clock in the past.
pub struct Past {
    clock: Arc<ManualClock>,
    pub store: Store,
    /// The day whose end has not run yet.
    day: NaiveDate,
    sms: Arc<dyn SmsSender>,
}

impl Past {
    pub fn new(store: &Store, start: DateTime<Utc>, sms: Arc<dyn SmsSender>) -> Past {
        let clock = Arc::new(ManualClock::new(start));
        let day = shanghai(start).date_naive();
        Past { store: store.on_clock(clock.clone()), clock, day, sms }
    }

    /// Moves the clock to `at` (never back); every day that ends on the way runs its jobs at
    /// 23:30 first, as the server would have.
    pub async fn move_to(&mut self, at: DateTime<Utc>, jobs: Jobs) -> anyhow::Result<()> {
        while self.day < shanghai(at).date_naive() {
            let end = from_shanghai(self.day.and_hms_opt(23, 30, 0).expect("a time")).expect("Shanghai time");
            self.advance(end);
            match jobs {
                Jobs::Mediation => drop(tongxin_app::mediation::run_timers(&self.store, 200).await?),
                Jobs::Petitions => drop(tongxin_app::petitions::run_timers(&self.store, 200).await?),
            }
            deliver_due(&self.store, &self.sms, &JobsConfig::default()).await?;
            self.day += Duration::days(1);
        }
        self.advance(at);
        Ok(())
    }

    fn advance(&self, to: DateTime<Utc>) {
        self.clock.advance((to - self.clock.now()).max(Duration::zero()));
    }
}

/// Every story's steps before `now` as (when, story, step), in time order; `times` gives each
/// story's step times.
pub fn timeline(
    times: impl Iterator<Item = Vec<DateTime<Utc>>>,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, usize, usize)> {
    let mut all: Vec<_> = times
        .enumerate()
        .flat_map(|(i, steps)| steps.into_iter().enumerate().map(move |(k, at)| (at, i, k)))
        .filter(|(at, _, _)| *at < now)
        .collect();
    all.sort();
    all
}

/// What the year did: disputes registered, steps taken, steps refused (the rest of such a
/// dispute's story is dropped; the seed's stories are built to pass).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct YearReport {
    pub disputes: usize,
    pub steps: usize,
    pub refused: usize,
    /// The first few refusals, for the log and the tests.
    pub errors: Vec<String>,
}

impl YearReport {
    /// Counts a refused step and keeps its message among the first few.
    pub fn refuse(&mut self, what: String) {
        self.refused += 1;
        if self.errors.len() < 5 {
            self.errors.push(what);
        }
    }
}

/// A working day's moment (09:00–17:00 Shanghai) `days` days after `t` (weekends skipped).
pub(super) fn later(rng: &mut ChaCha8Rng, t: DateTime<Utc>, days: std::ops::Range<i64>) -> DateTime<Utc> {
    let mut date = shanghai(t).date_naive() + Duration::days(rng.random_range(days));
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        date += Duration::days(1);
    }
    let at = date.and_hms_opt(rng.random_range(9..17), rng.random_range(0..60), 0).expect("a time of day");
    let at = from_shanghai(at).expect("Shanghai time is unambiguous");
    // Never before the step it follows.
    at.max(t + Duration::minutes(10))
}

/// A party's or petitioner's name.
pub(super) fn person(rng: &mut ChaCha8Rng) -> String {
    let male = rng.random_bool(0.5);
    let year = rng.random_range(1950..=1998);
    let surname = names::surname(rng);
    names::full_name(rng, surname, year, male)
}
