//! Case deadlines (办理时限): how long a case may take, by urgency, on the working calendar.
//!
//! Defaults follow Beijing's 12345 practice (DESIGN §2.4): emergency (紧急) 2 hours;
//! water, power, gas and heating (水电气热) 24 hours; general (一般) 7 working days; complex
//! (复杂) 15 working days; contact the requester within 24 hours; warn at 80% of the allowed
//! time. All of it is configurable ([`DeadlinePolicy`] is serde).
//!
//! Semantics:
//! - The clock starts at dispatch; an approved extension moves the deadline ([`extend`]); a
//!   refused one does not (the caller simply keeps the old deadline).
//! - `Hours(n)` is `n` clock hours, whatever the calendar says: 24 hours across a holiday is
//!   still 24 hours.
//! - `WorkingDays(n)` started at time `t` ends at 23:59:59 Shanghai time (UTC+8, fixed — China
//!   has no daylight saving) of the `n`-th working day strictly after `t`'s Shanghai date
//!   ([`WorkingCalendar::add_working_days`]). So the day of dispatch never counts, whatever the
//!   hour, and `WorkingDays(0)` is the end of the dispatch day.
//! - Every instant is UTC.

use crate::kernel::calendar::WorkingCalendar;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The default warning point: 80% of the allowed time.
pub const DEFAULT_WARN_RATIO: f64 = 0.8;

/// China Standard Time, UTC+8 (defined once, in [`crate::kernel::clock::CHINA`]).
pub fn shanghai() -> FixedOffset {
    crate::kernel::clock::CHINA
}

/// The Shanghai calendar date of an instant (total: chrono's last instants have no Shanghai
/// date of their own and count as its last date).
pub fn shanghai_date(t: DateTime<Utc>) -> NaiveDate {
    t.naive_utc().checked_add_signed(Duration::hours(8)).map_or(NaiveDate::MAX, |n| n.date())
}

/// The latest deadline ever computed: arithmetic on absurd limits saturates here, an instant
/// every database stores and every page can show in Shanghai time (issue 9, item 9).
pub fn latest_deadline() -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(
        NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date").and_time(NaiveTime::MIN),
        Utc,
    )
}

/// 23:59:59 Shanghai time on `date`, in UTC.
pub fn end_of_shanghai_day(date: NaiveDate) -> DateTime<Utc> {
    let last = NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a valid time");
    shanghai()
        .from_local_datetime(&date.and_time(last))
        .single()
        .expect("a fixed offset has exactly one local time")
        .with_timezone(&Utc)
}

/// An allowed time: clock hours, or working days on the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    Hours(u32),
    WorkingDays(u32),
}

impl TimeLimit {
    /// In Chinese, e.g. “2小时”, “7个工作日”.
    pub fn label(self) -> String {
        match self {
            TimeLimit::Hours(n) => format!("{n}小时"),
            TimeLimit::WorkingDays(n) => format!("{n}个工作日"),
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, TimeLimit::Hours(0) | TimeLimit::WorkingDays(0))
    }

    /// The largest limit of the same kind when this one is above `max_hours` or `max_days`.
    pub fn above(self, max_hours: u32, max_days: u32) -> Option<TimeLimit> {
        match self {
            TimeLimit::Hours(n) if n > max_hours => Some(TimeLimit::Hours(max_hours)),
            TimeLimit::WorkingDays(n) if n > max_days => Some(TimeLimit::WorkingDays(max_days)),
            _ => None,
        }
    }
}

/// Bounds on configured and requested durations (issue 9, item 9): a case's time limit is at
/// most 720 hours (30 days) or 60 working days, …
pub const MAX_POLICY_HOURS: u32 = 720;
pub const MAX_POLICY_WORKING_DAYS: u32 = 60;
/// … and one extension (延期) at most 720 hours or 30 working days.
pub const MAX_EXTENSION_HOURS: u32 = 720;
pub const MAX_EXTENSION_WORKING_DAYS: u32 = 30;

