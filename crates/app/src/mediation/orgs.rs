//! Organisations, committee rosters, mediators and risk levels. The desk (the roles of
//! `COORDINATOR_ROLES`) manages the organisations within its scope; the admin sets the risk
//! levels.

use super::{DisputeError, today};
use serde::Deserialize;
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::kernel::text::Label;
use tongxin_domain::mediation::COORDINATOR_ROLES;
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_domain::mediation::mediator::{Mediator, MediatorInput, MediatorStatus, RemovalReason};
use tongxin_domain::mediation::org::{CommitteeMember, OrgKind, Organisation};
use tongxin_domain::mediation::risk::{RiskLevel, validate_risk_levels};
use tongxin_store::accounts::User;
use tongxin_store::mediation::{MediatorRecord, NewMediator, NewNotice, OrgDetail, OrgRecord};
use tongxin_store::{Actor, Store, StoreError};

/// The most members a roster may list (the rule is 3–9; a longer list is a typing error).
pub const MAX_ROSTER: usize = 30;

/// An organisation as a form gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct OrgForm {
    pub kind: OrgKind,
    pub name: String,
    pub region_code: String,
    #[serde(default)]
    pub field: Option<DisputeType>,
    #[serde(default)]
    pub multi_ethnic: bool,
}

/// A mediator as a form gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct MediatorForm {
    #[serde(flatten)]
    pub input: MediatorInput,
    /// The staff account of the mediator, if they have one.
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub qualification: String,
}

fn actor(user: &User) -> Actor {
    Actor { user_id: Some(user.id), name: user.username.clone() }
}

fn desk(user: &User) -> Result<(), DisputeError> {
    if COORDINATOR_ROLES.contains(&user.role) {
        Ok(())
    } else {
        Err(DisputeError::invalid("role", format!("“{}”无权管理调解组织和调解员", user.role.label())))
    }
}

/// An organisation the desk manages: in its scope (an organisation above it is the higher
/// level's to manage).
async fn managed_org(store: &Store, user: &User, org_id: i64) -> Result<OrgRecord, DisputeError> {
    desk(user)?;
    let org = store.mediation().org(&user.scope, org_id).await?;
    if !user.scope.covers_people_at(&org.region_code) {
        return Err(DisputeError::invalid("org_id", "该调解组织由上级管理"));
    }
    Ok(org)
}

/// Creates an organisation in the desk's scope (the domain checks the kind's level and a
/// professional committee's field).
pub async fn create_org(store: &Store, user: &User, form: OrgForm) -> Result<OrgRecord, DisputeError> {
    desk(user)?;
    let region = RegionCode::parse(form.region_code.trim())
        .map_err(|_| DisputeError::invalid("region_code", "所在区划代码有误"))?;
    if !user.scope.covers_people_at(region.as_str()) {
        return Err(DisputeError::invalid("region_code", "所在区划不在您的管辖范围内"));
    }
    store
        .regions()
        .get(&user.scope, region.as_str())
        .await
        .map_err(|_| DisputeError::invalid("region_code", "所在区划不存在"))?;
    let org = Organisation::new(0, form.kind, &form.name, region, form.field)
        .map_err(|e| DisputeError::invalid("kind", e.to_string()))?;
    Ok(store.mediation().create_org(&actor(user), &org, form.multi_ethnic).await?)
}

/// Replaces a committee's roster (the organisation at `expected_version`) and returns the
/// organisation with the roster's problems under arts 8–9, which are shown, not refused.
pub async fn set_committee(
    store: &Store,
    user: &User,
    org_id: i64,
    expected_version: i64,
    members: Vec<CommitteeMember>,
) -> Result<OrgDetail, DisputeError> {
    let org = managed_org(store, user, org_id).await?;
    if !org.is_committee() {
        return Err(DisputeError::invalid("org_id", format!("{}不是人民调解委员会", org.name)));
    }
    if members.len() > MAX_ROSTER {
        return Err(DisputeError::invalid("members", format!("委员最多{MAX_ROSTER}人")));
    }
    for (i, m) in members.iter().enumerate() {
        Label::named("委员姓名", &m.name)
            .map_err(|e| DisputeError::invalid("members", format!("第{}名委员：{e}", i + 1)))?;
    }
    store.mediation().set_committee(&actor(user), org_id, expected_version, &members).await?;
    Ok(store.mediation().org_detail(&user.scope, org_id).await?)
}

