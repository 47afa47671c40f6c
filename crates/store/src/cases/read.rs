//! Reading cases: one case (by staff within scope, or by the requester's private link), its
//! timeline, queues with filters and Chinese full-text search, and unit inboxes.

use crate::error::StoreError;
use crate::{Backend, Page, Paged, on_read, on_tx};
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

/// The participant statuses under which a department reads a case: while it holds it, after it
/// reported on it, and after the case moved on without its report (`idle`). A unit taken off the case — re-dispatched elsewhere or withdrawn by the
/// dispatch centre (`released`), or gone by its own 退单 (`returned`) — no longer reads it, its
/// events or its photos (issue 9 item 11).
const DEPARTMENT_READS: &str = "'dispatched', 'acknowledged', 'reported', 'idle'";

/// The participant statuses of a department's open queue: its case is being handled and the
/// department has not reported (app `cases::effects::participant_status`).
const DEPARTMENT_OPEN: &str = "'dispatched', 'acknowledged'";

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
    /// awaiting dispatch by the time it was reported). "全部" (neither `open_only` nor a status)
    /// lists the open cases first, then the finished ones, each by deadline; a date range lists
    /// its cases newest first.
    ///
    /// Within a street, community or grid every filter combination is one index range walk in
    /// the page's order that stops after the page (the indexes of migration
    /// `20261206000601_queue_filter_indexes`). One filter drives the walk, in this order of
    /// preference: the date range, the category, the status, the channel, the overdue flag (or
    /// none: open / every case). The other filters of a combination are written so that no index
    /// serves them ([`QueueSql::residual`]) and are checked on the rows the walk meets: the walk
    /// reads (page size ÷ their share) rows, and their shares are bounded by the domain — a
    /// status is one of ten, a channel one of five, overdue one of two, and the driving filter
    /// was the most selective — not by the number of cases. Counting stops after
    /// [`COUNT_CAP`] rows of the driving walk (see [`QueueSql::count`]).
    pub async fn queue(&self, scope: &Scope, f: &QueueFilter, page: Page) -> Result<Paged<CaseView>, StoreError> {
        let Some(query) = self.queue_query(scope, f, page).await? else {
            // A finished status among the open cases: nothing, without asking.
            return Ok(Paged {
                items: Vec::new(),
                page: page.page,
                per_page: page.per_page,
                total: 0,
                total_capped: false,
            });
        };
        let QueueQuery { sql, count_sql, binds, full } = query;
        let count_binds = &binds[..binds.len() - 2];
        let items = on_read!(&self.store.db, |p| bind_all(sqlx::query_as(AssertSqlSafe(sql.as_str())), &binds)
            .fetch_all(p)
            .await)?;
        // (rows the walk or window read, rows that matched)
        let (walked, total): (i64, i64) =
            on_read!(&self.store.db, |p| bind_all(sqlx::query_as(AssertSqlSafe(count_sql.as_str())), count_binds)
                .fetch_one(p)
                .await)?;
        Ok(Paged {
            items,
            page: page.page,
            per_page: page.per_page,
            total: total.min(COUNT_CAP),
            // A walk that stopped early: the total is "at least this many" (see `QUEUE_WINDOW`).
            total_capped: walked >= full,
        })
    }

    /// The plans the database makes for a queue's page and count statements, one line per plan
    /// step (SQLite: `EXPLAIN QUERY PLAN`; PostgreSQL: `EXPLAIN` with sequential scans and
    /// sorts priced out, so that an index walk in the page's order is chosen whenever one
    /// exists, however small the table). For tests that the cost does not grow with the cases.
    pub async fn queue_plans(&self, scope: &Scope, f: &QueueFilter) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let Some(QueueQuery { sql, count_sql, binds, .. }) = self.queue_query(scope, f, Page::default()).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut plans = Vec::new();
        for (sql, binds) in [(sql, &binds[..]), (count_sql, &binds[..binds.len() - 2])] {
            let lines: Vec<String> = match self.store.db.backend() {
                Backend::Sqlite => {
                    let sql = format!("EXPLAIN QUERY PLAN {sql}");
                    let rows: Vec<(i64, i64, i64, String)> =
                        on_read!(&self.store.db, |p| bind_all(sqlx::query_as(AssertSqlSafe(sql.as_str())), binds)
                            .fetch_all(p)
                            .await)?;
                    rows.into_iter().map(|r| r.3).collect()
                }
                Backend::Postgres => {
                    let mut tx = self.store.db.begin().await?;
                    for set in ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"] {
                        on_tx!(&mut tx, |c| sqlx::query(set).execute(c).await.map(|_| ()))?;
                    }
                    let sql = format!("EXPLAIN {sql}");
                    let rows: Vec<(String,)> =
                        on_tx!(&mut tx, |c| bind_all(sqlx::query_as(AssertSqlSafe(sql.as_str())), binds)
                            .fetch_all(c)
                            .await)?;
                    tx.commit().await?;
                    rows.into_iter().map(|r| r.0).collect()
                }
            };
            plans.push(lines);
        }
        let count = plans.pop().unwrap_or_default();
        Ok((plans.pop().unwrap_or_default(), count))
    }

    /// A queue's statements (see [`Cases::queue`]), or `None` when nothing can match.
    async fn queue_query(&self, scope: &Scope, f: &QueueFilter, page: Page) -> Result<Option<QueueQuery>, StoreError> {
        let mut q = QueueSql::default();
        // A keyword search is driven by its word lists (the area word narrows them to the street):
        // every other filter, the area included, is checked on the matches. Left as an index,
        // the area drew PostgreSQL into walking the street's whole queue in order and probing the
        // word index once per case (3.2 s instead of 0.1 s at 500 k cases).
        let searching = f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        // A department's cases or a keyword search: the walk is over ids (`QueueSql::ids`; newest
        // first, or a department's open queue by deadline) and every other filter is checked on
        // the cases it meets.
        let by_ids = searching || matches!(scope, Scope::Department { .. });
        // The street, community or grid searched within, for its street's area word (see `search`).
        let mut area: Option<String> = None;
        // An area column compared by equality: one index per filter then serves filter and order.
        let mut by_equality = false;
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
                let column = match prefix.len() {
                    9 => Some("c.street_code"),
                    // One community: its own (generated) column.
                    12 => Some("c.community_code"),
                    15 => Some("c.grid_code"),
                    _ => None,
                };
                if let Some(column) = column {
                    by_equality = true;
                    q.text(column, prefix, !by_ids);
                } else {
                    let column = if prefix.len() < 9 { "c.street_code" } else { "c.grid_code" };
                    let (lo, hi) = subtree_range(&prefix);
                    let a = q.bind(Bind::Text(lo));
                    let b = q.bind(Bind::Text(hi));
                    q.driving.push(format!("{column} >= ${a} AND {column} < ${b}"));
                }
            }
            Scope::Department { id, .. } => {
                let a = q.bind(Bind::Text(format!("dept:{id}")));
                if f.open_only {
                    // Its open queue, what it still has to work on: its open participations by
                    // deadline (index `case_participants_open_deadline`), every one of them.
                    q.ids(format!(
                        "SELECT case_id, deadline_at AS due FROM case_participants WHERE unit = ${a} \
                         AND status IN ({DEPARTMENT_OPEN}) ORDER BY deadline_at, case_id"
                    ));
                    q.complete = true;
                } else {
                    // Every case it may open (see `DEPARTMENT_READS`), newest first: a walk of its
                    // participations (index `case_participants_unit_case`), however many it held.
                    q.ids(format!(
                        "SELECT case_id FROM case_participants WHERE unit = ${a} AND status IN ({DEPARTMENT_READS}) \
                         ORDER BY case_id DESC"
                    ));
                }
            }
        }
        let status = match f.status.as_deref() {
            Some(s) => Some(Status::parse(s).ok_or_else(|| StoreError::Invalid("未知的状态".into()))?),
            None => None,
        };
        if f.open_only && status.is_some_and(|s| !s.is_open()) {
            return Ok(None);
        }
        let dated = f.created_from.is_some() || f.created_to.is_some();
        let driver = if !by_equality {
            // Department and district scopes: every filter as an index may take it.
            Driver::Any
        } else if dated {
            Driver::Created
        } else if f.category.is_some() {
            Driver::Category
        } else if status.is_some() {
            Driver::Status
        } else if f.channel.is_some() {
            Driver::Channel
        } else if f.overdue.is_some() {
            Driver::Overdue
        } else {
            Driver::State
        };
        let drives = |d: Driver| !by_ids && (driver == d || driver == Driver::Any);
        // Open or not: `open_only`, or what the status implies (so that a category, channel or
        // overdue walk can take it as part of its index).
        let open = if f.open_only { Some(true) } else { status.map(Status::is_open) };
        match (status, open) {
            (Some(s), _) if drives(Driver::Status) => q.text("c.status", s.as_str().to_string(), true),
            (Some(s), Some(o)) => {
                // Every walk but the status's own takes open-or-not as part of its index.
                if !by_ids && driver != Driver::Any {
                    q.flag("c.open", o, true);
                }
                q.text("c.status", s.as_str().to_string(), false);
            }
            // A department's open participations are open cases by definition.
            (None, Some(_)) if q.complete => {}
            (None, Some(o)) => q.flag("c.open", o, !by_ids),
            _ => {}
        }
        if let Some(v) = &f.category {
            q.text("c.category_code", v.clone(), drives(Driver::Category));
        }
        if let Some(v) = &f.channel {
            q.text("c.channel", v.clone(), drives(Driver::Channel));
        }
        if let Some(o) = f.overdue {
            q.flag("c.overdue", o, drives(Driver::Overdue));
        }
        if let Some(t) = f.created_from {
            let a = q.bind(Bind::Ts(t));
            q.driving.push(format!("c.created_at >= ${a}"));
        }
        if let Some(t) = f.created_to {
            let a = q.bind(Bind::Ts(t));
            q.driving.push(format!("c.created_at < ${a}"));
        }
        let order = if searching || (by_ids && !q.complete) {
            // The ids' own order (newest first), which their walk gives.
            "p.case_id DESC"
        } else if dated {
            "c.created_at DESC, c.id DESC"
        } else if q.complete {
            // A department's open queue: its walk's order, by deadline.
            "p.due, p.case_id"
        } else if open.is_none() {
            "c.open DESC, c.due_at, c.id"
        } else {
            "c.due_at, c.id"
        };
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            // A search box's words are bounded and printable (issue 9, items 4 and 13).
            tongxin_domain::kernel::text::query("搜索词", text).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut words = super::search::query_words(text);
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
            // The newest matches first (FTS5 reads its lists in rowid order; PostgreSQL walks the
            // table's key backwards or reads the word index, whichever it finds cheaper).
            let matches = match self.store.db.backend() {
                Backend::Sqlite => {
                    let a = q.bind(Bind::Text(super::search::fts5_query(&words)));
                    format!("SELECT rowid AS case_id FROM case_fts WHERE case_fts MATCH ${a} ORDER BY rowid DESC")
                }
                Backend::Postgres => {
                    let a = q.bind(Bind::Text(words.join(" ")));
                    format!(
                        "SELECT rowid AS case_id FROM case_fts WHERE tsv @@ plainto_tsquery('simple', ${a}) \
                         ORDER BY rowid DESC"
                    )
                }
            };
            if let (Scope::Department { id, .. }, Some(_)) = (scope, q.ids.take()) {
                // A department's search: the words walk; its participation is probed per case
                // by the participations' key (not a set of every case it ever held).
                let a = q.bind(Bind::Text(format!("dept:{id}")));
                let statuses = if f.open_only { DEPARTMENT_OPEN } else { DEPARTMENT_READS };
                q.residual.push(format!(
                    "EXISTS (SELECT 1 FROM case_participants cp WHERE cp.case_id = c.id AND cp.unit = ${a} \
                     AND cp.status IN ({statuses}))"
                ));
                q.complete = false;
            }
            q.ids(matches);
            q.search = true;
        }
        let (count_sql, full) = q.count(order);
        let limit = q.bind(Bind::I64(page.limit()));
        let offset = q.bind(Bind::I64(page.offset()));
        let conditions = q.filter();
        let window = q.window();
        let sql = if let Some(ids) = q.ids.as_ref().filter(|_| q.complete && conditions.is_empty()) {
            // A department's whole open queue: the page of its walk, joined to its cases.
            format!(
                "SELECT {CASE_COLS} FROM ({ids} LIMIT ${limit} OFFSET ${offset}) p JOIN cases c ON c.id = p.case_id \
                 ORDER BY {order}"
            )
        } else if let Some(ids) = q.ids.as_ref().filter(|_| q.complete) {
            // A department's open queue with filters: its open workload is checked through the
            // narrow index of open cases (`cases_open_filters`, read without the rows), and only
            // the page's cases are read whole.
            let narrow = conditions.replace("c.", "f.");
            format!(
                "SELECT {CASE_COLS} FROM (SELECT p.case_id, p.due FROM ({ids} LIMIT {window}) p \
                 JOIN cases f ON f.id = p.case_id AND f.open = TRUE WHERE {narrow} \
                 ORDER BY p.due, p.case_id LIMIT ${limit} OFFSET ${offset}) p JOIN cases c ON c.id = p.case_id \
                 ORDER BY {order}"
            )
        } else if let Some(ids) = &q.ids {
            // The first ids of the walk (the window, as the count reads them), joined
            // to their cases in the walk's order; every filter is checked on those cases.
            let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {conditions}") };
            format!(
                "SELECT {CASE_COLS} FROM ({ids} LIMIT {window}) p JOIN cases c ON c.id = p.case_id {filter} \
                 ORDER BY {order} LIMIT ${limit} OFFSET ${offset}"
            )
        } else if q.residual.is_empty() {
            // One index walk in page order: the page.
            format!(
                "SELECT {CASE_COLS} FROM cases c WHERE {conditions} ORDER BY {order} LIMIT ${limit} OFFSET ${offset}"
            )
        } else {
            // The first cases of the driving walk in page order (the window, as the count reads
            // them); the other filters are checked on them.
            let driving = q.driving.join(" AND ");
            let residual = q.residual.join(" AND ");
            format!(
                "SELECT {CASE_COLS} FROM (SELECT * FROM cases c WHERE {driving} ORDER BY {order} LIMIT {window}) c \
                 WHERE {residual} ORDER BY {order} LIMIT ${limit} OFFSET ${offset}"
            )
        };
        Ok(Some(QueueQuery { sql, count_sql, binds: q.binds, full }))
    }
}

