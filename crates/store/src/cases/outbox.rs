//! Delivering the transactional outbox: rows written with the change that causes them (see
//! [`super::write`]) are claimed here by the delivery job and marked sent, retried or given up.
//!
//! **Claiming.** `store.outbox().claim` takes a lease on due rows with one `UPDATE … WHERE id IN
//! (SELECT … LIMIT n) AND <lease free> RETURNING …` on both backends. The lease condition is
//! repeated outside the subquery on purpose: when two server processes on one PostgreSQL
//! database pick the same rows, the second waits for the first's row locks and then re-checks
//! the outer `WHERE` against the committed row, finds the lease taken and skips the row. SQLite
//! has one writer, so claims never overlap there. A claimer that dies leaves its lease to
//! expire; the rows are then claimed again.
//!
//! **Exactly once for in-app notices.** `store.outbox().deliver_notices` inserts the `notices` row and
//! sets `sent_at` in one transaction, and `notices.outbox_id` is unique: a row claimed twice
//! (after a crash, or after its lease ran out while the first claimer was still at work) still
//! yields one notice.
//!
//! **At least once, deduplicated by key, for SMS.** Sending happens outside the database, so
//! a process that dies after the gateway accepted a message and before
//! `store.outbox().mark_sent` committed leaves the row to be claimed again when the lease
//! expires; it is then sent again with the same idempotency key (the outbox id), which a
//! gateway that honours the key turns into a single message.
//!
//! **Giving up.** After [`MAX_ATTEMPTS`] claims a row is no longer claimed: it stays with
//! `sent_at` NULL and its last error, a dead letter listed by `store.outbox().dead_letters`.

use crate::audit::AuditEntry;
use crate::bulk::{Val, insert_rows_then};
use crate::error::StoreError;
use crate::{Actor, Page, Paged, on_read, on_tx};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;

repository!(
    /// The outbox of notices and SMS, its leases and dead letters.
    Outbox,
    outbox
);

/// Claims of one row after which it is a dead letter.
pub const MAX_ATTEMPTS: i64 = 10;

/// A claimed outbox row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    /// `notice` or `sms`.
    pub channel: String,
    pub kind: String,
    pub case_id: Option<i64>,
    /// A unit key for notices; `requester` for SMS.
    pub recipient: String,
    /// JSON `{"code", "text"}`.
    pub payload: String,
    /// Claims so far, this one included.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    /// The lease: nobody else claims the row before this.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A message given up on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeadLetter {
    pub id: i64,
    pub channel: String,
    pub kind: String,
    pub case_id: Option<i64>,
    pub recipient: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An in-app notice for a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub unit: String,
    pub case_id: Option<i64>,
    pub kind: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub outbox_id: i64,
}

/// A notice to deliver: the claimed row's id and what the notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDelivery {
    pub outbox_id: i64,
    pub unit: String,
    pub case_id: Option<i64>,
    /// The dispute or petition the notice is about (its payload's `dispute_id` /
    /// `petition_id`), so that opening it goes there.
    pub dispute_id: Option<i64>,
    pub petition_id: Option<i64>,
    pub kind: String,
    pub text: String,
}

/// One text message for the 短信发件箱 page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SmsRow {
    pub id: i64,
    pub kind: String,
    /// The case's tracking code, or the dispute's code for a text to a dispute's party.
    pub case_code: Option<String>,
    /// Whom it is for (`requester`, `requester:N`, `dispute_party:D:N`).
    pub recipient: String,
    /// The reporter's number, masked.
    pub phone_masked: Option<String>,
    /// JSON `{"code", "text"}`.
    pub payload: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl SmsRow {
    /// The message's text (empty if the payload is not the usual JSON).
    pub fn text(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.payload)
            .ok()
            .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default()
    }

    /// `sent`, `failed` (given up), or `pending` (waiting or retrying).
    pub fn status(&self) -> &'static str {
        if self.sent_at.is_some() {
            "sent"
        } else if self.attempts >= MAX_ATTEMPTS {
            "failed"
        } else {
            "pending"
        }
    }
}

/// The outbox recipient of a case's `n`-th reporter: `requester` for the first (the case's
/// own number), `requester:n` for the reporters of a duplicate (issue 9 item 2).
pub fn requester_recipient(n: u32) -> String {
    if n <= 1 { "requester".into() } else { format!("requester:{n}") }
}

/// The reporter a recipient names (see [`requester_recipient`]); `None` for a unit.
pub fn parse_requester(recipient: &str) -> Option<u32> {
    match recipient {
        "requester" => Some(1),
        r => r.strip_prefix("requester:").and_then(|n| n.parse().ok()).filter(|n| *n >= 2),
    }
}

const OUTBOX_COLS: &str = "id, channel, kind, case_id, recipient, payload, attempts, created_at, locked_until";

