//! Logging in and out: JSON for API clients and a plain HTML form for people. One procedure
//! serves both: address throttling, account lockout, argon2id, TOTP where set (and enrolment
//! owed by admins who have none), then a session with its CSRF token.

use super::{Caller, ClientIp, PendingCaller, SESSION_COOKIE, cookie_value, random_token, same_secret};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::ui as pages;
use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use tongxin_app::accounts::password;
use tongxin_domain::accounts::totp;
use tongxin_store::StoreError;
use tongxin_store::accounts::User;
use tongxin_store::audit::AuditEntry;

const LOGIN_CSRF_COOKIE: &str = "tx_login_csrf";
/// Verified against when the username is unknown, so both paths take the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Ipnz3ohpAWAEInJ3lv2hELQsHXFmkStlT6nwbUo1w8";

#[derive(Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub totp_code: Option<String>,
}

#[derive(Serialize)]
pub struct LoginResponse {
    pub user: User,
    pub csrf_token: String,
    /// `ok`, or `enroll_required` when an admin must set up a TOTP second factor first.
    pub second_factor: &'static str,
}

struct NewSession {
    user: User,
    token: String,
    csrf: String,
    second_factor_ok: bool,
}

fn fail() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Code::BadCredentials, "用户名或密码错误")
}

fn wait(seconds: i64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        Code::Throttled,
        format!("登录尝试过于频繁，请 {} 秒后再试", seconds.max(1)),
    )
}

/// One procedure for every account (issue 9 item 12): an unknown name, a disabled account and a
/// wrong password get the same answer after the same argon2 work; repeated failures delay the
/// (name, address) pair only, never the account for everyone.
async fn authenticate(state: &AppState, ip: Option<IpAddr>, req: &LoginRequest) -> ApiResult<NewSession> {
    if let Err(wait_for) = state.throttle.attempt(ip) {
        return Err(wait(wait_for.as_secs() as i64));
    }
    let store = &state.store;
    let now = store.now();
    let name = req.username.trim();
    state.login_backoff.check(name, ip, now).map_err(wait)?;
    let creds = match store.accounts().credentials(name).await {
        Ok(c) => Some(c),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let hash = creds.as_ref().map_or(DUMMY_HASH, |c| c.password_hash.as_str());
    let password_ok = password::verify(&req.password, hash);
    let Some(creds) = creds.filter(|c| password_ok && c.user.active) else {
        state.login_backoff.failure(name, ip, now);
        return Err(fail());
    };
    let second_factor_ok = match &creds.totp_secret {
        Some(secret) => {
            let code = req.totp_code.as_deref().map(str::trim).unwrap_or("");
            if code.is_empty() {
                return Err(ApiError::new(StatusCode::UNAUTHORIZED, Code::TotpRequired, "请输入动态验证码")
                    .with_field("totp_code"));
            }
            let step = totp::verify(secret, code, now.timestamp(), creds.totp_last_step);
            let fresh = match step {
                Some(step) => store.accounts().use_totp_step(creds.user.id, step).await?,
                None => false,
            };
            if !fresh {
                state.login_backoff.failure(name, ip, now);
                return Err(ApiError::new(StatusCode::UNAUTHORIZED, Code::BadTotp, "动态验证码错误或已使用")
                    .with_field("totp_code"));
            }
            true
        }
        None => !creds.user.role.requires_totp(),
    };
    state.login_backoff.success(name, ip, now);
    store.accounts().record_login_success(creds.user.id).await?;
    let token = random_token();
    let csrf = random_token();
    let cfg = &state.config;
    store.accounts().create_session(creds.user.id, &token, &csrf, second_factor_ok, cfg.session_ttl).await?;
    let actor = tongxin_store::Actor { user_id: Some(creds.user.id), name: creds.user.username.clone() };
    store.audit().record(&actor, AuditEntry::new("user.login", "user", creds.user.id)).await?;
    Ok(NewSession { user: creds.user, token, csrf, second_factor_ok })
}

pub fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let value = format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&value).expect("cookie is ASCII")
}

