//! Buildings (楼栋) and households (户), each within one grid.

use crate::bulk::{Val, insert_rows};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Page, Paged, on_read};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::subtree_range;

pub mod building_qr;

repository!(
    /// Buildings and households.
    Places,
    places
);

#[derive(Debug, Clone)]
pub struct NewBuilding {
    pub id: i64,
    pub grid_code: String,
    pub name: String,
    pub address: String,
    pub lng: f64,
    pub lat: f64,
    pub floors: i64,
    pub units: i64,
    /// The unguessable token in the building's QR code.
    pub qr_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Building {
    pub id: i64,
    pub grid_code: String,
    pub name: String,
    pub address: String,
    pub lng: f64,
    pub lat: f64,
    pub floors: i64,
    pub units: i64,
}

#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub id: i64,
    pub building_id: i64,
    pub grid_code: String,
    pub unit_no: i64,
    pub room_no: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Household {
    pub id: i64,
    pub building_id: i64,
    pub grid_code: String,
    pub unit_no: i64,
    pub room_no: String,
    pub address: String,
    pub residents: i64,
}

fn street_of(grid_code: &str) -> String {
    grid_code.get(..9).unwrap_or(grid_code).to_string()
}

pub async fn insert_buildings(tx: &mut Tx, items: &[NewBuilding], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let cols = [
        "id",
        "grid_code",
        "street_code",
        "name",
        "address",
        "lng",
        "lat",
        "floors",
        "units",
        "qr_token",
        "created_at",
        "updated_at",
    ];
    let rows: Vec<Vec<Val>> = items
        .iter()
        .map(|b| {
            vec![
                b.id.into(),
                b.grid_code.clone().into(),
                street_of(&b.grid_code).into(),
                b.name.clone().into(),
                b.address.clone().into(),
                b.lng.into(),
                b.lat.into(),
                b.floors.into(),
                b.units.into(),
                b.qr_token.clone().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(tx, "buildings", &cols, &rows).await
}

pub async fn insert_households(tx: &mut Tx, items: &[NewHousehold], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let cols =
        ["id", "building_id", "grid_code", "street_code", "unit_no", "room_no", "address", "created_at", "updated_at"];
    let rows: Vec<Vec<Val>> = items
        .iter()
        .map(|h| {
            vec![
                h.id.into(),
                h.building_id.into(),
                h.grid_code.clone().into(),
                street_of(&h.grid_code).into(),
                h.unit_no.into(),
                h.room_no.clone().into(),
                h.address.clone().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(tx, "households", &cols, &rows).await
}

const BUILDING_COLS: &str = "id, grid_code, name, address, lng, lat, floors, units";
const HOUSEHOLD_COLS: &str = "h.id, h.building_id, h.grid_code, h.unit_no, h.room_no, h.address, \
     (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id) AS residents";

impl Places<'_> {
    /// Buildings within the scope, optionally of one grid, by id.
    pub async fn buildings(
        &self,
        scope: &Scope,
        grid: Option<&str>,
        page: Page,
    ) -> Result<Paged<Building>, StoreError> {
        let prefix = narrow(scope.places_prefix(), grid)?;
        let (lo, hi) = subtree_range(&prefix);
        let filter = "grid_code >= $1 AND grid_code < $2 AND ($3 = 0 OR id = $3)";
        self.store.scoped_page(BUILDING_COLS, "buildings", filter, "grid_code, id", (&lo, &hi), 0, page).await
    }

    pub async fn building(&self, scope: &Scope, id: i64) -> Result<Building, StoreError> {
        let sql = format!("SELECT {BUILDING_COLS} FROM buildings WHERE id = $1");
        let b: Building =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?;
        if scope.covers_place(&b.grid_code) { Ok(b) } else { Err(StoreError::NotFound) }
    }

    /// The building a QR code names; public (residents scan it), so no scope.
    pub async fn building_by_qr(&self, token: &str) -> Result<Building, StoreError> {
        let sql = format!("SELECT {BUILDING_COLS} FROM buildings WHERE qr_token = $1");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(token).fetch_one(p).await)?)
    }

    /// Every building under a region-code prefix (already narrowed to the caller's scope by
    /// the caller), by grid: for map layers and for matching address text to a building. At
    /// most `limit` rows (a street has hundreds, a district tens of thousands).
    pub async fn in_area(&self, prefix: &str, limit: i64) -> Result<Vec<Building>, StoreError> {
        let (lo, hi) = subtree_range(prefix);
        let sql = format!(
            "SELECT {BUILDING_COLS} FROM buildings WHERE grid_code >= $1 AND grid_code < $2 ORDER BY grid_code, id LIMIT $3"
        );
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&lo)
            .bind(&hi)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Every building's position, for the nearest-building index of the locator.
    pub async fn building_points(&self) -> Result<Vec<(i64, f64, f64)>, StoreError> {
        let sql = "SELECT id, lng, lat FROM buildings ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
    }

    /// Households the scope may see (people data: department staff see none).
    pub async fn households(
        &self,
        scope: &Scope,
        building: Option<i64>,
        grid: Option<&str>,
        page: Page,
    ) -> Result<Paged<Household>, StoreError> {
        let people = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let prefix = narrow(people, grid)?;
        let (lo, hi) = subtree_range(&prefix);
        let building = building.unwrap_or(0);
        let filter = "h.grid_code >= $1 AND h.grid_code < $2 AND ($3 = 0 OR h.building_id = $3)";
        self.store
            .scoped_page(
                HOUSEHOLD_COLS,
                "households h",
                filter,
                "h.building_id, h.unit_no, h.room_no",
                (&lo, &hi),
                building,
                page,
            )
            .await
    }

    pub async fn household(&self, scope: &Scope, id: i64) -> Result<Household, StoreError> {
        let sql = format!("SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.id = $1");
        let h: Household =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?;
        if scope.covers_people_at(&h.grid_code) { Ok(h) } else { Err(StoreError::NotFound) }
    }
}

/// The scope prefix, narrowed to `within` if given; a `within` outside the scope sees nothing.
pub(crate) fn narrow(scope_prefix: &str, within: Option<&str>) -> Result<String, StoreError> {
    match within {
        None => Ok(scope_prefix.to_string()),
        Some(w) if w.starts_with(scope_prefix) => Ok(w.to_string()),
        // Asking for a broader area than the scope: keep the scope.
        Some(w) if scope_prefix.starts_with(w) => Ok(scope_prefix.to_string()),
        Some(_) => Err(StoreError::NotFound),
    }
}
