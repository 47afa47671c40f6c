//! The route table. Every route is declared once, in its feature's `routes()`; [`routes`]
//! collects them, the router is built from that list, and the authorization test checks that
//! each route has a row.

use crate::AppState;
use crate::error::{ApiError, Code};
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

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

/// Every route of the application, feature by feature.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = vec![public("GET", "/healthz", get(healthz))];
    all.extend(crate::ui::routes());
    all.extend(crate::auth::routes());
    all.extend(crate::resident::routes());
    all.extend(crate::cases::routes());
    all.extend(crate::notices::routes());
    all.extend(crate::places::routes());
    all.extend(crate::people::routes());
    all.extend(crate::party::routes());
    all.extend(crate::mediation::routes());
    all.extend(crate::petitions::routes());
    all.extend(crate::dashboard::routes());
    all.extend(crate::evaluation::routes());
    all.extend(crate::exchange::routes());
    all.extend(crate::room::routes());
    all.extend(crate::admin::routes());
    all
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
        ApiError::new(StatusCode::NOT_FOUND, Code::NotFound, "接口不存在").into_response()
    } else {
        crate::ui::error::not_found()
    }
}
