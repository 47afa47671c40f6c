//! People: residents (masked, unmasking audited) through the JSON API, and the grid worker's
//! pages — today's tasks (`/grid`), patrol reports, households and residents, visits (走访).

pub mod api;
pub mod grid;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get, patch, post};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = vec![
        r("GET", "/api/v1/residents", get(api::search)),
        r("POST", "/api/v1/residents", post(api::create)),
        r("GET", "/api/v1/residents/{id}", get(api::get)),
        r("PATCH", "/api/v1/residents/{id}", patch(api::update)),
        r("GET", "/api/v1/residents/{id}/unmasked", get(api::unmasked)),
    ];
    all.extend(grid::routes());
    all
}
