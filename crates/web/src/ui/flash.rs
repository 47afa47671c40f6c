//! Flash messages: a short note carried in a cookie across a post-redirect-get ("已派单"),
//! shown once on the next page and then cleared.

use super::download::percent_encode;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const FLASH_COOKIE: &str = "tx_flash";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `ok` or `error` (the CSS class).
    pub kind: &'static str,
    pub text: String,
}

/// The flash the browser sent back, if any.
pub fn read(headers: &HeaderMap) -> Vec<Flash> {
    let Some(raw) = crate::auth::cookie_value(headers, FLASH_COOKIE) else {
        return Vec::new();
    };
    let Some((kind, text)) = raw.split_once('.') else {
        return Vec::new();
    };
    let kind = if kind == "ok" { "ok" } else { "error" };
    let text: String = percent_decode(text);
    if text.is_empty() { Vec::new() } else { vec![Flash { kind, text }] }
}

/// A 303 to `to` carrying a message for the next page.
pub fn redirect(to: &str, kind: &'static str, text: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    let value = format!("{FLASH_COOKIE}={kind}.{}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax", percent_encode(text));
    resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&value).expect("encoded cookie is ASCII"));
    resp
}

/// The header that removes a shown flash.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("tx_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8().map(|t| t.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_message_survives_the_cookie() {
        let resp = redirect("/cases/1", "ok", "已派单给 城管科（主办）");
        let cookie = resp.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
        assert_eq!(read(&headers), vec![Flash { kind: "ok", text: "已派单给 城管科（主办）".into() }]);
    }

    #[test]
    fn a_forged_kind_is_shown_as_an_error_and_garbage_as_nothing() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("tx_flash=<script>.%E4%BD%A0"));
        assert_eq!(read(&headers)[0].kind, "error");
        headers.insert(header::COOKIE, HeaderValue::from_static("tx_flash=nodot"));
        assert!(read(&headers).is_empty());
    }
}
