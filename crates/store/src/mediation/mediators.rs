//! Mediators (人民调解员): created, listed, linked to staff accounts, removed (art 15).

use super::Mediation;
use super::write::{NewNotice, outbox_rows};
use crate::audit::{AuditEntry, append};
use crate::bulk::insert_rows;
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use chrono::NaiveDate;
use serde::Serialize;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_domain::mediation::mediator::{Appointment, Mediator, MediatorStatus, Removal, RemovalReason};

/// A mediator as stored: the domain's record, the staff account it is linked to and the
/// qualification as entered (资格, e.g. 法律职业资格).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediatorRecord {
    #[serde(flatten)]
    pub mediator: Mediator,
    pub user_id: Option<i64>,
    pub qualification: String,
    pub version: i64,
}

/// A mediator to create: the domain checked it (`Mediator::new`; its id is ignored).
#[derive(Debug, Clone)]
pub struct NewMediator {
    pub mediator: Mediator,
    pub user_id: Option<i64>,
    pub qualification: String,
}

#[derive(sqlx::FromRow)]
struct MediatorRow {
    id: i64,
    org_id: i64,
    user_id: Option<i64>,
    name: String,
    birth_date: NaiveDate,
    appointment: String,
    qualification: String,
    term_start: NaiveDate,
    term_end: Option<NaiveDate>,
    specialities: String,
    status: String,
    removal_reason: Option<String>,
    removal_text: Option<String>,
    removed_on: Option<NaiveDate>,
    version: i64,
}

