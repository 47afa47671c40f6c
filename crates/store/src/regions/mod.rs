//! Regions and grids: the tree of places, with grid and community boundaries as GeoJSON.

use crate::audit::{AuditEntry, append};
use crate::bulk::{Val, insert_rows};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::{RegionCode, subtree_range};

repository!(
    /// The region tree (street → community → grid) and its shapes.
    Regions,
    regions
);

/// A boundary as stored: GeoJSON geometry text and its bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub geojson: String,
    /// `[min_lng, min_lat, max_lng, max_lat]`
    pub bbox: [f64; 4],
}

#[derive(Debug, Clone)]
pub struct NewRegion {
    pub code: RegionCode,
    pub name: String,
    pub boundary: Option<Boundary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Region {
    pub id: i64,
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub name: String,
    pub street_code: Option<String>,
}

/// A region with its boundary, for maps, the locator and GeoJSON export.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RegionShape {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub name: String,
    pub geometry: Option<String>,
}

const REGION_COLS: &str = "id, code, parent_code, level, name, street_code";

pub(crate) fn region_row(r: &NewRegion, now: DateTime<Utc>) -> Vec<Val> {
    let b = r.boundary.as_ref();
    vec![
        r.code.as_str().into(),
        r.code.parent().map(String::from).into(),
        r.code.level().as_str().into(),
        r.name.clone().into(),
        r.code.street().map(String::from).into(),
        b.map(|b| b.geojson.clone()).into(),
        Val::F64(b.map(|b| b.bbox[0])),
        Val::F64(b.map(|b| b.bbox[1])),
        Val::F64(b.map(|b| b.bbox[2])),
        Val::F64(b.map(|b| b.bbox[3])),
        now.into(),
        now.into(),
    ]
}

pub(crate) const REGION_INSERT_COLS: [&str; 12] = [
    "code",
    "parent_code",
    "level",
    "name",
    "street_code",
    "geometry",
    "min_lng",
    "min_lat",
    "max_lng",
    "max_lat",
    "created_at",
    "updated_at",
];

/// Inserts regions parents-first (the caller orders them); returns how many were written.
pub async fn insert_regions(tx: &mut Tx, regions: &[NewRegion], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let rows: Vec<Vec<Val>> = regions.iter().map(|r| region_row(r, now)).collect();
    insert_rows(tx, "regions", &REGION_INSERT_COLS, &rows).await
}

/// Creates a grid or replaces its name and boundary (grid import), with an audit record.
pub async fn upsert_grid(
    tx: &mut Tx,
    key: &crate::PiiKey,
    grid: &NewRegion,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let existing: Option<(i64, Option<String>)> = on_tx!(tx, |c| {
        sqlx::query_as("SELECT id, geometry FROM regions WHERE code = $1")
            .bind(grid.code.as_str())
            .fetch_optional(c)
            .await
    })?;
    let b = grid.boundary.as_ref().ok_or_else(|| StoreError::Invalid("网格必须有边界".into()))?;
    let after = tongxin_domain::kernel::audit::digest_of(&(&grid.name, &b.geojson));
    match existing {
        Some((id, old_geometry)) => {
            let sql = "UPDATE regions SET name = $1, geometry = $2, min_lng = $3, min_lat = $4, max_lng = $5, max_lat = $6, \
                       updated_at = $7, version = version + 1 WHERE id = $8";
            on_tx!(tx, |c| {
                sqlx::query(sql)
                    .bind(&grid.name)
                    .bind(&b.geojson)
                    .bind(b.bbox[0])
                    .bind(b.bbox[1])
                    .bind(b.bbox[2])
                    .bind(b.bbox[3])
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
            let before = tongxin_domain::kernel::audit::digest_of(&old_geometry);
            append(
                tx,
                key,
                now,
                actor,
                AuditEntry::new("grid.update", "region", grid.code.as_str()).before(before).after(after),
            )
            .await?;
        }
        None => {
            insert_rows(tx, "regions", &REGION_INSERT_COLS, &[region_row(grid, now)]).await?;
            append(tx, key, now, actor, AuditEntry::new("grid.create", "region", grid.code.as_str()).after(after))
                .await?;
        }
    }
    Ok(())
}

/// Bumps the counter other processes watch to rebuild their point locators.
pub async fn bump_geometry_revision(tx: &mut Tx) -> Result<(), StoreError> {
    let sql = "INSERT INTO settings (key, value) VALUES ('geometry_revision', '1') \
               ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)";
    on_tx!(tx, |c| sqlx::query(sql).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

impl Regions<'_> {
    pub async fn geometry_revision(&self) -> Result<i64, StoreError> {
        let v: Option<String> = on_read!(&self.store.db, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'geometry_revision'").fetch_optional(p).await
        })?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// One region if the scope may see it.
    pub async fn get(&self, scope: &Scope, code: &str) -> Result<Region, StoreError> {
        if !scope.covers_place(code) {
            return Err(StoreError::NotFound);
        }
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE code = $1");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(code).fetch_one(p).await)?)
    }

    /// Every region within the scope down to `deepest` level, ordered by code (a depth-first
    /// walk of the tree, since children's codes extend their parent's).
    pub async fn in_scope(&self, scope: &Scope, include_grids: bool) -> Result<Vec<Region>, StoreError> {
        let (lo, hi) = subtree_range(scope.places_prefix());
        let sql = format!(
            "SELECT {REGION_COLS} FROM regions WHERE code >= $1 AND code < $2 AND ($3 OR level <> 'grid') ORDER BY code"
        );
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&lo)
            .bind(&hi)
            .bind(include_grids)
            .fetch_all(p)
            .await)?)
    }

    /// Children of one region (within scope).
    pub async fn children(&self, scope: &Scope, code: &str) -> Result<Vec<Region>, StoreError> {
        let (lo, hi) = subtree_range(scope.places_prefix());
        let sql = format!(
            "SELECT {REGION_COLS} FROM regions WHERE parent_code = $1 AND code >= $2 AND code < $3 ORDER BY code"
        );
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(code)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?)
    }

    /// Regions of one level with boundaries, within `prefix` (already scope-checked by the caller
    /// or derived from the scope). Used for grid maps, export and the point locator.
    pub async fn shapes(&self, prefix: &str, level: &str) -> Result<Vec<RegionShape>, StoreError> {
        let (lo, hi) = subtree_range(prefix);
        let sql = "SELECT code, parent_code, level, name, geometry FROM regions WHERE level = $1 AND code >= $2 AND code < $3 ORDER BY code";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(level).bind(&lo).bind(&hi).fetch_all(p).await)?)
    }

    /// A community's (or any region's) boundary and the boundaries of its grids, for import checks.
    pub async fn shape(&self, code: &str) -> Result<Option<RegionShape>, StoreError> {
        let sql = "SELECT code, parent_code, level, name, geometry FROM regions WHERE code = $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(code).fetch_optional(p).await)?)
    }

    pub async fn count_by_level(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = "SELECT level, COUNT(*) FROM regions GROUP BY level ORDER BY level";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
    }
}
