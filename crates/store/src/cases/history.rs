//! Bulk loading of a case history decided elsewhere (the demo's year of cases, `tongxin demo`):
//! every row the use-cases would have written over time — case rows, events at their own
//! times, participants, outbox rows already delivered with their in-app notices, monthly unit
//! counters, search words and the tracking-code sequence — written with multi-row inserts.
//!
//! The rows are taken as they are: the caller derives them from the domain's decisions (see
//! `cli/src/demo/history`), so this module only encrypts the requesters' phones and writes.

use crate::Actor;
use crate::bulk::{Val, insert_rows, insert_rows_then};
use crate::cases::write::CaseState;
use crate::db::Tx;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use tongxin_domain::kernel::phone::Phone;

/// A case as it stands after its history.
#[derive(Debug, Clone)]
pub struct HistoryCase {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub grid_code: Option<String>,
    pub building_id: Option<i64>,
    pub category_code: String,
    pub kind: String,
    pub urgency: String,
    pub channel: String,
    pub title: String,
    pub description: String,
    pub address: String,
    /// (lng, lat)
    pub point: Option<(f64, f64)>,
    pub requester_name: Option<String>,
    /// Encrypted, blind-indexed and masked here, as intake does.
    pub phone: Option<Phone>,
    pub dedupe_key: String,
    pub row: CaseState,
    /// The deadline timers' marks (`mark_deadline_warnings`, `mark_overdue`).
    pub warned: bool,
    pub overdue: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Full search words (`search::case_words`).
    pub search_words: String,
}

