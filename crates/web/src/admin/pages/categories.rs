//! `GET /admin/categories`: the two-level category tree with the form to add a category
//! (handled in `category_form`), the routing rules with the form to add one (handled in
//! `rules`, with editing and deletion), and the dry run: which rule fires for a category at a
//! point or grid, and why (the same `route` decision as `POST /api/v1/routing/dry-run`).

use super::{admin_only, department_labels};
use crate::AppState;
use crate::ui::{PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_domain::case::deadline::Urgency;
use tongxin_domain::case::{CaseKind, route};
use tongxin_store::cases::categories::CategoryRow;

#[derive(Deserialize, Default)]
pub struct Params {
    /// Dry run: the category, and a grid code or a point.
    category: Option<String>,
    grid: Option<String>,
    lat: Option<String>,
    lng: Option<String>,
}

pub struct CategoryNode {
    pub row: CategoryRow,
    pub urgency: &'static str,
    pub kind: &'static str,
    pub children: Vec<CategoryNode>,
}

pub struct RuleView {
    pub id: i64,
    pub category: String,
    pub area: String,
    pub target: String,
    pub auto_dispatch: bool,
}

pub struct DryRunView {
    pub category: String,
    pub grid: Option<String>,
    pub winner: Option<String>,
    pub explanation: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    shell: Shell,
    tree: Vec<CategoryNode>,
    rules: Vec<RuleView>,
    /// (code, "父类 / 名称") of every active category, for the selects.
    choices: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    /// (code, name) of the top-level categories, for a new category's parent.
    parents: Vec<(String, String)>,
    urgencies: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    q: Params,
    selected_category: String,
    dry: Option<DryRunView>,
    dry_error: Option<String>,
    /// An example point inside the admin's first street (its label point), as (lat, lng).
    example: (String, String),
}

pub(super) fn area_label(kind: &str, code: &str) -> String {
    match kind {
        "anywhere" => "全部区域".into(),
        "street" => format!("街道 {code}"),
        "community" => format!("社区 {code}"),
        "grid" => format!("网格 {code}"),
        other => format!("{other} {code}"),
    }
}

pub(super) fn target_label(kind: &str, reference: &str, departments: &HashMap<i64, String>) -> String {
    match kind {
        "department" => match reference.parse::<i64>().ok().and_then(|id| departments.get(&id)) {
            Some(name) => name.clone(),
            None => format!("部门 {reference}"),
        },
        "grid" => format!("网格队伍 {reference}"),
        other => format!("{other} {reference}"),
    }
}

fn unit_label(key: &str, departments: &HashMap<i64, String>) -> String {
    match key.split_once(':') {
        Some(("dept", id)) => target_label("department", id, departments),
        Some(("grid", code)) => target_label("grid", code, departments),
        _ => key.to_string(),
    }
}

/// The dry run, as `POST /api/v1/routing/dry-run` decides it.
async fn dry_run(s: &AppState, q: &Params, departments: &HashMap<i64, String>) -> Result<DryRunView, String> {
    let category = q.category.as_deref().unwrap_or("").trim().to_string();
    let cfg = s.cases.config();
    if !cfg.categories.contains_key(&category) {
        return Err("请选择诉求类别".into());
    }
    let lat = q.lat.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let lng = q.lng.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let grid = match (q.grid.as_deref().map(str::trim).filter(|g| !g.is_empty()), lat, lng) {
        (Some(g), _, _) => Some(g.to_string()),
        (None, Some(lat), Some(lng)) => {
            let (Ok(lat), Ok(lng)) = (lat.parse::<f64>(), lng.parse::<f64>()) else {
                return Err("经纬度应为数字，如 纬度 29.0895、经度 119.6605".into());
            };
            let index = s.locator.get(&s.store).await.map_err(|_| "系统繁忙，请稍后重试".to_string())?;
            index.grids.locate(tongxin_domain::places::LngLat { x: lng, y: lat }).map(|i| index.info[i].code.clone())
        }
        (None, None, None) => None,
        _ => return Err("经纬度须同时填写".into()),
    };
    let choice = route(&cfg.rules, &category, grid.as_deref());
    Ok(DryRunView {
        category,
        winner: choice.winner.map(|w| {
            let unit = unit_label(&w.target.key(), departments);
            format!("规则 #{} → {unit}{}", w.id, if w.auto_dispatch { "（自动派单）" } else { "（待调度员确认）" })
        }),
        grid,
        explanation: choice.explanation(),
    })
}

pub async fn page(State(s): State<AppState>, staff: Staff, Query(q): Query<Params>) -> PageResult<Response> {
    admin_only(&staff)?;
    let rows = s.store.categories().list().await?;
    let depts = department_labels(&s, staff.scope()).await?;
    let dept_names: HashMap<i64, String> = depts.iter().cloned().collect();
    let node = |r: &CategoryRow| CategoryNode {
        row: r.clone(),
        urgency: Urgency::parse(&r.urgency).map(Urgency::label).unwrap_or("—"),
        kind: CaseKind::parse(&r.kind).map(|k| k.label()).unwrap_or("—"),
        children: Vec::new(),
    };
    let mut tree: Vec<CategoryNode> = rows.iter().filter(|r| r.parent_code.is_none()).map(node).collect();
    for r in rows.iter().filter(|r| r.parent_code.is_some()) {
        match tree.iter_mut().find(|p| Some(&p.row.code) == r.parent_code.as_ref()) {
            Some(parent) => parent.children.push(node(r)),
            None => tree.push(node(r)),
        }
    }
    let names: HashMap<&str, &str> = rows.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let full_name = |code: &str| -> String {
        let row = rows.iter().find(|r| r.code == code);
        match row.and_then(|r| r.parent_code.as_deref()).and_then(|p| names.get(p)) {
            Some(parent) => format!("{parent} / {}", names.get(code).copied().unwrap_or(code)),
            None => names.get(code).copied().unwrap_or(code).to_string(),
        }
    };
    let choices = rows.iter().filter(|r| r.active).map(|r| (r.code.clone(), full_name(&r.code))).collect();
    let rules = s
        .store
        .categories()
        .rules()
        .await?
        .iter()
        .map(|r| RuleView {
            id: r.id,
            category: format!("{}（{}）", full_name(&r.category_code), r.category_code),
            area: area_label(&r.area_kind, &r.area_code),
            target: target_label(&r.target_kind, &r.target_ref, &dept_names),
            auto_dispatch: r.auto_dispatch,
        })
        .collect();
    let (mut dry, mut dry_error) = (None, None);
    if q.category.is_some() {
        match dry_run(&s, &q, &dept_names).await {
            Ok(d) => dry = Some(d),
            Err(e) => dry_error = Some(e),
        }
    }
    // The example coordinates lie inside a street of the scope, not somewhere made up.
    let example = s
        .store
        .regions()
        .shapes(staff.scope().places_prefix(), "street")
        .await?
        .into_iter()
        .find_map(|r| r.geometry.as_deref().and_then(crate::ui::map::label_point))
        .map(|(lng, lat)| (format!("{lat:.4}"), format!("{lng:.4}")))
        .unwrap_or_else(|| ("29.0895".into(), "119.6605".into()));
    let page = CategoriesPage {
        shell: Shell::staff("分类与派单规则", &staff, "/admin/categories"),
        tree,
        rules,
        choices,
        departments: depts,
        parents: parents(&rows),
        urgencies: urgencies(),
        kinds: kinds(),
        selected_category: q.category.clone().unwrap_or_default(),
        q,
        dry,
        dry_error,
        example,
    };
    let mut resp = render(&page);
    if page.dry_error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) fn urgencies() -> Vec<(&'static str, &'static str)> {
    Urgency::ALL.iter().map(|u| (u.as_str(), u.label())).collect()
}

pub(super) fn kinds() -> Vec<(&'static str, &'static str)> {
    CaseKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect()
}

/// The top-level categories, which may take children (the tree has two levels).
pub(super) fn parents(rows: &[CategoryRow]) -> Vec<(String, String)> {
    rows.iter().filter(|r| r.parent_code.is_none()).map(|r| (r.code.clone(), r.name.clone())).collect()
}
