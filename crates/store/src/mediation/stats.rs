//! The leaders' figures of 矛盾纠纷, added up in SQL within the viewer's reach (the same filter
//! as every dispute list: a region range, a mediator's organisations and assignments):
//!
//! - [`Mediation::tallies`]: the counts behind 化解率, 调解成功率, 协议履行率, 小事不出村 and the
//!   average days (`tongxin_domain::mediation::stats`) of the disputes registered in a period,
//!   overall or by type or risk level;
//! - [`Mediation::open_counts`]: open disputes and those past their limit now, by the same groups;
//! - the 矛调中心's daily list: [`Mediation::registered_between`], [`Mediation::events_between`]
//!   (sessions, agreements, failures, violence reports), [`Mediation::limits_due`] and
//!   [`Mediation::items_due`];
//! - [`Mediation::open_lines`]: the open disputes for the risk map.
//!
//! Lines carry codes, names and dates — never a party's name, number or the notes of a session.
//! Which statuses and levels count is the domain's (its constants become the SQL `IN` lists
//! here), so the figures and [`Tally::of`](tongxin_domain::mediation::stats::Tally::of) agree.

use super::{Mediation, Viewer, visible_sql};
use crate::error::StoreError;
use crate::on_read;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;
use tongxin_domain::mediation::kinds::{DisputeType, Level};
use tongxin_domain::mediation::stats::{AGREED, FAILED, LOCAL_LEVELS, RESOLVED, Tally};
use tongxin_domain::mediation::{EventKind, PerformanceResult, Status};

/// How figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// One group: everything.
    All,
    /// By 纠纷类型 (its code).
    Type,
    /// By the latest risk assessment's code (`None`: not assessed).
    Risk,
}

impl Group {
    /// The grouping column; fixed SQL, never input.
    fn column(self) -> Option<&'static str> {
        match self {
            Group::All => None,
            Group::Type => Some("d.dispute_type"),
            Group::Risk => Some("d.risk_code"),
        }
    }
}

/// Codes as an SQL list (`'performing', 'closed'`): the domain's fixed codes, never input.
fn sql_list<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|s| format!("'{}'", code(*s))).collect::<Vec<_>>().join(", ")
}

/// Statuses in which the mediation limit runs (the domain's `is_overdue`).
const LIMIT_RUNS: [Status; 2] = [Status::Accepted, Status::Mediating];

#[derive(sqlx::FromRow)]
struct TallyRow {
    grp: Option<String>,
    registered: i64,
    resolved: i64,
    resolved_locally: i64,
    agreed: i64,
    failed: i64,
    agreement_days: i64,
    agreements_timed: i64,
    close_days: i64,
    closed: i64,
}

#[derive(sqlx::FromRow)]
struct ItemsRow {
    grp: Option<String>,
    items_due: i64,
    items_performed: i64,
}

/// Open disputes of a group now, and how many of them are past their mediation limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OpenCount {
    pub open: i64,
    pub overdue: i64,
}

#[derive(sqlx::FromRow)]
struct OpenRow {
    grp: Option<String>,
    open: i64,
    overdue: i64,
}

/// A dispute as a leader's list shows it: codes, names of the organisation, dates; no party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisputeLine {
    pub id: i64,
    pub code: String,
    pub dispute_type: DisputeType,
    pub status: Status,
    pub level: Level,
    pub org_name: String,
    pub street_code: String,
    pub community_code: Option<String>,
    pub grid_code: Option<String>,
    pub risk_code: Option<String>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A line of the daily list: the dispute and what put it there — an event and its time, the
/// registration time, the limit; or an agreement item (its index and due day, its result).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyLine {
    pub dispute: DisputeLine,
    pub event: Option<EventKind>,
    pub at: Option<DateTime<Utc>>,
    pub item: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub result: Option<PerformanceResult>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    code: String,
    dispute_type: String,
    status: String,
    level: String,
    org_name: String,
    street_code: String,
    community_code: Option<String>,
    grid_code: Option<String>,
    risk_code: Option<String>,
    deadline_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    kind: Option<String>,
    at: Option<DateTime<Utc>>,
    item: Option<i64>,
    due_on: Option<NaiveDate>,
    result: Option<String>,
}

