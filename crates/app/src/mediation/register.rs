//! 调解登记: a dispute from a walk-in (来访), an online application, grid screening (排查) or a
//! referral (a 接诉即办 case, a court, the police).
//!
//! A case referral (诉求转调解) keeps the link both ways (`dispute_case_links`, and the state's
//! `referred_case_id`). Registered here, the case itself is left as it is (a case already closed
//! that turns out to need mediation); [`super::refer_case`] registers the dispute and closes the
//! case as 已转调解 in one transaction. A dispute found by a grid screening (网格排查) names
//! the screening (`screening_id`) and lies in its grid.

use super::{DisputeError, Who, domain_actor, notices::timers_for};
use serde::Deserialize;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::{RegionCode, RegionLevel};
use tongxin_domain::mediation::amount::Amount;
use tongxin_domain::mediation::code::DisputeCode;
use tongxin_domain::mediation::kinds::{DisputeType, Level, Source};
use tongxin_domain::mediation::risk::find_risk_level;
use tongxin_domain::mediation::{
    Action, COORDINATOR_ROLES, ConsentForm, Intake, MAX_MEDIATORS, MediationError, PartyInput,
    register as decide_register,
};
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::mediation::{DisputeView, NewDispute, NewNotice, NewParty, PartySide};
use tongxin_store::{Store, StoreError};

/// A party as a form or JSON body gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct PartyForm {
    pub name: String,
    pub side: PartySide,
    #[serde(default)]
    pub resident_id: Option<i64>,
    /// 身份证号, optional (blank: none).
    #[serde(default)]
    pub id_number: String,
    /// 手机号, optional (blank: none); the party's key to the online room.
    #[serde(default)]
    pub phone: String,
    /// Consent given with the application (an applicant asks for mediation: art 17).
    #[serde(default)]
    pub consent: Option<ConsentForm>,
}

/// 调解登记 as a form or JSON body gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct Registration {
    /// Where the dispute is: a grid, community or street code. For a case referral it may be
    /// left out: the case's grid (or street) is taken.
    #[serde(default)]
    pub region: Option<String>,
    /// The organisation that is to accept it.
    pub org_id: i64,
    /// The level that first handles it (default: the organisation's).
    #[serde(default)]
    pub level: Option<Level>,
    pub dispute_type: DisputeType,
    pub source: Source,
    #[serde(default)]
    pub referred_case_id: Option<i64>,
    pub summary: String,
    /// 争议金额 in 元 as typed (blank: no money in dispute).
    #[serde(default)]
    pub amount: String,
    pub parties: Vec<PartyForm>,
    /// The grid screening (网格排查) that found it (source `grid_screening` only).
    #[serde(default)]
    pub screening_id: Option<i64>,
}

/// A registration checked and decided, ready to save ([`prepare`]).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub new: NewDispute,
    pub actor: tongxin_store::Actor,
}

/// Registers a dispute: the domain checks the parties and the summary, the use-case the place
/// (in the registrar's scope), the organisation (active, sitting over the place), the residents
/// and the case referred from (in scope, not already with an open dispute); the store allocates
/// the code and saves the dispute, its parties (ID and phone encrypted), the case link, a notice
/// to the organisation and the audit record in one transaction.
///
/// An online application comes from [`Who::Party`] with source `online` and the applicant's own
/// phone among the parties; the domain sees the online intake (the system) register it.
pub async fn register(store: &Store, who: &Who, form: Registration) -> Result<DisputeView, DisputeError> {
    let Prepared { new, actor } = prepare(store, who, form).await?;
    Ok(store.mediation().create(&actor, new).await?)
}

