//! `GET /grid`: 我的网格 — today's tasks (cases dispatched to my grid team, awaiting my
//! acknowledgement) and the open cases of my grid, soonest deadline first, and the grid's map
//! with its buildings and the open cases of the page.

use super::{grid_name, my_grid, page_no};
use crate::AppState;
use crate::cases::views::{Row, row};
use crate::ui::error::{PageResult, render};
use crate::ui::map::{MapArea, MapPoint, render_map};
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use tongxin_domain::kernel::access::Action;
use tongxin_store::Page;
use tongxin_store::cases::read::QueueFilter;

const PER_PAGE: u32 = 10;

#[derive(Deserialize, Default)]
pub(super) struct Params {
    /// Page of the open cases.
    page: Option<String>,
    /// Page of the tasks.
    tpage: Option<String>,
}

#[derive(Template)]
#[template(path = "people/home.html")]
struct HomePage {
    shell: Shell,
    grid_name: String,
    grid_code: String,
    tasks: Vec<Row>,
    tasks_pager: Pager,
    open: Vec<Row>,
    open_pager: Pager,
    map_svg: Option<String>,
    map_attrs: String,
}

pub(super) async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    let grid = my_grid(&staff, Action::ReadCases)?;
    let (page, tpage) = (page_no(&p.page), page_no(&p.tpage));
    let tasks = s.store.cases().grid_tasks(staff.scope(), &grid, Page::new(Some(tpage), Some(PER_PAGE))).await?;
    let filter = QueueFilter { open_only: true, grid: Some(grid.clone()), ..QueueFilter::default() };
    let open = s.store.cases().queue(staff.scope(), &filter, Page::new(Some(page), Some(PER_PAGE))).await?;
    let now = s.store.now();
    let shape = s.store.regions().shape(&grid).await?;
    let buildings = s.store.places().in_area(&grid, 1_000).await?;
    let areas: Vec<MapArea> = shape.and_then(MapArea::plain).into_iter().collect();
    let points: Vec<MapPoint> = buildings
        .iter()
        .map(|b| MapPoint { lng: b.lng, lat: b.lat, class: "building", fill: None, title: b.name.clone(), href: None })
        .chain(open.items.iter().filter_map(|c| {
            Some(MapPoint {
                lng: c.lng?,
                lat: c.lat?,
                class: if c.overdue { "overdue" } else { "case" },
                fill: None,
                title: format!("{} {}", c.code, c.title),
                href: Some(format!("/cases/{}", c.id)),
            })
        }))
        .collect();
    let map_svg = if areas.is_empty() {
        None
    } else {
        render_map("本网格地图：楼栋与办理中的诉求", &areas, &points, 600.0)
    };
    let map_attrs = s.config.map.box_attrs("areas", &crate::places::map::layers_url(&grid, true), "");
    let keep = [("page", page.to_string()), ("tpage", tpage.to_string())];
    let view = HomePage {
        shell: Shell::staff("我的网格", &staff, "/grid"),
        grid_name: grid_name(&s, &staff, &grid).await,
        tasks: tasks.items.iter().map(|c| row(&s, c, now)).collect(),
        tasks_pager: Pager::new(&tasks, "/grid", "tpage", &keep).labelled("今日任务"),
        open: open.items.iter().map(|c| row(&s, c, now)).collect(),
        open_pager: Pager::new(&open, "/grid", "page", &keep).labelled("办理中诉求"),
        grid_code: grid,
        map_svg,
        map_attrs,
    };
    Ok(render(&view))
}
