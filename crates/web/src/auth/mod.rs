//! Who is calling: a staff session (cookie + CSRF token on unsafe methods), an API token
//! (`Authorization: Bearer …`, no CSRF: it is not sent by browsers on their own), or nobody.

pub mod client;
pub mod login;
pub mod next;
pub mod start;
pub mod throttle;
pub mod tokens;
pub mod totp;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::routes::{RouteSpec, public, r};
use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::routing::{MethodRouter, delete, get, post};
use std::net::{IpAddr, SocketAddr};
use tongxin_domain::kernel::access::{Action, role_may};
use tongxin_store::Actor;
use tongxin_store::accounts::User;

pub const SESSION_COOKIE: &str = "tx_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Signing in and out (form and JSON), the start page, one's own password, second factor and
/// API tokens.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        public("GET", "/", get(start::home)),
        public("GET", "/login", get(login::login_page)),
        public("POST", "/login", post(login::login_form)),
        public("POST", "/logout", post(login::logout_form)),
        r("GET", "/password", get(start::password_page)),
        r("POST", "/password", post(start::change_password)),
        r("POST", "/password/tokens/{id}/revoke", post(tokens::revoke_own_form)),
        public("POST", "/api/v1/auth/login", post(login::login_json)),
        r("GET", "/api/v1/auth/me", get(login::me)),
        r("POST", "/api/v1/auth/logout", post(login::logout_json)),
        r("POST", "/api/v1/auth/password", post(login::change_password)),
        r("POST", "/api/v1/auth/totp/setup", post(totp::setup)),
        r("POST", "/api/v1/auth/totp/enable", post(totp::enable)),
        r("GET", "/api/v1/tokens", get(tokens::list_own)),
        r("POST", "/api/v1/tokens", post(tokens::create)),
        r("DELETE", "/api/v1/tokens/{id}", delete(tokens::revoke)),
        r("GET", "/api/v1/users/{id}/tokens", get(tokens::list_for_user)),
    ]
}

/// An authenticated caller whose second factor (where required) is done.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The session's CSRF token; `None` for API-token callers.
    pub csrf: Option<String>,
}

/// A session that may still owe its second factor: only the TOTP endpoints accept it.
#[derive(Debug, Clone)]
pub struct PendingCaller {
    pub user: User,
    pub token: String,
    pub csrf: String,
    pub second_factor_ok: bool,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user.id), name: self.user.username.clone() }
    }

    /// Refuses with 403 unless the role may attempt `action` (scope is applied by the query).
    pub fn require(&self, action: Action) -> ApiResult<()> {
        if role_may(self.user.role, action) { Ok(()) } else { Err(ApiError::forbidden()) }
    }
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub use tongxin_store::accounts::same_secret;

async fn pending_from_parts(parts: &Parts, state: &AppState) -> ApiResult<Option<PendingCaller>> {
    let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = state.store.accounts().session(&token).await? else {
        return Ok(None);
    };
    if is_unsafe(&parts.method) {
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !same_secret(sent, &session.csrf_token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Code::Csrf,
                "页面已过期或请求来源不明（CSRF 校验失败），请刷新后重试",
            ));
        }
    }
    Ok(Some(PendingCaller {
        user: session.user,
        token,
        csrf: session.csrf_token,
        second_factor_ok: session.second_factor_ok,
    }))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        if let Some(token) = bearer(&parts.headers) {
            return match state.store.accounts().user_by_api_token(token).await? {
                Some(user) => Ok(Caller { user, csrf: None }),
                None => Err(ApiError::new(StatusCode::UNAUTHORIZED, Code::BadToken, "API 令牌无效或已吊销")),
            };
        }
        let pending = pending_from_parts(parts, state).await?.ok_or_else(ApiError::unauthenticated)?;
        if !pending.second_factor_ok {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Code::SecondFactorRequired,
                "请先完成动态验证码（二次验证）设置或验证",
            ));
        }
        Ok(Caller { user: pending.user, csrf: Some(pending.csrf) })
    }
}

impl FromRequestParts<AppState> for PendingCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<PendingCaller> {
        pending_from_parts(parts, state).await?.ok_or_else(ApiError::unauthenticated)
    }
}

impl OptionalFromRequestParts<AppState> for PendingCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Option<PendingCaller>> {
        pending_from_parts(parts, state).await
    }
}

/// The client's address: the peer's, or behind a configured trusted proxy the right-most
/// untrusted `X-Forwarded-For` hop (absent in in-process tests, which then share one bucket).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientIp, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(client::client_address(peer, &parts.headers, &state.config.trusted_proxies)))
    }
}

/// A random secret for cookies and tokens: 32 bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}
