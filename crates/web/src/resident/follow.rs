//! Finding a case again and acting on it (issue 11 item 5).
//!
//! - `/track` (no code): the resident gives the tracking code and their phone; if the phone is
//!   a reporter's number on that case, a one-time code goes to it by SMS. The answer is the same
//!   page whether or not it did — nobody learns whether a code exists or whose phone it is.
//! - `/track/verify`: the code from the SMS opens a short session (a server-side row, its token
//!   in an HttpOnly cookie limited to `/track`) and leads to `/track/mine` (我的诉求): every case
//!   of that phone with its status, each linking with the phone's *own* follow token (a reporter
//!   of a duplicate never sees another reporter's link).
//! - `/track/{code}/urge` (催办) and `/track/{code}/note` (补充信息, with photos) on the follow page.
//!
//! Requests for a code are limited per client address and per phone, tries per client address
//! (`AppState::follow_limit_*`); codes themselves allow 5 wrong tries (store).

use super::pages::{follow_path, form_token, requester_case};
use crate::AppState;
use crate::auth::{ClientIp, cookie_value};
use crate::error::ApiError;
use crate::routes::{RouteSpec, public};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::{self, CsrfForm};
use crate::ui::shell::Shell;
use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use tongxin_app::cases::{CaseActor, CaseError};
use tongxin_domain::case::photo::MAX_PHOTO_BYTES;
use tongxin_domain::case::{MAX_NOTE_PHOTOS, Status};
use tongxin_domain::kernel::clock::local_minute;

/// Code requests and tries per client address per hour.
pub const FOLLOW_TRIES_PER_IP_PER_HOUR: u32 = 20;
/// Code requests per phone number per hour.
pub const FOLLOW_CODES_PER_PHONE_PER_HOUR: u32 = 5;
/// The cookie holding a 我的诉求 session.
pub const FOLLOW_COOKIE: &str = "tx_follow";

const NOTE_PARTS: crate::limits::PartLimits = crate::limits::PartLimits {
    file_field: "photos",
    max_file_bytes: MAX_PHOTO_BYTES,
    max_files: MAX_NOTE_PHOTOS,
    max_text_bytes: 16 * 1024,
    max_parts: 12,
};
const MAX_NOTE_BODY: usize = MAX_NOTE_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        public("GET", "/track", get(find_form)),
        public("POST", "/track", post(request_code)),
        public("POST", "/track/verify", post(verify)),
        public("GET", "/track/mine", get(mine)),
        public("POST", "/track/{code}/urge", post(urge)),
        public("POST", "/track/{code}/note", post(note).layer(DefaultBodyLimit::max(MAX_NOTE_BODY))),
    ]
}

fn private(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

fn too_many(wait: std::time::Duration) -> String {
    format!("操作过于频繁，请 {} 分钟后再试", wait.as_secs() / 60 + 1)
}

// ---------------------------------------------------------------------------------------------
// Finding a case again

#[derive(Default)]
struct FindErrors {
    code: Option<String>,
    phone: Option<String>,
    otp: Option<String>,
    general: Option<String>,
}

#[derive(Template)]
#[template(path = "resident/find.html")]
struct FindPage {
    shell: Shell,
    csrf: String,
    code: String,
    phone: String,
    /// The code was asked for: show the second step.
    sent: bool,
    errors: FindErrors,
}

#[derive(Deserialize, Default)]
pub struct FindQuery {
    #[serde(default)]
    c: String,
}

async fn find_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    page: impl FnOnce(Shell, String) -> FindPage,
) -> Response {
    let (csrf, cookie) = form_token(state, headers).await;
    let page = page(Shell::public("找回我的诉求", flash::read(headers)), csrf);
    private(form::with_cookie((status, render(&page)).into_response(), cookie))
}

/// `GET /track[?c=CODE]`: tracking code and phone.
async fn find_form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<FindQuery>) -> Response {
    let code: String = q.c.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(32).collect();
    find_page(&state, &headers, StatusCode::OK, |shell, csrf| FindPage {
        shell,
        csrf,
        code,
        phone: String::new(),
        sent: false,
        errors: FindErrors::default(),
    })
    .await
}

