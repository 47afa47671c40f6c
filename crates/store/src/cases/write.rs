//! Writing cases: creating them in batches (intake) and applying a decided change. The domain
//! decides (`tongxin_domain::case`); these functions write everything the decision implies —
//! the case row, its events, participants, outbox messages, monthly counts, search words,
//! photos and the audit record — in one transaction, so nothing is half-written.

use super::search::{case_words, index_words};
use crate::audit::{AuditEntry, append_many};
use crate::bulk::{Val, insert_rows, insert_rows_then, reserve_ids};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Actor, on_tx};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};
use tongxin_domain::kernel::phone::Phone;

/// How long the same text at the same place counts as the same report.
pub const DEDUPE_WINDOW_MINUTES: i64 = 10;

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub unit: Option<String>,
    pub note: String,
    /// JSON object with the event's details.
    pub data: String,
}

#[derive(Debug, Clone)]
pub struct NewOutbox {
    /// `notice` (in-app, to a unit) or `sms` (to the requester of `case_id`).
    pub channel: String,
    pub kind: String,
    /// A unit key (`dept:3`, `grid:…`) for notices; `requester` for SMS (the number is
    /// decrypted only when sending, so it never sits in the outbox in clear).
    pub recipient: String,
    pub payload: String,
    /// The case the message is about, when not the case being written (a merged duplicate
    /// whose reporter hears of the parent's outcome).
    pub about_case: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewPhoto {
    /// `report` (with the report) or `evidence` (with a reply).
    pub purpose: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub unit: String,
    /// `lead` or `assist`.
    pub role: String,
    pub status: String,
    pub deadline_at: Option<DateTime<Utc>>,
}

/// A change to a monthly unit counter (三率).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatDelta {
    /// `YYYY-MM` in Shanghai time.
    pub month: String,
    pub unit: String,
    /// One of the counter columns of `unit_month_stats`.
    pub field: &'static str,
    pub delta: i64,
}

/// The counters of `unit_month_stats`, in column order (the write path and the demo's history
/// both upsert exactly these).
pub const STAT_FIELDS: [&str; 7] =
    ["dispatched", "responded_in_time", "rated", "resolved", "satisfied", "reopened", "closed_on_spot"];

/// The state a case is written in (at creation or after a decision).
#[derive(Debug, Clone)]
pub struct CaseState {
    pub status: String,
    /// Still in someone's queue (not rejected, closed, rated or merged).
    pub open: bool,
    pub lead_unit: Option<String>,
    /// The domain's full state as JSON.
    pub state: String,
    pub deadline_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub contact_deadline_at: Option<DateTime<Utc>>,
    pub parent_case_id: Option<i64>,
}

/// What a decision writes besides the case row.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub events: Vec<NewEvent>,
    pub participants: Vec<ParticipantRow>,
    pub outbox: Vec<NewOutbox>,
    pub stats: Vec<StatDelta>,
    pub photos: Vec<NewPhoto>,
    /// Texts to add to the case's search words (e.g. a reply).
    pub search_texts: Vec<String>,
    /// Intake only: the text message to this reporter (issue 11 item 5), written with the case
    /// (or with the reporter of a duplicate); `{code}` and `{token}` become the tracking code and
    /// this reporter's own follow token. Sent only when the reporter left a number.
    pub requester_sms: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCase {
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
    pub phone: Option<Phone>,
    pub dedupe_key: String,
    /// Its words for full-text search (`search::index_words` of title, description and
    /// address), computed by the caller so the single writer does not segment text.
    pub search_words: String,
    pub created_by: Option<i64>,
    pub actor: Actor,
    pub state: CaseState,
    /// The domain state's version (an auto-dispatched case starts past 1).
    pub version: i64,
    pub effects: Effects,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    Created {
        id: i64,
        code: String,
    },
    /// The same text at the same place a moment ago: the existing case, and this reporter's
    /// number on it (2, 3, …; each has their own follow token, issue 9 item 2).
    Duplicate {
        id: i64,
        code: String,
        requester: u32,
    },
}

