//! Writing disputes: registration and the save of a decision. The domain decides
//! (`tongxin_domain::mediation::{register, decide, decide_confirmation}`); these functions write
//! everything a decision implies — the row and its state, the parties (registration), the
//! current mediators, the events, the outbox notices, the case link and the audit record — in
//! one transaction, so nothing is half-written.

use super::Mediation;
use super::read::{DISPUTE_COLS, DISPUTE_FROM, DisputeView};
use crate::audit::{AuditEntry, append};
use crate::bulk::{Val, insert_rows};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Actor, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::mediation::code::DisputeCode;
use tongxin_domain::mediation::{Decision, DisputeState, stats};
use tongxin_domain::people::idcard::IdNumber;

/// The timer columns of a dispute, computed by the use-case from the state and the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timers {
    /// When the one-month limit's warning is due (none when no limit runs).
    pub warn_at: Option<DateTime<Utc>>,
    /// The last day to apply for 司法确认 (once the agreement took effect).
    pub window_end: Option<NaiveDate>,
}

/// An in-app notice to a unit (`mediator:N`, `mediation_org:N`, `dispatchers:STREET`, `dept:N` …),
/// written to the outbox. `{code}` in the text becomes the dispute's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub kind: String,
    pub unit: String,
    pub text: String,
}

/// Which side of the dispute a party is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartySide {
    /// 申请人.
    Applicant,
    /// 被申请人.
    Respondent,
    /// 当事人 (a dispute found by screening has no applicant).
    Party,
}

impl PartySide {
    pub fn as_str(self) -> &'static str {
        match self {
            PartySide::Applicant => "applicant",
            PartySide::Respondent => "respondent",
            PartySide::Party => "party",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PartySide::Applicant => "申请人",
            PartySide::Respondent => "被申请人",
            PartySide::Party => "当事人",
        }
    }
}

/// A party's personal data, in the order of the registered state's parties (whose names the
/// domain checked).
#[derive(Debug, Clone)]
pub struct NewParty {
    pub side: PartySide,
    pub resident_id: Option<i64>,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
}

/// A dispute to register: the domain's decision (its code is provisional: the store allocates
/// the next code of the street and day in the transaction), the place, the parties' data.
#[derive(Debug, Clone)]
pub struct NewDispute {
    pub street: RegionCode,
    pub community_code: Option<String>,
    pub grid_code: Option<String>,
    pub parties: Vec<NewParty>,
    pub decision: Decision,
    pub timers: Timers,
    pub notices: Vec<NewNotice>,
    pub created_by: Option<i64>,
    /// The grid screening (网格排查) that found it, if any.
    pub screening_id: Option<i64>,
}

/// A decided change to save.
#[derive(Debug, Clone)]
pub struct DisputeChange<'a> {
    pub id: i64,
    /// The version the decision was made on; another is a conflict.
    pub expected_version: i64,
    pub decision: &'a Decision,
    pub timers: Timers,
    pub notices: Vec<NewNotice>,
    /// Files the decision names (the signed agreement's scan), written in the same transaction.
    pub files: Vec<super::NewDisputeFile>,
    pub audit: AuditEntry,
}

pub(super) const OUTBOX_COLS: [&str; 7] =
    ["channel", "kind", "case_id", "recipient", "payload", "created_at", "available_at"];