/// The lookup's two forms: tracking code and phone, then (`/track/verify`) the code from the SMS.
#[derive(Deserialize)]
pub struct FindForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    otp: String,
}

impl FindErrors {
    /// A use-case's refusal next to its field; anything else (an outage) above the form.
    fn from_case_error(e: CaseError) -> (StatusCode, FindErrors) {
        let mut errors = FindErrors::default();
        match e {
            CaseError::Invalid { field, message } => {
                match field {
                    "code" => errors.code = Some(message),
                    "phone" => errors.phone = Some(message),
                    _ => errors.otp = Some(message),
                }
                (StatusCode::UNPROCESSABLE_ENTITY, errors)
            }
            e => {
                tracing::error!(error = %e, "找回诉求失败");
                errors.general = Some("系统繁忙，请稍后重试".into());
                (StatusCode::SERVICE_UNAVAILABLE, errors)
            }
        }
    }

    fn too_many(wait: std::time::Duration) -> (StatusCode, FindErrors) {
        let errors = FindErrors { general: Some(too_many(wait)), ..FindErrors::default() };
        (StatusCode::TOO_MANY_REQUESTS, errors)
    }
}

/// The lookup page again, after a form, with the resident's input.
async fn find_again(
    state: &AppState,
    headers: &HeaderMap,
    f: &FindForm,
    sent: bool,
    answer: (StatusCode, FindErrors),
) -> Response {
    let (status, errors) = answer;
    find_page(state, headers, status, |shell, csrf| FindPage {
        shell,
        csrf,
        code: f.code.trim().to_string(),
        phone: f.phone.trim().to_string(),
        sent,
        errors,
    })
    .await
}

/// `POST /track`: sends a one-time code if the phone is the case's; the same answer either way.
async fn request_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<FindForm>,
) -> Response {
    let phone_key: String = f.phone.chars().filter(char::is_ascii_digit).collect();
    let answer = match state.follow_limit_ip.attempt(ip).and_then(|()| state.follow_limit_phone.attempt(phone_key)) {
        Err(wait) => Err(FindErrors::too_many(wait)),
        Ok(()) => state.cases.request_follow_code(&f.code, &f.phone).await.map_err(FindErrors::from_case_error),
    };
    match answer {
        Ok(()) => find_again(&state, &headers, &f, true, (StatusCode::OK, FindErrors::default())).await,
        Err(answer) => find_again(&state, &headers, &f, false, answer).await,
    }
}

/// `POST /track/verify`: the code from the SMS. Right: a session and on to 我的诉求.
async fn verify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<FindForm>,
) -> Response {
    let answer = match state.follow_limit_ip.attempt(ip) {
        Err(wait) => FindErrors::too_many(wait),
        Ok(()) => match state.cases.verify_follow_code(&f.code, &f.phone, &f.otp).await {
            Ok(token) => return private(session_redirect(&state, &token, &f.code)),
            Err(e) => FindErrors::from_case_error(e),
        },
    };
    find_again(&state, &headers, &f, true, answer).await
}

