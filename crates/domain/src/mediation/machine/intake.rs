//! 登记, 受理, 当事人意愿, 指派, 流转 and 撤回.

use super::{COORDINATOR_ROLES, Draft, REGISTER_ROLES};
use crate::kernel::text::{Note, PersonName};
use crate::mediation::action::Actor;
use crate::mediation::clock::mediation_deadline;
use crate::mediation::code::DisputeCode;
use crate::mediation::confirmation::Confirmation;
use crate::mediation::decision::{Decision, Event, EventKind, Notice};
use crate::mediation::error::MediationError;
use crate::mediation::kinds::{DisputeType, Level, Source};
use crate::mediation::mediator::MediatorRef;
use crate::mediation::state::{Consent, ConsentForm, DisputeState, MAX_MEDIATORS, MAX_PARTIES, OrgRef, Party};
use crate::mediation::status::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A party as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyInput {
    pub name: String,
    pub applicant: bool,
    pub resident_id: Option<i64>,
    /// The consent given with the application, if any (an application is a request to mediate:
    /// art 17); `None` leaves it to be asked.
    pub consent: Option<ConsentForm>,
}

/// What registration records (调解登记).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// The code the store allocated (一案一编码).
    pub code: DisputeCode,
    pub dispute_type: DisputeType,
    pub source: Source,
    pub referred_case_id: Option<i64>,
    /// The level that first handles it (a grid worker's 先行调解 is `grid`).
    pub level: Level,
    /// The organisation that is to accept it.
    pub org: OrgRef,
    pub parties: Vec<PartyInput>,
    pub summary: String,
    /// 争议金额, if money is in dispute.
    #[serde(default)]
    pub amount: Option<crate::mediation::amount::Amount>,
}

/// Registers a dispute at `now`: 2–20 named parties, a summary (≤ 4000 characters), a case id
/// exactly for a case referral. Returns the new state (version 1) and its first event.
pub fn register(actor: &Actor, intake: &Intake, now: DateTime<Utc>) -> Result<Decision, MediationError> {
    super::check_standing(actor)?;
    if !(actor.has_role(&REGISTER_ROLES) || *actor == Actor::System) {
        return Err(MediationError::Forbidden { actor: actor.label(), action: "登记纠纷" });
    }
    let n = intake.parties.len();
    if !(2..=MAX_PARTIES).contains(&n) {
        return Err(MediationError::PartyCount(n));
    }
    match (intake.source, intake.referred_case_id) {
        (Source::CaseReferral, None) => return Err(MediationError::NoReferredCase),
        (Source::CaseReferral, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err(MediationError::UnexpectedReferredCase),
    }
    let parties = intake
        .parties
        .iter()
        .map(|p| {
            Ok(Party {
                name: PersonName::named("当事人姓名（名称）", &p.name)?.into_string(),
                applicant: p.applicant,
                resident_id: p.resident_id,
                consent: p.consent.map_or(Consent::Pending, |form| Consent::Given { form, at: now }),
            })
        })
        .collect::<Result<Vec<_>, MediationError>>()?;
    let summary = Note::named("纠纷简要情况", &intake.summary)?.into_string();
    let state = DisputeState {
        code: intake.code.clone(),
        status: Status::Registered,
        dispute_type: intake.dispute_type,
        source: intake.source,
        referred_case_id: intake.referred_case_id,
        level: intake.level,
        org: intake.org,
        parties,
        summary,
        amount: intake.amount,
        mediators: Vec::new(),
        chosen_by_parties: false,
        risk: None,
        registered_at: now,
        accepted_at: None,
        deadline: None,
        extension_days: 0,
        sessions: 0,
        last_session_on: None,
        agreement: None,
        performance: Vec::new(),
        follow_ups: 0,
        supervisions: 0,
        last_supervised_at: None,
        violence_reported_at: None,
        failure: None,
        closed_at: None,
        confirmation: Confirmation::default(),
        version: 1,
    };
    let detail = json!({ "source": intake.source.as_str(), "org": intake.org.id, "level": intake.level.as_str() });
    let event = Event::new(EventKind::Registered, "").with(detail);
    Ok(Decision { state, events: vec![event], notices: Vec::new() })
}

pub(super) fn accept(d: &mut Draft, actor: &Actor) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, false)?;
    let deadline = mediation_deadline(d.now, d.state.extension_days);
    d.state.status = Status::Accepted;
    d.state.accepted_at = Some(d.now);
    d.state.deadline = Some(deadline);
    d.event(Event::new(EventKind::Accepted, "").with(json!({ "deadline": deadline })));
    Ok(())
}

