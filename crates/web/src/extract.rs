//! Query and JSON extractors whose rejections are our JSON errors in Chinese.

use crate::error::{ApiError, Code};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Q<T>, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Q(q.0))
            .map_err(|e: QueryRejection| crate::middleware::rejection_to_api_error(e.status(), &e.body_text()))
    }
}

pub struct J<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for J<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<J<T>, ApiError> {
        // No `\u0000` in any string (issue 9, item 13): the body is read once, checked, then parsed.
        let (parts, body) = req.into_parts();
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| body_error(e.status()))?;
        if crate::limits::json_has_nul(&bytes) {
            return Err(ApiError::bad_request("请求体含有空字符（\\u0000），已拒绝"));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| J(j.0))
            .map_err(|e: JsonRejection| crate::middleware::rejection_to_api_error(e.status(), &e.body_text()))
    }
}

/// A body that could not be read: too large, or cut off.
pub(crate) fn body_error(status: axum::http::StatusCode) -> ApiError {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, Code::TooLarge, "请求体过大")
    } else {
        ApiError::bad_request("请求体无法读取")
    }
}