impl TryFrom<MediatorRow> for MediatorRecord {
    type Error = String;
    fn try_from(r: MediatorRow) -> Result<MediatorRecord, String> {
        let bad = |what: &str| format!("mediator {}: {what} does not decode", r.id);
        let appointment = Appointment::parse(&r.appointment).ok_or_else(|| bad("appointment"))?;
        let specialities = r
            .specialities
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| DisputeType::parse(s).ok_or_else(|| bad("speciality")))
            .collect::<Result<Vec<_>, _>>()?;
        let status = match (r.status.as_str(), r.removal_reason.as_deref(), r.removed_on) {
            ("active", _, _) => MediatorStatus::Active,
            ("removed", Some(reason), Some(on)) => MediatorStatus::Removed(Removal {
                reason: RemovalReason::parse(reason).ok_or_else(|| bad("removal reason"))?,
                text: r.removal_text.clone(),
                on,
            }),
            _ => return Err(bad("status")),
        };
        Ok(MediatorRecord {
            mediator: Mediator {
                id: r.id,
                org_id: r.org_id,
                name: r.name,
                birth_date: r.birth_date,
                appointment,
                term_start: r.term_start,
                term_end: r.term_end,
                specialities,
                status,
            },
            user_id: r.user_id,
            qualification: r.qualification,
            version: r.version,
        })
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for MediatorRecord
where
    MediatorRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<MediatorRecord, sqlx::Error> {
        MediatorRecord::try_from(MediatorRow::from_row(row)?).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

const COLS: &str = "m.id, m.org_id, m.user_id, m.name, m.birth_date, m.appointment, m.qualification, m.term_start, \
     m.term_end, m.specialities, m.status, m.removal_reason, m.removal_text, m.removed_on, m.version";

impl Mediation<'_> {
    /// Creates a mediator with its audit record. A staff account is linked at most once per
    /// organisation.
    pub async fn create_mediator(&self, actor: &Actor, new: &NewMediator) -> Result<MediatorRecord, StoreError> {
        let now = self.store.now();
        let m = &new.mediator;
        let specialities: Vec<&str> = m.specialities.iter().map(|s| s.as_str()).collect();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO mediators (org_id, user_id, name, birth_date, appointment, qualification, term_start, \
                   term_end, specialities, status, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $10) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(m.org_id)
            .bind(new.user_id)
            .bind(&m.name)
            .bind(m.birth_date)
            .bind(m.appointment.as_str())
            .bind(&new.qualification)
            .bind(m.term_start)
            .bind(m.term_end)
            .bind(specialities.join(","))
            .bind(now)
            .fetch_one(c)
            .await)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("该账号已是本组织的调解员".into()),
            other => other,
        })?;
        let read = format!("SELECT {COLS} FROM mediators m WHERE m.id = $1");
        let record: MediatorRecord =
            on_tx!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(read.as_str())).bind(id).fetch_one(c).await)?;
        let entry = AuditEntry::new("mediator.create", "mediator", id).after(digest_of(&record)).detail(format!(
            "调解组织 {} 新增{}",
            m.org_id,
            m.appointment.label()
        ));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// A mediator by id, whatever the scope (for use-cases).
    pub async fn mediator(&self, id: i64) -> Result<MediatorRecord, StoreError> {
        let sql = format!("SELECT {COLS} FROM mediators m WHERE m.id = $1");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?)
    }

    /// The mediator records linked to a staff account (one per organisation it serves).
    pub async fn mediators_of_user(&self, user_id: i64) -> Result<Vec<MediatorRecord>, StoreError> {
        let sql = format!("SELECT {COLS} FROM mediators m WHERE m.user_id = $1 ORDER BY m.id");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(user_id)
            .fetch_all(p)
            .await)?)
    }

    /// The mediators of an organisation the scope sees, by id.
    pub async fn mediators(&self, scope: &Scope, org_id: i64) -> Result<Vec<MediatorRecord>, StoreError> {
        self.org(scope, org_id).await?;
        self.mediators_of_org(org_id).await
    }

    pub(super) async fn mediators_of_org(&self, org_id: i64) -> Result<Vec<MediatorRecord>, StoreError> {
        let sql = format!("SELECT {COLS} FROM mediators m WHERE m.org_id = $1 ORDER BY m.id");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org_id)
            .fetch_all(p)
            .await)?)
    }

    /// The open disputes a mediator is assigned to: (id, code), by id.
    pub async fn assigned_open_disputes(&self, mediator_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let sql = "SELECT d.id, d.code FROM dispute_mediators dm JOIN disputes d ON d.id = dm.dispute_id \
                   WHERE dm.mediator_id = $1 AND d.open = $2 ORDER BY d.id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(mediator_id).bind(true).fetch_all(p).await)?)
    }

    /// Saves a removal the domain decided (`Mediator::remove`) if the record is still at
    /// `expected_version`, with its notices and audit record in one transaction. From the
    /// commit on the mediator's account reads no dispute and may not act (the domain's
    /// standing).
    pub async fn remove_mediator(
        &self,
        actor: &Actor,
        removed: &Mediator,
        expected_version: i64,
        notices: &[NewNotice],
    ) -> Result<MediatorRecord, StoreError> {
        let MediatorStatus::Removed(removal) = &removed.status else {
            return Err(StoreError::Invalid("调解员尚未罢免或解聘".into()));
        };
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE mediators SET status = 'removed', removal_reason = $1, removal_text = $2, removed_on = $3, \
                   updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status = 'active'";
        let n = on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(removal.reason.as_str())
            .bind(&removal.text)
            .bind(removal.on)
            .bind(now)
            .bind(removed.id)
            .bind(expected_version)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::Conflict("该调解员刚被他人修改或已被罢免，请刷新后重试".into()));
        }
        insert_rows(&mut tx, "outbox", &super::write::OUTBOX_COLS, &outbox_rows(notices, None, "", now)).await?;
        let entry = AuditEntry::new("mediator.remove", "mediator", removed.id)
            .after(digest_of(&removed.status))
            .detail(format!("罢免或解聘：{}", removal.reason.label()));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        let read = format!("SELECT {COLS} FROM mediators m WHERE m.id = $1");
        let record: MediatorRecord = on_tx!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(read.as_str()))
            .bind(removed.id)
            .fetch_one(c)
            .await)?;
        tx.commit().await?;
        Ok(record)
    }
}