impl Outbox<'_> {
    /// Leases up to `limit` due rows for `lease` and counts the attempt; oldest due first.
    pub async fn claim(&self, lease: Duration, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let now = self.store.now();
        let sql = format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
               SELECT id FROM outbox WHERE sent_at IS NULL AND available_at <= $2 AND attempts < $3 \
               AND (locked_until IS NULL OR locked_until < $2) ORDER BY available_at, id LIMIT $4) \
             AND sent_at IS NULL AND attempts < $3 AND (locked_until IS NULL OR locked_until < $2) \
             RETURNING {OUTBOX_COLS}"
        );
        let mut tx = self.store.db.begin().await?;
        let mut rows: Vec<OutboxRow> = on_tx!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(now + lease)
                .bind(now)
                .bind(MAX_ATTEMPTS)
                .bind(limit)
                .fetch_all(c)
                .await
        })?;
        tx.commit().await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Writes the notices and marks their outbox rows sent, all in one transaction. A row
    /// delivered before (claimed again after a crash) adds nothing. Returns how many notices
    /// were new.
    pub async fn deliver_notices(&self, batch: &[NoticeDelivery]) -> Result<u64, StoreError> {
        if batch.is_empty() {
            return Ok(0);
        }
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let rows: Vec<Vec<Val>> = batch
            .iter()
            .map(|n| {
                vec![
                    n.unit.clone().into(),
                    n.case_id.into(),
                    n.dispute_id.into(),
                    n.petition_id.into(),
                    n.kind.clone().into(),
                    n.text.clone().into(),
                    now.into(),
                    n.outbox_id.into(),
                ]
            })
            .collect();
        let cols = ["unit", "case_id", "dispute_id", "petition_id", "kind", "text", "created_at", "outbox_id"];
        let added = insert_rows_then(&mut tx, "notices", &cols, &rows, "ON CONFLICT (outbox_id) DO NOTHING").await?;
        let ids: Vec<i64> = batch.iter().map(|n| n.outbox_id).collect();
        mark_sent(&mut tx, &ids, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Marks a row delivered (an SMS the gateway accepted).
    pub async fn mark_sent(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        mark_sent(&mut tx, &[id], self.store.now()).await?;
        tx.commit().await
    }

    /// Records a failed attempt: retried from `retry_at`, or never again (`None`: a dead
    /// letter at once, for errors no retry can fix).
    pub async fn mark_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        let now = self.store.now();
        let sql = "UPDATE outbox SET last_error = $1, available_at = $2, locked_until = NULL, \
                   attempts = CASE WHEN $3 AND attempts < $4 THEN $4 ELSE attempts END WHERE id = $5 AND sent_at IS NULL";
        let error: String = error.chars().take(500).collect();
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(sql)
                .bind(&error)
                .bind(retry_at.unwrap_or(now))
                .bind(retry_at.is_none())
                .bind(MAX_ATTEMPTS)
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.commit().await
    }

    /// Gives a claimed row back untried (the claimer ran out of lease before it got to it):
    /// the attempt is not counted. Only the claimer's own lease (`locked_until` as claimed) is
    /// released.
    pub async fn release(&self, id: i64, locked_until: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = "UPDATE outbox SET locked_until = NULL, attempts = attempts - 1 \
                   WHERE id = $1 AND sent_at IS NULL AND locked_until = $2 AND attempts > 0";
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(sql).bind(id).bind(locked_until).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Messages given up on (never sent after [`MAX_ATTEMPTS`] attempts), newest first.
    pub async fn dead_letters(&self, page: Page) -> Result<Vec<DeadLetter>, StoreError> {
        let sql = "SELECT id, channel, kind, case_id, recipient, attempts, last_error, created_at FROM outbox \
                   WHERE sent_at IS NULL AND attempts >= $1 ORDER BY id DESC LIMIT $2 OFFSET $3";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(MAX_ATTEMPTS)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?)
    }

    /// The state of one outbox row: `(attempts, sent_at, last_error, available_at)`.
    pub async fn status(
        &self,
        id: i64,
    ) -> Result<(i64, Option<DateTime<Utc>>, Option<String>, DateTime<Utc>), StoreError> {
        let sql = "SELECT attempts, sent_at, last_error, available_at FROM outbox WHERE id = $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_one(p).await)?)
    }

    /// A unit's notices, newest first.
    pub async fn notices(&self, unit: &str, page: Page) -> Result<Vec<NoticeRow>, StoreError> {
        let sql = "SELECT id, unit, case_id, kind, text, created_at, read_at, outbox_id FROM notices \
                   WHERE unit = $1 ORDER BY id DESC LIMIT $2 OFFSET $3";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(unit)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?)
    }

    /// The requesters' phone numbers in clear for a batch of text messages
    /// (`(case_id, requester, outbox_id)`: the case's first reporter is requester 1, the reporters
    /// of a duplicate 2, 3 … — see [`requester_recipient`]), keyed by `(case_id, requester)`;
    /// `None` where no number was left, absent where there is no such case or reporter. Every
    /// use is audited first, in one transaction.
    pub async fn requester_phones(
        &self,
        items: &[(i64, u32, i64)],
    ) -> Result<HashMap<(i64, u32), Option<String>>, StoreError> {
        let mut ciphers: HashMap<(i64, u32), Option<Vec<u8>>> = HashMap::new();
        for chunk in items.chunks(250) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let list = list.join(", ");
            let sql = format!(
                "SELECT id, 1, phone_cipher FROM cases WHERE id IN ({list}) \
                 UNION ALL SELECT case_id, n, phone_cipher FROM case_requesters WHERE case_id IN ({list})"
            );
            let rows: Vec<(i64, i64, Option<Vec<u8>>)> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for (case_id, _, _) in chunk {
                    q = q.bind(*case_id);
                }
                q.fetch_all(p).await
            })?;
            let wanted: std::collections::HashSet<(i64, u32)> = chunk.iter().map(|(c, n, _)| (*c, *n)).collect();
            for (id, n, cipher) in rows {
                let key = (id, u32::try_from(n).unwrap_or(0));
                if wanted.contains(&key) {
                    ciphers.insert(key, cipher);
                }
            }
        }
        let entries: Vec<AuditEntry> = items
            .iter()
            .filter(|(case_id, n, _)| matches!(ciphers.get(&(*case_id, *n)), Some(Some(_))))
            .map(|(case_id, _, outbox_id)| {
                AuditEntry::new("case.phone_use", "case", case_id).detail(format!("发送短信通知（消息 {outbox_id}）"))
            })
            .collect();
        if !entries.is_empty() {
            let mut tx = self.store.db.begin().await?;
            crate::audit::append_many(&mut tx, self.store.pii(), self.store.now(), &Actor::system("jobs"), entries)
                .await?;
            tx.commit().await?;
        }
        ciphers.into_iter().map(|(k, c)| Ok((k, c.map(|c| self.store.pii().decrypt(&c)).transpose()?))).collect()
    }

    /// One requester's number (see `store.outbox().requester_phones`).
    pub async fn requester_phone(&self, case_id: i64, outbox_id: i64) -> Result<Option<String>, StoreError> {
        self.store
            .outbox()
            .requester_phones(&[(case_id, 1, outbox_id)])
            .await?
            .remove(&(case_id, 1))
            .ok_or(StoreError::NotFound)
    }

    /// 短信发件箱: every text message queued, newest first, with the number masked (never in
    /// clear: the outbox holds none) and the text as sent (one-time codes and follow links
    /// included), for the admin of a site without a gateway.
    pub async fn sms_page(&self, page: Page) -> Result<Paged<SmsRow>, StoreError> {
        let sql = "SELECT o.id, o.kind, c.code AS case_code, o.recipient, \
                   CASE WHEN o.recipient = 'requester' THEN c.phone_masked ELSE r.phone_masked END AS phone_masked, \
                   o.payload, o.attempts, o.last_error, o.created_at, o.sent_at \
                   FROM outbox o LEFT JOIN cases c ON c.id = o.case_id \
                   LEFT JOIN case_requesters r ON r.case_id = o.case_id AND o.recipient = 'requester:' || r.n \
                   WHERE o.channel = 'sms' ORDER BY o.id DESC LIMIT $1 OFFSET $2";
        let mut rows: Vec<SmsRow> = on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        // Texts to a dispute's party (the online mediation room): its code and the masked number,
        // one key lookup per row of the page.
        for row in &mut rows {
            let Some((dispute_id, idx)) = crate::mediation::room::parse_party_recipient(&row.recipient) else {
                continue;
            };
            let sql = "SELECT d.code, p.phone_masked FROM dispute_parties p JOIN disputes d ON d.id = p.dispute_id \
                       WHERE p.dispute_id = $1 AND p.idx = $2";
            let found: Option<(String, Option<String>)> = on_read!(&self.store.db, |p| sqlx::query_as(sql)
                .bind(dispute_id)
                .bind(i64::from(idx))
                .fetch_optional(p)
                .await)?;
            if let Some((code, masked)) = found {
                row.case_code = Some(code);
                row.phone_masked = masked;
            }
        }
        let total: i64 =
            on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'")
                .fetch_one(p)
                .await)?;
        Ok(Paged { items: rows, page: page.page.max(1), per_page: page.per_page, total, total_capped: false })
    }

    /// Marks delivered messages sent, in one transaction.
    pub async fn mark_sent_many(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        mark_sent(&mut tx, ids, now).await?;
        tx.commit().await
    }
}

/// Marks rows sent (those not sent already), in statements of a bounded number of ids.
async fn mark_sent(tx: &mut crate::Tx, ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
    for chunk in ids.chunks(crate::bulk::params_per_statement(tx) - 1) {
        let list: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE outbox SET sent_at = $1, locked_until = NULL, last_error = NULL WHERE id IN ({}) AND sent_at IS NULL",
            list.join(", ")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}
