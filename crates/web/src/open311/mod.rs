//! Open311 GeoReport v2 under `/open311/v2/` (in progress).

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