/// The PostgreSQL advisory lock that serialises intake of one duplicate key across server
/// processes (issue 9 R1): taken before the duplicate check and held to commit, so a second
/// process's check sees the first's case. 64 bits of a SHA-256, the same in every process.
fn dedupe_lock_key(key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("tongxin/dedupe/{key}").as_bytes());
    i64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

/// The highest requester number of each case so far (1 when only the first reporter).
async fn last_requesters(tx: &mut Tx, ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
    let mut found = HashMap::new();
    let per_chunk = crate::bulk::params_per_statement(tx);
    for chunk in ids.chunks(per_chunk) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT case_id, MAX(n) FROM case_requesters WHERE case_id IN ({}) GROUP BY case_id",
            list.join(", ")
        );
        let rows: Vec<(i64, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).persistent(false);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await
        })?;
        found.extend(rows);
    }
    Ok(found)
}

/// Cases created since `since` under any of these duplicate keys: key -> (id, code), the first.
async fn existing_duplicates(
    tx: &mut Tx,
    keys: &[&str],
    since: DateTime<Utc>,
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let mut found = HashMap::new();
    let per_chunk = crate::bulk::params_per_statement(tx) - 1;
    for chunk in keys.chunks(per_chunk) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT dedupe_key, id, code FROM cases WHERE created_at >= $1 AND dedupe_key IN ({}) ORDER BY id",
            list.join(", ")
        );
        let rows: Vec<(String, i64, String)> = on_tx!(tx, |c| {
            // Planned per call (see `reserve_ids`): a plan cached while `cases` was small
            // would scan the table on every batch.
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).persistent(false).bind(since);
            for k in chunk {
                q = q.bind(*k);
            }
            q.fetch_all(c).await
        })?;
        for (key, id, code) in rows {
            found.entry(key).or_insert((id, code));
        }
    }
    Ok(found)
}

