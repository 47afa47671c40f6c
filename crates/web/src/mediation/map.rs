//! `GET /mediation/map?area=`: the open disputes the caller reads, each a dot at its grid
//! (the grid's label point; several in one grid on a small ring around it) coloured by its
//! latest risk assessment's configured colour (`/mediation/risk-levels`; grey when not
//! assessed), with a legend by risk level and the same disputes as a table. Dots name the
//! code, type and risk level — never a party — and link to the dispute. The server draws the
//! SVG; `static/map.js` draws the same layers (`GET /mediation/map/layers.json?area=`) over
//! the web map when it can. A street or narrower area shows its grids; a wider one its streets.

use super::reach::reach;
use crate::AppState;
use crate::ui::map::{MapArea, MapPoint, label_point, outer_ring, render_map};
use crate::ui::{PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::mediation::Status;
use tongxin_domain::mediation::risk::RiskLevel;
use tongxin_store::mediation::DisputeLine;

/// Dots on one map at most (the newest open disputes).
pub const MAX_DOTS: i64 = 500;
/// The colour of a dispute not yet assessed.
pub const NOT_ASSESSED: &str = "#9e9e9e";

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    area: String,
}

/// A dispute placed on the map, or not (no grid, or a grid without a boundary).
struct Placed {
    line: DisputeLine,
    at: Option<(f64, f64)>,
    colour: String,
    risk: String,
    place: String,
}

/// What the page and its layers show.
struct MapData {
    areas: Vec<MapArea>,
    placed: Vec<Placed>,
    levels: Vec<RiskLevel>,
    /// More open disputes than [`MAX_DOTS`].
    capped: bool,
    /// Where a click on an area goes (its code appended): a street's map, or a grid's disputes.
    area_href: String,
}

/// Up to `n` points around `centre` on a ring a fifth of the ring's smaller side wide (one
/// point: the centre itself), so several disputes of one grid stay apart and inside it.
fn spread(centre: (f64, f64), ring: &[(f64, f64)], n: usize) -> Vec<(f64, f64)> {
    if n <= 1 {
        return vec![centre];
    }
    let (mut w, mut h) = (f64::MAX, f64::MAX);
    if let (Some(min_x), Some(max_x), Some(min_y), Some(max_y)) = (
        ring.iter().map(|p| p.0).reduce(f64::min),
        ring.iter().map(|p| p.0).reduce(f64::max),
        ring.iter().map(|p| p.1).reduce(f64::min),
        ring.iter().map(|p| p.1).reduce(f64::max),
    ) {
        let k = centre.1.to_radians().cos();
        (w, h) = ((max_x - min_x) * k, max_y - min_y);
    }
    let r = if w.is_finite() { w.min(h) / 5.0 } else { 0.0005 };
    let k = centre.1.to_radians().cos().max(0.1);
    (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            (centre.0 + r * a.cos() / k, centre.1 + r * a.sin())
        })
        .collect()
}

async fn map_data(s: &AppState, staff: &Staff, asked: &str) -> PageResult<(super::reach::Reach, MapData)> {
    let r = reach(s, staff, asked).await?;
    let prefix = r.area.clone().unwrap_or_else(|| staff.scope().places_prefix().to_string());
    let mut lines = s.store.mediation().open_lines(&r.viewer, r.area.as_deref(), MAX_DOTS + 1).await?;
    let capped = lines.len() as i64 > MAX_DOTS;
    lines.truncate(MAX_DOTS as usize);
    let levels = s.store.mediation().risk_levels().await?;
    let grids = s.store.regions().shapes(&prefix, "grid").await?;
    let wide = prefix.len() < 9;
    let drawn = if wide { s.store.regions().shapes(&prefix, "street").await? } else { grids.clone() };
    let mut per_grid: HashMap<&str, usize> = HashMap::new();
    for l in &lines {
        if let Some(g) = &l.grid_code {
            *per_grid.entry(g.as_str()).or_default() += 1;
        }
    }
    let mut spots: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for g in &grids {
        names.insert(g.code.clone(), g.name.clone());
        let (Some(n), Some(geometry)) = (per_grid.get(g.code.as_str()), &g.geometry) else { continue };
        if let Some(centre) = label_point(geometry) {
            spots.insert(g.code.clone(), spread(centre, &outer_ring(geometry), *n));
        }
    }
    let areas = drawn
        .into_iter()
        .filter_map(|shape| {
            let count = if wide {
                lines.iter().filter(|l| l.street_code == shape.code).count()
            } else {
                per_grid.get(shape.code.as_str()).copied().unwrap_or(0)
            };
            let href = if wide {
                format!("/mediation/map?area={}", shape.code)
            } else {
                format!("/mediation?area={}", shape.code)
            };
            let mut area = MapArea::plain(shape)?;
            area.note = if count > 0 { format!("{count} 件") } else { String::new() };
            area.href = Some(href);
            Some(area)
        })
        .collect();
    let codes: Vec<String> = lines.iter().flat_map(|l| l.community_code.clone()).collect();
    let community_names = s.store.cases().region_names(&codes).await?;
    let placed = lines
        .into_iter()
        .map(|line| {
            let level = line.risk_code.as_ref().and_then(|c| levels.iter().find(|l| &l.code == c));
            let (colour, risk) = match (level, &line.risk_code) {
                (Some(l), _) => (l.colour.clone(), l.name.clone()),
                (None, Some(code)) => (NOT_ASSESSED.to_string(), format!("{code}（已停用）")),
                (None, None) => (NOT_ASSESSED.to_string(), "未研判".to_string()),
            };
            let at = line.grid_code.as_ref().and_then(|g| spots.get_mut(g)).and_then(|v| v.pop());
            let place = match (&line.grid_code, &line.community_code) {
                (Some(g), _) => names.get(g).cloned().unwrap_or_else(|| g.clone()),
                (None, Some(c)) => community_names.get(c).cloned().unwrap_or_else(|| c.clone()),
                (None, None) => "街道".to_string(),
            };
            Placed { line, at, colour, risk, place }
        })
        .collect();
    let area_href = if wide { "/mediation/map?area=" } else { "/mediation?area=" }.to_string();
    Ok((r, MapData { areas, placed, levels, capped, area_href }))
}

