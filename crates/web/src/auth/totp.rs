//! Enrolling a TOTP second factor. Admins must have one: until they enrol, their session is
//! limited to these endpoints.

use super::PendingCaller;
use crate::AppState;
use crate::api::extract::J;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tongxin_domain::totp;
use tongxin_store::Actor;

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

#[derive(Deserialize)]
pub struct Enable {
    pub secret: String,
    pub code: String,
    /// A code of the secret being replaced: required when one is set (issue 9 item 14), so a
    /// stolen session alone cannot move the second factor to an attacker's phone.
    #[serde(default)]
    pub current_code: Option<String>,
}

/// `POST /api/v1/auth/totp/enable`
pub async fn enable(State(state): State<AppState>, caller: PendingCaller, J(req): J<Enable>) -> ApiResult<StatusCode> {
    refuse_silent_replacement(&caller)?;
    let store = &state.store;
    if caller.user.totp_enabled {
        let creds = store.accounts().credentials(&caller.user.username).await?;
        let current = req.current_code.as_deref().map(str::trim).unwrap_or("");
        let step = match (&creds.totp_secret, current.is_empty()) {
            (_, true) => None,
            (Some(old), false) => totp::verify(old, current, store.now().timestamp(), creds.totp_last_step),
            (None, false) => None,
        };
        let fresh = match step {
            Some(step) => store.accounts().use_totp_step(caller.user.id, step).await?,
            None => false,
        };
        if !fresh {
            return Err(ApiError::invalid(
                "current_code",
                "更换动态验证码密钥须先输入当前验证器上的验证码（错误或已使用）",
            ));
        }
    }
    let secret = totp::decode_secret(&req.secret)
        .filter(|s| s.len() >= 16)
        .ok_or_else(|| ApiError::invalid("secret", "密钥格式错误"))?;
    let step = totp::verify(&secret, &req.code, store.now().timestamp(), None)
        .ok_or_else(|| ApiError::invalid("code", "动态验证码错误，请核对手机时间后重试"))?;
    let actor = Actor { user_id: Some(caller.user.id), name: caller.user.username.clone() };
    store.accounts().set_totp_secret(&actor, caller.user.id, &secret).await?;
    store.accounts().use_totp_step(caller.user.id, step).await?;
    store.accounts().confirm_second_factor(&caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A session that has not passed an existing second factor may not replace it.
fn refuse_silent_replacement(caller: &PendingCaller) -> ApiResult<()> {
    if caller.user.totp_enabled && !caller.second_factor_ok {
        return Err(ApiError::forbidden());
    }
    Ok(())
}
