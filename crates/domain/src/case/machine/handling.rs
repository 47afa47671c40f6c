//! 签收, 退单, 延期, 督办, 办理报告 and 联系诉求人: while units hold the case.

use super::{DISPATCH_ROLES, Draft, SUPERVISOR_ROLES};
use crate::case::action::Actor;
use crate::case::deadline::TimeLimit;
use crate::case::decision::{ClockChange, Event, EventKind, Notice, supervision_label};
use crate::case::error::{TransitionError, optional, required};
use crate::case::state::{ExtensionRequest, MAX_SUPERVISION_LEVEL};
use crate::case::status::Status;
use crate::case::unit::Unit;
use serde_json::json;

pub(super) fn acknowledge(d: &mut Draft, actor: &Actor, unit: &Unit) -> Result<(), TransitionError> {
    d.require_unit(actor, unit)?;
    d.require_participant(unit)?;
    let now = d.now;
    let lead = d.state.is_lead(unit);
    let Some(p) = d.state.active_participant_mut(unit) else {
        return Err(TransitionError::NotParticipant { unit: unit.clone() });
    };
    if p.acknowledged_at.is_some() {
        return Err(TransitionError::AlreadyAcknowledged { unit: unit.clone() });
    }
    p.acknowledged_at = Some(now);
    if lead {
        d.state.status = Status::Acknowledged;
    }
    let note = if lead { "牵头单位签收" } else { "协办单位报到" };
    d.event(Event::new(EventKind::Acknowledged, Some(unit.clone()), note).with(json!({ "lead": lead })));
    Ok(())
}

pub(super) fn return_case(
    d: &mut Draft,
    actor: &Actor,
    unit: &Unit,
    reason: &str,
    override_by_dispatcher: bool,
) -> Result<(), TransitionError> {
    if override_by_dispatcher {
        if !actor.has_role(&DISPATCH_ROLES) {
            return Err(TransitionError::OverrideNotAllowed);
        }
    } else {
        d.require_unit(actor, unit)?;
    }
    d.require_participant(unit)?;
    if d.state.active_participant(unit).is_some_and(|p| p.reported_at.is_some()) {
        return Err(TransitionError::AlreadyReported { unit: unit.clone() });
    }
    if !override_by_dispatcher && d.state.returned_by.contains(unit) {
        return Err(TransitionError::ReturnedTwice { unit: unit.clone() });
    }
    required("退单理由", reason)?;
    // A withdrawal by the dispatch centre (改派) is not the unit's own return.
    if !override_by_dispatcher && !d.state.returned_by.contains(unit) {
        d.state.returned_by.push(unit.clone());
    }
    let lead = d.state.is_lead(unit);
    if lead {
        // The whole case goes back to the dispatch centre's queue.
        let others: Vec<Unit> = d.state.active_units().filter(|u| *u != unit).cloned().collect();
        for other in others {
            d.notify(Notice::Withdrawn { unit: other });
        }
        let s = &mut d.state;
        s.status = Status::Accepted;
        s.lead = None;
        s.participants.clear();
        s.extension_pending = None;
        d.clock = Some(ClockChange::Stop);
    } else if let Some(p) = d.state.active_participant_mut(unit) {
        p.returned = true;
    }
    if override_by_dispatcher {
        d.notify(Notice::Withdrawn { unit: unit.clone() });
    } else {
        d.notify(Notice::Returned { unit: unit.clone() });
    }
    d.event(Event::new(EventKind::Returned, Some(unit.clone()), reason.trim()).with(json!({
        "lead": lead,
        "override_by_dispatcher": override_by_dispatcher,
    })));
    Ok(())
}

pub(super) fn request_extension(
    d: &mut Draft,
    actor: &Actor,
    unit: &Unit,
    extra: &TimeLimit,
    reason: &str,
) -> Result<(), TransitionError> {
    d.require_unit(actor, unit)?;
    d.require_participant(unit)?;
    if !d.state.is_lead(unit) {
        return Err(TransitionError::LeadOnly { action: d.kind });
    }
    if d.state.extension_pending.is_some() {
        return Err(TransitionError::ExtensionPending);
    }
    if extra.is_zero() {
        return Err(TransitionError::ZeroExtension);
    }
    if let Some(max) =
        extra.above(crate::case::deadline::MAX_EXTENSION_HOURS, crate::case::deadline::MAX_EXTENSION_WORKING_DAYS)
    {
        return Err(TransitionError::ExtensionTooLong { max });
    }
    required("延期理由", reason)?;
    d.state.extension_pending = Some(ExtensionRequest {
        unit: unit.clone(),
        extra: *extra,
        reason: reason.trim().to_string(),
        requested_at: d.now,
    });
    d.event(
        Event::new(EventKind::ExtensionRequested, Some(unit.clone()), format!("申请延期{extra}：{}", reason.trim()))
            .with(json!({ "extra": extra, "reason": reason.trim() })),
    );
    d.notify(Notice::ExtensionRequested { unit: unit.clone() });
    Ok(())
}

