//! Enrolling a TOTP second factor. Admins must have one: until they enrol, their session is
//! limited to these endpoints.

use super::PendingCaller;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::J;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tongxin_app::accounts::TotpEnrolment;
use tongxin_domain::accounts::totp;

/// `POST /api/v1/auth/totp/setup`: a fresh secret for the user's authenticator app. Nothing is
/// stored until `enable` proves the app produces codes for it.
pub async fn setup(caller: PendingCaller) -> ApiResult<Json<serde_json::Value>> {
    refuse_silent_replacement(&caller)?;
    let mut secret = [0u8; 20];
    rand::fill(&mut secret);
    Ok(Json(serde_json::json!({
        "secret": totp::encode_secret(&secret),
        "otpauth_uri": totp::otpauth_uri("同心", &caller.user.username, &secret),
    })))
}

/// `POST /api/v1/auth/totp/enable`
pub async fn enable(
    State(state): State<AppState>,
    caller: PendingCaller,
    J(req): J<TotpEnrolment>,
) -> ApiResult<StatusCode> {
    refuse_silent_replacement(&caller)?;
    tongxin_app::accounts::enable_totp(&state.store, &caller.user, &caller.token, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A session that has not passed an existing second factor may not replace it.
fn refuse_silent_replacement(caller: &PendingCaller) -> ApiResult<()> {
    if caller.user.totp_enabled && !caller.second_factor_ok {
        return Err(ApiError::forbidden());
    }
    Ok(())
}
