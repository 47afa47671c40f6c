//! The monthly unit counters behind 三率, and the outbox backlog.

use crate::cases::Cases;
use crate::error::StoreError;
use crate::on_read;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UnitMonth {
    pub month: String,
    pub unit: String,
    pub dispatched: i64,
    pub responded_in_time: i64,
    pub rated: i64,
    pub resolved: i64,
    pub satisfied: i64,
    pub reopened: i64,
    pub closed_on_spot: i64,
}

impl Cases<'_> {
    /// Counters of one month (`YYYY-MM`) for units whose key starts with `unit_prefix`
    /// (`dept:`, `grid:`, `area:330702001` …).
    pub async fn unit_month_stats(&self, month: &str, unit_prefix: &str) -> Result<Vec<UnitMonth>, StoreError> {
        let (lo, hi) = (unit_prefix.to_string(), format!("{unit_prefix}\u{10FFFF}"));
        let sql = "SELECT month, unit, dispatched, responded_in_time, rated, resolved, satisfied, reopened, closed_on_spot FROM unit_month_stats \
                   WHERE month = $1 AND unit >= $2 AND unit < $3 ORDER BY unit";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(month).bind(&lo).bind(&hi).fetch_all(p).await)?)
    }
}

impl crate::cases::outbox::Outbox<'_> {
    /// Messages not yet delivered.
    pub async fn backlog(&self) -> Result<i64, StoreError> {
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(p)
            .await)?)
    }
}

impl Cases<'_> {
    /// All cases, exactly (benchmarks and reports; queues count with a cap).
    pub async fn count(&self) -> Result<i64, StoreError> {
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(p).await)?)
    }
}
