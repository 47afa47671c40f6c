//! The admin-editable two-level category tree (诉求分类), seeded with the usual 12345 categories.

use crate::case::deadline::Urgency;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What the requester wants (DESIGN §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Question,
    Help,
    Complaint,
    Report,
    Suggestion,
}

impl CaseKind {
    pub const ALL: [CaseKind; 5] =
        [CaseKind::Question, CaseKind::Help, CaseKind::Complaint, CaseKind::Report, CaseKind::Suggestion];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Question => "question",
            CaseKind::Help => "help",
            CaseKind::Complaint => "complaint",
            CaseKind::Report => "report",
            CaseKind::Suggestion => "suggestion",
        }
    }

    /// From [`CaseKind::as_str`] or [`CaseKind::label`].
    pub fn parse(s: &str) -> Option<CaseKind> {
        let s = s.trim();
        CaseKind::ALL.into_iter().find(|k| k.as_str() == s || k.label() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Question => "咨询",
            CaseKind::Help => "求助",
            CaseKind::Complaint => "投诉",
            CaseKind::Report => "举报",
            CaseKind::Suggestion => "建议",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// ASCII code, dotted under its parent's ("city.noise").
    pub code: String,
    pub name: String,
    /// The parent's code; `None` for a top-level category.
    pub parent: Option<String>,
    /// The default urgency of a case in this category (sets its time limit).
    pub urgency: Urgency,
    /// The usual kind of a case in this category.
    pub kind: CaseKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    #[error("类别代码“{0}”只能由小写字母、数字、下划线和点组成")]
    Code(String),
    #[error("类别“{0}”缺少名称")]
    Name(String),
    #[error("类别代码“{0}”重复")]
    Duplicate(String),
    #[error("类别“{code}”的上级“{parent}”不存在")]
    UnknownParent { code: String, parent: String },
    #[error("类别“{0}”超过两级：其上级本身也有上级")]
    TooDeep(String),
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.split('.').all(|seg| {
            !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// Checks a whole tree: codes well formed and unique, names present, parents existing and
/// top-level (two levels at most).
pub fn validate_categories(cats: &[Category]) -> Result<(), CategoryError> {
    let mut seen = HashSet::new();
    for c in cats {
        if !valid_code(&c.code) {
            return Err(CategoryError::Code(c.code.clone()));
        }
        if c.name.trim().is_empty() {
            return Err(CategoryError::Name(c.code.clone()));
        }
        if !seen.insert(c.code.as_str()) {
            return Err(CategoryError::Duplicate(c.code.clone()));
        }
    }
    for c in cats {
        let Some(parent) = &c.parent else { continue };
        match cats.iter().find(|p| &p.code == parent) {
            None => {
                return Err(CategoryError::UnknownParent { code: c.code.clone(), parent: parent.clone() });
            }
            Some(p) if p.parent.is_some() => return Err(CategoryError::TooDeep(c.code.clone())),
            Some(_) => {}
        }
    }
    Ok(())
}

/// The seed tree: six top-level categories and the usual 12345 matters under them. Utilities
/// (水电气热) default to the 24-hour limit, a missing manhole cover is an emergency, illegal
/// building is complex.
pub fn default_categories() -> Vec<Category> {
    use CaseKind::*;
    use Urgency::*;
    // (code, name, urgency, kind) of a category; a top-level one with its children.
    type Leaf = (&'static str, &'static str, Urgency, CaseKind);
    const TREE: &[(&str, &str, Urgency, CaseKind, &[Leaf])] = &[
        (
            "city",
            "城市管理",
            General,
            Complaint,
            &[
                ("noise", "噪音扰民", General, Complaint),
                ("illegal_building", "违章建筑", Complex, Report),
                ("garbage", "垃圾清运", General, Help),
                ("road", "道路破损", General, Help),
                ("manhole", "井盖缺失", Emergency, Help),
                ("parking", "停车", General, Complaint),
                ("street_vending", "占道经营", General, Report),
                ("greening", "园林绿化", General, Help),
            ],
        ),
        (
            "utility",
            "公用事业",
            Utility,
            Help,
            &[
                ("water", "供水", Utility, Help),
                ("power", "供电", Utility, Help),
                ("gas", "燃气", Utility, Help),
                ("heating", "供暖", Utility, Help),
            ],
        ),
        (
            "market",
            "市场监管",
            General,
            Report,
            &[
                ("food", "食品安全", General, Report),
                ("consumer", "消费维权", General, Complaint),
                ("price", "价格收费", General, Complaint),
            ],
        ),
        (
            "env",
            "生态环境",
            General,
            Report,
            &[("air", "大气污染", General, Report), ("water", "水体污染", General, Report)],
        ),
        (
            "community",
            "社区治理",
            General,
            Help,
            &[
                ("property", "物业服务", General, Complaint),
                ("neighbor", "邻里纠纷", General, Help),
                ("elderly", "养老服务", General, Help),
                ("suggestion", "社区建设建议", General, Suggestion),
            ],
        ),
        (
            "consult",
            "咨询",
            General,
            Question,
            &[
                ("policy", "政策咨询", General, Question),
                ("social_security", "社保医保", General, Question),
                ("household", "户籍证照", General, Question),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (code, name, urgency, kind, children) in TREE {
        out.push(Category {
            code: (*code).to_string(),
            name: (*name).to_string(),
            parent: None,
            urgency: *urgency,
            kind: *kind,
        });
        for (child, cname, curgency, ckind) in *children {
            out.push(Category {
                code: format!("{code}.{child}"),
                name: (*cname).to_string(),
                parent: Some((*code).to_string()),
                urgency: *curgency,
                kind: *ckind,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(cats: &'a [Category], name: &str) -> &'a Category {
        cats.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn seed_tree_is_valid_and_complete() {
        let cats = default_categories();
        validate_categories(&cats).unwrap();
        for name in [
            "噪音扰民",
            "物业服务",
            "违章建筑",
            "垃圾清运",
            "道路破损",
            "供水",
            "供电",
            "燃气",
            "供暖",
            "停车",
            "占道经营",
            "食品安全",
            "大气污染",
            "邻里纠纷",
            "政策咨询",
        ] {
            let c = find(&cats, name);
            let parent = c.parent.as_deref().expect("a leaf");
            assert!(c.code.starts_with(&format!("{parent}.")), "{}", c.code);
        }
        for name in ["供水", "供电", "燃气", "供暖"] {
            assert_eq!(find(&cats, name).urgency, Urgency::Utility);
        }
        assert_eq!(find(&cats, "噪音扰民").code, "city.noise");
        assert_eq!(find(&cats, "政策咨询").kind, CaseKind::Question);
        let tops: Vec<&str> = cats.iter().filter(|c| c.parent.is_none()).map(|c| c.name.as_str()).collect();
        assert_eq!(tops, ["城市管理", "公用事业", "市场监管", "生态环境", "社区治理", "咨询"]);
        assert!(CaseKind::ALL.iter().all(|k| cats.iter().any(|c| c.kind == *k)));
    }

    #[test]
    fn validation_errors() {
        let base = default_categories();
        let with = |f: &dyn Fn(&mut Vec<Category>)| {
            let mut v = base.clone();
            f(&mut v);
            validate_categories(&v).unwrap_err().to_string()
        };
        assert_eq!(
            with(&|v| v[1].code = "City.Noise".into()),
            "类别代码“City.Noise”只能由小写字母、数字、下划线和点组成"
        );
        assert_eq!(with(&|v| v[1].code = "city..x".into()), "类别代码“city..x”只能由小写字母、数字、下划线和点组成");
        assert_eq!(with(&|v| v[1].name = " ".into()), "类别“city.noise”缺少名称");
        assert_eq!(with(&|v| v[2].code = "city.noise".into()), "类别代码“city.noise”重复");
        assert_eq!(with(&|v| v[1].parent = Some("nope".into())), "类别“city.noise”的上级“nope”不存在");
        assert_eq!(
            with(&|v| v[2].parent = Some("city.noise".into())),
            "类别“city.illegal_building”超过两级：其上级本身也有上级"
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in CaseKind::ALL {
            assert_eq!(CaseKind::parse(k.as_str()), Some(k));
            assert_eq!(CaseKind::parse(k.label()), Some(k));
        }
    }
}
