//! Errors of page requests, answered as Chinese HTML pages (or a redirect to the login page),
//! never as JSON.

use super::shell::Shell;
use crate::error::{ApiError, Code};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tongxin_store::StoreError;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): to the login page, then back to `next`.
    Login {
        next: String,
        expired: bool,
    },
    /// Signed in, but an admin's second factor is not set up yet.
    SecondFactor,
    Forbidden,
    NotFound,
    /// The form's CSRF token did not match (an old tab, or a forged request).
    Csrf,
    /// Anything the user can correct, shown as is (status 422 or 409).
    User(StatusCode, String),
    Internal,
}

#[derive(Template)]
#[template(path = "ui/error.html")]
struct ErrorPage<'a> {
    shell: Shell,
    /// The same code the JSON API would answer with (`data-code` on the page).
    code: Code,
    heading: &'a str,
    message: &'a str,
    show_login: bool,
}

/// An error page with its status.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::FORBIDDEN => Code::Forbidden,
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::CONFLICT => Code::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => Code::TooLarge,
        StatusCode::UNPROCESSABLE_ENTITY => Code::Invalid,
        s if s.is_server_error() => Code::Internal,
        _ => Code::BadRequest,
    };
    coded_page(status, code, message)
}

fn coded_page(status: StatusCode, code: Code, message: &str) -> Response {
    let heading = match status {
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "页面不存在",
        s if s.is_server_error() => "系统出错了",
        _ => "无法完成操作",
    };
    let page = ErrorPage {
        shell: Shell::public(heading, Vec::new()),
        code,
        heading,
        message,
        show_login: status == StatusCode::FORBIDDEN,
    };
    (status, render(&page)).into_response()
}

impl PageError {
    /// The code this error shares with the JSON API.
    pub fn code(&self) -> Code {
        match self {
            PageError::Login { .. } => Code::Unauthenticated,
            PageError::SecondFactor => Code::SecondFactorRequired,
            PageError::Forbidden => Code::Forbidden,
            PageError::NotFound => Code::NotFound,
            PageError::Csrf => Code::Csrf,
            PageError::User(StatusCode::CONFLICT, _) => Code::Conflict,
            PageError::User(StatusCode::PAYLOAD_TOO_LARGE, _) => Code::TooLarge,
            PageError::User(StatusCode::UNPROCESSABLE_ENTITY, _) => Code::Invalid,
            PageError::User(_, _) => Code::BadRequest,
            PageError::Internal => Code::Internal,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let code = self.code();
        match self {
            PageError::Login { next, expired } => {
                let to = format!("/login?next={}", urlencode(&next));
                if expired {
                    super::flash::redirect(&to, "error", "登录已过期，请重新登录")
                } else {
                    Redirect::to(&to).into_response()
                }
            }
            PageError::SecondFactor => Redirect::to("/").into_response(),
            PageError::Forbidden => coded_page(StatusCode::FORBIDDEN, code, "您的账号无权查看此页面或进行此操作。"),
            PageError::NotFound => coded_page(StatusCode::NOT_FOUND, code, "要找的内容不存在，或不在您的管辖范围内。"),
            PageError::Csrf => {
                coded_page(StatusCode::FORBIDDEN, code, "页面已过期或请求来源不明（CSRF 校验失败），请返回刷新后重试。")
            }
            PageError::User(status, message) => coded_page(status, code, &message),
            PageError::Internal => coded_page(StatusCode::INTERNAL_SERVER_ERROR, code, "服务器内部错误，请稍后重试。"),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        ApiError::from(e).into()
    }
}

impl From<tongxin_app::AppError> for PageError {
    fn from(e: tongxin_app::AppError) -> PageError {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        match e.status {
            StatusCode::UNAUTHORIZED => PageError::Login { next: "/".into(), expired: false },
            StatusCode::FORBIDDEN if e.code == crate::error::Code::Csrf => PageError::Csrf,
            StatusCode::FORBIDDEN => PageError::Forbidden,
            StatusCode::NOT_FOUND => PageError::NotFound,
            s if s.is_server_error() => PageError::Internal,
            s => PageError::User(s, e.message),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> PageError {
        tracing::error!(error = %e, "template failed");
        PageError::Internal
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q[1..].to_string()).unwrap_or_default()
}

/// Only a path on this site in safe characters is a place to return to (issue 9 item 7).
pub fn local_path(next: &str) -> &str {
    crate::auth::next::next_or_start(next)
}

/// The 404 page for paths no route knows.
pub fn not_found() -> Response {
    PageError::NotFound.into_response()
}

/// Renders a template or the 500 page.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}
