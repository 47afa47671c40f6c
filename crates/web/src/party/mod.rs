//! Party organisations (党组织) and their members, departments: the JSON API and the party
//! secretary's pages (`/party`).

pub mod api;
pub mod pages;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = vec![
        r("GET", "/api/v1/party/orgs", get(api::orgs)),
        r("GET", "/api/v1/party/orgs/{id}", get(api::org)),
        r("GET", "/api/v1/party/members", get(api::members)),
        r("GET", "/api/v1/departments", get(api::departments)),
        r("GET", "/api/v1/departments/{id}", get(api::department)),
    ];
    all.extend(pages::routes());
    all
}