pub(super) fn decide_extension(d: &mut Draft, actor: &Actor, approve: bool, note: &str) -> Result<(), TransitionError> {
    d.require_role(actor, &SUPERVISOR_ROLES)?;
    let Some(req) = d.state.extension_pending.clone() else {
        return Err(TransitionError::NoExtensionPending);
    };
    if approve {
        optional("审批意见", note)?;
    } else {
        required("不同意延期的理由", note)?;
    }
    d.state.extension_pending = None;
    let kind = if approve {
        d.clock = Some(ClockChange::Extend(req.extra));
        EventKind::ExtensionApproved
    } else {
        EventKind::ExtensionRefused
    };
    d.event(
        Event::new(kind, Some(req.unit.clone()), note.trim()).with(json!({ "extra": req.extra, "reason": req.reason })),
    );
    d.notify(Notice::ExtensionDecided { unit: req.unit, approved: approve });
    Ok(())
}

pub(super) fn supervise(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), TransitionError> {
    match actor {
        Actor::System if !d.state.is_overdue(d.now) => return Err(TransitionError::NotOverdue),
        Actor::System => {}
        _ => d.require_role(actor, &SUPERVISOR_ROLES)?,
    }
    if d.state.supervision_level >= MAX_SUPERVISION_LEVEL {
        return Err(TransitionError::SupervisionMaxed);
    }
    optional("督办意见", note)?;
    d.state.supervision_level += 1;
    let level = d.state.supervision_level;
    let note = match (note.trim(), actor) {
        ("", Actor::System) => "超期未办结，自动督办".to_string(),
        ("", _) => supervision_label(level).to_string(),
        (n, _) => n.to_string(),
    };
    let lead = d.state.lead.clone();
    d.event(
        Event::new(EventKind::Supervised, lead.clone(), note)
            .with(json!({ "level": level, "label": supervision_label(level) })),
    );
    d.notify(Notice::Supervised { unit: lead, level });
    Ok(())
}

pub(super) fn report(
    d: &mut Draft,
    actor: &Actor,
    unit: &Unit,
    reply: &str,
    evidence: &[String],
) -> Result<(), TransitionError> {
    d.require_unit(actor, unit)?;
    d.require_participant(unit)?;
    required("办理结果", reply)?;
    for e in evidence {
        required("佐证材料", e)?;
    }
    let now = d.now;
    let lead = d.state.is_lead(unit);
    let Some(p) = d.state.active_participant_mut(unit) else {
        return Err(TransitionError::NotParticipant { unit: unit.clone() });
    };
    if p.acknowledged_at.is_none() {
        return Err(TransitionError::NotAcknowledged { unit: unit.clone() });
    }
    if p.reported_at.is_some() {
        return Err(TransitionError::AlreadyReported { unit: unit.clone() });
    }
    p.reported_at = Some(now);
    let detail = json!({ "lead": lead, "evidence": evidence });
    if lead {
        let s = &mut d.state;
        s.status = Status::Handled;
        s.handled_at = Some(now);
        s.reply = Some(reply.trim().to_string());
        s.evidence = evidence.to_vec();
        // A pending extension is moot once the lead has finished.
        s.extension_pending = None;
        d.clock = Some(ClockChange::Stop);
        d.event(Event::new(EventKind::Handled, Some(unit.clone()), reply.trim()).with(detail));
        d.notify(Notice::Handled);
    } else {
        d.event(Event::new(EventKind::Reported, Some(unit.clone()), reply.trim()).with(detail));
    }
    Ok(())
}

pub(super) fn contact(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), TransitionError> {
    if !actor.has_role(&DISPATCH_ROLES) {
        match actor.unit() {
            Some(u) if d.state.active_participant(u).is_some() => {}
            Some(u) if matches!(actor, Actor::Staff { .. }) => {
                return Err(TransitionError::NotParticipant { unit: u.clone() });
            }
            _ => return Err(d.forbidden(actor)),
        }
    }
    optional("联系情况", note)?;
    let first = d.state.first_contact_at.is_none();
    d.state.first_contact_at.get_or_insert(d.now);
    d.event(Event::new(EventKind::Contacted, actor.unit().cloned(), note.trim()).with(json!({ "first": first })));
    Ok(())
}
