//! `GET /mediation`: the disputes the caller may read, newest first, filtered by status, level,
//! risk, type, organisation, place and overdue; `GET /mediation/overdue`: the 督办 list — open
//! disputes past their mediation limit (司法部《人民调解工作若干规定》art 33: 一般在一个月内调结).
//! Parties are shown by surname only (a list is read on shared screens).

use super::views::{Row, place_names, row, viewer};
use crate::AppState;
use crate::cases::pages::{Choice, choices};
use crate::ui::pager::Pager;
use crate::ui::{PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use tongxin_domain::kernel::access::{Action as Permission, Scope, role_may};
use tongxin_domain::mediation::Status;
use tongxin_domain::mediation::kinds::{DisputeType, Level};
use tongxin_store::mediation::DisputeFilter;
use tongxin_store::{Page, StoreError};

/// Lenient query parameters: an unknown value is reported, not a 400.
#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    status: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "mediation/list.html")]
struct ListPage {
    shell: Shell,
    heading: &'static str,
    action: &'static str,
    overdue_view: bool,
    statuses: Vec<Choice>,
    levels: Vec<Choice>,
    risks: Vec<Choice>,
    kinds: Vec<Choice>,
    overdue: Vec<Choice>,
    areas: Vec<Choice>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    problem: Option<String>,
    may_register: bool,
    /// Links to the figures, the daily list and the risk map.
    may_see_stats: bool,
}

/// `GET /mediation`
pub async fn all(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    show(&s, &staff, p, false).await
}

/// `GET /mediation/overdue`: the 督办 list.
pub async fn overdue(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    show(&s, &staff, p, true).await
}

async fn show(s: &AppState, staff: &Staff, p: Params, overdue_view: bool) -> PageResult {
    staff.require(Permission::ReadDisputes)?;
    let mut problem = None;
    let mut unknown = |what: &str| problem = Some(format!("未知的{what}，已忽略"));
    let status = p.status.trim();
    let status_filter = match status {
        "" | "open" | "all" => None,
        other => Status::parse(other).or_else(|| {
            unknown("状态");
            None
        }),
    };
    let level = match p.level.trim() {
        "" => None,
        l => Level::parse(l).or_else(|| {
            unknown("层级");
            None
        }),
    };
    let kind = match p.kind.trim() {
        "" => None,
        k => DisputeType::parse(k).or_else(|| {
            unknown("纠纷类型");
            None
        }),
    };
    let levels = s.store.mediation().risk_levels().await?;
    let risk = match p.risk.trim() {
        "" => None,
        r if levels.iter().any(|l| l.code == r) => Some(r.to_string()),
        _ => {
            unknown("风险等级");
            None
        }
    };
    let filter = DisputeFilter {
        status: status_filter,
        open_only: overdue_view || (status_filter.is_none() && status != "all"),
        risk,
        level,
        dispute_type: kind,
        org_id: None,
        overdue: if overdue_view {
            Some(true)
        } else {
            match p.overdue.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            }
        },
        area: Some(p.area.trim().to_string()).filter(|a| !a.is_empty()),
    };
    let page = Page::new(p.page.trim().parse().ok(), Some(20));
    let paged = match s.store.mediation().list(&viewer(staff), &filter, page).await {
        Ok(paged) => paged,
        // An area outside the scope reads nothing rather than a 404 for the whole list.
        Err(StoreError::NotFound) if filter.area.is_some() => {
            problem = Some("所选区域不在您的管辖范围内".into());
            tongxin_store::Paged { items: Vec::new(), page: 1, per_page: 20, total: 0, total_capped: false }
        }
        Err(e) => return Err(e.into()),
    };
    let now = s.store.now();
    let places = place_names(s, &paged.items.iter().collect::<Vec<_>>()).await?;
    let rows = paged.items.iter().map(|d| row(d, &places, &levels, now)).collect();
    let path = if overdue_view { "/mediation/overdue" } else { "/mediation" };
    let keep = [
        ("status", p.status.clone()),
        ("level", p.level.clone()),
        ("risk", p.risk.clone()),
        ("kind", p.kind.clone()),
        ("overdue", p.overdue.clone()),
        ("area", p.area.clone()),
    ];
    let pager = Pager::new(&paged, path, "page", &keep);
    let any = |label: &str| (String::new(), label.to_string());
    let statuses = [("open".to_string(), "办理中（未结束）".to_string()), ("all".into(), "全部".into())]
        .into_iter()
        .chain(Status::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())));
    let heading = if overdue_view { "督办清单：超过调解期限的纠纷" } else { "矛盾纠纷" };
    let page = ListPage {
        shell: Shell::staff(heading, staff, path),
        heading,
        action: path,
        overdue_view,
        statuses: choices(if status.is_empty() { "open" } else { status }, statuses),
        levels: choices(
            p.level.trim(),
            std::iter::once(any("全部层级")).chain(Level::ALL.iter().map(|l| (l.as_str().into(), l.label().into()))),
        ),
        risks: choices(
            p.risk.trim(),
            std::iter::once(any("全部风险等级")).chain(levels.iter().map(|l| (l.code.clone(), l.name.clone()))),
        ),
        kinds: choices(
            p.kind.trim(),
            std::iter::once(any("全部类型"))
                .chain(DisputeType::ALL.iter().map(|t| (t.as_str().into(), t.label().into()))),
        ),
        overdue: choices(
            p.overdue.as_str(),
            [("", "不限"), ("1", "仅超期"), ("0", "未超期")].map(|(v, l)| (v.to_string(), l.to_string())),
        ),
        areas: area_choices(s, staff, p.area.trim()).await?,
        total: paged.total,
        rows,
        pager,
        problem,
        may_register: role_may(staff.user.role, Permission::RegisterDisputes),
        may_see_stats: role_may(staff.user.role, Permission::ReadDisputeStats),
    };
    Ok(render(&page))
}

/// The communities and grids of a street or smaller scope, by name (none for wider scopes).
pub(super) async fn area_choices(
    s: &AppState,
    staff: &Staff,
    current: &str,
) -> Result<Vec<Choice>, crate::ui::PageError> {
    let Scope::Region { code } = staff.scope() else {
        return Ok(Vec::new());
    };
    if code.as_str().len() < 9 || code.as_str().len() == 15 {
        return Ok(Vec::new());
    }
    let regions = s.store.regions().in_scope(staff.scope(), true).await?;
    let options = std::iter::once((String::new(), "全部社区、网格".to_string())).chain(
        regions.into_iter().filter(|r| matches!(r.level.as_str(), "community" | "grid")).map(|r| {
            let label = if r.level == "grid" { format!("　{}", r.name) } else { r.name };
            (r.code, label)
        }),
    );
    Ok(choices(current, options))
}