impl std::fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// How urgent a case is, which sets its time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 紧急: danger to life or property.
    Emergency,
    /// 水电气热: water, power, gas or heating out.
    Utility,
    /// 一般.
    General,
    /// 复杂: needs several departments or long work.
    Complex,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [Urgency::Emergency, Urgency::Utility, Urgency::General, Urgency::Complex];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Emergency => "emergency",
            Urgency::Utility => "utility",
            Urgency::General => "general",
            Urgency::Complex => "complex",
        }
    }

    /// From [`Urgency::as_str`] or [`Urgency::label`].
    pub fn parse(s: &str) -> Option<Urgency> {
        let s = s.trim();
        Urgency::ALL.into_iter().find(|u| u.as_str() == s || u.label() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Emergency => "紧急",
            Urgency::Utility => "水电气热",
            Urgency::General => "一般",
            Urgency::Complex => "复杂",
        }
    }
}

/// The time limits, per urgency, and when to warn. `Default` is the 12345 practice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadlinePolicy {
    pub emergency: TimeLimit,
    pub utility: TimeLimit,
    pub general: TimeLimit,
    pub complex: TimeLimit,
    /// Contacting the requester (a component of 响应率).
    pub contact: TimeLimit,
    /// The share of the allowed time after which the case is warned about (0 < ratio ≤ 1).
    pub warn_ratio: f64,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            emergency: TimeLimit::Hours(2),
            utility: TimeLimit::Hours(24),
            general: TimeLimit::WorkingDays(7),
            complex: TimeLimit::WorkingDays(15),
            contact: TimeLimit::Hours(24),
            warn_ratio: DEFAULT_WARN_RATIO,
        }
    }
}

/// A policy that can't be used, in Chinese.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeadlinePolicyError {
    #[error("“{urgency}”的办理时限不能为 0")]
    ZeroLimit { urgency: &'static str },
    #[error("联系诉求人的时限不能为 0")]
    ZeroContact,
    #[error("“{urgency}”的办理时限不能超过{max}")]
    TooLong { urgency: &'static str, max: TimeLimit },
    #[error("预警比例应大于 0、不大于 1（如 0.8 表示用去八成时限时预警），实为 {0}")]
    BadWarnRatio(f64),
}

/// The instants a dispatched case must meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Contact the requester by then.
    pub contact_by: DateTime<Utc>,
    /// Warn the handling unit at this point.
    pub warn_at: DateTime<Utc>,
    /// Handle the case by then; overdue (督办) after.
    pub deadline: DateTime<Utc>,
}

impl DeadlinePolicy {
    pub fn limit(&self, u: Urgency) -> TimeLimit {
        match u {
            Urgency::Emergency => self.emergency,
            Urgency::Utility => self.utility,
            Urgency::General => self.general,
            Urgency::Complex => self.complex,
        }
    }

    /// Checks an admin-edited policy: no zero limit, a warning ratio in (0, 1].
    pub fn validate(&self) -> Result<(), DeadlinePolicyError> {
        for u in Urgency::ALL {
            if self.limit(u).is_zero() {
                return Err(DeadlinePolicyError::ZeroLimit { urgency: u.label() });
            }
        }
        if self.contact.is_zero() {
            return Err(DeadlinePolicyError::ZeroContact);
        }
        let long = |l: TimeLimit| l.above(MAX_POLICY_HOURS, MAX_POLICY_WORKING_DAYS);
        for u in Urgency::ALL {
            if let Some(max) = long(self.limit(u)) {
                return Err(DeadlinePolicyError::TooLong { urgency: u.label(), max });
            }
        }
        if let Some(max) = long(self.contact) {
            return Err(DeadlinePolicyError::TooLong { urgency: "联系诉求人", max });
        }
        if !(self.warn_ratio > 0.0 && self.warn_ratio <= 1.0) {
            return Err(DeadlinePolicyError::BadWarnRatio(self.warn_ratio));
        }
        Ok(())
    }

