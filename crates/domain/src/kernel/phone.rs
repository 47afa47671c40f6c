//! Mainland mobile and landline numbers as residents write them.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("手机号应为 11 位数字并以 1 开头，或为带区号的固定电话")]
    Format,
}

/// A normalised phone number: digits only (a landline keeps its `0` area code).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let digits: String =
            input.trim().trim_start_matches("+86").chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::Format);
        }
        let mobile = digits.len() == 11 && digits.starts_with('1') && digits.as_bytes()[1] >= b'3';
        let landline = (10..=12).contains(&digits.len()) && digits.starts_with('0');
        if mobile || landline { Ok(Phone(digits)) } else { Err(PhoneError::Format) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn tail4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    pub fn masked(&self) -> String {
        crate::kernel::mask::mask_phone(&self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ok =
            [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0579-82123456", "057982123456")];
        for (input, norm) in ok {
            assert_eq!(Phone::parse(input).unwrap().as_str(), norm, "{input}");
        }
        for bad in ["", "1381234567", "12812345678", "138123456789", "abc", "23812345678"] {
            assert_eq!(Phone::parse(bad), Err(PhoneError::Format), "{bad}");
        }
        assert_eq!(format!("{:?}", Phone::parse("13812345678").unwrap()), "Phone(138****5678)");
    }
}
