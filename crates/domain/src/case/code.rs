//! Tracking codes given to the requester: `TX20261122-000123` = "TX" + the Shanghai date of
//! intake + "-" + the 6-digit sequence of that day (from 000001).

use chrono::{DateTime, Datelike, NaiveDate, Utc};

pub const CODE_PREFIX: &str = "TX";

/// The largest daily sequence a code can carry.
pub const MAX_DAILY_SEQ: u32 = 999_999;

/// The calendar date in Asia/Shanghai (the day a code counts in).
fn shanghai_date(t: DateTime<Utc>) -> NaiveDate {
    crate::kernel::clock::shanghai(t).date_naive()
}

/// `TX` + `YYYYMMDD` + `-` + 6 digits; `None` when `seq` is 0 or above 999,999 or the year has
/// not four digits.
pub fn format_code(date: NaiveDate, seq: u32) -> Option<String> {
    if !(1..=MAX_DAILY_SEQ).contains(&seq) || !(1000..=9999).contains(&date.year()) {
        return None;
    }
    Some(format!("{CODE_PREFIX}{:04}{:02}{:02}-{seq:06}", date.year(), date.month(), date.day()))
}

/// The code for the `seq`-th case of the Shanghai day containing `now`.
pub fn code_for(now: DateTime<Utc>, seq: u32) -> Option<String> {
    format_code(shanghai_date(now), seq)
}

/// Reads a code as typed by a person: surrounding spaces and a lower-case prefix are accepted;
/// the date must exist and the sequence be 000001–999999.
pub fn parse_code(s: &str) -> Option<(NaiveDate, u32)> {
    let s = s.trim();
    if !s.get(..2)?.eq_ignore_ascii_case(CODE_PREFIX) {
        return None;
    }
    let body = s.get(2..)?;
    let (date, seq) = body.split_once('-')?;
    if date.len() != 8 || seq.len() != 6 || !(date.bytes().chain(seq.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
    let seq: u32 = seq.parse().ok()?;
    (seq >= 1).then_some((date, seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn formats_and_parses() {
        assert_eq!(format_code(day(2026, 11, 22), 123).as_deref(), Some("TX20261122-000123"));
        assert_eq!(format_code(day(2026, 1, 2), 999_999).as_deref(), Some("TX20260102-999999"));
        assert_eq!(format_code(day(2026, 1, 2), 0), None);
        assert_eq!(format_code(day(2026, 1, 2), 1_000_000), None);
        assert_eq!(parse_code("TX20261122-000123"), Some((day(2026, 11, 22), 123)));
        assert_eq!(parse_code(" tx20261122-000123 "), Some((day(2026, 11, 22), 123)));
        for bad in [
            "",
            "TX",
            "TX20261122000123",
            "TX20261122-00123",
            "TX20261122-0001234",
            "TX20260230-000001",
            "TX20261122-000000",
            "TA20261122-000001",
            "TX2026112-0000001",
            "TX20261122-+00001",
            "TX２0261122-000001",
            "同心20261122-000001",
        ] {
            assert_eq!(parse_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_day_is_shanghai_time() {
        // 2026-11-21 16:30 UTC is 2026-11-22 00:30 in Shanghai.
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 16, 30, 0).unwrap();
        assert_eq!(code_for(t, 1).as_deref(), Some("TX20261122-000001"));
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 15, 59, 59).unwrap();
        assert_eq!(shanghai_date(t), day(2026, 11, 21));
    }

    proptest! {
        #[test]
        fn round_trips(days in 0i64..30_000, seq in 1u32..=MAX_DAILY_SEQ) {
            let date = day(2000, 1, 1) + chrono::Days::new(days as u64);
            let code = format_code(date, seq).unwrap();
            prop_assert_eq!(code.len(), 17);
            prop_assert_eq!(parse_code(&code), Some((date, seq)));
        }
    }
}
