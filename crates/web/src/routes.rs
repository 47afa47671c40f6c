//! The route table. Every route is declared once in [`routes`], from which the router is built
//! and against which the authorization test checks that each route has a row.

pub mod admin;
pub mod cases;
pub mod evaluation;
pub mod exchange;
pub mod extract;
pub mod party;
pub mod places;
pub mod residents;

use crate::AppState;
use crate::auth::{login, tokens, totp};
use crate::error::ApiError;
use crate::pages;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};

/// One declared route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    /// Reachable without logging in.
    pub public: bool,
}

pub(crate) fn r(
    method: &'static str,
    path: &'static str,
    handler: MethodRouter<AppState>,
) -> (RouteSpec, MethodRouter<AppState>) {
    (RouteSpec { method, path, public: false }, handler)
}

pub(crate) fn public(
    method: &'static str,
    path: &'static str,
    handler: MethodRouter<AppState>,
) -> (RouteSpec, MethodRouter<AppState>) {
    (RouteSpec { method, path, public: true }, handler)
}

/// Every route of the application.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = pages::routes();
    all.extend(foundation_routes());
    all.extend(cases::routes());
    all.extend(evaluation::routes());
    all
}

/// Places, people, organisations, accounts and audit.
fn foundation_routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        public("GET", "/healthz", get(healthz)),
        public("POST", "/api/v1/auth/login", post(login::login_json)),
        r("GET", "/api/v1/auth/me", get(login::me)),
        r("POST", "/api/v1/auth/logout", post(login::logout_json)),
        r("POST", "/api/v1/auth/password", post(login::change_password)),
        r("POST", "/api/v1/auth/totp/setup", post(totp::setup)),
        r("POST", "/api/v1/auth/totp/enable", post(totp::enable)),
        r("GET", "/api/v1/regions", get(places::tree)),
        r("GET", "/api/v1/regions/{code}", get(places::region)),
        r("GET", "/api/v1/grids", get(places::grids)),
        r(
            "POST",
            "/api/v1/grids/import",
            post(exchange::import_grids).layer(DefaultBodyLimit::max(exchange::MAX_UPLOAD)),
        ),
        r("GET", "/api/v1/grids/export", get(exchange::export_grids)),
        r("GET", "/api/v1/grids/{code}", get(places::grid)),
        r("GET", "/api/v1/grids/{code}/team", get(places::team)),
        r("GET", "/api/v1/locate", get(places::locate)),
        r("GET", "/api/v1/buildings", get(places::buildings)),
        r("GET", "/api/v1/buildings/{id}", get(places::building)),
        r("GET", "/api/v1/households", get(places::households)),
        r("GET", "/api/v1/households/{id}", get(places::household)),
        r("GET", "/api/v1/residents", get(residents::search)),
        r("POST", "/api/v1/residents", post(residents::create)),
        r(
            "POST",
            "/api/v1/residents/import",
            post(exchange::import_residents).layer(DefaultBodyLimit::max(exchange::MAX_UPLOAD)),
        ),
        r("GET", "/api/v1/residents/export", get(exchange::export_residents)),
        r("GET", "/api/v1/residents/{id}", get(residents::get)),
        r("PATCH", "/api/v1/residents/{id}", patch(residents::update)),
        r("GET", "/api/v1/residents/{id}/unmasked", get(residents::unmasked)),
        r("GET", "/api/v1/party/orgs", get(party::orgs)),
        r("GET", "/api/v1/party/orgs/{id}", get(party::org)),
        r("GET", "/api/v1/party/members", get(party::members)),
        r("GET", "/api/v1/departments", get(party::departments)),
        r("GET", "/api/v1/departments/{id}", get(party::department)),
        r("GET", "/api/v1/users", get(admin::users)),
        r("POST", "/api/v1/users", post(admin::create_user)),
        r("GET", "/api/v1/tokens", get(tokens::list_own)),
        r("POST", "/api/v1/tokens", post(tokens::create)),
        r("DELETE", "/api/v1/tokens/{id}", delete(tokens::revoke)),
        r("GET", "/api/v1/users/{id}/tokens", get(tokens::list_for_user)),
        r("GET", "/api/v1/audit", get(admin::audit)),
        r("GET", "/api/v1/audit/verify", get(admin::audit_verify)),
    ]
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for (spec, handler) in routes() {
        debug_assert!(spec.method.parse::<Method>().is_ok());
        router = router.route(spec.path, handler);
    }
    router.fallback(not_found)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        let _ = method;
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "接口不存在").into_response()
    } else {
        pages::error::not_found()
    }
}
