//! 一案一编码: every dispute gets one code for its whole life (浙江解纷码 practice,
//! DOMAIN-RULES §1.7), e.g. `TJ330702001-20261206-0001` = "TJ" (调解) + the 9-digit street code +
//! the Shanghai date of registration + the 4-digit sequence of that street and day (from 0001).

use crate::kernel::region::{RegionCode, RegionLevel};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const DISPUTE_CODE_PREFIX: &str = "TJ";
/// The largest daily sequence of a street.
pub const MAX_DISPUTE_SEQ: u16 = 9999;
/// `TJ` + 9 + `-` + 8 + `-` + 4.
const CODE_LEN: usize = 25;

/// A dispute's code; its serde form is the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisputeCode {
    street: RegionCode,
    date: NaiveDate,
    seq: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("纠纷编码应形如 TJ330702001-20261206-0001（TJ + 9位街道代码 + 日期 + 4位序号）")]
    Format,
    #[error("纠纷编码中的“{0}”不是街道（乡镇）代码")]
    NotAStreet(String),
    #[error("纠纷编码中的日期“{0}”不存在")]
    Date(String),
    #[error("纠纷编码的序号应为 0001–9999")]
    Seq,
    #[error("纠纷编码的年份应为四位数")]
    Year,
}

impl DisputeCode {
    /// The code of the `seq`-th dispute registered in `street` on `date`.
    pub fn new(street: &RegionCode, date: NaiveDate, seq: u16) -> Result<DisputeCode, CodeError> {
        if street.level() != RegionLevel::Street {
            return Err(CodeError::NotAStreet(street.to_string()));
        }
        if !(1..=MAX_DISPUTE_SEQ).contains(&seq) {
            return Err(CodeError::Seq);
        }
        if !(1000..=9999).contains(&date.year()) {
            return Err(CodeError::Year);
        }
        Ok(DisputeCode { street: street.clone(), date, seq })
    }

    /// The code for a dispute registered at `now` (the Shanghai date counts).
    pub fn at(street: &RegionCode, now: DateTime<Utc>, seq: u16) -> Result<DisputeCode, CodeError> {
        DisputeCode::new(street, crate::kernel::clock::shanghai(now).date_naive(), seq)
    }

    /// Reads a code as typed: spaces around it and a lower-case prefix are accepted; the street
    /// code must have 9 digits, the date exist, the sequence be 0001–9999.
    pub fn parse(s: &str) -> Result<DisputeCode, CodeError> {
        let s = s.trim();
        if s.len() != CODE_LEN || !s.is_ascii() || !s[..2].eq_ignore_ascii_case(DISPUTE_CODE_PREFIX) {
            return Err(CodeError::Format);
        }
        let mut parts = s[2..].split('-');
        let (Some(street), Some(date), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CodeError::Format);
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !(digits(street, 9) && digits(date, 8) && digits(seq, 4)) {
            return Err(CodeError::Format);
        }
        let street = RegionCode::parse(street).map_err(|_| CodeError::NotAStreet(street.to_string()))?;
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| CodeError::Date(date.to_string()))?;
        let seq: u16 = seq.parse().map_err(|_| CodeError::Seq)?;
        DisputeCode::new(&street, date, seq)
    }

    pub fn street(&self) -> &RegionCode {
        &self.street
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn seq(&self) -> u16 {
        self.seq
    }

    /// The code belongs to `street` (a code typed for another street's dispute is refused).
    pub fn is_of(&self, street: &RegionCode) -> bool {
        &self.street == street
    }
}

impl fmt::Display for DisputeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DISPUTE_CODE_PREFIX}{}-{}-{:04}", self.street, self.date.format("%Y%m%d"), self.seq)
    }
}

impl TryFrom<String> for DisputeCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<DisputeCode, CodeError> {
        DisputeCode::parse(&s)
    }
}

impl From<DisputeCode> for String {
    fn from(c: DisputeCode) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn street() -> RegionCode {
        RegionCode::parse("330702001").unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn formats_parses_and_checks() {
        let c = DisputeCode::new(&street(), day(2026, 12, 6), 1).unwrap();
        assert_eq!(c.to_string(), "TJ330702001-20261206-0001");
        assert_eq!(DisputeCode::parse(" tj330702001-20261206-0001 ").unwrap(), c);
        assert!(c.is_of(&street()));
        assert!(!c.is_of(&RegionCode::parse("330702002").unwrap()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"TJ330702001-20261206-0001\"");
        assert_eq!(serde_json::from_str::<DisputeCode>("\"TJ330702001-20261206-0001\"").unwrap(), c);
        assert!(serde_json::from_str::<DisputeCode>("\"TJ330702001-20261206-0000\"").is_err());
        // 2026-12-05 16:30 UTC is 2026-12-06 00:30 in Shanghai.
        let t = Utc.with_ymd_and_hms(2026, 12, 5, 16, 30, 0).unwrap();
        assert_eq!(DisputeCode::at(&street(), t, 1).unwrap(), c);
        let bad: [(&str, CodeError); 11] = [
            ("", CodeError::Format),
            ("TJ330702001-20261206-001", CodeError::Format),
            ("TJ330702001-20261206-00001", CodeError::Format),
            ("TX330702001-20261206-0001", CodeError::Format),
            ("TJ330702001_20261206-0001", CodeError::Format),
            ("TJ33070200-120261206-0001", CodeError::Format),
            ("TJ３30702001-20261206-0001", CodeError::Format),
            ("TJ330702001-20260230-0001", CodeError::Date("20260230".into())),
            ("TJ330702001-20261206-0000", CodeError::Seq),
            ("TJ330702001-00001206-0001", CodeError::Year),
            ("TJ330702001-2026120-60001", CodeError::Format),
        ];
        for (s, want) in bad {
            assert_eq!(DisputeCode::parse(s), Err(want), "{s}");
        }
        let community = RegionCode::parse("330702001008").unwrap();
        assert_eq!(DisputeCode::new(&community, day(2026, 1, 1), 1), Err(CodeError::NotAStreet("330702001008".into())));
        assert_eq!(DisputeCode::new(&street(), day(2026, 1, 1), 10_000), Err(CodeError::Seq));
    }

    proptest! {
        /// Any valid code round-trips; any text parses or is refused without panicking.
        #[test]
        fn round_trips(days in 0u64..30_000, seq in 1u16..=MAX_DISPUTE_SEQ, s in "\\PC{0,30}") {
            let date = day(2000, 1, 1) + chrono::Days::new(days);
            let c = DisputeCode::new(&street(), date, seq).unwrap();
            prop_assert_eq!(c.to_string().len(), CODE_LEN);
            prop_assert_eq!(DisputeCode::parse(&c.to_string()), Ok(c));
            let _ = DisputeCode::parse(&s);
        }
    }
}