impl TryFrom<LineRow> for DailyLine {
    type Error = StoreError;
    fn try_from(r: LineRow) -> Result<DailyLine, StoreError> {
        let bad = |what: &str, v: &str| {
            StoreError::from(sqlx::Error::Decode(format!("dispute {}: {what} {v:?} does not decode", r.id).into()))
        };
        let event = match &r.kind {
            Some(k) => Some(EventKind::parse(k).ok_or_else(|| bad("event", k))?),
            None => None,
        };
        let result = match &r.result {
            Some(k) => Some(PerformanceResult::parse(k).ok_or_else(|| bad("performance", k))?),
            None => None,
        };
        Ok(DailyLine {
            dispute: DisputeLine {
                id: r.id,
                dispute_type: DisputeType::parse(&r.dispute_type).ok_or_else(|| bad("type", &r.dispute_type))?,
                status: Status::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
                level: Level::parse(&r.level).ok_or_else(|| bad("level", &r.level))?,
                code: r.code,
                org_name: r.org_name,
                street_code: r.street_code,
                community_code: r.community_code,
                grid_code: r.grid_code,
                risk_code: r.risk_code,
                deadline_at: r.deadline_at,
                created_at: r.created_at,
            },
            event,
            at: r.at,
            item: r.item,
            due_on: r.due_on,
            result,
        })
    }
}

const LINE_COLS: &str = "d.id, d.code, d.dispute_type, d.status, d.level, o.name AS org_name, d.street_code, \
     d.community_code, d.grid_code, d.risk_code, d.deadline_at, d.created_at";
const LINE_FROM: &str = "disputes d JOIN mediation_orgs o ON o.id = d.org_id";
/// The extra columns of a line that is not about an event or an item.
const NO_EXTRAS: &str = "CAST(NULL AS TEXT) AS kind, CAST(NULL AS BIGINT) AS item, CAST(NULL AS DATE) AS due_on, \
     CAST(NULL AS TEXT) AS result";

macro_rules! bind_visible {
    ($q:expr, $v:expr) => {
        $q.bind(&$v.lo).bind(&$v.hi).bind($v.mediator_user).bind($v.today).bind(&$v.phone_hmac)
    };
}

/// The events the daily list shows.
pub const DAILY_EVENTS: [EventKind; 4] =
    [EventKind::SessionHeld, EventKind::AgreementRecorded, EventKind::Terminated, EventKind::ViolenceReported];

