//! Staff accounts: creating one and changing its access (admin), enrolling a TOTP second
//! factor. The role/scope rule is the domain's, reported on the `scope` field here; the store
//! saves the account with its audit record and ends the sessions a change of role or a
//! deactivation must end.

use crate::error::AppError;
use serde::Deserialize;
use tongxin_domain::accounts::totp;
use tongxin_domain::accounts::{SCOPE_MISMATCH, access_fits_role, scope_fits_role};
use tongxin_store::accounts::{NewUser, User, UserAccess};
use tongxin_store::{Actor, Store};

pub async fn create_user(store: &Store, actor: &Actor, new: &NewUser) -> Result<User, AppError> {
    if !scope_fits_role(new.role, new.scope_region.as_deref(), new.scope_department) {
        return Err(AppError::invalid("scope", SCOPE_MISMATCH));
    }
    Ok(store.accounts().create_user(actor, new).await?)
}

pub async fn update_access(store: &Store, actor: &Actor, id: i64, access: &UserAccess) -> Result<User, AppError> {
    if !access_fits_role(access.role, access.scope_region.as_deref(), access.scope_department) {
        return Err(AppError::invalid("scope", SCOPE_MISMATCH));
    }
    Ok(store.accounts().update_access(actor, id, access).await?)
}

/// A TOTP enrolment as the user submits it.
#[derive(Debug, Clone, Deserialize)]
pub struct TotpEnrolment {
    /// The new secret, base32, as `setup` gave it.
    pub secret: String,
    /// A code of the new secret, proving the authenticator app has it.
    pub code: String,
    /// A code of the secret being replaced: required when one is set (issue 9 item 14), so a
    /// stolen session alone cannot move the second factor to an attacker's phone.
    #[serde(default)]
    pub current_code: Option<String>,
}

/// Enrols (or replaces) `user`'s second factor and marks `session_token`'s session as having
/// passed it. A replacement first spends a fresh code of the current secret.
pub async fn enable_totp(store: &Store, user: &User, session_token: &str, req: &TotpEnrolment) -> Result<(), AppError> {
    let now = store.now().timestamp();
    if user.totp_enabled {
        let creds = store.accounts().credentials(&user.username).await?;
        let current = req.current_code.as_deref().map(str::trim).unwrap_or("");
        let step = match (&creds.totp_secret, current.is_empty()) {
            (Some(old), false) => totp::verify(old, current, now, creds.totp_last_step),
            _ => None,
        };
        let fresh = match step {
            Some(step) => store.accounts().use_totp_step(user.id, step).await?,
            None => false,
        };
        if !fresh {
            return Err(AppError::invalid(
                "current_code",
                "更换动态验证码密钥须先输入当前验证器上的验证码（错误或已使用）",
            ));
        }
    }
    let secret = totp::decode_secret(&req.secret)
        .filter(|s| s.len() >= 16)
        .ok_or_else(|| AppError::invalid("secret", "密钥格式错误"))?;
    let step = totp::verify(&secret, &req.code, now, None)
        .ok_or_else(|| AppError::invalid("code", "动态验证码错误，请核对手机时间后重试"))?;
    let actor = Actor { user_id: Some(user.id), name: user.username.clone() };
    Ok(store.accounts().enable_totp(&actor, user.id, &secret, step, session_token).await?)
}
