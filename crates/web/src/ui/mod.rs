//! Server-rendered pages (askama templates under `crates/web/templates`), in Chinese, for every
//! role. Page handlers read through the same store calls and use-cases as the JSON API, with
//! the signed-in [`Staff`]'s scope; forms are CSRF-checked ([`CsrfForm`]) and answer with a
//! redirect and a flash message (post-redirect-get). Errors render as HTML ([`PageError`]).

pub mod admin;
pub mod assets;
pub mod cases;
pub mod chart;
pub mod dashboard;
pub mod error;
pub mod flash;
pub mod form;
pub mod grid;
pub mod inbox;
pub mod map;
pub mod party;
pub mod qr;
pub mod resident;
pub mod shell;
pub mod staff;
mod start;
pub mod street_map;

pub use error::{PageError, PageResult, render};
pub use form::CsrfForm;
pub use shell::Shell;
pub use staff::Staff;

use crate::AppState;
use crate::api::{RouteSpec, public, r};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};

/// Every page route, declared like the API's so the authorization table covers them.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = vec![
        public("GET", "/", get(start::home)),
        public("GET", "/login", get(crate::auth::login::login_page)),
        public("POST", "/login", post(crate::auth::login::login_form)),
        public("POST", "/logout", post(crate::auth::login::logout_form)),
        public("GET", "/static/app.css", get(assets::css)),
        public("GET", "/static/app.js", get(assets::js)),
        r("GET", "/password", get(start::password_page)),
        r("POST", "/password", post(start::change_password)),
        r("POST", "/password/tokens/{id}/revoke", post(crate::auth::tokens::revoke_own_form)),
    ];
    all.extend(resident::routes());
    all.extend(qr::routes());
    all.extend(cases::routes());
    all.extend(inbox::routes());
    all.extend(street_map::routes());
    all.extend(dashboard::routes());
    all.extend(grid::routes());
    all.extend(admin::routes());
    all.extend(party::routes());
    all
}

/// Removes a flash message once a page has shown it.
pub async fn clear_shown_flash(req: Request, next: Next) -> Response {
    let had_flash = crate::auth::cookie_value(req.headers(), flash::FLASH_COOKIE).is_some();
    let mut resp = next.run(req).await;
    let sets_flash = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(flash::FLASH_COOKIE.as_bytes()));
    if had_flash && !sets_flash && resp.status().is_success() {
        resp.headers_mut().append(header::SET_COOKIE, flash::clear_cookie());
    }
    resp
}
