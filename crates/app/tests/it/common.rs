//! The world the case-loop tests share: 城东街道's 桃园社区 with one grid (a 0.01° square at
//! 119.66°E 29.09°N, so `Place::Point { lng: 119.665, lat: 29.085 }` lies in it) and one
//! department, 城管执法中队 (id 1).

#![allow(dead_code)]

use std::sync::Arc;
use tongxin_app::cases::CaseService;
use tongxin_app::locator::LocatorCache;
use tongxin_domain::region::RegionCode;
use tongxin_store::Store;
use tongxin_store::party::{NewDepartment, insert_departments};
use tongxin_store::regions::{Boundary, NewRegion, insert_regions};
use tongxin_store::testing::square;

pub const STREET: &str = "330702001";
pub const GRID: &str = "330702001008001";

pub async fn seed(store: &Store) {
    let now = store.now();
    let mut tx = store.db.begin().await.unwrap();
    let r = |c: &str, n: &str, b: Option<Boundary>| NewRegion {
        code: RegionCode::parse(c).unwrap(),
        name: n.into(),
        boundary: b,
    };
    let regions = [
        r("330702", "婺城区", None),
        r(STREET, "城东街道", None),
        r("330702001008", "桃园社区", Some(square(119.66, 29.09, 0.01))),
        r(GRID, "一网格", Some(square(119.66, 29.09, 0.01))),
    ];
    insert_regions(&mut tx, &regions, now).await.unwrap();
    let dept = NewDepartment {
        id: 1,
        street_code: STREET.into(),
        name: "城管执法中队".into(),
        kind: "执法".into(),
        phone: String::new(),
    };
    insert_departments(&mut tx, &[dept], now).await.unwrap();
    tongxin_store::bulk::sync_id_sequence(&mut tx, "departments").await.unwrap();
    tongxin_store::regions::bump_geometry_revision(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// The case service over `store`, its intake writer started.
pub async fn service(store: &Store) -> CaseService {
    let locator = Arc::new(LocatorCache::load(store).await.unwrap());
    CaseService::start(store.clone(), locator).await.unwrap()
}