/// A queue's page statement, its count statement and their parameters (the last two, limit and
/// offset, are the page's only).
struct QueueQuery {
    sql: String,
    count_sql: String,
    binds: Vec<Bind>,
    /// A count that walked this many rows stopped early: the total is "at least".
    full: i64,
}

fn bind_all<'q, DB, O>(
    mut q: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>,
    binds: &'q [Bind],
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Bool(v) => q.bind(*v),
            Bind::I64(v) => q.bind(*v),
            Bind::Ts(v) => q.bind(*v),
        };
    }
    q
}

/// Which filter's index a queue walks (see `Cases::queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// Open or every case: `(area, open DESC, due_at)`.
    State,
    Status,
    Category,
    Channel,
    Overdue,
    /// A date range: `(area, created_at)`, newest first.
    Created,
    /// No area column by equality (a department, a district): every filter is left to the planner.
    Any,
}

/// A queue's SQL in the making: the conditions its index walk takes, the ones checked on the
/// rows the walk meets, and their parameters.
#[derive(Default)]
struct QueueSql {
    driving: Vec<String>,
    residual: Vec<String>,
    binds: Vec<Bind>,
    /// A walk over ids newest first (a department's cases, a search's matches): a subquery
    /// selecting `case_id` in that order, without its limit; the queue looks at its first
    /// [`QUEUE_WINDOW`].
    ids: Option<String>,
    /// The ids walk is a department's open queue (`case_id, due` by deadline): with no other
    /// filter every page of it is read, not a window.
    complete: bool,
    /// The ids walk is a keyword search's matches, newest first.
    search: bool,
}

