//! Refusals that hold for every route (issue 9, item 13): no NUL in a path or a query string.
//! PostgreSQL refuses NUL in text, so a `%00` that reached a query would be a 500 (or fail a
//! whole batch); no legitimate link holds one.

use crate::error::ApiError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether a percent-encoded text holds a NUL (`%00`, any case) or a raw one.
pub fn encodes_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00") || s.contains('\0')
}

/// Middleware: a path or query string with a NUL gets a 400 before any handler runs.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if encodes_nul(uri.path()) || uri.query().is_some_and(encodes_nul) {
        return ApiError::bad_request("请求地址或查询参数含有空字符（NUL），已拒绝").into_response();
    }
    next.run(req).await
}

/// Whether JSON text holds a `\u0000` escape inside a string (a raw NUL is not valid JSON).
pub fn json_has_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2; // skip the escaped character, so `\\u0000` (a backslash, then text) is not a NUL
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_urls_and_json() {
        assert!(encodes_nul("/api/v1/cases?q=a%00b"));
        assert!(!encodes_nul("/api/v1/cases?q=a%200b"));
        assert!(json_has_nul(br#"{"a":"x\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"x\\u0000"}"#));
        assert!(json_has_nul(br#"{"a":"x\\\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"\u00011"}"#));
    }
}
