//! Places: the region tree, grids and their teams, buildings and households, "which grid is
//! this point in" (`/api/v1/locate`), the street map (`/map`) and a grid's printable QR sheets.

pub mod api;
pub mod layers;
pub mod map;
pub mod qr;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = vec![
        r("GET", "/api/v1/regions", get(api::tree)),
        r("GET", "/api/v1/regions/{code}", get(api::region)),
        r("GET", "/api/v1/grids", get(api::grids)),
        r("GET", "/api/v1/grids/{code}", get(api::grid)),
        r("GET", "/api/v1/grids/{code}/team", get(api::team)),
        r("GET", "/api/v1/locate", get(api::locate)),
        r("GET", "/api/v1/buildings", get(api::buildings)),
        r("GET", "/api/v1/buildings/{id}", get(api::building)),
        r("GET", "/api/v1/households", get(api::households)),
        r("GET", "/api/v1/households/{id}", get(api::household)),
    ];
    all.extend(qr::routes());
    all.extend(map::routes());
    all.extend(layers::routes());
    all
}
