//! 网格排查 (issue 12): `GET /mediation/screenings` lists, for a month, every grid in the
//! caller's scope — screened (when, by whom, how many disputes found, how many registered) or
//! not yet — for the community and the street; a grid worker sees their own grid. `POST
//! /mediation/screenings` logs the month's screening of a grid (a second log of the same month
//! updates it: `tongxin_domain::mediation::screening`). From a screening, "登记发现的纠纷" opens
//! `/mediation/new?screening=ID`: source 网格排查, the grid filled in, the dispute linked to it.

use crate::AppState;
use crate::cases::pages::{Choice, choices};
use crate::ui::{CsrfForm, PageError, PageResult, Shell, Staff, flash};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_app::mediation::DisputeError;
use tongxin_app::mediation::screenings::{ScreeningForm, log_screening};
use tongxin_domain::kernel::access::{Action as Permission, Scope, role_may};
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::mediation::screening::{MAX_FINDINGS, MAX_NOTE_CHARS, Period, ScreeningInput};
use tongxin_store::StoreError;
use tongxin_store::mediation::ScreeningRow;

/// Grids listed at most (a district's thousands of grids are chosen by community first).
const MAX_GRIDS: usize = 300;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    period: String,
    #[serde(default)]
    area: String,
}

/// One grid's line for the month.
struct GridLine {
    code: String,
    name: String,
    community: String,
    screening: Option<ScreeningRow>,
    /// The caller may log this grid's screening.
    may_log: bool,
    /// The form's values (what was typed, when it was refused) and its error.
    screened_on: String,
    findings: String,
    note: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "mediation/screenings.html")]
struct ScreeningsPage {
    shell: Shell,
    period: String,
    period_label: String,
    previous: String,
    next: Option<String>,
    area: String,
    areas: Vec<Choice>,
    lines: Vec<GridLine>,
    screened: usize,
    found: i64,
    registered: i64,
    cut: bool,
    /// A refused log of a grid not listed here.
    form_error: Option<String>,
    may_register: bool,
    max_findings: u32,
    max_note: usize,
    /// The first and last day a screening of this month may be dated (`date` input bounds).
    first_day: String,
    last_day: String,
}

impl ScreeningsPage {
    fn done_at(&self, s: &ScreeningRow) -> String {
        local_minute(s.updated_at)
    }
}

/// `GET /mediation/screenings[?period=YYYY-MM][&area=CODE]`
pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    show(&s, &staff, &p, None).await
}

/// A refused log shown again: the grid, what was typed, the message.
struct Refused {
    grid: String,
    form: ScreeningInput,
    error: String,
}

