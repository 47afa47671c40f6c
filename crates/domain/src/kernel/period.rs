//! A period of whole Shanghai days for statistics (`?from=2026-01-01&to=2026-12-08`): both
//! ends included, read from a form with clear Chinese errors, bounded so no query scans decades.

use super::clock::from_shanghai;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Serialize;

/// The longest period a report covers (three years and a leap day).
pub const MAX_DAYS: i64 = 3 * 365 + 1;
/// The earliest and latest days a period may name.
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// From `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a period (or a day) was refused; the message is for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("{what}“{text}”不是有效日期，应为 YYYY-MM-DD 格式（如 2026-01-01）")]
    NotADate { what: &'static str, text: String },
    #[error("{what}应在 2000-01-01 至 2099-12-31 之间")]
    OutOfRange { what: &'static str },
    #[error("开始日期 {from} 晚于结束日期 {to}")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("统计区间最长三年（{MAX_DAYS} 天），现为 {days} 天")]
    TooLong { days: i64 },
}

/// A day as typed (`2026-12-08`, spaces around allowed); empty is `None`.
pub fn parse_day(what: &'static str, text: &str) -> Result<Option<NaiveDate>, PeriodError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| PeriodError::NotADate { what, text: t.chars().take(20).collect() })?;
    if !(FIRST_DAY..=LAST_DAY).contains(&day) {
        return Err(PeriodError::OutOfRange { what });
    }
    Ok(Some(day))
}

impl Period {
    /// The period typed into a form: `from` defaults to the first of January of `today`'s
    /// year, `to` to `today` (this year to date).
    pub fn parse(from: &str, to: &str, today: NaiveDate) -> Result<Period, PeriodError> {
        let to = parse_day("结束日期", to)?.unwrap_or(today);
        let from = parse_day("开始日期", from)?.unwrap_or_else(|| year_start(to.min(today)));
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_DAYS {
            return Err(PeriodError::TooLong { days });
        }
        Ok(Period { from, to })
    }

    /// One day.
    pub fn day(day: NaiveDate) -> Period {
        Period { from: day, to: day }
    }

    /// The instants it covers: from 00:00 Shanghai time on `from` (included) to 00:00 on the
    /// day after `to` (excluded).
    pub fn instants(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (midnight(self.from), midnight(self.to.checked_add_days(Days::new(1)).unwrap_or(self.to)))
    }

    /// "2026-01-01 至 2026-12-08", or the day alone.
    pub fn label(self) -> String {
        if self.from == self.to { self.from.to_string() } else { format!("{} 至 {}", self.from, self.to) }
    }
}

/// 1 January of `day`'s year.
fn year_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)
}

/// 00:00 Shanghai time on `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    from_shanghai(day.and_time(chrono::NaiveTime::MIN)).expect("a fixed offset is unambiguous")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_is_this_year_to_date() {
        let p = Period::parse("", " ", d(2026, 12, 8)).unwrap();
        assert_eq!(p, Period { from: d(2026, 1, 1), to: d(2026, 12, 8) });
        assert_eq!(p.label(), "2026-01-01 至 2026-12-08");
        // Only an end: its year, from January.
        assert_eq!(Period::parse("", "2025-06-30", d(2026, 12, 8)).unwrap().from, d(2025, 1, 1));
        assert_eq!(Period::day(d(2026, 12, 8)).label(), "2026-12-08");
    }

    #[test]
    fn instants_are_shanghai_midnights() {
        let (a, b) = Period::parse("2026-12-01", "2026-12-01", d(2026, 12, 8)).unwrap().instants();
        assert_eq!(a.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-12-01T16:00:00+00:00");
    }

    #[test]
    fn bad_periods_say_why_in_chinese() {
        let today = d(2026, 12, 8);
        let e = Period::parse("2026/01/01", "", today).unwrap_err();
        assert_eq!(e.to_string(), "开始日期“2026/01/01”不是有效日期，应为 YYYY-MM-DD 格式（如 2026-01-01）");
        let e = Period::parse("2026-12-09", "2026-12-01", today).unwrap_err();
        assert_eq!(e.to_string(), "开始日期 2026-12-09 晚于结束日期 2026-12-01");
        let e = Period::parse("2020-01-01", "2026-12-01", today).unwrap_err();
        assert!(matches!(e, PeriodError::TooLong { .. }), "{e}");
        assert_eq!(Period::parse("1999-12-31", "", today).unwrap_err(), PeriodError::OutOfRange { what: "开始日期" });
        assert!(Period::parse("2023-12-09", "2026-12-08", today).is_ok(), "three years fit");
        assert!(Period::parse("2023-12-08", "2026-12-08", today).is_err(), "a day more does not");
        let long = "2026-01-01".repeat(10);
        let PeriodError::NotADate { text, .. } = Period::parse(&long, "", today).unwrap_err() else { panic!() };
        assert_eq!(text.chars().count(), 20, "the echo is bounded");
    }
}
