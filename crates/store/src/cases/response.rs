//! The cases behind a unit's 响应率 (issue 11 item 3): the candidates a month's explanation
//! page sorts into responded / not acknowledged / no contact / late / returned. The counters
//! (`unit_month_stats`) stay the figure; this only lists what they are made of.

use super::Cases;
use super::read::{CASE_COLS, CaseView};
use crate::error::StoreError;
use crate::on_read;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::region::subtree_range;

/// Cases listed at most on one explanation page.
pub const MAX_EXPLAINED: i64 = 2000;

/// Whose cases: a department (its key `dept:{id}`), or the cases located in an area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseUnit<'a> {
    /// Led by the department now, or led by it before it returned the case (退单) or the
    /// case was withdrawn from it (its participant row keeps the role).
    Department { key: &'a str },
    /// Located in a street (9 digits), community (12) or grid (15).
    Area { code: &'a str },
}

impl Cases<'_> {
    /// Cases of `street` created in `[from, to)` that count for `unit`, oldest first, at most
    /// [`MAX_EXPLAINED`]. The caller keeps those dispatched in the month it explains (a case
    /// is counted in the month of its dispatch, which is never before its creation). Reads
    /// the `(street_code, created_at)` index.
    pub async fn response_candidates(
        &self,
        street: &str,
        unit: &ResponseUnit<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaseView>, StoreError> {
        let base = format!(
            "SELECT {CASE_COLS} FROM cases c WHERE c.street_code = $1 AND c.created_at >= $2 AND c.created_at < $3"
        );
        let rows = match unit {
            ResponseUnit::Department { key } => {
                let sql = format!(
                    "{base} AND (c.lead_unit = $4 OR EXISTS (SELECT 1 FROM case_participants p \
                     WHERE p.case_id = c.id AND p.unit = $4 AND p.role = 'lead')) ORDER BY c.created_at, c.id LIMIT $5"
                );
                on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(street)
                    .bind(from)
                    .bind(to)
                    .bind(*key)
                    .bind(MAX_EXPLAINED)
                    .fetch_all(p)
                    .await)?
            }
            ResponseUnit::Area { code } if code.len() > street.len() => {
                let (lo, hi) = subtree_range(code);
                let sql =
                    format!("{base} AND c.grid_code >= $4 AND c.grid_code < $5 ORDER BY c.created_at, c.id LIMIT $6");
                on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(street)
                    .bind(from)
                    .bind(to)
                    .bind(&lo)
                    .bind(&hi)
                    .bind(MAX_EXPLAINED)
                    .fetch_all(p)
                    .await)?
            }
            ResponseUnit::Area { .. } => {
                let sql = format!("{base} ORDER BY c.created_at, c.id LIMIT $4");
                on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(street)
                    .bind(from)
                    .bind(to)
                    .bind(MAX_EXPLAINED)
                    .fetch_all(p)
                    .await)?
            }
        };
        Ok(rows)
    }
}
