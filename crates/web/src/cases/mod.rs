//! 接诉即办, the case loop: intake by staff, the queue and a case's page (指挥中心), a
//! department's inbox, every step through `tongxin_app::cases`, routing rules, deadlines and the
//! working calendar, notices. What residents see of a case is [`public::PublicCase`]; their own
//! pages are in `crate::resident`.

pub mod api;
pub mod hotline;
pub mod inbox;
pub(crate) mod names;
pub mod pages;
pub mod photos;
pub mod public;
mod refer;
mod search_box;
pub mod views;

use crate::AppState;
use crate::routes::RouteSpec;
use axum::routing::MethodRouter;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = api::routes();
    all.extend(pages::routes());
    all.extend(inbox::routes());
    all.extend(photos::routes());
    all.extend(hotline::routes());
    all
}
