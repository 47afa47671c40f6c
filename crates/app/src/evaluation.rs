//! 考评: the monthly 三率 (响应率, 解决率, 满意率) and weighted score of every unit in a scope,
//! ranked (DESIGN §2.4). The formulas are the domain's (`tongxin_domain::case::evaluation`);
//! this reads the monthly counters the case transactions keep (`unit_month_stats`), so a
//! ranking is a handful of index range reads whatever the number of cases.
//!
//! - Department level: the `dept:{id}` counters of the departments of the scope's street(s).
//!   Department staff see only their own department's row, with its rank among the
//!   departments of its street.
//! - Street, community and grid levels: the `area:{code}` counters (cases located in the area)
//!   of the regions of that level within the scope.
//!
//! Units without any counter that month are listed too, without rates, ranked last.

use crate::cases::CaseService;
use crate::cases::config::WEIGHTS_KEY;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tongxin_domain::case::{Rates, UnitCounts, Weights, rank, rates};
use tongxin_domain::kernel::access::Scope;
use tongxin_store::cases::stats::UnitMonth;
use tongxin_store::{Actor, Store, StoreError};

/// The kind of unit ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Department,
    Street,
    Community,
    Grid,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Department, Level::Street, Level::Community, Level::Grid];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Department => "department",
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Department => "部门",
            Level::Street => "街道",
            Level::Community => "社区",
            Level::Grid => "网格",
        }
    }

    /// From [`Level::as_str`] or [`Level::label`].
    pub fn parse(s: &str) -> Option<Level> {
        let s = s.trim();
        Level::ALL.into_iter().find(|l| l.as_str() == s || l.label() == s)
    }

    /// The `regions.level` of an area level.
    fn region_level(self) -> Option<&'static str> {
        match self {
            Level::Department => None,
            Level::Street => Some("street"),
            Level::Community => Some("community"),
            Level::Grid => Some("grid"),
        }
    }
}

/// One unit's place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedUnit {
    /// 1-based; ties share a rank (1, 1, 3); units without a score share the last rank.
    pub rank: usize,
    /// The counter key: `dept:3`, `area:330702001008`.
    pub key: String,
    /// The department's or the region's name.
    pub name: String,
    pub counts: UnitCounts,
    pub rates: Rates,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvaluationError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// The scope may not see this ranking (department staff asking for areas).
    #[error("{0}")]
    NotPermitted(&'static str),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl EvaluationError {
    fn invalid(field: &'static str, message: impl Into<String>) -> EvaluationError {
        EvaluationError::Invalid { field, message: message.into() }
    }
}

/// A `YYYY-MM` month, checked.
pub fn parse_month(s: &str) -> Result<String, EvaluationError> {
    let s = s.trim();
    let bad = || EvaluationError::invalid("month", format!("月份“{s}”格式有误，应为 YYYY-MM，例如 2026-11"));
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
        return Err(bad());
    }
    let (year, month): (i32, u32) = (s[..4].parse().map_err(|_| bad())?, s[5..].parse().map_err(|_| bad())?);
    if !(2000..=2999).contains(&year) || NaiveDate::from_ymd_opt(year, month, 1).is_none() {
        return Err(bad());
    }
    Ok(s.to_string())
}

/// The current month in Shanghai time.
pub fn current_month(store: &Store) -> String {
    tongxin_domain::kernel::clock::shanghai(store.now()).format("%Y-%m").to_string()
}

fn counts_of(row: &UnitMonth) -> UnitCounts {
    let n = |v: i64| v.max(0) as u64;
    let c = UnitCounts {
        dispatched: n(row.dispatched),
        responded_in_time: n(row.responded_in_time),
        rated: n(row.rated),
        resolved: n(row.resolved),
        satisfied: n(row.satisfied),
        reopened: n(row.reopened),
        closed_on_spot: n(row.closed_on_spot),
    };
    if let Err(e) = c.validate() {
        // The rates are capped at 1 anyway; the inconsistency is worth a look.
        tracing::warn!(unit = %row.unit, month = %row.month, error = %e, "inconsistent evaluation counters");
    }
    c
}

/// The ranking of one level's units within `scope` for `month` (`YYYY-MM`).
pub async fn monthly(
    store: &Store,
    scope: &Scope,
    month: &str,
    level: Level,
    weights: &Weights,
) -> Result<Vec<RankedUnit>, EvaluationError> {
    let month = parse_month(month)?;
    // (key, name) of every unit to rank, and the counter prefix that covers them all.
    let (units, prefix): (Vec<(String, String)>, String) = match level.region_level() {
        None => {
            let depts = store.departments().list(scope).await?;
            (depts.into_iter().map(|d| (format!("dept:{}", d.id), d.name)).collect(), "dept:".into())
        }
        Some(region_level) => {
            if matches!(scope, Scope::Department { .. }) {
                return Err(EvaluationError::NotPermitted("职能部门只能查看本部门的考评"));
            }
            let regions = store.regions().in_scope(scope, level == Level::Grid).await?;
            let units = regions
                .into_iter()
                .filter(|r| r.level == region_level)
                .map(|r| (format!("area:{}", r.code), r.name))
                .collect();
            (units, format!("area:{}", scope.places_prefix()))
        }
    };
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let stats: HashMap<String, UnitCounts> = store
        .cases()
        .unit_month_stats(&month, &prefix)
        .await?
        .iter()
        .map(|row| (row.unit.clone(), counts_of(row)))
        .collect();
    let items: Vec<((String, String, UnitCounts), Rates)> = units
        .into_iter()
        .map(|(key, name)| {
            let counts = stats.get(&key).copied().unwrap_or_default();
            let r = rates(&counts, weights);
            ((key, name, counts), r)
        })
        .collect();
    let mut ranked: Vec<RankedUnit> = rank(items)
        .into_iter()
        .map(|(rank, (key, name, counts), rates)| RankedUnit { rank, key, name, counts, rates })
        .collect();
    if let Scope::Department { id, .. } = scope {
        let own = format!("dept:{id}");
        ranked.retain(|u| u.key == own);
    }
    Ok(ranked)
}

/// [`monthly`] with the admin-set weights in force.
pub async fn ranking(
    cases: &CaseService,
    scope: &Scope,
    month: &str,
    level: Level,
) -> Result<Vec<RankedUnit>, EvaluationError> {
    monthly(cases.store(), scope, month, level, &cases.config().weights).await
}

/// The weights in force.
pub fn weights(cases: &CaseService) -> Weights {
    cases.config().weights
}

/// Checks and stores new weights (audited) and puts them in force in this process (other
/// processes pick them up at their next configuration reload).
pub async fn set_weights(cases: &CaseService, actor: &Actor, w: Weights) -> Result<Weights, EvaluationError> {
    w.validate().map_err(|e| EvaluationError::invalid("weights", e.to_string()))?;
    let json = serde_json::to_string(&w).map_err(|e| EvaluationError::invalid("weights", e.to_string()))?;
    cases.store().settings().set(actor, WEIGHTS_KEY, &json).await?;
    cases.reload().await?;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_levels_parse() {
        assert_eq!(parse_month(" 2026-11 ").unwrap(), "2026-11");
        for bad in ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "２０２６-11", "1999-12", "2026-11-01", ""]
        {
            let e = parse_month(bad).unwrap_err();
            assert!(matches!(e, EvaluationError::Invalid { field: "month", .. }), "{bad}");
        }
        assert!(parse_month("2026-1x").unwrap_err().to_string().contains("YYYY-MM"));
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert_eq!(Level::parse(l.label()), Some(l));
        }
        assert_eq!(Level::parse("city"), None);
    }
}
