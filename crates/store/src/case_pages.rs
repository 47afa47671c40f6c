//! Small reads for the case pages (指挥中心 and 职能部门): how many photos a case has, and a
//! case's id by its tracking code (merging into a case named by its code). Scope checks stay
//! with `store.cases().get`.

use crate::cases::read::{CASE_COLS, CaseView};
use crate::error::StoreError;
use crate::{Store, on_read};
use tongxin_domain::kernel::access::Scope;

/// A case's photos: those sent with the report and the evidence with replies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotoCounts {
    pub report: i64,
    pub evidence: i64,
}

impl Store {
    pub async fn case_photo_counts(&self, case_id: i64) -> Result<PhotoCounts, StoreError> {
        let sql = "SELECT purpose, COUNT(*) FROM case_photos WHERE case_id = $1 GROUP BY purpose";
        let rows: Vec<(String, i64)> = on_read!(&self.db, |p| sqlx::query_as(sql).bind(case_id).fetch_all(p).await)?;
        let mut counts = PhotoCounts::default();
        for (purpose, n) in rows {
            match purpose.as_str() {
                "report" => counts.report = n,
                _ => counts.evidence += n,
            }
        }
        Ok(counts)
    }

    /// The id of the case with this tracking code, if the scope may see it.
    pub async fn case_id_by_code(&self, scope: &Scope, code: &str) -> Result<i64, StoreError> {
        let sql = "SELECT id FROM cases WHERE code = $1";
        let id: Option<i64> =
            on_read!(&self.db, |p| sqlx::query_scalar(sql).bind(code.trim()).fetch_optional(p).await)?;
        let id = id.ok_or(StoreError::NotFound)?;
        self.cases().get(scope, id).await.map(|c| c.id)
    }
}

impl Store {
    /// A unit's inbox: cases it still has to work on (dispatched to it as lead or assisting
    /// unit, not returned, not yet reported, the case still with units), by deadline.
    pub async fn unit_inbox(&self, unit: &str, page: crate::Page) -> Result<crate::Paged<CaseView>, StoreError> {
        let filter = "FROM cases c JOIN case_participants p ON p.case_id = c.id \
                      WHERE p.unit = $1 AND p.status IN ('dispatched', 'acknowledged') \
                      AND c.status IN ('dispatched', 'acknowledged')";
        let sql = format!("SELECT {CASE_COLS} {filter} ORDER BY c.due_at, c.id LIMIT $2 OFFSET $3");
        let items: Vec<CaseView> = on_read!(&self.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        let count_sql = format!("SELECT COUNT(*) {filter}");
        let total: i64 = on_read!(&self.db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()))
            .bind(unit)
            .fetch_one(p)
            .await)?;
        Ok(crate::Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }
}