impl super::Cases<'_> {
    /// Creates a batch of cases in one transaction; duplicates (in the database within the
    /// window, or earlier in the batch) answer with the existing case instead.
    pub async fn insert(&self, batch: &[NewCase]) -> Result<Vec<Intake>, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        if let Tx::Postgres(t) = &mut tx {
            // Sorted and distinct, so two writers never wait on each other's keys in a cycle.
            let mut locks: Vec<i64> = batch.iter().map(|c| dedupe_lock_key(&c.dedupe_key)).collect();
            locks.sort_unstable();
            locks.dedup();
            sqlx::query("SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS t(k)")
                .bind(locks)
                .execute(&mut **t)
                .await?;
        }
        let since = now - Duration::minutes(DEDUPE_WINDOW_MINUTES);
        // Per request: an existing case, an earlier request of this batch, or new.
        enum Pending {
            Existing(i64, String),
            SameAs(usize),
            New,
        }
        let mut pending = Vec::with_capacity(batch.len());
        let mut first_in_batch: HashMap<&str, usize> = HashMap::new();
        let keys: Vec<&str> = batch.iter().map(|c| c.dedupe_key.as_str()).collect();
        let existing = existing_duplicates(&mut tx, &keys, since).await?;
        for (i, c) in batch.iter().enumerate() {
            pending.push(if let Some((id, code)) = existing.get(&c.dedupe_key).cloned() {
                Pending::Existing(id, code)
            } else if let Some(&j) = first_in_batch.get(c.dedupe_key.as_str()) {
                Pending::SameAs(j)
            } else {
                first_in_batch.insert(&c.dedupe_key, i);
                Pending::New
            });
        }
        let mut created: HashMap<usize, (i64, String)> = HashMap::new();
        let fresh: Vec<usize> = (0..batch.len()).filter(|i| matches!(pending[*i], Pending::New)).collect();
        if !fresh.is_empty() {
            let n = fresh.len() as i64;
            let day_date = tongxin_domain::kernel::clock::shanghai(now).date_naive();
            let day = day_date.format("%Y%m%d").to_string();
            let last: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                    "INSERT INTO case_code_seq (day, last) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET last = case_code_seq.last + $2 RETURNING last",
                )
                .bind(&day)
                .bind(n)
                .fetch_one(c)
                .await
            })?;
            let first_id = reserve_ids(&mut tx, "cases").await?;
            let words: Vec<String> = fresh
                .iter()
                .map(|&i| {
                    let c = &batch[i];
                    super::search::case_words(&c.search_words, &c.street_code, c.grid_code.as_deref())
                })
                .collect();
            let mut rows = Vec::with_capacity(fresh.len());
            let mut effects = Vec::with_capacity(fresh.len());
            let mut audit = Vec::with_capacity(fresh.len());
            for (k, &i) in fresh.iter().enumerate() {
                let c = &batch[i];
                let id = first_id + k as i64;
                let code = tongxin_domain::case::format_code(day_date, (last - n + 1 + k as i64) as u32)
                    .ok_or_else(|| StoreError::unavailable("今日诉求编号已用尽"))?;
                rows.push(self.case_row(id, &code, c, now));
                audit.push(
                    AuditEntry::new("case.create", "case", id)
                        .after(tongxin_domain::kernel::audit::digest_of(&(
                            &code,
                            &c.category_code,
                            &c.description,
                            &c.state.status,
                        )))
                        .detail(format!("{} {}", code, c.channel)),
                );
                effects.push((id, &c.actor, &c.effects, Some(words[k].as_str())));
                created.insert(i, (id, code));
            }
            insert_rows(&mut tx, "cases", &CASE_COLS, &rows).await?;
            crate::bulk::sync_id_sequence(&mut tx, "cases").await?;
            write_effects(&mut tx, now, &effects, true).await?;
            // One actor per batch is not guaranteed; audit each case under its own actor.
            let mut by_actor: Vec<(&Actor, Vec<AuditEntry>)> = Vec::new();
            for (entry, &i) in audit.into_iter().zip(&fresh) {
                match by_actor.iter_mut().find(|(a, _)| **a == batch[i].actor) {
                    Some((_, v)) => v.push(entry),
                    None => by_actor.push((&batch[i].actor, vec![entry])),
                }
            }
            for (actor, entries) in by_actor {
                append_many(&mut tx, self.store.pii(), now, actor, entries).await?;
            }
        }
        // Each later reporter of a case is numbered and kept with their own name and phone.
        let dups: Vec<(usize, i64)> = pending
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Pending::Existing(id, _) => Some((i, *id)),
                Pending::SameAs(j) => Some((i, created[j].0)),
                Pending::New => None,
            })
            .collect();
        let mut requester_of: HashMap<usize, u32> = HashMap::new();
        if !dups.is_empty() {
            let mut targets: Vec<i64> = pending
                .iter()
                .filter_map(|p| if let Pending::Existing(id, _) = p { Some(*id) } else { None })
                .collect();
            targets.sort_unstable();
            targets.dedup();
            let mut last = last_requesters(&mut tx, &targets).await?;
            let pii = self.store.pii();
            let mut rows = Vec::with_capacity(dups.len());
            for (i, case_id) in dups {
                let c = &batch[i];
                let n = last.entry(case_id).or_insert(1);
                *n += 1;
                requester_of.insert(i, u32::try_from(*n).unwrap_or(u32::MAX));
                rows.push(vec![
                    case_id.into(),
                    (*n).into(),
                    c.requester_name.clone().into(),
                    c.phone.as_ref().map(|p| pii.encrypt(p.as_str())).into(),
                    c.phone.as_ref().map(|p| pii.blind_index(p.as_str())).into(),
                    c.phone.as_ref().map(|p| p.masked()).into(),
                    now.into(),
                ]);
            }
            insert_rows(
                &mut tx,
                "case_requesters",
                &["case_id", "n", "name", "phone_cipher", "phone_hmac", "phone_masked", "created_at"],
                &rows,
            )
            .await?;
        }
        // The intake message, to each reporter with their own link.
        let pii = self.store.pii();
        let mut texts = Vec::new();
        for (i, c) in batch.iter().enumerate() {
            let (Some(template), Some(_)) = (&c.effects.requester_sms, &c.phone) else {
                continue;
            };
            let (id, code, n) = match &pending[i] {
                Pending::Existing(id, code) => (*id, code.clone(), requester_of[&i]),
                Pending::SameAs(j) => (created[j].0, created[j].1.clone(), requester_of[&i]),
                Pending::New => (created[&i].0, created[&i].1.clone(), 1),
            };
            let text = template.replace("{code}", &code).replace("{token}", &pii.requester_token(&code, n));
            texts.push(vec![
                "sms".into(),
                "received".into(),
                id.into(),
                super::outbox::requester_recipient(n).into(),
                serde_json::json!({ "code": code, "text": text }).to_string().into(),
                now.into(),
                now.into(),
            ]);
        }
        insert_rows(
            &mut tx,
            "outbox",
            &["channel", "kind", "case_id", "recipient", "payload", "created_at", "available_at"],
            &texts,
        )
        .await?;
        tx.commit().await?;
        Ok(pending
            .into_iter()
            .enumerate()
            .map(|(i, p)| match p {
                Pending::Existing(id, code) => Intake::Duplicate { id, code, requester: requester_of[&i] },
                Pending::SameAs(j) => {
                    let (id, code) = created[&j].clone();
                    Intake::Duplicate { id, code, requester: requester_of[&i] }
                }
                Pending::New => {
                    let (id, code) = created[&i].clone();
                    Intake::Created { id, code }
                }
            })
            .collect())
    }

    fn case_row(&self, id: i64, code: &str, c: &NewCase, now: DateTime<Utc>) -> Vec<Val> {
        let pii = self.store.pii();
        vec![
            id.into(),
            code.into(),
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
            c.state.status.clone().into(),
            c.state.open.into(),
            c.state.lead_unit.clone().into(),
            c.state.state.clone().into(),
            c.state.deadline_at.unwrap_or(now).into(),
            ts(c.state.deadline_at),
            ts(c.state.warn_at),
            ts(c.state.contact_deadline_at),
            c.state.parent_case_id.into(),
            c.created_by.into(),
            now.into(),
            now.into(),
            c.version.into(),
        ]
    }

    /// Applies a decided change if the case is still at `expected_version`; a stale version
    /// is a conflict (someone else acted first) and nothing is written.
    pub async fn apply_change(
        &self,
        case_id: i64,
        expected_version: i64,
        state: &CaseState,
        effects: &Effects,
        actor: &Actor,
        audit: AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut tx = self.store.db.begin().await?;
        let change = CaseChange { case_id, expected_version, state, effects, audit };
        let version = self.apply_in(&mut tx, actor, change).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// [`Cases::apply_change`] inside a transaction the caller commits (a referral saves the
    /// case with the dispute it becomes: `store.mediation().refer_case`).
    pub(crate) async fn apply_in(&self, tx: &mut Tx, actor: &Actor, change: CaseChange<'_>) -> Result<i64, StoreError> {
        let CaseChange { case_id, expected_version, state, effects, audit } = change;
        let now = self.store.now();
        if let Some(parent) = state.parent_case_id {
            lock_merge(tx, case_id, parent).await?;
        }
        // Any decision on the case settles a pending automatic escalation (see `timers`).
        let sql = "UPDATE cases SET status = $1, open = $11, lead_unit = $2, state = $3, deadline_at = $4, due_at = COALESCE($4, created_at), warn_at = $5, contact_deadline_at = $6, \
                   parent_case_id = $7, warned = CASE WHEN $4 IS NULL OR deadline_at IS NULL OR $4 <> deadline_at THEN FALSE ELSE warned END, \
                   overdue = CASE WHEN $4 IS NULL OR deadline_at IS NULL OR $4 <> deadline_at THEN FALSE ELSE overdue END, \
                   supervise_pending = FALSE, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10";
        let n = on_tx!(tx, |c| {
            sqlx::query(sql)
                .bind(&state.status)
                .bind(&state.lead_unit)
                .bind(&state.state)
                .bind(state.deadline_at)
                .bind(state.warn_at)
                .bind(state.contact_deadline_at)
                .bind(state.parent_case_id)
                .bind(now)
                .bind(case_id)
                .bind(expected_version)
                .bind(state.open)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        if n != 1 {
            return Err(StoreError::Conflict("该诉求刚被他人处理过，请刷新后重试".into()));
        }
        write_effects(tx, now, &[(case_id, actor, effects, None)], false).await?;
        append_many(tx, self.store.pii(), now, actor, vec![audit]).await?;
        Ok(expected_version + 1)
    }
}

/// A decided change of one case, as [`Cases::apply_change`] writes it.
#[derive(Debug, Clone)]
pub struct CaseChange<'a> {
    pub case_id: i64,
    /// The version the decision was made on; another is a conflict.
    pub expected_version: i64,
    pub state: &'a CaseState,
    pub effects: &'a Effects,
    pub audit: AuditEntry,
}

/// A case being merged into `parent` (issue 9 item 11): the app checked the parent, but another
/// merge may have committed since (two opposite merges at once would form a loop). Both rows
/// are locked in id order, so such merges queue instead of deadlocking, and the parent must
/// still be open and unmerged when this one commits. Nothing to do for a case merged before
/// (its requester rating it).
async fn lock_merge(tx: &mut Tx, case_id: i64, parent: i64) -> Result<(), StoreError> {
    let current: Option<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar("SELECT parent_case_id FROM cases WHERE id = $1").bind(case_id).fetch_one(c).await
    })?;
    if current.is_some() {
        return Ok(());
    }
    for id in [case_id.min(parent), case_id.max(parent)] {
        let sql = "UPDATE cases SET version = version WHERE id = $1 \
                   AND (id = $2 OR (open = $3 AND status <> 'merged' AND parent_case_id IS NULL))";
        let n = on_tx!(tx, |c| sqlx::query(sql)
            .bind(id)
            .bind(case_id)
            .bind(true)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::Conflict("要合并到的诉求刚被合并或已办结，请刷新后重试".into()));
        }
    }
    Ok(())
}

