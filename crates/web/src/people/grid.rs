//! 网格员: the grid worker's pages, phone first. 我的网格 (`/grid`: tasks dispatched to my grid
//! team awaiting me, and the open cases of my grid by deadline), 巡查上报 (`/grid/patrol`, a
//! patrol report that may be closed on the spot), 住户信息 (`/grid/households`,
//! `/grid/residents/{id}`, masked) and 走访记录 (`/grid/visits`).
//!
//! Every page belongs to a signed-in user whose scope is one grid; every read passes that
//! scope to the store, so another grid's resident or household is the 404 page.

mod home;
mod patrol;
mod people;
mod visits;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use crate::ui::error::PageError;
use crate::ui::staff::Staff;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post};
use tongxin_domain::case::photo::{MAX_PHOTO_BYTES, MAX_PHOTOS};
use tongxin_domain::kernel::access::{Action, Scope};

/// Room for the photos of a patrol report plus its text fields.
const MAX_PATROL_BODY: usize = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/grid", get(home::page)),
        r("GET", "/grid/patrol", get(patrol::form)),
        r("POST", "/grid/patrol", post(patrol::submit).layer(DefaultBodyLimit::max(MAX_PATROL_BODY))),
        r("GET", "/grid/households", get(people::households)),
        r("GET", "/grid/residents/{id}", get(people::resident)),
        r("GET", "/grid/visits", get(visits::page)),
        r("POST", "/grid/visits", post(visits::record)),
    ]
}

/// The caller's grid: its code if the role may `action` and the scope is exactly one grid.
fn my_grid(staff: &Staff, action: Action) -> Result<String, PageError> {
    staff.require(action)?;
    match staff.scope() {
        Scope::Region { code } if code.as_str().len() == 15 => Ok(code.as_str().to_string()),
        _ => Err(PageError::User(StatusCode::FORBIDDEN, "本页面供网格员使用，您的账号未分配到网格。".into())),
    }
}

/// The grid's name, or its code when the region table lacks it.
async fn grid_name(state: &AppState, staff: &Staff, grid: &str) -> String {
    match state.store.regions().get(staff.scope(), grid).await {
        Ok(r) => r.name,
        Err(_) => grid.to_string(),
    }
}

/// A page number from the query string (absent or garbage: the first page).
fn page_no(raw: &Option<String>) -> u32 {
    raw.as_deref().and_then(|s| s.trim().parse::<u32>().ok()).filter(|p| (1..=100_000).contains(p)).unwrap_or(1)
}
