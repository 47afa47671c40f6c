//! Regions, grids, point location, buildings and households.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Q;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tongxin_app::locator::BUILDING_RADIUS_M;
use tongxin_domain::kernel::access::Action;
use tongxin_domain::places::LngLat;
use tongxin_store::places::{Building, Household};
use tongxin_store::regions::Region;
use tongxin_store::{Page, Paged};

#[derive(Serialize)]
pub struct RegionNode {
    #[serde(flatten)]
    pub region: Region,
    pub children: Vec<RegionNode>,
}

/// Nests a code-ordered list: each region's parent precedes it.
fn nest(regions: Vec<Region>) -> Vec<RegionNode> {
    fn insert(nodes: &mut Vec<RegionNode>, r: Region) {
        let parent = r.parent_code.clone();
        if let Some(last) = nodes.last_mut()
            && parent.as_deref().is_some_and(|p| p.starts_with(&last.region.code))
        {
            return insert(&mut last.children, r);
        }
        nodes.push(RegionNode { region: r, children: Vec::new() });
    }
    let mut roots = Vec::new();
    for r in regions {
        insert(&mut roots, r);
    }
    roots
}

#[derive(Deserialize)]
pub struct TreeParams {
    #[serde(default)]
    pub include_grids: bool,
}

/// `GET /api/v1/regions`: the region tree within the caller's scope.
pub async fn tree(State(s): State<AppState>, caller: Caller, Q(p): Q<TreeParams>) -> ApiResult<Json<Vec<RegionNode>>> {
    caller.require(Action::ReadPlaces)?;
    Ok(Json(nest(s.store.regions().in_scope(&caller.user.scope, p.include_grids).await?)))
}

/// `GET /api/v1/regions/{code}`: one region and its children.
pub async fn region(State(s): State<AppState>, caller: Caller, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadPlaces)?;
    let region = s.store.regions().get(&caller.user.scope, &code).await?;
    let children = s.store.regions().children(&caller.user.scope, &code).await?;
    Ok(Json(json!({ "region": region, "children": children })))
}

#[derive(Deserialize)]
pub struct GridParams {
    pub within: Option<String>,
}

fn feature(code: &str, name: &str, parent: Option<&str>, geometry: Option<&str>) -> Value {
    let geometry: Value = geometry.and_then(|g| serde_json::from_str(g).ok()).unwrap_or(Value::Null);
    json!({ "type": "Feature", "id": code, "geometry": geometry,
            "properties": { "code": code, "name": name, "community_code": parent } })
}

/// `GET /api/v1/grids`: grids in scope as a GeoJSON FeatureCollection.
pub async fn grids(State(s): State<AppState>, caller: Caller, Q(p): Q<GridParams>) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadPlaces)?;
    let prefix = scoped_prefix(caller.user.scope.places_prefix(), p.within.as_deref())?;
    let shapes = s.store.regions().shapes(&prefix, "grid").await?;
    let features: Vec<Value> =
        shapes.iter().map(|g| feature(&g.code, &g.name, g.parent_code.as_deref(), g.geometry.as_deref())).collect();
    Ok(Json(json!({ "type": "FeatureCollection", "features": features })))
}

/// `GET /api/v1/grids/{code}`: one grid as a GeoJSON Feature.
pub async fn grid(State(s): State<AppState>, caller: Caller, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadPlaces)?;
    let region = s.store.regions().get(&caller.user.scope, &code).await?;
    if region.level != "grid" {
        return Err(ApiError::not_found());
    }
    let shape = s.store.regions().shape(&code).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(feature(&shape.code, &shape.name, shape.parent_code.as_deref(), shape.geometry.as_deref())))
}

/// `GET /api/v1/grids/{code}/team`: the 多网合一 team.
pub async fn team(State(s): State<AppState>, caller: Caller, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadPlaces)?;
    Ok(Json(json!({ "grid_code": code, "members": s.store.party().grid_team(&caller.user.scope, &code).await? })))
}

/// A narrower prefix inside the scope, or 404 when it lies outside.
pub fn scoped_prefix(scope_prefix: &str, within: Option<&str>) -> ApiResult<String> {
    match within {
        None => Ok(scope_prefix.to_string()),
        Some(w) if w.starts_with(scope_prefix) => Ok(w.to_string()),
        Some(_) => Err(ApiError::not_found()),
    }
}

#[derive(Deserialize)]
pub struct LocateParams {
    pub lat: f64,
    pub lng: f64,
}

/// `GET /api/v1/locate?lat=&lng=`: the grid containing a point and the building at it.
pub async fn locate(State(s): State<AppState>, caller: Caller, Q(p): Q<LocateParams>) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadPlaces)?;
    if !(-90.0..=90.0).contains(&p.lat) || !p.lat.is_finite() {
        return Err(ApiError::invalid("lat", "纬度应在 -90 到 90 之间"));
    }
    if !(-180.0..=180.0).contains(&p.lng) || !p.lng.is_finite() {
        return Err(ApiError::invalid("lng", "经度应在 -180 到 180 之间"));
    }
    let located = s.locator.get(&s.store).await?;
    let point = LngLat { x: p.lng, y: p.lat };
    let grid =
        located.grids.locate(point).map(|i| &located.info[i]).filter(|g| caller.user.scope.covers_place(&g.code));
    let building = match (grid, located.buildings.nearest_within(point, BUILDING_RADIUS_M)) {
        (Some(_), Some((id, metres))) => match s.store.places().building(&caller.user.scope, id).await {
            Ok(b) => Some(
                json!({ "id": b.id, "name": b.name, "address": b.address, "distance_m": (metres * 10.0).round() / 10.0 }),
            ),
            Err(_) => None,
        },
        _ => None,
    };
    Ok(Json(json!({
        "grid": grid.map(|g| json!({ "code": g.code, "name": g.name, "community_code": g.community_code })),
        "building": building,
    })))
}

#[derive(Deserialize)]
pub struct BuildingParams {
    pub grid: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// `GET /api/v1/buildings`
pub async fn buildings(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<BuildingParams>,
) -> ApiResult<Json<Paged<Building>>> {
    caller.require(Action::ReadPlaces)?;
    Ok(Json(s.store.places().buildings(&caller.user.scope, p.grid.as_deref(), Page::new(p.page, p.per_page)).await?))
}

/// `GET /api/v1/buildings/{id}`
pub async fn building(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Building>> {
    caller.require(Action::ReadPlaces)?;
    Ok(Json(s.store.places().building(&caller.user.scope, id).await?))
}

#[derive(Deserialize)]
pub struct HouseholdParams {
    pub building: Option<i64>,
    pub grid: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// `GET /api/v1/households`: people data, so the residents permission applies.
pub async fn households(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<HouseholdParams>,
) -> ApiResult<Json<Paged<Household>>> {
    caller.require(Action::ReadResidents)?;
    Ok(Json(
        s.store
            .places()
            .households(&caller.user.scope, p.building, p.grid.as_deref(), Page::new(p.page, p.per_page))
            .await?,
    ))
}

/// `GET /api/v1/households/{id}`: the household with its members (masked).
pub async fn household(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    caller.require(Action::ReadResidents)?;
    let household = s.store.places().household(&caller.user.scope, id).await?;
    let members = s.store.residents().in_household(&caller.user.scope, id).await?;
    Ok(Json(json!({ "household": household, "members": members })))
}
