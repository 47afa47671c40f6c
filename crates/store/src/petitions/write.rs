//! Writing petitions: registration, the save of a decision, and the link event of a repeated
//! petition. The domain decides (`tongxin_domain::petition::{register, decide}`); these functions
//! write everything a decision implies — the row and its state, the people (registration), the
//! events, the outbox notices, the case and dispute links and the audit record — in one
//! transaction, so nothing is half-written.

use super::Petitions;
use super::read::{PETITION_COLS, PETITION_FROM, PetitionView};
use crate::audit::{AuditEntry, append};
use crate::bulk::{Val, insert_rows};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Actor, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::mask::mask_name;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_domain::petition::{ClockKind, Decision, PetitionState, Registration};

/// The timer columns of a petition, computed by the use-case from the domain's clocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timers {
    /// The pending duty that ends first (a paused one is not counted) …
    pub next_clock: Option<ClockKind>,
    /// … its deadline (the end of its last day) …
    pub next_deadline: Option<DateTime<Utc>>,
    /// … and when its warning is due.
    pub warn_at: Option<DateTime<Utc>>,
    /// The last day of a pending 复查/复核 window.
    pub window_end: Option<NaiveDate>,
}

/// An in-app notice to a unit (`dept:N`, `grid:CODE`, `dispatchers:STREET` …), written to the
/// outbox. `{code}` in the text becomes the petition's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub kind: String,
    pub unit: String,
    pub text: String,
}

/// A person's data: the petitioner (name and address as registered) or a representative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonData {
    pub name: String,
    pub address: Option<String>,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
}

/// A petition to register: the registration and the domain's decision, the place, the people's
/// data, the duplicate rule's keys.
#[derive(Debug, Clone)]
pub struct NewPetition {
    pub street: RegionCode,
    pub community_code: Option<String>,
    pub grid_code: Option<String>,
    pub registration: Registration,
    pub petitioner: PersonData,
    /// In the order of the registration's representatives (none unless a group visit).
    pub representatives: Vec<PersonData>,
    /// The blind index of the petitioner's identity (the duplicate rule's person).
    pub identity: Vec<u8>,
    /// The domain's `MatterKey::fingerprint`.
    pub fingerprint: String,
    pub decision: Decision,
    pub timers: Timers,
    pub notices: Vec<NewNotice>,
    pub created_by: Option<i64>,
}

/// A decided change to save.
#[derive(Debug, Clone)]
pub struct PetitionChange<'a> {
    pub id: i64,
    /// The version the decision was made on; another is a conflict.
    pub expected_version: i64,
    pub decision: &'a Decision,
    pub timers: Timers,
    pub notices: Vec<NewNotice>,
    pub audit: AuditEntry,
}

pub(super) const OUTBOX_COLS: [&str; 7] =
    ["channel", "kind", "case_id", "recipient", "payload", "created_at", "available_at"];

