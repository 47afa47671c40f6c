//! Seeding shared by the store tests.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use tongxin_domain::region::RegionCode;
use tongxin_store::Tx;
use tongxin_store::places::{NewBuilding, NewHousehold, insert_buildings, insert_households};
use tongxin_store::regions::{NewRegion, insert_regions};

pub const GRID_A: &str = "330702001008001";
pub const GRID_B: &str = "330702001008002";

/// Community 桃园社区 with grids A and B, building 1 and household 1 in A, building 2 and
/// household 2 in B; `household_address` gives a household's address from its building.
pub async fn seed_two_grids(tx: &mut Tx, now: DateTime<Utc>, household_address: fn(i64) -> String) {
    let regions: Vec<NewRegion> = [
        ("330702", "婺城区"),
        ("330702001", "城东街道"),
        ("330702001008", "桃园社区"),
        (GRID_A, "一网格"),
        (GRID_B, "二网格"),
    ]
    .into_iter()
    .map(|(c, n)| NewRegion { code: RegionCode::parse(c).unwrap(), name: n.into(), boundary: None })
    .collect();
    insert_regions(tx, &regions, now).await.unwrap();
    let b = |id: i64, grid: &str| NewBuilding {
        id,
        grid_code: grid.into(),
        name: format!("{id}幢"),
        address: String::new(),
        lng: 119.66,
        lat: 29.08,
        floors: 6,
        units: 2,
        qr_token: format!("t{id}"),
    };
    insert_buildings(tx, &[b(1, GRID_A), b(2, GRID_B)], now).await.unwrap();
    let h = |id: i64, building: i64, grid: &str| NewHousehold {
        id,
        building_id: building,
        grid_code: grid.into(),
        unit_no: 1,
        room_no: "101".into(),
        address: household_address(building),
    };
    insert_households(tx, &[h(1, 1, GRID_A), h(2, 2, GRID_B)], now).await.unwrap();
}
