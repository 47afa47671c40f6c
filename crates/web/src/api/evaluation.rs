//! 三率 evaluation and rankings (in progress).

use super::RouteSpec;
use crate::AppState;
use axum::routing::MethodRouter;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    Vec::new()
}
