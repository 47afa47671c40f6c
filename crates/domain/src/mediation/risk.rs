//! Risk levels (风险等级) as configurable data: name, colour, the level a dispute of this risk
//! is escalated to, and the time allowed to respond. No national rule defines them
//! (DOMAIN-RULES §1.6: counties differ); the seed is the common 红/橙/黄/绿.

use super::kinds::Level;
use crate::kernel::text::{Label, Lines, TextError, check};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The most levels a configuration may have.
pub const MAX_RISK_LEVELS: usize = 8;
/// The longest response time a level may allow (30 days).
pub const MAX_RESPONSE_HOURS: u32 = 720;
const MAX_CODE_CHARS: usize = 20;

/// One risk level. A list of them is ordered from the most to the least severe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskLevel {
    /// ASCII code (`red`), stable: stored with each assessment.
    pub code: String,
    /// 红, 橙 …
    pub name: String,
    /// `#RRGGBB`.
    pub colour: String,
    /// A dispute assessed at this level is handled at least at this level.
    pub escalate_to: Level,
    /// The time allowed to respond after the assessment, in hours (1–720).
    pub response_hours: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskLevelError {
    #[error("风险等级不能为空")]
    Empty,
    #[error("风险等级最多{MAX_RISK_LEVELS}个")]
    TooMany,
    #[error("风险等级代码“{0}”只能由小写字母、数字和下划线组成（1–20个字符）")]
    Code(String),
    #[error("风险等级代码“{0}”重复")]
    DuplicateCode(String),
    #[error("风险等级名称“{0}”重复")]
    DuplicateName(String),
    #[error("风险等级“{0}”的颜色应为 #RRGGBB 形式")]
    Colour(String),
    #[error("风险等级“{0}”的响应时限应为 1–{MAX_RESPONSE_HOURS} 小时")]
    ResponseHours(String),
    #[error("风险等级“{milder}”比更高的“{severe}”升级得更高或要求响应得更快，请按从高到低排列")]
    Order { severe: String, milder: String },
    #[error(transparent)]
    Text(#[from] TextError),
}

impl RiskLevel {
    /// Checks one level on its own.
    pub fn validate(&self) -> Result<(), RiskLevelError> {
        let code_ok = (1..=MAX_CODE_CHARS).contains(&self.code.len())
            && self.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(RiskLevelError::Code(self.code.clone()));
        }
        let name = check("风险等级名称", &self.name, Label::MAX_CHARS, Lines::One)?;
        if name.is_empty() || name != self.name {
            return Err(TextError::Required { field: "风险等级名称" }.into());
        }
        let c = self.colour.as_bytes();
        if c.len() != 7 || c[0] != b'#' || !c[1..].iter().all(u8::is_ascii_hexdigit) {
            return Err(RiskLevelError::Colour(self.name.clone()));
        }
        if !(1..=MAX_RESPONSE_HOURS).contains(&self.response_hours) {
            return Err(RiskLevelError::ResponseHours(self.name.clone()));
        }
        Ok(())
    }
}

/// Checks a whole configuration: 1–8 valid levels with unique codes and names, ordered from the
/// most severe, so that a more severe level never escalates lower nor allows more time.
pub fn validate_risk_levels(levels: &[RiskLevel]) -> Result<(), RiskLevelError> {
    if levels.is_empty() {
        return Err(RiskLevelError::Empty);
    }
    if levels.len() > MAX_RISK_LEVELS {
        return Err(RiskLevelError::TooMany);
    }
    let (mut codes, mut names) = (HashSet::new(), HashSet::new());
    for l in levels {
        l.validate()?;
        if !codes.insert(l.code.as_str()) {
            return Err(RiskLevelError::DuplicateCode(l.code.clone()));
        }
        if !names.insert(l.name.as_str()) {
            return Err(RiskLevelError::DuplicateName(l.name.clone()));
        }
    }
    for pair in levels.windows(2) {
        let (severe, milder) = (&pair[0], &pair[1]);
        if milder.escalate_to > severe.escalate_to || milder.response_hours < severe.response_hours {
            return Err(RiskLevelError::Order { severe: severe.name.clone(), milder: milder.name.clone() });
        }
    }
    Ok(())
}

/// The seed: 红 (重大, to the district, 2 hours), 橙 (较大, to the street's 矛调中心, 24 hours),
/// 黄 (一般, the community, 3 days), 绿 (轻微, the grid, 7 days).
pub fn default_risk_levels() -> Vec<RiskLevel> {
    let level = |code: &str, name: &str, colour: &str, escalate_to, response_hours| RiskLevel {
        code: code.to_string(),
        name: name.to_string(),
        colour: colour.to_string(),
        escalate_to,
        response_hours,
    };
    vec![
        level("red", "红", "#D93025", Level::District, 2),
        level("orange", "橙", "#F29900", Level::Street, 24),
        level("yellow", "黄", "#F9CB28", Level::Community, 72),
        level("green", "绿", "#1E8E3E", Level::Grid, 168),
    ]
}

/// The level with this code.
pub fn find_risk_level<'a>(levels: &'a [RiskLevel], code: &str) -> Option<&'a RiskLevel> {
    levels.iter().find(|l| l.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_valid() {
        let seed = default_risk_levels();
        validate_risk_levels(&seed).unwrap();
        assert_eq!(seed.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["红", "橙", "黄", "绿"]);
        assert_eq!(find_risk_level(&seed, "orange").unwrap().escalate_to, Level::Street);
        assert!(find_risk_level(&seed, "blue").is_none());
    }

    /// Each broken configuration names what is wrong.
    #[test]
    fn bad_configurations() {
        let seed = default_risk_levels();
        let with = |f: &dyn Fn(&mut Vec<RiskLevel>)| {
            let mut v = seed.clone();
            f(&mut v);
            validate_risk_levels(&v).unwrap_err().to_string()
        };
        type Edit = Box<dyn Fn(&mut Vec<RiskLevel>)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|v| v.clear()), "风险等级不能为空"),
            (Box::new(|v| v[0].code = "Red".into()), "风险等级代码“Red”只能由小写字母、数字和下划线组成（1–20个字符）"),
            (Box::new(|v| v[1].code = "red".into()), "风险等级代码“red”重复"),
            (Box::new(|v| v[1].name = "红".into()), "风险等级名称“红”重复"),
            (Box::new(|v| v[0].name = " ".into()), "请填写风险等级名称"),
            (Box::new(|v| v[2].colour = "yellow".into()), "风险等级“黄”的颜色应为 #RRGGBB 形式"),
            (Box::new(|v| v[3].response_hours = 0), "风险等级“绿”的响应时限应为 1–720 小时"),
            (Box::new(|v| v[3].response_hours = 721), "风险等级“绿”的响应时限应为 1–720 小时"),
            (Box::new(|v| v.swap(0, 3)), "风险等级“橙”比更高的“绿”升级得更高或要求响应得更快，请按从高到低排列"),
        ];
        for (f, want) in cases {
            assert_eq!(with(&*f), want);
        }
        let nine: Vec<RiskLevel> =
            (0..9).map(|i| RiskLevel { code: format!("l{i}"), name: format!("{i}级"), ..seed[3].clone() }).collect();
        assert_eq!(validate_risk_levels(&nine).unwrap_err(), RiskLevelError::TooMany);
    }
}