/// Everything [`register`] does short of saving.
pub(crate) async fn prepare(store: &Store, who: &Who, form: Registration) -> Result<Prepared, DisputeError> {
    let scope = match who {
        Who::Staff(user) => user.scope.clone(),
        Who::Party(_) | Who::System => Scope::All,
    };
    if let Who::Party(_) = who
        && form.source != Source::Online
    {
        return Err(DisputeError::invalid("source", "当事人只能在线申请调解"));
    }
    // The case referred from, in the registrar's scope and not already being mediated.
    let case = match (form.source, form.referred_case_id) {
        (Source::CaseReferral, Some(case_id)) => {
            if !matches!(who, Who::Staff(_)) {
                return Err(DisputeError::invalid("referred_case_id", "诉求转调解须由工作人员登记"));
            }
            let case = store
                .cases()
                .get(&scope, case_id)
                .await
                .map_err(|_| DisputeError::invalid("referred_case_id", "原诉求不存在或不在您的管辖范围内"))?;
            if let Some((_, code)) = store.mediation().open_dispute_of_case(case_id).await? {
                return Err(DisputeError::invalid("referred_case_id", format!("该诉求已转调解（纠纷 {code}）")));
            }
            Some(case)
        }
        _ => None,
    };
    // The screening that found it: in the registrar's scope, and the dispute in its grid.
    let screening = match (form.source, form.screening_id) {
        (_, None) => None,
        (Source::GridScreening, Some(id)) => {
            let s = store
                .mediation()
                .screening(&scope, id)
                .await
                .map_err(|_| DisputeError::invalid("screening_id", "排查记录不存在或不在您的管辖范围内"))?;
            if !matches!(who, Who::Staff(_)) {
                return Err(DisputeError::invalid("screening_id", "排查发现的纠纷须由工作人员登记"));
            }
            Some(s)
        }
        (_, Some(_)) => {
            return Err(DisputeError::invalid("screening_id", "只有来源为“网格排查”的纠纷才能关联排查记录"));
        }
    };
    let typed = form.region.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let region = match (typed, &case, &screening) {
        (Some(r), _, Some(s)) if r != s.grid_code => {
            return Err(DisputeError::invalid("region", "排查发现的纠纷应登记在排查的网格"));
        }
        (Some(r), _, _) => r.to_string(),
        (None, _, Some(s)) => s.grid_code.clone(),
        (None, Some(c), None) => c.grid_code.clone().unwrap_or_else(|| c.street_code.clone()),
        (None, None, None) => return Err(DisputeError::invalid("region", "请选择纠纷发生地（街道、社区或网格）")),
    };
    let code = RegionCode::parse(&region).map_err(|_| DisputeError::invalid("region", "纠纷发生地的区划代码有误"))?;
    if code.level() == RegionLevel::District || !scope.covers_people_at(code.as_str()) {
        return Err(DisputeError::invalid("region", "纠纷发生地应为您管辖范围内的街道、社区或网格"));
    }
    store
        .regions()
        .get(&Scope::All, code.as_str())
        .await
        .map_err(|_| DisputeError::invalid("region", "纠纷发生地不存在"))?;
    let street = RegionCode::parse(&code.as_str()[..9]).map_err(|_| DisputeError::invalid("region", "区划代码有误"))?;
    let community = (code.as_str().len() >= 12).then(|| code.as_str()[..12].to_string());
    let grid = (code.level() == RegionLevel::Grid).then(|| code.to_string());

    // The organisation: active, visible to the registrar, sitting over the place.
    let org = match who {
        Who::Staff(_) => store.mediation().org(&scope, form.org_id).await,
        _ => store.mediation().org_by_id(form.org_id).await,
    }
    .map_err(|_| DisputeError::invalid("org_id", "调解组织不存在或不在您的管辖范围内"))?;
    if !org.active {
        return Err(DisputeError::invalid("org_id", "该调解组织已停用"));
    }
    if !code.as_str().starts_with(&org.region_code) {
        return Err(DisputeError::invalid("org_id", format!("{}不受理此地的纠纷", org.name)));
    }

    // The parties' numbers and residents.
    let mut parties = Vec::with_capacity(form.parties.len());
    for (i, p) in form.parties.iter().enumerate() {
        let row = i + 1;
        let id_number = match p.id_number.trim() {
            "" => None,
            raw => Some(
                IdNumber::parse(raw)
                    .map_err(|e| DisputeError::invalid("parties", format!("第{row}方当事人的身份证号：{e}")))?,
            ),
        };
        let phone = match p.phone.trim() {
            "" => None,
            raw => Some(
                Phone::parse(raw)
                    .map_err(|e| DisputeError::invalid("parties", format!("第{row}方当事人的手机号：{e}")))?,
            ),
        };
        if let Some(resident) = p.resident_id {
            // Only staff link a party to the resident register (within their scope).
            if !matches!(who, Who::Staff(_)) {
                return Err(DisputeError::invalid("parties", "在线申请不能关联居民档案"));
            }
            store
                .residents()
                .get(&scope, resident)
                .await
                .map_err(|_| DisputeError::invalid("parties", format!("第{row}方当事人关联的居民不存在")))?;
        }
        parties.push(NewParty { side: p.side, resident_id: p.resident_id, id_number, phone });
    }
    if let Who::Party(phone) = who
        && !parties.iter().any(|p| p.side == PartySide::Applicant && p.phone.as_ref() == Some(phone))
    {
        return Err(DisputeError::invalid("parties", "在线申请时，申请人的手机号须为您本人的手机号"));
    }

    let amount = Amount::parse_yuan(&form.amount).map_err(|e| DisputeError::invalid("amount", e.to_string()))?;
    let now = store.now();
    let intake = Intake {
        // Provisional: the store allocates the street's next code of the day.
        code: DisputeCode::at(&street, now, 1).map_err(|e| DisputeError::invalid("region", e.to_string()))?,
        dispute_type: form.dispute_type,
        source: form.source,
        referred_case_id: form.referred_case_id,
        level: form.level.unwrap_or_else(|| org.level()),
        org: org.reference(),
        parties: form
            .parties
            .iter()
            .map(|p| PartyInput {
                name: p.name.clone(),
                applicant: p.side == PartySide::Applicant,
                resident_id: p.resident_id,
                consent: p.consent,
            })
            .collect(),
        summary: form.summary.clone(),
        amount,
    };
    let actor = match who {
        // The online intake registers an application (人民调解法 art 17: on a party's request).
        Who::Party(_) => tongxin_domain::mediation::Actor::System,
        _ => domain_actor(store, who, 0, None).await?,
    };
    let decision = decide_register(&actor, &intake, now)?;
    let cal = super::calendar(store).await?;
    let timers = timers_for(&decision.state, &cal);
    let notices = vec![NewNotice {
        kind: "mediation_registered".into(),
        unit: format!("mediation_org:{}", org.id),
        text: format!("新登记纠纷 {{code}}（{}，{}）待受理。", form.dispute_type.label(), form.source.label()),
    }];
    let mut store_actor = who.store_actor();
    if let Who::Party(_) = who {
        store_actor.name = "当事人（线上申请）".into();
    }
    let new = NewDispute {
        street,
        community_code: community,
        grid_code: grid,
        parties,
        decision,
        timers,
        notices,
        created_by: who.user().map(|u| u.id),
        screening_id: screening.map(|s| s.id),
    };
    Ok(Prepared { new, actor: store_actor })
}