impl QueueSql {
    fn bind(&mut self, b: Bind) -> usize {
        self.binds.push(b);
        self.binds.len()
    }

    /// `column = value`; as a residual condition written `column || ''` so that no index (on
    /// either database) takes it.
    fn text(&mut self, column: &str, value: String, indexed: bool) {
        let a = self.bind(Bind::Text(value));
        if indexed {
            self.driving.push(format!("{column} = ${a}"));
        } else {
            self.residual.push(format!("({column} || '') = ${a}"));
        }
    }

    /// A boolean column; as a residual condition written `COALESCE(column, FALSE)` (see `text`).
    fn flag(&mut self, column: &str, value: bool, indexed: bool) {
        let a = self.bind(Bind::Bool(value));
        if indexed {
            self.driving.push(format!("{column} = ${a}"));
        } else {
            self.residual.push(format!("COALESCE({column}, FALSE) = ${a}"));
        }
    }

    fn ids(&mut self, ids: String) {
        self.ids = Some(ids);
    }

    /// The candidates a filtered walk looks through: a department's open queue is its open
    /// workload — bounded by the work in hand, not by the cases on record — and is read whole up
    /// to [`COUNT_CAP`], so that "my overdue cases" is complete; a keyword search, the newest
    /// [`SEARCH_WINDOW`] matches; any other walk, [`QUEUE_WINDOW`].
    fn window(&self) -> i64 {
        if self.complete {
            COUNT_CAP
        } else if self.search {
            SEARCH_WINDOW
        } else {
            QUEUE_WINDOW
        }
    }

