//! Cases: resident reports, the follow link, staff queues and actions (in progress).

use super::RouteSpec;
use crate::AppState;
use axum::routing::MethodRouter;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    Vec::new()
}
