//! The region tree: 区/县 district → 街道/乡镇 street → 社区/村 community → 网格 grid.
//!
//! Codes are the national 统计用区划代码 (6 + 3 + 3 digits) and, for grids, the community code
//! plus a 3-digit sequence. Because a child's code always begins with its parent's, a code
//! prefix names a whole subtree: access scopes and the tenant (street) key are prefixes.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    District,
    Street,
    Community,
    Grid,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 4] =
        [RegionLevel::District, RegionLevel::Street, RegionLevel::Community, RegionLevel::Grid];

    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::District => 6,
            RegionLevel::Street => 9,
            RegionLevel::Community => 12,
            RegionLevel::Grid => 15,
        }
    }

    pub fn from_code_len(len: usize) -> Option<RegionLevel> {
        RegionLevel::ALL.into_iter().find(|l| l.code_len() == len)
    }

    pub fn parent(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::District => None,
            RegionLevel::Street => Some(RegionLevel::District),
            RegionLevel::Community => Some(RegionLevel::Street),
            RegionLevel::Grid => Some(RegionLevel::Community),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::District => "district",
            RegionLevel::Street => "street",
            RegionLevel::Community => "community",
            RegionLevel::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Option<RegionLevel> {
        RegionLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::District => "区县",
            RegionLevel::Street => "街道/乡镇",
            RegionLevel::Community => "社区/村",
            RegionLevel::Grid => "网格",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("区划代码“{0}”应为 6、9、12 或 15 位数字")]
    Format(String),
}

