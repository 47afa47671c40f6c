//! Mediation organisations, the roster of a committee and the risk levels.

use super::{Mediation, MediatorRecord};
use crate::audit::{AuditEntry, append};
use crate::bulk::{Val, insert_rows};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use chrono::NaiveDate;
use serde::Serialize;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::region::{RegionCode, subtree_range};
use tongxin_domain::mediation::OrgRef;
use tongxin_domain::mediation::kinds::{DisputeType, Level};
use tongxin_domain::mediation::org::{CommitteeMember, OrgKind, Organisation, Post, committee_problems};
use tongxin_domain::mediation::risk::RiskLevel;
use tongxin_domain::people::idcard::Gender;

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRecord {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    /// Where it sits: a community, street or district code.
    pub region_code: String,
    pub field: Option<DisputeType>,
    /// A multi-ethnic area: its committee needs a member of a less populous group (art 8).
    pub multi_ethnic: bool,
    pub active: bool,
    pub version: i64,
}

impl OrgRecord {
    /// The domain's organisation.
    pub fn organisation(&self) -> Result<Organisation, StoreError> {
        let region = RegionCode::parse(&self.region_code)
            .map_err(|_| StoreError::Invalid(format!("调解组织 {} 的区划代码有误", self.id)))?;
        Ok(Organisation { id: self.id, kind: self.kind, name: self.name.clone(), region, field: self.field })
    }

    /// The handling level of its disputes.
    pub fn level(&self) -> Level {
        match self.region_code.len() {
            6 => Level::District,
            9 => Level::Street,
            12 => Level::Community,
            _ => Level::Grid,
        }
    }

    /// What a dispute records of it.
    pub fn reference(&self) -> OrgRef {
        OrgRef { id: self.id, kind: self.kind, level: self.level() }
    }

    /// A committee whose roster the composition rules of arts 8–9 apply to.
    pub fn is_committee(&self) -> bool {
        matches!(self.kind, OrgKind::PeoplesCommittee | OrgKind::ProfessionalCommittee)
    }
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    kind: String,
    name: String,
    region_code: String,
    field: Option<String>,
    multi_ethnic: bool,
    active: bool,
    version: i64,
}

