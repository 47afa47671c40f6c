//! Aggregate reads for the leaders' dashboard and the street map. Every query is bounded to one
//! street (`street_code = $1`) so it runs on the case indexes whatever the size of the table:
//! cases reported in a date range on `cases_created (street_code, created_at)`, open cases on
//! `cases_street_queue (street_code, open, due_at)`. A narrower area (a community or a grid)
//! adds a `grid_code` range on the rows the index found. Callers derive the street and the area
//! from the caller's scope; wider scopes ask once per street.

use crate::error::StoreError;
use crate::on_read;
use chrono::{DateTime, Utc};
use tongxin_domain::kernel::region::subtree_range;

/// Open cases of one category in one grid (`grid` is `None` for cases located outside any grid).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenCount {
    pub category_code: String,
    pub grid_code: Option<String>,
    pub open: i64,
    pub overdue: i64,
}

/// The `grid_code` bounds for an area code longer than a street (`None`: the whole street).
fn grid_bounds(area: &str) -> (bool, String, String) {
    if area.len() <= 9 {
        (true, String::new(), String::new())
    } else {
        let (lo, hi) = subtree_range(area);
        (false, lo, hi)
    }
}

impl super::Cases<'_> {
    /// When each case in `area` (a street or a region within one street) was reported, for
    /// `from <= created_at < to`.
    pub async fn created_times(
        &self,
        area: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let street = street_of(area)?;
        let (whole, lo, hi) = grid_bounds(area);
        let sql = "SELECT created_at FROM cases WHERE street_code = $1 AND created_at >= $2 AND created_at < $3 \
                   AND ($4 OR (grid_code >= $5 AND grid_code < $6))";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql)
            .bind(street)
            .bind(from)
            .bind(to)
            .bind(whole)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?)
    }

    /// Open (and overdue) cases in `area` (a street or a region within one street) by category
    /// and grid.
    pub async fn open_counts(&self, area: &str) -> Result<Vec<OpenCount>, StoreError> {
        let street = street_of(area)?;
        let (whole, lo, hi) = grid_bounds(area);
        let sql = "SELECT category_code, grid_code, COUNT(*) AS open, \
                   SUM(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue FROM cases \
                   WHERE street_code = $1 AND open = $2 AND ($3 OR (grid_code >= $4 AND grid_code < $5)) \
                   GROUP BY category_code, grid_code ORDER BY category_code, grid_code";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(street)
            .bind(true)
            .bind(whole)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?)
    }
}

/// The street (9 digits) an area lies in.
fn street_of(area: &str) -> Result<&str, StoreError> {
    if area.len() < 9 || !area.is_char_boundary(9) {
        return Err(StoreError::Invalid(format!("区域“{area}”不在一个街道之内")));
    }
    Ok(&area[..9])
}
