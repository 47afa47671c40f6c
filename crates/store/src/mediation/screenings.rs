//! 网格排查 (issue 12): one screening per grid and month. Logging a grid's month again updates
//! its row (version guarded), with an audit record holding the digests of what it replaced and
//! what it became; the disputes registered from a screening name it (`disputes.screening_id`).

use super::Mediation;
use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::region::subtree_range;
use tongxin_domain::mediation::screening::Screening;

/// A screening as the list shows it: who did it by name, and how many disputes were registered
/// from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ScreeningRow {
    pub id: i64,
    pub grid_code: String,
    pub street_code: String,
    /// `YYYY-MM`.
    pub period: String,
    pub screened_on: NaiveDate,
    pub findings: i64,
    pub note: Option<String>,
    /// The display name of whoever logged it last.
    pub done_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Disputes registered from this screening.
    pub disputes: i64,
}

/// What a log did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningLog {
    pub row: ScreeningRow,
    /// A new month's record (false: the month's record was updated).
    pub created: bool,
}

const COLS: &str = "s.id, s.grid_code, s.street_code, s.period, s.screened_on, s.findings, s.note, \
     u.display_name AS done_by_name, s.updated_at, s.version, \
     (SELECT COUNT(*) FROM disputes d WHERE d.screening_id = s.id) AS disputes";
const FROM: &str = "grid_screenings s LEFT JOIN users u ON u.id = s.done_by";

/// The fields an audit digest covers (not who or when: the audit record holds those).
#[derive(Serialize)]
struct Digested<'a> {
    grid: &'a str,
    period: &'a str,
    screened_on: NaiveDate,
    findings: i64,
    note: Option<&'a str>,
}

impl Mediation<'_> {
    /// Saves the screening of its grid and month for `done_by`: the month's first record, or
    /// the month's record updated if it is still at the version the caller read
    /// (`seen_version`; `None` takes whatever is there — the form of a month not logged yet).
    /// The grid's scope is the caller's check.
    pub async fn log_screening(
        &self,
        actor: &Actor,
        done_by: i64,
        s: &Screening,
        seen_version: Option<i64>,
    ) -> Result<ScreeningLog, StoreError> {
        let now = self.store.now();
        let grid = s.grid.as_str();
        let period = s.period.to_string();
        let note = s.note.as_deref();
        let findings = i64::from(s.findings);
        let after = digest_of(&Digested { grid, period: &period, screened_on: s.screened_on, findings, note });
        let mut tx = self.store.db.begin().await?;
        let existing: Option<(i64, NaiveDate, i64, Option<String>, i64)> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
            "SELECT id, screened_on, findings, note, version FROM grid_screenings WHERE grid_code = $1 AND period = $2"
        )
        .bind(grid)
        .bind(&period)
        .fetch_optional(c)
        .await
        })?;
        let stale = || StoreError::Conflict("本月排查记录刚被他人更新，请刷新后重试".into());
        let (id, created, entry) = match existing {
            Some((id, on, old_findings, old_note, version)) => {
                if seen_version.is_some_and(|v| v != version) {
                    return Err(stale());
                }
                let sql = "UPDATE grid_screenings SET screened_on = $1, findings = $2, note = $3, done_by = $4, \
                           updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7";
                let n = on_tx!(&mut tx, |c| sqlx::query(sql)
                    .bind(s.screened_on)
                    .bind(findings)
                    .bind(note)
                    .bind(done_by)
                    .bind(now)
                    .bind(id)
                    .bind(version)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                if n != 1 {
                    return Err(stale());
                }
                let before = Digested {
                    grid,
                    period: &period,
                    screened_on: on,
                    findings: old_findings,
                    note: old_note.as_deref(),
                };
                let entry = AuditEntry::new("screening.update", "grid_screening", id)
                    .before(digest_of(&before))
                    .after(after)
                    .detail(format!(
                        "{grid} {} 排查：发现纠纷 {findings} 件（更新，原 {old_findings} 件）",
                        s.period.label()
                    ));
                (id, false, entry)
            }
            None => {
                let sql = "INSERT INTO grid_screenings (grid_code, street_code, period, screened_on, findings, note, \
                           done_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id";
                let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
                    .bind(grid)
                    .bind(&grid[..9])
                    .bind(&period)
                    .bind(s.screened_on)
                    .bind(findings)
                    .bind(note)
                    .bind(done_by)
                    .bind(now)
                    .fetch_one(c)
                    .await)
                .map_err(|e| match StoreError::from(e) {
                    // Another log of the same grid and month committed first.
                    StoreError::Conflict(_) => stale(),
                    other => other,
                })?;
                let entry = AuditEntry::new("screening.log", "grid_screening", id)
                    .after(after)
                    .detail(format!("{grid} {} 排查：发现纠纷 {findings} 件", s.period.label()));
                (id, true, entry)
            }
        };
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        let sql = format!("SELECT {COLS} FROM {FROM} WHERE s.id = $1");
        let row = on_tx!(&mut tx, |c| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?;
        tx.commit().await?;
        Ok(ScreeningLog { row, created })
    }

    /// The screenings of a month (`YYYY-MM`) of the grids within `scope` (and `area`, a
    /// narrower code, when given), by grid. Department staff read none.
    pub async fn screenings(
        &self,
        scope: &Scope,
        area: Option<&str>,
        period: &str,
    ) -> Result<Vec<ScreeningRow>, StoreError> {
        let prefix = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let within = area.filter(|a| a.starts_with(prefix)).unwrap_or(prefix);
        let (lo, hi) = subtree_range(within);
        let sql = format!(
            "SELECT {COLS} FROM {FROM} WHERE s.period = $1 AND s.grid_code >= $2 AND s.grid_code < $3 ORDER BY s.grid_code"
        );
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(period)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?)
    }

    /// One screening of a grid within `scope`; another's is not found.
    pub async fn screening(&self, scope: &Scope, id: i64) -> Result<ScreeningRow, StoreError> {
        let prefix = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let (lo, hi) = subtree_range(prefix);
        let sql = format!("SELECT {COLS} FROM {FROM} WHERE s.id = $1 AND s.grid_code >= $2 AND s.grid_code < $3");
        on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(id)
            .bind(&lo)
            .bind(&hi)
            .fetch_optional(p)
            .await)?
        .ok_or(StoreError::NotFound)
    }

    /// The disputes registered from a screening, visible to `viewer`: (id, code).
    pub async fn disputes_of_screening(
        &self,
        viewer: &super::Viewer,
        screening_id: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let v = self.visible(viewer)?;
        let sql = format!(
            "SELECT d.id, d.code FROM disputes d WHERE {} AND d.screening_id = $6 ORDER BY d.id",
            super::visible_sql()
        );
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&v.lo)
            .bind(&v.hi)
            .bind(v.mediator_user)
            .bind(v.today)
            .bind(&v.phone_hmac)
            .bind(screening_id)
            .fetch_all(p)
            .await)?)
    }

    /// The screening a dispute was registered from: (id, grid code, period), if any.
    pub async fn screening_of_dispute(&self, dispute_id: i64) -> Result<Option<(i64, String, String)>, StoreError> {
        let sql = "SELECT s.id, s.grid_code, s.period FROM disputes d JOIN grid_screenings s ON s.id = d.screening_id \
                   WHERE d.id = $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(dispute_id).fetch_optional(p).await)?)
    }
}
