//! The in-app notices staff read (issue 11 item 8): the bell's unread count, the notices page,
//! marking read, and the 催办 flags of a department's inbox.
//!
//! Notices are addressed to units, not people (`notices.unit`, as the case use-cases write
//! them: `dept:N`, `grid:CODE`, `dispatchers:STREET`, `verifiers:GRID-OR-STREET`,
//! `supervisors:LEVEL:STREET`). [`NoticeInboxes::of`] says which of them a user reads; every
//! query here is bounded by those inboxes, so no one reads another unit's notices. A notice read
//! by one member of a unit is read for the unit.

use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, Page, Paged, on_read, on_tx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::HashSet;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::subtree_range;

/// The kind of the notice a resident's 催办 sends to the lead unit.
pub const URGE_KIND: &str = "urge";

/// The bell counts up to this many unread notices ("99+" beyond).
pub const UNREAD_CAP: i64 = 99;

/// The notice inboxes one user reads: whole unit keys and key prefixes (an area's grid teams).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeInboxes {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl NoticeInboxes {
    /// A department's handlers read the department's; a grid worker their grid team's (and
    /// its verification requests); a community worker those of the grid teams of the
    /// community; a street's dispatchers the dispatch centre's and the verification requests
    /// of the street; a leader the dispatch centre's and the supervision notices of their
    /// area. Others (admins, party secretaries, mediators) have no notice inbox.
    pub fn of(role: Role, scope: &Scope) -> NoticeInboxes {
        let mut inboxes = NoticeInboxes::default();
        match (scope, role) {
            (Scope::Department { id, .. }, _) => inboxes.exact.push(format!("dept:{id}")),
            (Scope::Region { code }, Role::GridWorker) if code.as_str().len() == 15 => {
                inboxes.exact.push(format!("grid:{code}"));
                inboxes.exact.push(format!("verifiers:{code}"));
            }
            (Scope::Region { code }, Role::CommunityWorker) if code.as_str().len() == 12 => {
                inboxes.prefixes.push(format!("grid:{code}"));
                inboxes.prefixes.push(format!("verifiers:{code}"));
            }
            (Scope::Region { code }, Role::Dispatcher) if code.as_str().len() == 9 => {
                inboxes.exact.push(format!("dispatchers:{code}"));
                inboxes.prefixes.push(format!("verifiers:{code}"));
            }
            (Scope::Region { code }, Role::Leader) => {
                if code.as_str().len() == 9 {
                    inboxes.exact.push(format!("dispatchers:{code}"));
                }
                for level in 1..=3 {
                    inboxes.prefixes.push(format!("supervisors:{level}:{code}"));
                }
            }
            _ => {}
        }
        inboxes
    }

    /// Whether the user has any notice inbox at all (no bell otherwise).
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }

    /// The SQL condition on `n.unit` for these inboxes, its parameters numbered from `first`.
    fn condition(&self, first: usize) -> (String, Vec<String>) {
        let mut parts = Vec::new();
        let mut binds = Vec::new();
        if !self.exact.is_empty() {
            let list: Vec<String> = (0..self.exact.len()).map(|i| format!("${}", first + i)).collect();
            parts.push(format!("n.unit IN ({})", list.join(", ")));
            binds.extend(self.exact.iter().cloned());
        }
        for prefix in &self.prefixes {
            let (lo, hi) = subtree_range(prefix);
            let a = first + binds.len();
            parts.push(format!("(n.unit >= ${a} AND n.unit < ${})", a + 1));
            binds.push(lo);
            binds.push(hi);
        }
        if parts.is_empty() {
            // No inbox: nothing matches (and the query is still well formed).
            parts.push("1 = 0".into());
        }
        (format!("({})", parts.join(" OR ")), binds)
    }
}

/// One notice as the notices page shows it: its case by code and title, not by id.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct NoticeItem {
    pub id: i64,
    pub unit: String,
    pub case_id: Option<i64>,
    pub case_code: Option<String>,
    pub case_title: Option<String>,
    pub kind: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

const ITEM_COLS: &str =
    "n.id, n.unit, n.case_id, c.code AS case_code, c.title AS case_title, n.kind, n.text, n.created_at, n.read_at";

macro_rules! bind_texts {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = q.bind(b.as_str());
        }
        q
    }};
}

