//! The interactive map's layers as GeoJSON, for `static/map.js`: the areas of a map (grids, or
//! streets when the area is wider than one street) with their fill, note and label point, the
//! buildings, and case markers. Staff read their own scope (`/map/layers.json?area=`, the same
//! areas, counts and overdue cases as the `/map` and `/dashboard` pages); residents read a
//! street's grids and buildings (`/report/map.json?s=`), which the report form already shows
//! without JavaScript.

use crate::AppState;
use crate::dashboard::pages::{area_counts, area_of, open_counts};
use crate::routes::{RouteSpec, public, r};
use crate::ui::map::{MapArea, label_point};
use crate::ui::{PageError, PageResult, Staff};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use serde_json::{Value, json};
use tongxin_domain::kernel::access::Action;
use tongxin_store::Page;
use tongxin_store::cases::read::QueueFilter;
use tongxin_store::places::Building;

/// Buildings on one map at most (a street has a few hundred).
const MAX_BUILDINGS: i64 = 3_000;
/// Case markers on one map (the first page of the queue, by deadline).
const MAX_CASES: u32 = 100;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/map/layers.json", get(staff_layers)), public("GET", "/report/map.json", get(report_layers))]
}

#[derive(Debug, Default, Deserialize)]
pub struct StaffParams {
    /// A region code within the caller's scope.
    pub area: Option<String>,
    /// `1`: the buildings too (within one street at most).
    pub buildings: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    /// The street whose grids the form shows.
    pub s: Option<String>,
}

fn area_feature(a: &MapArea) -> Value {
    let geometry: Value = serde_json::from_str(&a.geometry).unwrap_or(Value::Null);
    let label = label_point(&a.geometry).map(|(lng, lat)| json!([lng, lat]));
    json!({ "type": "Feature", "geometry": geometry,
            "properties": { "kind": "area", "code": a.code, "name": a.name, "note": a.note, "fill": a.fill, "label": label } })
}

fn building_feature(b: &Building) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [b.lng, b.lat] },
            "properties": { "kind": "building", "name": b.name } })
}

fn collection(features: Vec<Value>, cache: &'static str) -> Response {
    let body = json!({ "type": "FeatureCollection", "features": features });
    ([(header::CACHE_CONTROL, cache)], axum::Json(body)).into_response()
}

/// `GET /map/layers.json?area=&buildings=1`: what the caller's map shows, within scope (404
/// for an area outside it; the roles that read cases).
pub async fn staff_layers(
    State(s): State<AppState>,
    staff: Staff,
    Query(p): Query<StaffParams>,
) -> PageResult<Response> {
    staff.require(Action::ReadCases)?;
    let area = area_of(&staff, p.area.as_deref())?;
    let counts = open_counts(&s.store, &area).await?;
    let (_, areas, _) = area_counts(&s.store, &area, &counts, |_| None).await?;
    let mut features: Vec<Value> = areas.iter().map(area_feature).collect();
    if area.len() >= 9 && p.buildings.as_deref() == Some("1") {
        features.extend(s.store.places().in_area(&area, MAX_BUILDINGS).await?.iter().map(building_feature));
    }
    // A grid's map shows every open case of the grid; wider maps their overdue cases.
    let grid = area.len() >= 15;
    let filter = QueueFilter { open_only: true, overdue: (!grid).then_some(true), ..QueueFilter::default() };
    let cases = s.store.cases().queue(&area.scope, &filter, Page::new(Some(1), Some(MAX_CASES))).await?;
    for c in &cases.items {
        let (Some(lng), Some(lat)) = (c.lng, c.lat) else { continue };
        let overdue = c.overdue;
        features.push(json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lng, lat] },
            "properties": { "kind": if overdue { "overdue" } else { "case" },
                            "name": format!("{} {}{}", c.code, c.title, if overdue { "（已超期）" } else { "" }),
                            "href": format!("/cases/{}", c.id) } }));
    }
    Ok(collection(features, "private, max-age=60"))
}

/// `GET /report/map.json?s=STREET`: the street's grids and buildings for the resident's form.
pub async fn report_layers(State(s): State<AppState>, Query(p): Query<ReportParams>) -> PageResult<Response> {
    let street = p.s.unwrap_or_default();
    if street.len() != 9 || !street.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PageError::NotFound);
    }
    let grids = s.store.regions().shapes(&street, "grid").await?;
    if grids.is_empty() {
        return Err(PageError::NotFound);
    }
    let mut features: Vec<Value> = grids.into_iter().filter_map(MapArea::plain).map(|a| area_feature(&a)).collect();
    features.extend(s.store.places().in_area(&street, MAX_BUILDINGS).await?.iter().map(building_feature));
    Ok(collection(features, "public, max-age=300"))
}
