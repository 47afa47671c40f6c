//! 调解记录, 调解协议 and its signing, 终止调解, 延长调解期限.

use super::{COORDINATOR_ROLES, Draft};
use crate::case::deadline::shanghai_date;
use crate::kernel::text::{Address, Label, Lines, Note, check};
use crate::mediation::action::{Actor, SessionPlace};
use crate::mediation::agreement::{Agreement, AgreementDraftForm, AgreementForm, OralAgreement};
use crate::mediation::clock::{MAX_EXTENSION_DAYS, MAX_TOTAL_EXTENSION_DAYS, mediation_deadline};
use crate::mediation::decision::{Event, EventKind, Notice};
use crate::mediation::error::MediationError;
use crate::mediation::org::OrgKind;
use crate::mediation::state::{AgreementRecord, Consent, Failure, PerformanceItem, Route};
use crate::mediation::status::Status;
use chrono::NaiveDate;
use serde_json::json;

/// The most attendees one session record lists.
pub const MAX_ATTENDEES: usize = 30;
/// The longest file reference of a signed scan.
const MAX_SCAN_CHARS: usize = 200;

pub(super) fn session(
    d: &mut Draft,
    actor: &Actor,
    held_on: NaiveDate,
    place: &SessionPlace,
    attendees: &[String],
    notes: &str,
) -> Result<(), MediationError> {
    d.allow(actor, &[], true)?;
    // 人民调解法 art 17: no mediation while a party has not agreed to it.
    let missing: Vec<&str> = d
        .state
        .parties
        .iter()
        .filter(|p| !matches!(p.consent, Consent::Given { .. }))
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(MediationError::ConsentMissing(missing.join("、")));
    }
    if held_on > d.today() {
        return Err(MediationError::DateInFuture("调解日期"));
    }
    if let Some(accepted) = d.state.accepted_at.map(shanghai_date)
        && held_on < accepted
    {
        return Err(MediationError::DateTooEarly { field: "调解日期", earlier: "受理日期", date: accepted });
    }
    let place = match place {
        SessionPlace::Offline { address } => Address::named("调解地点", address)?.into_string(),
        SessionPlace::Online => "线上调解".to_string(),
    };
    if attendees.is_empty() || attendees.len() > MAX_ATTENDEES {
        return Err(MediationError::Attendees { max: MAX_ATTENDEES });
    }
    let attendees =
        attendees.iter().map(|a| Label::named("参加人员", a).map(Label::into_string)).collect::<Result<Vec<_>, _>>()?;
    // 人民调解法 art 27: the mediator records the mediation.
    let notes = Note::named("调解记录", notes)?.into_string();
    d.state.status = Status::Mediating;
    d.state.sessions = d.state.sessions.saturating_add(1);
    d.state.last_session_on = Some(held_on);
    let detail = json!({ "held_on": held_on, "place": place, "attendees": attendees });
    d.event(Event::new(EventKind::SessionHeld, notes).with(detail));
    Ok(())
}

pub(super) fn agreement(d: &mut Draft, actor: &Actor, draft: &AgreementDraftForm) -> Result<(), MediationError> {
    d.allow(actor, &[], true)?;
    let today = d.today();
    let form = match draft {
        AgreementDraftForm::Written(w) => {
            let a = Agreement::from_draft(w, &d.state.code, today)?;
            same_parties(&d.state.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), &a)?;
            AgreementForm::Written(a)
        }
        AgreementDraftForm::Oral(o) => AgreementForm::Oral(OralAgreement::from_draft(o, d.state.parties.len(), today)?),
    };
    let written = form.is_written();
    d.event(Event::new(EventKind::AgreementRecorded, form.label()).with(json!({ "written": written })));
    d.state.agreement = Some(AgreementRecord { agreement: form, recorded_at: d.now, effective_on: None, scan: None });
    if written {
        d.state.status = Status::Agreed;
    } else {
        // 人民调解法 art 30: an oral agreement takes effect the day it is reached.
        take_effect(d, None);
    }
    Ok(())
}

/// The written agreement names the dispute's parties, in order.
fn same_parties(names: &[&str], a: &Agreement) -> Result<(), MediationError> {
    for (i, name) in names.iter().enumerate() {
        if a.parties.get(i).is_none_or(|p| p.name != *name) {
            return Err(MediationError::AgreementParties(format!("第{}方应为“{name}”", i + 1)));
        }
    }
    if let Some(extra) = a.parties.get(names.len()) {
        return Err(MediationError::AgreementParties(format!("“{}”不是本纠纷的当事人", extra.name)));
    }
    Ok(())
}

