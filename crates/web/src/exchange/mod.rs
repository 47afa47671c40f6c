//! Imports and exports: grids as GeoJSON, residents as .xlsx, all rows or none.

pub mod api;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("POST", "/api/v1/grids/import", post(api::import_grids).layer(DefaultBodyLimit::max(api::MAX_UPLOAD))),
        r("GET", "/api/v1/grids/export", get(api::export_grids)),
        r(
            "POST",
            "/api/v1/residents/import",
            post(api::import_residents).layer(DefaultBodyLimit::max(api::MAX_UPLOAD)),
        ),
        r("GET", "/api/v1/residents/export", get(api::export_residents)),
    ]
}