    fn filter(&self) -> String {
        self.driving.iter().chain(&self.residual).cloned().collect::<Vec<_>>().join(" AND ")
    }

    /// Counts (rows walked, rows matching) and the number of walked rows at which the list is
    /// "at least" its total. A plain index walk counts up to `COUNT_CAP + 1` rows (reading only
    /// the index); a walk with residual filters or over ids reads its window (`QUEUE_WINDOW`
    /// rows, in page order, one pass) and counts the matches among them: a full window says
    /// "at least".
    fn count(&self, order: &str) -> (String, i64) {
        let driving = self.driving.join(" AND ");
        let window = self.window();
        let matched = |conditions: &str, of: &str| {
            if conditions.is_empty() {
                "COUNT(*)".to_string()
            } else {
                format!("COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)", conditions.replace("c.", &format!("{of}.")))
            }
        };
        if let Some(ids) = self.ids.as_ref().filter(|_| self.complete && self.filter().is_empty()) {
            let cap = COUNT_CAP + 1;
            let sql = format!("SELECT COUNT(*) AS walked, COUNT(*) AS matched FROM ({ids} LIMIT {cap}) p");
            (sql, cap)
        } else if let Some(ids) = &self.ids {
            let conditions = self.filter();
            let join = if conditions.is_empty() {
                ""
            } else if self.complete {
                // A department's open workload: the narrow index of open cases (see `queue_query`).
                " JOIN cases c ON c.id = p.case_id AND c.open = TRUE"
            } else {
                " JOIN cases c ON c.id = p.case_id"
            };
            let sql = format!(
                "SELECT COUNT(*) AS walked, {} AS matched FROM ({ids} LIMIT {window}) p{join}",
                matched(&conditions, "c")
            );
            (sql, window)
        } else if self.residual.is_empty() {
            let cap = COUNT_CAP + 1;
            let sql = format!(
                "SELECT COUNT(*) AS walked, COUNT(*) AS matched FROM (SELECT 1 FROM cases c WHERE {driving} LIMIT {cap}) capped"
            );
            (sql, cap)
        } else {
            // The page's window; the residual conditions name the columns `c.…`, here they read
            // the window's rows.
            let sql = format!(
                "SELECT COUNT(*) AS walked, {} AS matched \
                 FROM (SELECT c.open, c.status, c.category_code, c.channel, c.overdue, c.street_code, c.community_code, c.grid_code \
                 FROM cases c WHERE {driving} ORDER BY {order} LIMIT {window}) walk",
                matched(&self.residual.join(" AND "), "walk")
            );
            (sql, QUEUE_WINDOW)
        }
    }
}