impl TryFrom<OrgRow> for OrgRecord {
    type Error = String;
    fn try_from(r: OrgRow) -> Result<OrgRecord, String> {
        let kind = OrgKind::parse(&r.kind).ok_or_else(|| format!("mediation org {}: kind {:?}", r.id, r.kind))?;
        let field = match r.field.as_deref() {
            Some(f) => Some(DisputeType::parse(f).ok_or_else(|| format!("mediation org {}: field {f:?}", r.id))?),
            None => None,
        };
        Ok(OrgRecord {
            id: r.id,
            kind,
            name: r.name,
            region_code: r.region_code,
            field,
            multi_ethnic: r.multi_ethnic,
            active: r.active,
            version: r.version,
        })
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for OrgRecord
where
    OrgRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<OrgRecord, sqlx::Error> {
        OrgRecord::try_from(OrgRow::from_row(row)?).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    name: String,
    gender: String,
    post: String,
    minority: bool,
    term_start: NaiveDate,
    term_end: NaiveDate,
}

impl TryFrom<MemberRow> for CommitteeMember {
    type Error = String;
    fn try_from(r: MemberRow) -> Result<CommitteeMember, String> {
        let gender = Gender::parse_label(&r.gender).ok_or_else(|| format!("committee member gender {:?}", r.gender))?;
        let post = Post::parse(&r.post).ok_or_else(|| format!("committee member post {:?}", r.post))?;
        Ok(CommitteeMember {
            name: r.name,
            gender,
            post,
            minority: r.minority,
            term_start: r.term_start,
            term_end: r.term_end,
        })
    }
}

/// An organisation with its roster, what is wrong with the roster today (a committee only:
/// 人民调解法 arts 8–9, each message citing its article) and its mediators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgDetail {
    pub org: OrgRecord,
    pub committee: Vec<CommitteeMember>,
    pub problems: Vec<String>,
    pub mediators: Vec<MediatorRecord>,
}

pub(super) const ORG_COLS: &str = "o.id, o.kind, o.name, o.region_code, o.field, o.multi_ethnic, o.active, o.version";

/// Organisations a scope sees: those in its region and those above it (to transfer and
/// escalate to). Binds `$1`/`$2` (the scope's range) and `$3` (its prefix).
const ORG_VISIBLE: &str =
    "((o.region_code >= $1 AND o.region_code < $2) OR substr($3, 1, length(o.region_code)) = o.region_code)";

fn gender_code(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

impl Mediation<'_> {
    /// Creates an organisation the domain checked (`Organisation::new`; its id is ignored), with
    /// its audit record.
    pub async fn create_org(
        &self,
        actor: &Actor,
        org: &Organisation,
        multi_ethnic: bool,
    ) -> Result<OrgRecord, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO mediation_orgs (kind, name, region_code, field, multi_ethnic, active, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(org.kind.as_str())
            .bind(&org.name)
            .bind(org.region.as_str())
            .bind(org.field.map(|f| f.as_str()))
            .bind(multi_ethnic)
            .bind(true)
            .bind(now)
            .fetch_one(c)
            .await)?;
        let read = format!("SELECT {ORG_COLS} FROM mediation_orgs o WHERE o.id = $1");
        let record: OrgRecord =
            on_tx!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(read.as_str())).bind(id).fetch_one(c).await)?;
        let entry = AuditEntry::new("mediation_org.create", "mediation_org", id)
            .after(digest_of(&record))
            .detail(format!("{}：{}", record.kind.label(), record.name));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// An organisation by id, whatever the scope (for use-cases that checked the caller).
    pub async fn org_by_id(&self, id: i64) -> Result<OrgRecord, StoreError> {
        let sql = format!("SELECT {ORG_COLS} FROM mediation_orgs o WHERE o.id = $1");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?)
    }

    /// An organisation the scope sees (in its region or above it).
    pub async fn org(&self, scope: &Scope, id: i64) -> Result<OrgRecord, StoreError> {
        let prefix = scope.places_prefix();
        let (lo, hi) = subtree_range(prefix);
        let sql = format!("SELECT {ORG_COLS} FROM mediation_orgs o WHERE o.id = $4 AND {ORG_VISIBLE}");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&lo)
            .bind(&hi)
            .bind(prefix)
            .bind(id)
            .fetch_one(p)
            .await)?)
    }

    /// The organisations the scope sees, by region then id.
    pub async fn orgs(&self, scope: &Scope) -> Result<Vec<OrgRecord>, StoreError> {
        let prefix = scope.places_prefix();
        let (lo, hi) = subtree_range(prefix);
        let sql = format!("SELECT {ORG_COLS} FROM mediation_orgs o WHERE {ORG_VISIBLE} ORDER BY o.region_code, o.id");
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&lo)
            .bind(&hi)
            .bind(prefix)
            .fetch_all(p)
            .await)?)
    }

    /// An organisation with its roster, the roster's problems today and its mediators.
    pub async fn org_detail(&self, scope: &Scope, id: i64) -> Result<OrgDetail, StoreError> {
        let org = self.org(scope, id).await?;
        let committee = self.committee(id).await?;
        let problems = if org.is_committee() {
            committee_problems(&committee, org.multi_ethnic, self.today()).into_iter().map(|p| p.to_string()).collect()
        } else {
            Vec::new()
        };
        let mediators = self.mediators_of_org(id).await?;
        Ok(OrgDetail { org, committee, problems, mediators })
    }

    /// The roster of a committee, in the order it was entered.
    pub async fn committee(&self, org_id: i64) -> Result<Vec<CommitteeMember>, StoreError> {
        let sql = "SELECT name, gender, post, minority, term_start, term_end FROM mediation_committee_members \
                   WHERE org_id = $1 ORDER BY id";
        let rows: Vec<MemberRow> = on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(org_id).fetch_all(p).await)?;
        rows.into_iter().map(|r| CommitteeMember::try_from(r).map_err(StoreError::Invalid)).collect()
    }

    /// Replaces a committee's roster if the organisation is still at `expected_version`; the
    /// roster is stored as entered (its problems are shown, not refused: a committee may be out
    /// of compliance until it elects again). Returns the organisation's new version.
    pub async fn set_committee(
        &self,
        actor: &Actor,
        org_id: i64,
        expected_version: i64,
        members: &[CommitteeMember],
    ) -> Result<i64, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let bump = "UPDATE mediation_orgs SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3";
        let n = on_tx!(&mut tx, |c| sqlx::query(bump)
            .bind(now)
            .bind(org_id)
            .bind(expected_version)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::Conflict("该调解组织刚被他人修改，请刷新后重试".into()));
        }
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM mediation_committee_members WHERE org_id = $1")
            .bind(org_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let rows: Vec<Vec<Val>> = members
            .iter()
            .map(|m| {
                vec![
                    org_id.into(),
                    m.name.trim().to_string().into(),
                    gender_code(m.gender).into(),
                    m.post.as_str().into(),
                    m.minority.into(),
                    m.term_start.into(),
                    m.term_end.into(),
                    now.into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "mediation_committee_members",
            &["org_id", "name", "gender", "post", "minority", "term_start", "term_end", "created_at"],
            &rows,
        )
        .await?;
        let entry = AuditEntry::new("mediation_org.committee", "mediation_org", org_id)
            .after(digest_of(&members))
            .detail(format!("调解委员会组成：{}人", members.len()));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }

    /// The configured risk levels, most severe first.
    pub async fn risk_levels(&self) -> Result<Vec<RiskLevel>, StoreError> {
        let sql =
            "SELECT code, name, colour, escalate_to, response_hours FROM mediation_risk_levels ORDER BY sort, code";
        let rows: Vec<(String, String, String, String, i64)> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(code, name, colour, escalate_to, hours)| {
                let escalate_to = Level::parse(&escalate_to)
                    .ok_or_else(|| StoreError::Invalid(format!("风险等级 {code} 的升级层级有误")))?;
                let response_hours =
                    u32::try_from(hours).map_err(|_| StoreError::Invalid(format!("风险等级 {code} 的响应时限有误")))?;
                Ok(RiskLevel { code, name, colour, escalate_to, response_hours })
            })
            .collect()
    }

    /// Replaces the risk levels with a list the domain validated (`validate_risk_levels`),
    /// with its audit record. Assessments already made keep the code and name they had.
    pub async fn set_risk_levels(&self, actor: &Actor, levels: &[RiskLevel]) -> Result<(), StoreError> {
        let now = self.store.now();
        let before = self.risk_levels().await?;
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM mediation_risk_levels")
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let rows: Vec<Vec<Val>> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    l.code.clone().into(),
                    l.name.clone().into(),
                    l.colour.clone().into(),
                    l.escalate_to.as_str().into(),
                    i64::from(l.response_hours).into(),
                    (i as i64 + 1).into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "mediation_risk_levels",
            &["code", "name", "colour", "escalate_to", "response_hours", "sort"],
            &rows,
        )
        .await?;
        let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
        let entry = AuditEntry::new("mediation.risk_levels", "settings", "mediation_risk_levels")
            .before(digest_of(&before))
            .after(digest_of(&levels))
            .detail(format!("风险等级：{}", names.join("、")));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The 派出所 of a street: its department whose name says so (the lowest id if several);
    /// `None` when the street has none on record.
    pub async fn police_station(&self, street_code: &str) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT id FROM departments WHERE street_code = $1 AND name LIKE $2 ORDER BY id LIMIT 1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql)
            .bind(street_code)
            .bind("%派出所%")
            .fetch_optional(p)
            .await)?)
    }
}
