//! Party organisations and members, departments.

use super::extract::Q;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use tongxin_domain::access::Action;
use tongxin_store::party::{Department, PartyMember, PartyOrg};
use tongxin_store::{Page, Paged};

#[derive(Deserialize)]
pub struct OrgParams {
    pub within: Option<String>,
}

/// `GET /api/v1/party/orgs`: organisations bound to regions in scope, tree order.
pub async fn orgs(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<OrgParams>,
) -> ApiResult<Json<Vec<PartyOrg>>> {
    caller.require(Action::ReadParty)?;
    Ok(Json(
        s.store
            .party_orgs(&caller.user.scope, p.within.as_deref())
            .await?,
    ))
}

/// `GET /api/v1/party/orgs/{id}`
pub async fn org(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PartyOrg>> {
    caller.require(Action::ReadParty)?;
    Ok(Json(s.store.party_org(&caller.user.scope, id).await?))
}

#[derive(Deserialize)]
pub struct MemberParams {
    pub org: Option<i64>,
    pub within: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// `GET /api/v1/party/members`
pub async fn members(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<MemberParams>,
) -> ApiResult<Json<Paged<PartyMember>>> {
    caller.require(Action::ReadParty)?;
    Ok(Json(
        s.store
            .party_members(
                &caller.user.scope,
                p.org,
                p.within.as_deref(),
                Page::new(p.page, p.per_page),
            )
            .await?,
    ))
}

/// `GET /api/v1/departments`
pub async fn departments(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Department>>> {
    caller.require(Action::ReadDepartments)?;
    Ok(Json(s.store.departments(&caller.user.scope).await?))
}

/// `GET /api/v1/departments/{id}`
pub async fn department(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Department>> {
    caller.require(Action::ReadDepartments)?;
    let d = s.store.department(id).await?;
    // Departments serve a whole street: visible to anyone whose scope lies in that street.
    let prefix = caller.user.scope.places_prefix();
    let visible = if prefix.len() >= 9 {
        d.street_code == prefix[..9]
    } else {
        d.street_code.starts_with(prefix)
    };
    if visible {
        Ok(Json(d))
    } else {
        Err(crate::error::ApiError::not_found())
    }
}
