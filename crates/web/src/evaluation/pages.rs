//! What a unit's 响应率 is made of (issue 11 item 3): `/evaluation/units/{unit}?month=YYYY-MM`
//! lists the cases counted for the unit that month and, for each, why it counts as responded
//! or not — not acknowledged, acknowledged without a recorded contact, late, returned
//! ([`response_of`]). Linked from the dashboard's ranking and the department inbox.
//!
//! The rule (DOMAIN-RULES §7.2 art 15 and 32, §7.4; DESIGN §2.4): 响应率 = cases the unit
//! acknowledged (签收) and whose requester it contacted within the time limits ÷ cases
//! dispatched to it; a patrol's case closed on the spot counts as responded and resolved for
//! its grid. The figures are the ranking's own counters; the list shows the cases behind them.
//!
//! Who may look: whoever may read the ranking the unit is in, within their scope (department
//! staff: their own department only). Units and cases are named, never numbered.

use super::api::may_read;
use crate::AppState;
use crate::dashboard::pages::evaluation_error;
use crate::routes::{RouteSpec, r};
use crate::ui::error::{PageError, PageResult, render, urlencode};
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{MethodRouter, get};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tongxin_app::evaluation::{self, Level, RankedUnit};
use tongxin_domain::case::{Response, Unit, response_of};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::clock::{from_shanghai, local_minute, shanghai};
use tongxin_store::cases::response::{MAX_EXPLAINED, ResponseUnit};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/evaluation/units/{unit}", get(unit_page))]
}

/// The explanation page of a unit (`dept:3`, `area:330702001008`) for a month.
pub fn explain_url(key: &str, month: &str) -> String {
    format!("/evaluation/units/{}?month={}", urlencode(key), urlencode(month))
}

/// A month's cases are looked for among those reported up to this long before it began.
const LOOKBACK_DAYS: i64 = 92;

#[derive(Deserialize)]
struct Params {
    #[serde(default)]
    month: String,
}

struct CaseRow {
    id: i64,
    code: String,
    title: String,
    dispatched: String,
    why: &'static str,
    counts: bool,
}

struct ReasonRow {
    why: &'static str,
    n: usize,
    counts: bool,
}

#[derive(Template)]
#[template(path = "evaluation/unit.html")]
struct UnitPage {
    shell: Shell,
    name: String,
    level: &'static str,
    month: String,
    prev: String,
    next: String,
    key: String,
    response: String,
    dispatched: u64,
    responded: u64,
    closed_on_spot: u64,
    reasons: Vec<ReasonRow>,
    rows: Vec<CaseRow>,
    truncated: bool,
}

impl UnitPage {
    fn url(&self, month: &str) -> String {
        explain_url(&self.key, month)
    }
}

/// The level of a unit key, and whose cases it counts.
fn level_of(key: &str) -> Option<(Level, ResponseUnit<'_>)> {
    if let Some(Unit::Department(_)) = Unit::parse_key(key) {
        return Some((Level::Department, ResponseUnit::Department { key }));
    }
    let code = key.strip_prefix("area:")?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let level = match code.len() {
        9 => Level::Street,
        12 => Level::Community,
        15 => Level::Grid,
        _ => return None,
    };
    Some((level, ResponseUnit::Area { code }))
}

fn month_start(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
}

