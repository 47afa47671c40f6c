//! 街道地图 / 社区地图 for dispatchers, community workers and the admin: the grids of the
//! caller's street (or community) coloured by their open cases, overdue cases as red markers
//! linking to the case, a legend, and the same numbers as a table. A scope wider than one
//! street (the admin) sees its streets first, each linking to that street's map.

use crate::AppState;
use crate::dashboard::pages::{AreaCount, area_counts, area_name, area_of, legend, open_counts};
use crate::routes::{RouteSpec, r};
use crate::ui::error::urlencode;
use crate::ui::map::{MapPoint, render_map};
use crate::ui::{PageError, PageResult, Shell, Staff, render};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use tongxin_domain::kernel::access::Role;
use tongxin_store::Page;
use tongxin_store::cases::read::QueueFilter;

/// Where the interactive map of `area` reads its layers (with the buildings, or not).
pub(crate) fn layers_url(area: &str, buildings: bool) -> String {
    let mut url = String::from("/map/layers.json");
    let mut sep = '?';
    if !area.is_empty() {
        url.push_str(&format!("?area={}", urlencode(area)));
        sep = '&';
    }
    if buildings {
        url.push(sep);
        url.push_str("buildings=1");
    }
    url
}

/// Overdue cases per page (and markers on the map).
pub const PER_PAGE: u32 = 100;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/map", get(page))]
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    /// A region code within the caller's scope.
    pub area: Option<String>,
    /// The page of overdue cases.
    pub page: Option<u32>,
}

pub struct OverdueRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub address: String,
    pub deadline: String,
    pub on_map: bool,
}

#[derive(askama::Template)]
#[template(path = "places/map.html")]
struct MapPage {
    shell: Shell,
    heading: String,
    area_name: String,
    area_query: String,
    map_svg: Option<String>,
    /// The interactive map's settings for `static/map.js`.
    map_attrs: String,
    map_level: &'static str,
    /// Whether the areas link to their own map (streets) or to their case queue (grids).
    areas_link_map: bool,
    areas: Vec<AreaCount>,
    legend: Vec<(String, String)>,
    open_total: i64,
    overdue_total: i64,
    overdue: Vec<OverdueRow>,
    overdue_count: i64,
    overdue_capped: bool,
    page: u32,
    pages: u32,
}

fn may_view(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dispatcher | Role::CommunityWorker)
}

/// `GET /map?area=&page=`
pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    if !may_view(staff.user.role) {
        return Err(PageError::Forbidden);
    }
    let area = area_of(&staff, p.area.as_deref())?;
    let name = area_name(&s.store, &area).await?;
    let counts = open_counts(&s.store, &area).await?;
    let wide = area.len() < 9;
    let (areas, map_areas, map_level) = area_counts(&s.store, &area, &counts, |code| {
        Some(if wide { format!("/map?area={}", urlencode(code)) } else { format!("/cases?grid={}", urlencode(code)) })
    })
    .await?;
    let page = Page::new(p.page, Some(PER_PAGE));
    let filter = QueueFilter { open_only: true, overdue: Some(true), ..QueueFilter::default() };
    let overdue = s.store.cases().queue(&area.scope, &filter, page).await?;
    let pages = u32::try_from((overdue.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE)).unwrap_or(1).max(1);
    if page.page > pages {
        return Err(PageError::NotFound);
    }
    let points: Vec<MapPoint> = overdue
        .items
        .iter()
        .filter_map(|c| {
            Some(MapPoint {
                lng: c.lng?,
                lat: c.lat?,
                class: "overdue",
                fill: None,
                title: format!("{} {}（已超期）", c.code, c.title),
                href: Some(format!("/cases/{}", c.id)),
            })
        })
        .collect();
    let label = format!("{name}网格在办诉求分布与超期诉求");
    let map_svg = render_map(&label, &map_areas, &points, 720.0);
    let layers = if wide { layers_url(&area, false) } else { layers_url(&area, true) };
    let map_attrs = s.config.map.box_attrs("areas", &layers, if wide { "/map?area=" } else { "/cases?grid=" });
    let max = areas.iter().map(|a| a.open).max().unwrap_or(0);
    let title = if staff.user.role == Role::CommunityWorker { "社区地图" } else { "街道地图" };
    let area_query = if p.area.as_deref().is_some_and(|a| !a.trim().is_empty()) {
        format!("area={}&", urlencode(&area))
    } else {
        String::new()
    };
    let page_view = MapPage {
        shell: Shell::staff(title, &staff, "/map"),
        heading: title.to_string(),
        area_name: name,
        area_query,
        map_svg,
        map_attrs,
        map_level,
        areas_link_map: wide,
        open_total: counts.iter().map(|c| c.1.open).sum(),
        overdue_total: counts.iter().map(|c| c.1.overdue).sum(),
        legend: legend(max),
        areas,
        overdue: overdue
            .items
            .iter()
            .map(|c| OverdueRow {
                id: c.id,
                code: c.code.clone(),
                title: c.title.clone(),
                address: c.address.clone(),
                deadline: c.deadline_at.map(tongxin_domain::kernel::clock::local_minute).unwrap_or_default(),
                on_map: c.lng.is_some() && c.lat.is_some(),
            })
            .collect(),
        overdue_count: overdue.total,
        overdue_capped: overdue.total_capped,
        page: page.page,
        pages,
    };
    Ok(render(&page_view))
}
