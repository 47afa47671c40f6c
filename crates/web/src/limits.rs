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

/// Per-part limits of a multipart form (issue 9, item 3): each part is read chunk by chunk and
/// refused as soon as it passes its limit, so no part is held whole before it is known to fit.
#[derive(Debug, Clone, Copy)]
pub struct PartLimits {
    /// The name of the file parts (photos).
    pub file_field: &'static str,
    pub max_file_bytes: usize,
    pub max_files: usize,
    /// Any other part (a text field).
    pub max_text_bytes: usize,
    /// Parts of any kind, empty file parts included.
    pub max_parts: usize,
}

/// What a multipart form held.
#[derive(Debug, Default)]
pub struct FormParts {
    /// Text fields in order (later duplicates are kept; readers take what they need).
    pub texts: Vec<(String, String)>,
    /// Non-empty file parts of [`PartLimits::file_field`].
    pub files: Vec<Vec<u8>>,
}

/// Why a multipart form was refused, in Chinese.
#[derive(Debug)]
pub enum PartError {
    /// 413: a part, the number of parts or of files, or the whole body is too large.
    TooLarge(String),
    /// 400: not a readable multipart form (bad boundary, cut off, a text part not UTF-8).
    Bad(String),
}

pub async fn read_parts(mut m: axum::extract::Multipart, limits: PartLimits) -> Result<FormParts, PartError> {
    use axum::http::StatusCode;
    let cut = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PartError::TooLarge("提交的内容过大".into())
        } else {
            PartError::Bad("表单（multipart/form-data）无法读取".into())
        }
    };
    let mut out = FormParts::default();
    let mut parts = 0usize;
    while let Some(mut field) = m.next_field().await.map_err(cut)? {
        parts += 1;
        if parts > limits.max_parts {
            return Err(PartError::TooLarge(format!("表单的部分过多（最多 {} 个）", limits.max_parts)));
        }
        let name = field.name().unwrap_or("").to_string();
        let is_file = name == limits.file_field;
        let max = if is_file { limits.max_file_bytes } else { limits.max_text_bytes };
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(cut)? {
            if bytes.len() + chunk.len() > max {
                return Err(PartError::TooLarge(if is_file {
                    format!("照片每张不超过 {} MB", limits.max_file_bytes / 1024 / 1024)
                } else {
                    format!("字段 {} 过长（不超过 {} KB）", crate::limits::shown_name(&name), max / 1024)
                }));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            // A file input left empty still sends a part without content.
            if bytes.is_empty() {
                continue;
            }
            if out.files.len() == limits.max_files {
                return Err(PartError::TooLarge(format!("照片最多 {} 张", limits.max_files)));
            }
            out.files.push(bytes);
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| PartError::Bad(format!("字段 {} 不是 UTF-8 文本", shown_name(&name))))?;
            out.texts.push((name, text));
        }
    }
    Ok(out)
}

/// A field name as quoted in a message: short, printable.
fn shown_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(30).collect()
}
