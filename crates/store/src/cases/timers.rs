//! Deadline timers: warning units before a case's deadline and marking cases overdue.
//!
//! Each pass marks a batch of due cases with one `UPDATE … WHERE id IN (SELECT … LIMIT n) AND
//! <still due> RETURNING …` and writes their outbox notices in the same transaction, so a
//! warning is queued exactly when its mark is set. The due conditions are repeated outside the
//! subquery: on PostgreSQL a second process that picked the same cases waits for the first's
//! row locks, re-checks them against the committed rows and skips what is already marked (or
//! whose deadline moved meanwhile). Marks do not change the case's version: they are timer
//! bookkeeping, not a decision, and must not make a person's pending action stale.
//! [`super::write`] clears both marks whenever the deadline changes (extension, restart).
//!
//! The overdue mark also sets `supervise_pending`: the automatic escalation (督办) runs as a
//! separate decision through the use-case layer, and any decision on the case clears the flag.
//! A crash between the two steps leaves the flag set, and the next pass escalates the case.

use crate::error::StoreError;
use crate::{on_read, on_tx};
use chrono::{DateTime, Utc};
use serde_json::json;
use tongxin_domain::kernel::clock::shanghai;

/// A case just warned of its coming deadline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WarnedCase {
    pub id: i64,
    pub code: String,
    pub lead_unit: Option<String>,
    pub deadline_at: Option<DateTime<Utc>>,
}

/// A case just marked overdue, to be escalated (督办).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OverdueCase {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub lead_unit: Option<String>,
    pub deadline_at: Option<DateTime<Utc>>,
    /// The case's version (unchanged by the mark), for the escalation's optimistic check.
    pub version: i64,
}

/// `11月25日 18:00` in Shanghai time.
pub fn deadline_label(t: DateTime<Utc>) -> String {
    shanghai(t).format("%-m月%-d日 %H:%M").to_string()
}

/// The warning a lead unit gets before the deadline.
pub fn warning_text(code: &str, deadline: DateTime<Utc>) -> String {
    format!("诉求 {code} 将于 {} 到期，请抓紧办理。", deadline_label(deadline))
}

/// The overdue notice: to the lead unit (`to_dispatchers` false) or the street's dispatchers.
pub fn overdue_text(code: &str, deadline: DateTime<Utc>, to_dispatchers: bool) -> String {
    let when = deadline_label(deadline);
    if to_dispatchers {
        format!("诉求 {code} 已超过办理期限（{when}）仍未办结，已转督办，请跟进。")
    } else {
        format!("诉求 {code} 已超过办理期限（{when}），请尽快办结。")
    }
}

fn payload(code: &str, text: &str) -> String {
    json!({ "code": code, "text": text }).to_string()
}

impl super::Cases<'_> {
    /// Marks up to `limit` open cases whose warning time has come and queues a
    /// `deadline_warning` notice to each one's lead unit, in one transaction. A case already
    /// past its deadline (the timer was down) is marked without a warning: "due soon" would
    /// be false, and the overdue notice follows instead. Returns the cases warned.
    pub async fn mark_deadline_warnings(&self, limit: i64) -> Result<Vec<WarnedCase>, StoreError> {
        let now = self.store.now();
        let sql = "UPDATE cases SET warned = TRUE WHERE id IN (\
                     SELECT id FROM cases WHERE open = TRUE AND warned = FALSE AND warn_at <= $1 ORDER BY warn_at LIMIT $2) \
                   AND open = TRUE AND warned = FALSE AND warn_at <= $1 \
                   RETURNING id, code, lead_unit, deadline_at";
        let mut tx = self.store.db.begin().await?;
        let mut hits: Vec<WarnedCase> =
            on_tx!(&mut tx, |c| sqlx::query_as(sql).bind(now).bind(limit).fetch_all(c).await)?;
        hits.retain(|h| h.deadline_at.is_some_and(|d| d > now));
        hits.sort_by_key(|h| h.id);
        let mut rows = Vec::new();
        for h in &hits {
            if let (Some(unit), Some(deadline)) = (&h.lead_unit, h.deadline_at) {
                rows.push(outbox_row(
                    h.id,
                    "deadline_warning",
                    unit,
                    &payload(&h.code, &warning_text(&h.code, deadline)),
                    now,
                ));
            }
        }
        crate::bulk::insert_rows(&mut tx, "outbox", &OUTBOX_COLS, &rows).await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// Marks up to `limit` cases overdue that a unit still holds (dispatched or acknowledged)
    /// past their deadline (strictly after it, as the domain's `is_overdue` counts), queues an
    /// `overdue` notice to the lead unit and the street's dispatchers, and flags each case for
    /// escalation, in one transaction. Escalation is the caller's next step
    /// (`store.cases().pending_supervisions`).
    pub async fn mark_overdue(&self, limit: i64) -> Result<Vec<OverdueCase>, StoreError> {
        let now = self.store.now();
        let due = "open = TRUE AND overdue = FALSE AND deadline_at < $1 AND status IN ('dispatched', 'acknowledged')";
        let sql = format!(
            "UPDATE cases SET overdue = TRUE, supervise_pending = TRUE WHERE id IN (SELECT id FROM cases WHERE {due} ORDER BY deadline_at LIMIT $2) \
             AND {due} RETURNING id, code, street_code, lead_unit, deadline_at, version"
        );
        let mut tx = self.store.db.begin().await?;
        let mut hits: Vec<OverdueCase> = on_tx!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(now)
            .bind(limit)
            .fetch_all(c)
            .await)?;
        hits.sort_by_key(|h| h.id);
        let mut rows = Vec::new();
        for h in &hits {
            let deadline = h.deadline_at.unwrap_or(now);
            if let Some(unit) = &h.lead_unit {
                rows.push(outbox_row(
                    h.id,
                    "overdue",
                    unit,
                    &payload(&h.code, &overdue_text(&h.code, deadline, false)),
                    now,
                ));
            }
            let dispatchers = format!("dispatchers:{}", h.street_code);
            rows.push(outbox_row(
                h.id,
                "overdue",
                &dispatchers,
                &payload(&h.code, &overdue_text(&h.code, deadline, true)),
                now,
            ));
        }
        crate::bulk::insert_rows(&mut tx, "outbox", &OUTBOX_COLS, &rows).await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// Up to `limit` overdue cases still waiting for their automatic escalation, oldest first,
    /// with their current version.
    pub async fn pending_supervisions(&self, limit: i64) -> Result<Vec<PendingSupervision>, StoreError> {
        let sql = "SELECT id, code, version FROM cases WHERE supervise_pending = TRUE ORDER BY id LIMIT $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(limit).fetch_all(p).await)?)
    }

    /// Gives up the automatic escalation of a case that cannot be supervised any more (the
    /// domain refused it), unless the case changed since `version` was read.
    pub async fn drop_pending_supervision(&self, id: i64, version: i64) -> Result<(), StoreError> {
        let sql = "UPDATE cases SET supervise_pending = FALSE WHERE id = $1 AND version = $2";
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(sql).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }
}