/// Outbox rows of notices about a petition (`id`, `code`), due now.
pub(super) fn outbox_rows(notices: &[NewNotice], id: i64, code: &str, now: DateTime<Utc>) -> Vec<Vec<Val>> {
    notices
        .iter()
        .map(|n| {
            let payload =
                serde_json::json!({ "code": code, "text": n.text.replace("{code}", code), "petition_id": id });
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

/// `浙江省金华市婺城区某路12号` → `浙江省金华市****`: enough to tell addresses apart.
pub fn mask_address(address: &str) -> String {
    let keep = (address.chars().count() / 2).min(6);
    address.chars().take(keep).chain("****".chars()).collect()
}

fn state_json(s: &PetitionState) -> Result<String, StoreError> {
    serde_json::to_string(s).map_err(|e| StoreError::Invalid(format!("信访件状态无法保存：{e}")))
}

const SEQ_SQL: &str = "INSERT INTO petition_code_seq (street_code, day, last) VALUES ($1, $2, 1) \
     ON CONFLICT (street_code, day) DO UPDATE SET last = petition_code_seq.last + 1 RETURNING last";

impl Petitions<'_> {
    /// Registers a petition: allocates the next code of its street and day
    /// (`XF330702001-20261206-0001`), writes the row, the people (name, address, ID and phone
    /// encrypted with blind indexes and masked forms), the first events, the link to the case
    /// it was escalated from, the notices and the audit record in one transaction.
    pub async fn create(&self, actor: &Actor, new: NewPetition) -> Result<PetitionView, StoreError> {
        let reg = &new.registration;
        let state = &new.decision.state;
        let reps = reg.group().map_or(0, |g| g.representatives().len());
        if new.representatives.len() != reps {
            return Err(StoreError::Invalid("代表信息与登记的代表人数不一致".into()));
        }
        let now = self.store.now();
        let day = tongxin_domain::case::deadline::shanghai_date(state.registered_at);
        let mut tx = self.store.db.begin().await?;
        let seq: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(SEQ_SQL)
            .bind(new.street.as_str())
            .bind(day.format("%Y%m%d").to_string())
            .fetch_one(c)
            .await)?;
        if !(1..=9999).contains(&seq) {
            return Err(StoreError::Invalid("本街道今日的信访编号已用尽".into()));
        }
        let code = format!("XF{}-{}-{seq:04}", new.street, day.format("%Y%m%d"));
        let area =
            new.grid_code.clone().or_else(|| new.community_code.clone()).unwrap_or_else(|| new.street.to_string());
        let json = state_json(state)?;
        let matter = reg.matter();
        let sql = "INSERT INTO petitions (code, street_code, community_code, grid_code, area_code, channel, kind, \
                   status, open, holder_unit, next_clock, next_deadline, warn_at, window_end, headcount, request, \
                   facts, reasons, identity_hmac, matter_fingerprint, from_case_id, dispute_id, state, created_by, \
                   created_at, updated_at, version) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                   $21, $22, $23, $24, $25, $25, $26) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(&code)
            .bind(new.street.as_str())
            .bind(&new.community_code)
            .bind(&new.grid_code)
            .bind(&area)
            .bind(reg.channel().as_str())
            .bind(state.kind.as_str())
            .bind(state.status.as_str())
            .bind(state.status.is_open())
            .bind(state.holder().map(|u| u.key()))
            .bind(new.timers.next_clock.map(|k| k.as_str()))
            .bind(new.timers.next_deadline)
            .bind(new.timers.warn_at)
            .bind(new.timers.window_end)
            .bind(reg.group().map(|g| i64::from(g.headcount())))
            .bind(matter.request.as_str())
            .bind(matter.facts.as_str())
            .bind(matter.reasons.as_str())
            .bind(&new.identity)
            .bind(&new.fingerprint)
            .bind(state.from_case)
            .bind(state.dispute_id)
            .bind(&json)
            .bind(new.created_by)
            .bind(now)
            .bind(state.version)
            .fetch_one(c)
            .await)?;
        let pii = self.store.pii();
        let person = |idx: usize, role: &str, p: &PersonData| -> Vec<Val> {
            let address = p.address.as_deref().map(str::trim).filter(|a| !a.is_empty());
            vec![
                id.into(),
                (idx as i64).into(),
                role.to_string().into(),
                pii.encrypt(&p.name).into(),
                pii.blind_index(&p.name).into(),
                mask_name(&p.name).into(),
                address.map(|a| pii.encrypt(a)).into(),
                address.map(mask_address).into(),
                p.id_number.as_ref().map(|n| pii.encrypt(n.as_str())).into(),
                p.id_number.as_ref().map(|n| pii.blind_index(n.as_str())).into(),
                p.id_number.as_ref().map(|n| n.masked()).into(),
                p.id_number.as_ref().map(|n| n.tail4().to_string()).into(),
                p.phone.as_ref().map(|n| pii.encrypt(n.as_str())).into(),
                p.phone.as_ref().map(|n| pii.blind_index(n.as_str())).into(),
                p.phone.as_ref().map(|n| n.masked()).into(),
                p.phone.as_ref().map(|n| n.tail4().to_string()).into(),
            ]
        };
        let mut people = vec![person(0, "petitioner", &new.petitioner)];
        people.extend(new.representatives.iter().enumerate().map(|(i, p)| person(i + 1, "representative", p)));
        insert_rows(
            &mut tx,
            "petition_people",
            &[
                "petition_id",
                "idx",
                "role",
                "name_cipher",
                "name_hmac",
                "name_masked",
                "address_cipher",
                "address_masked",
                "id_cipher",
                "id_hmac",
                "id_masked",
                "id_tail",
                "phone_cipher",
                "phone_hmac",
                "phone_masked",
                "phone_tail",
            ],
            &people,
        )
        .await?;
        if let Some(case_id) = state.from_case {
            let link = "INSERT INTO petition_case_links (petition_id, case_id, created_at) VALUES ($1, $2, $3)";
            on_tx!(&mut tx, |c| sqlx::query(link)
                .bind(id)
                .bind(case_id)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        write_effects(&mut tx, id, &code, &new.decision, &new.notices, actor, now).await?;
        let entry = AuditEntry::new("petition.register", "petition", id).after(digest_of(state)).detail(format!(
            "{code} {}，{}",
            reg.channel().label(),
            state.kind.label()
        ));
        append(&mut tx, pii, now, actor, entry).await?;
        let view = read_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Saves a decision if the petition is still at `expected_version` (someone else acted
    /// first otherwise: a conflict, nothing written): the row and its state, the events, the
    /// notices, the dispute link (调解化解) and the audit record in one transaction. A moved
    /// deadline clears the warning and overdue marks.
    pub async fn save(&self, actor: &Actor, change: PetitionChange<'_>) -> Result<PetitionView, StoreError> {
        let state = &change.decision.state;
        let json = state_json(state)?;
        let now = self.store.now();
        let t = change.timers;
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE petitions SET status = $1, open = $2, holder_unit = $3, next_clock = $4, \
                   next_deadline = $5, warn_at = $6, window_end = $7, \
                   warned = CASE WHEN $5 IS NULL OR next_deadline IS NULL OR $5 <> next_deadline THEN FALSE ELSE warned END, \
                   overdue = CASE WHEN $5 IS NULL OR next_deadline IS NULL OR $5 <> next_deadline THEN FALSE ELSE overdue END, \
                   dispute_id = $8, state = $9, updated_at = $10, version = $11 WHERE id = $12 AND version = $13 \
                   RETURNING code";
        let code: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(state.status.as_str())
            .bind(state.status.is_open())
            .bind(state.holder().map(|u| u.key()))
            .bind(t.next_clock.map(|k| k.as_str()))
            .bind(t.next_deadline)
            .bind(t.warn_at)
            .bind(t.window_end)
            .bind(state.dispute_id)
            .bind(&json)
            .bind(now)
            .bind(change.expected_version + 1)
            .bind(change.id)
            .bind(change.expected_version)
            .fetch_optional(c)
            .await)?;
        let Some(code) = code else {
            return Err(StoreError::Conflict("该信访件刚被他人处理过，请刷新后重试".into()));
        };
        if let Some(dispute_id) = state.dispute_id {
            let link = "INSERT INTO petition_dispute_links (petition_id, dispute_id, created_at) VALUES ($1, $2, $3) \
                        ON CONFLICT (petition_id, dispute_id) DO NOTHING";
            on_tx!(&mut tx, |c| sqlx::query(link)
                .bind(change.id)
                .bind(dispute_id)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        write_effects(&mut tx, change.id, &code, change.decision, &change.notices, actor, now).await?;
        append(&mut tx, self.store.pii(), now, actor, change.audit).await?;
        let view = read_in(&mut tx, change.id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records on petition `id` that the same person brought the same matter again (《信访工作
    /// 条例》art 19: linked, not registered again): one `linked` event with `detail` (the
    /// channel, no personal data), the link to the case it came from if any (kept both ways),
    /// the notices and an audit record in one transaction. The state and its version are
    /// unchanged.
    pub async fn record_link(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
        detail: serde_json::Value,
        case_id: Option<i64>,
        notices: &[NewNotice],
    ) -> Result<PetitionView, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let view = read_in(&mut tx, id).await?;
        if let Some(case_id) = case_id {
            let link = "INSERT INTO petition_case_links (petition_id, case_id, created_at) VALUES ($1, $2, $3) \
                        ON CONFLICT (petition_id, case_id) DO NOTHING";
            on_tx!(&mut tx, |c| sqlx::query(link)
                .bind(id)
                .bind(case_id)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        let row = vec![vec![
            id.into(),
            "linked".into(),
            Val::Text(None),
            actor.user_id.into(),
            actor.name.clone().into(),
            note.to_string().into(),
            detail.to_string().into(),
            now.into(),
        ]];
        insert_rows(
            &mut tx,
            "petition_events",
            &["petition_id", "kind", "unit", "actor_id", "actor_name", "note", "data", "at"],
            &row,
        )
        .await?;
        insert_rows(&mut tx, "outbox", &OUTBOX_COLS, &outbox_rows(notices, id, &view.code, now)).await?;
        let entry = AuditEntry::new("petition.link", "petition", id).detail(format!("{} {note}", view.code));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// The events and the notices of a decision.
async fn write_effects(
    tx: &mut Tx,
    id: i64,
    code: &str,
    decision: &Decision,
    notices: &[NewNotice],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let events: Vec<Vec<Val>> = decision
        .events
        .iter()
        .map(|e| {
            vec![
                id.into(),
                e.kind.as_str().into(),
                e.unit.as_ref().map(|u| u.key()).into(),
                actor.user_id.into(),
                actor.name.clone().into(),
                e.note.clone().into(),
                e.detail.to_string().into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "petition_events",
        &["petition_id", "kind", "unit", "actor_id", "actor_name", "note", "data", "at"],
        &events,
    )
    .await?;
    insert_rows(tx, "outbox", &OUTBOX_COLS, &outbox_rows(notices, id, code, now)).await?;
    Ok(())
}

/// The petition as written so far in this transaction.
async fn read_in(tx: &mut Tx, id: i64) -> Result<PetitionView, StoreError> {
    let sql = format!("SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE p.id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?)
}
