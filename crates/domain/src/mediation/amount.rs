//! 争议金额: the money in dispute, as the register records it (a 调解登记 field; statistics
//! group disputes by it). Kept in 分 so no rounding ever happens; typed in 元.

use serde::{Deserialize, Serialize};

/// The largest amount recorded: 100 亿元 (a larger one is a typing error).
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000;

/// An amount of money in 分, more than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Amount(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("争议金额应为数字（元），最多两位小数，如 3000 或 3000.50")]
    Format,
    #[error("争议金额应大于零；没有争议金额请留空")]
    Zero,
    #[error("争议金额不能超过 100 亿元")]
    TooLarge,
}

impl Amount {
    /// From 分; `None` outside 1..=[`MAX_AMOUNT_FEN`].
    pub fn from_fen(fen: i64) -> Option<Amount> {
        (1..=MAX_AMOUNT_FEN).contains(&fen).then_some(Amount(fen))
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// An amount typed in 元: digits with an optional decimal point and at most two decimals;
    /// thousands separators, spaces, a leading ¥ and a trailing 元 are allowed. Blank: `None`.
    pub fn parse_yuan(raw: &str) -> Result<Option<Amount>, AmountError> {
        let cleaned: String = raw
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
            .collect();
        if cleaned.is_empty() {
            return Ok(None);
        }
        let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || cleaned.ends_with('.') {
            return Err(AmountError::Format);
        }
        // More than 13 digits of 元 is past the bound whatever they are (and would overflow).
        if whole.trim_start_matches('0').len() > 13 {
            return Err(AmountError::TooLarge);
        }
        let yuan: i64 = whole.parse().map_err(|_| AmountError::Format)?;
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| AmountError::Format)?;
        let fen = yuan.saturating_mul(100).saturating_add(cents);
        match fen {
            0 => Err(AmountError::Zero),
            f if f > MAX_AMOUNT_FEN => Err(AmountError::TooLarge),
            f => Ok(Some(Amount(f))),
        }
    }

    /// `12,345.60 元`; whole 元 without decimals (`3,000 元`).
    pub fn label(self) -> String {
        let yuan = self.0 / 100;
        let cents = self.0 % 100;
        let digits = yuan.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if cents == 0 { format!("{grouped} 元") } else { format!("{grouped}.{cents:02} 元") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_as_typed() {
        let fen = |s: &str| Amount::parse_yuan(s).map(|a| a.map(Amount::fen));
        assert_eq!(fen(""), Ok(None));
        assert_eq!(fen("  "), Ok(None));
        assert_eq!(fen("3000"), Ok(Some(300_000)));
        assert_eq!(fen("3,000.5"), Ok(Some(300_050)));
        assert_eq!(fen("￥12 345.67元"), Ok(Some(1_234_567)));
        assert_eq!(fen("0.01"), Ok(Some(1)));
        assert_eq!(fen("0"), Err(AmountError::Zero));
        assert_eq!(fen("0.00"), Err(AmountError::Zero));
        for bad in ["1.234", "abc", "-5", "1e3", ".5", "5.", "1.2.3", "３０"] {
            assert_eq!(fen(bad), Err(AmountError::Format), "{bad}");
        }
        assert_eq!(fen("10000000000"), Ok(Some(MAX_AMOUNT_FEN)));
        assert_eq!(fen("10000000000.01"), Err(AmountError::TooLarge));
        assert_eq!(fen("99999999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(Amount::from_fen(300_000).unwrap().label(), "3,000 元");
        assert_eq!(Amount::from_fen(123_456_789).unwrap().label(), "1,234,567.89 元");
        assert_eq!(Amount::from_fen(5).unwrap().label(), "0.05 元");
        assert_eq!(Amount::from_fen(0), None);
        assert_eq!(serde_json::to_string(&Amount::from_fen(42).unwrap()).unwrap(), "42");
    }

    proptest! {
        /// Any text parses or is refused without panicking; an amount's label reads back.
        #[test]
        fn parse_never_panics_and_labels_round_trip(s in "\\PC{0,30}", fen in 1i64..=MAX_AMOUNT_FEN) {
            let _ = Amount::parse_yuan(&s);
            let a = Amount::from_fen(fen).unwrap();
            prop_assert_eq!(Amount::parse_yuan(&a.label()), Ok(Some(a)));
        }
    }
}
