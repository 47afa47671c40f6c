//! API tokens (issue 9 item 10): issued by a person in a browser session — never by another
//! token, so a leaked token cannot mint successors — valid for the configured days, listed and
//! revoked by their owner and by admins, and all revoked when the owner's password changes.

use super::{Caller, random_token};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::J;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tongxin_domain::kernel::access::Action;
use tongxin_store::accounts::ApiToken;

#[derive(Deserialize)]
pub struct CreateToken {
    pub name: String,
}

/// `POST /api/v1/tokens`: a token acting as the caller, shown once.
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    J(req): J<CreateToken>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if caller.csrf.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::TokenCannotMint,
            "API 令牌不能用来签发新令牌，请登录后在页面或会话中签发",
        ));
    }
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::invalid("name", "令牌名称不能为空且不超过 60 个字"));
    }
    let token = format!("tx_{}", random_token());
    let expires_at = s.store.now() + s.config.api_token_ttl;
    let id =
        s.store.accounts().create_api_token_until(&caller.actor(), caller.user.id, name, &token, expires_at).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "name": name,
            "token": token,
            "expires_at": expires_at,
            "note": "令牌只显示这一次，请妥善保存；到期或修改密码后失效",
        })),
    ))
}

/// `GET /api/v1/tokens`: the caller's own tokens.
pub async fn list_own(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(s.store.accounts().api_tokens(Some(caller.user.id)).await?))
}

/// `GET /api/v1/users/{id}/tokens`: an account's tokens (admins).
pub async fn list_for_user(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    caller.require(Action::ManageUsers)?;
    Ok(Json(s.store.accounts().api_tokens(Some(id)).await?))
}

/// `DELETE /api/v1/tokens/{id}`: the owner's own token, or any token for admins.
pub async fn revoke(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    if caller.require(Action::ManageUsers).is_ok() {
        s.store.accounts().revoke_any_api_token(&caller.actor(), id).await?;
    } else {
        s.store.accounts().revoke_api_token(&caller.actor(), caller.user.id, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---- pages: the user's own tokens on the password page, an account's on the admin's user page ----

/// One token as a page lists it.
#[derive(Debug, Clone)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub expires: String,
    /// 有效 / 已过期 / 已吊销
    pub state: &'static str,
    pub active: bool,
}

fn shown(t: chrono::DateTime<chrono::Utc>) -> String {
    tongxin_domain::kernel::clock::local_minute(t)
}

/// An account's tokens for a page.
pub async fn views(s: &AppState, user_id: i64) -> Result<Vec<TokenView>, tongxin_store::StoreError> {
    let now = s.store.now();
    Ok(s.store
        .accounts()
        .api_tokens(Some(user_id))
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            created: shown(t.created_at),
            expires: t.expires_at.map(shown).unwrap_or_default(),
            state: if t.revoked_at.is_some() {
                "已吊销"
            } else if t.active_at(now) {
                "有效"
            } else {
                "已过期"
            },
            active: t.active_at(now),
            name: t.name,
        })
        .collect())
}

#[derive(Deserialize)]
pub struct NoFields {}

/// `POST /password/tokens/{id}/revoke`: the signed-in user revokes one of their tokens.
pub async fn revoke_own_form(
    State(s): State<AppState>,
    staff: crate::ui::Staff,
    Path(id): Path<i64>,
    crate::ui::CsrfForm(_): crate::ui::CsrfForm<NoFields>,
) -> crate::ui::PageResult {
    s.store.accounts().revoke_api_token(&staff.actor(), staff.user.id, id).await?;
    Ok(crate::ui::flash::redirect("/password", "ok", "令牌已吊销，使用它的程序将无法再访问"))
}

/// `POST /admin/users/{id}/tokens/{token}/revoke`: an admin revokes an account's token.
pub async fn revoke_for_user_form(
    State(s): State<AppState>,
    staff: crate::ui::Staff,
    Path((user, id)): Path<(i64, i64)>,
    crate::ui::CsrfForm(_): crate::ui::CsrfForm<NoFields>,
) -> crate::ui::PageResult {
    staff.require(Action::ManageUsers)?;
    s.store.accounts().revoke_api_token(&staff.actor(), user, id).await?;
    Ok(crate::ui::flash::redirect(&format!("/admin/users/{user}"), "ok", "令牌已吊销"))
}
