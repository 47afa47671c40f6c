//! The units a case is dispatched to: a department (职能部门) or a grid team (网格).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A handling unit. The store resolves ids and codes to names; [`fmt::Display`] gives a short
/// Chinese form for messages when no name is at hand ("部门#12", "网格330702001008001").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Unit {
    Department(i64),
    /// A grid team, by its 15-digit grid code.
    GridTeam(String),
}

impl Unit {
    /// A compact key for a database column: `dept:12` or `grid:330702001008001`.
    pub fn key(&self) -> String {
        match self {
            Unit::Department(id) => format!("dept:{id}"),
            Unit::GridTeam(code) => format!("grid:{code}"),
        }
    }

    /// Reads back what [`Unit::key`] wrote.
    pub fn parse_key(s: &str) -> Option<Unit> {
        if let Some(id) = s.strip_prefix("dept:") {
            return id.parse().ok().map(Unit::Department);
        }
        let code = s.strip_prefix("grid:")?;
        (!code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())).then(|| Unit::GridTeam(code.to_string()))
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Department(id) => write!(f, "部门#{id}"),
            Unit::GridTeam(code) => write!(f, "网格{code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_key_and_serde() {
        let d = Unit::Department(12);
        let g = Unit::GridTeam("330702001008001".into());
        assert_eq!(d.to_string(), "部门#12");
        assert_eq!(g.to_string(), "网格330702001008001");
        for u in [&d, &g] {
            assert_eq!(Unit::parse_key(&u.key()).as_ref(), Some(u));
            let json = serde_json::to_string(u).unwrap();
            assert_eq!(&serde_json::from_str::<Unit>(&json).unwrap(), u);
        }
        assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"kind":"department","id":12}"#);
        assert_eq!(Unit::parse_key("dept:x"), None);
        assert_eq!(Unit::parse_key("grid:"), None);
        assert_eq!(Unit::parse_key("team:1"), None);
    }
}
