//! 立案, 不予立案, 派遣 (吹哨), 合并 and 就地解决: the dispatch centre's side.

use super::{DISPATCH_ROLES, Draft, ON_SPOT_ROLES, keys};
use crate::case::action::Actor;
use crate::case::decision::{ClockChange, Event, EventKind, Notice};
use crate::case::error::{TransitionError, required};
use crate::case::state::Participant;
use crate::case::status::{Channel, Status};
use crate::case::unit::Unit;
use serde_json::json;

pub(super) fn accept(d: &mut Draft, actor: &Actor) -> Result<(), TransitionError> {
    d.require_role(actor, &DISPATCH_ROLES)?;
    d.state.status = Status::Accepted;
    d.event(Event::new(EventKind::Accepted, None, ""));
    Ok(())
}

pub(super) fn reject(d: &mut Draft, actor: &Actor, reason: &str) -> Result<(), TransitionError> {
    d.require_role(actor, &DISPATCH_ROLES)?;
    required("不予立案理由", reason)?;
    d.state.status = Status::Rejected;
    d.event(Event::new(EventKind::Rejected, None, reason.trim()));
    d.notify(Notice::Rejected);
    Ok(())
}

pub(super) fn dispatch(
    d: &mut Draft,
    actor: &Actor,
    lead: &Unit,
    assisting: &[Unit],
    auto: bool,
) -> Result<(), TransitionError> {
    match (actor, auto) {
        (Actor::System, true) => {}
        (Actor::System, false) => return Err(d.forbidden(actor)),
        (_, true) => return Err(TransitionError::AutoDispatchBySystemOnly),
        (_, false) => d.require_role(actor, &DISPATCH_ROLES)?,
    }
    for (i, a) in assisting.iter().enumerate() {
        if a == lead {
            return Err(TransitionError::LeadAmongAssisting);
        }
        if assisting[..i].contains(a) {
            return Err(TransitionError::DuplicateAssisting { unit: a.clone() });
        }
    }
    if d.state.status == Status::Received {
        d.event(Event::new(EventKind::Accepted, None, "派遣时一并立案"));
    }
    let now = d.now;
    let s = &mut d.state;
    s.status = Status::Dispatched;
    s.lead = Some(lead.clone());
    s.participants = std::iter::once(lead).chain(assisting).cloned().map(Participant::new).collect();
    s.first_receiver.get_or_insert_with(|| lead.clone());
    s.dispatched_at = Some(now);
    s.extension_pending = None;

    let mut note = format!("派往{lead}（牵头）");
    if !assisting.is_empty() {
        let names: Vec<String> = assisting.iter().map(Unit::to_string).collect();
        note.push_str(&format!("；吹哨协办：{}", names.join("、")));
    }
    if auto {
        note.push_str("；按派单规则自动派单");
    }
    d.event(Event::new(EventKind::Dispatched, Some(lead.clone()), note).with(json!({
        "lead": lead.key(),
        "assisting": keys(assisting),
        "auto": auto,
        "joint": !assisting.is_empty(),
    })));
    d.notify(Notice::Dispatched { unit: lead.clone(), lead: true });
    for a in assisting {
        d.notify(Notice::Dispatched { unit: a.clone(), lead: false });
    }
    d.clock = Some(ClockChange::Start);
    Ok(())
}

pub(super) fn merge(d: &mut Draft, actor: &Actor, into: i64) -> Result<(), TransitionError> {
    d.require_role(actor, &DISPATCH_ROLES)?;
    if into <= 0 {
        return Err(TransitionError::InvalidMergeTarget);
    }
    if d.state.status.is_with_unit() {
        let withdrawn: Vec<Unit> = d.state.active_units().cloned().collect();
        for unit in withdrawn {
            d.notify(Notice::Withdrawn { unit });
        }
        d.clock = Some(ClockChange::Stop);
    }
    d.state.status = Status::Merged;
    d.state.merged_into = Some(into);
    d.state.extension_pending = None;
    d.event(
        Event::new(EventKind::Merged, None, format!("与诉求#{into}重复，合并办理"))
            .with(json!({ "into_case_id": into })),
    );
    d.notify(Notice::Merged { into_case_id: into });
    Ok(())
}

pub(super) fn handle_on_spot(d: &mut Draft, actor: &Actor, reply: &str) -> Result<(), TransitionError> {
    if d.state.channel == Channel::Hotline && actor.has_role(&DISPATCH_ROLES) {
        return answer_on_call(d, reply);
    }
    d.require_role(actor, &ON_SPOT_ROLES)?;
    let unit = actor.unit().cloned().ok_or(TransitionError::NoUnit { action: d.kind })?;
    if d.state.channel != Channel::Patrol {
        return Err(TransitionError::NotPatrol);
    }
    required("处理结果", reply)?;
    let now = d.now;
    let s = &mut d.state;
    s.status = Status::Closed;
    s.lead = Some(unit.clone());
    s.first_receiver.get_or_insert_with(|| unit.clone());
    s.participants =
        vec![Participant { acknowledged_at: Some(now), reported_at: Some(now), ..Participant::new(unit.clone()) }];
    s.dispatched_at = Some(now);
    s.handled_at = Some(now);
    s.closed_at = Some(now);
    s.reply = Some(reply.trim().to_string());
    d.event(Event::new(EventKind::HandledOnSpot, Some(unit), reply.trim()));
    d.notify(Notice::Closed);
    Ok(())
}

/// 咨询 answered on the phone (北京市接诉即办工作条例 art 11: a question is answered at once
/// where possible): the hotline operator closes the call's case with the answer given. No unit
/// handles it, so no unit's 三率 counts it. Which calls are questions (the category's kind) is
/// checked at intake, where the category is known.
fn answer_on_call(d: &mut Draft, answer: &str) -> Result<(), TransitionError> {
    required("答复内容", answer)?;
    let now = d.now;
    let s = &mut d.state;
    s.status = Status::Closed;
    s.handled_at = Some(now);
    s.closed_at = Some(now);
    s.reply = Some(answer.trim().to_string());
    d.event(Event::new(EventKind::AnsweredOnCall, None, answer.trim()));
    d.notify(Notice::Closed);
    Ok(())
}