/// Creates a mediator of an organisation the desk manages (the domain checks art 14: an adult,
/// a term that does not end before it starts, no speciality twice), linked to a staff account
/// when given (an active one).
pub async fn create_mediator(store: &Store, user: &User, form: MediatorForm) -> Result<MediatorRecord, DisputeError> {
    let org = managed_org(store, user, form.input.org_id).await?;
    if !org.active {
        return Err(DisputeError::invalid("org_id", "该调解组织已停用"));
    }
    let mediator =
        Mediator::new(0, form.input, today(store)).map_err(|e| DisputeError::invalid("mediator", e.to_string()))?;
    if let Some(id) = form.user_id {
        let account = store.accounts().user(id).await.map_err(|e| match e {
            StoreError::NotFound => DisputeError::invalid("user_id", "关联的账号不存在"),
            other => other.into(),
        })?;
        if !account.active {
            return Err(DisputeError::invalid("user_id", "关联的账号已停用"));
        }
    }
    let qualification = Label::optional_named("资格", &form.qualification)
        .map_err(|e| DisputeError::invalid("qualification", e.to_string()))?
        .map(Label::into_string)
        .unwrap_or_default();
    let new = NewMediator { mediator, user_id: form.user_id, qualification };
    Ok(store.mediation().create_mediator(&actor(user), &new).await?)
}

/// Removes (罢免/解聘) a mediator for an art-15 reason, if the record is still at
/// `expected_version`. Their access ends with the commit: their account reads no dispute (the
/// store's viewer filter) and may not act (the domain's standing). The organisation is told
/// which open disputes need another mediator.
pub async fn remove_mediator(
    store: &Store,
    user: &User,
    mediator_id: i64,
    expected_version: i64,
    reason: RemovalReason,
    text: &str,
) -> Result<MediatorRecord, DisputeError> {
    let record = store.mediation().mediator(mediator_id).await?;
    managed_org(store, user, record.mediator.org_id).await?;
    if record.version != expected_version {
        return Err(StoreError::Conflict("该调解员刚被他人修改，请刷新后重试".into()).into());
    }
    let mut mediator = record.mediator.clone();
    if mediator.status != MediatorStatus::Active {
        return Err(DisputeError::invalid("mediator_id", "该调解员已被罢免或解聘"));
    }
    mediator.remove(reason, text, today(store)).map_err(|e| DisputeError::invalid("reason", e.to_string()))?;
    let open = store.mediation().assigned_open_disputes(mediator_id).await?;
    let mut notices = Vec::new();
    if !open.is_empty() {
        let codes: Vec<&str> = open.iter().map(|(_, c)| c.as_str()).collect();
        notices.push(NewNotice {
            kind: "mediation_mediator_removed".into(),
            unit: format!("mediation_org:{}", mediator.org_id),
            text: format!(
                "调解员{}已被罢免或解聘（{}），其承办的纠纷 {} 须重新指派调解员。",
                mediator.name,
                reason.label(),
                codes.join("、")
            ),
        });
    }
    Ok(store.mediation().remove_mediator(&actor(user), &mediator, expected_version, &notices).await?)
}

/// Replaces the risk levels (admin only), checked as a whole by the domain: 1–8 levels, most
/// severe first, unique codes and names, colours, response times.
pub async fn set_risk_levels(
    store: &Store,
    user: &User,
    levels: Vec<RiskLevel>,
) -> Result<Vec<RiskLevel>, DisputeError> {
    if user.role != Role::Admin {
        return Err(DisputeError::invalid("role", "只有系统管理员才能设置风险等级"));
    }
    validate_risk_levels(&levels).map_err(|e| DisputeError::invalid("levels", e.to_string()))?;
    store.mediation().set_risk_levels(&actor(user), &levels).await?;
    Ok(store.mediation().risk_levels().await?)
}
