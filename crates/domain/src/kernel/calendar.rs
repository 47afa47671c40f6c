//! China's working calendar: which days are working days.
//!
//! A working day is Monday–Friday, except public holidays (法定节假日 and the days the State
//! Council's yearly notice extends them to, 放假调休), plus the adjusted working weekends
//! (调休上班日) of the same notice. The data is a plain-text file an admin can read and edit
//! (`crates/domain/data/calendar-cn.txt`, embedded at build time; a replacement can be parsed with
//! [`WorkingCalendar::parse`]):
//!
//! ```text
//! # 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）
//! 2026-01-01..2026-01-03 休 元旦
//! 2026-01-04 班 元旦调休上班
//! ```
//!
//! One line per day or range of days (both ends included), then the kind — `休` day off (also
//! `放假`), `班` working day (also `上班`) — then a name. `#` starts a comment. A `班` line may only
//! name Saturdays and Sundays (a weekday already works), a range may span at most 31 days, and a
//! day may not be both `休` and `班`. A year is *covered* when the file lists at least one day in
//! it; a comment starting with `暂定` marks a year as provisional (the year written in it, e.g.
//! `# 暂定：2027年…`, or else the year of the next entry), for years whose notice has not been
//! published yet.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The longest range one line may span, to catch typos such as `2026-10-01..2027-10-07`.
const MAX_RANGE_DAYS: i64 = 31;

const BUILTIN: &str = include_str!("../../data/calendar-cn.txt");

/// What kind of day a date is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum DayKind {
    /// Monday–Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not an adjusted working day.
    Weekend,
    /// A day off from the calendar file (may fall on a weekend), with its name.
    Holiday(String),
    /// A weekend day that works (调休上班), with its name.
    AdjustedWorkday(String),
}

impl DayKind {
    pub fn is_working_day(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday(_))
    }

    pub fn label(&self) -> &'static str {
        match self {
            DayKind::Workday => "工作日",
            DayKind::Weekend => "周末",
            DayKind::Holiday(_) => "节假日",
            DayKind::AdjustedWorkday(_) => "调休上班日",
        }
    }
}

/// An error in a calendar file. Every variant names the (1-based) line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("第{line}行：日期“{text}”无效，应写作 YYYY-MM-DD（如 2026-10-01），范围写作 2026-10-01..2026-10-07")]
    BadDate { line: usize, text: String },
    #[error("第{line}行：缺少类型，日期后应写“休”（放假）或“班”（调休上班）")]
    MissingKind { line: usize },
    #[error("第{line}行：未知类型“{kind}”，应为“休”（放假）或“班”（调休上班）")]
    UnknownKind { line: usize, kind: String },
    #[error("第{line}行：缺少名称，类型后应写节日名称（如“国庆节”）")]
    MissingName { line: usize },
    #[error("第{line}行：范围结束日期 {end} 早于开始日期 {start}")]
    RangeReversed { line: usize, start: NaiveDate, end: NaiveDate },
    #[error("第{line}行：范围 {start}..{end} 共 {days} 天，超过 {MAX_RANGE_DAYS} 天，请检查是否写错")]
    RangeTooLong { line: usize, start: NaiveDate, end: NaiveDate, days: i64 },
    #[error("第{line}行：{date} 是{weekday}，本来就上班，“班”只用于调休上班的周六、周日")]
    WorkdayOnWeekday { line: usize, date: NaiveDate, weekday: &'static str },
    #[error("第{line}行：{date} 与第{other_line}行矛盾，一处为“休”，一处为“班”")]
    Conflict { line: usize, date: NaiveDate, other_line: usize },
    #[error("第{line}行：“暂定”说明未写年份，其后也没有日期条目，无法确定是哪一年")]
    ProvisionalWithoutYear { line: usize },
    #[error("第{line}行：日历文件没有任何日期条目")]
    Empty { line: usize },
}