pub(super) fn record_consent(
    d: &mut Draft,
    actor: &Actor,
    party: u8,
    consent: bool,
    form: ConsentForm,
    note: &str,
) -> Result<(), MediationError> {
    match actor {
        Actor::Party { index } if *index == party => {}
        _ => d.allow(actor, &COORDINATOR_ROLES, true)?,
    }
    let note = Note::optional_named("说明", note)?.map(Note::into_string).unwrap_or_default();
    let now = d.now;
    let p = d.state.parties.get_mut(usize::from(party)).ok_or(MediationError::UnknownParty(party.saturating_add(1)))?;
    if p.consent != Consent::Pending {
        return Err(MediationError::AlreadyAnswered(p.name.clone()));
    }
    let detail = json!({ "party": party, "name": p.name, "form": form.as_str() });
    if consent {
        p.consent = Consent::Given { form, at: now };
        d.event(Event::new(EventKind::ConsentGiven, note).with(detail));
    } else {
        // 人民调解法 art 17: 一方明确拒绝的，不得调解.
        p.consent = Consent::Refused { form, at: now };
        d.state.status = Status::Refused;
        d.event(Event::new(EventKind::ConsentRefused, note).with(detail));
        d.release_mediators();
    }
    Ok(())
}

pub(super) fn assign(
    d: &mut Draft,
    actor: &Actor,
    mediators: &[MediatorRef],
    chosen_by_parties: bool,
) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, false)?;
    if mediators.is_empty() || mediators.len() > MAX_MEDIATORS {
        return Err(MediationError::MediatorCount);
    }
    for (i, m) in mediators.iter().enumerate() {
        if mediators[..i].iter().any(|o| o.id == m.id) {
            return Err(MediationError::DuplicateMediator(m.id));
        }
        // 人民调解法 art 15: a removed mediator may not be given a dispute.
        if !m.active {
            return Err(MediationError::MediatorNotActive(m.id));
        }
    }
    let new: Vec<i64> = mediators.iter().map(|m| m.id).collect();
    let old = std::mem::replace(&mut d.state.mediators, new.clone());
    for m in old.iter().filter(|m| !new.contains(m)) {
        d.notify(Notice::Unassigned { mediator: *m });
    }
    for m in new.iter().filter(|m| !old.contains(m)) {
        d.notify(Notice::Assigned { mediator: *m });
    }
    // 人民调解法 art 19: assigned by the committee, or chosen by the parties.
    d.state.chosen_by_parties = chosen_by_parties;
    let note = if chosen_by_parties { "当事人选择" } else { "调解组织指定" };
    d.event(Event::new(EventKind::MediatorsAssigned, note).with(json!({ "mediators": new })));
    Ok(())
}

pub(super) fn transfer(d: &mut Draft, actor: &Actor, to: &OrgRef, reason: &str) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, false)?;
    if to.id == d.state.org.id {
        return Err(MediationError::SameOrg);
    }
    let reason = Note::named("流转原因", reason)?.into_string();
    d.release_mediators();
    let from = d.state.org;
    let s = &mut d.state;
    s.status = Status::Registered;
    s.org = *to;
    s.level = to.level;
    s.mediators.clear();
    s.chosen_by_parties = false;
    s.accepted_at = None;
    s.deadline = None;
    s.extension_days = 0;
    let detail = json!({ "from": from.id, "to": to.id, "kind": to.kind.as_str(), "level": to.level.as_str() });
    d.event(Event::new(EventKind::Transferred, reason).with(detail));
    d.notify(Notice::Transferred { org: to.id });
    Ok(())
}

pub(super) fn withdraw(d: &mut Draft, actor: &Actor, reason: &str) -> Result<(), MediationError> {
    match actor {
        Actor::Party { index } => match d.state.parties.get(usize::from(*index)) {
            Some(p) if p.applicant => {}
            Some(_) => return Err(MediationError::NotApplicant),
            None => return Err(d.forbidden(actor)),
        },
        _ => d.allow(actor, &COORDINATOR_ROLES, false)?,
    }
    let reason = Note::optional_named("撤回原因", reason)?.map(Note::into_string).unwrap_or_default();
    d.state.status = Status::Withdrawn;
    d.event(Event::new(EventKind::Withdrawn, reason));
    d.release_mediators();
    Ok(())
}
