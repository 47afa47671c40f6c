//! 职能部门: the department's inbox — the cases it still has to work on (as lead or assisting
//! unit: dispatched or acknowledged, not returned, not yet reported), by deadline. The case
//! page (`/cases/{id}`) offers the department's steps: 报到签收, 退单, 申请延期, 办结回复. Above
//! the list, the month's 响应率 with a link to what it is made of.

use super::views::{Row, row};
use crate::AppState;
use crate::routes::{RouteSpec, r};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use tongxin_app::evaluation::{self, Level};
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::{Action as Permission, Scope};
use tongxin_store::Page;
use tongxin_store::cases::read::CaseView;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/inbox", get(inbox))]
}

#[derive(Deserialize)]
struct Params {
    /// Lenient: a mistyped page number shows the first page.
    #[serde(default)]
    page: String,
}

/// A row of the inbox with what needs attention (issue 11 item 8).
struct InboxRow {
    row: Row,
    /// 牵头 or 协办, 督办, 重办, 居民催办 — as (class, label).
    flags: Vec<(&'static str, &'static str)>,
}

/// The flags of one case for this unit: its part (lead or assisting), whether it is
/// supervised (督办) or reopened (重办), and whether the resident pressed 催办 for it.
fn flags(c: &CaseView, unit: &Unit, urged: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    out.push(if c.state.lead.as_ref() == Some(unit) { ("ok", "牵头") } else { ("", "协办") });
    if c.state.supervision_level > 0 {
        out.push(("bad", "督办"));
    }
    if c.state.reopened {
        out.push(("bad", "重办"));
    }
    if urged {
        out.push(("bad", "居民催办"));
    }
    out
}

#[derive(Template)]
#[template(path = "cases/inbox.html")]
struct InboxPage {
    shell: Shell,
    department: String,
    rows: Vec<InboxRow>,
    pager: Pager,
    /// This month's 响应率 of the department, its counts and the page explaining it.
    rate: Option<Rate>,
}

struct Rate {
    month: String,
    response: String,
    dispatched: u64,
    responded: u64,
    explain: String,
}

/// `GET /inbox`: department staff only (others work from the queue).
async fn inbox(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    staff.require(Permission::ReadCases)?;
    let Scope::Department { id, .. } = staff.scope() else {
        return Err(PageError::Forbidden);
    };
    let department = s.store.departments().get(*id).await.map(|d| d.name).unwrap_or_default();
    let unit = Unit::Department(*id);
    let paged = s.store.unit_inbox(&unit.key(), Page::new(p.page.trim().parse().ok(), Some(20))).await?;
    let now = s.store.now();
    let ids: Vec<i64> = paged.items.iter().map(|c| c.id).collect();
    let urged = s.store.cases().urged_cases(&unit.key(), &ids).await?;
    let rows = paged
        .items
        .iter()
        .map(|c| InboxRow { row: row(&s, c, now), flags: flags(c, &unit, urged.contains(&c.id)) })
        .collect();
    let pager = Pager::new(&paged, "/inbox", "page", &[]);
    let month = evaluation::current_month(&s.store);
    // The rate is a help here, not the page: a failure to compute it leaves it out.
    let rate = evaluation::ranking(&s.cases, staff.scope(), &month, Level::Department)
        .await
        .ok()
        .and_then(|units| units.into_iter().find(|u| u.key == unit.key()))
        .map(|u| Rate {
            response: u.rates.response.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0)),
            dispatched: u.counts.dispatched,
            responded: u.counts.responded_in_time,
            explain: crate::evaluation::pages::explain_url(&u.key, &month),
            month,
        });
    Ok(render(&InboxPage { shell: Shell::staff("待办诉求", &staff, "/inbox"), department, rows, pager, rate }))
}
