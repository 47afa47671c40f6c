//! 催办 and 补充信息 by the requester (issue 11 item 5): which working day a press of 催办 counts
//! for. The rule itself (once per working day, only while a unit holds the case) is in
//! `machine::resident`.

use crate::kernel::calendar::WorkingCalendar;
use crate::kernel::clock::shanghai;
use chrono::{DateTime, NaiveDate, Utc};

/// Photos one 补充信息 may carry.
pub const MAX_NOTE_PHOTOS: usize = 3;

/// The working day a 催办 pressed at `now` counts for: today (Beijing time) when it is a
/// working day, else the next working day — presses over a weekend or a holiday all count for
/// the first working day after it, so the unit is urged once for it.
pub fn urge_day(calendar: &WorkingCalendar, now: DateTime<Utc>) -> NaiveDate {
    let today = shanghai(now).date_naive();
    if calendar.is_working_day(today) { today } else { calendar.add_working_days(today, 1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::{dept, fixture};
    use crate::case::{Action, ActionKind, Actor, Status, TransitionError, decide};
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        // Beijing time h:00 is UTC h-8.
        chrono::FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_working_day_a_press_counts_for() {
        let cal = WorkingCalendar::builtin();
        let table = [
            // (pressed at, Beijing time) → counts for
            (at(2026, 3, 2, 9), date(2026, 3, 2)),      // Monday
            (at(2026, 3, 2, 23), date(2026, 3, 2)),     // Monday night, still Monday in Beijing
            (at(2026, 3, 3, 0), date(2026, 3, 3)),      // past midnight: Tuesday
            (at(2026, 3, 7, 10), date(2026, 3, 9)),     // Saturday → Monday
            (at(2026, 3, 8, 10), date(2026, 3, 9)),     // Sunday → Monday
            (at(2026, 10, 1, 10), date(2026, 10, 8)),   // 国庆 → the first working day after it
            (at(2026, 10, 10, 10), date(2026, 10, 10)), // 调休上班 Saturday works
        ];
        for (now, want) in table {
            assert_eq!(urge_day(&cal, now), want, "{now}");
        }
    }

    #[test]
    fn urge_once_per_working_day_while_a_unit_holds_the_case() {
        let cal = WorkingCalendar::builtin();
        let monday = at(2026, 3, 2, 9);
        // (status, already urged for, pressed at, outcome)
        type Row = (Status, Option<NaiveDate>, DateTime<Utc>, Result<(), TransitionError>);
        let table: [Row; 9] = [
            (Status::Dispatched, None, monday, Ok(())),
            (Status::Acknowledged, None, monday, Ok(())),
            (Status::Acknowledged, Some(date(2026, 3, 2)), at(2026, 3, 2, 17), Err(TransitionError::AlreadyUrged)),
            (Status::Acknowledged, Some(date(2026, 3, 2)), at(2026, 3, 3, 8), Ok(())),
            // Saturday and Sunday count for Monday: once over the weekend.
            (Status::Acknowledged, Some(date(2026, 3, 9)), at(2026, 3, 8, 8), Err(TransitionError::AlreadyUrged)),
            (
                Status::Received,
                None,
                monday,
                Err(TransitionError::NotAllowed { status: Status::Received, action: ActionKind::Urge }),
            ),
            (
                Status::Accepted,
                None,
                monday,
                Err(TransitionError::NotAllowed { status: Status::Accepted, action: ActionKind::Urge }),
            ),
            (
                Status::Handled,
                None,
                monday,
                Err(TransitionError::NotAllowed { status: Status::Handled, action: ActionKind::Urge }),
            ),
            (
                Status::Closed,
                None,
                monday,
                Err(TransitionError::NotAllowed { status: Status::Closed, action: ActionKind::Urge }),
            ),
        ];
        for (status, last, now, want) in table {
            let mut w = fixture(status);
            w.state.last_urge_day = last;
            let action = Action::Urge { day: urge_day(&cal, now) };
            let got = decide(&w.state, &Actor::Requester, &action, now);
            match (&got, &want) {
                (Ok(d), Ok(())) => {
                    assert_eq!(d.state.last_urge_day, Some(urge_day(&cal, now)));
                    assert_eq!(d.events[0].kind.as_str(), "urged");
                    assert_eq!(d.notices, vec![crate::case::Notice::Urged { unit: dept(1) }]);
                    assert_eq!(d.notices[0].kind(), "urge");
                }
                (Err(e), Err(w)) => assert_eq!(e, w, "{status:?} {last:?} {now}"),
                _ => panic!("{status:?} {last:?} {now}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn a_note_is_the_requesters_while_open_and_reaches_who_holds_the_case() {
        let note = |text: &str, photos: usize| Action::AddNote {
            note: text.into(),
            photos: (0..photos).map(|i| format!("p{i}")).collect(),
        };
        // (status, action, outcome: Ok(recipient is the lead) or the error)
        let table: Vec<(Status, Action, Result<bool, TransitionError>)> = vec![
            (Status::Received, note("楼道灯还是不亮", 0), Ok(false)),
            (Status::Accepted, note("", 1), Ok(false)),
            (Status::Dispatched, note("晚上八点后最吵", 0), Ok(true)),
            (Status::Acknowledged, note("补充照片", 2), Ok(true)),
            (Status::Handled, note("其实还没修好", 0), Ok(true)),
            (Status::Acknowledged, note("   ", 0), Err(TransitionError::EmptyNote)),
            (Status::Acknowledged, note("", 4), Err(TransitionError::TooManyPhotos { max: MAX_NOTE_PHOTOS })),
            (
                Status::Closed,
                note("补充", 0),
                Err(TransitionError::NotAllowed { status: Status::Closed, action: ActionKind::AddNote }),
            ),
            (
                Status::Rejected,
                note("补充", 0),
                Err(TransitionError::NotAllowed { status: Status::Rejected, action: ActionKind::AddNote }),
            ),
        ];
        for (status, action, want) in table {
            let w = fixture(status);
            let got = decide(&w.state, &Actor::Requester, &action, w.now);
            match (got, want) {
                (Ok(d), Ok(to_lead)) => {
                    assert_eq!(d.events[0].kind.as_str(), "requester_note");
                    let want_unit = if to_lead { Some(dept(1)) } else { None };
                    assert_eq!(d.notices, vec![crate::case::Notice::RequesterNote { unit: want_unit }], "{status:?}");
                }
                (Err(e), Err(w)) => assert_eq!(e, w, "{status:?}"),
                (got, want) => panic!("{status:?}: got {got:?}, want {want:?}"),
            }
        }
        // Staff never write in the requester's name.
        let w = fixture(Status::Acknowledged);
        assert!(decide(&w.state, &crate::case::tests::dispatcher(), &note("x", 0), w.now).is_err());
    }
}