/// A validated region code of any level.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, RegionCodeError> {
        let s = s.trim();
        if s.bytes().all(|b| b.is_ascii_digit()) && RegionLevel::from_code_len(s.len()).is_some() {
            Ok(RegionCode(s.to_string()))
        } else {
            Err(RegionCodeError::Format(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        RegionLevel::from_code_len(self.0.len()).expect("validated length")
    }

    pub fn parent(&self) -> Option<RegionCode> {
        self.level().parent().map(|l| RegionCode(self.0[..l.code_len()].to_string()))
    }

    /// The street (tenant) this code belongs to, if it is at or below street level.
    pub fn street(&self) -> Option<RegionCode> {
        (self.0.len() >= 9).then(|| RegionCode(self.0[..9].to_string()))
    }

    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// The code of the `seq`-th grid (1-based) of this community.
    pub fn grid_code(&self, seq: u16) -> RegionCode {
        assert_eq!(self.level(), RegionLevel::Community, "grids belong to communities");
        RegionCode(format!("{}{:03}", self.0, seq))
    }

    /// For a street code: 街道 (001–099), 镇 (100–199) or 乡 (200–399), by the township digits.
    pub fn township_kind(&self) -> Option<TownshipKind> {
        if self.level() != RegionLevel::Street {
            return None;
        }
        let n: u32 = self.0[6..9].parse().ok()?;
        match n {
            1..=99 => Some(TownshipKind::Subdistrict),
            100..=199 => Some(TownshipKind::Town),
            200..=399 => Some(TownshipKind::Township),
            _ => None,
        }
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TownshipKind {
    /// 街道: urban, with 社区.
    Subdistrict,
    /// 镇.
    Town,
    /// 乡.
    Township,
}

/// Half-open range `[lo, hi)` of all codes within the subtree named by `prefix`, for an indexed
/// range scan on both databases (`code >= lo AND code < hi`). `:` sorts right after `9`.
pub fn subtree_range(prefix: &str) -> (String, String) {
    (prefix.to_string(), format!("{prefix}:"))
}

/// One node as stored: enough to check the tree's invariants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionNode {
    pub code: RegionCode,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("区划代码 {0} 重复")]
    Duplicate(String),
    #[error("{code} 的上级 {parent} 不存在")]
    MissingParent { code: String, parent: String },
    #[error("区划 {0} 名称为空")]
    EmptyName(String),
}

/// Checks the invariants every stored region tree keeps: unique codes, a parent for every node
/// below the top level present, non-empty names. (Levels follow from code lengths and parents
/// from prefixes, so those cannot disagree.)
pub fn check_tree(nodes: &[RegionNode]) -> Result<(), TreeError> {
    let mut by_code: HashMap<&str, &RegionNode> = HashMap::with_capacity(nodes.len());
    for n in nodes {
        if n.name.trim().is_empty() {
            return Err(TreeError::EmptyName(n.code.to_string()));
        }
        if by_code.insert(n.code.as_str(), n).is_some() {
            return Err(TreeError::Duplicate(n.code.to_string()));
        }
    }
    let top = nodes.iter().map(|n| n.code.level()).min();
    for n in nodes {
        if Some(n.code.level()) == top {
            continue;
        }
        let parent = n.code.parent().expect("below the top level");
        if !by_code.contains_key(parent.as_str()) {
            return Err(TreeError::MissingParent { code: n.code.to_string(), parent: parent.to_string() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes() {
        let g = RegionCode::parse("330702001008003").unwrap();
        assert_eq!(g.level(), RegionLevel::Grid);
        assert_eq!(g.parent().unwrap().as_str(), "330702001008");
        assert_eq!(g.street().unwrap().as_str(), "330702001");
        assert!(g.is_within(&RegionCode::parse("330702").unwrap()));
        for bad in ["", "3307", "33070200100", "33070200100a", "3307020010080031"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
        let kinds = [
            ("330702001", TownshipKind::Subdistrict),
            ("330702100", TownshipKind::Town),
            ("330702201", TownshipKind::Township),
        ];
        for (code, kind) in kinds {
            assert_eq!(RegionCode::parse(code).unwrap().township_kind(), Some(kind));
        }
        assert_eq!(RegionCode::parse("330702001008").unwrap().grid_code(7).as_str(), "330702001008007");
    }

    fn arb_tree() -> impl Strategy<Value = Vec<RegionNode>> {
        // A district with up to 4 streets × 4 communities × 5 grids, some branches pruned.
        proptest::collection::vec((1u16..5, 1u16..5, 0u16..6), 1..40).prop_map(|paths| {
            let mut nodes = vec![RegionNode { code: RegionCode::parse("330702").unwrap(), name: "婺城区".into() }];
            let mut seen = std::collections::HashSet::new();
            for (s, c, g) in paths {
                let street = format!("330702{s:03}");
                let community = format!("{street}{c:03}");
                let mut codes = vec![street, community.clone()];
                if g > 0 {
                    codes.push(format!("{community}{g:03}"));
                }
                for code in codes {
                    if seen.insert(code.clone()) {
                        nodes.push(RegionNode {
                            code: RegionCode::parse(&code).unwrap(), name: format!("区划{code}")
                        });
                    }
                }
            }
            nodes
        })
    }

    proptest! {
        #[test]
        fn generated_trees_hold_invariants(nodes in arb_tree()) {
            prop_assert_eq!(check_tree(&nodes), Ok(()));
            for n in &nodes {
                // Every node is inside its ancestors' subtree ranges and outside its siblings'.
                let mut cur = n.code.parent();
                while let Some(p) = cur {
                    let (lo, hi) = subtree_range(p.as_str());
                    prop_assert!(n.code.as_str() >= lo.as_str() && n.code.as_str() < hi.as_str());
                    cur = p.parent();
                }
                for other in &nodes {
                    let (lo, hi) = subtree_range(other.code.as_str());
                    let in_range = n.code.as_str() >= lo.as_str() && n.code.as_str() < hi.as_str();
                    prop_assert_eq!(in_range, n.code.is_within(&other.code));
                }
            }
        }

        #[test]
        fn removing_a_parent_is_detected(nodes in arb_tree(), pick in any::<prop::sample::Index>()) {
            let parents: Vec<usize> = (0..nodes.len())
                .filter(|&i| i > 0 && nodes.iter().any(|n| n.code.parent().as_ref() == Some(&nodes[i].code)))
                .collect();
            prop_assume!(!parents.is_empty());
            let mut broken = nodes.clone();
            broken.remove(parents[pick.index(parents.len())]);
            let missing_parent = matches!(check_tree(&broken), Err(TreeError::MissingParent { .. }));
            prop_assert!(missing_parent);
        }
    }
}