/// Outbox rows of notices about a dispute (`dispute_id`, `code`), due now.
pub(super) fn outbox_rows(
    notices: &[NewNotice],
    dispute_id: Option<i64>,
    code: &str,
    now: DateTime<Utc>,
) -> Vec<Vec<Val>> {
    notices
        .iter()
        .map(|n| {
            let payload =
                serde_json::json!({ "code": code, "text": n.text.replace("{code}", code), "dispute_id": dispute_id });
            vec![
                "notice".into(),
                n.kind.clone().into(),
                Val::I64(None),
                n.unit.clone().into(),
                payload.to_string().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect()
}

/// The columns every save derives from the state.
struct Columns {
    status: &'static str,
    open: bool,
    level: &'static str,
    org_id: i64,
    risk_code: Option<String>,
    deadline_at: Option<DateTime<Utc>>,
    confirmation: &'static str,
    /// The leaders' figures' days (`tongxin_domain::mediation::stats`).
    days_to_agreement: Option<i64>,
    days_to_close: Option<i64>,
    state: String,
}

fn columns(s: &DisputeState) -> Result<Columns, StoreError> {
    Ok(Columns {
        status: s.status.as_str(),
        open: s.status.is_open(),
        level: s.level.as_str(),
        org_id: s.org.id,
        risk_code: s.risk.as_ref().map(|r| r.code.clone()),
        deadline_at: s.deadline,
        confirmation: s.confirmation.status.as_str(),
        days_to_agreement: stats::days_to_agreement(s),
        days_to_close: stats::days_to_close(s),
        state: serde_json::to_string(s).map_err(|e| StoreError::Invalid(format!("纠纷状态无法保存：{e}")))?,
    })
}

impl Mediation<'_> {
    /// Registers a dispute: allocates the next code of its street and day (一案一编码), writes
    /// the row, the parties (ID and phone encrypted with blind indexes and masked forms), the
    /// first events, the link to the case it was referred from, the notices and the audit
    /// record in one transaction.
    pub async fn create(&self, actor: &Actor, new: NewDispute) -> Result<DisputeView, StoreError> {
        let mut tx = self.store.db.begin().await?;
        let view = self.create_in(&mut tx, actor, new).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// [`Mediation::create`] inside a transaction the caller commits.
    pub(crate) async fn create_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        new: NewDispute,
    ) -> Result<DisputeView, StoreError> {
        let mut state = new.decision.state.clone();
        if new.parties.len() != state.parties.len() {
            return Err(StoreError::Invalid("当事人信息与登记的当事人数量不一致".into()));
        }
        let now = self.store.now();
        let day = tongxin_domain::case::deadline::shanghai_date(state.registered_at);
        let seq_sql = "INSERT INTO dispute_code_seq (street_code, day, last) VALUES ($1, $2, 1) \
                       ON CONFLICT (street_code, day) DO UPDATE SET last = dispute_code_seq.last + 1 RETURNING last";
        let seq: i64 = on_tx!(tx, |c| sqlx::query_scalar(seq_sql)
            .bind(new.street.as_str())
            .bind(day.format("%Y%m%d").to_string())
            .fetch_one(c)
            .await)?;
        let seq = u16::try_from(seq).map_err(|_| StoreError::Invalid("本街道今日的纠纷编号已用尽".into()))?;
        state.code = DisputeCode::new(&new.street, day, seq)
            .map_err(|_| StoreError::Invalid("本街道今日的纠纷编号已用尽".into()))?;
        let code = state.code.to_string();
        let area =
            new.grid_code.clone().or_else(|| new.community_code.clone()).unwrap_or_else(|| new.street.to_string());
        let cols = columns(&state)?;
        let sql = "INSERT INTO disputes (code, street_code, community_code, grid_code, area_code, dispute_type, source, \
                   status, open, level, org_id, risk_code, deadline_at, warn_at, confirmation_status, \
                   confirmation_window_end, referred_case_id, state, created_by, created_at, updated_at, version, screening_id, \
                   days_to_agreement, days_to_close) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, \
                   $22, $23, $24) RETURNING id";
        let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(sql)
            .bind(&code)
            .bind(new.street.as_str())
            .bind(&new.community_code)
            .bind(&new.grid_code)
            .bind(&area)
            .bind(state.dispute_type.as_str())
            .bind(state.source.as_str())
            .bind(cols.status)
            .bind(cols.open)
            .bind(cols.level)
            .bind(cols.org_id)
            .bind(&cols.risk_code)
            .bind(cols.deadline_at)
            .bind(new.timers.warn_at)
            .bind(cols.confirmation)
            .bind(new.timers.window_end)
            .bind(state.referred_case_id)
            .bind(&cols.state)
            .bind(new.created_by)
            .bind(now)
            .bind(state.version)
            .bind(new.screening_id)
            .bind(cols.days_to_agreement)
            .bind(cols.days_to_close)
            .fetch_one(c)
            .await)?;
        let pii = self.store.pii();
        let parties: Vec<Vec<Val>> = new
            .parties
            .iter()
            .zip(&state.parties)
            .enumerate()
            .map(|(i, (p, s))| {
                vec![
                    id.into(),
                    (i as i64).into(),
                    s.name.clone().into(),
                    p.side.as_str().into(),
                    p.resident_id.into(),
                    p.id_number.as_ref().map(|n| pii.encrypt(n.as_str())).into(),
                    p.id_number.as_ref().map(|n| pii.blind_index(n.as_str())).into(),
                    p.id_number.as_ref().map(|n| n.masked()).into(),
                    p.id_number.as_ref().map(|n| n.tail4().to_string()).into(),
                    p.phone.as_ref().map(|n| pii.encrypt(n.as_str())).into(),
                    p.phone.as_ref().map(|n| pii.blind_index(n.as_str())).into(),
                    p.phone.as_ref().map(|n| n.masked()).into(),
                    p.phone.as_ref().map(|n| n.tail4().to_string()).into(),
                ]
            })
            .collect();
        insert_rows(
            tx,
            "dispute_parties",
            &[
                "dispute_id",
                "idx",
                "name",
                "side",
                "resident_id",
                "id_cipher",
                "id_hmac",
                "id_masked",
                "id_tail",
                "phone_cipher",
                "phone_hmac",
                "phone_masked",
                "phone_tail",
            ],
            &parties,
        )
        .await?;
        if let Some(case_id) = state.referred_case_id {
            let link = "INSERT INTO dispute_case_links (case_id, dispute_id, created_at) VALUES ($1, $2, $3)";
            on_tx!(tx, |c| sqlx::query(link)
                .bind(case_id)
                .bind(id)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        write_effects(tx, id, &code, &state, &new.decision, &new.notices, actor, now).await?;
        let entry = AuditEntry::new("dispute.register", "dispute", id).after(digest_of(&state)).detail(format!(
            "{code} {}（{}）",
            state.dispute_type.label(),
            state.source.label()
        ));
        append(tx, pii, now, actor, entry).await?;
        read_in(tx, id).await
    }

    /// Saves a decision if the dispute is still at `expected_version` (someone else acted first
    /// otherwise: a conflict, nothing written): the row and its state, the current mediators,
    /// the events, the notices, the files and the audit record in one transaction. A moved deadline clears
    /// the warning and overdue marks; any decision settles a pending automatic 督办.
    pub async fn save(&self, actor: &Actor, change: DisputeChange<'_>) -> Result<DisputeView, StoreError> {
        let state = &change.decision.state;
        let cols = columns(state)?;
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE disputes SET status = $1, open = $2, level = $3, org_id = $4, risk_code = $5, deadline_at = $6, \
                   warn_at = $7, \
                   warned = CASE WHEN $6 IS NULL OR deadline_at IS NULL OR $6 <> deadline_at THEN FALSE ELSE warned END, \
                   overdue = CASE WHEN $6 IS NULL OR deadline_at IS NULL OR $6 <> deadline_at THEN FALSE ELSE overdue END, \
                   supervise_pending = FALSE, confirmation_status = $8, confirmation_window_end = $9, state = $10, \
                   updated_at = $11, version = $12, days_to_agreement = $15, days_to_close = $16 \
                   WHERE id = $13 AND version = $14";
        let n = on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(cols.status)
            .bind(cols.open)
            .bind(cols.level)
            .bind(cols.org_id)
            .bind(&cols.risk_code)
            .bind(cols.deadline_at)
            .bind(change.timers.warn_at)
            .bind(cols.confirmation)
            .bind(change.timers.window_end)
            .bind(&cols.state)
            .bind(now)
            .bind(change.expected_version + 1)
            .bind(change.id)
            .bind(change.expected_version)
            .bind(cols.days_to_agreement)
            .bind(cols.days_to_close)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::Conflict("该纠纷刚被他人处理过，请刷新后重试".into()));
        }
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM dispute_mediators WHERE dispute_id = $1")
            .bind(change.id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let code = state.code.to_string();
        write_effects(&mut tx, change.id, &code, state, change.decision, &change.notices, actor, now).await?;
        let files: Vec<Vec<Val>> = change
            .files
            .iter()
            .map(|f| {
                vec![
                    change.id.into(),
                    f.purpose.clone().into(),
                    f.content_type.clone().into(),
                    super::file_ref(&f.bytes).into(),
                    f.bytes.clone().into(),
                    now.into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "dispute_files",
            &["dispute_id", "purpose", "content_type", "sha256", "bytes", "created_at"],
            &files,
        )
        .await?;
        append(&mut tx, self.store.pii(), now, actor, change.audit).await?;
        let view = read_in(&mut tx, change.id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// The current mediators, the events and the notices of a decision.
#[allow(clippy::too_many_arguments)] // the parts of one write, named at both calls
async fn write_effects(
    tx: &mut Tx,
    id: i64,
    code: &str,
    state: &DisputeState,
    decision: &Decision,
    notices: &[NewNotice],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mediators: Vec<Vec<Val>> = state.mediators.iter().map(|m| vec![id.into(), (*m).into()]).collect();
    insert_rows(tx, "dispute_mediators", &["dispute_id", "mediator_id"], &mediators).await?;
    let events: Vec<Vec<Val>> = decision
        .events
        .iter()
        .map(|e| {
            vec![
                id.into(),
                e.kind.as_str().into(),
                actor.user_id.into(),
                actor.name.clone().into(),
                e.note.clone().into(),
                e.detail.to_string().into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(tx, "dispute_events", &["dispute_id", "kind", "actor_id", "actor_name", "note", "data", "at"], &events)
        .await?;
    insert_rows(tx, "outbox", &OUTBOX_COLS, &outbox_rows(notices, Some(id), code, now)).await?;
    write_items(tx, id, state).await
}

/// The agreement's items as they stand (due day, result), replacing what was there: the
/// performance figures count them in SQL.
async fn write_items(tx: &mut Tx, id: i64, state: &DisputeState) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM dispute_performance_items WHERE dispute_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    let items: Vec<Vec<Val>> = state
        .performance
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![id.into(), (i as i64).into(), p.term.due.into(), p.result.map(|r| r.as_str().to_string()).into()]
        })
        .collect();
    insert_rows(tx, "dispute_performance_items", &["dispute_id", "idx", "due_on", "result"], &items).await?;
    Ok(())
}

/// The dispute as written so far in this transaction.
async fn read_in(tx: &mut Tx, id: i64) -> Result<DisputeView, StoreError> {
    let sql = format!("SELECT {DISPUTE_COLS} FROM {DISPUTE_FROM} WHERE d.id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?)
}
