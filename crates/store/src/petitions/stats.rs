//! What the leaders' pages read of petitions: the states of those received in a period (the
//! 按期率 of each clock is the domain's `petition::stats::tally` over them, on the same clocks
//! the petition page shows), and the 矛调中心's daily list — petitions received on a day, and
//! open ones whose earliest duty falls due soon (or already has). Within the scope, like every
//! petition read.

use super::read::{PETITION_COLS, PETITION_FROM, PetitionView};
use super::{Petitions, VISIBLE, visible};
use crate::error::StoreError;
use crate::on_read;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::petition::PetitionState;

/// The most petitions one report rates; a larger period is refused (shorten it).
pub const MAX_RATED: i64 = 50_000;

macro_rules! bind_visible {
    ($q:expr, $v:expr) => {
        $q.bind(&$v.lo).bind(&$v.hi).bind(&$v.unit)
    };
}

impl Petitions<'_> {
    /// The states of the petitions the scope reads that were received (registered) in
    /// `[from, to)`, oldest first; more than [`MAX_RATED`] is refused with a Chinese message.
    pub async fn states_received(
        &self,
        scope: &Scope,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PetitionState>, StoreError> {
        let v = visible(scope);
        let sql = format!(
            "SELECT p.id, p.state FROM petitions p WHERE {VISIBLE} AND p.created_at >= $4 AND p.created_at < $5 \
             ORDER BY p.id LIMIT $6"
        );
        let rows: Vec<(i64, String)> =
            on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
                .bind(from)
                .bind(to)
                .bind(MAX_RATED + 1)
                .fetch_all(p)
                .await)?;
        if rows.len() as i64 > MAX_RATED {
            return Err(StoreError::Invalid(format!("统计区间内的信访件超过 {MAX_RATED} 件，请缩短统计区间")));
        }
        rows.into_iter()
            .map(|(id, state)| {
                serde_json::from_str(&state)
                    .map_err(|e| StoreError::from(sqlx::Error::Decode(format!("petition {id}: state: {e}").into())))
            })
            .collect()
    }

    /// Petitions the scope reads received in `[from, to)`, oldest first, at most `limit`.
    pub async fn received_between(
        &self,
        scope: &Scope,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        limit: i64,
    ) -> Result<Vec<PetitionView>, StoreError> {
        let v = visible(scope);
        let sql = format!(
            "SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE {VISIBLE} AND p.created_at >= $4 AND p.created_at < $5 \
             ORDER BY p.created_at, p.id LIMIT $6"
        );
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(from)
            .bind(to)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}
