//! `GET /grid`: 我的网格 — today's tasks (cases dispatched to my grid team, awaiting my
//! acknowledgement) and the open cases of my grid, soonest deadline first.

use super::super::cases::{Pager, Row, row};
use super::super::error::{PageResult, render};
use super::super::shell::Shell;
use super::super::staff::Staff;
use super::{grid_name, my_grid, page_no, pager_on};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use tongxin_domain::access::Action;
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
#[template(path = "grid/home.html")]
struct HomePage {
    shell: Shell,
    grid_name: String,
    grid_code: String,
    tasks: Vec<Row>,
    tasks_pager: Pager,
    open: Vec<Row>,
    open_pager: Pager,
}

pub(super) async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    let grid = my_grid(&staff, Action::ReadCases)?;
    let (page, tpage) = (page_no(&p.page), page_no(&p.tpage));
    let tasks = s.store.cases().grid_tasks(staff.scope(), &grid, Page::new(Some(tpage), Some(PER_PAGE))).await?;
    let filter = QueueFilter { open_only: true, grid: Some(grid.clone()), ..QueueFilter::default() };
    let open = s.store.cases().queue(staff.scope(), &filter, Page::new(Some(page), Some(PER_PAGE))).await?;
    let now = s.store.now();
    let keep = [("page", page.to_string()), ("tpage", tpage.to_string())];
    let view = HomePage {
        shell: Shell::staff("我的网格", &staff, "/grid"),
        grid_name: grid_name(&s, &staff, &grid).await,
        tasks: tasks.items.iter().map(|c| row(&s, c, now)).collect(),
        tasks_pager: pager_on("/grid", "tpage", &keep, &tasks),
        open: open.items.iter().map(|c| row(&s, c, now)).collect(),
        open_pager: pager_on("/grid", "page", &keep, &open),
        grid_code: grid,
    };
    Ok(render(&view))
}
