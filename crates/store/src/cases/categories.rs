//! The admin-editable two-level category tree and the routing rules (派单规则).

use crate::audit::{AuditEntry, append};
use crate::bulk::{Val, insert_rows};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use serde::{Deserialize, Serialize};
use tongxin_domain::kernel::audit::digest_of;

repository!(
    /// Case categories and routing rules.
    Categories,
    categories
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// `emergency`, `utility`, `general` or `complex` (the default urgency of its cases).
    pub urgency: String,
    /// `question`, `help`, `complaint`, `report` or `suggestion`.
    pub kind: String,
    pub active: bool,
    pub sort: i64,
    /// Open311 may publish this category's cases (coarsened, issue 9 item 8); admins decide.
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub category_code: String,
    /// `grid`, `community`, `street` or `anywhere`, with `area_code` naming the area.
    pub area_kind: String,
    pub area_code: String,
    /// `department` (target_ref = id) or `grid` (target_ref = grid code).
    pub target_kind: String,
    pub target_ref: String,
    pub auto_dispatch: bool,
    pub version: i64,
}

const CATEGORY_COLS: &str = "code, name, parent_code, urgency, kind, active, sort, public";
const RULE_COLS: &str = "id, category_code, area_kind, area_code, target_kind, target_ref, auto_dispatch, version";

impl Categories<'_> {
    /// Inserts categories that do not exist yet (parents first); returns how many were new.
    pub async fn seed(&self, actor: &Actor, rows: &[CategoryRow]) -> Result<usize, StoreError> {
        let now = self.store.now();
        let existing: Vec<String> =
            on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT code FROM categories").fetch_all(p).await)?;
        let new: Vec<&CategoryRow> = rows.iter().filter(|c| !existing.contains(&c.code)).collect();
        if new.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.db.begin().await?;
        let cols =
            ["code", "name", "parent_code", "urgency", "kind", "active", "sort", "public", "created_at", "updated_at"];
        let vals: Vec<Vec<Val>> = new
            .iter()
            .map(|c| {
                vec![
                    c.code.clone().into(),
                    c.name.clone().into(),
                    c.parent_code.clone().into(),
                    c.urgency.clone().into(),
                    c.kind.clone().into(),
                    c.active.into(),
                    c.sort.into(),
                    c.public.into(),
                    now.into(),
                    now.into(),
                ]
            })
            .collect();
        insert_rows(&mut tx, "categories", &cols, &vals).await?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("category.seed", "category", "*").detail(format!("新增分类 {} 个", new.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(new.len())
    }

    pub async fn list(&self) -> Result<Vec<CategoryRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {CATEGORY_COLS} FROM categories ORDER BY sort, code"));
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
    }

    /// Creates or changes a category (admin), audited.
    pub async fn upsert(&self, actor: &Actor, c: &CategoryRow) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO categories (code, name, parent_code, urgency, kind, active, sort, created_at, updated_at, public) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) ON CONFLICT (code) DO UPDATE SET name = $2, parent_code = $3, \
                   urgency = $4, kind = $5, active = $6, sort = $7, updated_at = $8, public = $9, version = categories.version + 1";
        on_tx!(&mut tx, |c2| {
            sqlx::query(sql)
                .bind(&c.code)
                .bind(&c.name)
                .bind(&c.parent_code)
                .bind(&c.urgency)
                .bind(&c.kind)
                .bind(c.active)
                .bind(c.sort)
                .bind(now)
                .bind(c.public)
                .execute(c2)
                .await
                .map(|r| r.rows_affected())
        })?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("category.upsert", "category", &c.code).after(digest_of(c)),
        )
        .await?;
        tx.commit().await
    }

    pub async fn rules(&self) -> Result<Vec<RuleRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {RULE_COLS} FROM routing_rules ORDER BY category_code, id"));
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?)
    }

    /// Adds a rule (admin), audited; returns its id.
    pub async fn create_rule(&self, actor: &Actor, r: &RuleRow) -> Result<i64, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO routing_rules (category_code, area_kind, area_code, target_kind, target_ref, auto_dispatch, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(sql)
                .bind(&r.category_code)
                .bind(&r.area_kind)
                .bind(&r.area_code)
                .bind(&r.target_kind)
                .bind(&r.target_ref)
                .bind(r.auto_dispatch)
                .bind(now)
                .fetch_one(c)
                .await
        })?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("routing_rule.create", "routing_rule", id).after(digest_of(r)),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a rule if `version` is current (409 otherwise), audited.
    pub async fn update_rule(&self, actor: &Actor, r: &RuleRow) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE routing_rules SET category_code = $1, area_kind = $2, area_code = $3, target_kind = $4, target_ref = $5, \
                   auto_dispatch = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9";
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(sql)
                .bind(&r.category_code)
                .bind(&r.area_kind)
                .bind(&r.area_code)
                .bind(&r.target_kind)
                .bind(&r.target_ref)
                .bind(r.auto_dispatch)
                .bind(now)
                .bind(r.id)
                .bind(r.version)
                .execute(c)
                .await
                .map(|x| x.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::stale());
        }
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("routing_rule.update", "routing_rule", r.id).after(digest_of(r)),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_rule(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let n = on_tx!(&mut tx, |c| sqlx::query("DELETE FROM routing_rules WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|x| x.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, self.store.pii(), now, actor, AuditEntry::new("routing_rule.delete", "routing_rule", id))
            .await?;
        tx.commit().await
    }
}