    /// Contact, warning and handling deadlines of a case of urgency `u` dispatched at `start`.
    pub fn schedule(&self, u: Urgency, start: DateTime<Utc>, cal: &WorkingCalendar) -> Schedule {
        let due = deadline(start, self.limit(u), cal);
        Schedule {
            contact_by: deadline(start, self.contact, cal),
            warn_at: warn_at(start, due, self.warn_ratio),
            deadline: due,
        }
    }
}

/// The deadline of `limit` started at `start` (semantics in the module documentation).
///
/// Never before `start`. Saturates at [`latest_deadline`] for absurd limits (or `start`, if later).
pub fn deadline(start: DateTime<Utc>, limit: TimeLimit, cal: &WorkingCalendar) -> DateTime<Utc> {
    let latest = latest_deadline().max(start);
    let due = match limit {
        TimeLimit::Hours(n) => start.checked_add_signed(Duration::hours(i64::from(n))),
        TimeLimit::WorkingDays(n) => cal
            .checked_add_working_days(shanghai_date(start), n)
            .filter(|day| *day < latest_deadline().date_naive())
            .map(|day| end_of_shanghai_day(day).max(start)),
    };
    due.map_or(latest, |d| d.min(latest))
}

/// The instant `ratio` of the way from `start` to `deadline` (0.8: when 80% of the allowed time
/// is used). The ratio is clamped to [0, 1], so the result always lies between the two; a NaN
/// ratio counts as [`DEFAULT_WARN_RATIO`]. Microsecond precision.
pub fn warn_at(start: DateTime<Utc>, deadline: DateTime<Utc>, ratio: f64) -> DateTime<Utc> {
    let ratio = if ratio.is_nan() { DEFAULT_WARN_RATIO } else { ratio.clamp(0.0, 1.0) };
    let span = deadline - start;
    let offset = match span.num_microseconds() {
        Some(us) => Duration::microseconds((us as f64 * ratio).round() as i64),
        None => Duration::milliseconds((span.num_milliseconds() as f64 * ratio).round() as i64),
    };
    let at = start + offset;
    // Rounding can't step outside, but keep the promise explicit.
    at.clamp(start.min(deadline), start.max(deadline))
}

