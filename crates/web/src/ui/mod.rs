//! What every page shares: the shell around a page ([`Shell`], `templates/ui/base.html`), flash
//! messages, CSRF-checked forms ([`CsrfForm`]) and their field errors, the one [`Pager`], charts,
//! the SVG map, xlsx exports, the error page ([`PageError`]) and the static assets.
//!
//! Pages are server-rendered (askama templates under `crates/web/templates/<feature>/`), in
//! Chinese, for every role. Page handlers live in their feature (`crate::cases::pages`, …) and
//! read through the same store calls and use-cases as the JSON API, with the signed-in
//! [`Staff`]'s scope; forms answer with a redirect and a flash message (post-redirect-get).

pub mod assets;
pub mod chart;
pub mod download;
pub mod error;
pub mod flash;
pub mod form;
pub mod map;
pub mod pager;
pub mod shell;
pub mod staff;
pub mod xlsx;

pub use error::{PageError, PageResult, render};
pub use form::CsrfForm;
pub use pager::Pager;
pub use shell::Shell;
pub use staff::Staff;

use crate::AppState;
use crate::routes::{RouteSpec, public};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, get};

/// The static assets every page links.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        public("GET", "/static/app.css", get(assets::css)),
        public("GET", "/static/app.js", get(assets::js)),
        public("GET", "/static/map.js", get(assets::map_js)),
        public("GET", "/static/vendor/leaflet-1.9.4/{file}", get(assets::leaflet)),
        public("GET", "/static/vendor/leaflet-1.9.4/images/{file}", get(assets::leaflet_image)),
    ]
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
