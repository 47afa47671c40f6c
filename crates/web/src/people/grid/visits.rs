//! `GET/POST /grid/visits`: 走访记录 — the visits recorded in my grid, newest first, and the
//! form to record one (走访, 排查 or 信息采集 at a household of my grid).

use super::{grid_name, my_grid, page_no};
use crate::AppState;
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::CsrfForm;
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use tongxin_app::AppError;
use tongxin_domain::kernel::access::Action;
use tongxin_domain::kernel::clock::{from_shanghai, local_minute, shanghai};
use tongxin_store::visits::{MAX_NOTE_CHARS, NewVisit, VISIT_KINDS};
use tongxin_store::{Page, StoreError};

const PER_PAGE: u32 = 10;
/// Households offered in the form's list (a grid has a few hundred at most).
const LISTED_HOUSEHOLDS: u32 = Page::MAX_PER_PAGE;

#[derive(Deserialize, Default)]
pub(super) struct Params {
    household: Option<String>,
    page: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct VisitForm {
    #[serde(default)]
    household: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    visited_at: String,
    #[serde(default)]
    note: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct VisitRow {
    household_id: i64,
    address: String,
    kind: String,
    visitor: String,
    at: String,
    note: String,
}

#[derive(Template)]
#[template(path = "people/visits.html")]
struct VisitsPage {
    shell: Shell,
    grid_name: String,
    households: Vec<Choice>,
    more_households: bool,
    kinds: Vec<Choice>,
    visited_at: String,
    note: String,
    max_note: usize,
    errors: Vec<(&'static str, String)>,
    /// The household the list is narrowed to, with its address.
    only: Option<(i64, String)>,
    rows: Vec<VisitRow>,
    pager: Pager,
}

impl VisitsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

fn input_time(t: DateTime<Utc>) -> String {
    shanghai(t).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value, read as Shanghai time.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    from_shanghai(naive)
}

async fn view(
    s: &AppState,
    staff: &Staff,
    grid: &str,
    params: &Params,
    form: &VisitForm,
    errors: Vec<(&'static str, String)>,
) -> PageResult<VisitsPage> {
    // The list: my grid's visits, or one household's (which must be in scope).
    let only = match params.household.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) => {
            let id: i64 = h.parse().map_err(|_| PageError::NotFound)?;
            let hh = s.store.places().household(staff.scope(), id).await?;
            Some((hh.id, hh.address))
        }
        None => None,
    };
    let page = Page::new(Some(page_no(&params.page)), Some(PER_PAGE));
    let listed = s.store.visits().list(staff.scope(), only.as_ref().map(|(id, _)| *id), page).await?;
    let keep = [("household", only.as_ref().map(|(id, _)| id.to_string()).unwrap_or_default())];
    let pager = Pager::new(&listed, "/grid/visits", "page", &keep).labelled("走访记录");
    let rows = listed
        .items
        .into_iter()
        .map(|v| VisitRow {
            household_id: v.household_id,
            address: v.household_address,
            kind: v.kind,
            visitor: v.visitor_name,
            at: local_minute(v.visited_at),
            note: v.note,
        })
        .collect();
    // The form: the household chosen (posted, or the one the list is narrowed to).
    let chosen = if form.household.is_empty() {
        only.as_ref().map(|(id, _)| id.to_string()).unwrap_or_default()
    } else {
        form.household.clone()
    };
    let all = s
        .store
        .places()
        .households(staff.scope(), None, Some(grid), Page::new(Some(1), Some(LISTED_HOUSEHOLDS)))
        .await?;
    let more_households = all.total > all.items.len() as i64;
    let mut households: Vec<Choice> =
        vec![Choice { value: String::new(), label: "请选择住户".into(), selected: chosen.is_empty() }];
    if let Some((id, address)) = only.as_ref().filter(|(id, _)| !all.items.iter().any(|h| h.id == *id)) {
        households.push(Choice { value: id.to_string(), label: address.clone(), selected: id.to_string() == chosen });
    }
    households.extend(all.items.into_iter().map(|h| Choice {
        selected: h.id.to_string() == chosen,
        value: h.id.to_string(),
        label: h.address,
    }));
    let kind = if form.kind.is_empty() { VISIT_KINDS[0] } else { form.kind.as_str() };
    let kinds = VISIT_KINDS.iter().map(|&k| Choice { value: k.into(), label: k.into(), selected: k == kind }).collect();
    let visited_at = if form.visited_at.is_empty() { input_time(s.store.now()) } else { form.visited_at.clone() };
    Ok(VisitsPage {
        shell: Shell::staff("走访记录", staff, "/grid/visits"),
        grid_name: grid_name(s, staff, grid).await,
        households,
        more_households,
        kinds,
        visited_at,
        note: form.note.clone(),
        max_note: MAX_NOTE_CHARS,
        errors,
        only,
        rows,
        pager,
    })
}

pub(super) async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    let grid = my_grid(&staff, Action::ReadResidents)?;
    Ok(render(&view(&s, &staff, &grid, &p, &VisitForm::default(), Vec::new()).await?))
}

pub(super) async fn record(State(s): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<VisitForm>) -> PageResult {
    let grid = my_grid(&staff, Action::WriteResidents)?;
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let household = f.household.trim().parse::<i64>().ok();
    if household.is_none() {
        errors.push(("household", "请选择走访的住户".into()));
    }
    if !VISIT_KINDS.contains(&f.kind.as_str()) {
        errors.push(("kind", "请选择走访类型".into()));
    }
    let at = parse_time(&f.visited_at);
    match at {
        None => errors.push(("visited_at", "请填写走访时间".into())),
        Some(t) if t > s.store.now() + chrono::Duration::minutes(5) => {
            errors.push(("visited_at", "走访时间不能晚于现在".into()))
        }
        Some(_) => {}
    }
    if f.note.trim().is_empty() {
        errors.push(("note", "请填写走访情况".into()));
    } else if f.note.trim().chars().count() > MAX_NOTE_CHARS {
        errors.push(("note", format!("走访情况不能超过 {MAX_NOTE_CHARS} 字")));
    }
    let refuse = |errors| async {
        let page = view(&s, &staff, &grid, &Params::default(), &f, errors).await?;
        Ok::<_, PageError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
    };
    let (Some(household_id), Some(visited_at), true) = (household, at, errors.is_empty()) else {
        return refuse(errors).await;
    };
    let new = NewVisit { household_id, visited_at, kind: f.kind.clone(), note: f.note.trim().to_string() };
    match tongxin_app::visits::record(&s.store, staff.scope(), &staff.actor(), &new).await {
        Ok(v) => Ok(flash::redirect(
            &format!("/grid/visits?household={}", v.household_id),
            "ok",
            &format!("已记录{}：{}", v.kind, v.household_address),
        )),
        // Another grid's household does not exist for me.
        Err(AppError::Store(StoreError::NotFound)) => {
            refuse(vec![("household", "住户不存在或不在本网格".into())]).await
        }
        Err(AppError::Invalid { field, message }) => refuse(vec![(field, message)]).await,
        Err(e) => Err(e.into()),
    }
}
