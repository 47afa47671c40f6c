//! Residents: search within scope, read (masked), unmask (permission + audit), register, edit.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{J, Q};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tongxin_app::residents::ResidentForm;
use tongxin_domain::kernel::access::Action;
use tongxin_store::residents::{Resident, ResidentPatch, ResidentQuery, SearchRefused, Searcher, Unmasked};
use tongxin_store::{Page, Paged};

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub tag: Option<String>,
    pub grid: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// `GET /api/v1/residents?q=&tag=&grid=&page=&per_page=`
pub async fn search(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<SearchParams>,
) -> ApiResult<Json<Paged<Resident>>> {
    caller.require(Action::ReadResidents)?;
    if p.q.chars().count() > 40 {
        return Err(ApiError::invalid("q", "搜索内容过长"));
    }
    // No NUL or control characters in a search (issue 9, item 13).
    for (field, v) in [("q", Some(p.q.as_str())), ("tag", p.tag.as_deref()), ("grid", p.grid.as_deref())] {
        tongxin_domain::kernel::text::query(field, v.unwrap_or(""))
            .map_err(|e| ApiError::invalid(field, e.to_string()))?;
    }
    let query = ResidentQuery { q: p.q, tag: p.tag.filter(|t| !t.is_empty()), grid: p.grid.filter(|g| !g.is_empty()) };
    let page = Page::new(p.page, p.per_page);
    let actor = caller.actor();
    let who = Searcher { actor: &actor, can_unmask: caller.user.can_unmask };
    s.store.residents().search_as(&caller.user.scope, who, &query, page).await.map(Json).map_err(search_refused)
}

/// A full-number search without the permission is a 403 like the unmask endpoint's; past the
/// hourly limit a 429; a refused digit string names the field.
pub(crate) fn search_refused(e: SearchRefused) -> ApiError {
    match e {
        SearchRefused::NeedsUnmask => ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden, e.to_string()),
        SearchRefused::RateLimited => ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::Throttled, e.to_string()),
        SearchRefused::Store(tongxin_store::StoreError::Invalid(m)) => ApiError::invalid("q", m),
        SearchRefused::Store(e) => e.into(),
    }
}

/// `GET /api/v1/residents/{id}`
pub async fn get(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Resident>> {
    caller.require(Action::ReadResidents)?;
    Ok(Json(s.store.residents().get(&caller.user.scope, id).await?))
}

/// `GET /api/v1/residents/{id}/unmasked`: full ID and phone, for holders of the permission; audited.
pub async fn unmasked(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Unmasked>> {
    caller.require(Action::ReadResidents)?;
    if !caller.user.can_unmask {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden, "您没有查看完整身份证号和手机号的权限"));
    }
    Ok(Json(s.store.residents().get_unmasked(&caller.user.scope, &caller.actor(), id).await?))
}

/// `POST /api/v1/residents` (信息采集)
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    J(req): J<ResidentForm>,
) -> ApiResult<(StatusCode, Json<Resident>)> {
    caller.require(Action::WriteResidents)?;
    let created = tongxin_app::residents::create(&s.store, &caller.user.scope, &caller.actor(), req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
pub struct UpdateResident {
    /// The version the client read; a stale one gets 409.
    pub version: i64,
    #[serde(flatten)]
    pub patch: ResidentPatch,
}

/// `PATCH /api/v1/residents/{id}`
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    J(req): J<UpdateResident>,
) -> ApiResult<Json<Resident>> {
    caller.require(Action::WriteResidents)?;
    Ok(Json(
        tongxin_app::residents::update(&s.store, &caller.user.scope, &caller.actor(), id, req.version, &req.patch)
            .await?,
    ))
}
