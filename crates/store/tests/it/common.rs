//! Seeding shared by the store tests.

#![allow(dead_code)]

use tongxin_store::Store;
use tongxin_store::places::{NewBuilding, NewHousehold};
use tongxin_testkit::World;

pub const GRID_A: &str = "330702001008001";
pub const GRID_B: &str = "330702001008002";

/// Community 桃园社区 with grids A and B, building 1 and household 1 in A, building 2 and
/// household 2 in B; `household_address` gives a household's address from its building.
pub async fn seed_two_grids(store: &Store, household_address: fn(i64) -> String) {
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
    let h = |id: i64, building: i64, grid: &str| NewHousehold {
        id,
        building_id: building,
        grid_code: grid.into(),
        unit_no: 1,
        room_no: "101".into(),
        address: household_address(building),
    };
    World::new(store)
        .district("330702", "婺城区")
        .street("330702001", "城东街道")
        .community("330702001008", "桃园社区")
        .grid(GRID_A, "一网格")
        .grid(GRID_B, "二网格")
        .building(b(1, GRID_A))
        .building(b(2, GRID_B))
        .household(h(1, 1, GRID_A))
        .household(h(2, 2, GRID_B))
        .build()
        .await;
}
