//! Figures for leaders that always show what they are made of: a [`Ratio`] is a numerator and
//! a denominator ("23 / 31", 74.2%), an [`Average`] a total and a count ("43 天 / 10 件"). A
//! rate over nothing is shown as "—", never as 0 % or 100 %.

use serde::Serialize;

/// What a rate over an empty denominator reads.
pub const NO_RATE: &str = "—";

/// `num` of `den`, both counts (never negative: they come from `COUNT`s).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ratio {
    pub num: i64,
    pub den: i64,
}

impl Ratio {
    pub fn new(num: i64, den: i64) -> Ratio {
        Ratio { num, den }
    }

    /// The share, `None` over nothing.
    pub fn rate(self) -> Option<f64> {
        (self.den > 0).then(|| self.num as f64 / self.den as f64)
    }

    /// "23 / 31".
    pub fn fraction(self) -> String {
        format!("{} / {}", self.num, self.den)
    }

    /// "74.2%", or [`NO_RATE`] over nothing.
    pub fn percent(self) -> String {
        self.rate().map_or_else(|| NO_RATE.to_string(), |r| format!("{:.1}%", r * 100.0))
    }

    /// Adds another ratio's numerator and denominator (sums of groups, not an average of rates).
    pub fn plus(self, other: Ratio) -> Ratio {
        Ratio { num: self.num + other.num, den: self.den + other.den }
    }
}

/// A mean of whole days: `total` days over `count` items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Average {
    pub total: i64,
    pub count: i64,
}

impl Average {
    pub fn new(total: i64, count: i64) -> Average {
        Average { total, count }
    }

    pub fn value(self) -> Option<f64> {
        (self.count > 0).then(|| self.total as f64 / self.count as f64)
    }

    /// "4.3", or [`NO_RATE`] over nothing.
    pub fn days(self) -> String {
        self.value().map_or_else(|| NO_RATE.to_string(), |v| format!("{v:.1}"))
    }

    pub fn plus(self, other: Average) -> Average {
        Average { total: self.total + other.total, count: self.count + other.count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_shows_its_parts_and_nothing_over_nothing() {
        let r = Ratio::new(23, 31);
        assert_eq!((r.fraction(), r.percent()), ("23 / 31".to_string(), "74.2%".to_string()));
        assert_eq!(Ratio::new(0, 0).percent(), NO_RATE);
        assert_eq!(Ratio::new(0, 0).rate(), None);
        assert_eq!(Ratio::new(3, 3).percent(), "100.0%");
        assert_eq!(Ratio::new(1, 2).plus(Ratio::new(2, 3)), Ratio::new(3, 5));
    }

    #[test]
    fn an_average_of_days() {
        assert_eq!(Average::new(43, 10).days(), "4.3");
        assert_eq!(Average::new(0, 0).days(), NO_RATE);
        assert_eq!(Average::new(1, 3).plus(Average::new(2, 1)), Average::new(3, 4));
    }
}
