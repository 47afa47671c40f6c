//! Reading disputes: one, a scoped page with filters, a party's own, the parties (masked), the
//! events, and the links with 接诉即办 cases.

use super::{Mediation, Viewer, visible_sql};

/// The audit action of a look at a party's full numbers.
pub const PARTY_UNMASK_ACTION: &str = "dispute.party_unmask";
use crate::audit::AuditEntry;
use crate::error::StoreError;
use crate::{Actor, Page, Paged, on_read};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::mediation::kinds::{DisputeType, Level, Source};
use tongxin_domain::mediation::{ConfirmationStatus, DisputeState, Status};

/// A dispute as its readers see it; the state is the domain's. No personal number is in it:
/// the parties' masked ID and phone are read with [`Mediation::parties`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisputeView {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub community_code: Option<String>,
    pub grid_code: Option<String>,
    pub dispute_type: DisputeType,
    pub source: Source,
    pub status: Status,
    pub open: bool,
    pub level: Level,
    pub org_id: i64,
    pub org_name: String,
    pub risk_code: Option<String>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub confirmation_status: ConfirmationStatus,
    pub referred_case_id: Option<i64>,
    pub state: DisputeState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct DisputeRow {
    id: i64,
    code: String,
    street_code: String,
    community_code: Option<String>,
    grid_code: Option<String>,
    dispute_type: String,
    source: String,
    status: String,
    open: bool,
    level: String,
    org_id: i64,
    org_name: String,
    risk_code: Option<String>,
    deadline_at: Option<DateTime<Utc>>,
    overdue: bool,
    confirmation_status: String,
    referred_case_id: Option<i64>,
    state: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<DisputeRow> for DisputeView {
    type Error = String;
    fn try_from(r: DisputeRow) -> Result<DisputeView, String> {
        let bad = |what: &str, v: &str| format!("dispute {}: {what} {v:?} does not decode", r.id);
        let mut state: DisputeState =
            serde_json::from_str(&r.state).map_err(|e| format!("dispute {}: state: {e}", r.id))?;
        // The row's version is the truth the next save is guarded by.
        state.version = r.version;
        Ok(DisputeView {
            id: r.id,
            dispute_type: DisputeType::parse(&r.dispute_type).ok_or_else(|| bad("type", &r.dispute_type))?,
            source: Source::parse(&r.source).ok_or_else(|| bad("source", &r.source))?,
            status: Status::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            level: Level::parse(&r.level).ok_or_else(|| bad("level", &r.level))?,
            confirmation_status: ConfirmationStatus::parse(&r.confirmation_status)
                .ok_or_else(|| bad("confirmation", &r.confirmation_status))?,
            code: r.code,
            street_code: r.street_code,
            community_code: r.community_code,
            grid_code: r.grid_code,
            open: r.open,
            org_id: r.org_id,
            org_name: r.org_name,
            risk_code: r.risk_code,
            deadline_at: r.deadline_at,
            overdue: r.overdue,
            referred_case_id: r.referred_case_id,
            state,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for DisputeView
where
    DisputeRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<DisputeView, sqlx::Error> {
        DisputeView::try_from(DisputeRow::from_row(row)?).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

pub(super) const DISPUTE_COLS: &str = "d.id, d.code, d.street_code, d.community_code, d.grid_code, d.dispute_type, \
     d.source, d.status, d.open, d.level, d.org_id, o.name AS org_name, d.risk_code, d.deadline_at, d.overdue, \
     d.confirmation_status, d.referred_case_id, d.state, d.created_at, d.updated_at, d.version";
pub(super) const DISPUTE_FROM: &str = "disputes d JOIN mediation_orgs o ON o.id = d.org_id";

/// A list's filters; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisputeFilter {
    pub status: Option<Status>,
    /// Still open (not closed, failed, refused or withdrawn).
    pub open_only: bool,
    /// The latest risk assessment's code.
    pub risk: Option<String>,
    pub level: Option<Level>,
    pub dispute_type: Option<DisputeType>,
    pub org_id: Option<i64>,
    pub overdue: Option<bool>,
    /// Within a narrower region of the scope (a community or grid code).
    pub area: Option<String>,
}

/// A party as shown: ID number and phone masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PartyView {
    pub idx: i64,
    pub name: String,
    /// `applicant` (申请人), `respondent` (被申请人) or `party` (当事人).
    pub side: String,
    pub resident_id: Option<i64>,
    pub id_masked: Option<String>,
    pub phone_masked: Option<String>,
}

/// A party's numbers in clear, for a holder of the unmask permission (audited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmaskedParty {
    pub idx: i64,
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// One entry of a dispute's history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DisputeEvent {
    pub id: i64,
    pub kind: String,
    /// The staff account that acted (none for the system or a party).
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub note: String,
    /// A JSON object with the event's details.
    pub data: String,
    pub at: DateTime<Utc>,
}

macro_rules! bind_visible {
    ($q:expr, $v:expr) => {
        $q.bind(&$v.lo).bind(&$v.hi).bind($v.mediator_user).bind($v.today).bind(&$v.phone_hmac)
    };
}

impl Mediation<'_> {
    /// A dispute the viewer may read.
    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<DisputeView, StoreError> {
        let v = self.visible(viewer)?;
        let sql = format!("SELECT {DISPUTE_COLS} FROM {DISPUTE_FROM} WHERE d.id = $6 AND {}", visible_sql());
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(id)
            .fetch_one(p)
            .await)?)
    }

    /// A dispute by its code, if the viewer may read it.
    pub async fn get_by_code(&self, viewer: &Viewer, code: &str) -> Result<DisputeView, StoreError> {
        let v = self.visible(viewer)?;
        let sql = format!("SELECT {DISPUTE_COLS} FROM {DISPUTE_FROM} WHERE d.code = $6 AND {}", visible_sql());
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(code.trim().to_ascii_uppercase())
            .fetch_one(p)
            .await)?)
    }

    /// A page of the disputes the viewer may read, newest first, with the filters.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: &DisputeFilter,
        page: Page,
    ) -> Result<Paged<DisputeView>, StoreError> {
        let mut v = self.visible(viewer)?;
        if let Some(area) = filter.area.as_deref().filter(|a| !a.is_empty()) {
            // Only narrower than the scope: a wider area still reads the scope.
            if !area.starts_with(v.lo.as_str()) {
                return Err(StoreError::NotFound);
            }
            (v.lo, v.hi) = tongxin_domain::kernel::region::subtree_range(area);
        }
        let status = filter.status.map(|s| s.as_str()).unwrap_or_default();
        let risk = filter.risk.clone().unwrap_or_default();
        let level = filter.level.map(|l| l.as_str()).unwrap_or_default();
        let kind = filter.dispute_type.map(|t| t.as_str()).unwrap_or_default();
        let org = filter.org_id.unwrap_or(0);
        let (overdue_on, overdue) = match filter.overdue {
            None => (0i64, false),
            Some(b) => (1, b),
        };
        let open_only = i64::from(filter.open_only);
        let conds = format!(
            "{} AND ($6 = '' OR d.status = $6) AND ($7 = '' OR d.risk_code = $7) AND ($8 = '' OR d.level = $8) \
             AND ($9 = '' OR d.dispute_type = $9) AND ($10 = 0 OR d.org_id = $10) \
             AND ($11 = 0 OR d.overdue = $12) AND ($13 = 0 OR d.open = $14)",
            visible_sql()
        );
        let sql =
            format!("SELECT {DISPUTE_COLS} FROM {DISPUTE_FROM} WHERE {conds} ORDER BY d.id DESC LIMIT $15 OFFSET $16");
        let count = format!("SELECT COUNT(*) FROM disputes d WHERE {conds}");
        macro_rules! bind_filters {
            ($q:expr) => {
                bind_visible!($q, v)
                    .bind(status)
                    .bind(&risk)
                    .bind(level)
                    .bind(kind)
                    .bind(org)
                    .bind(overdue_on)
                    .bind(overdue)
                    .bind(open_only)
                    .bind(true)
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

    /// The disputes naming this phone number among their parties (我的纠纷), newest first.
    pub async fn of_party(
        &self,
        phone: &tongxin_domain::kernel::phone::Phone,
        page: Page,
    ) -> Result<Paged<DisputeView>, StoreError> {
        self.list(&Viewer::Party(phone.clone()), &DisputeFilter::default(), page).await
    }

    /// A dispute's parties, ID and phone masked, in order.
    pub async fn parties(&self, viewer: &Viewer, id: i64) -> Result<Vec<PartyView>, StoreError> {
        self.get(viewer, id).await?;
        let sql = "SELECT idx, name, side, resident_id, id_masked, phone_masked FROM dispute_parties \
                   WHERE dispute_id = $1 ORDER BY idx";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
    }

    /// The index of the party with this phone number in a dispute, if any.
    pub async fn party_index(
        &self,
        id: i64,
        phone: &tongxin_domain::kernel::phone::Phone,
    ) -> Result<Option<u8>, StoreError> {
        let sql = "SELECT idx FROM dispute_parties WHERE dispute_id = $1 AND phone_hmac = $2 ORDER BY idx LIMIT 1";
        let idx: Option<i64> = on_read!(&self.store.db, |p| sqlx::query_scalar(sql)
            .bind(id)
            .bind(self.store.pii().blind_index(phone.as_str()))
            .fetch_optional(p)
            .await)?;
        Ok(idx.and_then(|i| u8::try_from(i).ok()))
    }

    /// A party's ID number and phone in clear, for staff in scope holding the unmask permission;
    /// the look is audited (the masked forms, never the numbers) before the numbers are read,
    /// and refused past the hourly budget shared with a case's phone reveal.
    pub async fn unmask_party(
        &self,
        scope: &Scope,
        actor: &Actor,
        can_unmask: bool,
        id: i64,
        idx: i64,
    ) -> Result<UnmaskedParty, StoreError> {
        if !can_unmask {
            return Err(StoreError::Invalid("您没有查看完整号码的权限".into()));
        }
        self.get(&Viewer::Staff(scope.clone()), id).await?;
        let sql = "SELECT id_cipher, phone_cipher, id_masked, phone_masked FROM dispute_parties \
                   WHERE dispute_id = $1 AND idx = $2";
        type Secrets = (Option<Vec<u8>>, Option<Vec<u8>>, Option<String>, Option<String>);
        let (id_cipher, phone_cipher, id_masked, phone_masked): Secrets =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).bind(idx).fetch_one(p).await)?;
        let masked = [id_masked, phone_masked].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let entry = AuditEntry::new(PARTY_UNMASK_ACTION, "dispute", id)
            .detail(format!("查看第{}方当事人的完整号码 {masked}", idx + 1));
        // One budget for looking at people's numbers: a case's phone and a party's.
        let counted = [PARTY_UNMASK_ACTION, crate::cases::contact::PHONE_REVEAL_ACTION];
        let per_hour = crate::cases::contact::PHONE_REVEALS_PER_HOUR;
        if !crate::audit::record_limited(self.store, actor, entry, &counted, per_hour).await? {
            return Err(StoreError::Conflict(format!(
                "查看完整号码过于频繁（每人每小时最多 {per_hour} 次），请稍后再试"
            )));
        }
        let pii = self.store.pii();
        Ok(UnmaskedParty {
            idx,
            id_number: id_cipher.as_deref().map(|c| pii.decrypt(c)).transpose()?,
            phone: phone_cipher.as_deref().map(|c| pii.decrypt(c)).transpose()?,
        })
    }

    /// A dispute's events, oldest first.
    pub async fn events(&self, viewer: &Viewer, id: i64) -> Result<Vec<DisputeEvent>, StoreError> {
        self.get(viewer, id).await?;
        let sql = "SELECT id, kind, actor_id, actor_name, note, data, at FROM dispute_events WHERE dispute_id = $1 ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
    }

    /// The disputes a case was referred to (诉求转调解) that the viewer may read, newest first.
    pub async fn disputes_of_case(&self, viewer: &Viewer, case_id: i64) -> Result<Vec<DisputeView>, StoreError> {
        let v = self.visible(viewer)?;
        let sql = format!(
            "SELECT {DISPUTE_COLS} FROM {DISPUTE_FROM} WHERE d.id IN \
             (SELECT l.dispute_id FROM dispute_case_links l WHERE l.case_id = $6) AND {} ORDER BY d.id DESC",
            visible_sql()
        );
        Ok(on_read!(&self.store.db, |p| bind_visible!(sqlx::query_as(AssertSqlSafe(sql.as_str())), v)
            .bind(case_id)
            .fetch_all(p)
            .await)?)
    }

    /// The cases a dispute came from (ids, oldest first); the caller reads each with its scope.
    pub async fn cases_of_dispute(&self, viewer: &Viewer, id: i64) -> Result<Vec<i64>, StoreError> {
        self.get(viewer, id).await?;
        let sql = "SELECT case_id FROM dispute_case_links WHERE dispute_id = $1 ORDER BY case_id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?)
    }

    /// An open dispute a case was already referred to, if any (a case is referred once at a time).
    pub async fn open_dispute_of_case(&self, case_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        let sql = "SELECT d.id, d.code FROM dispute_case_links l JOIN disputes d ON d.id = l.dispute_id \
                   WHERE l.case_id = $1 AND d.open = $2 ORDER BY d.id LIMIT 1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(case_id).bind(true).fetch_optional(p).await)?)
    }

    /// The mediators assigned to a dispute now (ids), as stored beside the state.
    pub async fn assigned_mediators(&self, id: i64) -> Result<Vec<i64>, StoreError> {
        let sql = "SELECT mediator_id FROM dispute_mediators WHERE dispute_id = $1 ORDER BY mediator_id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?)
    }
}