/// The desk's own steps taken at registration: who mediates (人民调解法 art 19: the
/// organisation assigns its mediators, or the parties choose theirs) and the first risk
/// assessment (风险研判), by the code of a configured level.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Assignment {
    #[serde(default)]
    pub mediators: Vec<i64>,
    #[serde(default)]
    pub chosen_by_parties: bool,
    #[serde(default)]
    pub risk: Option<String>,
}

impl Assignment {
    fn is_empty(&self) -> bool {
        self.mediators.is_empty() && self.risk.is_none()
    }
}

/// A registration, and why the desk's steps did not follow, if they did not.
#[derive(Debug, Clone)]
pub struct Registered {
    pub dispute: DisputeView,
    /// The dispute is registered but not (fully) assessed, accepted or assigned — someone acted
    /// on it first, or the rules refused: the message to show.
    pub unfinished: Option<String>,
}

/// 登记受理 at the desk in one go (a walk-in at the committee): registers the dispute, then
/// takes the desk's steps named in `desk` (`COORDINATOR_ROLES`), each decided by the rules like
/// any other action — the risk assessment, and with mediators named the acceptance and the
/// assignment. What can be checked before anything is written is: the registrar runs the desk,
/// the risk level is configured, each mediator exists, may act today (art 15) and serves the
/// organisation unless the parties chose them (art 19). The steps are separate decisions: if
/// one is refused after registration, the dispute stays registered and
/// [`Registered::unfinished`] says why.
pub async fn register_and_assign(
    store: &Store,
    who: &Who,
    form: Registration,
    desk: Option<Assignment>,
) -> Result<Registered, DisputeError> {
    let Some(desk) = desk.filter(|a| !a.is_empty()) else {
        return Ok(Registered { dispute: register(store, who, form).await?, unfinished: None });
    };
    if !who.user().is_some_and(|u| COORDINATOR_ROLES.contains(&u.role)) {
        let field = if desk.mediators.is_empty() { "risk" } else { "mediators" };
        return Err(DisputeError::invalid(field, "指派调解员和风险研判由调解组织受理时进行，登记时请不要选择"));
    }
    let risk = match desk.risk.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => {
            let levels = store.mediation().risk_levels().await?;
            let level = find_risk_level(&levels, code)
                .ok_or_else(|| DisputeError::invalid("risk", format!("风险等级“{code}”不存在")))?;
            Some(level.clone())
        }
        None => None,
    };
    if desk.mediators.len() > MAX_MEDIATORS {
        return Err(DisputeError::invalid("mediators", MediationError::MediatorCount.to_string()));
    }
    let today = super::today(store);
    let mut refs = Vec::with_capacity(desk.mediators.len());
    for id in &desk.mediators {
        let record = store.mediation().mediator(*id).await.map_err(|e| match e {
            StoreError::NotFound => DisputeError::invalid("mediators", "所选调解员不存在"),
            other => other.into(),
        })?;
        let m = &record.mediator;
        if !desk.chosen_by_parties && m.org_id != form.org_id {
            return Err(DisputeError::invalid("mediators", format!("调解员{}不属于所选调解组织", m.name)));
        }
        if let Err(e) = m.can_act(today) {
            return Err(DisputeError::invalid("mediators", format!("调解员{}：{e}", m.name)));
        }
        refs.push(m.standing(today));
    }
    let mut d = register(store, who, form).await?;
    let mut steps = Vec::new();
    if let Some(risk) = risk {
        steps.push(Action::AssessRisk { risk, note: String::new() });
    }
    if !refs.is_empty() {
        steps.push(Action::Accept);
        steps.push(Action::AssignMediators { mediators: refs, chosen_by_parties: desk.chosen_by_parties });
    }
    for action in steps {
        let label = action.kind().label();
        match super::act(store, who, d.id, d.version, action).await {
            Ok(next) => d = next,
            Err(e) => {
                return Ok(Registered {
                    dispute: d, unfinished: Some(format!("纠纷已登记，但未能{label}：{e}"))
                });
            }
        }
    }
    Ok(Registered { dispute: d, unfinished: None })
}
