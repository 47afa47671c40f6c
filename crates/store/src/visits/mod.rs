//! The grid worker's own records: the visit log (走访记录: 走访, 排查, 信息采集 at a household)
//! and the tasks dispatched to a grid team (`grid:<code>`) awaiting its acknowledgement.
//!
//! Every read is bounded by the caller's people scope (grid code prefix); an insert checks the
//! household is in scope and writes its audit record in the same transaction.

use crate::audit::{AuditEntry, append};
use crate::cases::read::{CASE_COLS, CaseView};
use crate::error::StoreError;
use crate::{Actor, Page, Paged, on_read, on_tx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::region::subtree_range;

repository!(
    /// The grid workers' visit log (走访).
    Visits,
    visits
);

pub use tongxin_domain::people::visit::{MAX_NOTE_CHARS, VISIT_KINDS};

#[derive(Debug, Clone)]
pub struct NewVisit {
    pub household_id: i64,
    pub visited_at: DateTime<Utc>,
    pub kind: String,
    pub note: String,
}

/// A visit as listed: with the household's address and the visitor's display name.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Visit {
    pub id: i64,
    pub grid_code: String,
    pub household_id: i64,
    pub household_address: String,
    pub visited_by: i64,
    pub visitor_name: String,
    pub visited_at: DateTime<Utc>,
    pub kind: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

const VISIT_COLS: &str = "v.id, v.grid_code, v.household_id, h.address AS household_address, v.visited_by, \
     u.display_name AS visitor_name, v.visited_at, v.kind, v.note, v.created_at";
const VISIT_FROM: &str = "visits v JOIN households h ON h.id = v.household_id JOIN users u ON u.id = v.visited_by";

impl Visits<'_> {
    /// Visits within the scope (optionally of one household), newest first.
    pub async fn list(&self, scope: &Scope, household: Option<i64>, page: Page) -> Result<Paged<Visit>, StoreError> {
        let people = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let (lo, hi) = subtree_range(people);
        let household = household.unwrap_or(0);
        let filter = "v.grid_code >= $1 AND v.grid_code < $2 AND ($3 = 0 OR v.household_id = $3)";
        let sql = format!(
            "SELECT {VISIT_COLS} FROM {VISIT_FROM} WHERE {filter} ORDER BY v.visited_at DESC, v.id DESC LIMIT $4 OFFSET $5"
        );
        let count_sql = format!("SELECT COUNT(*) FROM visits v WHERE {filter}");
        let items = on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&lo)
            .bind(&hi)
            .bind(household)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        let total: i64 = on_read!(&self.store.db, |p| sqlx::query_scalar(AssertSqlSafe(count_sql.as_str()))
            .bind(&lo)
            .bind(&hi)
            .bind(household)
            .fetch_one(p)
            .await)?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }

    /// Records a visit to a household in scope, with its audit record.
    pub async fn record(&self, scope: &Scope, actor: &Actor, v: &NewVisit) -> Result<Visit, StoreError> {
        let user_id = actor.user_id.ok_or_else(|| StoreError::Invalid("走访须由登录用户记录".into()))?;
        let now = self.store.now();
        // The rules are the domain's; the use-case reports them per field before this.
        let note = tongxin_domain::people::visit::check(&v.kind, &v.note, v.visited_at, now)
            .map_err(|p| StoreError::Invalid(p.message))?;
        let note = note.as_str();
        // The household decides the grid; one outside the scope does not exist for the caller.
        let household = self.store.places().household(scope, v.household_id).await?;
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO visits (grid_code, household_id, visited_by, visited_at, kind, note, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(&household.grid_code)
            .bind(household.id)
            .bind(user_id)
            .bind(v.visited_at)
            .bind(&v.kind)
            .bind(note)
            .bind(now)
            .fetch_one(c)
            .await)?;
        let read = format!("SELECT {VISIT_COLS} FROM {VISIT_FROM} WHERE v.id = $1");
        let visit: Visit =
            on_tx!(&mut tx, |c| sqlx::query_as(AssertSqlSafe(read.as_str())).bind(id).fetch_one(c).await)?;
        let entry = AuditEntry::new("visit.create", "visit", id)
            .after(digest_of(&visit))
            .detail(format!("{}：户 {}", visit.kind, visit.household_id));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(visit)
    }
}

/// A grid worker's task list sits beside the visit log that serves the same page.
impl crate::cases::Cases<'_> {
    /// Open cases whose lead or assisting unit is the grid team of `grid` and which the team
    /// has not yet acknowledged (派给本网格、待签收), soonest deadline first. A grid outside the
    /// scope sees nothing.
    pub async fn grid_tasks(&self, scope: &Scope, grid: &str, page: Page) -> Result<Paged<CaseView>, StoreError> {
        if !scope.covers_place(grid) {
            return Err(StoreError::NotFound);
        }
        let unit = format!("grid:{grid}");
        let filter = "c.open = $2 AND c.id IN \
                      (SELECT p.case_id FROM case_participants p WHERE p.unit = $1 AND p.status = 'dispatched')";
        let sql =
            format!("SELECT {CASE_COLS} FROM cases c WHERE {filter} ORDER BY c.deadline_at, c.id LIMIT $3 OFFSET $4");
        let count_sql = format!("SELECT COUNT(*) FROM cases c WHERE {filter}");
        let items = on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&unit)
            .bind(true)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        let total: i64 = on_read!(&self.store.db, |p| sqlx::query_scalar(AssertSqlSafe(count_sql.as_str()))
            .bind(&unit)
            .bind(true)
            .fetch_one(p)
            .await)?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }
}
