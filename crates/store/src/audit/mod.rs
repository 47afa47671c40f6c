//! Appending to and verifying the hash-chained audit log.
//!
//! An append first bumps the single `audit_head` row (`UPDATE … RETURNING`), which takes that
//! row's lock on PostgreSQL and the write lock on SQLite until the transaction ends; so appends
//! from any number of server processes form one chain in commit order.
//!
//! Links from `audit_head.keyed_from` on are HMACs under the chain key (derived from the
//! personal-data master key, never stored), and every append re-seals the head's MAC; older
//! links keep their plain SHA-256 form (issue 9, item 6; see `tongxin_domain::kernel::audit`).

use crate::bulk::insert_rows;
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Actor, Page, PiiKey, on_read, on_tx};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::audit::{
    Anchor, AuditFields, AuditRecord, ChainBreak, ChainHead, chain_hash, chain_mac, head_mac, verify_keyed_chain,
};

repository!(
    /// The HMAC-chained audit log: append, list, verify, anchor.
    AuditLog,
    audit
);

/// What happened, without who and when (the store adds those).
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_digest: Option<String>,
    pub after_digest: Option<String>,
    pub detail: String,
}

impl AuditEntry {
    pub fn new(action: &str, entity: &str, entity_id: impl ToString) -> AuditEntry {
        AuditEntry {
            action: action.into(),
            entity: entity.into(),
            entity_id: entity_id.to_string(),
            ..Default::default()
        }
    }

    pub fn before(mut self, digest: String) -> AuditEntry {
        self.before_digest = Some(digest);
        self
    }

