//! 派单规则: category + location → the responsible unit. The most specific matching rule wins
//! (category+grid > category+community > category+street > category alone); among equally
//! specific rules the lowest id wins. Categories match exactly (a rule on a parent category
//! does not cover its children). [`route`] also explains every candidate, for the dry run.

use super::unit::Unit;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum RuleArea {
    /// One grid (15-digit code).
    Grid(String),
    /// Every grid of a community (12-digit code).
    Community(String),
    /// Every grid of a street (9-digit code).
    Street(String),
    /// Anywhere, also cases without a grid.
    Anywhere,
}

impl RuleArea {
    /// Higher is more specific.
    pub fn specificity(&self) -> u8 {
        match self {
            RuleArea::Grid(_) => 3,
            RuleArea::Community(_) => 2,
            RuleArea::Street(_) => 1,
            RuleArea::Anywhere => 0,
        }
    }

    /// "类别+网格" …, naming the rule's kind.
    pub fn kind_label(&self) -> &'static str {
        match self {
            RuleArea::Grid(_) => "类别+网格",
            RuleArea::Community(_) => "类别+社区",
            RuleArea::Street(_) => "类别+街道",
            RuleArea::Anywhere => "仅类别",
        }
    }

    fn level_label(&self) -> &'static str {
        match self {
            RuleArea::Grid(_) => "网格",
            RuleArea::Community(_) => "社区",
            RuleArea::Street(_) => "街道",
            RuleArea::Anywhere => "",
        }
    }

    fn code(&self) -> Option<&str> {
        match self {
            RuleArea::Grid(c) | RuleArea::Community(c) | RuleArea::Street(c) => Some(c),
            RuleArea::Anywhere => None,
        }
    }

    /// "类别+网格 330702001008001" or "仅类别".
    pub fn describe(&self) -> String {
        match self.code() {
            Some(c) => format!("{} {c}", self.kind_label()),
            None => self.kind_label().to_string(),
        }
    }

    /// Whether a case in this grid (or without one) falls in the area; the reason if not.
    fn check(&self, grid_code: Option<&str>) -> Result<(), String> {
        let Some(code) = self.code() else {
            return Ok(());
        };
        let Some(grid) = grid_code else {
            return Err("诉求没有网格位置，只适用仅按类别的规则".to_string());
        };
        let inside = match self {
            RuleArea::Grid(_) => grid == code,
            _ => grid.starts_with(code),
        };
        if inside {
            Ok(())
        } else if matches!(self, RuleArea::Grid(_)) {
            Err(format!("诉求所在网格为{grid}，不是该网格"))
        } else {
            Err(format!("诉求所在网格{grid}不属于该{}", self.level_label()))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub id: i64,
    /// A category code ("city.noise").
    pub category: String,
    pub area: RuleArea,
    pub target: Unit,
    /// Dispatch at once (by the system) instead of waiting in the dispatcher's queue.
    pub auto_dispatch: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("派单规则须指定诉求类别")]
    NoCategory,
    #[error("{level}代码“{code}”应为{len}位数字")]
    AreaCode { level: &'static str, code: String, len: usize },
}

impl RoutingRule {
    /// Checks what an admin typed: a category and an area code of the right length.
    pub fn validate(&self) -> Result<(), RoutingError> {
        if self.category.trim().is_empty() {
            return Err(RoutingError::NoCategory);
        }
        let len = match &self.area {
            RuleArea::Grid(_) => 15,
            RuleArea::Community(_) => 12,
            RuleArea::Street(_) => 9,
            RuleArea::Anywhere => return Ok(()),
        };
        let code = self.area.code().unwrap_or_default();
        if code.len() == len && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(RoutingError::AreaCode { level: self.area.level_label(), code: code.to_string(), len })
        }
    }

    fn title(&self) -> String {
        format!("规则#{}（{}）", self.id, self.area.describe())
    }

    /// Ranks matching rules: more specific first, then lower id.
    fn beats(&self, other: &RoutingRule) -> bool {
        (self.area.specificity(), std::cmp::Reverse(self.id)) > (other.area.specificity(), std::cmp::Reverse(other.id))
    }
}

/// One rule of the case's category and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    pub rule: &'a RoutingRule,
    /// The rule covers the case's location.
    pub matches: bool,
    pub won: bool,
    /// Why, in Chinese.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteChoice<'a> {
    /// The rule that fires; `None` sends the case to the dispatcher's queue.
    pub winner: Option<&'a RoutingRule>,
    /// Every rule of the category, most specific first, then by id.
    pub candidates: Vec<Candidate<'a>>,
    /// One line for the dry run.
    pub summary: String,
}

