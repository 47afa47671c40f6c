//! 三率 (响应率, 解决率, 满意率): monthly rankings of units, their export and the weights, and
//! what a unit's 响应率 is made of.

pub mod api;
pub mod pages;

use crate::AppState;
use crate::routes::RouteSpec;
use axum::routing::MethodRouter;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = api::routes();
    all.extend(pages::routes());
    all
}
