//! The queries of the mediation timers (run by the jobs through `tongxin_app::mediation`):
//! the one-month limit's warning and overdue marks with their notices, the disputes awaiting
//! automatic 督办, and the 司法确认 windows to lapse.
//!
//! Like the case timers, each mark is one `UPDATE … WHERE id IN (SELECT … LIMIT n) AND <still
//! due> RETURNING …` with its notices in the same transaction; the due condition is repeated
//! outside the subquery so a second process on PostgreSQL skips what the first marked. Marks
//! leave the version alone (bookkeeping, not a decision); a save that moves the deadline clears
//! them, and any save settles a pending 督办.

use super::Mediation;
use super::write::{NewNotice, OUTBOX_COLS, outbox_rows};
use crate::bulk::insert_rows;
use crate::error::StoreError;
use crate::{on_read, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// A dispute just marked (warned of its limit, or overdue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MarkedDispute {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub org_id: i64,
    pub deadline_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A dispute due for a system decision (督办, a lapse), with the version to guard it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DueDispute {
    pub id: i64,
    pub code: String,
    pub version: i64,
}

/// The text of a limit notice: a warning (`overdue` false) or the overdue notice.
pub fn limit_text(code: &str, deadline: DateTime<Utc>, overdue: bool) -> String {
    let when = crate::cases::timers::deadline_label(deadline);
    if overdue {
        format!("纠纷 {code} 已超过调解期限（{when}）仍未调结，请尽快调结或经双方同意延长期限。")
    } else {
        format!("纠纷 {code} 的调解期限将于 {when} 届满，请抓紧调解。")
    }
}

/// Limits run while the dispute is accepted or being mediated.
const LIMIT_RUNS: &str = "status IN ('accepted', 'mediating')";

impl Mediation<'_> {
    /// Marks up to `limit` disputes whose warning time has come and queues a
    /// `mediation_limit_warning` notice to the organisation and each assigned mediator. One
    /// already past its deadline is marked without a warning (the overdue notice follows).
    pub async fn mark_limit_warnings(&self, limit: i64) -> Result<Vec<MarkedDispute>, StoreError> {
        let now = self.store.now();
        let due = format!("open = TRUE AND warned = FALSE AND warn_at <= $1 AND {LIMIT_RUNS}");
        let sql = format!(
            "UPDATE disputes SET warned = TRUE WHERE id IN (SELECT id FROM disputes WHERE {due} ORDER BY warn_at LIMIT $2) \
             AND {due} RETURNING id, code, street_code, org_id, deadline_at, version"
        );
        self.mark(&sql, limit, now, |d, deadline| {
            (deadline > now).then(|| ("mediation_limit_warning", limit_text(&d.code, deadline, false), false))
        })
        .await
    }

    /// Marks up to `limit` disputes past their limit (strictly after it, as the domain's
    /// `is_overdue` counts) overdue, flags them for automatic 督办 and queues a
    /// `mediation_overdue` notice to the organisation, the assigned mediators and the street's
    /// 矛调中心 (its dispatchers), in one transaction.
    pub async fn mark_overdue(&self, limit: i64) -> Result<Vec<MarkedDispute>, StoreError> {
        let now = self.store.now();
        let due = format!("open = TRUE AND overdue = FALSE AND deadline_at < $1 AND {LIMIT_RUNS}");
        let sql = format!(
            "UPDATE disputes SET overdue = TRUE, supervise_pending = TRUE WHERE id IN \
             (SELECT id FROM disputes WHERE {due} ORDER BY deadline_at LIMIT $2) \
             AND {due} RETURNING id, code, street_code, org_id, deadline_at, version"
        );
        self.mark(&sql, limit, now, |d, deadline| {
            Some(("mediation_overdue", limit_text(&d.code, deadline, true), true))
        })
        .await
    }

    /// Runs a marking statement and queues each marked dispute's notices: `notice` gives the
    /// kind, the text and whether the street's centre is told too.
    async fn mark(
        &self,
        sql: &str,
        limit: i64,
        now: DateTime<Utc>,
        notice: impl Fn(&MarkedDispute, DateTime<Utc>) -> Option<(&'static str, String, bool)>,
    ) -> Result<Vec<MarkedDispute>, StoreError> {
        let mut tx = self.store.db.begin().await?;
        let mut hits: Vec<MarkedDispute> =
            on_tx!(&mut tx, |c| sqlx::query_as(AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(c).await)?;
        hits.sort_by_key(|h| h.id);
        let mut rows = Vec::new();
        for h in &hits {
            let Some((kind, text, centre)) = notice(h, h.deadline_at.unwrap_or(now)) else { continue };
            let mediators: Vec<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT mediator_id FROM dispute_mediators WHERE dispute_id = $1 ORDER BY mediator_id"
            )
            .bind(h.id)
            .fetch_all(c)
            .await)?;
            let mut units = vec![format!("mediation_org:{}", h.org_id)];
            units.extend(mediators.iter().map(|m| format!("mediator:{m}")));
            if centre {
                units.push(format!("dispatchers:{}", h.street_code));
            }
            let notices: Vec<NewNotice> =
                units.into_iter().map(|unit| NewNotice { kind: kind.into(), unit, text: text.clone() }).collect();
            rows.extend(outbox_rows(&notices, Some(h.id), &h.code, now));
        }
        insert_rows(&mut tx, "outbox", &OUTBOX_COLS, &rows).await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// Up to `limit` overdue disputes awaiting their automatic 督办, oldest first.
    pub async fn pending_supervisions(&self, limit: i64) -> Result<Vec<DueDispute>, StoreError> {
        let sql = "SELECT id, code, version FROM disputes WHERE supervise_pending = TRUE ORDER BY id LIMIT $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(limit).fetch_all(p).await)?)
    }

    /// Settles a pending 督办 the rules no longer call for (the limit was extended meanwhile),
    /// if the dispute is still at `version`; returns whether it did.
    pub async fn settle_supervision(&self, id: i64, version: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE disputes SET supervise_pending = FALSE WHERE id = $1 AND version = $2";
        let mut tx = self.store.db.begin().await?;
        let n =
            on_tx!(&mut tx, |c| sqlx::query(sql).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Up to `limit` disputes whose 司法确认 window ended before `today` without an
    /// application, earliest window first.
    pub async fn lapsable_confirmations(&self, today: NaiveDate, limit: i64) -> Result<Vec<DueDispute>, StoreError> {
        let sql = "SELECT id, code, version FROM disputes WHERE confirmation_status = 'not_applied' \
                   AND confirmation_window_end < $1 ORDER BY confirmation_window_end, id LIMIT $2";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(today).bind(limit).fetch_all(p).await)?)
    }
}