impl CalendarError {
    /// The 1-based line the error is on.
    pub fn line(&self) -> usize {
        match self {
            CalendarError::BadDate { line, .. }
            | CalendarError::MissingKind { line }
            | CalendarError::UnknownKind { line, .. }
            | CalendarError::MissingName { line }
            | CalendarError::RangeReversed { line, .. }
            | CalendarError::RangeTooLong { line, .. }
            | CalendarError::WorkdayOnWeekday { line, .. }
            | CalendarError::Conflict { line, .. }
            | CalendarError::ProvisionalWithoutYear { line }
            | CalendarError::Empty { line } => *line,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Off,
    Work,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    kind: Kind,
    name: String,
}

/// The working calendar: holidays and adjusted working days of the covered years.
///
/// Outside the covered years (see [`WorkingCalendar::years`]) there is no data, and every
/// Monday–Friday counts as a working day, every Saturday and Sunday as a day off.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkingCalendar {
    entries: BTreeMap<NaiveDate, Entry>,
    years: BTreeSet<i32>,
    provisional: BTreeSet<i32>,
}

impl WorkingCalendar {
    /// Parses a calendar file (format in the module documentation). Errors are in Chinese and
    /// name the line.
    pub fn parse(text: &str) -> Result<WorkingCalendar, CalendarError> {
        let mut entries: BTreeMap<NaiveDate, Entry> = BTreeMap::new();
        let mut entry_lines: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let mut provisional = BTreeSet::new();
        // A `# 暂定` comment without a year waits for the next entry's year.
        let mut pending_provisional: Option<usize> = None;
        let mut last_line = 0;

        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            last_line = line;
            let raw = if line == 1 { raw.trim_start_matches('\u{feff}') } else { raw };
            let (content, comment) = match raw.split_once('#') {
                Some((content, comment)) => (content, Some(comment)),
                None => (raw, None),
            };
            if let Some(comment) = comment {
                let comment = comment.trim_start_matches(|c: char| c.is_whitespace() || c == '#');
                if content.trim().is_empty() && comment.starts_with("暂定") {
                    match year_in(comment) {
                        Some(year) => {
                            provisional.insert(year);
                        }
                        None => pending_provisional = Some(line),
                    }
                }
            }
            let mut tokens = content.split_whitespace();
            let Some(dates) = tokens.next() else {
                continue;
            };
            let (start, end) = parse_range(line, dates)?;
            let kind = match tokens.next() {
                None => return Err(CalendarError::MissingKind { line }),
                Some("休" | "放假") => Kind::Off,
                Some("班" | "上班") => Kind::Work,
                Some(other) => {
                    return Err(CalendarError::UnknownKind { line, kind: other.to_string() });
                }
            };
            let name = tokens.collect::<Vec<_>>().join(" ");
            if name.is_empty() {
                return Err(CalendarError::MissingName { line });
            }
            if pending_provisional.take().is_some() {
                provisional.insert(start.year());
            }

            let mut date = start;
            while date <= end {
                if kind == Kind::Work && !is_weekend(date) {
                    return Err(CalendarError::WorkdayOnWeekday { line, date, weekday: weekday_label(date.weekday()) });
                }
                match entries.get_mut(&date) {
                    Some(existing) if existing.kind != kind => {
                        return Err(CalendarError::Conflict { line, date, other_line: entry_lines[&date] });
                    }
                    Some(existing) => {
                        // Same kind twice (e.g. 中秋节 inside 国庆节): keep both names.
                        if !existing.name.split('、').any(|n| n == name) {
                            existing.name = format!("{}、{}", existing.name, name);
                        }
                    }
                    None => {
                        entries.insert(date, Entry { kind, name: name.clone() });
                        entry_lines.insert(date, line);
                    }
                }
                date = date.succ_opt().expect("a range ends at a valid date");
            }
        }

        if let Some(line) = pending_provisional {
            return Err(CalendarError::ProvisionalWithoutYear { line });
        }
        if entries.is_empty() {
            return Err(CalendarError::Empty { line: last_line.max(1) });
        }
        let mut years: BTreeSet<i32> = entries.keys().map(|d| d.year()).collect();
        years.extend(provisional.iter().copied());
        Ok(WorkingCalendar { entries, years, provisional })
    }

