//! Party organisations bound to regions (街道党工委 → 社区党委 → 网格党支部 → 楼栋党小组), party
//! members with 双报到, 党员中心户, departments and the 多网合一 grid teams.

use crate::bulk::{Val, insert_rows};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Page, Paged, on_read};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::subtree_range;

repository!(
    /// Party organisations, their members and the grid teams (多网合一).
    Party,
    party
);

/// Kinds of organisation, top to bottom.
pub const ORG_KINDS: [(&str, &str); 5] = [
    ("street_working_committee", "街道党工委"),
    ("community_committee", "社区党委"),
    ("general_branch", "党总支"),
    ("grid_branch", "网格党支部"),
    ("building_group", "楼栋党小组"),
];

/// Roles of a 多网合一 grid team.
pub const TEAM_ROLES: [&str; 7] =
    ["网格长", "专职网格员", "社区工作者", "党员志愿者", "片区民警", "社区医生", "街道联系干部"];

#[derive(Debug, Clone)]
pub struct NewPartyOrg {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub region_code: String,
    pub building_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PartyOrg {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub region_code: String,
    pub building_id: Option<i64>,
    pub members: i64,
}

#[derive(Debug, Clone)]
pub struct NewPartyMember {
    pub id: i64,
    pub resident_id: Option<i64>,
    pub org_id: i64,
    pub region_code: String,
    pub name: String,
    /// `formal` 正式党员 or `probationary` 预备党员.
    pub status: String,
    /// `in_service` 在职 or `retired` 离退休.
    pub employment: String,
    pub work_unit: String,
    pub joined_on: Option<NaiveDate>,
    /// 双报到: the home community an in-service member registered with.
    pub dual_report_community: Option<String>,
    pub dual_report_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PartyMember {
    pub id: i64,
    pub resident_id: Option<i64>,
    pub org_id: i64,
    pub region_code: String,
    pub name: String,
    pub status: String,
    pub employment: String,
    pub work_unit: String,
    pub joined_on: Option<NaiveDate>,
    pub dual_report_community: Option<String>,
    pub dual_report_on: Option<NaiveDate>,
    pub center_household: bool,
}

#[derive(Debug, Clone)]
pub struct NewCenterHousehold {
    pub id: i64,
    pub member_id: i64,
    pub household_id: i64,
    pub org_id: i64,
    pub region_code: String,
    /// The neighbouring households it keeps in touch with.
    pub linked: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct NewDepartment {
    pub id: i64,
    pub street_code: String,
    pub name: String,
    pub kind: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Department {
    pub id: i64,
    pub street_code: String,
    pub name: String,
    pub kind: String,
    pub phone: String,
}

#[derive(Debug, Clone)]
pub struct NewTeamMember {
    pub grid_code: String,
    pub role: String,
    pub name: String,
    pub phone: Option<Phone>,
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TeamMember {
    pub id: i64,
    pub grid_code: String,
    pub role: String,
    pub name: String,
    pub phone_masked: Option<String>,
    pub user_id: Option<i64>,
}

fn street_of(code: &str) -> String {
    code.get(..9).unwrap_or(code).to_string()
}

pub async fn insert_orgs(tx: &mut Tx, items: &[NewPartyOrg], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let cols =
        ["id", "parent_id", "kind", "name", "region_code", "street_code", "building_id", "created_at", "updated_at"];
    let rows: Vec<Vec<Val>> = items
        .iter()
        .map(|o| {
            vec![
                o.id.into(),
                o.parent_id.into(),
                o.kind.clone().into(),
                o.name.clone().into(),
                o.region_code.clone().into(),
                street_of(&o.region_code).into(),
                o.building_id.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(tx, "party_orgs", &cols, &rows).await
}

pub async fn insert_members(tx: &mut Tx, items: &[NewPartyMember], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let cols = [
        "id",
        "resident_id",
        "org_id",
        "region_code",
        "street_code",
        "name",
        "status",
        "employment",
        "work_unit",
        "joined_on",
        "dual_report_community",
        "dual_report_on",
        "created_at",
        "updated_at",
    ];
    let rows: Vec<Vec<Val>> = items
        .iter()
        .map(|m| {
            vec![
                m.id.into(),
                m.resident_id.into(),
                m.org_id.into(),
                m.region_code.clone().into(),
                street_of(&m.region_code).into(),
                m.name.clone().into(),
                m.status.clone().into(),
                m.employment.clone().into(),
                m.work_unit.clone().into(),
                m.joined_on.into(),
                m.dual_report_community.clone().into(),
                m.dual_report_on.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(tx, "party_members", &cols, &rows).await
}

pub async fn insert_center_households(
    tx: &mut Tx,
    items: &[NewCenterHousehold],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let cols = ["id", "member_id", "household_id", "org_id", "region_code", "created_at"];
    let rows: Vec<Vec<Val>> = items
        .iter()
        .map(|c| {
            vec![
                c.id.into(),
                c.member_id.into(),
                c.household_id.into(),
                c.org_id.into(),
                c.region_code.clone().into(),
                now.into(),
            ]
        })
        .collect();
    let n = insert_rows(tx, "center_households", &cols, &rows).await?;
    let links: Vec<Vec<Val>> =
        items.iter().flat_map(|c| c.linked.iter().map(move |h| vec![c.id.into(), (*h).into()])).collect();
    insert_rows(tx, "center_household_links", &["center_id", "household_id"], &links).await?;
    Ok(n)
}

pub async fn insert_departments(tx: &mut Tx, items: &[NewDepartment], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let cols = ["id", "street_code", "name", "kind", "phone", "created_at", "updated_at"];
    let rows: Vec<Vec<Val>> = items
        .iter()
        .map(|d| {
            vec![
                d.id.into(),
                d.street_code.clone().into(),
                d.name.clone().into(),
                d.kind.clone().into(),
                d.phone.clone().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    insert_rows(tx, "departments", &cols, &rows).await
}

impl Party<'_> {
    pub async fn insert_team_members(
        &self,
        tx: &mut Tx,
        items: &[NewTeamMember],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let cols =
            ["grid_code", "street_code", "role", "name", "phone_cipher", "phone_masked", "user_id", "created_at"];
        let pii = self.store.pii();
        let rows: Vec<Vec<Val>> = items
            .iter()
            .map(|t| {
                vec![
                    t.grid_code.clone().into(),
                    street_of(&t.grid_code).into(),
                    t.role.clone().into(),
                    t.name.clone().into(),
                    t.phone.as_ref().map(|p| pii.encrypt(p.as_str())).into(),
                    t.phone.as_ref().map(|p| p.masked()).into(),
                    t.user_id.into(),
                    now.into(),
                ]
            })
            .collect();
        insert_rows(tx, "grid_team_members", &cols, &rows).await
    }

    /// Organisations bound to regions within the scope's places, ordered for a tree walk.
    pub async fn orgs(&self, scope: &Scope, within: Option<&str>) -> Result<Vec<PartyOrg>, StoreError> {
        let prefix = crate::places::narrow(scope.places_prefix(), within)?;
        let (lo, hi) = subtree_range(&prefix);
        let sql = "SELECT o.id, o.parent_id, o.kind, o.name, o.region_code, o.building_id, \
                   (SELECT COUNT(*) FROM party_members m WHERE m.org_id = o.id) AS members \
                   FROM party_orgs o WHERE o.region_code >= $1 AND o.region_code < $2 ORDER BY o.region_code, o.id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(&lo).bind(&hi).fetch_all(p).await)?)
    }

    pub async fn org(&self, scope: &Scope, id: i64) -> Result<PartyOrg, StoreError> {
        let sql = "SELECT o.id, o.parent_id, o.kind, o.name, o.region_code, o.building_id, \
                   (SELECT COUNT(*) FROM party_members m WHERE m.org_id = o.id) AS members FROM party_orgs o WHERE o.id = $1";
        let org: PartyOrg = on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_one(p).await)?;
        if scope.covers_place(&org.region_code) { Ok(org) } else { Err(StoreError::NotFound) }
    }

    /// Members within the scope's people, optionally of one organisation (and its sub-tree by region).
    pub async fn members(
        &self,
        scope: &Scope,
        org: Option<i64>,
        within: Option<&str>,
        page: Page,
    ) -> Result<Paged<PartyMember>, StoreError> {
        let people = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let prefix = crate::places::narrow(people, within)?;
        let (lo, hi) = subtree_range(&prefix);
        let org = org.unwrap_or(0);
        let filter = "m.region_code >= $1 AND m.region_code < $2 AND ($3 = 0 OR m.org_id = $3)";
        let columns = "m.id, m.resident_id, m.org_id, m.region_code, m.name, m.status, m.employment, m.work_unit, \
                      m.joined_on, m.dual_report_community, m.dual_report_on, \
                      EXISTS (SELECT 1 FROM center_households c WHERE c.member_id = m.id) AS center_household";
        self.store.scoped_page(columns, "party_members m", filter, "m.region_code, m.id", (&lo, &hi), org, page).await
    }
}

repository!(
    /// The street's functional departments (职能部门), the units cases are dispatched to.
    Departments,
    departments
);

impl Departments<'_> {
    /// Departments of the streets the scope can see.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<Department>, StoreError> {
        // A community's scope is narrower than its street's departments: widen to the street.
        let street_prefix: String = scope.places_prefix().chars().take(9).collect();
        let (lo, hi) = subtree_range(&street_prefix);
        let sql = "SELECT id, street_code, name, kind, phone FROM departments WHERE street_code >= $1 AND street_code < $2 ORDER BY street_code, id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(&lo).bind(&hi).fetch_all(p).await)?)
    }

    pub async fn get(&self, id: i64) -> Result<Department, StoreError> {
        let sql = "SELECT id, street_code, name, kind, phone FROM departments WHERE id = $1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_one(p).await)?)
    }
}

impl Party<'_> {
    /// The 多网合一 team of one grid.
    pub async fn grid_team(&self, scope: &Scope, grid: &str) -> Result<Vec<TeamMember>, StoreError> {
        if !scope.covers_place(grid) {
            return Err(StoreError::NotFound);
        }
        let sql = "SELECT id, grid_code, role, name, phone_masked, user_id FROM grid_team_members WHERE grid_code = $1 ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(grid).fetch_all(p).await)?)
    }
}
