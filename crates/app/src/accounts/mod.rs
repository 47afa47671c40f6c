//! Staff accounts: creating one and changing its access (admin), changing or resetting a
//! password, enrolling a TOTP second factor. The role/scope rule is the domain's, reported on the `scope` field here; the store
//! saves the account with its audit record and ends the sessions a change of role or a
//! deactivation must end.

pub mod password;

use crate::error::AppError;
use password::HashCost;
use serde::Deserialize;
use tongxin_domain::accounts::totp;
use tongxin_domain::accounts::{SCOPE_MISMATCH, access_fits_role, check_password_strength, scope_fits_role};
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

/// A password change as the user submits it (the JSON API and the form).
#[derive(Debug, Clone, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes `user`'s own password: the current one must be right and the new one strong. The
/// store ends every session of the user and audits the change.
pub async fn change_own_password(
    store: &Store,
    user: &User,
    change: &PasswordChange,
    cost: HashCost,
) -> Result<(), AppError> {
    let creds = store.accounts().credentials(&user.username).await?;
    if !password::verify(&change.current_password, &creds.password_hash) {
        return Err(AppError::invalid("current_password", "当前密码不正确"));
    }
    check_password_strength(&change.new_password).map_err(|m| AppError::invalid("new_password", m))?;
    let hash = password::hash(&change.new_password, cost);
    let actor = Actor { user_id: Some(user.id), name: user.username.clone() };
    Ok(store.accounts().set_password(&actor, user.id, &hash).await?)
}

/// An administrator sets someone else's password (their sessions end; audited). Their own
/// password an administrator changes like everyone else, with the current one.
pub async fn reset_password(
    store: &Store,
    admin: &Actor,
    target: &User,
    new_password: &str,
    cost: HashCost,
) -> Result<(), AppError> {
    if admin.user_id == Some(target.id) {
        return Err(AppError::invalid("password", "修改自己的密码请用页面顶部的“修改密码”（须输入当前密码）"));
    }
    check_password_strength(new_password).map_err(|m| AppError::invalid("password", m))?;
    let hash = password::hash(new_password, cost);
    Ok(store.accounts().set_password(admin, target.id, &hash).await?)
}
