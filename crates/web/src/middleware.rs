//! Layers around the whole application: security headers on every response (issue 9 item 14),
//! forms refused when they are not UTF-8, and the framework's own plain-text rejections under
//! `/api/` rewritten into the JSON error shape with a Chinese message (item 13).

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::open311::render::{Format, Open311Error};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Scripts only from this site's own file (no inline script anywhere); styles may be inline
/// because server-drawn maps and charts colour their shapes with `style` attributes.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Forms are read whole by their extractors anyway; past this they are refused here, before any
/// handler's throttle, so it bounds what unauthenticated clients can make the server hold
/// (the longest form — 4,000 characters of Chinese, percent-encoded — is under 40 KB).
const MAX_FORM: usize = 256 * 1024;

/// `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy` and the CSP on every response
/// (a handler's own stricter value, e.g. `Referrer-Policy: no-referrer`, is kept). A configured
/// map tile host is added to the CSP's `img-src`, and nowhere else (`[map]`).
pub async fn security_headers(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let csp = match s.config.map.tile_source() {
        None => HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        Some(_) => HeaderValue::from_str(&s.config.map.content_security_policy())
            .unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
    };
    let h = resp.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    resp
}

/// `+` and `%XX` decoded (a malformed escape kept as written, as form parsers do).
fn form_decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Whether form-encoded text decodes to UTF-8 (parsers would silently put U+FFFD instead).
pub fn form_is_utf8(raw: &[u8]) -> bool {
    std::str::from_utf8(&form_decode(raw)).is_ok()
}

fn bad_encoding(path: &str) -> Response {
    refuse(path, "提交的内容含有无效的字符编码（须为 UTF-8），请检查后重试")
}

/// PostgreSQL refuses NUL in text, and no field has a use for it (item 13).
fn bad_nul(path: &str) -> Response {
    refuse(path, "提交的内容含有空字符（NUL），已拒绝")
}

/// A 400 in the shape of the path's audience: API JSON, Open311, or a page.
fn refuse(path: &str, message: &str) -> Response {
    if path.starts_with("/api/") {
        ApiError::new(StatusCode::BAD_REQUEST, Code::BadEncoding, message).into_response()
    } else if path.starts_with("/open311") {
        let f = if path.ends_with(".json") { Format::Json } else { Format::Xml };
        Open311Error::bad_request(f, message).into_response()
    } else {
        crate::ui::error::error_page(StatusCode::BAD_REQUEST, &format!("{message}。"))
    }
}

/// Refuses query strings and url-encoded bodies that are not UTF-8 once decoded (item 13).
pub async fn strict_forms(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.uri().query().is_some_and(|q| !form_is_utf8(q.as_bytes())) {
        return bad_encoding(&path);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_FORM).await {
        Ok(b) => b,
        Err(_) => {
            let message = "提交的表单过大或未能完整接收";
            return if path.starts_with("/api/") {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::TooLarge, message).into_response()
            } else {
                crate::ui::error::error_page(StatusCode::PAYLOAD_TOO_LARGE, &format!("{message}。"))
            };
        }
    };
    if !form_is_utf8(&bytes) {
        return bad_encoding(&path);
    }
    if form_decode(&bytes).contains(&0) {
        return bad_nul(&path);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The first `` `name` `` after "field" in a serde message: the field at fault.
fn field_of(text: &str) -> Option<String> {
    let at = text.find("field `")? + "field `".len();
    let name = text[at..].split('`').next()?;
    (!name.is_empty() && name.len() <= 64).then(|| name.to_string())
}

/// "line 3 column 7" → "（第 3 行第 7 列）".
fn position_of(text: &str) -> String {
    let Some(at) = text.rfind(" at line ") else {
        return String::new();
    };
    let mut words = text[at + 9..].split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(line), Some("column"), Some(col)) => format!("（第 {line} 行第 {col} 列）"),
        _ => String::new(),
    }
}

