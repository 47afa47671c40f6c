//! Tongxin's HTTP adapter: the JSON API under `/api/v1`, Open311, staff login with sessions,
//! CSRF and TOTP, API tokens for machine clients, and the server-rendered pages for every role.
//!
//! # Layout: by feature
//!
//! Each feature is a module holding its routes (`routes()` in its `mod.rs`), its JSON handlers
//! (`api.rs`), its page handlers (`pages.rs` or a folder) and the view structs its pages render;
//! its templates live in `templates/<feature>/`. To find anything about a feature, start at its
//! name:
//!
//! | feature | what | templates |
//! |---|---|---|
//! | [`cases`] | the case loop: staff intake, queue, case page, inbox, rules, deadlines, notices; [`cases::public`] is what a resident may see | `cases/` |
//! | [`resident`] | reporting without an account, tracking, confirming and rating | `resident/` |
//! | [`places`] | regions, grids, buildings, households, locate, the street map, QR sheets | `places/` |
//! | [`people`] | residents (masked; unmasking audited), the grid worker's pages | `people/` |
//! | [`party`] | party organisations, members, departments | `party/` |
//! | [`mediation`] | 矛盾纠纷多元化解: the dispute list and 督办 list, 调解登记, a dispute's page and steps, the 调解协议书, organisations, mediators, risk levels | `mediation/` |
//! | [`petitions`] | 信访: the register, the clocks' overdue lists, registration, a petition's steps, the 信访处理意见书 | `petitions/` |
//! | [`dashboard`] | the leaders' charts, ranking and heat map | `dashboard/` |
//! | [`evaluation`] | 三率 rankings, export, weights | — |
//! | [`exchange`] | GeoJSON and xlsx imports and exports | — |
//! | [`admin`] | users, audit, the admin pages | `admin/` |
//! | [`auth`] | login, sessions, CSRF, TOTP, API tokens, the start and password pages | `auth/` |
//! | [`open311`] | GeoReport v2 for outside clients | — |
//!
//! Shared pieces: [`ui`] (shell, flash, forms, the one [`ui::Pager`], charts, SVG map, error page,
//! assets; `templates/ui/`), [`routes`] (every feature's routes in one table: the router is built
//! from it and the authorization test checks a row for each), [`error`] (the one [`error::Code`]
//! enum behind both [`error::ApiError`] and [`ui::PageError`]), [`extract`], [`middleware`],
//! [`limits`] and [`server`].
//!
//! One feature traced: a resident follows a case. `resident::routes` declares `GET /track/{code}`;
//! `resident::pages::track` loads the case through the store, builds [`cases::public::PublicCase`]
//! (what is public is decided there and nowhere else) and renders `templates/resident/track.html`;
//! `GET /api/v1/reports/{code}` (`cases::api`) serializes the same struct as JSON.
//!
//! Handlers are thin: parse, check the role ([`auth::Caller::require`]), call the store or an
//! `tongxin_app` use-case with the caller's scope, map errors through [`error::ApiError`].

pub mod admin;
pub mod auth;
pub mod cases;
pub mod dashboard;
pub mod error;
pub mod evaluation;
pub mod exchange;
pub mod extract;
pub mod limits;
pub mod mediation;
pub mod middleware;
pub mod notices;
pub mod open311;
pub mod party;
pub mod people;
pub mod petitions;
pub mod places;
pub mod resident;
pub mod room;
pub mod routes;
pub mod server;
pub mod ui;

/// The route table under its former name (the authorization test and the CLI read `api::routes`).
pub mod api {
    pub use crate::routes::{RouteSpec, router, routes};
}

/// Former paths of two page helpers that tests and the CLI benchmarks use.
pub mod pages {
    pub mod assets {
        pub use crate::ui::assets::{LEAFLET, is_vendored, linked_assets};
    }
    pub mod qr {
        pub use crate::places::qr::qr_svg;
    }
}

use auth::throttle::Throttle;
use axum::Router;
use std::sync::Arc;
use tongxin_app::accounts::password::HashCost;
use tongxin_store::Store;