/// How a photo is named (its `sha256` column, and the reference in a reply's evidence list).
pub fn photo_ref(bytes: &[u8]) -> String {
    tongxin_domain::kernel::audit::digest_of(&data_encoding::HEXLOWER.encode(bytes))
}

fn ts(t: Option<DateTime<Utc>>) -> Val {
    Val::TsOpt(t)
}

const CASE_COLS: [&str; 32] = [
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
    "parent_case_id",
    "created_by",
    "created_at",
    "updated_at",
    "version",
];

/// Writes events, participants, outbox rows, stats, photos and search words for several cases.
/// `fresh`: the cases were just created (their search row is inserted rather than replaced).
/// (case id, actor, effects, the search words of a case just created)
type EffectItem<'a> = (i64, &'a Actor, &'a Effects, Option<&'a str>);

async fn write_effects(
    tx: &mut Tx,
    now: DateTime<Utc>,
    items: &[EffectItem<'_>],
    fresh: bool,
) -> Result<(), StoreError> {
    let events: Vec<Vec<Val>> = items
        .iter()
        .flat_map(|(id, actor, e, _)| {
            e.events.iter().map(move |ev| {
                vec![
                    (*id).into(),
                    ev.kind.clone().into(),
                    actor.user_id.into(),
                    actor.name.clone().into(),
                    ev.unit.clone().into(),
                    ev.note.clone().into(),
                    ev.data.clone().into(),
                    now.into(),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        "case_events",
        &["case_id", "kind", "actor_id", "actor_name", "unit", "note", "data", "at"],
        &events,
    )
    .await?;
    if fresh {
        let rows: Vec<Vec<Val>> = items
            .iter()
            .flat_map(|(id, _, e, _)| {
                e.participants.iter().map(move |p| {
                    vec![
                        (*id).into(),
                        p.unit.clone().into(),
                        p.role.clone().into(),
                        p.status.clone().into(),
                        p.deadline_at.into(),
                    ]
                })
            })
            .collect();
        insert_rows(tx, "case_participants", &["case_id", "unit", "role", "status", "deadline_at"], &rows).await?;
    } else {
        for (id, _, e, _) in items {
            // The effects carry the case's whole current list of units: a unit no longer on it
            // (re-dispatched elsewhere, withdrawn) is released; its row keeps the history.
            on_tx!(tx, |c| sqlx::query("UPDATE case_participants SET status = 'released' WHERE case_id = $1")
                .bind(*id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            for p in &e.participants {
                let sql = "INSERT INTO case_participants (case_id, unit, role, status, deadline_at) VALUES ($1, $2, $3, $4, $5) \
                           ON CONFLICT (case_id, unit) DO UPDATE SET role = $3, status = $4, deadline_at = $5";
                on_tx!(tx, |c| {
                    sqlx::query(sql)
                        .bind(*id)
                        .bind(&p.unit)
                        .bind(&p.role)
                        .bind(&p.status)
                        .bind(p.deadline_at)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected())
                })?;
            }
        }
    }
    let outbox: Vec<Vec<Val>> = items
        .iter()
        .flat_map(|(id, _, e, _)| {
            e.outbox.iter().map(move |o| {
                vec![
                    o.channel.clone().into(),
                    o.kind.clone().into(),
                    o.about_case.unwrap_or(*id).into(),
                    o.recipient.clone().into(),
                    o.payload.clone().into(),
                    now.into(),
                    now.into(),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        "outbox",
        &["channel", "kind", "case_id", "recipient", "payload", "created_at", "available_at"],
        &outbox,
    )
    .await?;
    // Counters by (field, month, unit), in that order: one multi-row upsert per field (a batch
    // touches dozens of rows), rows in a fixed order so concurrent PostgreSQL writers cannot
    // deadlock on them.
    let mut stats: BTreeMap<(&'static str, String, String), i64> = BTreeMap::new();
    for (_, _, e, _) in items {
        for s in &e.stats {
            if !STAT_FIELDS.contains(&s.field) {
                return Err(StoreError::Invalid(format!("未知统计项 {}", s.field)));
            }
            *stats.entry((s.field, s.month.clone(), s.unit.clone())).or_default() += s.delta;
        }
    }
    let mut fields: Vec<(&'static str, Vec<Vec<Val>>)> = Vec::new();
    for ((field, month, unit), delta) in stats {
        let row = vec![month.into(), unit.into(), delta.into()];
        match fields.last_mut() {
            Some((f, rows)) if *f == field => rows.push(row),
            _ => fields.push((field, vec![row])),
        }
    }
    for (field, rows) in fields {
        let then =
            format!("ON CONFLICT (month, unit) DO UPDATE SET {field} = unit_month_stats.{field} + excluded.{field}");
        insert_rows_then(tx, "unit_month_stats", &["month", "unit", field], &rows, &then).await?;
    }
    let photos: Vec<Vec<Val>> = items
        .iter()
        .flat_map(|(id, _, e, _)| {
            e.photos.iter().map(move |p| {
                let digest = photo_ref(&p.bytes);
                vec![
                    (*id).into(),
                    p.purpose.clone().into(),
                    p.content_type.clone().into(),
                    digest.into(),
                    p.bytes.clone().into(),
                    now.into(),
                ]
            })
        })
        .collect();
    insert_rows(tx, "case_photos", &["case_id", "purpose", "content_type", "sha256", "bytes", "created_at"], &photos)
        .await?;
    let mut search = Vec::new();
    for (id, _, e, words) in items {
        if let Some(words) = words {
            search.push(vec![(*id).into(), (*words).into()]);
        } else if !e.search_texts.is_empty() {
            // Contentless FTS rows cannot be read back: index the case's text and every event
            // note again (this change's events are already written above).
            let (text, street, grid): (String, String, Option<String>) = on_tx!(tx, |c| {
                sqlx::query_as(
                    "SELECT title || ' ' || description || ' ' || address, street_code, grid_code FROM cases WHERE id = $1",
                )
                .bind(*id)
                .fetch_one(c)
                .await
            })?;
            let notes: Vec<String> = on_tx!(tx, |c| {
                sqlx::query_scalar("SELECT note FROM case_events WHERE case_id = $1 AND note <> '' ORDER BY id")
                    .bind(*id)
                    .fetch_all(c)
                    .await
            })?;
            let mut texts: Vec<&str> = vec![text.as_str()];
            texts.extend(notes.iter().map(String::as_str));
            texts.extend(e.search_texts.iter().map(String::as_str));
            on_tx!(tx, |c| sqlx::query("DELETE FROM case_fts WHERE rowid = $1")
                .bind(*id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            search.push(vec![(*id).into(), case_words(&index_words(&texts), &street, grid.as_deref()).into()]);
        }
    }
    insert_rows(tx, "case_fts", &["rowid", "words"], &search).await?;
    Ok(())
}