/// On to 我的诉求 with the session's cookie (HttpOnly, only for `/track`, ends with the session).
fn session_redirect(state: &AppState, token: &str, code: &str) -> Response {
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let max_age = tongxin_domain::case::follow::SESSION_MINUTES * 60;
    let cookie = format!("{FOLLOW_COOKIE}={token}; Path=/track; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    let code = code.trim().to_uppercase();
    let mut resp = Redirect::to(&format!("/track/mine?c={}", crate::ui::error::urlencode(&code))).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

struct MineLine {
    code: String,
    title: String,
    status: &'static str,
    status_class: &'static str,
    created: String,
    href: String,
    /// The case the resident looked up.
    current: bool,
}

#[derive(Template)]
#[template(path = "resident/mine.html")]
struct MinePage {
    shell: Shell,
    lines: Vec<MineLine>,
}

/// `GET /track/mine`: 我的诉求 of the session's phone; without a live session, back to `/track`.
async fn mine(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<FindQuery>) -> PageResult {
    let token = cookie_value(&headers, FOLLOW_COOKIE).unwrap_or_default();
    let Some(cases) = state.cases.phone_cases(&token).await.map_err(ApiError::from)? else {
        return Ok(flash::redirect("/track", "error", "查看“我的诉求”需要先验证手机号（验证有效期 30 分钟）"));
    };
    let wanted = q.c.trim().to_uppercase();
    let lines: Vec<MineLine> = cases
        .into_iter()
        .map(|c| {
            let status = Status::parse(&c.status);
            MineLine {
                href: follow_path(&c.code, &state.cases.requester_token(&c.code, c.requester)),
                current: c.code == wanted,
                code: c.code,
                title: c.title,
                status: status.map_or("", Status::label),
                status_class: match status {
                    Some(Status::Rated | Status::Closed | Status::Verified | Status::Handled | Status::Referred) => {
                        "ok"
                    }
                    Some(Status::Rejected) => "bad",
                    _ => "",
                },
                created: local_minute(c.created_at),
            }
        })
        .collect();
    Ok(private(render(&MinePage { shell: Shell::public("我的诉求", flash::read(&headers)), lines })))
}

// ---------------------------------------------------------------------------------------------
// 催办 and 补充信息 on the follow page

/// Back to the follow page with what happened.
fn outcome(back: &str, r: Result<tongxin_store::cases::read::CaseView, CaseError>, ok: &str) -> PageResult {
    match r {
        Ok(_) => Ok(flash::redirect(back, "ok", ok)),
        Err(CaseError::Invalid { message, .. }) => Ok(flash::redirect(back, "error", &message)),
        Err(CaseError::Transition(t)) => Ok(flash::redirect(back, "error", &t.to_string())),
        Err(CaseError::Store(tongxin_store::StoreError::Conflict(m))) => Ok(flash::redirect(back, "error", &m)),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

#[derive(Deserialize)]
pub struct UrgeForm {
    #[serde(default)]
    t: String,
    version: i64,
}

/// `POST /track/{code}/urge`: 催办, once per working day.
async fn urge(State(state): State<AppState>, Path(code): Path<String>, CsrfForm(f): CsrfForm<UrgeForm>) -> PageResult {
    let c = requester_case(&state, &code, &f.t).await?;
    let back = follow_path(&c.code, &f.t);
    let actor = CaseActor::Requester { code: c.code.clone(), token: f.t.clone() };
    let r = state.cases.urge(&actor, c.id, f.version).await;
    outcome(&back, r, "已催办，承办单位会收到提醒")
}

/// `POST /track/{code}/note` (multipart): 补充信息 — a note and up to three photos.
async fn note(State(state): State<AppState>, Path(code): Path<String>, req: Request) -> PageResult {
    let headers = req.headers().clone();
    let m = Multipart::from_request(req, &state)
        .await
        .map_err(|_| PageError::User(StatusCode::BAD_REQUEST, "表单无法读取，请返回刷新后重试".into()))?;
    let parts = crate::limits::read_parts(m, NOTE_PARTS).await.map_err(|e| match e {
        crate::limits::PartError::TooLarge(m) => PageError::User(StatusCode::PAYLOAD_TOO_LARGE, m),
        crate::limits::PartError::Bad(m) => PageError::User(StatusCode::BAD_REQUEST, m),
    })?;
    let field = |name: &str| parts.texts.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    form::check_csrf(&state, &headers, &field("_csrf")).await?;
    let token = field("t");
    let c = requester_case(&state, &code, &token).await?;
    let back = follow_path(&c.code, &token);
    let Ok(version) = field("version").parse::<i64>() else {
        return Ok(flash::redirect(&back, "error", "页面已过期，请刷新后重试"));
    };
    let actor = CaseActor::Requester { code: c.code.clone(), token: token.clone() };
    let r = state.cases.add_note(&actor, c.id, version, &field("note"), parts.files).await;
    outcome(&back, r, "补充信息已提交，承办单位会看到")
}
