//! Reading cases: one case (by staff within scope, or by the requester's private link), its
//! timeline, queues with filters and Chinese full-text search, and unit inboxes.

use crate::error::StoreError;
use crate::{Backend, Page, Paged, on_read};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::case::deadline::Urgency;
use tongxin_domain::case::{CaseState, Status, Unit};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::subtree_range;

/// A case as staff see it: the requester's phone masked. Status, urgency, lead unit and state
/// are decoded into domain types when the row is read; a row that does not decode is a
/// [`StoreError::Invalid`] there (through `sqlx::Error::Decode`), not a surprise in a handler.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub grid_code: Option<String>,
    pub building_id: Option<i64>,
    pub category_code: String,
    pub kind: String,
    pub urgency: Urgency,
    pub channel: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub requester_name: Option<String>,
    pub phone_masked: Option<String>,
    pub status: Status,
    pub open: bool,
    /// Serialized as its key (`dept:3`, `grid:330702001001001`), as stored.
    #[serde(serialize_with = "unit_key")]
    pub lead_unit: Option<Unit>,
    #[serde(skip)]
    pub state: CaseState,
    pub deadline_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub contact_deadline_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub parent_case_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A stored photo of a case: sent with the report or with a reply (`report`, `evidence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PhotoInfo {
    pub id: i64,
    pub purpose: String,
    pub content_type: String,
}

/// A photo's stored type and bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhotoBytes {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn unit_key<S: serde::Serializer>(unit: &Option<Unit>, s: S) -> Result<S::Ok, S::Error> {
    match unit {
        Some(u) => s.serialize_some(&u.key()),
        None => s.serialize_none(),
    }
}

/// The `cases` row as stored ([`CASE_COLS`]), before decoding into a [`CaseView`].
#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    code: String,
    street_code: String,
    grid_code: Option<String>,
    building_id: Option<i64>,
    category_code: String,
    kind: String,
    urgency: String,
    channel: String,
    title: String,
    description: String,
    address: String,
    lng: Option<f64>,
    lat: Option<f64>,
    requester_name: Option<String>,
    phone_masked: Option<String>,
    status: String,
    open: bool,
    lead_unit: Option<String>,
    state: String,
    deadline_at: Option<DateTime<Utc>>,
    warn_at: Option<DateTime<Utc>>,
    contact_deadline_at: Option<DateTime<Utc>>,
    overdue: bool,
    parent_case_id: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<CaseRow> for CaseView {
    type Error = String;

    fn try_from(r: CaseRow) -> Result<CaseView, String> {
        let bad = |what: &str, value: &str| format!("case {}: {what} {value:?} does not decode", r.id);
        let status = Status::parse(&r.status).ok_or_else(|| bad("status", &r.status))?;
        let urgency = Urgency::parse(&r.urgency).ok_or_else(|| bad("urgency", &r.urgency))?;
        let lead_unit = match r.lead_unit.as_deref() {
            Some(key) => Some(Unit::parse_key(key).ok_or_else(|| bad("lead unit", key))?),
            None => None,
        };
        let state: CaseState = serde_json::from_str(&r.state).map_err(|e| format!("case {}: state: {e}", r.id))?;
        Ok(CaseView {
            id: r.id,
            code: r.code,
            street_code: r.street_code,
            grid_code: r.grid_code,
            building_id: r.building_id,
            category_code: r.category_code,
            kind: r.kind,
            urgency,
            channel: r.channel,
            title: r.title,
            description: r.description,
            address: r.address,
            lng: r.lng,
            lat: r.lat,
            requester_name: r.requester_name,
            phone_masked: r.phone_masked,
            status,
            open: r.open,
            lead_unit,
            state,
            deadline_at: r.deadline_at,
            warn_at: r.warn_at,
            contact_deadline_at: r.contact_deadline_at,
            overdue: r.overdue,
            parent_case_id: r.parent_case_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for CaseView
where
    CaseRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<CaseView, sqlx::Error> {
        CaseView::try_from(CaseRow::from_row(row)?).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CaseEvent {
    pub id: i64,
    pub kind: String,
    pub actor_name: String,
    pub unit: Option<String>,
    pub note: String,
    pub data: String,
    pub at: DateTime<Utc>,
}

/// A queue's filters; all optional.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only cases still open (the default queue).
    pub open_only: bool,
    pub status: Option<String>,
    pub category: Option<String>,
    pub overdue: Option<bool>,
    pub grid: Option<String>,
    pub channel: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Chinese keywords over title, description and replies.
    pub q: Option<String>,
}

pub const CASE_COLS: &str = "c.id, c.code, c.street_code, c.grid_code, c.building_id, c.category_code, c.kind, c.urgency, c.channel, \
     c.title, c.description, c.address, c.lng, c.lat, c.requester_name, c.phone_masked, c.status, c.open, c.lead_unit, c.state, \
     c.deadline_at, c.warn_at, c.contact_deadline_at, c.overdue, c.parent_case_id, c.created_at, c.updated_at, c.version";

/// The participant statuses under which a department reads a case: while it holds it and after
/// it reported on it. A unit taken off the case — re-dispatched elsewhere or withdrawn by the
/// dispatch centre (`released`), or gone by its own 退单 (`returned`) — no longer reads it, its
/// events or its photos (issue 9 item 11).
const DEPARTMENT_READS: &str = "'dispatched', 'acknowledged', 'reported'";

/// Whether a scope may see a case: its area for region scopes; participation for departments.
fn area_visible(scope: &Scope, c: &CaseView) -> bool {
    match scope {
        Scope::All => true,
        Scope::Region { code } => {
            let code = code.as_str();
            match &c.grid_code {
                Some(g) => g.starts_with(code),
                None => code.len() <= 9 && c.street_code.starts_with(code),
            }
        }
        Scope::Department { .. } => false,
    }
}

impl super::Cases<'_> {
    async fn case_by_id(&self, id: i64) -> Result<CaseView, StoreError> {
        let sql = AssertSqlSafe(format!("SELECT {CASE_COLS} FROM cases c WHERE c.id = $1"));
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_one(p).await)?)
    }

    /// A case for staff within scope (department staff: cases their department holds or has
    /// reported on; see [`DEPARTMENT_READS`]).
    pub async fn get(&self, scope: &Scope, id: i64) -> Result<CaseView, StoreError> {
        let c = self.case_by_id(id).await?;
        if self.visible(scope, &c).await? { Ok(c) } else { Err(StoreError::NotFound) }
    }

    /// Whether the scope may see this case (see [`Self::get`]).
    pub(super) async fn visible(&self, scope: &Scope, c: &CaseView) -> Result<bool, StoreError> {
        Ok(match scope {
            Scope::Department { id: dept, .. } => {
                let unit = format!("dept:{dept}");
                let sql = AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM case_participants WHERE case_id = $1 AND unit = $2 AND status IN ({DEPARTMENT_READS})"
                ));
                let n: i64 =
                    on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(c.id).bind(&unit).fetch_one(p).await)?;
                n > 0
            }
            other => area_visible(other, c),
        })
    }

    /// A case by its tracking code and private follow token (the requester, no account).
    pub async fn for_requester(&self, code: &str, token: &str) -> Result<CaseView, StoreError> {
        // The first reporter's token, or a later reporter's `<mac>.<n>` (issue 9 item 2).
        let expected = match token.rsplit_once('.') {
            Some((_, n)) => match n.parse::<u32>() {
                Ok(n) if n >= 2 => self.store.pii().requester_token(code, n),
                _ => return Err(StoreError::NotFound),
            },
            None => self.store.pii().follow_token(code),
        };
        if !crate::accounts::same_secret(&expected, token) {
            return Err(StoreError::NotFound);
        }
        let sql = AssertSqlSafe(format!("SELECT {CASE_COLS} FROM cases c WHERE c.code = $1"));
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(code).fetch_one(p).await)?)
    }

    /// The references ([`super::write::photo_ref`]) of the photos stored with a case.
    pub async fn photo_refs(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT sha256 FROM case_photos WHERE case_id = $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?)
    }

    /// The photos of a case (report photos first as stored, then evidence), without their bytes.
    pub async fn photos(&self, case_id: i64) -> Result<Vec<PhotoInfo>, StoreError> {
        let sql = "SELECT id, purpose, content_type FROM case_photos WHERE case_id = $1 ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(case_id).fetch_all(p).await)?)
    }

    /// One photo of a case: [`StoreError::NotFound`] when the photo belongs to another case.
    /// The caller has checked that the case may be seen.
    pub async fn photo(&self, case_id: i64, photo_id: i64) -> Result<PhotoBytes, StoreError> {
        let sql = "SELECT content_type, bytes FROM case_photos WHERE id = $1 AND case_id = $2";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(photo_id).bind(case_id).fetch_one(p).await)?)
    }

    pub async fn events(&self, id: i64) -> Result<Vec<CaseEvent>, StoreError> {
        let sql = "SELECT id, kind, actor_name, unit, note, data, at FROM case_events WHERE case_id = $1 ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
    }

    /// Cases merged into this one.
    pub async fn merged_children(&self, id: i64) -> Result<Vec<i64>, StoreError> {
        let sql = "SELECT id FROM cases WHERE parent_case_id = $1 ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?)
    }

    /// The queue: cases in scope matching the filter, most urgent first (by deadline; a case
    /// awaiting dispatch by the time it was reported).
    pub async fn queue(&self, scope: &Scope, f: &QueueFilter, page: Page) -> Result<Paged<CaseView>, StoreError> {
        // $1..$3 select the area; each filter adds its own numbered parameter.
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let push = |binds: &mut Vec<Bind>, b: Bind| -> usize {
            binds.push(b);
            binds.len()
        };
        // The street, community or grid searched within, for its street's area word (see `search`).
        let mut area: Option<String> = None;
        match scope {
            Scope::All | Scope::Region { .. } => {
                let prefix = match scope {
                    Scope::Region { code } => code.as_str().to_string(),
                    _ => String::new(),
                };
                let prefix = crate::places::narrow(&prefix, f.grid.as_deref())?;
                if matches!(prefix.len(), 9 | 12 | 15) {
                    area = Some(prefix.clone());
                }
                if prefix.len() == 9 {
                    // One street: equality, so (street_code, open, due_at) serves filter and order.
                    let a = push(&mut binds, Bind::Text(prefix));
                    clauses.push(format!("c.street_code = ${a}"));
                } else if prefix.len() < 9 {
                    let (lo, hi) = subtree_range(&prefix);
                    let a = push(&mut binds, Bind::Text(lo));
                    let b = push(&mut binds, Bind::Text(hi));
                    clauses.push(format!("c.street_code >= ${a} AND c.street_code < ${b}"));
                } else if prefix.len() == 12 {
                    // One community: its own column, so (community_code, open, due_at) gives the order too.
                    let a = push(&mut binds, Bind::Text(prefix));
                    clauses.push(format!("c.community_code = ${a}"));
                } else if prefix.len() == 15 {
                    let a = push(&mut binds, Bind::Text(prefix));
                    clauses.push(format!("c.grid_code = ${a}"));
                } else {
                    let (lo, hi) = subtree_range(&prefix);
                    let a = push(&mut binds, Bind::Text(lo));
                    let b = push(&mut binds, Bind::Text(hi));
                    clauses.push(format!("c.grid_code >= ${a} AND c.grid_code < ${b}"));
                }
            }
            Scope::Department { id, .. } => {
                let a = push(&mut binds, Bind::Text(format!("dept:{id}")));
                // Its open queue holds what it still has to work on; otherwise every case it
                // may open (see `DEPARTMENT_READS`).
                let statuses = if f.open_only { "'dispatched', 'acknowledged'" } else { DEPARTMENT_READS };
                clauses.push(format!(
                    "c.id IN (SELECT case_id FROM case_participants WHERE unit = ${a} AND status IN ({statuses}))"
                ));
            }
        }
        if f.open_only {
            let a = push(&mut binds, Bind::Bool(true));
            clauses.push(format!("c.open = ${a}"));
        }
        for (col, v) in [("c.status", &f.status), ("c.category_code", &f.category), ("c.channel", &f.channel)] {
            if let Some(v) = v {
                let a = push(&mut binds, Bind::Text(v.clone()));
                clauses.push(format!("{col} = ${a}"));
            }
        }
        if let Some(o) = f.overdue {
            let a = push(&mut binds, Bind::Bool(o));
            clauses.push(format!("c.overdue = ${a}"));
        }
        if let Some(t) = f.created_from {
            let a = push(&mut binds, Bind::Ts(t));
            clauses.push(format!("c.created_at >= ${a}"));
        }
        if let Some(t) = f.created_to {
            let a = push(&mut binds, Bind::Ts(t));
            clauses.push(format!("c.created_at < ${a}"));
        }
        let searching = f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            // A search box's words are bounded and printable (issue 9, items 4 and 13).
            tongxin_domain::kernel::text::query("搜索词", q).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut words = super::search::query_words(q);
            if words.is_empty() {
                return Err(StoreError::Invalid("请输入要搜索的关键词".into()));
            }
            if let Some(code) = &area
                && self.store.cases().search_has_area_words().await?
            {
                // Every case carries its street's word (`search::area_words`).
                words.push(super::search::area_word(&code[..9]));
            }
            // The one place the backends need different SQL: their full-text operators.
            match self.store.db.backend() {
                Backend::Sqlite => {
                    let a = push(&mut binds, Bind::Text(super::search::fts5_query(&words)));
                    clauses.push(format!("c.id IN (SELECT rowid FROM case_fts WHERE case_fts MATCH ${a})"));
                }
                Backend::Postgres => {
                    let a = push(&mut binds, Bind::Text(words.join(" ")));
                    clauses.push(format!(
                        "c.id IN (SELECT rowid FROM case_fts WHERE tsv @@ plainto_tsquery('simple', ${a}))"
                    ));
                }
            }
        }
        let filter = clauses.join(" AND ");
        let limit = push(&mut binds, Bind::I64(page.limit()));
        let offset = push(&mut binds, Bind::I64(page.offset()));
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases c WHERE {filter} ORDER BY c.due_at, c.id LIMIT ${limit} OFFSET ${offset}"
        );
        // A queue of hundreds of thousands is not counted to the last case on every page:
        // the count stops at COUNT_CAP and the client shows "10000+".
        let count_sql =
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM cases c WHERE {filter} LIMIT {}) capped", COUNT_CAP + 1);
        let count_binds = &binds[..binds.len() - 2];
        macro_rules! bind_all {
            ($q:expr, $binds:expr) => {{
                let mut q = $q;
                for b in $binds {
                    q = match b {
                        Bind::Text(s) => q.bind(s.clone()),
                        Bind::Bool(v) => q.bind(*v),
                        Bind::I64(v) => q.bind(*v),
                        Bind::Ts(v) => q.bind(*v),
                    };
                }
                q
            }};
        }
        let (items, counted) = if searching {
            // A keyword search visits every match anyway (to order them): count in the same pass.
            let sql = format!(
                "SELECT {CASE_COLS}, COUNT(*) OVER () AS total_rows FROM cases c WHERE {filter} \
                 ORDER BY c.due_at, c.id LIMIT ${limit} OFFSET ${offset}"
            );
            let hits: Vec<SearchHit> =
                on_read!(&self.store.db, |p| bind_all!(sqlx::query_as(AssertSqlSafe(sql.as_str())), &binds)
                    .fetch_all(p)
                    .await)?;
            let counted = hits.first().map(|h| h.total_rows);
            (hits.into_iter().map(|h| h.case).collect(), counted)
        } else {
            let items = on_read!(&self.store.db, |p| bind_all!(sqlx::query_as(AssertSqlSafe(sql.as_str())), &binds)
                .fetch_all(p)
                .await)?;
            (items, None)
        };
        let total: i64 = match counted {
            Some(n) => n,
            // A page past the end of a search, or a queue: count (up to the cap).
            None => on_read!(&self.store.db, |p| bind_all!(
                sqlx::query_scalar(AssertSqlSafe(count_sql.as_str())),
                count_binds
            )
            .fetch_one(p)
            .await)?,
        };
        Ok(Paged {
            items,
            page: page.page,
            per_page: page.per_page,
            total: total.min(COUNT_CAP),
            total_capped: total > COUNT_CAP,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SearchHit {
    #[sqlx(flatten)]
    case: CaseView,
    total_rows: i64,
}

/// Queues count their cases up to this many.
pub const COUNT_CAP: i64 = 10_000;

enum Bind {
    Text(String),
    Bool(bool),
    I64(i64),
    Ts(DateTime<Utc>),
}
