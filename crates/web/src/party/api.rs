//! Party organisations and members, departments.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Q;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use tongxin_domain::kernel::access::Action;
use tongxin_store::party::{Department, PartyMember, PartyOrg};
use tongxin_store::{Page, Paged};

#[derive(Deserialize)]
pub struct OrgParams {
    pub within: Option<String>,
}

#[derive(Serialize)]
pub struct OrgNode {
    #[serde(flatten)]
    pub org: PartyOrg,
    pub children: Vec<OrgNode>,
}

/// Nests organisations under their parents; one whose parent lies outside the list is a root.
fn nest(orgs: Vec<PartyOrg>) -> Vec<OrgNode> {
    let ids: HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let mut children: HashMap<i64, Vec<PartyOrg>> = HashMap::new();
    let mut roots = Vec::new();
    for o in orgs {
        match o.parent_id.filter(|p| ids.contains(p)) {
            Some(p) => children.entry(p).or_default().push(o),
            None => roots.push(o),
        }
    }
    fn build(o: PartyOrg, children: &mut HashMap<i64, Vec<PartyOrg>>) -> OrgNode {
        let kids = children.remove(&o.id).unwrap_or_default();
        OrgNode { children: kids.into_iter().map(|k| build(k, children)).collect(), org: o }
    }
    roots.into_iter().map(|o| build(o, &mut children)).collect()
}

/// `GET /api/v1/party/orgs?within=`: the organisation tree bound to regions in scope.
pub async fn orgs(State(s): State<AppState>, caller: Caller, Q(p): Q<OrgParams>) -> ApiResult<Json<Vec<OrgNode>>> {
    caller.require(Action::ReadParty)?;
    Ok(Json(nest(s.store.party().orgs(&caller.user.scope, p.within.as_deref()).await?)))
}

/// `GET /api/v1/party/orgs/{id}`
pub async fn org(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<PartyOrg>> {
    caller.require(Action::ReadParty)?;
    Ok(Json(s.store.party().org(&caller.user.scope, id).await?))
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
        s.store.party().members(&caller.user.scope, p.org, p.within.as_deref(), Page::new(p.page, p.per_page)).await?,
    ))
}

/// `GET /api/v1/departments`
pub async fn departments(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Department>>> {
    caller.require(Action::ReadDepartments)?;
    Ok(Json(s.store.departments().list(&caller.user.scope).await?))
}

/// `GET /api/v1/departments/{id}`
pub async fn department(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Department>> {
    caller.require(Action::ReadDepartments)?;
    let d = s.store.departments().get(id).await?;
    // Departments serve a whole street: visible to anyone whose scope lies in that street.
    let prefix = caller.user.scope.places_prefix();
    let visible = if prefix.len() >= 9 { d.street_code == prefix[..9] } else { d.street_code.starts_with(prefix) };
    if visible { Ok(Json(d)) } else { Err(crate::error::ApiError::not_found()) }
}