impl super::Cases<'_> {
    /// Unread notices in these inboxes, counted up to [`UNREAD_CAP`] + 1 (from the
    /// `notices_unread` index alone).
    pub async fn unread_notices(&self, inboxes: &NoticeInboxes) -> Result<i64, StoreError> {
        if inboxes.is_empty() {
            return Ok(0);
        }
        let (cond, binds) = inboxes.condition(1);
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notices n WHERE {cond} AND n.read_at IS NULL LIMIT {}) capped",
            UNREAD_CAP + 1
        );
        Ok(on_read!(&self.store.db, |p| bind_texts!(sqlx::query_scalar(AssertSqlSafe(sql.as_str())), &binds)
            .fetch_one(p)
            .await)?)
    }

    /// These inboxes' notices, newest first.
    pub async fn notices_page(&self, inboxes: &NoticeInboxes, page: Page) -> Result<Paged<NoticeItem>, StoreError> {
        let (cond, binds) = inboxes.condition(1);
        let (limit, offset) = (binds.len() + 1, binds.len() + 2);
        let sql = format!(
            "SELECT {ITEM_COLS} FROM notices n LEFT JOIN cases c ON c.id = n.case_id WHERE {cond} \
             ORDER BY n.id DESC LIMIT ${limit} OFFSET ${offset}"
        );
        let items = on_read!(&self.store.db, |p| bind_texts!(sqlx::query_as(AssertSqlSafe(sql.as_str())), &binds)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        // A busy unit's history is long: the count stops at the queue's cap ("10000+").
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notices n WHERE {cond} LIMIT {}) capped",
            super::read::COUNT_CAP + 1
        );
        let total: i64 =
            on_read!(&self.store.db, |p| bind_texts!(sqlx::query_scalar(AssertSqlSafe(count_sql.as_str())), &binds)
                .fetch_one(p)
                .await)?;
        let cap = super::read::COUNT_CAP;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total: total.min(cap), total_capped: total > cap })
    }

    /// Opens one notice of these inboxes (another's is not found) and marks it read, with an
    /// audit record the first time.
    pub async fn open_notice(&self, inboxes: &NoticeInboxes, actor: &Actor, id: i64) -> Result<NoticeItem, StoreError> {
        let (cond, binds) = inboxes.condition(2);
        let sql = format!(
            "SELECT {ITEM_COLS} FROM notices n LEFT JOIN cases c ON c.id = n.case_id WHERE n.id = $1 AND {cond}"
        );
        let item: NoticeItem =
            on_read!(&self.store.db, |p| bind_texts!(sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id), &binds)
                .fetch_optional(p)
                .await)?
            .ok_or(StoreError::NotFound)?;
        if item.read_at.is_none() {
            let now = self.store.now();
            let mut tx = self.store.db.begin().await?;
            let n =
                on_tx!(&mut tx, |c| sqlx::query("UPDATE notices SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
            if n > 0 {
                let entry = AuditEntry::new("notice.read", "notice", id).detail("打开通知，标为已读");
                append(&mut tx, self.store.pii(), now, actor, entry).await?;
            }
            tx.commit().await?;
        }
        Ok(item)
    }

    /// Marks every unread notice of these inboxes read; returns how many, with one audit record.
    pub async fn mark_all_notices_read(&self, inboxes: &NoticeInboxes, actor: &Actor) -> Result<u64, StoreError> {
        if inboxes.is_empty() {
            return Ok(0);
        }
        let (cond, binds) = inboxes.condition(2);
        // UPDATE … FROM-less and alias-free on both backends: the alias `n` names the table.
        let sql = format!(
            "UPDATE notices SET read_at = $1 WHERE id IN (SELECT n.id FROM notices n WHERE {cond} AND n.read_at IS NULL)"
        );
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let n = on_tx!(&mut tx, |c| bind_texts!(sqlx::query(AssertSqlSafe(sql.as_str())).bind(now), &binds)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if n > 0 {
            let entry = AuditEntry::new("notice.read_all", "notice", "all").detail(format!("全部标为已读：{n} 条"));
            append(&mut tx, self.store.pii(), now, actor, entry).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The demo's generated past: notices of no case delivered before `before` were read when
    /// they arrived (people read their inbox; a year of unread notices is no street's bell).
    /// Returns how many.
    pub async fn settle_past_notices(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let sql =
            "UPDATE notices SET read_at = created_at WHERE read_at IS NULL AND case_id IS NULL AND created_at < $1";
        let mut tx = self.store.db.begin().await?;
        let n = on_tx!(&mut tx, |c| sqlx::query(sql).bind(before).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n)
    }

    /// Which of these cases a resident urged (催办) to this unit: a notice of kind
    /// [`URGE_KIND`] addressed to it.
    pub async fn urged_cases(&self, unit: &str, case_ids: &[i64]) -> Result<HashSet<i64>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashSet::new());
        }
        let list: Vec<String> = (3..case_ids.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT case_id FROM notices WHERE unit = $1 AND kind = $2 AND case_id IN ({})",
            list.join(", ")
        );
        let ids: Vec<i64> = on_read!(&self.store.db, |p| {
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).bind(unit).bind(URGE_KIND);
            for id in case_ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        Ok(ids.into_iter().collect())
    }
}