/// The deadline after an approved extension (延期) of `extra`.
///
/// `Hours(n)` adds n clock hours. `WorkingDays(n)` moves the deadline to 23:59:59 Shanghai time of
/// the n-th working day strictly after the current deadline's Shanghai date — so a deadline at the
/// end of a working day moves by exactly n working days. Never earlier than the current deadline.
pub fn extend(current_deadline: DateTime<Utc>, extra: TimeLimit, cal: &WorkingCalendar) -> DateTime<Utc> {
    deadline(current_deadline, extra, cal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::calendar::DayKind;
    use chrono::{Datelike, Timelike};
    use proptest::prelude::*;

    fn cal() -> WorkingCalendar {
        WorkingCalendar::builtin()
    }

    /// A Shanghai wall-clock time, as UTC.
    fn sh(s: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        shanghai().from_local_datetime(&naive).single().unwrap().with_timezone(&Utc)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn default_policy_is_the_12345_practice() {
        let p = DeadlinePolicy::default();
        assert_eq!(p.limit(Urgency::Emergency), TimeLimit::Hours(2));
        assert_eq!(p.limit(Urgency::Utility), TimeLimit::Hours(24));
        assert_eq!(p.limit(Urgency::General), TimeLimit::WorkingDays(7));
        assert_eq!(p.limit(Urgency::Complex), TimeLimit::WorkingDays(15));
        assert_eq!(p.contact, TimeLimit::Hours(24));
        assert_eq!(p.warn_ratio, 0.8);
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn policy_serde_and_validation() {
        let p = DeadlinePolicy::default();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "emergency": {"hours": 2},
                "utility": {"hours": 24},
                "general": {"working_days": 7},
                "complex": {"working_days": 15},
                "contact": {"hours": 24},
                "warn_ratio": 0.8
            })
        );
        assert_eq!(serde_json::from_value::<DeadlinePolicy>(json).unwrap(), p);
        // Missing fields take the defaults.
        let partial: DeadlinePolicy = serde_json::from_str(r#"{"general": {"working_days": 5}}"#).unwrap();
        assert_eq!(partial.general, TimeLimit::WorkingDays(5));
        assert_eq!(partial.complex, TimeLimit::WorkingDays(15));

        let bad = DeadlinePolicy { general: TimeLimit::WorkingDays(0), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().to_string(), "“一般”的办理时限不能为 0");
        let mut bad = DeadlinePolicy { warn_ratio: 1.5, ..Default::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("预警比例"));
        bad.warn_ratio = f64::NAN;
        assert!(bad.validate().is_err());
        bad.warn_ratio = 0.0;
        assert!(bad.validate().is_err());
        let bad = DeadlinePolicy { contact: TimeLimit::Hours(0), ..Default::default() };
        assert_eq!(bad.validate(), Err(DeadlinePolicyError::ZeroContact));
    }

    /// Issue 9, item 9: absurd limits are refused by the policy and never panic the arithmetic.
    #[test]
    fn extreme_limits_are_refused_and_never_panic() {
        let c = cal();
        let start = utc("2026-03-02T01:00:00Z");
        for limit in [TimeLimit::WorkingDays(u32::MAX), TimeLimit::Hours(u32::MAX), TimeLimit::WorkingDays(200_000_000)]
        {
            let due = deadline(start, limit, &c);
            assert!(due >= start);
            assert!(due <= latest_deadline());
            assert_eq!(extend(DateTime::<Utc>::MAX_UTC, limit, &c), DateTime::<Utc>::MAX_UTC);
            assert_eq!(extend(latest_deadline(), limit, &c), latest_deadline());
            let _ = warn_at(start, due, 0.8);
            for u in Urgency::ALL {
                let mut p = DeadlinePolicy::default();
                match u {
                    Urgency::Emergency => p.emergency = limit,
                    Urgency::Utility => p.utility = limit,
                    Urgency::General => p.general = limit,
                    Urgency::Complex => p.complex = limit,
                }
                let err = p.validate().unwrap_err();
                assert!(matches!(err, DeadlinePolicyError::TooLong { .. }), "{err}");
                assert!(err.to_string().contains("不能超过"), "{err}");
                let _ = p.schedule(u, start, &c);
            }
            let p = DeadlinePolicy { contact: limit, ..Default::default() };
            assert!(p.validate().is_err());
        }
        let at_limit = DeadlinePolicy {
            general: TimeLimit::WorkingDays(MAX_POLICY_WORKING_DAYS),
            emergency: TimeLimit::Hours(MAX_POLICY_HOURS),
            ..Default::default()
        };
        assert_eq!(at_limit.validate(), Ok(()));
    }

    #[test]
    fn urgency_names() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
            assert_eq!(Urgency::parse(u.label()), Some(u));
            assert_eq!(serde_json::to_value(u).unwrap(), serde_json::Value::String(u.as_str().into()));
        }
        assert_eq!(Urgency::Utility.label(), "水电气热");
        assert_eq!(Urgency::parse("urgent"), None);
        assert_eq!(TimeLimit::WorkingDays(7).to_string(), "7个工作日");
        assert_eq!(TimeLimit::Hours(2).label(), "2小时");
    }

    #[test]
    fn deadline_table() {
        let c = cal();
        let p = DeadlinePolicy::default();
        let cases = [
            // Friday 2026-09-18 16:00 + 7 working days: Sunday 09-20 works (1), 21–24 (2–5),
            // 中秋 09-25..27 off, 28 (6), 29 (7) — done before National Day.
            ("2026-09-18 16:00:00", p.general, "2026-09-29 23:59:59"),
            // The same + 15 (complex): 30 (8), 国庆 10-01..07 off, 08 (9), 09 (10), Saturday
            // 10-10 works (11), 12–15 (12–15).
            ("2026-09-18 16:00:00", p.complex, "2026-10-15 23:59:59"),
            // The hour of dispatch doesn't matter, only its Shanghai date.
            ("2026-09-18 00:00:00", p.general, "2026-09-29 23:59:59"),
            ("2026-09-18 23:59:59", p.general, "2026-09-29 23:59:59"),
            // 08:00 Shanghai on Saturday 09-19 is still Friday in UTC: Shanghai date counts.
            ("2026-09-19 07:00:00", p.general, "2026-09-29 23:59:59"),
            // Dispatched during a holiday: counting starts after it.
            ("2026-10-03 10:00:00", TimeLimit::WorkingDays(1), "2026-10-08 23:59:59"),
            // Spring Festival 2025: dispatched Friday 01-24, Sunday 01-26 works, Monday 01-27
            // works, 除夕 01-28 .. 02-04 off.
            ("2025-01-24 09:30:00", TimeLimit::WorkingDays(3), "2025-02-05 23:59:59"),
            // Emergency: 2 clock hours, at night and on a holiday alike.
            ("2026-10-01 23:30:00", p.emergency, "2026-10-02 01:30:00"),
            // Utility: 24 clock hours, even across a holiday.
            ("2026-09-30 12:00:00", p.utility, "2026-10-01 12:00:00"),
            ("2026-02-14 18:00:00", p.utility, "2026-02-15 18:00:00"),
            // Contact: 24 clock hours.
            ("2026-05-01 08:00:00", p.contact, "2026-05-02 08:00:00"),
            // 0 working days: the end of the dispatch day.
            ("2026-03-02 10:00:00", TimeLimit::WorkingDays(0), "2026-03-02 23:59:59"),
            // After the covered years: Monday–Friday.
            ("2028-01-07 10:00:00", TimeLimit::WorkingDays(7), "2028-01-18 23:59:59"),
        ];
        for (start, limit, expected) in cases {
            assert_eq!(deadline(sh(start), limit, &c), sh(expected), "{start} + {limit}");
        }
        // UTC out: 23:59:59 in Shanghai is 15:59:59Z.
        assert_eq!(deadline(sh("2026-09-18 16:00:00"), p.general, &c), utc("2026-09-29T15:59:59Z"));
    }

    #[test]
    fn schedule_of_a_general_case() {
        let c = cal();
        let start = sh("2026-09-18 16:00:00");
        let s = DeadlinePolicy::default().schedule(Urgency::General, start, &c);
        assert_eq!(s.deadline, sh("2026-09-29 23:59:59"));
        assert_eq!(s.contact_by, sh("2026-09-19 16:00:00"));
        // 80% of 11 days 7:59:59 (= 979,199 s) is 783,359.2 s after the start.
        assert_eq!(s.warn_at, start + Duration::microseconds(783_359_200_000));
        assert_eq!(
            DeadlinePolicy::default().schedule(Urgency::Emergency, start, &c).warn_at,
            start + Duration::minutes(96)
        );
    }

    #[test]
    fn warn_at_edges() {
        let a = utc("2026-01-05T00:00:00Z");
        let b = utc("2026-01-05T10:00:00Z");
        assert_eq!(warn_at(a, b, 0.8), utc("2026-01-05T08:00:00Z"));
        assert_eq!(warn_at(a, b, 0.0), a);
        assert_eq!(warn_at(a, b, 1.0), b);
        assert_eq!(warn_at(a, b, 7.0), b);
        assert_eq!(warn_at(a, b, -1.0), a);
        assert_eq!(warn_at(a, b, f64::NAN), utc("2026-01-05T08:00:00Z"));
        assert_eq!(warn_at(a, a, 0.8), a);
    }

    #[test]
    fn extension_table() {
        let c = cal();
        let cases = [
            // A 7-working-day deadline at the end of Tuesday 09-29 + 5 working days: 30, then
            // 国庆, 08, 09, Saturday 10-10, 12.
            ("2026-09-29 23:59:59", TimeLimit::WorkingDays(5), "2026-10-12 23:59:59"),
            // An hours deadline moved by working days ends at the end of a working day.
            ("2026-09-30 12:00:00", TimeLimit::WorkingDays(1), "2026-10-08 23:59:59"),
            ("2026-09-30 12:00:00", TimeLimit::Hours(48), "2026-10-02 12:00:00"),
        ];
        for (current, extra, expected) in cases {
            assert_eq!(extend(sh(current), extra, &c), sh(expected), "{current} + {extra}");
        }
    }

    fn any_start() -> impl Strategy<Value = DateTime<Utc>> {
        // 2024-07 .. 2028-03, to the microsecond.
        let from = utc("2024-07-01T00:00:00Z").timestamp_micros();
        let to = utc("2028-03-01T00:00:00Z").timestamp_micros();
        (from..to).prop_map(|us| DateTime::from_timestamp_micros(us).unwrap())
    }

    fn any_limit() -> impl Strategy<Value = TimeLimit> {
        prop_oneof![(1u32..24 * 60).prop_map(TimeLimit::Hours), (1u32..60).prop_map(TimeLimit::WorkingDays),]
    }

    proptest! {
        #[test]
        fn deadline_is_after_start(start in any_start(), limit in any_limit()) {
            let c = cal();
            let due = deadline(start, limit, &c);
            prop_assert!(due > start);
            if let TimeLimit::Hours(n) = limit {
                prop_assert_eq!(due - start, Duration::hours(i64::from(n)));
            }
        }

        #[test]
        fn working_day_deadline_ends_a_working_day(start in any_start(), n in 1u32..60) {
            let c = cal();
            let due = deadline(start, TimeLimit::WorkingDays(n), &c);
            let local = due.with_timezone(&shanghai());
            let day = local.date_naive();
            prop_assert!(c.is_working_day(day), "{due} ({day})");
            prop_assert!(matches!(c.day_kind(day), DayKind::Workday | DayKind::AdjustedWorkday(_)));
            prop_assert_eq!((local.hour(), local.minute(), local.second()), (23, 59, 59));
            prop_assert_eq!(c.working_days_between(shanghai_date(start), day), i64::from(n));
            // One more working day is strictly later.
            prop_assert!(deadline(start, TimeLimit::WorkingDays(n + 1), &c) > due);
        }

        #[test]
        fn warning_lies_between_start_and_deadline(
            start in any_start(),
            limit in any_limit(),
            ratio in 0.0f64..=1.0,
        ) {
            let c = cal();
            let due = deadline(start, limit, &c);
            let warn = warn_at(start, due, ratio);
            prop_assert!(start <= warn && warn <= due, "{start} {warn} {due}");
            // A larger ratio never warns earlier.
            prop_assert!(warn_at(start, due, (ratio + 0.1).min(1.0)) >= warn);
        }

        #[test]
        fn extension_moves_the_deadline_later(
            start in any_start(),
            limit in any_limit(),
            extra in any_limit(),
        ) {
            let c = cal();
            let due = deadline(start, limit, &c);
            let extended = extend(due, extra, &c);
            prop_assert!(extended > due);
            if let TimeLimit::WorkingDays(n) = extra {
                let day = shanghai_date(extended);
                prop_assert!(c.is_working_day(day));
                prop_assert_eq!(c.working_days_between(shanghai_date(due), day), i64::from(n));
            }
            prop_assert!(extended.year() < 2100);
        }
    }
}
