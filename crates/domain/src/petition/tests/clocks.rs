//! The clocks on the built-in working calendar, as properties (《信访工作条例》arts 22–23,
//! 34–36): calendar days where the regulation says 日, working days where it says 工作日.

use super::*;
use proptest::prelude::*;

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2024-07 .. 2028-03, to the microsecond: before, through and after the calendar's data.
    let from = Utc.with_ymd_and_hms(2024, 7, 1, 0, 0, 0).unwrap().timestamp_micros();
    let to = Utc.with_ymd_and_hms(2028, 3, 1, 0, 0, 0).unwrap().timestamp_micros();
    (from..to).prop_map(|us| DateTime::from_timestamp_micros(us).unwrap())
}

/// The first and last minute of a Shanghai day.
fn first_minute(d: NaiveDate) -> DateTime<Utc> {
    crate::kernel::clock::from_shanghai(d.and_hms_opt(0, 0, 0).unwrap()).unwrap()
}

fn last_minute(d: NaiveDate) -> DateTime<Utc> {
    crate::kernel::clock::from_shanghai(d.and_hms_opt(23, 59, 0).unwrap()).unwrap()
}

/// A petition transferred to 部门#1 at `t`.
fn transferred_at(t: DateTime<Utc>) -> Walk {
    let mut w = Walk::at(Kind::Claim, t - Duration::hours(2));
    w.later(60).ok(office(), notify());
    w.now = t;
    w.ok(office(), transfer(&dept(1)));
    w
}

/// A petition accepted by 部门#1 at `t`.
fn handling_at(t: DateTime<Utc>) -> Walk {
    let mut w = transferred_at(t - Duration::minutes(30));
    w.now = t;
    w.ok(of(&dept(1)), Action::Accept);
    w
}

/// A petition whose 复核 was requested at `t`, every step before it the same day or the day
/// before.
fn recheck_requested_at(t: DateTime<Utc>) -> Walk {
    let mut w = handling_at(t - Duration::hours(5));
    for (hours, step) in [(4, 0), (3, 1), (2, 2)] {
        w.now = t - Duration::hours(hours);
        let today = w.today();
        match step {
            0 => w.ok(of(&dept(1)), issue(today)),
            1 => w.ok(Actor::Petitioner, request_review()),
            _ => w.ok(leader(), answer_review(today)),
        };
    }
    w.now = t;
    w.ok(Actor::Petitioner, request_recheck());
    w
}

#[test]
fn fixed_points() {
    // Receipt on 2026-03-02: tell the petitioner by 03-17 (art 22/23); warned from 03-14.
    let w = Walk::new(Kind::Claim);
    let c = w.clock(ClockKind::Notice);
    assert_eq!((c.started_on, c.warn_on, c.due_on), (day("2026-03-02"), day("2026-03-14"), day("2026-03-17")));
    assert_eq!(c.due, sh("2026-03-17 23:59") + Duration::seconds(59));
    let at = |s: &str| clocks(&w.state, sh(s), &w.cal)[0].state;
    assert_eq!(at("2026-03-13 23:59"), ClockState::Running);
    assert_eq!(at("2026-03-14 00:00"), ClockState::Warned);
    assert_eq!(at("2026-03-17 23:59"), ClockState::Warned);
    assert_eq!(at("2026-03-18 00:00"), ClockState::Overdue);
    assert!(clocks(&w.state, sh("2026-03-18 00:00"), &w.cal)[0].needs_attention());
    // Told late: missed, no longer pending.
    let mut late = Walk::new(Kind::Claim);
    late.now = sh("2026-03-18 09:00");
    late.ok(office(), notify());
    let c = late.clock(ClockKind::Notice);
    assert_eq!((c.state, c.done_at), (ClockState::Missed, Some(late.now)));
    assert!(earliest_pending(&clocks(&late.state, late.now, &late.cal)).is_none());
    // Spring Festival 2026: a transfer on Friday 02-13 — Saturday 02-14 works (1), 02-15..23 off,
    // 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5).
    let w = transferred_at(sh("2026-02-13 10:00"));
    assert_eq!(w.clock(ClockKind::Objection).due_on, day("2026-02-27"));
    assert_eq!(earliest_pending(&clocks(&w.state, w.now, &w.cal)).unwrap().kind, ClockKind::UnitNotice);
}

