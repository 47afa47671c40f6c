//! Storage behind the Open311 GeoReport v2 adapter: the machine clients allowed to post
//! requests (API keys kept only as SHA-256 digests), the filtered public listing of cases as
//! service requests, and the service list's changeset.
//!
//! The listing never scans the whole table: every filter narrows a range of the unique index
//! on the tracking code. A code carries the Shanghai day it was issued on
//! (`TX20261122-000123`, the day of `created_at`), so a date range is first a code range, and
//! "newest first" is the index order backwards; `created_at` then trims the range's edges.

use crate::accounts::token_digest;
use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use tongxin_domain::case::CODE_PREFIX;
use tongxin_domain::case::deadline::shanghai_date;

repository!(
    /// Open311 GeoReport v2 clients and the requests they see.
    Open311,
    open311
);

/// At most this many requests in one listing (the GeoReport v2 default volume).
pub const MAX_REQUESTS: i64 = 1000;

/// A machine client allowed to post service requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Open311Client {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A client just created: its id and its API key, shown once (only the digest is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedKey {
    pub id: i64,
    pub api_key: String,
}

/// Which cases a listing returns.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Tracking codes; when present the other filters do not apply.
    pub codes: Vec<String>,
    /// Category codes (service codes); empty = all.
    pub categories: Vec<String>,
    /// Reported at or after.
    pub from: Option<DateTime<Utc>>,
    /// Reported at or before.
    pub to: Option<DateTime<Utc>>,
    /// `Some(true)` open cases only, `Some(false)` closed only.
    pub open: Option<bool>,
    /// At most this many (capped at [`MAX_REQUESTS`]).
    pub limit: i64,
}

/// A case as Open311 shows it publicly: no requester name or phone.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ServiceRequestRow {
    pub id: i64,
    pub code: String,
    pub category_code: String,
    /// The category's name (`None` only if the category row is gone).
    pub category_name: Option<String>,
    pub description: String,
    pub status: String,
    pub open: bool,
    /// `dept:12` or `grid:…`, as [`tongxin_domain::case::Unit::key`] writes it.
    pub lead_unit: Option<String>,
    pub address: String,
    pub building_id: Option<i64>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How the case came in (`hotline`, `web`, `open311` …).
    pub channel: String,
    pub street_code: String,
    /// The street's name (filled after the query), the most precise place Open311 publishes.
    #[sqlx(skip)]
    pub street_name: Option<String>,
    /// The lead unit's name: the department's, or the grid's (filled after the query).
    #[sqlx(skip)]
    pub lead_unit_name: Option<String>,
}

const ROW_COLS: &str = "c.id, c.code, c.category_code, k.name AS category_name, c.description, c.status, c.open, \
     c.lead_unit, c.address, c.building_id, c.lng, c.lat, c.deadline_at, c.created_at, c.updated_at, c.channel, \
     c.street_code";

