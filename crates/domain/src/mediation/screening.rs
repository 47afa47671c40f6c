//! 网格排查 (grid screening): a grid worker screens their grid for disputes once per period and
//! registers what they find — the committee's own initiative (人民调解法 art 17: 调委会 may
//! mediate 主动; the 枫桥经验's 小事不出村 starts with finding the matter early).
//!
//! The period is a calendar month (`YYYY-MM`): 月排查 is the common practice. One county's rules
//! (DOMAIN-RULES §1.3) screen 乡镇 monthly and 村(社区) half-monthly; a month is what every level
//! meets and what a 综治中心 checks a grid against, and it keeps the list of "screened / not yet"
//! short. There is one record per grid and month: logging again in the same month updates it
//! (a later visit knows more; the audit keeps what it replaced) rather than refusing it.

use crate::kernel::region::{RegionCode, RegionLevel};
use crate::kernel::text::{Lines, TextError, optional};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most disputes one screening may report finding (a grid is a few hundred households).
pub const MAX_FINDINGS: u32 = 99;
/// The longest note of a screening (排查情况), in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why a screening was refused, in Chinese; [`ScreeningError::field`] names the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningError {
    #[error("排查应按网格记录，请选择一个网格")]
    NotAGrid,
    #[error("排查月份应写作 年-月，如 2026-11")]
    Period,
    #[error("排查日期应写作 年-月-日，如 2026-11-20")]
    Date,
    #[error("排查日期应在{period}内")]
    DateOutside { period: String },
    #[error("排查日期不能晚于今天")]
    FutureDate,
    #[error("发现纠纷数应为 0 到 {MAX_FINDINGS} 的整数")]
    Findings,
    #[error("{0}")]
    Note(TextError),
}

impl ScreeningError {
    /// The form field the message belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            ScreeningError::NotAGrid => "grid",
            ScreeningError::Period => "period",
            ScreeningError::Date | ScreeningError::DateOutside { .. } | ScreeningError::FutureDate => "screened_on",
            ScreeningError::Findings => "findings",
            ScreeningError::Note(_) => "note",
        }
    }
}

/// A screening period: one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    /// The month's first day.
    first: NaiveDate,
}

impl Period {
    /// The month of `day`.
    pub fn of(day: NaiveDate) -> Period {
        Period { first: day.with_day(1).expect("every month has a first day") }
    }

    /// `YYYY-MM` (surrounding blanks ignored).
    pub fn parse(raw: &str) -> Result<Period, ScreeningError> {
        let raw = raw.trim();
        let (y, m) = raw.split_once('-').ok_or(ScreeningError::Period)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
            return Err(ScreeningError::Period);
        }
        let (year, month) = (
            y.parse::<i32>().map_err(|_| ScreeningError::Period)?,
            m.parse::<u32>().map_err(|_| ScreeningError::Period)?,
        );
        NaiveDate::from_ymd_opt(year, month, 1)
            .filter(|_| year >= 2000)
            .map(|first| Period { first })
            .ok_or(ScreeningError::Period)
    }

    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first.pred_opt().expect("a day before the next month")
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        Period::of(day) == self
    }

    pub fn next(self) -> Period {
        Period { first: self.first.checked_add_months(Months::new(1)).expect("a representable month") }
    }

    pub fn previous(self) -> Period {
        Period { first: self.first.checked_sub_months(Months::new(1)).expect("a representable month") }
    }

    /// `2026年11月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.first.year(), self.first.month())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

impl TryFrom<String> for Period {
    type Error = ScreeningError;
    fn try_from(s: String) -> Result<Period, ScreeningError> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// A screening as typed (the form's fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningInput {
    pub period: String,
    pub screened_on: String,
    pub findings: String,
    pub note: String,
}

/// A checked screening of one grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Screening {
    pub grid: RegionCode,
    pub period: Period,
    pub screened_on: NaiveDate,
    /// How many disputes the screening found (0 is a result too: 无矛盾纠纷).
    pub findings: u32,
    pub note: Option<String>,
}

