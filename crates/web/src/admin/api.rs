//! Users and the audit log.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{J, Q};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tongxin_app::accounts::password;
use tongxin_domain::kernel::access::{Action, Role};
use tongxin_domain::kernel::audit::AuditRecord;
use tongxin_store::Page;
use tongxin_store::accounts::{NewUser, User};

/// `GET /api/v1/users`
pub async fn users(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<User>>> {
    caller.require(Action::ManageUsers)?;
    Ok(Json(s.store.accounts().users().await?))
}

#[derive(Deserialize)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub scope_region: Option<String>,
    pub scope_department: Option<i64>,
    #[serde(default)]
    pub can_unmask: bool,
}

/// `POST /api/v1/users`
pub async fn create_user(
    State(s): State<AppState>,
    caller: Caller,
    J(req): J<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    caller.require(Action::ManageUsers)?;
    let username = req.username.trim();
    if username.len() < 3
        || username.len() > 32
        || !username.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    {
        return Err(ApiError::invalid("username", "用户名为 3–32 位字母、数字、下划线或点"));
    }
    // Bounded, without control characters (issue 9, item 4).
    let display_name = tongxin_domain::kernel::text::PersonName::new(&req.display_name)
        .map_err(|e| ApiError::invalid("display_name", e.to_string()))?;
    let role = Role::parse(&req.role).ok_or_else(|| ApiError::invalid("role", "未知角色"))?;
    tongxin_domain::accounts::check_password_strength(&req.password).map_err(|m| ApiError::invalid("password", m))?;
    if let Some(code) = &req.scope_region {
        s.store
            .regions()
            .get(&caller.user.scope, code)
            .await
            .map_err(|_| ApiError::invalid("scope_region", "管辖区域不存在"))?;
    }
    if let Some(id) = req.scope_department {
        s.store.departments().get(id).await.map_err(|_| ApiError::invalid("scope_department", "部门不存在"))?;
    }
    let new = NewUser {
        username: username.to_string(),
        display_name: display_name.into_string(),
        password_hash: password::hash(&req.password, s.config.hash_cost),
        role,
        scope_region: req.scope_region,
        scope_department: req.scope_department,
        can_unmask: req.can_unmask,
        totp_secret: None,
    };
    Ok((StatusCode::CREATED, Json(tongxin_app::accounts::create_user(&s.store, &caller.actor(), &new).await?)))
}

// API tokens: crate::auth::tokens (issue 9 item 10).

#[derive(Deserialize)]
pub struct AuditParams {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// `GET /api/v1/audit`
pub async fn audit(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<AuditParams>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    caller.require(Action::ReadAudit)?;
    let entity = p.entity.as_deref().map(|e| (e, p.entity_id.as_deref().unwrap_or("")));
    Ok(Json(s.store.audit().list(entity, Page::new(p.page, p.per_page)).await?))
}

/// `GET /api/v1/audit/verify`
pub async fn audit_verify(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadAudit)?;
    Ok(Json(match s.store.audit().verify().await? {
        Ok(n) => json!({ "ok": true, "verified": n }),
        Err(broken) => json!({ "ok": false, "message": broken.to_string() }),
    }))
}