fn with_cookie(mut resp: Response, cookie: HeaderValue) -> Response {
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    resp
}

/// `POST /api/v1/auth/login`
pub async fn login_json(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let s = authenticate(&state, ip, &req).await?;
    let cookie = session_cookie(&state, &s.token, state.config.session_ttl.num_seconds());
    let body = LoginResponse {
        user: s.user,
        csrf_token: s.csrf,
        second_factor: if s.second_factor_ok { "ok" } else { "enroll_required" },
    };
    Ok(with_cookie(Json(body).into_response(), cookie))
}

/// `GET /api/v1/auth/me`
pub async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "user": caller.user, "csrf_token": caller.csrf }))
}

/// `POST /api/v1/auth/logout`
pub async fn logout_json(State(state): State<AppState>, caller: PendingCaller) -> ApiResult<Response> {
    state.store.accounts().delete_session(&caller.token).await?;
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), session_cookie(&state, "", 0)))
}

/// `POST /api/v1/auth/password` — ends every session of the user; log in again afterwards.
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<tongxin_app::accounts::PasswordChange>,
) -> ApiResult<Response> {
    tongxin_app::accounts::change_own_password(&state.store, &caller.user, &req, state.config.hash_cost).await?;
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), session_cookie(&state, "", 0)))
}

// ---- the HTML form ----

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub totp_code: String,
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    /// Where to go after logging in (a path on this site).
    #[serde(default)]
    pub next: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    pub next: String,
}

#[derive(askama::Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    shell: pages::Shell,
    csrf: &'a str,
    error: Option<&'a str>,
    next: &'a str,
}

/// `GET /login`: the form, with a double-submit CSRF token (there is no session yet).
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    let token = cookie_value(&headers, LOGIN_CSRF_COOKIE).filter(|t| t.len() >= 32).unwrap_or_else(random_token);
    let flash = pages::flash::read(&headers);
    render_login(&state, &token, None, &q.next, flash, StatusCode::OK)
}

fn render_login(
    state: &AppState,
    csrf: &str,
    error: Option<&str>,
    next: &str,
    flash: Vec<pages::flash::Flash>,
    status: StatusCode,
) -> Response {
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let cookie = format!("{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login{secure}");
    let page =
        LoginPage { shell: pages::Shell::public("登录", flash), csrf, error, next: pages::error::local_path(next) };
    let mut resp = (status, pages::render(&page)).into_response();
    resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ASCII"));
    resp
}

/// `POST /login`
pub async fn login_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, &form.csrf) {
        let expired = Some("页面已过期，请重新登录");
        return render_login(&state, &random_token(), expired, &form.next, Vec::new(), StatusCode::FORBIDDEN);
    }
    let req = LoginRequest {
        username: form.username,
        password: form.password,
        totp_code: Some(form.totp_code).filter(|c| !c.trim().is_empty()),
    };
    match authenticate(&state, ip, &req).await {
        Ok(s) => {
            let cookie = session_cookie(&state, &s.token, state.config.session_ttl.num_seconds());
            with_cookie(Redirect::to(pages::error::local_path(&form.next)).into_response(), cookie)
        }
        Err(e) => render_login(&state, &expected, Some(&e.message), &form.next, Vec::new(), e.status),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
}

/// `POST /logout` from a page: the form carries the session's CSRF token.
pub async fn logout_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> ApiResult<Response> {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE)
        && let Some(session) = state.store.accounts().session(&token).await?
    {
        if !same_secret(&session.csrf_token, &form.csrf) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, Code::Csrf, "页面已过期，请刷新后重试"));
        }
        state.store.accounts().delete_session(&token).await?;
    }
    Ok(with_cookie(Redirect::to("/login").into_response(), session_cookie(&state, "", 0)))
}