    pub fn after(mut self, digest: String) -> AuditEntry {
        self.after_digest = Some(digest);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> AuditEntry {
        self.detail = detail.into();
        self
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    entity: String,
    entity_id: String,
    before_digest: Option<String>,
    after_digest: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> AuditRecord {
        AuditRecord {
            fields: AuditFields {
                seq: r.seq,
                at: r.at,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                before_digest: r.before_digest,
                after_digest: r.after_digest,
                detail: r.detail,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const SELECT_AUDIT: &str = "SELECT seq, at, actor_id, actor_name, action, entity, entity_id, before_digest, after_digest, detail, prev_hash, hash FROM audit_log";

/// Appends one record inside the caller's transaction; returns its sequence number. `key` is
/// the store's (`store.pii()`), whose chain key signs the link.
pub async fn append(
    tx: &mut Tx,
    key: &PiiKey,
    at: DateTime<Utc>,
    actor: &Actor,
    e: AuditEntry,
) -> Result<i64, StoreError> {
    append_many(tx, key, at, actor, vec![e]).await
}

/// Records a look at personal data (an unmask, a full-number search, a phone reveal) and
/// commits it — unless the actor has now done any of `counted` (the actions sharing one limit;
/// `entry`'s own among them) more than `per_hour` times in the last hour: then nothing is
/// recorded and `Ok(false)` says the look is refused. The count and the record share the audit
/// head's lock, so parallel requests cannot slip past the limit.
pub(crate) async fn record_limited(
    store: &crate::Store,
    actor: &Actor,
    entry: AuditEntry,
    counted: &[&str],
    per_hour: i64,
) -> Result<bool, StoreError> {
    let now = store.now();
    let mut tx = store.db.begin().await?;
    append(&mut tx, store.pii(), now, actor, entry).await?;
    if let Some(user) = actor.user_id {
        let since = now - chrono::Duration::hours(1);
        // One placeholder per counted action ($3, $4, …): a handful at most.
        let list = (0..counted.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND at > $2 AND action IN ({list})");
        let n: i64 = on_tx!(&mut tx, |c| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(user).bind(since);
            for a in counted {
                q = q.bind(*a);
            }
            q.fetch_one(c).await
        })?;
        if n > per_hour {
            // Dropping the transaction leaves no record of the refused look.
            return Ok(false);
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Appends records in order inside the caller's transaction with one head update and one
/// multi-row insert (batched writes); returns the last sequence number.
pub async fn append_many(
    tx: &mut Tx,
    key: &PiiKey,
    at: DateTime<Utc>,
    actor: &Actor,
    entries: Vec<AuditEntry>,
) -> Result<i64, StoreError> {
    let n = entries.len() as i64;
    // Taking the head's lock first serialises appends across processes. A database migrated
    // before keying existed starts keying here (the migration normally sets keyed_from).
    let (last, mut prev_hash, keyed_from): (i64, String, i64) = on_tx!(tx, |c| {
        sqlx::query_as(
            "UPDATE audit_head SET seq = seq + $1, keyed_from = COALESCE(keyed_from, seq + 1) WHERE id = 1 \
             RETURNING seq, hash, keyed_from",
        )
        .bind(n)
        .fetch_one(c)
        .await
    })?;
    let mut rows = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let fields = AuditFields {
            seq: last - n + 1 + i as i64,
            at,
            actor_id: actor.user_id,
            actor_name: actor.name.clone(),
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before_digest: e.before_digest,
            after_digest: e.after_digest,
            detail: e.detail,
        };
        let hash = if fields.seq >= keyed_from {
            chain_mac(key.chain_key(), &prev_hash, &fields)
        } else {
            chain_hash(&prev_hash, &fields)
        };
        rows.push(vec![
            fields.seq.into(),
            fields.at.into(),
            fields.actor_id.into(),
            fields.actor_name.into(),
            fields.action.into(),
            fields.entity.into(),
            fields.entity_id.into(),
            fields.before_digest.into(),
            fields.after_digest.into(),
            fields.detail.into(),
            std::mem::replace(&mut prev_hash, hash.clone()).into(),
            hash.into(),
        ]);
    }
    let cols = [
        "seq",
        "at",
        "actor_id",
        "actor_name",
        "action",
        "entity",
        "entity_id",
        "before_digest",
        "after_digest",
        "detail",
        "prev_hash",
        "hash",
    ];
    insert_rows(tx, "audit_log", &cols, &rows).await?;
    let mac = head_mac(key.chain_key(), last, &prev_hash, keyed_from);
    on_tx!(tx, |c| {
        sqlx::query("UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1")
            .bind(&prev_hash)
            .bind(&mac)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(last)
}

impl AuditLog<'_> {
    /// Records an event in a transaction of its own (for reads of unmasked data, logins …).
    pub async fn record(&self, actor: &Actor, entry: AuditEntry) -> Result<i64, StoreError> {
        let mut tx = self.store.db.begin().await?;
        let seq = append(&mut tx, self.store.pii(), self.store.now(), actor, entry).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Newest first, optionally for one entity.
    pub async fn list(&self, entity: Option<(&str, &str)>, page: Page) -> Result<Vec<AuditRecord>, StoreError> {
        let (entity, entity_id) = entity.unwrap_or(("", ""));
        let sql = format!(
            "{SELECT_AUDIT} WHERE ($1 = '' OR (entity = $1 AND entity_id = $2)) ORDER BY seq DESC LIMIT $3 OFFSET $4"
        );
        let rows: Vec<AuditRow> = on_read!(&self.store.db, |p| {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(entity)
                .bind(entity_id)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Walks the whole chain in pages; `Ok(Err(..))` names the first broken link.
    pub async fn verify(&self) -> Result<Result<i64, ChainBreak>, StoreError> {
        self.store.audit().verify_anchored(&[]).await
    }

    /// The head as stored: what `tongxin audit anchor` prints is its seq and hash.
    pub async fn head(&self) -> Result<ChainHead, StoreError> {
        let (seq, hash, keyed_from, mac): (i64, String, Option<i64>, Option<String>) = on_read!(&self.store.db, |p| {
            sqlx::query_as("SELECT seq, hash, keyed_from, mac FROM audit_head WHERE id = 1").fetch_one(p).await
        })?;
        Ok(ChainHead { seq, hash, keyed_from, mac })
    }

    /// Seals the head of a database upgraded from the unkeyed chain (or fresh) with the chain
    /// key, so later checks can tell a rolled-back head. Run at every start; a no-op once sealed.
    pub async fn seal_head(&self) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        // Updating the row takes the head's lock, as an append does.
        let (seq, hash, keyed_from, mac): (i64, String, i64, Option<String>) = on_tx!(&mut tx, |c| {
            sqlx::query_as(
                "UPDATE audit_head SET keyed_from = COALESCE(keyed_from, seq + 1) WHERE id = 1 \
                 RETURNING seq, hash, keyed_from, mac",
            )
            .fetch_one(c)
            .await
        })?;
        if mac.is_none() {
            let mac = head_mac(self.store.pii().chain_key(), seq, &hash, keyed_from);
            on_tx!(&mut tx, |c| sqlx::query("UPDATE audit_head SET mac = $1 WHERE id = 1")
                .bind(&mac)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        tx.commit().await
    }

    /// Verifies the chain and that each anchor an operator kept is still one of its links. The
    /// head is read first: records appended meanwhile lie past it and are not read.
    pub async fn verify_anchored(&self, anchors: &[Anchor]) -> Result<Result<i64, ChainBreak>, StoreError> {
        let head = self.store.audit().head().await?;
        let sql = format!("{SELECT_AUDIT} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3");
        let mut all: Vec<AuditRecord> = Vec::new();
        let mut after = 0i64;
        // Up to the head only: appends committed after it was read are not half-seen.
        let upto = head.seq;
        loop {
            let rows: Vec<AuditRow> = on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(after)
                .bind(upto)
                .bind(10_000i64)
                .fetch_all(p)
                .await)?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            all.extend(rows.into_iter().map(AuditRecord::from));
        }
        Ok(verify_keyed_chain(all, &head, self.store.pii().chain_key(), anchors))
    }
}