proptest! {
    /// Art 34: 60 days from 受理, extended once by 1–30 days before they run out: never more
    /// than 90 days, never a second extension.
    #[test]
    fn handling_is_sixty_days_plus_one_extension_of_at_most_thirty(
        accepted in any_instant(),
        after_days in 0i64..75,
        days in 0u32..45,
        again in 0u32..45,
    ) {
        let mut w = handling_at(accepted);
        let start = date_of(accepted);
        prop_assert_eq!(w.clock(ClockKind::Handling).due_on, start + Duration::days(60));
        w.now = accepted + Duration::days(after_days);
        let in_time = w.today() <= start + Duration::days(60);
        let extend = |days| Action::Extend { days, reason: "情况复杂".into() };
        match w.try_(&leader(), &extend(days)) {
            Ok(d) => {
                prop_assert!((1..=30).contains(&days) && in_time);
                w.state = d.state;
            }
            Err(e) => {
                prop_assert!(!(1..=30).contains(&days) || !in_time, "{}", e);
            }
        }
        let second = w.try_(&leader(), &extend(again));
        if w.state.extension.is_some() {
            prop_assert_eq!(second.unwrap_err(), TransitionError::AlreadyExtended);
        }
        let c = w.clock(ClockKind::Handling);
        let total = (c.due_on - start).num_days();
        prop_assert_eq!(total, 60 + i64::from(c.extra_days));
        prop_assert!(total <= 90);
    }

    /// Art 35: the petitioner has exactly 30 calendar days from receiving the opinion — the
    /// whole 30th day, not one minute after.
    #[test]
    fn review_window_is_thirty_calendar_days(issued in any_instant(), lag in 0i64..3) {
        let mut w = handling_at(issued - Duration::days(lag) - Duration::hours(1));
        w.now = issued;
        let served_on = date_of(issued) - Duration::days(lag);
        w.ok(of(&dept(1)), issue(served_on));
        let last = served_on + Duration::days(30);
        prop_assert_eq!(w.clock(ClockKind::ReviewRequest).due_on, last);
        w.now = first_minute(last + Duration::days(1));
        prop_assert_eq!(w.clock(ClockKind::ReviewRequest).state, ClockState::Missed);
        prop_assert_eq!(w.try_(&Actor::Petitioner, &request_review()).unwrap_err(), TransitionError::ReviewExpired { expired: last });
        w.now = last_minute(last);
        prop_assert_eq!(w.try_(&Actor::System, &Action::Conclude).unwrap_err(), TransitionError::WindowOpen { what: "请求复查", until: last });
        w.ok(Actor::Petitioner, request_review());
        // The 复查 body then has 30 days from the request (art 35).
        prop_assert_eq!(w.clock(ClockKind::ReviewAnswer).due_on, last + Duration::days(30));
    }

    /// Art 36: 30 calendar days to ask for 复核 after the 复查 opinion, and 30 to answer.
    #[test]
    fn recheck_windows_are_thirty_calendar_days(requested in any_instant()) {
        let w = recheck_requested_at(requested);
        let served = w.state.review.as_ref().unwrap().answer.as_ref().unwrap().served_on;
        let window = w.clock(ClockKind::RecheckRequest);
        prop_assert_eq!(window.state, ClockState::Met);
        prop_assert_eq!((window.due_on - served).num_days(), 30);
        prop_assert_eq!((w.clock(ClockKind::RecheckAnswer).due_on - date_of(requested)).num_days(), 30);

        let mut late = Walk { state: w.state.clone(), now: w.now, cal: cal() };
        late.state.status = Status::Reviewed;
        late.state.recheck = None;
        late.now = first_minute(served + Duration::days(31));
        prop_assert_eq!(
            late.try_(&Actor::Petitioner, &request_recheck()).unwrap_err(),
            TransitionError::RecheckExpired { expired: served + Duration::days(30) }
        );
        late.now = last_minute(served + Duration::days(30));
        prop_assert!(late.try_(&Actor::Petitioner, &request_recheck()).is_ok());
    }

    /// Art 23: exactly 5 working days to object — a weekend or holiday never counts, an
    /// adjusted working weekend does.
    #[test]
    fn objection_window_is_five_working_days(t in any_instant()) {
        let w = transferred_at(t);
        let c = &w.cal;
        let start = date_of(t);
        let clock = w.clock(ClockKind::Objection);
        let due = clock.due_on;
        prop_assert!(c.is_working_day(due));
        prop_assert_eq!(c.working_days_between(start, due), 5);
        let days: Vec<NaiveDate> = start.iter_days().skip(1).take_while(|d| *d <= due).collect();
        prop_assert_eq!(days.iter().filter(|d| c.is_working_day(**d)).count(), 5);
        // One working day's warning: from the fourth working day.
        prop_assert_eq!(clock.warn_on, c.add_working_days(start, 4));

        let mut last = Walk { state: w.state.clone(), now: last_minute(due), cal: cal() };
        prop_assert!(last.try_(&of(&dept(1)), &object()).is_ok());
        last.now = first_minute(due + Duration::days(1));
        prop_assert_eq!(last.try_(&of(&dept(1)), &object()).unwrap_err(), TransitionError::ObjectionExpired { expired: due });
    }

    /// Art 36: the days of a hearing are not counted — the 复核 clock only ever ends later, by
    /// the hearing's days, or not at all if the 30 days were over before it began.
    #[test]
    fn a_hearing_never_shortens_the_recheck_clock(
        requested in any_instant(),
        start_after in 0i64..45,
        length in 0i64..20,
        ends in any::<bool>(),
    ) {
        let mut w = recheck_requested_at(requested);
        let base = w.clock(ClockKind::RecheckAnswer).due_on;
        prop_assert_eq!(base, date_of(requested) + Duration::days(30));
        w.now = requested + Duration::days(start_after) + Duration::minutes(1);
        w.ok(leader(), Action::StartHearing { note: String::new() });
        let hearing_start = w.today();
        w.now += Duration::days(length);
        if ends {
            w.ok(leader(), Action::EndHearing { note: String::new() });
        }
        let c = w.clock(ClockKind::RecheckAnswer);
        prop_assert!(c.due_on >= base);
        let first = hearing_start.max(date_of(requested) + Duration::days(1));
        if first <= base {
            let counted = (w.today() - first).num_days() + 1;
            prop_assert_eq!((c.due_on - base).num_days(), counted);
            prop_assert_eq!(c.state == ClockState::Paused, !ends);
        } else {
            prop_assert_eq!(c.due_on, base);
            prop_assert_eq!(c.state, ClockState::Overdue);
        }
        // Answered now, the opinion is in time exactly when today is within the (moved) end.
        if ends {
            let today = w.today();
            w.ok(leader(), answer_recheck(today, true));
            let answered = w.clock(ClockKind::RecheckAnswer);
            prop_assert_eq!(answered.state == ClockState::Met, today <= answered.due_on);
        }
    }
}