impl RouteChoice<'_> {
    /// The explanation as lines: the summary, then one line per candidate.
    pub fn explanation(&self) -> Vec<String> {
        std::iter::once(self.summary.clone()).chain(self.candidates.iter().map(|c| c.reason.clone())).collect()
    }
}

/// Picks the rule for a case of `category` in `grid_code` (None when the case has no grid).
pub fn route<'a>(rules: &'a [RoutingRule], category: &str, grid_code: Option<&str>) -> RouteChoice<'a> {
    let mut considered: Vec<&RoutingRule> = rules.iter().filter(|r| r.category == category).collect();
    considered.sort_by_key(|r| (std::cmp::Reverse(r.area.specificity()), r.id));
    let checks: Vec<Result<(), String>> = considered.iter().map(|r| r.area.check(grid_code)).collect();
    let winner = considered
        .iter()
        .zip(&checks)
        .filter(|(_, c)| c.is_ok())
        .map(|(r, _)| *r)
        .reduce(|best, r| if r.beats(best) { r } else { best });

    let candidates = considered
        .iter()
        .zip(checks)
        .map(|(rule, check)| {
            let won = winner.is_some_and(|w| std::ptr::eq(w, *rule));
            let reason = match (&check, winner) {
                (Err(why), _) => format!("{}不适用：{why}", rule.title()),
                (Ok(()), Some(w)) if won => format!(
                    "{}适用且最具体，派往{}，{}",
                    rule.title(),
                    w.target,
                    if w.auto_dispatch { "自动派单" } else { "由指挥中心确认派单" }
                ),
                (Ok(()), Some(w)) if w.area.specificity() > rule.area.specificity() => {
                    format!("{}适用，但不如规则#{}（{}）具体", rule.title(), w.id, w.area.kind_label())
                }
                (Ok(()), Some(w)) => {
                    format!("{}适用，与规则#{}同样具体，但编号较大", rule.title(), w.id)
                }
                (Ok(()), None) => format!("{}适用", rule.title()),
            };
            Candidate { rule, matches: check.is_ok(), won, reason }
        })
        .collect::<Vec<_>>();

    let summary = match winner {
        Some(w) => format!(
            "命中规则#{}（{}）：派往{}{}",
            w.id,
            w.area.describe(),
            w.target,
            if w.auto_dispatch { "，自动派单" } else { "，待指挥中心确认" }
        ),
        None if candidates.is_empty() => {
            format!("没有“{category}”类别的派单规则，转指挥中心人工派单")
        }
        None => format!("“{category}”类别的规则均不适用于此位置，转指挥中心人工派单"),
    };
    RouteChoice { winner, candidates, summary }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GRID: &str = "330702001008001";

    fn rule(id: i64, category: &str, area: RuleArea, dept: i64) -> RoutingRule {
        RoutingRule { id, category: category.into(), area, target: Unit::Department(dept), auto_dispatch: id % 2 == 0 }
    }

    fn sample() -> Vec<RoutingRule> {
        vec![
            rule(1, "city.noise", RuleArea::Anywhere, 1),
            rule(2, "city.noise", RuleArea::Street("330702001".into()), 2),
            rule(3, "city.noise", RuleArea::Community("330702001008".into()), 3),
            rule(4, "city.noise", RuleArea::Grid(GRID.into()), 4),
            rule(5, "city.noise", RuleArea::Grid("330702001008002".into()), 5),
            rule(6, "city.noise", RuleArea::Community("330702001009".into()), 6),
            rule(7, "utility.water", RuleArea::Grid(GRID.into()), 7),
            rule(8, "city.noise", RuleArea::Grid(GRID.into()), 8),
        ]
    }

    #[test]
    fn most_specific_wins_table() {
        let rules = sample();
        let cases: [(&str, Option<&str>, Option<i64>); 8] = [
            ("city.noise", Some(GRID), Some(4)),
            ("city.noise", Some("330702001008002"), Some(5)),
            ("city.noise", Some("330702001008003"), Some(3)),
            ("city.noise", Some("330702001009001"), Some(6)),
            ("city.noise", Some("330702001010001"), Some(2)),
            ("city.noise", Some("330702002001001"), Some(1)),
            ("city.noise", None, Some(1)),
            ("utility.power", Some(GRID), None),
        ];
        for (cat, grid, want) in cases {
            let got = route(&rules, cat, grid);
            assert_eq!(got.winner.map(|r| r.id), want, "{cat} {grid:?}");
        }
        assert_eq!(route(&rules, "utility.water", None).winner, None);
    }

    #[test]
    fn explains_every_candidate() {
        let rules = sample();
        let choice = route(&rules, "city.noise", Some(GRID));
        assert_eq!(choice.candidates.len(), 7);
        let ids: Vec<i64> = choice.candidates.iter().map(|c| c.rule.id).collect();
        assert_eq!(ids, [4, 5, 8, 3, 6, 2, 1]);
        let reason = |id: i64| choice.candidates.iter().find(|c| c.rule.id == id).unwrap().reason.clone();
        assert_eq!(reason(4), "规则#4（类别+网格 330702001008001）适用且最具体，派往部门#4，自动派单");
        assert_eq!(reason(8), "规则#8（类别+网格 330702001008001）适用，与规则#4同样具体，但编号较大");
        assert_eq!(reason(2), "规则#2（类别+街道 330702001）适用，但不如规则#4（类别+网格）具体");
        assert!(reason(5).contains("不适用：诉求所在网格为330702001008001"));
        assert!(reason(6).contains("不属于该社区"));
        assert_eq!(choice.summary, "命中规则#4（类别+网格 330702001008001）：派往部门#4，自动派单");
        assert_eq!(choice.explanation().len(), 8);
        assert!(choice.candidates.iter().filter(|c| c.won).count() == 1);

        let none = route(&rules, "market.food", Some(GRID));
        assert!(none.summary.contains("没有“market.food”类别的派单规则"));
        let nowhere = route(&rules[4..5], "city.noise", None);
        assert!(nowhere.summary.contains("均不适用"));
        assert!(nowhere.candidates[0].reason.contains("诉求没有网格位置"));
    }

    #[test]
    fn validates_area_codes() {
        assert!(rule(1, "city.noise", RuleArea::Grid(GRID.into()), 1).validate().is_ok());
        assert!(rule(1, "city.noise", RuleArea::Anywhere, 1).validate().is_ok());
        assert_eq!(rule(1, " ", RuleArea::Anywhere, 1).validate(), Err(RoutingError::NoCategory));
        let err = rule(1, "city.noise", RuleArea::Community("33070200100".into()), 1).validate().unwrap_err();
        assert_eq!(err.to_string(), "社区代码“33070200100”应为12位数字");
    }

    const GRIDS: [&str; 4] = ["330702001008001", "330702001008002", "330702001009001", "330702002001001"];

    fn area() -> impl Strategy<Value = RuleArea> {
        prop_oneof![
            Just(RuleArea::Anywhere),
            (0..GRIDS.len()).prop_map(|i| RuleArea::Grid(GRIDS[i].into())),
            (0..GRIDS.len()).prop_map(|i| RuleArea::Community(GRIDS[i][..12].into())),
            (0..GRIDS.len()).prop_map(|i| RuleArea::Street(GRIDS[i][..9].into())),
        ]
    }

    fn rules() -> impl Strategy<Value = Vec<RoutingRule>> {
        prop::collection::vec((0..3usize, area(), 1..5i64, any::<bool>()), 0..12).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (c, area, dept, auto))| RoutingRule {
                    id: 100 - i as i64 * 3,
                    category: ["a", "b", "c"][c].into(),
                    area,
                    target: Unit::Department(dept),
                    auto_dispatch: auto,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn winner_matches_and_is_maximal(rs in rules(), g in prop::option::of(0..GRIDS.len())) {
            let grid = g.map(|i| GRIDS[i]);
            let choice = route(&rs, "a", grid);
            let matching: Vec<&RoutingRule> = rs
                .iter()
                .filter(|r| r.category == "a" && r.area.check(grid).is_ok())
                .collect();
            prop_assert_eq!(choice.winner.is_some(), !matching.is_empty());
            if let Some(w) = choice.winner {
                prop_assert_eq!(w.category.as_str(), "a");
                prop_assert!(w.area.check(grid).is_ok());
                for r in &matching {
                    prop_assert!(!r.beats(w));
                }
            }
            prop_assert_eq!(choice.candidates.len(), rs.iter().filter(|r| r.category == "a").count());
        }

        #[test]
        fn a_less_specific_rule_never_changes_the_winner(
            rs in rules(),
            g in prop::option::of(0..GRIDS.len()),
            extra in area(),
            dept in 1..9i64,
            id in 0..200i64,
        ) {
            let grid = g.map(|i| GRIDS[i]);
            let before = route(&rs, "a", grid).winner.cloned();
            if let Some(w) = &before {
                if extra.specificity() >= w.area.specificity() {
                    return Ok(());
                }
                let mut more = rs.clone();
                more.push(RoutingRule {
                    id,
                    category: "a".into(),
                    area: extra,
                    target: Unit::Department(dept),
                    auto_dispatch: true,
                });
                let after = route(&more, "a", grid).winner.cloned();
                prop_assert_eq!(after, before);
            }
        }
    }
}