/// The agreement takes effect today: performance is followed from now on (art 31).
fn take_effect(d: &mut Draft, scan: Option<String>) {
    let today = d.today();
    let Some(record) = d.state.agreement.as_mut() else { return };
    record.effective_on = Some(today);
    record.scan = scan;
    let items = record.agreement.items().to_vec();
    d.state.performance =
        items.into_iter().map(|term| PerformanceItem { term, result: None, recorded_on: None }).collect();
    d.state.status = Status::Performing;
    d.event(Event::new(EventKind::AgreementEffective, "").with(json!({ "effective_on": today })));
}

pub(super) fn sign(
    d: &mut Draft,
    actor: &Actor,
    parties_signed: bool,
    mediator_signed: bool,
    sealed: bool,
    scan: Option<&str>,
) -> Result<(), MediationError> {
    d.allow(actor, &[], true)?;
    // 人民调解法 art 29: effective once every party signed (盖章/按指印), the mediator signed
    // and the committee's seal is on it.
    let seal = if d.state.org.kind == OrgKind::PeoplesCommittee {
        "人民调解委员会印章"
    } else {
        "调解组织印章"
    };
    let missing: Vec<&str> =
        [(parties_signed, "各方当事人签名、盖章或者按指印"), (mediator_signed, "调解员签名"), (sealed, seal)]
            .into_iter()
            .filter(|(done, _)| !done)
            .map(|(_, what)| what)
            .collect();
    if !missing.is_empty() {
        return Err(MediationError::NotSigned(missing.join("、")));
    }
    let scan = match scan {
        Some(s) => {
            let s = check("协议扫描件", s, MAX_SCAN_CHARS, Lines::One)?;
            (!s.is_empty()).then_some(s)
        }
        None => None,
    };
    take_effect(d, scan);
    Ok(())
}

pub(super) fn terminate(d: &mut Draft, actor: &Actor, reason: &str, routes: &[Route]) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, true)?;
    let reason = Note::named("终止原因", reason)?.into_string();
    // 人民调解法 art 26: the parties are told of arbitration, administrative and judicial routes.
    if routes.is_empty() {
        return Err(MediationError::NoRoutes);
    }
    for (i, r) in routes.iter().enumerate() {
        if routes[..i].contains(r) {
            return Err(MediationError::DuplicateRoute(*r));
        }
    }
    d.state.status = Status::Failed;
    d.state.failure = Some(Failure { reason: reason.clone(), routes: routes.to_vec() });
    let codes: Vec<&str> = routes.iter().map(|r| r.as_str()).collect();
    d.event(Event::new(EventKind::Terminated, reason).with(json!({ "routes": codes })));
    d.notify(Notice::Failed { routes: routes.to_vec() });
    Ok(())
}

pub(super) fn extend(
    d: &mut Draft,
    actor: &Actor,
    days: u32,
    consents: &[u8],
    reason: &str,
) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, true)?;
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(MediationError::ExtensionDays);
    }
    let total = d.state.extension_days.saturating_add(days);
    if total > MAX_TOTAL_EXTENSION_DAYS {
        return Err(MediationError::ExtensionTotal);
    }
    if let Some(bad) = consents.iter().find(|i| usize::from(**i) >= d.state.parties.len()) {
        return Err(MediationError::UnknownParty(bad.saturating_add(1)));
    }
    // Only with every party's consent (若干规定 art 33 practice; 深圳条例 art 25).
    let missing: Vec<&str> = d
        .state
        .parties
        .iter()
        .enumerate()
        .filter(|(i, _)| !consents.iter().any(|c| usize::from(*c) == *i))
        .map(|(_, p)| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(MediationError::ExtensionConsent(missing.join("、")));
    }
    let reason = Note::named("延长原因", reason)?.into_string();
    d.state.extension_days = total;
    if let Some(accepted_at) = d.state.accepted_at {
        d.state.deadline = Some(mediation_deadline(accepted_at, total));
    }
    let detail = json!({ "days": days, "total": total, "deadline": d.state.deadline, "consents": consents });
    d.event(Event::new(EventKind::LimitExtended, reason).with(detail));
    Ok(())
}
