//! The one web error model: a stable [`Code`] shared by the JSON API ([`ApiError`], rendered as
//! `{"error":{"code","message","field"}}`) and the error pages (`crate::ui::PageError`), a
//! Chinese message and optionally the field at fault. Server faults are opaque to the client
//! (details go to the log).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongxin_store::StoreError;

/// Every error code a client can see; [`Code::as_str`] is the wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The request is malformed.
    BadRequest,
    /// A body or part is not valid UTF-8.
    BadEncoding,
    /// The JSON body does not parse or has the wrong shape.
    BadJson,
    /// The query string does not parse.
    BadQuery,
    /// A path parameter does not parse.
    BadPath,
    /// The body's `Content-Type` is not accepted here.
    UnsupportedMediaType,
    /// The route exists, not with this method.
    MethodNotAllowed,
    /// A value breaks a rule (with the field at fault where known).
    Invalid,
    /// Not signed in.
    Unauthenticated,
    /// Wrong user name or password.
    BadCredentials,
    /// The API token is unknown, expired or revoked.
    BadToken,
    /// The second-factor code is wrong.
    BadTotp,
    /// The second-factor code is missing.
    TotpRequired,
    /// The session still owes its second factor.
    SecondFactorRequired,
    /// Signed in, not allowed.
    Forbidden,
    /// The CSRF token did not match.
    Csrf,
    /// An API token cannot create API tokens.
    TokenCannotMint,
    /// No such record, or not in the caller's scope.
    NotFound,
    /// A stale version or a duplicate.
    Conflict,
    /// The case's rules refuse this step now.
    TransitionRefused,
    /// The body or a part is over its limit.
    TooLarge,
    /// Too many attempts; retry later.
    Throttled,
    /// A file was refused whole (details name each row).
    ImportRejected,
    /// An export could not be produced.
    ExportFailed,
    /// The write queue is full; retry later.
    Busy,
    /// The database cannot be reached (an outage, not a bug).
    Unavailable,
    /// A fault on our side (details are in the log only).
    Internal,
}

impl Code {
    /// The code as clients read it, e.g. `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRequest => "bad_request",
            Code::BadEncoding => "bad_encoding",
            Code::BadJson => "bad_json",
            Code::BadQuery => "bad_query",
            Code::BadPath => "bad_path",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Invalid => "invalid",
            Code::Unauthenticated => "unauthenticated",
            Code::BadCredentials => "bad_credentials",
            Code::BadToken => "bad_token",
            Code::BadTotp => "bad_totp",
            Code::TotpRequired => "totp_required",
            Code::SecondFactorRequired => "second_factor_required",
            Code::Forbidden => "forbidden",
            Code::Csrf => "csrf",
            Code::TokenCannotMint => "token_cannot_mint",
            Code::NotFound => "not_found",
            Code::Conflict => "conflict",
            Code::TransitionRefused => "transition_refused",
            Code::TooLarge => "too_large",
            Code::Throttled => "throttled",
            Code::ImportRejected => "import_rejected",
            Code::ExportFailed => "export_failed",
            Code::Busy => "busy",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    pub message: String,
    pub field: Option<String>,
    /// Structured detail, e.g. every rejected row of an import.
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: Code, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), field: None, details: None }
    }

    pub fn with_field(mut self, field: &str) -> ApiError {
        self.field = Some(field.to_string());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, Code::BadRequest, message)
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::Invalid, message).with_field(field)
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, Code::Unauthenticated, "请先登录")
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden, "无权进行此操作")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, Code::NotFound, "记录不存在或不在您的管辖范围内")
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal, "服务器内部错误，请稍后重试")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, Code::Conflict, m),
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::Invalid, m),
            StoreError::Unavailable(detail) => {
                tracing::error!(%detail, "storage unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::Unavailable, "数据库暂不可用，请稍后重试")
            }
            // A bug or a corrupt row: the detail and its source go to the log, the client gets an opaque 500.
            StoreError::Internal(cause) => {
                tracing::error!(detail = %cause, source = ?cause.driver_error(), "storage error");
                ApiError::internal()
            }
        }
    }
}

impl From<tongxin_app::AppError> for ApiError {
    fn from(e: tongxin_app::AppError) -> ApiError {
        match e {
            tongxin_app::AppError::Invalid { field, message } => ApiError::invalid(field, message),
            tongxin_app::AppError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code.as_str(),
                message: &self.message,
                field: self.field.as_deref(),
                details: self.details.as_ref(),
            },
        };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