/// Settings of the web layer (the CLI fills them from its configuration).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS).
    pub cookie_secure: bool,
    pub session_ttl: chrono::Duration,
    pub hash_cost: HashCost,
    /// Failed logins per account and client address before delays start, and the longest delay
    /// (it doubles from one second).
    pub max_login_failures: i64,
    pub lockout: chrono::Duration,
    /// Login attempts per client address per window.
    pub login_attempts_per_window: u32,
    pub login_window: std::time::Duration,
    /// Anonymous reports accepted per client address and per phone number per hour.
    pub reports_per_ip_per_hour: u32,
    pub reports_per_phone_per_hour: u32,
    /// The site's address as people reach it, without a trailing slash (follow links, Open311
    /// discovery); never taken from a request's Host header.
    pub public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<auth::client::Cidr>,
    /// How long an API token stays valid.
    pub api_token_ttl: chrono::Duration,
    /// The interactive map's tile source (`[map]`).
    pub map: ui::map::MapConfig,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            cookie_secure: false,
            session_ttl: chrono::Duration::hours(8),
            hash_cost: HashCost::Standard,
            max_login_failures: 5,
            lockout: chrono::Duration::minutes(15),
            login_attempts_per_window: 30,
            login_window: std::time::Duration::from_secs(300),
            reports_per_ip_per_hour: 30,
            reports_per_phone_per_hour: 10,
            public_url: "http://localhost:8080".into(),
            trusted_proxies: Vec::new(),
            api_token_ttl: chrono::Duration::days(90),
            map: ui::map::MapConfig::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub throttle: Arc<Throttle>,
    /// Growing delays after failed logins, per account name and client address.
    pub login_backoff: Arc<auth::throttle::Backoff>,
    pub locator: Arc<tongxin_app::locator::LocatorCache>,
    pub cases: tongxin_app::cases::CaseService,
    /// Anonymous reports per client address, and per phone number.
    pub report_limit_ip: Arc<Throttle<Option<std::net::IpAddr>>>,
    pub report_limit_phone: Arc<Throttle<String>>,
    /// Finding a case again (`/track`): code requests and tries per client address, and code
    /// requests per phone number.
    pub follow_limit_ip: Arc<Throttle<Option<std::net::IpAddr>>>,
    pub follow_limit_phone: Arc<Throttle<String>>,
    /// The online mediation rooms' live feeds in this process.
    pub rooms: Arc<tongxin_app::mediation::room::RoomHub>,
}

impl AppState {
    pub async fn new(store: Store, config: WebConfig) -> Result<AppState, tongxin_store::StoreError> {
        let locator = Arc::new(tongxin_app::locator::LocatorCache::load(&store).await?);
        let throttle = Arc::new(Throttle::new(config.login_attempts_per_window, config.login_window));
        let free = u32::try_from(config.max_login_failures.max(0)).unwrap_or(u32::MAX);
        let login_backoff = Arc::new(auth::throttle::Backoff::new(free, config.lockout));
        let cases = tongxin_app::cases::CaseService::start(store.clone(), locator.clone()).await?;
        cases.set_public_url(&config.public_url);
        let hour = std::time::Duration::from_secs(3600);
        let report_limit_ip = Arc::new(Throttle::new(config.reports_per_ip_per_hour, hour));
        let report_limit_phone = Arc::new(Throttle::new(config.reports_per_phone_per_hour, hour));
        let follow_limit_ip = Arc::new(Throttle::new(resident::FOLLOW_TRIES_PER_IP_PER_HOUR, hour));
        let follow_limit_phone = Arc::new(Throttle::new(resident::FOLLOW_CODES_PER_PHONE_PER_HOUR, hour));
        Ok(AppState {
            store,
            config: Arc::new(config),
            throttle,
            login_backoff,
            locator,
            cases,
            report_limit_ip,
            report_limit_phone,
            follow_limit_ip,
            follow_limit_phone,
            rooms: Arc::default(),
        })
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    routes::router()
        .merge(open311::router())
        .layer(from_fn(ui::clear_shown_flash))
        .layer(from_fn(limits::refuse_nul))
        .layer(from_fn(middleware::api_errors))
        .layer(from_fn(middleware::strict_forms))
        .layer(from_fn_with_state(state.clone(), middleware::security_headers))
        .with_state(state)
}