impl super::Cases<'_> {
    /// Sets a case aside that background job `job` cannot process (its stored state is
    /// corrupt, issue 9 R6): its pending escalation is dropped so the job goes on with the other
    /// cases, and — the first time only — the case is recorded in `job_quarantine`, the audit log
    /// gets a `case.quarantine` entry the admin can read, and the street's dispatchers a notice.
    /// `reason` must not carry personal data. Returns whether it was newly quarantined.
    pub async fn quarantine(&self, job: &str, case_id: i64, reason: &str) -> Result<bool, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE cases SET supervise_pending = FALSE WHERE id = $1";
        on_tx!(&mut tx, |c| sqlx::query(sql).bind(case_id).execute(c).await.map(|r| r.rows_affected()))?;
        let sql = "INSERT INTO job_quarantine (job, case_id, reason, at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, case_id) DO NOTHING";
        let fresh = on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(job)
            .bind(case_id)
            .bind(reason)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?
            == 1;
        if fresh {
            let sql = "SELECT code, street_code FROM cases WHERE id = $1";
            let (code, street): (String, String) =
                on_tx!(&mut tx, |c| sqlx::query_as(sql).bind(case_id).fetch_one(c).await)?;
            let text = format!("诉求 {code} 的数据已损坏，后台任务已跳过并隔离该诉求，请联系系统管理员核查。");
            let row = outbox_row(case_id, "quarantine", &format!("dispatchers:{street}"), &payload(&code, &text), now);
            crate::bulk::insert_rows(&mut tx, "outbox", &OUTBOX_COLS, &[row]).await?;
            let entry = crate::audit::AuditEntry::new("case.quarantine", "case", case_id)
                .detail(format!("{code} 后台任务 {job} 无法处理，已隔离：{reason}"));
            crate::audit::append_many(&mut tx, self.store.pii(), now, &crate::Actor::system(job), vec![entry]).await?;
        }
        tx.commit().await?;
        Ok(fresh)
    }

    /// Cases set aside by background jobs: (job, case id, reason, when), newest first.
    pub async fn quarantined(&self) -> Result<Vec<(String, i64, String, DateTime<Utc>)>, StoreError> {
        let sql = "SELECT job, case_id, reason, at FROM job_quarantine ORDER BY id DESC";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
    }
}

/// An overdue case awaiting its automatic 督办.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingSupervision {
    pub id: i64,
    pub code: String,
    pub version: i64,
}

const OUTBOX_COLS: [&str; 7] = ["channel", "kind", "case_id", "recipient", "payload", "created_at", "available_at"];

fn outbox_row(case_id: i64, kind: &str, unit: &str, payload: &str, now: DateTime<Utc>) -> Vec<crate::bulk::Val> {
    vec!["notice".into(), kind.into(), case_id.into(), unit.into(), payload.into(), now.into(), now.into()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn texts_show_shanghai_time() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
        assert_eq!(
            warning_text("TX20261122-000001", t),
            "诉求 TX20261122-000001 将于 11月25日 18:00 到期，请抓紧办理。"
        );
        assert!(overdue_text("TX1", t, true).contains("11月25日 18:00"));
    }
}
