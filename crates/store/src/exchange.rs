//! Batched lookups for bulk import and export (`tongxin-exchange`): thousands of rows are
//! checked with a handful of `IN (…)` queries rather than one query per row.
//!
//! Every query is one SQL text with `$N` placeholders run on both backends; the `IN` lists are
//! built in chunks well below SQLite's parameter limit.

use crate::error::StoreError;
use crate::on_read;
use crate::places::Building;
use crate::regions::RegionShape;
use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::region::subtree_range;
use tongxin_domain::people::idcard::IdNumber;

repository!(
    /// Batched lookups for bulk import and export (`tongxin-exchange`).
    Exchange,
    exchange
);

/// Values per `IN (…)` list.
const CHUNK: usize = 500;

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A household's identity within its building, for matching imported rows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HouseholdKey {
    pub id: i64,
    pub building_id: i64,
    pub unit_no: i64,
    pub room_no: String,
}

/// One resident as the export writes it. `id_number` and `phone` are in clear only when the
/// export asked for unmasked data; otherwise they hold the masked forms.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedResident {
    pub id: i64,
    pub grid_code: String,
    pub building: Option<String>,
    pub unit_no: Option<i64>,
    pub room_no: Option<String>,
    pub name: String,
    /// `male` or `female`.
    pub gender: String,
    pub birth_date: NaiveDate,
    pub relation: String,
    pub id_number: String,
    pub phone: Option<String>,
    /// Comma-separated, as stored.
    pub tags: String,
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: i64,
    grid_code: String,
    building: Option<String>,
    unit_no: Option<i64>,
    room_no: Option<String>,
    name: String,
    gender: String,
    birth_date: NaiveDate,
    relation: String,
    id_masked: String,
    phone_masked: Option<String>,
    tags: String,
    id_cipher: Vec<u8>,
    phone_cipher: Option<Vec<u8>>,
}

impl Exchange<'_> {
    /// `(code, level)` of those of `codes` that exist.
    pub async fn region_levels(&self, codes: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for chunk in codes.chunks(CHUNK) {
            let sql = format!("SELECT code, level FROM regions WHERE code IN ({})", placeholders(1, chunk.len()));
            let rows: Vec<(String, String)> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for c in chunk {
                    q = q.bind(c);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Grids whose bounding box shares area with `bbox` (`[min_lng, min_lat, max_lng, max_lat]`),
    /// whatever the scope: boundaries must not overlap anyone's grid.
    pub async fn grid_shapes_in_bbox(&self, bbox: [f64; 4]) -> Result<Vec<RegionShape>, StoreError> {
        let sql = "SELECT code, parent_code, level, name, geometry FROM regions \
                   WHERE level = 'grid' AND geometry IS NOT NULL \
                   AND min_lng < $1 AND max_lng > $2 AND min_lat < $3 AND max_lat > $4 ORDER BY code";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(bbox[2])
            .bind(bbox[0])
            .bind(bbox[3])
            .bind(bbox[1])
            .fetch_all(p)
            .await)?)
    }

    /// Every building of these grids.
    pub async fn buildings_in_grids(&self, grids: &[String]) -> Result<Vec<Building>, StoreError> {
        let mut out = Vec::new();
        for chunk in grids.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, grid_code, name, address, lng, lat, floors, units FROM buildings \
                 WHERE grid_code IN ({}) ORDER BY id",
                placeholders(1, chunk.len())
            );
            let rows: Vec<Building> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for c in chunk {
                    q = q.bind(c);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Every household of these buildings.
    pub async fn households_in_buildings(&self, buildings: &[i64]) -> Result<Vec<HouseholdKey>, StoreError> {
        let mut out = Vec::new();
        for chunk in buildings.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, building_id, unit_no, room_no FROM households \
                 WHERE building_id IN ({}) ORDER BY id",
                placeholders(1, chunk.len())
            );
            let rows: Vec<HouseholdKey> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for b in chunk {
                    q = q.bind(*b);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Which of these ID numbers are already registered, by blind index, a chunk per query
    /// (the batched form of `store.residents().existing_id_numbers`).
    pub async fn registered_id_numbers(&self, ids: &[&IdNumber]) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let hmacs: Vec<Vec<u8>> = chunk.iter().map(|id| self.store.pii().blind_index(id.as_str())).collect();
            let sql = format!("SELECT id_hmac FROM residents WHERE id_hmac IN ({})", placeholders(1, hmacs.len()));
            let hits: Vec<Vec<u8>> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str()));
                for h in &hmacs {
                    q = q.bind(h.as_slice());
                }
                q.fetch_all(p).await
            })?;
            let hits: std::collections::HashSet<Vec<u8>> = hits.into_iter().collect();
            for (id, h) in chunk.iter().zip(&hmacs) {
                if hits.contains(h) {
                    found.push(id.as_str().to_string());
                }
            }
        }
        Ok(found)
    }

    /// Every resident whose grid lies under `prefix` (already derived from the caller's people
    /// scope), with building, unit and room, ordered by grid, building, unit, room. ID and phone
    /// numbers are decrypted only when `unmasked` (the caller audits that read).
    pub async fn residents(&self, prefix: &str, unmasked: bool) -> Result<Vec<ExportedResident>, StoreError> {
        let (lo, hi) = subtree_range(prefix);
        let sql = "SELECT r.id, r.grid_code, b.name AS building, h.unit_no, h.room_no, r.name, r.gender, \
                   r.birth_date, r.relation, r.id_masked, r.phone_masked, r.tags, r.id_cipher, r.phone_cipher \
                   FROM residents r \
                   LEFT JOIN households h ON h.id = r.household_id \
                   LEFT JOIN buildings b ON b.id = h.building_id \
                   WHERE r.grid_code >= $1 AND r.grid_code < $2 \
                   ORDER BY r.grid_code, h.building_id, h.unit_no, h.room_no, r.id";
        let rows: Vec<ExportRow> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(&lo).bind(&hi).fetch_all(p).await)?;
        rows.into_iter()
            .map(|r| {
                let (id_number, phone) = if unmasked {
                    (
                        self.store.pii().decrypt(&r.id_cipher)?,
                        r.phone_cipher.as_deref().map(|c| self.store.pii().decrypt(c)).transpose()?,
                    )
                } else {
                    (r.id_masked, r.phone_masked)
                };
                Ok(ExportedResident {
                    id: r.id,
                    grid_code: r.grid_code,
                    building: r.building,
                    unit_no: r.unit_no,
                    room_no: r.room_no,
                    name: r.name,
                    gender: r.gender,
                    birth_date: r.birth_date,
                    relation: r.relation,
                    id_number,
                    phone,
                    tags: r.tags,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn numbered_placeholders() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(4, 1), "$4");
    }
}