/// Our JSON error for one of the framework's plain rejections.
pub fn rejection_to_api_error(status: StatusCode, text: &str) -> ApiError {
    let (status, code, message) = if text.starts_with("Expected request with `Content-Type: application/json`") {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType,
            "请求体须为 JSON（Content-Type: application/json）".to_string(),
        )
    } else if text.starts_with("Failed to parse the request body as JSON") {
        let message = if text.contains("EOF while parsing") && text.contains("line 1 column 0") {
            "缺少请求体：须为 JSON".to_string()
        } else {
            format!("请求体不是有效的 JSON{}", position_of(text))
        };
        (StatusCode::BAD_REQUEST, Code::BadJson, message)
    } else if text.starts_with("Failed to deserialize the JSON body") {
        let message = match field_of(text) {
            Some(f) if text.contains("missing field") => format!("缺少字段 {f}"),
            Some(f) if text.contains("unknown field") => format!("不认识的字段 {f}"),
            Some(f) => format!("字段 {f} 的值类型或格式有误"),
            None => format!("请求体 JSON 的字段类型或格式有误{}", position_of(text)),
        };
        // 400 like every other unreadable body (the API's 422 means a rule refused the values).
        (StatusCode::BAD_REQUEST, Code::BadJson, message)
    } else if text.starts_with("Failed to deserialize query string") {
        (StatusCode::BAD_REQUEST, Code::BadQuery, "查询参数有误：请检查参数名称和取值".to_string())
    } else if text.starts_with("Invalid URL") || text.starts_with("Wrong number of path arguments") {
        (StatusCode::BAD_REQUEST, Code::BadPath, "路径参数有误：请检查地址中的编号或代码".to_string())
    } else if text.starts_with("Form requests must have") {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType,
            "请求体须为表单（Content-Type: application/x-www-form-urlencoded）".to_string(),
        )
    } else if text.starts_with("Failed to deserialize form") {
        (StatusCode::UNPROCESSABLE_ENTITY, Code::Invalid, "表单字段有误".to_string())
    } else if status == StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit exceeded") {
        (StatusCode::PAYLOAD_TOO_LARGE, Code::TooLarge, "请求体过大".to_string())
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        (status, Code::MethodNotAllowed, "该接口不支持此请求方法".to_string())
    } else if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        (status, Code::UnsupportedMediaType, "不支持的请求体类型（Content-Type）".to_string())
    } else if status == StatusCode::NOT_FOUND {
        (status, Code::NotFound, "接口不存在".to_string())
    } else if status.is_server_error() {
        return ApiError::internal();
    } else {
        (status, Code::BadRequest, "请求格式有误".to_string())
    };
    let mut e = ApiError::new(status, code, message);
    if text.starts_with("Failed to deserialize the JSON body") || text.starts_with("Failed to deserialize query") {
        e.field = field_of(text);
    }
    e
}

/// Rewrites every non-JSON error answer under `/api/` into the JSON error shape.
pub async fn api_errors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let text = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    if status.is_server_error() {
        tracing::error!(%status, body = %text, "plain-text server error under /api/");
    }
    let mut out = rejection_to_api_error(status, &text).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_must_decode_to_utf8() {
        assert!(form_is_utf8(b"name=%E5%BC%A0%E4%B8%89&x=a+b"));
        assert!(form_is_utf8(b"pct=100%&y=%zz"), "malformed escapes are kept as text");
        assert!(!form_is_utf8(b"name=%FF%FE"));
        assert!(!form_is_utf8(b"name=%E5%BC"), "a truncated sequence");
        assert!(!form_is_utf8(b"n\xffame=x"), "raw bytes too");
    }

    #[test]
    fn serde_messages_name_the_field() {
        let e = rejection_to_api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize the JSON body into the target type: missing field `username` at line 1 column 2",
        );
        assert_eq!((e.status, e.code, e.field.as_deref()), (StatusCode::BAD_REQUEST, Code::BadJson, Some("username")));
        assert_eq!(e.message, "缺少字段 username");
    }
}
