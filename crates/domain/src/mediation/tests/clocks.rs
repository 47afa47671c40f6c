//! Properties of the clocks on the built-in working calendar: the 司法确认 periods (民诉法
//! art 85: calendar days, a last day off work moves to the next working day), and the
//! one-month mediation limit, extended only with every party's consent.

use super::*;
use crate::mediation::clock::*;
use proptest::prelude::*;

/// A day in 2025–2027, the years the built-in calendar covers.
fn covered_day() -> impl Strategy<Value = NaiveDate> {
    (0u64..365 * 3).prop_map(|n| day(2025, 1, 1) + chrono::Days::new(n))
}

/// What 民诉法 art 85 says a period of `days` from `start` ends on, checked day by day.
fn assert_art_85(start: NaiveDate, days: u32, end: NaiveDate, cal: &WorkingCalendar) -> Result<(), TestCaseError> {
    let nominal = start + chrono::Days::new(u64::from(days));
    prop_assert!(end >= nominal);
    prop_assert!(cal.is_working_day(end), "{end} is a working day");
    // Every day between the nominal last day and the end is off work (a holiday run).
    let mut d = nominal;
    while d < end {
        prop_assert!(!cal.is_working_day(d), "{d} lies off work");
        d = d.succ_opt().unwrap();
    }
    if cal.is_working_day(nominal) {
        prop_assert_eq!(end, nominal);
    }
    Ok(())
}

proptest! {
    /// 人民调解法 art 33 / 民诉法 art 205: the 30-day window.
    #[test]
    fn the_thirty_day_window(effective in covered_day()) {
        let cal = cal();
        assert_art_85(effective, 30, confirmation_window_end(effective, &cal), &cal)?;
    }

    /// 法释〔2011〕5号 arts 4–5: acceptance within 3 days; the ruling within 15, or 25 with approval.
    #[test]
    fn the_court_clocks(start in covered_day()) {
        let cal = cal();
        assert_art_85(start, 3, court_acceptance_due(start, &cal), &cal)?;
        let plain = ruling_due(start, false, &cal);
        let extended = ruling_due(start, true, &cal);
        assert_art_85(start, 15, plain, &cal)?;
        assert_art_85(start, 25, extended, &cal)?;
        prop_assert!(extended >= plain + chrono::Days::new(1), "approval never shortens the period");
    }

    /// The application is accepted exactly up to the window's last day (art 33).
    #[test]
    fn applying_on_any_day(offset in 0i64..45) {
        let mut w = fixture(Status::Performing);
        let effective = w.state.effective_on().unwrap();
        let on = effective + Duration::days(offset);
        w.now = t0() + Duration::days(60);
        let action = ConfirmationAction::Apply { on, court: "婺城区人民法院".into(), applicants: vec![1, 0] };
        let got = decide_confirmation(&w.state, &mediator(), &action, w.now, &cal());
        let end = confirmation_window_end(effective, &cal());
        prop_assert_eq!(got.is_ok(), on <= end, "{} vs {}: {:?}", on, end, got);
        if on > end {
            prop_assert_eq!(got.unwrap_err(), MediationError::WindowMissed(end));
        }
        // And the shown status turns to missed the day after the window, never before.
        let view = confirmation_view(&w.state, on, &cal());
        let missed = view.status == ConfirmationStatus::WindowMissed;
        prop_assert_eq!(missed, on > end);
    }

    /// 若干规定 art 33: one calendar month from acceptance, whatever the hour, and a warning
    /// that comes before the overdue mark and never goes back.
    #[test]
    fn the_one_month_limit(accepted in covered_day(), minute in 0i64..1440, warn in 0u32..10) {
        let at = crate::kernel::clock::from_shanghai(accepted.and_hms_opt(0, 0, 0).unwrap()).unwrap()
            + Duration::minutes(minute);
        let deadline = mediation_deadline(at, 0);
        let due = mediation_due_date(accepted, 0);
        prop_assert_eq!(crate::case::deadline::shanghai_date(deadline), due);
        prop_assert!(due > accepted && due <= accepted + chrono::Days::new(31));
        prop_assert!(due >= accepted + chrono::Days::new(28));
        let mut last = LimitState::Running;
        let rank = |s: LimitState| match s {
            LimitState::Running => 0,
            LimitState::Warning { .. } => 1,
            LimitState::Overdue => 2,
        };
        let mut t = at;
        while t < deadline + Duration::days(2) {
            let s = limit_state(deadline, t, warn);
            prop_assert!(rank(s) >= rank(last), "{:?} after {:?}", s, last);
            prop_assert_eq!(s == LimitState::Overdue, t > deadline);
            last = s;
            t += Duration::hours(7);
        }
    }

    /// The limit moves only by extensions every party consented to, by exactly their days.
    #[test]
    fn never_extended_without_every_consent(
        attempts in prop::collection::vec((0u32..70, prop::collection::vec(0u8..3, 0..4)), 1..8),
    ) {
        let mut w = fixture(Status::Mediating);
        let accepted_at = w.state.accepted_at.unwrap();
        let mut granted = 0u32;
        for (days, consents) in attempts {
            let before = w.state.clone();
            let action = Action::ExtendLimit { days, consents: consents.clone(), reason: "双方同意".into() };
            let got = decide(&w.state, &dispatcher(), &action, w.now);
            let everyone = (0u8..2).all(|p| consents.contains(&p));
            let known = consents.iter().all(|c| *c < 2);
            let fits = (1..=MAX_EXTENSION_DAYS).contains(&days) && granted + days <= MAX_TOTAL_EXTENSION_DAYS;
            prop_assert_eq!(got.is_ok(), everyone && known && fits, "{} days, consents {:?}: {:?}", days, consents, got);
            match got {
                Ok(d) => {
                    granted += days;
                    w.state = d.state;
                }
                Err(_) => prop_assert_eq!(&w.state, &before),
            }
            prop_assert_eq!(w.state.extension_days, granted);
            prop_assert_eq!(w.state.deadline, Some(mediation_deadline(accepted_at, granted)));
        }
    }
}

/// The decision stops the clock where the rules say: it is overdue only while accepted or
/// mediating, and the system may supervise only then.
#[test]
fn overdue_only_while_mediation_runs() {
    let mut w = fixture(Status::Mediating);
    let deadline = w.state.deadline.unwrap();
    assert_eq!(crate::case::deadline::shanghai_date(deadline), day(2026, 4, 2));
    w.now = deadline;
    w.err(Actor::System, Action::Supervise { note: String::new() });
    w.now = deadline + Duration::seconds(1);
    assert!(w.state.is_overdue(w.now));
    let d = w.ok(Actor::System, Action::Supervise { note: String::new() });
    assert_eq!(d.notices, vec![Notice::Supervised { org: COMMITTEE.id, mediators: vec![1] }]);
    let due = w.today();
    w.ok(mediator(), oral(due));
    assert!(!w.state.is_overdue(w.now), "an agreement stops the clock");
    assert_eq!(w.err(Actor::System, Action::Supervise { note: String::new() }), MediationError::NotOverdue);
}
