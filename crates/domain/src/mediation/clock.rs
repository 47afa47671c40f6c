//! The clocks of a dispute. Two kinds of period, each counted as its rule says:
//!
//! - The **mediation time limit** (司法部《人民调解工作若干规定》art 33: 一般在一个月内调结) runs
//!   one calendar month from the Shanghai date of acceptance (the same day of the next month; the
//!   month's last day when it has no such day), plus the calendar days the parties agreed to
//!   extend by (extension only with both parties' consent: DOMAIN-RULES §1.3). It ends at 23:59:59
//!   Shanghai time of its last day. It is an administrative target, not a procedural period:
//!   holidays do not move it. A warning is due a few days before ([`DEFAULT_WARN_DAYS`]).
//! - The **司法确认 periods** are procedural periods (期间) of the 民事诉讼法, counted by its
//!   art 85 (2023修正): the start day does not count, and a period whose last day is a 法定休假日
//!   ends on the first working day after it ([`WorkingCalendar::is_working_day`]: weekends and
//!   holidays are off, adjusted working weekends work). They are: the joint application within
//!   30 days of the agreement taking effect (人民调解法 art 33, 民诉法 art 205); the court's
//!   decision to accept within 3 days (法释〔2011〕5号 art 4); its ruling within 15 days of
//!   acceptance, 25 with the president's approval (same, art 5).
//! - **Performance due dates** come from the agreement's items (art 29); an item is overdue the
//!   day after its due date while it is not performed.

use crate::case::deadline::{end_of_shanghai_day, latest_deadline, shanghai_date};
use crate::kernel::calendar::WorkingCalendar;
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The mediation time limit, in calendar months from acceptance.
pub const MEDIATION_LIMIT_MONTHS: u32 = 1;
/// Days before the limit at which the dispute is flagged.
pub const DEFAULT_WARN_DAYS: u32 = 5;
/// The longest single extension the parties may agree to, in days (a platform bound).
pub const MAX_EXTENSION_DAYS: u32 = 60;
/// The longest the limit may be extended in all, in days (a platform bound).
pub const MAX_TOTAL_EXTENSION_DAYS: u32 = 180;
/// 人民调解法 art 33 / 民诉法 art 205: apply within 30 days of the agreement taking effect.
pub const CONFIRMATION_WINDOW_DAYS: u32 = 30;
/// 法释〔2011〕5号 art 4: the court decides whether to accept within 3 days.
pub const COURT_ACCEPTANCE_DAYS: u32 = 3;
/// 法释〔2011〕5号 art 5: the ruling within 15 days of acceptance …
pub const RULING_DAYS: u32 = 15;
/// … extendable by 10 days with the president's approval.
pub const RULING_EXTENSION_DAYS: u32 = 10;

/// The last day of the mediation limit: `accepted_on` + one calendar month + `extension_days`.
/// Saturates at chrono's last date.
pub fn mediation_due_date(accepted_on: NaiveDate, extension_days: u32) -> NaiveDate {
    accepted_on
        .checked_add_months(Months::new(MEDIATION_LIMIT_MONTHS))
        .and_then(|d| d.checked_add_days(Days::new(u64::from(extension_days))))
        .unwrap_or(NaiveDate::MAX)
}

/// The instant the mediation limit runs out: the end of [`mediation_due_date`] in Shanghai,
/// for a dispute accepted at `accepted_at`.
pub fn mediation_deadline(accepted_at: DateTime<Utc>, extension_days: u32) -> DateTime<Utc> {
    let due = mediation_due_date(shanghai_date(accepted_at), extension_days);
    if due >= latest_deadline().date_naive() { latest_deadline() } else { end_of_shanghai_day(due) }
}

/// Where a running limit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LimitState {
    /// More than the warning days left.
    Running,
    /// Within the warning days: `days_left` calendar days after today up to the last day (0:
    /// today is the last day).
    Warning { days_left: u32 },
    /// Past the deadline.
    Overdue,
}

impl LimitState {
    pub fn label(self) -> &'static str {
        match self {
            LimitState::Running => "调解期限内",
            LimitState::Warning { .. } => "即将到期",
            LimitState::Overdue => "已超期",
        }
    }
}

/// Where the limit ending at `deadline` stands at `now`, warning `warn_days` calendar days
/// before the last day.
pub fn limit_state(deadline: DateTime<Utc>, now: DateTime<Utc>, warn_days: u32) -> LimitState {
    if now > deadline {
        return LimitState::Overdue;
    }
    let left = (shanghai_date(deadline) - shanghai_date(now)).num_days();
    match u32::try_from(left) {
        Ok(days_left) if days_left <= warn_days => LimitState::Warning { days_left },
        _ => LimitState::Running,
    }
}

/// The last day of a procedural period of `days` days starting on `start` (民诉法 art 85: the
/// start day does not count; a last day off work moves to the next working day). Saturates at
/// chrono's last date.
pub fn period_end(start: NaiveDate, days: u32, cal: &WorkingCalendar) -> NaiveDate {
    let Some(last) = start.checked_add_days(Days::new(u64::from(days))) else {
        return NaiveDate::MAX;
    };
    if cal.is_working_day(last) { last } else { cal.add_working_days(last, 1) }
}