impl Mediation<'_> {
    /// The counts behind the figures of the disputes registered in `[from, to)` that the viewer
    /// reads (within `area` if given, which must lie in the viewer's scope), per group; agreement
    /// items count as due by today (Shanghai).
    pub async fn tallies(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        group: Group,
    ) -> Result<BTreeMap<Option<String>, Tally>, StoreError> {
        let v = self.visible_in(viewer, area)?;
        let (key, group_by) = match group.column() {
            Some(c) => (c.to_string(), format!(" GROUP BY {c}")),
            None => ("CAST(NULL AS TEXT)".to_string(), String::new()),
        };
        let resolved = sql_list(&RESOLVED, Status::as_str);
        let local = sql_list(&LOCAL_LEVELS, Level::as_str);
        let sql = format!(
            "SELECT {key} AS grp, COUNT(*) AS registered, \
             COALESCE(SUM(CASE WHEN d.status IN ({resolved}) THEN 1 ELSE 0 END), 0) AS resolved, \
             COALESCE(SUM(CASE WHEN d.status IN ({resolved}) AND d.level IN ({local}) THEN 1 ELSE 0 END), 0) \
               AS resolved_locally, \
             COALESCE(SUM(CASE WHEN d.status IN ({}) THEN 1 ELSE 0 END), 0) AS agreed, \
             COALESCE(SUM(CASE WHEN d.status IN ({}) THEN 1 ELSE 0 END), 0) AS failed, \
             CAST(COALESCE(SUM(d.days_to_agreement), 0) AS BIGINT) AS agreement_days, \
             COUNT(d.days_to_agreement) AS agreements_timed, \
             CAST(COALESCE(SUM(d.days_to_close), 0) AS BIGINT) AS close_days, \
             COUNT(d.days_to_close) AS closed \
             FROM disputes d WHERE {} AND d.created_at >= $6 AND d.created_at < $7{group_by}",
            sql_list(&AGREED, Status::as_str),
            sql_list(&FAILED, Status::as_str),
            visible_sql()
        );
        let rows: Vec<TallyRow> =
            on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
                .bind(from)
                .bind(to)
                .fetch_all(p)
                .await)?;
        let mut out: BTreeMap<Option<String>, Tally> = BTreeMap::new();
        for r in rows.into_iter().filter(|r| r.registered > 0) {
            out.insert(
                r.grp,
                Tally {
                    registered: r.registered,
                    resolved: r.resolved,
                    resolved_locally: r.resolved_locally,
                    agreed: r.agreed,
                    failed: r.failed,
                    agreement_days: r.agreement_days,
                    agreements_timed: r.agreements_timed,
                    close_days: r.close_days,
                    closed: r.closed,
                    ..Tally::default()
                },
            );
        }
        // The items of agreements in effect (the domain's `Tally::of` counts the same).
        let items = format!(
            "SELECT {key} AS grp, \
             COALESCE(SUM(CASE WHEN i.due_on <= $6 OR i.result = '{performed}' THEN 1 ELSE 0 END), 0) AS items_due, \
             COALESCE(SUM(CASE WHEN i.result = '{performed}' THEN 1 ELSE 0 END), 0) AS items_performed \
             FROM dispute_performance_items i JOIN disputes d ON d.id = i.dispute_id \
             WHERE {} AND d.created_at >= $7 AND d.created_at < $8 AND d.status IN ({resolved}){group_by}",
            visible_sql(),
            performed = PerformanceResult::Performed.as_str(),
        );
        let rows: Vec<ItemsRow> =
            on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(items.as_str())), v)
                .bind(v.today)
                .bind(from)
                .bind(to)
                .fetch_all(p)
                .await)?;
        for r in rows {
            if let Some(t) = out.get_mut(&r.grp) {
                t.items_due = r.items_due;
                t.items_performed = r.items_performed;
            }
        }
        Ok(out)
    }

    /// Open disputes the viewer reads now (within `area`), and those past their mediation limit
    /// (accepted or being mediated, the limit passed), per group — whenever they were registered.
    pub async fn open_counts(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        group: Group,
    ) -> Result<BTreeMap<Option<String>, OpenCount>, StoreError> {
        let v = self.visible_in(viewer, area)?;
        let (key, group_by) = match group.column() {
            Some(c) => (c.to_string(), format!(" GROUP BY {c}")),
            None => ("CAST(NULL AS TEXT)".to_string(), String::new()),
        };
        let sql = format!(
            "SELECT {key} AS grp, COUNT(*) AS open, \
             COALESCE(SUM(CASE WHEN d.status IN ({}) AND d.deadline_at < $6 THEN 1 ELSE 0 END), 0) AS overdue \
             FROM disputes d WHERE {} AND d.open = $7{group_by}",
            sql_list(&LIMIT_RUNS, Status::as_str),
            visible_sql()
        );
        let rows: Vec<OpenRow> =
            on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
                .bind(self.store.now())
                .bind(true)
                .fetch_all(p)
                .await)?;
        Ok(rows
            .into_iter()
            .filter(|r| r.open > 0)
            .map(|r| (r.grp, OpenCount { open: r.open, overdue: r.overdue }))
            .collect())
    }

    /// Lines of a daily list: `select` (a `SELECT … WHERE …` using `$6` onwards) within the
    /// viewer's reach, in `order`, the first `limit`.
    async fn lines(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        (select, order): (&str, &str),
        binds: LineBinds,
        limit: i64,
    ) -> Result<Vec<DailyLine>, StoreError> {
        let v = self.visible_in(viewer, area)?;
        let sql = format!("{select} AND {} ORDER BY {order} LIMIT {limit}", visible_sql());
        let rows: Vec<LineRow> = on_read!(&self.store.db, |p| {
            let q = bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v);
            match &binds {
                LineBinds::Range(a, b) => q.bind(*a).bind(*b).fetch_all(p).await,
                LineBinds::Until(a) => q.bind(*a).fetch_all(p).await,
                LineBinds::Day(d) => q.bind(*d).fetch_all(p).await,
            }
        })?;
        rows.into_iter().map(DailyLine::try_from).collect()
    }

    /// Disputes registered in `[from, to)`, oldest first (the registration time as `at`).
    pub async fn registered_between(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        limit: i64,
    ) -> Result<Vec<DailyLine>, StoreError> {
        let sql = format!(
            "SELECT {LINE_COLS}, d.created_at AS at, {NO_EXTRAS} FROM {LINE_FROM} \
             WHERE d.created_at >= $6 AND d.created_at < $7"
        );
        self.lines(viewer, area, (&sql, "d.created_at, d.id"), LineBinds::Range(from, to), limit).await
    }

    /// The events of one of the [`DAILY_EVENTS`] kinds recorded in `[from, to)`, in order.
    pub async fn events_between(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        kind: EventKind,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        limit: i64,
    ) -> Result<Vec<DailyLine>, StoreError> {
        if !DAILY_EVENTS.contains(&kind) {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {LINE_COLS}, e.at AS at, e.kind AS kind, CAST(NULL AS BIGINT) AS item, \
             CAST(NULL AS DATE) AS due_on, CAST(NULL AS TEXT) AS result \
             FROM dispute_events e JOIN disputes d ON d.id = e.dispute_id JOIN mediation_orgs o ON o.id = d.org_id \
             WHERE e.kind = '{}' AND e.at >= $6 AND e.at < $7",
            kind.as_str()
        );
        self.lines(viewer, area, (&sql, "e.at, e.id"), LineBinds::Range(from, to), limit).await
    }

    /// Disputes whose mediation limit runs and ends before `until` (past it included), the
    /// earliest first.
    pub async fn limits_due(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DailyLine>, StoreError> {
        let sql = format!(
            "SELECT {LINE_COLS}, d.deadline_at AS at, {NO_EXTRAS} FROM {LINE_FROM} \
             WHERE d.open = TRUE AND d.status IN ({}) AND d.deadline_at < $6",
            sql_list(&LIMIT_RUNS, Status::as_str)
        );
        self.lines(viewer, area, (&sql, "d.deadline_at, d.id"), LineBinds::Until(until), limit).await
    }

    /// Items of agreements in effect not fully performed whose 履行期限 is on or before `until`
    /// (past ones included), the earliest first.
    pub async fn items_due(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        until: NaiveDate,
        limit: i64,
    ) -> Result<Vec<DailyLine>, StoreError> {
        let sql = format!(
            "SELECT {LINE_COLS}, CAST(NULL AS TIMESTAMPTZ) AS at, CAST(NULL AS TEXT) AS kind, i.idx AS item, \
             i.due_on AS due_on, i.result AS result \
             FROM dispute_performance_items i JOIN disputes d ON d.id = i.dispute_id \
             JOIN mediation_orgs o ON o.id = d.org_id \
             WHERE d.status IN ({}) AND (i.result IS NULL OR i.result <> '{}') AND i.due_on <= $6",
            sql_list(&RESOLVED, Status::as_str),
            PerformanceResult::Performed.as_str()
        );
        self.lines(viewer, area, (&sql, "i.due_on, d.id, i.idx"), LineBinds::Day(until), limit).await
    }

    /// Open disputes the viewer reads (within `area`), for the risk map: at most `limit`, the
    /// newest first.
    pub async fn open_lines(
        &self,
        viewer: &Viewer,
        area: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DisputeLine>, StoreError> {
        let v = self.visible_in(viewer, area)?;
        let sql = format!(
            "SELECT {LINE_COLS}, CAST(NULL AS TIMESTAMPTZ) AS at, {NO_EXTRAS} FROM {LINE_FROM} \
             WHERE d.open = $6 AND {} ORDER BY d.id DESC LIMIT $7",
            visible_sql()
        );
        let rows: Vec<LineRow> =
            on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
                .bind(true)
                .bind(limit)
                .fetch_all(p)
                .await)?;
        rows.into_iter().map(|r| DailyLine::try_from(r).map(|l| l.dispute)).collect()
    }
}

/// What a daily query binds after the visibility filter.
enum LineBinds {
    Range(DateTime<Utc>, DateTime<Utc>),
    Until(DateTime<Utc>),
    Day(NaiveDate),
}