/// One entry of a case's history, at its own time.
#[derive(Debug, Clone)]
pub struct HistoryEvent {
    pub case_id: i64,
    pub kind: String,
    pub actor: Actor,
    pub unit: Option<String>,
    pub note: String,
    pub data: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct HistoryParticipant {
    pub case_id: i64,
    pub unit: String,
    pub role: String,
    pub status: String,
    pub deadline_at: Option<DateTime<Utc>>,
}

/// An outbox row written at `created_at` and delivered at `sent_at`; a delivered `notice`
/// row also gets its in-app notice (read at `read_at`, if read).
#[derive(Debug, Clone)]
pub struct HistoryOutbox {
    pub case_id: i64,
    pub channel: String,
    pub kind: String,
    pub recipient: String,
    pub payload: String,
    /// The notice's text (what delivery copies from the payload).
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The counters of `unit_month_stats`, in column order: the write path's own list.
pub use super::write::STAT_FIELDS as STAT_COLUMNS;

/// Counter totals by (month, unit), in [`STAT_COLUMNS`] order.
pub type StatTotals = BTreeMap<(String, String), [i64; STAT_COLUMNS.len()]>;

/// One chunk of history; cases carry ids the caller reserved.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryBatch<'a> {
    pub cases: &'a [HistoryCase],
    pub events: &'a [HistoryEvent],
    pub participants: &'a [HistoryParticipant],
    pub outbox: &'a [HistoryOutbox],
}

/// Adds counter totals to `unit_month_stats` with one multi-row upsert per chunk.
pub async fn add_unit_month_stats(tx: &mut Tx, totals: &StatTotals) -> Result<u64, StoreError> {
    let rows: Vec<Vec<Val>> = totals
        .iter()
        .map(|((month, unit), c)| {
            let mut row: Vec<Val> = vec![month.clone().into(), unit.clone().into()];
            row.extend(c.iter().map(|&n| Val::from(n)));
            row
        })
        .collect();
    let mut columns = vec!["month", "unit"];
    columns.extend(STAT_COLUMNS);
    let sets: Vec<String> = STAT_COLUMNS.iter().map(|c| format!("{c} = unit_month_stats.{c} + excluded.{c}")).collect();
    let then = format!("ON CONFLICT (month, unit) DO UPDATE SET {}", sets.join(", "));
    insert_rows_then(tx, "unit_month_stats", &columns, &rows, &then).await
}

/// Sets the tracking-code sequence of each day (`case_code_seq`) to at least `last`.
pub async fn set_code_sequences(tx: &mut Tx, days: &BTreeMap<String, i64>) -> Result<u64, StoreError> {
    let rows: Vec<Vec<Val>> = days.iter().map(|(d, n)| vec![d.clone().into(), (*n).into()]).collect();
    insert_rows_then(
        tx,
        "case_code_seq",
        &["day", "last"],
        &rows,
        "ON CONFLICT (day) DO UPDATE SET last = CASE WHEN excluded.last > case_code_seq.last THEN excluded.last ELSE case_code_seq.last END",
    )
    .await
}

const CASE_COLS: [&str; 35] = [
    "id",
    "code",
    "street_code",
    "grid_code",
    "building_id",
    "category_code",
    "kind",
    "urgency",
    "channel",
    "title",
    "description",
    "address",
    "lng",
    "lat",
    "requester_name",
    "phone_cipher",
    "phone_hmac",
    "phone_masked",
    "dedupe_key",
    "status",
    "open",
    "lead_unit",
    "state",
    "due_at",
    "deadline_at",
    "warn_at",
    "contact_deadline_at",
    "warned",
    "overdue",
    "parent_case_id",
    "created_by",
    "created_at",
    "updated_at",
    "version",
    "supervise_pending",
];

impl super::Cases<'_> {
    /// Writes one chunk of history in the caller's transaction. Parents of merged cases must
    /// be in this chunk or an earlier one. Returns the outbox rows written.
    pub async fn insert_history(&self, tx: &mut Tx, batch: HistoryBatch<'_>) -> Result<u64, StoreError> {
        let pii = self.store.pii();
        let cases: Vec<Vec<Val>> = batch
            .cases
            .iter()
            .map(|c| {
                vec![
                    c.id.into(),
                    c.code.clone().into(),
                    c.street_code.clone().into(),
                    c.grid_code.clone().into(),
                    c.building_id.into(),
                    c.category_code.clone().into(),
                    c.kind.clone().into(),
                    c.urgency.clone().into(),
                    c.channel.clone().into(),
                    c.title.clone().into(),
                    c.description.clone().into(),
                    c.address.clone().into(),
                    Val::F64(c.point.map(|p| p.0)),
                    Val::F64(c.point.map(|p| p.1)),
                    c.requester_name.clone().into(),
                    c.phone.as_ref().map(|p| pii.encrypt(p.as_str())).into(),
                    c.phone.as_ref().map(|p| pii.blind_index(p.as_str())).into(),
                    c.phone.as_ref().map(|p| p.masked()).into(),
                    c.dedupe_key.clone().into(),
                    c.row.status.clone().into(),
                    c.row.open.into(),
                    c.row.lead_unit.clone().into(),
                    c.row.state.clone().into(),
                    c.row.deadline_at.unwrap_or(c.created_at).into(),
                    Val::TsOpt(c.row.deadline_at),
                    Val::TsOpt(c.row.warn_at),
                    Val::TsOpt(c.row.contact_deadline_at),
                    c.warned.into(),
                    c.overdue.into(),
                    c.row.parent_case_id.into(),
                    c.created_by.into(),
                    c.created_at.into(),
                    c.updated_at.into(),
                    c.version.into(),
                    false.into(),
                ]
            })
            .collect();
        insert_rows(tx, "cases", &CASE_COLS, &cases).await?;
        let words: Vec<Vec<Val>> =
            batch.cases.iter().map(|c| vec![c.id.into(), c.search_words.clone().into()]).collect();
        insert_rows(tx, "case_fts", &["rowid", "words"], &words).await?;
        let events: Vec<Vec<Val>> = batch
            .events
            .iter()
            .map(|e| {
                vec![
                    e.case_id.into(),
                    e.kind.clone().into(),
                    e.actor.user_id.into(),
                    e.actor.name.clone().into(),
                    e.unit.clone().into(),
                    e.note.clone().into(),
                    e.data.clone().into(),
                    e.at.into(),
                ]
            })
            .collect();
        insert_rows(
            tx,
            "case_events",
            &["case_id", "kind", "actor_id", "actor_name", "unit", "note", "data", "at"],
            &events,
        )
        .await?;
        let participants: Vec<Vec<Val>> = batch
            .participants
            .iter()
            .map(|p| {
                vec![
                    p.case_id.into(),
                    p.unit.clone().into(),
                    p.role.clone().into(),
                    p.status.clone().into(),
                    p.deadline_at.into(),
                ]
            })
            .collect();
        insert_rows(tx, "case_participants", &["case_id", "unit", "role", "status", "deadline_at"], &participants)
            .await?;
        // Outbox ids are reserved so the notices can name theirs.
        let first = crate::bulk::reserve_ids(tx, "outbox").await?;
        let outbox: Vec<Vec<Val>> = batch
            .outbox
            .iter()
            .enumerate()
            .map(|(i, o)| {
                vec![
                    (first + i as i64).into(),
                    o.channel.clone().into(),
                    o.kind.clone().into(),
                    o.case_id.into(),
                    o.recipient.clone().into(),
                    o.payload.clone().into(),
                    o.created_at.into(),
                    o.created_at.into(),
                    // Claimed once, delivered: one attempt.
                    i64::from(o.sent_at.is_some()).into(),
                    Val::TsOpt(o.sent_at),
                ]
            })
            .collect();
        insert_rows(
            tx,
            "outbox",
            &[
                "id",
                "channel",
                "kind",
                "case_id",
                "recipient",
                "payload",
                "created_at",
                "available_at",
                "attempts",
                "sent_at",
            ],
            &outbox,
        )
        .await?;
        let notices: Vec<Vec<Val>> = batch
            .outbox
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let sent = o.sent_at.filter(|_| o.channel == "notice")?;
                Some(vec![
                    o.recipient.clone().into(),
                    o.case_id.into(),
                    o.kind.clone().into(),
                    o.text.clone().into(),
                    sent.into(),
                    Val::TsOpt(o.read_at),
                    (first + i as i64).into(),
                ])
            })
            .collect();
        insert_rows(
            tx,
            "notices",
            &["unit", "case_id", "kind", "text", "created_at", "read_at", "outbox_id"],
            &notices,
        )
        .await?;
        crate::bulk::sync_id_sequence(tx, "outbox").await?;
        Ok(outbox.len() as u64)
    }
}
