//! Forms with CSRF protection. Staff forms carry the session's token in a hidden `_csrf` field;
//! forms for people without an account (residents) use a double-submit token: the same random
//! value in a cookie and in the field, which another site can neither read nor set.

use super::error::PageError;
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie_value, random_token, same_secret};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use serde::de::DeserializeOwned;

/// The cookie of the double-submit token for anonymous forms.
pub const FORM_CSRF_COOKIE: &str = "tx_form_csrf";
/// Largest urlencoded form accepted (photos go through multipart forms).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// A urlencoded form whose `_csrf` field matched the session (or, without a session, the
/// double-submit cookie). Other fields deserialize into `T`; unknown ones are ignored.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<CsrfForm<T>, PageError> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state).await.map_err(|_| bad_form())?;
        if body.len() > MAX_FORM_BYTES {
            return Err(PageError::User(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过长".into()));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| bad_form())?;
        let sent = pairs.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        check_csrf(state, &headers, sent).await?;
        let value = serde_urlencoded::from_bytes(&body)
            .map_err(|e| PageError::User(axum::http::StatusCode::UNPROCESSABLE_ENTITY, format!("表单内容有误：{e}")))?;
        Ok(CsrfForm(value))
    }
}

fn bad_form() -> PageError {
    PageError::User(axum::http::StatusCode::BAD_REQUEST, "表单无法读取，请返回刷新后重试".into())
}

/// Checks a submitted token: against the session when there is one, otherwise against the
/// double-submit cookie. For multipart forms, which read their own body.
pub async fn check_csrf(state: &AppState, headers: &HeaderMap, sent: &str) -> Result<(), PageError> {
    let expected = match cookie_value(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        Some(token) => match state.store.accounts().session(&token).await? {
            Some(session) => session.csrf_token,
            None => cookie_value(headers, FORM_CSRF_COOKIE).unwrap_or_default(),
        },
        None => cookie_value(headers, FORM_CSRF_COOKIE).unwrap_or_default(),
    };
    if expected.len() >= 32 && same_secret(&expected, sent) { Ok(()) } else { Err(PageError::Csrf) }
}

/// The double-submit token for an anonymous form: the browser's, or a new one with the cookie
/// that sets it (to append to the response).
pub fn anonymous_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(t) = cookie_value(headers, FORM_CSRF_COOKIE).filter(|t| t.len() >= 32) {
        return (t, None);
    }
    let token = random_token();
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let cookie = format!("{FORM_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}");
    (token, Some(HeaderValue::from_str(&cookie).expect("token is URL-safe base64")))
}

/// Appends a `Set-Cookie` when there is one.
pub fn with_cookie(mut resp: axum::response::Response, cookie: Option<HeaderValue>) -> axum::response::Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}