    /// The calendar shipped with Tongxin (`data/calendar-cn.txt`).
    pub fn builtin() -> WorkingCalendar {
        static CALENDAR: OnceLock<WorkingCalendar> = OnceLock::new();
        CALENDAR.get_or_init(|| WorkingCalendar::parse(BUILTIN).expect("the built-in calendar file is valid")).clone()
    }

    /// The text of the shipped calendar file, e.g. to offer it to an admin as a template.
    pub fn builtin_text() -> &'static str {
        BUILTIN
    }

    /// Whether `d` is a working day. Outside the covered years: Monday–Friday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.entries.get(&d) {
            Some(entry) => entry.kind == Kind::Work,
            None => !is_weekend(d),
        }
    }

    /// What kind of day `d` is. Outside the covered years: `Workday` or `Weekend`.
    pub fn day_kind(&self, d: NaiveDate) -> DayKind {
        match self.entries.get(&d) {
            Some(Entry { kind: Kind::Off, name }) => DayKind::Holiday(name.clone()),
            Some(Entry { kind: Kind::Work, name }) => DayKind::AdjustedWorkday(name.clone()),
            None if is_weekend(d) => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    /// The `n`-th working day strictly after `from` (`from` itself when `n` is 0).
    ///
    /// So `add_working_days(friday, 1)` is the next Monday in an ordinary week, the Saturday
    /// when that Saturday is an adjusted working day, and the first day after a holiday when the
    /// Monday is one. Outside the covered years: Monday–Friday.
    ///
    /// Saturates at chrono's last date for an absurd `n` (issue 9, item 9: a requested
    /// duration never panics); [`Self::checked_add_working_days`] says when it would.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        self.checked_add_working_days(from, n).unwrap_or(NaiveDate::MAX)
    }

    /// As [`Self::add_working_days`], `None` when the result is beyond chrono's date range.
    pub fn checked_add_working_days(&self, from: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut date = from;
        let mut left = u64::from(n);
        while left > 0 {
            // Any 7 consecutive days without entries hold exactly 5 working days: jump whole
            // weeks up to the next entry, keeping at least one step for the day-by-day walk.
            if left > 5 {
                let free_weeks = match date.succ_opt().and_then(|next| self.entries.range(next..).next()) {
                    Some((entry, _)) => u64::try_from((*entry - date).num_days() - 1).unwrap_or(0) / 7,
                    None => u64::MAX,
                };
                let weeks = free_weeks.min((left - 1) / 5);
                if weeks > 0 {
                    date = date.checked_add_days(Days::new(weeks.checked_mul(7)?))?;
                    left -= weeks * 5;
                    continue;
                }
            }
            date = date.succ_opt()?;
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        Some(date)
    }

    /// The number of working days in `(a, b]`; negative (minus those in `(b, a]`) when `b < a`.
    /// Outside the covered years: Monday–Friday.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        if a == b {
            return 0;
        }
        let mut count = weekdays_in(a, b);
        let after_a = a.succ_opt().expect("a < b, so a has a successor");
        for (date, entry) in self.entries.range(after_a..=b) {
            match entry.kind {
                Kind::Off if !is_weekend(*date) => count -= 1,
                Kind::Work => count += 1, // `班` entries are weekends (checked when parsing)
                Kind::Off => {}
            }
        }
        count
    }

    /// The years the calendar has data for, in order.
    pub fn years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    /// The covered years whose data is provisional (the State Council notice was not yet
    /// published: only the statutory holidays are listed, without 调休), in order.
    pub fn provisional_years(&self) -> Vec<i32> {
        self.provisional.iter().copied().collect()
    }

    /// Whether the calendar has data for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Every listed day in order, with its kind (`Holiday` or `AdjustedWorkday`).
    pub fn entries(&self) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        self.entries.iter().map(|(date, entry)| {
            let kind = match entry.kind {
                Kind::Off => DayKind::Holiday(entry.name.clone()),
                Kind::Work => DayKind::AdjustedWorkday(entry.name.clone()),
            };
            (*date, kind)
        })
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_label(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Monday–Friday days in `(a, b]`, for `a <= b`.
fn weekdays_in(a: NaiveDate, b: NaiveDate) -> i64 {
    // Weekdays in (EPOCH, d] for a Monday EPOCH-relative count.
    fn up_to(d: NaiveDate) -> i64 {
        let days = i64::from(d.num_days_from_ce()); // 0001-01-01 is a Monday: day 1
        let weeks = days.div_euclid(7);
        let rest = days.rem_euclid(7); // days into the week, Monday = 1 … Sunday = 0
        weeks * 5 + rest.min(5)
    }
    up_to(b) - up_to(a)
}

fn parse_date(line: usize, text: &str) -> Result<NaiveDate, CalendarError> {
    let bad = || CalendarError::BadDate { line, text: text.to_string() };
    let text = text.trim();
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let digits = |s: &str, max_len: usize| !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

fn parse_range(line: usize, text: &str) -> Result<(NaiveDate, NaiveDate), CalendarError> {
    let split = ["..", "至", "～", "~"].iter().find_map(|sep| text.split_once(sep));
    let (start, end) = match split {
        Some((a, b)) => (parse_date(line, a)?, parse_date(line, b)?),
        None => {
            let d = parse_date(line, text)?;
            (d, d)
        }
    };
    if end < start {
        return Err(CalendarError::RangeReversed { line, start, end });
    }
    let days = (end - start).num_days() + 1;
    if days > MAX_RANGE_DAYS {
        return Err(CalendarError::RangeTooLong { line, start, end, days });
    }
    Ok((start, end))
}

/// The first `YYYY年` in `text`.
fn year_in(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(5).find_map(|w| {
        (w[..4].iter().all(|c| c.is_ascii_digit()) && w[4] == '年')
            .then(|| w[..4].iter().collect::<String>().parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::builtin()
    }

    /// The obvious day-by-day definition, to check the arithmetic against.
    fn brute_between(c: &WorkingCalendar, a: NaiveDate, b: NaiveDate) -> i64 {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut x = lo;
        while x < hi {
            x = x.succ_opt().unwrap();
            if c.is_working_day(x) {
                n += 1;
            }
        }
        sign * n
    }

    fn brute_add(c: &WorkingCalendar, from: NaiveDate, n: u32) -> NaiveDate {
        let mut x = from;
        let mut left = n;
        while left > 0 {
            x = x.succ_opt().unwrap();
            if c.is_working_day(x) {
                left -= 1;
            }
        }
        x
    }

    #[test]
    fn builtin_parses_and_covers_2025_to_2027() {
        let c = cal();
        assert_eq!(c.years(), vec![2025, 2026, 2027]);
        assert_eq!(c.provisional_years(), vec![2027]);
        assert!(c.covers(2026));
        assert!(!c.covers(2024));
        assert!(!c.covers(2028));
        assert_eq!(WorkingCalendar::builtin_text(), BUILTIN);
        assert_eq!(WorkingCalendar::parse(BUILTIN).unwrap(), c);
    }

    #[test]
    fn builtin_day_counts_match_the_notices() {
        let c = cal();
        let count = |year: i32, work: bool| {
            c.entries()
                .filter(|(date, kind)| date.year() == year && matches!(kind, DayKind::AdjustedWorkday(_)) == work)
                .count()
        };
        // 2025: 元旦 1 + 春节 8 + 清明 3 + 劳动节 5 + 端午 3 + 国庆中秋 8; 5 adjusted Saturdays/Sundays.
        assert_eq!((count(2025, false), count(2025, true)), (28, 5));
        // 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7; 6 adjusted working days.
        assert_eq!((count(2026, false), count(2026, true)), (33, 6));
        // 2027 (provisional): the 13 statutory days only, no 调休.
        assert_eq!((count(2027, false), count(2027, true)), (13, 0));
        // Working days per year (the same figure as the `chinese-calendar` package on PyPI).
        let total = |y: i32| c.working_days_between(d(&format!("{}-12-31", y - 1)), d(&format!("{y}-12-31")));
        assert_eq!(total(2025), 248);
        assert_eq!(total(2026), 248);
    }

    #[test]
    fn known_days() {
        use DayKind::*;
        let c = cal();
        let h = |s: &str| Holiday(s.to_string());
        let a = |s: &str| AdjustedWorkday(s.to_string());
        let table: Vec<(&str, DayKind)> = vec![
            ("2025-01-01", h("元旦")),
            ("2025-01-02", Workday),
            ("2025-01-26", a("春节调休上班")), // Sunday works
            ("2025-01-27", Workday),
            ("2025-01-28", h("春节")), // 除夕
            ("2025-02-04", h("春节")),
            ("2025-02-08", a("春节调休上班")),
            ("2025-02-09", Weekend),
            ("2025-04-27", a("劳动节调休上班")),
            ("2025-10-06", h("国庆节、中秋节")),
            ("2025-10-08", h("国庆节、中秋节")),
            ("2025-10-11", a("国庆节、中秋节调休上班")),
            ("2026-01-02", h("元旦")),
            ("2026-01-04", a("元旦调休上班")),
            ("2026-02-14", a("春节调休上班")), // Saturday works
            ("2026-02-15", h("春节")),
            ("2026-02-23", h("春节")),
            ("2026-02-24", Workday),
            ("2026-02-28", a("春节调休上班")),
            ("2026-04-06", h("清明节")),
            ("2026-05-05", h("劳动节")),
            ("2026-05-09", a("劳动节调休上班")),
            ("2026-06-19", h("端午节")),
            ("2026-09-20", a("国庆节调休上班")),
            ("2026-09-25", h("中秋节")),
            ("2026-10-05", h("国庆节")),
            ("2026-10-08", Workday),
            ("2026-10-10", a("国庆节调休上班")),
            ("2026-10-11", Weekend),
            ("2027-02-05", h("春节（除夕至正月初三）")),
            ("2027-02-09", Workday),
            ("2027-06-09", h("端午节")),
            ("2027-09-15", h("中秋节")),
            // Outside the covered years: plain Monday–Friday.
            ("2024-10-01", Workday),
            ("2024-10-05", Weekend),
            ("2028-01-01", Weekend),
            ("2028-01-03", Workday),
        ];
        for (date, kind) in table {
            let date = d(date);
            assert_eq!(c.day_kind(date), kind, "{date}");
            assert_eq!(c.is_working_day(date), kind.is_working_day(), "{date}");
        }
    }

    #[test]
    fn adding_working_days_known_cases() {
        let c = cal();
        let table = [
            // Friday before the 2026 Spring Festival: the adjusted Saturday is the first one.
            ("2026-02-13", 1, "2026-02-14"),
            ("2026-02-13", 2, "2026-02-24"),
            ("2026-02-13", 0, "2026-02-13"),
            // Over the 2026 National Day holiday.
            ("2026-09-30", 1, "2026-10-08"),
            ("2026-09-30", 3, "2026-10-10"),
            ("2026-09-30", 4, "2026-10-12"),
            // Sunday 2025-01-26 works; 除夕 is off.
            ("2025-01-24", 1, "2025-01-26"),
            ("2025-01-24", 2, "2025-01-27"),
            ("2025-01-24", 3, "2025-02-05"),
            // From a holiday.
            ("2026-10-03", 1, "2026-10-08"),
            // Year end into a covered year: 2025-12-31 Wed → 2026-01-01..03 off, Sunday 01-04 works.
            ("2025-12-31", 1, "2026-01-04"),
            // Uncovered years.
            ("2024-12-27", 1, "2024-12-30"),
            ("2028-01-07", 5, "2028-01-14"),
        ];
        for (from, n, to) in table {
            assert_eq!(c.add_working_days(d(from), n), d(to), "{from} + {n}");
            assert_eq!(c.working_days_between(d(from), d(to)), i64::from(n), "{from}..{to}");
        }
    }

    #[test]
    fn far_dates_are_fast_and_exact() {
        let c = cal();
        // 10,000 years of Monday–Friday after the data ends: exactly 5 days a week.
        let from = d("2030-01-04"); // a Friday
        let to = c.add_working_days(from, 5 * 52 * 10_000);
        assert_eq!(to, from + Days::new(7 * 52 * 10_000));
        assert_eq!(c.working_days_between(from, to), i64::from(5 * 52 * 10_000u32));
        // Starting before the data and running through it.
        let from = d("2020-06-01");
        for n in [0, 1, 7, 400, 1_000, 2_000] {
            assert_eq!(c.add_working_days(from, n), brute_add(&c, from, n), "{n}");
        }
    }

    #[test]
    fn crossing_an_adjusted_saturday_counts_it() {
        let text = "\
# 测试日历
2026-02-14 班 春节调休上班
2026-02-16..2026-02-20 休 春节
";
        let c = WorkingCalendar::parse(text).unwrap();
        let plain = WorkingCalendar::parse("2026-03-02 休 假日\n").unwrap();
        // Friday 02-13 → Saturday 02-14 works; the week after is off; Monday 02-23 works.
        assert_eq!(c.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(c.add_working_days(d("2026-02-13"), 2), d("2026-02-23"));
        assert_eq!(c.working_days_between(d("2026-02-13"), d("2026-02-15")), 1);
        assert_eq!(plain.working_days_between(d("2026-02-13"), d("2026-02-15")), 0);
        assert_eq!(plain.add_working_days(d("2026-02-13"), 1), d("2026-02-16"));
        // Every adjusted working day of the built-in calendar is counted when crossed.
        let c = cal();
        for (date, kind) in c.entries() {
            if let DayKind::AdjustedWorkday(_) = kind {
                let before = date.pred_opt().unwrap();
                let week_before = date - Days::new(7);
                assert_eq!(
                    c.working_days_between(week_before, date),
                    c.working_days_between(week_before, before) + 1,
                    "{date}"
                );
                let prev = (1..30).map(|k| date - Days::new(k)).find(|x| c.is_working_day(*x)).unwrap();
                assert_eq!(c.add_working_days(prev, 1), date, "{date}");
            }
        }
    }

    #[test]
    fn parse_accepts_variants() {
        let text = "\u{feff}# 注释\r\n\
                    \r\n\
                    2026-1-1至2026-1-3 放假 元旦 # 行尾注释\r\n\
                    2026-01-04\u{3000}上班\u{3000}元旦 调休\r\n\
                    2026-10-01..2026-10-07 休 国庆节\n\
                    2026-10-06 休 中秋节\n\
                    # 暂定：待国务院通知发布后由管理员更新\n\
                    2027-01-01 休 元旦\n\
                    # 暂定：2028年\n";
        let c = WorkingCalendar::parse(text).unwrap();
        assert_eq!(c.day_kind(d("2026-01-02")), DayKind::Holiday("元旦".into()));
        assert_eq!(c.day_kind(d("2026-01-04")), DayKind::AdjustedWorkday("元旦 调休".into()));
        assert_eq!(c.day_kind(d("2026-10-06")), DayKind::Holiday("国庆节、中秋节".into()));
        assert_eq!(c.years(), vec![2026, 2027, 2028]);
        assert_eq!(c.provisional_years(), vec![2027, 2028]);
    }

    #[test]
    fn parse_errors_name_the_line() {
        let cases: [(&str, usize, &str); 12] = [
            ("# x\n2026-13-01 休 元旦\n", 2, "第2行：日期“2026-13-01”无效"),
            ("2026-02-30 休 x\n", 1, "日期“2026-02-30”无效"),
            ("# a\n\n2026/10/01 休 国庆节\n", 3, "第3行：日期“2026/10/01”无效"),
            ("2026-10-01..2026-10-0x 休 国庆节\n", 1, "日期“2026-10-0x”无效"),
            ("2026-10-01 放 国庆节\n", 1, "第1行：未知类型“放”"),
            ("2026-10-01\n", 1, "第1行：缺少类型"),
            ("2026-10-01 休\n", 1, "第1行：缺少名称"),
            (
                "2026-01-01 休 元旦\n2026-10-07..2026-10-01 休 国庆节\n",
                2,
                "第2行：范围结束日期 2026-10-01 早于开始日期 2026-10-07",
            ),
            ("2026-10-01..2027-10-07 休 国庆节\n", 1, "第1行：范围 2026-10-01..2027-10-07 共 372 天"),
            ("2026-10-01..2026-10-07 休 国庆节\n# 注释\n2026-10-03 班 调休\n", 3, "第3行：2026-10-03 与第1行矛盾"),
            ("2026-10-08 班 调休\n", 1, "第1行：2026-10-08 是星期四，本来就上班"),
            ("2026-10-01 休 国庆节\n# 暂定：\n", 2, "第2行：“暂定”说明未写年份"),
        ];
        for (text, line, message) in cases {
            let err = WorkingCalendar::parse(text).unwrap_err();
            assert_eq!(err.line(), line, "{text:?}: {err}");
            assert!(
                err.to_string().starts_with(message) || err.to_string().contains(message),
                "{text:?}: got “{err}”, expected “{message}”"
            );
        }
        let err = WorkingCalendar::parse("# 只有注释\n\n").unwrap_err();
        assert_eq!(err, CalendarError::Empty { line: 2 });
        assert!(err.to_string().contains("没有任何日期条目"));
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        // 2024-06 .. 2028-06: before, through and after the data.
        (0i64..365 * 4).prop_map(|k| d("2024-06-01") + chrono::Duration::days(k))
    }

    proptest! {
        #[test]
        fn added_day_is_a_working_day(from in any_date(), n in 1u32..80) {
            let c = cal();
            let to = c.add_working_days(from, n);
            prop_assert!(to > from);
            prop_assert!(c.is_working_day(to));
            let kind = c.day_kind(to);
            prop_assert!(matches!(kind, DayKind::Workday | DayKind::AdjustedWorkday(_)), "{to}: {kind:?}");
            prop_assert_eq!(to, brute_add(&c, from, n));
        }

        #[test]
        fn one_more_day_lands_strictly_later(from in any_date(), n in 0u32..80) {
            let c = cal();
            prop_assert!(c.add_working_days(from, n + 1) > c.add_working_days(from, n));
        }

        #[test]
        fn between_inverts_add(from in any_date(), n in 0u32..200) {
            let c = cal();
            let to = c.add_working_days(from, n);
            prop_assert_eq!(c.working_days_between(from, to), i64::from(n));
            prop_assert_eq!(c.working_days_between(to, from), -i64::from(n));
        }

        #[test]
        fn between_matches_day_by_day_count(a in any_date(), b in any_date(), m in any_date()) {
            let c = cal();
            prop_assert_eq!(c.working_days_between(a, b), brute_between(&c, a, b));
            prop_assert_eq!(
                c.working_days_between(a, m) + c.working_days_between(m, b),
                c.working_days_between(a, b)
            );
        }

        #[test]
        fn adjusted_weekend_is_counted(from in any_date(), n in 1u32..40) {
            // Whenever the walk from `from` to its n-th working day passes an adjusted working
            // day, that day is among the n.
            let c = cal();
            let to = c.add_working_days(from, n);
            let adjusted = c
                .entries()
                .filter(|(date, kind)| {
                    *date > from && *date <= to && matches!(kind, DayKind::AdjustedWorkday(_))
                })
                .count() as i64;
            let holidays_on_weekdays = c
                .entries()
                .filter(|(date, kind)| {
                    *date > from && *date <= to && matches!(kind, DayKind::Holiday(_)) && !is_weekend(*date)
                })
                .count() as i64;
            prop_assert_eq!(weekdays_in(from, to) + adjusted - holidays_on_weekdays, i64::from(n));
        }
    }
}
