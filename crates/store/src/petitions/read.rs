//! Reading petitions: one, a scoped page with filters, the people (masked), the events, the
//! links with cases and disputes, and a person's petitions for the duplicate rule.

use super::{Petitions, VISIBLE, visible};
use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, Page, Paged, on_read};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::petition::{Channel, ClockKind, Existing, Kind, PetitionState, Status};

/// A petition as its readers see it; the state is the domain's. No personal data in clear: the
/// petitioner's name is masked, and the people are read with [`Petitions::people`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PetitionView {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub community_code: Option<String>,
    pub grid_code: Option<String>,
    pub channel: Channel,
    pub kind: Kind,
    pub status: Status,
    pub open: bool,
    /// The unit holding it; `None` while the registering office keeps it.
    pub holder: Option<Unit>,
    /// The pending duty that ends first, its deadline, and its marks.
    pub next_clock: Option<ClockKind>,
    pub next_deadline: Option<DateTime<Utc>>,
    pub warned: bool,
    pub overdue: bool,
    /// The last day of a pending 复查/复核 window.
    pub window_end: Option<NaiveDate>,
    /// 多人走访: how many came.
    pub headcount: Option<i64>,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    /// 张**.
    pub petitioner_masked: String,
    pub from_case_id: Option<i64>,
    pub dispute_id: Option<i64>,
    pub state: PetitionState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct PetitionRow {
    id: i64,
    code: String,
    street_code: String,
    community_code: Option<String>,
    grid_code: Option<String>,
    channel: String,
    kind: String,
    status: String,
    open: bool,
    holder_unit: Option<String>,
    next_clock: Option<String>,
    next_deadline: Option<DateTime<Utc>>,
    warned: bool,
    overdue: bool,
    window_end: Option<NaiveDate>,
    headcount: Option<i64>,
    request: String,
    facts: String,
    reasons: String,
    petitioner_masked: String,
    from_case_id: Option<i64>,
    dispute_id: Option<i64>,
    state: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<PetitionRow> for PetitionView {
    type Error = String;
    fn try_from(r: PetitionRow) -> Result<PetitionView, String> {
        let bad = |what: &str, v: &str| format!("petition {}: {what} {v:?} does not decode", r.id);
        let mut state: PetitionState =
            serde_json::from_str(&r.state).map_err(|e| format!("petition {}: state: {e}", r.id))?;
        // The row's version is the truth the next save is guarded by.
        state.version = r.version;
        let holder = match &r.holder_unit {
            Some(k) => Some(Unit::parse_key(k).ok_or_else(|| bad("holder", k))?),
            None => None,
        };
        let next_clock = match &r.next_clock {
            Some(k) => Some(ClockKind::parse(k).ok_or_else(|| bad("clock", k))?),
            None => None,
        };
        Ok(PetitionView {
            id: r.id,
            channel: Channel::parse(&r.channel).ok_or_else(|| bad("channel", &r.channel))?,
            kind: Kind::parse(&r.kind).ok_or_else(|| bad("kind", &r.kind))?,
            status: Status::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            holder,
            next_clock,
            code: r.code,
            street_code: r.street_code,
            community_code: r.community_code,
            grid_code: r.grid_code,
            open: r.open,
            next_deadline: r.next_deadline,
            warned: r.warned,
            overdue: r.overdue,
            window_end: r.window_end,
            headcount: r.headcount,
            request: r.request,
            facts: r.facts,
            reasons: r.reasons,
            petitioner_masked: r.petitioner_masked,
            from_case_id: r.from_case_id,
            dispute_id: r.dispute_id,
            state,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for PetitionView
where
    PetitionRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<PetitionView, sqlx::Error> {
        PetitionView::try_from(PetitionRow::from_row(row)?).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

pub(super) const PETITION_COLS: &str = "p.id, p.code, p.street_code, p.community_code, p.grid_code, p.channel, \
     p.kind, p.status, p.open, p.holder_unit, p.next_clock, p.next_deadline, p.warned, p.overdue, p.window_end, \
     p.headcount, p.request, p.facts, p.reasons, pp.name_masked AS petitioner_masked, p.from_case_id, p.dispute_id, \
     p.state, p.created_at, p.updated_at, p.version";
pub(super) const PETITION_FROM: &str = "petitions p JOIN petition_people pp ON pp.petition_id = p.id AND pp.idx = 0";

/// A list's filters; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PetitionFilter {
    pub status: Option<Status>,
    /// Still open (not 复核终结, 办结, 调解化解, 转入法定途径 or 撤回).
    pub open_only: bool,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    /// Held by this unit now.
    pub holder: Option<Unit>,
    pub overdue: Option<bool>,
    /// The earliest pending duty is due before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// The earliest pending duty is this clock.
    pub clock: Option<ClockKind>,
    /// The earliest pending duty's warning time came before this instant (warned or overdue,
    /// whether or not the timers job has marked it yet).
    pub warned_before: Option<DateTime<Utc>>,
    /// Earliest deadline first instead of newest first (the overdue lists).
    pub by_deadline: bool,
}

/// A person of a petition as shown: name, address, ID number and phone masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonView {
    /// 0: the petitioner; 1..=5: the representatives of a group visit.
    pub idx: i64,
    /// `petitioner` or `representative`.
    pub role: String,
    pub name_masked: String,
    pub address_masked: Option<String>,
    pub id_masked: Option<String>,
    pub phone_masked: Option<String>,
}

/// A person's data in clear, for a holder of the unmask permission (audited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmaskedPerson {
    pub idx: i64,
    pub name: String,
    pub address: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// One entry of a petition's history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PetitionEvent {
    pub id: i64,
    pub kind: String,
    /// The unit concerned (`dept:N`, `grid:CODE`).
    pub unit: Option<String>,
    /// The staff account that acted (none for the system).
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub note: String,
    /// A JSON object with the event's details.
    pub data: String,
    pub at: DateTime<Utc>,
}

macro_rules! bind_visible {
    ($q:expr, $v:expr) => {
        $q.bind(&$v.lo).bind(&$v.hi).bind(&$v.unit)
    };
}

impl Petitions<'_> {
    /// A petition the scope may read.
    pub async fn get(&self, scope: &Scope, id: i64) -> Result<PetitionView, StoreError> {
        let v = visible(scope);
        let sql = format!("SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE p.id = $4 AND {VISIBLE}");
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(id)
            .fetch_one(p)
            .await)?)
    }

    /// A petition by its code, if the scope may read it.
    pub async fn get_by_code(&self, scope: &Scope, code: &str) -> Result<PetitionView, StoreError> {
        let v = visible(scope);
        let sql = format!("SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE p.code = $4 AND {VISIBLE}");
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(code.trim().to_ascii_uppercase())
            .fetch_one(p)
            .await)?)
    }

    /// A page of the petitions the scope may read, newest first, with the filters.
    pub async fn list(
        &self,
        scope: &Scope,
        filter: &PetitionFilter,
        page: Page,
    ) -> Result<Paged<PetitionView>, StoreError> {
        let v = visible(scope);
        let status = filter.status.map(|s| s.as_str()).unwrap_or_default();
        let kind = filter.kind.map(|k| k.as_str()).unwrap_or_default();
        let channel = filter.channel.map(|c| c.as_str()).unwrap_or_default();
        let holder = filter.holder.as_ref().map(Unit::key).unwrap_or_default();
        let (overdue_on, overdue) = match filter.overdue {
            None => (0i64, false),
            Some(b) => (1, b),
        };
        let open_only = i64::from(filter.open_only);
        let (due_on, due_before) = match filter.due_before {
            None => (0i64, self.store.now()),
            Some(t) => (1, t),
        };
        let clock = filter.clock.map(|c| c.as_str()).unwrap_or_default();
        let (warned_on, warned_before) = match filter.warned_before {
            None => (0i64, self.store.now()),
            Some(t) => (1, t),
        };
        let conds = format!(
            "{VISIBLE} AND ($4 = '' OR p.status = $4) AND ($5 = '' OR p.kind = $5) AND ($6 = '' OR p.channel = $6) \
             AND ($7 = '' OR p.holder_unit = $7) AND ($8 = 0 OR p.overdue = $9) AND ($10 = 0 OR p.open = $11) \
             AND ($12 = 0 OR p.next_deadline < $13) AND ($14 = '' OR p.next_clock = $14) \
             AND ($15 = 0 OR p.warn_at <= $16)"
        );
        let order = if filter.by_deadline { "p.next_deadline, p.id" } else { "p.id DESC" };
        let sql =
            format!("SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE {conds} ORDER BY {order} LIMIT $17 OFFSET $18");
        let count = format!("SELECT COUNT(*) FROM petitions p WHERE {conds}");
        macro_rules! bind_filters {
            ($q:expr) => {
                bind_visible!($q, v)
                    .bind(status)
                    .bind(kind)
                    .bind(channel)
                    .bind(&holder)
                    .bind(overdue_on)
                    .bind(overdue)
                    .bind(open_only)
                    .bind(true)
                    .bind(due_on)
                    .bind(due_before)
                    .bind(clock)
                    .bind(warned_on)
                    .bind(warned_before)
            };
        }
        let items = on_read!(&self.store.db, |p| bind_filters!(sqlx::query_as(AssertSqlSafe(sql.as_str())))
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        let total: i64 =
            on_read!(&self.store.db, |p| bind_filters!(sqlx::query_scalar(AssertSqlSafe(count.as_str())))
                .fetch_one(p)
                .await)?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }

    /// The petitions of one person (by the blind index of their identity) for the duplicate rule
    /// (《信访工作条例》arts 19, 36): every scope, as the rule needs them all; only ids,
    /// fingerprints and statuses leave the store.
    pub async fn existing_of(&self, identity: &[u8]) -> Result<Vec<Existing>, StoreError> {
        let sql = "SELECT id, matter_fingerprint, status FROM petitions WHERE identity_hmac = $1 ORDER BY id";
        let rows: Vec<(i64, String, String)> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(identity).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(id, fingerprint, status)| {
                let status = Status::parse(&status)
                    .ok_or_else(|| StoreError::Invalid(format!("petition {id}: status {status:?} does not decode")))?;
                Ok(Existing { id, fingerprint, status })
            })
            .collect()
    }

    /// A petition's people (the petitioner first, then the representatives), all masked.
    pub async fn people(&self, scope: &Scope, id: i64) -> Result<Vec<PersonView>, StoreError> {
        self.get(scope, id).await?;
        let sql = "SELECT idx, role, name_masked, address_masked, id_masked, phone_masked FROM petition_people \
                   WHERE petition_id = $1 ORDER BY idx";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
    }

    /// A person's data in clear, for region staff in scope holding the unmask permission; the
    /// look is audited (with the masked forms, never the data) before the data is read.
    pub async fn unmask_person(
        &self,
        scope: &Scope,
        actor: &Actor,
        can_unmask: bool,
        id: i64,
        idx: i64,
    ) -> Result<UnmaskedPerson, StoreError> {
        if !can_unmask || scope.people_prefix().is_none() {
            return Err(StoreError::Invalid("您没有查看完整个人信息的权限".into()));
        }
        self.get(scope, id).await?;
        let sql = "SELECT name_cipher, address_cipher, id_cipher, phone_cipher, name_masked, id_masked, phone_masked \
                   FROM petition_people WHERE petition_id = $1 AND idx = $2";
        type Secrets =
            (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>, String, Option<String>, Option<String>);
        let (name_c, address_c, id_c, phone_c, name_m, id_m, phone_m): Secrets =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).bind(idx).fetch_one(p).await)?;
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let masked = [Some(name_m), id_m, phone_m].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let who = if idx == 0 { "信访人".to_string() } else { format!("第{idx}位代表") };
        let entry =
            AuditEntry::new("petition.person_unmask", "petition", id).detail(format!("查看{who}的完整信息 {masked}"));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        let pii = self.store.pii();
        Ok(UnmaskedPerson {
            idx,
            name: pii.decrypt(&name_c)?,
            address: address_c.as_deref().map(|c| pii.decrypt(c)).transpose()?,
            id_number: id_c.as_deref().map(|c| pii.decrypt(c)).transpose()?,
            phone: phone_c.as_deref().map(|c| pii.decrypt(c)).transpose()?,
        })
    }

    /// A petition's events, oldest first.
    pub async fn events(&self, scope: &Scope, id: i64) -> Result<Vec<PetitionEvent>, StoreError> {
        self.get(scope, id).await?;
        let sql = "SELECT id, kind, unit, actor_id, actor_name, note, data, at FROM petition_events WHERE petition_id = $1 \
                   ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
    }

    /// The petitions a case was escalated to that the scope may read, newest first.
    pub async fn petitions_of_case(&self, scope: &Scope, case_id: i64) -> Result<Vec<PetitionView>, StoreError> {
        let v = visible(scope);
        let sql = format!(
            "SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE p.id IN \
             (SELECT l.petition_id FROM petition_case_links l WHERE l.case_id = $4) AND {VISIBLE} ORDER BY p.id DESC"
        );
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(case_id)
            .fetch_all(p)
            .await)?)
    }

    /// The cases a petition came from (ids, oldest first); the caller reads each with its scope.
    pub async fn cases_of_petition(&self, scope: &Scope, id: i64) -> Result<Vec<i64>, StoreError> {
        self.get(scope, id).await?;
        let sql = "SELECT case_id FROM petition_case_links WHERE petition_id = $1 ORDER BY case_id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?)
    }

    /// The petitions a dispute's mediation resolved that the scope may read, newest first.
    pub async fn petitions_of_dispute(&self, scope: &Scope, dispute_id: i64) -> Result<Vec<PetitionView>, StoreError> {
        let v = visible(scope);
        let sql = format!(
            "SELECT {PETITION_COLS} FROM {PETITION_FROM} WHERE p.id IN \
             (SELECT l.petition_id FROM petition_dispute_links l WHERE l.dispute_id = $4) AND {VISIBLE} \
             ORDER BY p.id DESC"
        );
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(dispute_id)
            .fetch_all(p)
            .await)?)
    }

    /// The disputes a petition is linked to (ids, oldest first).
    pub async fn disputes_of_petition(&self, scope: &Scope, id: i64) -> Result<Vec<i64>, StoreError> {
        self.get(scope, id).await?;
        let sql = "SELECT dispute_id FROM petition_dispute_links WHERE petition_id = $1 ORDER BY dispute_id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?)
    }

    /// An open petition a case was already escalated to, if any (id and code).
    pub async fn open_petition_of_case(&self, case_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        let sql = "SELECT p.id, p.code FROM petition_case_links l JOIN petitions p ON p.id = l.petition_id \
                   WHERE l.case_id = $1 AND p.open = $2 ORDER BY p.id LIMIT 1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(case_id).bind(true).fetch_optional(p).await)?)
    }
}