/// Checks a screening of `grid` typed on `today`: the period a month, the day in it and not
/// after today (a screening is logged after it was done), the findings 0–[`MAX_FINDINGS`], the
/// note at most [`MAX_NOTE_CHARS`] characters. The first problem found is reported.
pub fn check_screening(
    grid: &RegionCode,
    input: &ScreeningInput,
    today: NaiveDate,
) -> Result<Screening, ScreeningError> {
    if grid.level() != RegionLevel::Grid {
        return Err(ScreeningError::NotAGrid);
    }
    let period = Period::parse(&input.period)?;
    let screened_on =
        NaiveDate::parse_from_str(input.screened_on.trim(), "%Y-%m-%d").map_err(|_| ScreeningError::Date)?;
    if screened_on > today {
        return Err(ScreeningError::FutureDate);
    }
    if !period.contains(screened_on) {
        return Err(ScreeningError::DateOutside { period: period.label() });
    }
    let findings = match input.findings.trim() {
        "" => 0,
        n => n.parse::<u32>().ok().filter(|n| *n <= MAX_FINDINGS).ok_or(ScreeningError::Findings)?,
    };
    let note = optional("排查情况", &input.note, MAX_NOTE_CHARS, Lines::Many).map_err(ScreeningError::Note)?;
    Ok(Screening { grid: grid.clone(), period, screened_on, findings, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn input(period: &str, on: &str, findings: &str, note: &str) -> ScreeningInput {
        ScreeningInput { period: period.into(), screened_on: on.into(), findings: findings.into(), note: note.into() }
    }

    #[test]
    fn a_screening_is_checked_field_by_field() {
        let grid = RegionCode::parse("330702001008001").unwrap();
        let today = day(2026, 11, 22);
        let ok = check_screening(&grid, &input("2026-11", "2026-11-20", "2", "楼道堆物引发争执两起"), today).unwrap();
        assert_eq!((ok.period.to_string(), ok.screened_on, ok.findings), ("2026-11".into(), day(2026, 11, 20), 2));
        assert_eq!(ok.note.as_deref(), Some("楼道堆物引发争执两起"));
        let none = check_screening(&grid, &input(" 2026-11 ", "2026-11-22", "", " "), today).unwrap();
        assert_eq!((none.findings, none.note), (0, None));
        let long = "字".repeat(MAX_NOTE_CHARS + 1);
        let table: [(ScreeningInput, &str, &str); 9] = [
            (input("2026/11", "2026-11-20", "1", ""), "period", "排查月份应写作 年-月，如 2026-11"),
            (input("2026-13", "2026-11-20", "1", ""), "period", "排查月份应写作 年-月，如 2026-11"),
            (input("2026-11", "20/11/2026", "1", ""), "screened_on", "排查日期应写作 年-月-日，如 2026-11-20"),
            (input("2026-10", "2026-11-20", "1", ""), "screened_on", "排查日期应在2026年10月内"),
            (input("2026-11", "2026-11-23", "1", ""), "screened_on", "排查日期不能晚于今天"),
            (input("2026-12", "2026-12-01", "1", ""), "screened_on", "排查日期不能晚于今天"),
            (input("2026-11", "2026-11-20", "100", ""), "findings", "发现纠纷数应为 0 到 99 的整数"),
            (input("2026-11", "2026-11-20", "-1", ""), "findings", "发现纠纷数应为 0 到 99 的整数"),
            (input("2026-11", "2026-11-20", "1", &long), "note", "排查情况不能超过 500 字（现有 501 字）"),
        ];
        for (i, field, message) in table {
            let e = check_screening(&grid, &i, today).unwrap_err();
            assert_eq!((e.field(), e.to_string().as_str()), (field, message), "{i:?}");
        }
        let community = RegionCode::parse("330702001008").unwrap();
        let e = check_screening(&community, &input("2026-11", "2026-11-20", "1", ""), today).unwrap_err();
        assert_eq!((e.field(), e), ("grid", ScreeningError::NotAGrid));
    }

    #[test]
    fn periods_read_and_print() {
        let p = Period::parse("2026-02").unwrap();
        assert_eq!((p.first_day(), p.last_day()), (day(2026, 2, 1), day(2026, 2, 28)));
        assert_eq!(
            (p.label(), p.previous().to_string(), p.next().to_string()),
            ("2026年2月".into(), "2026-01".into(), "2026-03".into())
        );
        assert_eq!(Period::parse("2025-12").unwrap().next().to_string(), "2026-01");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"2026-02\"");
        assert_eq!(serde_json::from_str::<Period>("\"2026-02\"").unwrap(), p);
        for bad in ["", "2026", "2026-1", "26-01", "2026-00", "1999-12", "２０２６-01", "2026-01-01"] {
            assert_eq!(Period::parse(bad), Err(ScreeningError::Period), "{bad}");
        }
    }

    proptest! {
        /// Every day lies in exactly its own month, between its first and last day; the text
        /// form reads back; the next month's previous is the month itself.
        #[test]
        fn every_day_is_in_its_own_month(offset in 0i64..40_000) {
            let d = day(2000, 1, 1) + chrono::Duration::days(offset);
            let p = Period::of(d);
            prop_assert!(p.contains(d) && p.first_day() <= d && d <= p.last_day());
            prop_assert!(!p.next().contains(d) && !p.previous().contains(d));
            prop_assert_eq!(Period::parse(&p.to_string()), Ok(p));
            prop_assert_eq!(p.next().previous(), p);
            prop_assert_eq!(p.last_day().succ_opt().map(Period::of), Some(p.next()));
        }
    }
}