fn shift(month: NaiveDate, by: i32) -> String {
    let m = month.year() * 12 + month.month0() as i32 + by;
    format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// `GET /evaluation/units/{unit}?month=YYYY-MM`
async fn unit_page(
    State(s): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(p): Query<Params>,
) -> PageResult {
    if !may_read(staff.user.role) {
        return Err(PageError::Forbidden);
    }
    let month = match p.month.trim() {
        "" => evaluation::current_month(&s.store),
        m => evaluation::parse_month(m).map_err(evaluation_error)?,
    };
    let (level, unit) = level_of(&key).ok_or(PageError::NotFound)?;
    // The unit must be one the caller's ranking shows: that is the scope check.
    let ranked: RankedUnit = evaluation::ranking(&s.cases, staff.scope(), &month, level)
        .await
        .map_err(evaluation_error)?
        .into_iter()
        .find(|u| u.key == key)
        .ok_or(PageError::NotFound)?;
    let street = match &unit {
        ResponseUnit::Department { .. } => match Unit::parse_key(&key) {
            Some(Unit::Department(id)) => s.store.departments().get(id).await?.street_code,
            _ => return Err(PageError::NotFound),
        },
        ResponseUnit::Area { code } => code[..9].to_string(),
    };
    let start = month_start(&month).ok_or(PageError::NotFound)?;
    let next_start = month_start(&shift(start, 1)).ok_or(PageError::NotFound)?;
    let midnight = |d: NaiveDate| from_shanghai(d.and_hms_opt(0, 0, 0).unwrap_or_default()).ok_or(PageError::Internal);
    let (from, to) = (midnight(start - chrono::Duration::days(LOOKBACK_DAYS))?, midnight(next_start)?);
    let candidates = s.store.cases().response_candidates(&street, &unit, from, to).await?;
    let truncated = candidates.len() as i64 >= MAX_EXPLAINED;
    let prefix = staff.scope().places_prefix().to_string();
    let mut rows = Vec::new();
    for c in candidates {
        let Some(at) = c.state.dispatched_at else { continue };
        if shanghai(at).format("%Y-%m").to_string() != month {
            continue;
        }
        if !matches!(staff.scope(), Scope::Department { .. })
            && !c.grid_code.as_deref().unwrap_or(&c.street_code).starts_with(&prefix)
        {
            continue;
        }
        let why = match (&unit, &c.state.lead) {
            (ResponseUnit::Department { key }, _) => match Unit::parse_key(key) {
                Some(u) => response_of(&c.state, &u),
                None => continue,
            },
            (ResponseUnit::Area { .. }, Some(lead)) => response_of(&c.state, lead),
            (ResponseUnit::Area { .. }, None) => Response::Returned,
        };
        rows.push(CaseRow {
            id: c.id,
            code: c.code,
            title: c.title,
            dispatched: local_minute(at),
            why: why.label(),
            counts: why.counts(),
        });
    }
    let order =
        [Response::NotAcknowledged, Response::NoContact, Response::Late, Response::Returned, Response::Responded];
    let reasons = order
        .iter()
        .map(|r| ReasonRow {
            why: r.label(),
            n: rows.iter().filter(|c| c.why == r.label()).count(),
            counts: r.counts(),
        })
        .filter(|r| r.n > 0)
        .collect();
    // Cases against the rate first.
    rows.sort_by_key(|r| r.counts);
    let page = UnitPage {
        shell: Shell::staff(&format!("{} 响应率说明", ranked.name), &staff, "/dashboard"),
        name: ranked.name,
        level: level.label(),
        prev: shift(start, -1),
        next: shift(start, 1),
        month,
        key,
        response: ranked.rates.response.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0)),
        dispatched: ranked.counts.dispatched,
        responded: ranked.counts.responded_in_time,
        closed_on_spot: ranked.counts.closed_on_spot,
        reasons,
        rows,
        truncated,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_keys_and_months() {
        assert!(matches!(level_of("dept:3"), Some((Level::Department, ResponseUnit::Department { key: "dept:3" }))));
        assert!(matches!(level_of("area:330702001"), Some((Level::Street, _))));
        assert!(matches!(level_of("area:330702001008"), Some((Level::Community, _))));
        assert!(matches!(level_of("area:330702001008001"), Some((Level::Grid, _))));
        for bad in ["dept:x", "area:3307", "area:33070200100a", "grid:330702001008001", ""] {
            assert!(level_of(bad).is_none(), "{bad}");
        }
        let nov = month_start("2026-11").unwrap();
        assert_eq!(
            (shift(nov, 1), shift(nov, -1), shift(nov, 2)),
            ("2026-12".into(), "2026-10".into(), "2027-01".into())
        );
        assert_eq!(explain_url("dept:3", "2026-11"), "/evaluation/units/dept%3A3?month=2026-11");
    }
}
