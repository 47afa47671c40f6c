//! `GET /admin/regions`: the region tree (street → community → grid), a map of the selected
//! area and its grids, page by page.

use super::{admin_only, page_of};
use crate::AppState;
use crate::ui::map::{MapArea, render_map};
use crate::ui::pager::Pager;
use crate::ui::{PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tongxin_store::Page;
use tongxin_store::regions::{Region, RegionShape};

#[derive(Deserialize)]
pub struct Params {
    code: Option<String>,
    page: Option<u32>,
}

pub struct TreeRow {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    /// Indentation step (0 street, 1 community…).
    pub depth: usize,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin/regions.html")]
struct RegionsPage {
    shell: Shell,
    tree: Vec<TreeRow>,
    selected: Option<Region>,
    selected_level: &'static str,
    map: Option<String>,
    grids: Vec<RegionShape>,
    grid_total: i64,
    pager: Pager,
}

fn level_label(level: &str) -> &'static str {
    match level {
        "district" => "区县",
        "street" => "街道",
        "community" => "社区",
        "grid" => "网格",
        _ => "区域",
    }
}

pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    admin_only(&staff)?;
    let scope = staff.scope();
    let regions = s.store.regions().in_scope(scope, false).await?;
    let wanted = p
        .code
        .filter(|c| !c.is_empty())
        .or_else(|| regions.iter().find(|r| r.level == "street").or(regions.first()).map(|r| r.code.clone()));
    // Out of scope or unknown: the 404 page.
    let selected = match &wanted {
        Some(code) => Some(s.store.regions().get(scope, code).await?),
        None => None,
    };
    let tree = regions
        .iter()
        .filter(|r| r.level != "district")
        .map(|r| TreeRow {
            code: r.code.clone(),
            name: r.name.clone(),
            level: level_label(&r.level),
            depth: usize::from(r.level == "community"),
            selected: selected.as_ref().is_some_and(|sel| sel.code == r.code),
        })
        .collect();
    let (mut map, mut grids, mut grid_total, mut pager) = (None, Vec::new(), 0, Pager::default());
    if let Some(sel) = &selected {
        // The map shows the selected area's children (a grid: itself).
        let areas: Vec<RegionShape> = match sel.level.as_str() {
            "grid" => s.store.regions().shape(&sel.code).await?.into_iter().collect(),
            "community" => s.store.regions().shapes(&sel.code, "grid").await?,
            "street" => s.store.regions().shapes(&sel.code, "community").await?,
            _ => s.store.regions().shapes(&sel.code, "street").await?,
        };
        let map_areas: Vec<MapArea> = areas
            .iter()
            .filter_map(|a| {
                Some(MapArea {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    geometry: a.geometry.clone()?,
                    fill: if a.level == "grid" { "#e3f2fd".into() } else { "#fff8e1".into() },
                    note: String::new(),
                    href: (a.code != sel.code).then(|| format!("/admin/regions?code={}", a.code)),
                })
            })
            .collect();
        map = render_map(&format!("{}地图", sel.name), &map_areas, &[], 720.0);
        let all_grids =
            if sel.level == "grid" { areas.clone() } else { s.store.regions().shapes(&sel.code, "grid").await? };
        let paged = page_of(&all_grids, Page::new(p.page, Some(20)));
        pager = Pager::new(&paged, "/admin/regions", "page", &[("code", sel.code.clone())]);
        grid_total = paged.total;
        grids = paged.items;
    }
    let selected_level = selected.as_ref().map(|r| level_label(&r.level)).unwrap_or("");
    let page = RegionsPage {
        shell: Shell::staff("区域与网格", &staff, "/admin/regions"),
        tree,
        selected,
        selected_level,
        map,
        grids,
        grid_total,
        pager,
    };
    Ok(render(&page))
}
