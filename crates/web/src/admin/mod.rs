//! Administration: user accounts, the audit trail, and the admin pages (`/admin/…`: regions,
//! categories and routing rules, deadlines and calendar, 三率 weights, users, imports).

pub mod api;
pub mod pages;
pub mod sms;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get, post};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = vec![
        r("GET", "/api/v1/users", get(api::users)),
        r("POST", "/api/v1/users", post(api::create_user)),
        r("GET", "/api/v1/audit", get(api::audit)),
        r("GET", "/api/v1/audit/verify", get(api::audit_verify)),
        r("GET", "/admin/sms", get(sms::page)),
    ];
    all.extend(pages::routes());
    all
}
