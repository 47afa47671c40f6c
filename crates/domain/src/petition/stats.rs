//! 按期率 of the petition clocks for leaders: for each statutory duty, how many were done by
//! their last day out of those whose outcome is known. The last days are the ones [`clocks`]
//! computes for the petition page and the overdue lists (calendar or working days exactly as
//! 《信访工作条例》 sets them, a 复核 hearing not counted); "done" is the recorded step (告知,
//! 受理, 意见书, 复查/复核意见) — so this page, the petition page and the lists cannot disagree.
//!
//! | duty | article |
//! |---|---|
//! | 书面告知 15 日 (the registering office) | 22, 23 |
//! | 承办单位告知 15 日 (the unit a petition was transferred to) | 23 |
//! | 办理 60 日 (+ ≤ 30 日 once) | 34 |
//! | 复查答复 30 日 | 35 |
//! | 复核答复 30 日 | 36 |
//!
//! 按期率 = met ÷ (met + missed + overdue): a clock still running (or paused by a hearing) has
//! no outcome yet and is left out; one past its last day and not done counts against at once.
//! The petitioner's and the unit's windows (异议, 复查/复核 申请) are rights, not duties, and are
//! not rated.

use super::clock::{Clock, ClockKind, ClockState, clocks};
use super::state::PetitionState;
use crate::kernel::calendar::WorkingCalendar;
use crate::kernel::ratio::Ratio;
use chrono::{DateTime, Utc};

/// The duties rated, in the order of the regulation.
pub const DUTIES: [ClockKind; 5] =
    [ClockKind::Notice, ClockKind::UnitNotice, ClockKind::Handling, ClockKind::ReviewAnswer, ClockKind::RecheckAnswer];

/// How one duty's clocks stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockTally {
    /// Done by the last day.
    pub met: i64,
    /// Done after it (or ended without it after it).
    pub missed: i64,
    /// Past the last day and not done.
    pub overdue: i64,
    /// Still counting (warned or paused included).
    pub running: i64,
}

impl ClockTally {
    /// 按期率: met ÷ every clock with an outcome.
    pub fn on_time(&self) -> Ratio {
        Ratio::new(self.met, self.met + self.missed + self.overdue)
    }

    fn add(&mut self, state: ClockState) {
        match state {
            ClockState::Met => self.met += 1,
            ClockState::Missed => self.missed += 1,
            ClockState::Overdue => self.overdue += 1,
            ClockState::Running | ClockState::Warned | ClockState::Paused => self.running += 1,
        }
    }
}

/// Adds clocks to the tallies of [`DUTIES`] (in that order); other clocks are ignored.
pub fn tally_clocks<'a>(tallies: &mut [(ClockKind, ClockTally); 5], all: impl IntoIterator<Item = &'a Clock>) {
    for c in all {
        if let Some((_, t)) = tallies.iter_mut().find(|(k, _)| *k == c.kind) {
            t.add(c.state);
        }
    }
}

/// The tallies of [`DUTIES`] over `petitions` at `now`.
pub fn tally<'a>(
    petitions: impl IntoIterator<Item = &'a PetitionState>,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> [(ClockKind, ClockTally); 5] {
    let mut out = DUTIES.map(|k| (k, ClockTally::default()));
    for p in petitions {
        tally_clocks(&mut out, &clocks(p, now, cal));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn clock(kind: ClockKind, state: ClockState) -> Clock {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        Clock {
            kind,
            started_on: day,
            extra_days: 0,
            warn_on: day,
            due_on: day,
            due: crate::case::deadline::end_of_shanghai_day(day),
            done_at: None,
            state,
        }
    }

    #[test]
    fn on_time_counts_only_clocks_with_an_outcome() {
        let mut t = DUTIES.map(|k| (k, ClockTally::default()));
        let clocks = [
            clock(ClockKind::Notice, ClockState::Met),
            clock(ClockKind::Notice, ClockState::Met),
            clock(ClockKind::Notice, ClockState::Missed),
            clock(ClockKind::Notice, ClockState::Overdue),
            clock(ClockKind::Notice, ClockState::Warned),
            clock(ClockKind::Notice, ClockState::Running),
            clock(ClockKind::RecheckAnswer, ClockState::Paused),
            // Windows are not rated.
            clock(ClockKind::Objection, ClockState::Missed),
            clock(ClockKind::ReviewRequest, ClockState::Met),
        ];
        tally_clocks(&mut t, &clocks);
        assert_eq!(t[0], (ClockKind::Notice, ClockTally { met: 2, missed: 1, overdue: 1, running: 2 }));
        assert_eq!(t[0].1.on_time().fraction(), "2 / 4");
        assert_eq!(t[4].1, ClockTally { running: 1, ..ClockTally::default() });
        assert_eq!(t[4].1.on_time().percent(), "—", "a paused hearing has no outcome yet");
        assert!(DUTIES.iter().all(|k| !k.is_window()));
    }
}