async fn show(s: &AppState, staff: &Staff, p: &Params, refused: Option<Refused>) -> PageResult<Response> {
    staff.require(Permission::ReadScreenings)?;
    let today = tongxin_domain::case::deadline::shanghai_date(s.store.now());
    let this_month = Period::of(today);
    let period = match p.period.trim() {
        "" => this_month,
        raw => Period::parse(raw).map_err(|e| PageError::User(axum::http::StatusCode::BAD_REQUEST, e.to_string()))?,
    };
    let prefix = staff.scope().people_prefix().ok_or(PageError::Forbidden)?;
    let area = p.area.trim();
    if !area.is_empty() && !area.starts_with(prefix) {
        return Err(PageError::NotFound);
    }
    let within = if area.is_empty() { prefix } else { area };
    let regions = s.store.regions().in_scope(staff.scope(), true).await?;
    let names: HashMap<&str, &str> = regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let grids: Vec<_> = regions.iter().filter(|r| r.level == "grid" && r.code.starts_with(within)).collect();
    let cut = grids.len() > MAX_GRIDS;
    let area_filter = (!area.is_empty()).then_some(area);
    let rows = match s.store.mediation().screenings(staff.scope(), area_filter, &period.to_string()).await {
        Ok(rows) => rows,
        Err(StoreError::NotFound) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let by_grid: HashMap<&str, &ScreeningRow> = rows.iter().map(|r| (r.grid_code.as_str(), r)).collect();
    let may_log = role_may(staff.user.role, Permission::LogScreenings);
    let default_day = if period.contains(today) { today } else { period.last_day().min(today) };
    let lines: Vec<GridLine> = grids
        .iter()
        .take(MAX_GRIDS)
        .map(|g| {
            let screening = by_grid.get(g.code.as_str()).map(|r| (*r).clone());
            let mut line = GridLine {
                code: g.code.clone(),
                name: g.name.clone(),
                community: names.get(&g.code[..12]).map(|n| n.to_string()).unwrap_or_default(),
                may_log: may_log && staff.scope().covers_people_at(&g.code) && period <= this_month,
                screened_on: screening.as_ref().map_or(default_day, |r| r.screened_on).to_string(),
                findings: screening.as_ref().map_or(String::new(), |r| r.findings.to_string()),
                note: screening.as_ref().and_then(|r| r.note.clone()).unwrap_or_default(),
                error: None,
                screening,
            };
            if let Some(r) = refused.as_ref().filter(|r| r.grid == g.code) {
                line.screened_on = r.form.screened_on.clone();
                line.findings = r.form.findings.clone();
                line.note = r.form.note.clone();
                line.error = Some(r.error.clone());
            }
            line
        })
        .collect();
    let form_error = refused.as_ref().filter(|r| !lines.iter().any(|l| l.code == r.grid)).map(|r| r.error.clone());
    let areas = area_choices(&regions, staff.scope(), area);
    let page = ScreeningsPage {
        shell: Shell::staff("网格排查", staff, "/mediation/screenings"),
        period: period.to_string(),
        period_label: period.label(),
        previous: period.previous().to_string(),
        next: (period < this_month).then(|| period.next().to_string()),
        area: area.to_string(),
        areas,
        screened: lines.iter().filter(|l| l.screening.is_some()).count(),
        found: rows.iter().map(|r| r.findings).sum(),
        registered: rows.iter().map(|r| r.disputes).sum(),
        lines,
        cut,
        form_error,
        may_register: role_may(staff.user.role, Permission::RegisterDisputes),
        max_findings: MAX_FINDINGS,
        max_note: MAX_NOTE_CHARS,
        first_day: period.first_day().to_string(),
        last_day: period.last_day().min(today).to_string(),
    };
    Ok(super::views::render_form(&page, refused.is_some()))
}

/// The communities of a street-or-wider scope, by name (none for a community or a grid).
fn area_choices(regions: &[tongxin_store::regions::Region], scope: &Scope, current: &str) -> Vec<Choice> {
    if scope.people_prefix().is_some_and(|p| p.len() >= 12) {
        return Vec::new();
    }
    let options = std::iter::once((String::new(), "全部社区".to_string()))
        .chain(regions.iter().filter(|r| r.level == "community").map(|r| (r.code.clone(), r.name.clone())));
    choices(current, options)
}

#[derive(Deserialize)]
pub struct LogForm {
    #[serde(default)]
    grid: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    screened_on: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    area: String,
}

/// `POST /mediation/screenings`: logs (or updates) a grid's screening of the month, then back to
/// the month's list; a refused form comes back with the message at its grid.
pub async fn log(State(s): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<LogForm>) -> PageResult<Response> {
    staff.require(Permission::LogScreenings)?;
    let input = ScreeningInput {
        period: f.period.clone(),
        screened_on: f.screened_on.clone(),
        findings: f.findings.clone(),
        note: f.note.clone(),
    };
    let form = ScreeningForm { grid: f.grid.clone(), input: input.clone(), version: f.version.trim().parse().ok() };
    let params = Params { period: f.period.clone(), area: f.area.clone() };
    match log_screening(&s.store, &staff.user, form).await {
        Ok(done) => {
            let period = Period::parse(&done.row.period).map(Period::label).unwrap_or_default();
            let verb = if done.created { "已记录" } else { "已更新" };
            let mut to = format!("/mediation/screenings?period={}", done.row.period);
            if !f.area.trim().is_empty() {
                to.push_str(&format!("&area={}", f.area.trim()));
            }
            let text = format!("{verb}{period}排查：发现纠纷 {} 件", done.row.findings);
            Ok(flash::redirect(&to, "ok", &text))
        }
        Err(DisputeError::Invalid { message, .. }) => {
            let params = if Period::parse(&params.period).is_ok() { params } else { Params::default() };
            show(&s, &staff, &params, Some(Refused { grid: f.grid.trim().to_string(), form: input, error: message }))
                .await
        }
        Err(DisputeError::Store(StoreError::Conflict(m))) => {
            let period = Period::parse(&f.period).map(|p| p.to_string()).unwrap_or_default();
            Ok(flash::redirect(&format!("/mediation/screenings?period={period}"), "error", &m))
        }
        Err(DisputeError::Store(e)) => Err(e.into()),
        Err(e @ DisputeError::Rule(_)) => {
            Err(PageError::User(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
        }
    }
}