fn title(p: &Placed, now: DateTime<Utc>) -> String {
    let running = matches!(p.line.status, Status::Accepted | Status::Mediating);
    let late = if running && p.line.deadline_at.is_some_and(|d| now > d) { "（超期）" } else { "" };
    format!("{} {} · 风险：{}{late}", p.line.code, p.line.dispute_type.label(), p.risk)
}

struct LegendItem {
    colour: String,
    name: String,
    count: usize,
}

struct DotRow {
    id: i64,
    code: String,
    kind: &'static str,
    place: String,
    org: String,
    colour: String,
    risk: String,
    status: &'static str,
    deadline: String,
    on_map: bool,
}

#[derive(Template)]
#[template(path = "mediation/map.html")]
struct MapPage {
    shell: Shell,
    area_name: String,
    area_query: String,
    map_svg: Option<String>,
    map_attrs: String,
    legend: Vec<LegendItem>,
    rows: Vec<DotRow>,
    unplaced: usize,
    capped: bool,
}

/// `GET /mediation/map`
pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    let (r, data) = map_data(&s, &staff, &p.area).await?;
    let now = s.store.now();
    let points: Vec<MapPoint> = data
        .placed
        .iter()
        .filter_map(|d| {
            let (lng, lat) = d.at?;
            Some(MapPoint {
                lng,
                lat,
                class: "dispute",
                fill: Some(d.colour.clone()),
                title: title(d, now),
                href: Some(format!("/mediation/disputes/{}", d.line.id)),
            })
        })
        .collect();
    let map_svg = render_map(&format!("{}在办纠纷风险分布图", r.name), &data.areas, &points, 720.0);
    let layers = match &r.area {
        Some(a) => format!("/mediation/map/layers.json?area={a}"),
        None => "/mediation/map/layers.json".to_string(),
    };
    let mut legend: Vec<LegendItem> = data
        .levels
        .iter()
        .map(|l| LegendItem {
            colour: l.colour.clone(),
            name: l.name.clone(),
            count: data.placed.iter().filter(|p| p.line.risk_code.as_deref() == Some(l.code.as_str())).count(),
        })
        .collect();
    let configured = |c: &Option<String>| c.as_ref().is_some_and(|c| data.levels.iter().any(|l| &l.code == c));
    legend.push(LegendItem {
        colour: NOT_ASSESSED.into(),
        name: "未研判".into(),
        count: data.placed.iter().filter(|p| !configured(&p.line.risk_code)).count(),
    });
    let page = MapPage {
        shell: Shell::staff("纠纷风险地图", &staff, "/mediation/map"),
        area_name: r.name.clone(),
        area_query: r.query.clone(),
        map_svg,
        map_attrs: s.config.map.box_attrs("areas", &layers, &data.area_href),
        legend,
        unplaced: data.placed.iter().filter(|p| p.at.is_none()).count(),
        rows: data
            .placed
            .iter()
            .map(|p| DotRow {
                id: p.line.id,
                code: p.line.code.clone(),
                kind: p.line.dispute_type.label(),
                place: p.place.clone(),
                org: p.line.org_name.clone(),
                colour: p.colour.clone(),
                risk: p.risk.clone(),
                status: p.line.status.label(),
                deadline: p.line.deadline_at.map(local_minute).unwrap_or_default(),
                on_map: p.at.is_some(),
            })
            .collect(),
        capped: data.capped,
    };
    Ok(render(&page))
}

/// `GET /mediation/map/layers.json?area=`: the same areas and dots as GeoJSON for `map.js`.
pub async fn layers(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    let (_, data) = map_data(&s, &staff, &p.area).await?;
    let now = s.store.now();
    let mut features: Vec<Value> = data
        .areas
        .iter()
        .map(|a| {
            let geometry: Value = serde_json::from_str(&a.geometry).unwrap_or(Value::Null);
            let label = label_point(&a.geometry).map(|(lng, lat)| json!([lng, lat]));
            json!({ "type": "Feature", "geometry": geometry,
                    "properties": { "kind": "area", "code": a.code, "name": a.name, "note": a.note, "fill": a.fill, "label": label } })
        })
        .collect();
    for d in &data.placed {
        let Some((lng, lat)) = d.at else { continue };
        features.push(json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lng, lat] },
            "properties": { "kind": "dispute", "fill": d.colour, "name": title(d, now),
                            "href": format!("/mediation/disputes/{}", d.line.id) } }));
    }
    let body = json!({ "type": "FeatureCollection", "features": features });
    Ok(([(header::CACHE_CONTROL, "private, max-age=60")], axum::Json(body)).into_response())
}