enum Bind {
    Text(String),
    Bool(bool),
    I64(i64),
    Ts(DateTime<Utc>),
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Bool(v) => q.bind(*v),
                Bind::I64(v) => q.bind(*v),
                Bind::Ts(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// `$a, $b, …` for `values`, appended to `binds`.
fn placeholders(binds: &mut Vec<Bind>, values: &[String]) -> String {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        binds.push(Bind::Text(v.clone()));
        out.push(format!("${}", binds.len()));
    }
    out.join(", ")
}

/// The first tracking code of a Shanghai day, as a sortable bound.
fn code_bound(day: chrono::NaiveDate) -> String {
    format!("{CODE_PREFIX}{}", day.format("%Y%m%d"))
}

/// A fresh API key: 32 random bytes, base64url without padding.
pub fn new_api_key() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

impl Open311<'_> {
    /// Registers a client and issues its API key (audited); the key is returned once.
    pub async fn create_client(&self, actor: &Actor, name: &str) -> Result<IssuedKey, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid("客户端名称不能为空，且不超过 100 字".into()));
        }
        let api_key = new_api_key();
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO open311_clients (name, api_key_hash, created_at) VALUES ($1, $2, $3) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(name)
            .bind(token_digest(&api_key))
            .bind(now)
            .fetch_one(c)
            .await)?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("open311_client.create", "open311_client", id).detail(name),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedKey { id, api_key })
    }

    /// The client holding this API key, unless it was revoked.
    pub async fn client_by_key(&self, api_key: &str) -> Result<Option<Open311Client>, StoreError> {
        let sql = "SELECT id, name, created_at, revoked_at FROM open311_clients WHERE api_key_hash = $1 AND revoked_at IS NULL";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(token_digest(api_key)).fetch_optional(p).await)?)
    }

    /// Every client, revoked ones included.
    pub async fn clients(&self) -> Result<Vec<Open311Client>, StoreError> {
        let sql = "SELECT id, name, created_at, revoked_at FROM open311_clients ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
    }

    /// Revokes a client's key (audited); `NotFound` if it does not exist or is already revoked.
    pub async fn revoke_client(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE open311_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
        let n = on_tx!(&mut tx, |c| sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, self.store.pii(), now, actor, AuditEntry::new("open311_client.revoke", "open311_client", id))
            .await?;
        tx.commit().await
    }

    /// When the service list last changed (the latest category change).
    pub async fn changeset(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT MAX(updated_at) FROM categories";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).fetch_one(p).await)?)
    }

    /// Cases as service requests, newest first, with the lead unit's name resolved.
    pub async fn requests(&self, f: &RequestFilter) -> Result<Vec<ServiceRequestRow>, StoreError> {
        let limit = f.limit.clamp(1, MAX_REQUESTS);
        let mut binds: Vec<Bind> = Vec::new();
        let mut clauses: Vec<String> = Vec::new();
        if !f.codes.is_empty() {
            let codes: Vec<String> = f.codes.iter().take(MAX_REQUESTS as usize).cloned().collect();
            clauses.push(format!("c.code IN ({})", placeholders(&mut binds, &codes)));
        } else {
            // The code range first (index), then the exact instants.
            let lo = f.from.map(|t| code_bound(shanghai_date(t))).unwrap_or_else(|| CODE_PREFIX.to_string());
            binds.push(Bind::Text(lo));
            clauses.push(format!("c.code >= ${}", binds.len()));
            if let Some(to) = f.to {
                let next_day = shanghai_date(to + Duration::days(1));
                binds.push(Bind::Text(code_bound(next_day)));
                clauses.push(format!("c.code < ${}", binds.len()));
            } else {
                // Past every code of the prefix: "TX" + digits sorts below "TY".
                binds.push(Bind::Text(format!("{CODE_PREFIX}~")));
                clauses.push(format!("c.code < ${}", binds.len()));
            }
            if let Some(from) = f.from {
                binds.push(Bind::Ts(from));
                clauses.push(format!("c.created_at >= ${}", binds.len()));
            }
            if let Some(to) = f.to {
                binds.push(Bind::Ts(to));
                clauses.push(format!("c.created_at <= ${}", binds.len()));
            }
            if !f.categories.is_empty() {
                clauses.push(format!("c.category_code IN ({})", placeholders(&mut binds, &f.categories)));
            }
            if let Some(open) = f.open {
                binds.push(Bind::Bool(open));
                // Not `c.open = $n`: SQLite would pick the (open, …) timer indexes over the code range.
                clauses.push(format!("(c.open = ${}) IS TRUE", binds.len()));
            }
        }
        binds.push(Bind::I64(limit));
        let sql = format!(
            "SELECT {ROW_COLS} FROM cases c LEFT JOIN categories k ON k.code = c.category_code WHERE {} \
             ORDER BY c.code DESC LIMIT ${}",
            clauses.join(" AND "),
            binds.len()
        );
        let mut rows: Vec<ServiceRequestRow> =
            on_read!(&self.store.db, |p| bind_all!(sqlx::query_as(AssertSqlSafe(sql.as_str())), &binds)
                .fetch_all(p)
                .await)?;
        self.fill_unit_names(&mut rows).await?;
        Ok(rows)
    }

    /// Resolves `dept:ID` to the department's name and `grid:CODE` to the grid's.
    async fn fill_unit_names(&self, rows: &mut [ServiceRequestRow]) -> Result<(), StoreError> {
        let mut depts: Vec<String> = Vec::new();
        let mut grids: Vec<String> = Vec::new();
        for r in rows.iter() {
            if !grids.contains(&r.street_code) {
                grids.push(r.street_code.clone());
            }
            match r.lead_unit.as_deref() {
                Some(u)
                    if u.starts_with("dept:")
                        && u[5..].parse::<i64>().is_ok()
                        && !depts.iter().any(|d| d == &u[5..]) =>
                {
                    depts.push(u[5..].to_string());
                }
                Some(u) if u.starts_with("grid:") && !grids.iter().any(|g| g == &u[5..]) => {
                    grids.push(u[5..].to_string());
                }
                _ => {}
            }
        }
        let mut names: HashMap<String, String> = HashMap::new();
        if !depts.is_empty() {
            let ids: Vec<i64> = depts.iter().filter_map(|d| d.parse().ok()).collect();
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id, name FROM departments WHERE id IN ({})", marks.join(", "));
            let found: Vec<(i64, String)> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for id in &ids {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await
            })?;
            names.extend(found.into_iter().map(|(id, name)| (format!("dept:{id}"), name)));
        }
        if !grids.is_empty() {
            let mut binds = Vec::new();
            let sql = format!("SELECT code, name FROM regions WHERE code IN ({})", placeholders(&mut binds, &grids));
            let found: Vec<(String, String)> =
                on_read!(&self.store.db, |p| bind_all!(sqlx::query_as(AssertSqlSafe(sql.as_str())), &binds)
                    .fetch_all(p)
                    .await)?;
            names.extend(found.into_iter().map(|(code, name)| (format!("grid:{code}"), name)));
        }
        for r in rows.iter_mut() {
            r.street_name = names.get(&format!("grid:{}", r.street_code)).cloned();
            r.lead_unit_name = r.lead_unit.as_ref().and_then(|u| names.get(u).cloned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_bounds_sort_around_the_day_codes() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let first = tongxin_domain::case::format_code(day, 1).unwrap();
        let last = tongxin_domain::case::format_code(day, 999_999).unwrap();
        let next = code_bound(day.succ_opt().unwrap());
        assert!(code_bound(day) <= first && first < last && last < next);
        assert!(last < format!("{CODE_PREFIX}~"));
    }

    #[test]
    fn api_keys_are_32_random_bytes() {
        let a = new_api_key();
        assert_eq!(data_encoding::BASE64URL_NOPAD.decode(a.as_bytes()).unwrap().len(), 32);
        assert_ne!(a, new_api_key());
    }
}
