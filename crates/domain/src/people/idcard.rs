//! 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
//! (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.

use chrono::{Datelike, NaiveDate};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号应为 18 位，实为 {0} 位")]
    Length(usize),
    #[error("身份证号前 17 位只能是数字，末位只能是数字或 X")]
    Character,
    #[error("身份证号中的出生日期 {0} 不是有效日期")]
    BirthDate(String),
    #[error("身份证号校验位错误：应为 {expected}，实为 {found}")]
    CheckDigit { expected: char, found: char },
}

/// A validated 18-character ID number; the check character is stored upper case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Gender as recorded on the ID number and in the resident register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }

    pub fn parse_label(s: &str) -> Option<Gender> {
        match s.trim() {
            "男" | "male" | "M" => Some(Gender::Male),
            "女" | "female" | "F" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// The check character for the first 17 digits (ISO 7064 MOD 11-2).
pub fn check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

impl IdNumber {
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let s = input.trim().to_ascii_uppercase();
        let len = s.chars().count();
        if len != 18 {
            return Err(IdNumberError::Length(len));
        }
        let b = s.as_bytes();
        let first17: &[u8; 17] = b[..17].try_into().map_err(|_| IdNumberError::Character)?;
        if !first17.iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Character);
        }
        let birth = &s[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
            return Err(IdNumberError::BirthDate(birth.to_string()));
        }
        let expected = check_char(first17);
        let found = b[17] as char;
        if expected != found {
            return Err(IdNumberError::CheckDigit { expected, found });
        }
        Ok(IdNumber(s))
    }

    /// Builds a number from its parts, computing the check character (used for synthetic data).
    pub fn compose(area6: &str, birth: NaiveDate, sequence: u16) -> IdNumber {
        assert!(area6.len() == 6 && area6.bytes().all(|c| c.is_ascii_digit()));
        let body = format!("{area6}{:04}{:02}{:02}{:03}", birth.year(), birth.month(), birth.day(), sequence % 1000);
        let first17: [u8; 17] = body.as_bytes().try_into().expect("17 digits");
        IdNumber(format!("{body}{}", check_char(&first17)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("validated on parse")
    }

    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// The last four characters, shown in the masked form and used for fragment search.
    pub fn tail4(&self) -> &str {
        &self.0[14..]
    }

    pub fn masked(&self) -> String {
        crate::kernel::mask::mask_id_number(&self.0)
    }
}

/// Debug never prints the number itself: logs must not carry personal data.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        // 11010519491231002X is the standard's own worked example.
        let cases: &[(&str, Result<(), IdNumberError>)] = &[
            ("11010519491231002X", Ok(())),
            ("11010519491231002x", Ok(())),
            ("110105194912310021", Err(IdNumberError::CheckDigit { expected: 'X', found: '1' })),
            ("11010519491231002", Err(IdNumberError::Length(17))),
            ("11010519491231002X1", Err(IdNumberError::Length(19))),
            ("11010519491331002X", Err(IdNumberError::BirthDate("19491331".into()))),
            ("1101051949123100AX", Err(IdNumberError::Character)),
            ("一二三四五六七八九十一二三四五六七八", Err(IdNumberError::Character)),
        ];
        for (input, expected) in cases {
            assert_eq!(IdNumber::parse(input).map(|_| ()), *expected, "{input}");
        }
    }

    #[test]
    fn parts() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
    }

    proptest! {
        #[test]
        fn composed_numbers_parse_and_any_single_digit_change_is_caught(
            area in 110000u32..660000, days in 0i64..40000, seq in 0u16..1000, pos in 0usize..17, bump in 1u8..10
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::compose(&format!("{area:06}"), birth, seq);
            prop_assert!(IdNumber::parse(id.as_str()).is_ok());
            prop_assert_eq!(id.birth_date(), birth);
            // MOD 11-2 detects every single-digit substitution.
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let altered = String::from_utf8(bytes).unwrap();
            let caught = matches!(
                IdNumber::parse(&altered),
                Err(IdNumberError::CheckDigit { .. }) | Err(IdNumberError::BirthDate(_))
            );
            prop_assert!(caught, "{} was accepted", altered);
        }
    }
}
