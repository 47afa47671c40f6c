//! What intake and actions read on every request — categories, routing rules, the working
//! calendar, the deadline policy, evaluation weights — cached and reloaded after an admin
//! changes them (and periodically, for other server processes).

use std::collections::HashMap;
use tongxin_domain::case::deadline::{DeadlinePolicy, Urgency};
use tongxin_domain::case::{CaseKind, Category, RoutingRule, RuleArea, Unit, Weights, default_categories};
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_store::cases::categories::{CategoryRow, RuleRow};
use tongxin_store::{Actor, Store, StoreError};

use super::CaseError;

pub const CALENDAR_KEY: &str = "working_calendar";
pub const DEADLINE_KEY: &str = "deadline_policy";
pub const WEIGHTS_KEY: &str = "evaluation_weights";

#[derive(Debug, Clone)]
pub struct CaseConfig {
    pub categories: HashMap<String, Category>,
    pub rules: Vec<RoutingRule>,
    pub calendar: WorkingCalendar,
    pub policy: DeadlinePolicy,
    pub weights: Weights,
    /// The street a case without a grid belongs to when the installation has only one.
    pub sole_street: Option<String>,
}

/// Seed categories about plainly public spaces, whose cases Open311 may publish (issue 9 item 8).
pub const PUBLIC_SEED_CATEGORIES: &[&str] = &["city.road", "city.manhole", "city.garbage", "city.greening"];

pub fn category_row(c: &Category, sort: i64) -> CategoryRow {
    CategoryRow {
        code: c.code.clone(),
        name: c.name.clone(),
        parent_code: c.parent.clone(),
        urgency: c.urgency.as_str().into(),
        kind: c.kind.as_str().into(),
        active: true,
        sort,
        public: PUBLIC_SEED_CATEGORIES.contains(&c.code.as_str()),
    }
}

fn category(r: &CategoryRow) -> Option<Category> {
    Some(Category {
        code: r.code.clone(),
        name: r.name.clone(),
        parent: r.parent_code.clone(),
        urgency: Urgency::parse(&r.urgency)?,
        kind: CaseKind::parse(&r.kind)?,
    })
}

pub fn rule(r: &RuleRow) -> Option<RoutingRule> {
    let area = match r.area_kind.as_str() {
        "grid" => RuleArea::Grid(r.area_code.clone()),
        "community" => RuleArea::Community(r.area_code.clone()),
        "street" => RuleArea::Street(r.area_code.clone()),
        "anywhere" => RuleArea::Anywhere,
        _ => return None,
    };
    let target = match r.target_kind.as_str() {
        "department" => Unit::Department(r.target_ref.parse().ok()?),
        "grid" => Unit::GridTeam(r.target_ref.clone()),
        _ => return None,
    };
    Some(RoutingRule { id: r.id, category: r.category_code.clone(), area, target, auto_dispatch: r.auto_dispatch })
}

/// Seeds the usual 12345 categories into an installation that has none of them yet.
pub async fn seed_categories(store: &Store) -> Result<usize, StoreError> {
    let rows: Vec<CategoryRow> =
        default_categories().iter().enumerate().map(|(i, c)| category_row(c, i as i64)).collect();
    store.categories().seed(&Actor::system("seed"), &rows).await
}

impl CaseConfig {
    pub async fn load(store: &Store) -> Result<CaseConfig, StoreError> {
        let categories = store
            .categories()
            .list()
            .await?
            .iter()
            .filter(|c| c.active)
            .filter_map(category)
            .map(|c| (c.code.clone(), c))
            .collect();
        let mut rules = Vec::new();
        for r in store.categories().rules().await?.iter().filter_map(rule) {
            // A rule saved before targets were checked may name a unit that is not on record:
            // it must not dispatch anything (issue 9 item 11).
            if unit_exists(store, &r.target).await? {
                rules.push(r);
            } else {
                tracing::error!(rule = r.id, target = %r.target.key(), "routing rule targets a unit not on record; ignored");
            }
        }
        let calendar = match store.settings().get(CALENDAR_KEY).await? {
            Some(text) => WorkingCalendar::parse(&text).unwrap_or_else(|e| {
                tracing::error!(error = %e, "stored working calendar is invalid; using the built-in one");
                WorkingCalendar::builtin()
            }),
            None => WorkingCalendar::builtin(),
        };
        let policy = match store.settings().get(DEADLINE_KEY).await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => DeadlinePolicy::default(),
        };
        let weights = match store.settings().get(WEIGHTS_KEY).await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => Weights::default(),
        };
        let streets: Vec<String> = store
            .regions()
            .in_scope(&tongxin_domain::kernel::access::Scope::All, false)
            .await?
            .into_iter()
            .filter(|r| r.level == "street")
            .map(|r| r.code)
            .collect();
        let sole_street = (streets.len() == 1).then(|| streets[0].clone());
        Ok(CaseConfig { categories, rules, calendar, policy, weights, sole_street })
    }
}

/// Whether a unit is on record: a department that exists, or the team of a grid that exists
/// (issue 9 item 11). Departments are never deleted and have no inactive state yet; a grid team
/// is only as real as its grid.
pub async fn unit_exists(store: &Store, unit: &Unit) -> Result<bool, StoreError> {
    let found = match unit {
        Unit::Department(id) => store.departments().get(*id).await.map(|_| true),
        Unit::GridTeam(code) => {
            store.regions().get(&tongxin_domain::kernel::access::Scope::All, code).await.map(|r| r.level == "grid")
        }
    };
    match found {
        Err(StoreError::NotFound) => Ok(false),
        other => other,
    }
}

/// Refuses a unit that is not on record, naming `field` (a dispatch's `lead` or `assisting`, a
/// routing rule's `target_ref`).
pub async fn check_unit(store: &Store, field: &'static str, unit: &Unit) -> Result<(), CaseError> {
    if unit_exists(store, unit).await? {
        Ok(())
    } else {
        let what = match unit {
            Unit::Department(id) => format!("部门#{id}"),
            Unit::GridTeam(code) => format!("网格 {code}"),
        };
        Err(CaseError::invalid(field, format!("承办单位不存在：{what}")))
    }
}