/// Queues count their cases up to this many.
pub const COUNT_CAP: i64 = 10_000;

/// A queue that no single index walks in its page order — several filters in an area (one
/// drives the walk, the others are checked on the rows it meets), a department's cases, a
/// keyword search — looks for its matches among this many candidates: the first cases of the
/// driving walk in page order, the department's most recent cases, the newest matches of the
/// words. Its cost per page is then bounded whatever the number of cases or the rarity of a
/// combination; a full window reads "at least N" (`total_capped`), and the queue page tells
/// the user to narrow the filters to reach the rest. The count and the page look at the same
/// cases.
pub const QUEUE_WINDOW: i64 = 1_000;

/// A keyword search looks through the newest this many matches of its words (the other filters
/// checked on them). PostgreSQL finds them by walking the word table newest first and testing
/// each row — the cheapest plan for common words (the word index would fetch every match) —
/// so its cost is this number ÷ the words' share of the cases: 24 ms for 1,000 matches of
/// "楼上 漏水" (1 % of 5 M cases), 4 ms for 200. Ten pages of twenty; the page asks for a date
/// or a category to reach older ones.
pub const SEARCH_WINDOW: i64 = 200;

enum Bind {
    Text(String),
    Bool(bool),
    I64(i64),
    Ts(DateTime<Utc>),
}