/// The last day to apply for 司法确认, for an agreement effective on `effective_on`.
pub fn confirmation_window_end(effective_on: NaiveDate, cal: &WorkingCalendar) -> NaiveDate {
    period_end(effective_on, CONFIRMATION_WINDOW_DAYS, cal)
}

/// The last day for the court to decide whether to accept an application made on `applied_on`.
pub fn court_acceptance_due(applied_on: NaiveDate, cal: &WorkingCalendar) -> NaiveDate {
    period_end(applied_on, COURT_ACCEPTANCE_DAYS, cal)
}

/// The last day for the ruling on an application accepted on `accepted_on`; `extended` when
/// the president approved the 10 extra days.
pub fn ruling_due(accepted_on: NaiveDate, extended: bool, cal: &WorkingCalendar) -> NaiveDate {
    let days = if extended { RULING_DAYS + RULING_EXTENSION_DAYS } else { RULING_DAYS };
    period_end(accepted_on, days, cal)
}

/// An unperformed item due on `due` is overdue on `today` (the due day itself still counts).
pub fn performance_overdue(due: NaiveDate, today: NaiveDate) -> bool {
    today > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 若干规定 art 33: one calendar month; a month without the day ends on its last day.
    #[test]
    fn one_calendar_month() {
        assert_eq!(mediation_due_date(day(2026, 3, 2), 0), day(2026, 4, 2));
        assert_eq!(mediation_due_date(day(2026, 1, 31), 0), day(2026, 2, 28));
        assert_eq!(mediation_due_date(day(2028, 1, 31), 0), day(2028, 2, 29));
        assert_eq!(mediation_due_date(day(2026, 12, 15), 0), day(2027, 1, 15));
        // Holidays do not move it: 2026-09-30 + 1 month is 国庆 (2026-10-30 is a Friday anyway).
        assert_eq!(mediation_due_date(day(2026, 9, 1), 0), day(2026, 10, 1));
        assert_eq!(mediation_due_date(day(2026, 3, 2), 10), day(2026, 4, 12));
        assert_eq!(mediation_due_date(NaiveDate::MAX, 1), NaiveDate::MAX);
        // Accepted 2026-03-01 20:00 UTC = 03-02 04:00 Shanghai: due 04-02 23:59:59 Shanghai.
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
        assert_eq!(mediation_deadline(t, 0), Utc.with_ymd_and_hms(2026, 4, 2, 15, 59, 59).unwrap());
    }

    #[test]
    fn warning_and_overdue() {
        let deadline = Utc.with_ymd_and_hms(2026, 4, 2, 15, 59, 59).unwrap();
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 4, d, h, 0, 0).unwrap();
        assert_eq!(limit_state(deadline, at(1, 0) - chrono::Duration::days(5), 5), LimitState::Running);
        assert_eq!(
            limit_state(deadline, at(1, 0) - chrono::Duration::days(4), 5),
            LimitState::Warning { days_left: 5 }
        );
        assert_eq!(limit_state(deadline, at(2, 15), 5), LimitState::Warning { days_left: 0 });
        assert_eq!(limit_state(deadline, at(2, 16), 5), LimitState::Overdue);
        assert_eq!(LimitState::Overdue.label(), "已超期");
    }

    /// 民诉法 art 85 on the 2026 calendar: a last day in a holiday moves to the first working day.
    #[test]
    fn procedural_periods_skip_a_last_day_off() {
        let cal = WorkingCalendar::builtin();
        // Effective 2026-09-01 (Tue): +30 = 10-01 (国庆) → the first working day after the holiday.
        let end = confirmation_window_end(day(2026, 9, 1), &cal);
        assert!(end > day(2026, 10, 1) && cal.is_working_day(end));
        assert!(day(2026, 10, 2).iter_days().take_while(|d| *d < end).all(|d| !cal.is_working_day(d)));
        // Applied Wednesday 2026-03-04: +3 = Saturday 03-07 → Monday 03-09.
        assert_eq!(court_acceptance_due(day(2026, 3, 4), &cal), day(2026, 3, 9));
        // Applied Monday 2026-03-02: +3 = Thursday, a working day.
        assert_eq!(court_acceptance_due(day(2026, 3, 2), &cal), day(2026, 3, 5));
        // Accepted Monday 2026-03-02: +15 = Tuesday 03-17; +25 = Friday 03-27.
        assert_eq!(ruling_due(day(2026, 3, 2), false, &cal), day(2026, 3, 17));
        assert_eq!(ruling_due(day(2026, 3, 2), true, &cal), day(2026, 3, 27));
        assert_eq!(period_end(NaiveDate::MAX, 3, &cal), NaiveDate::MAX);
        assert!(performance_overdue(day(2026, 3, 21), day(2026, 3, 22)));
        assert!(!performance_overdue(day(2026, 3, 21), day(2026, 3, 21)));
    }
}
