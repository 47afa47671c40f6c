//! 告知, 转送交办, 异议 and 受理 (《信访工作条例》arts 22–23).

use super::{Draft, INTAKE_ROLES};
use crate::case::Unit;
use crate::case::deadline::shanghai_date;
use crate::petition::action::{Actor, TransferMode};
use crate::petition::clock::ClockKind;
use crate::petition::decision::{Event, EventKind, Notice};
use crate::petition::error::{TransitionError, optional, required};
use crate::petition::state::{Objection, Transfer};
use crate::petition::status::Status;
use serde_json::json;

/// 书面告知 of receipt, route and procedure (arts 22–23).
pub(super) fn notify(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), TransitionError> {
    d.require_role(actor, &INTAKE_ROLES)?;
    let note = required("告知内容", note)?;
    d.state.status = Status::Notified;
    d.state.notified_at = Some(d.now);
    d.event(Event::new(EventKind::Notified, None, note));
    d.notify(Notice::Petitioner { about: EventKind::Notified });
    Ok(())
}

/// 转送/交办 (art 22); not to a unit whose objection was agreed.
pub(super) fn transfer(
    d: &mut Draft,
    actor: &Actor,
    unit: &Unit,
    mode: TransferMode,
    note: &str,
) -> Result<(), TransitionError> {
    d.require_role(actor, &INTAKE_ROLES)?;
    let note = optional("转送说明", note)?;
    if d.state.released.contains(unit) {
        return Err(TransitionError::Released { unit: unit.clone() });
    }
    d.state.status = Status::Transferred;
    d.state.transfer = Some(Transfer { unit: unit.clone(), mode, at: d.now, objection: None });
    let text = if note.is_empty() {
        format!("{}至{unit}", mode.label())
    } else {
        format!("{}至{unit}：{note}", mode.label())
    };
    d.event(Event::new(EventKind::Transferred, Some(unit.clone()), text).with(json!({ "mode": mode.as_str() })));
    d.notify(Notice::Unit { unit: unit.clone(), about: EventKind::Transferred });
    Ok(())
}

/// 异议 within 5 working days of receipt, with reasons (art 23).
pub(super) fn object(d: &mut Draft, actor: &Actor, reason: &str) -> Result<(), TransitionError> {
    let Some(transfer) = d.state.transfer.clone() else {
        return Err(TransitionError::NotAllowed { status: d.state.status, action: d.kind });
    };
    match actor {
        Actor::Staff { unit: Some(u), .. } if *u == transfer.unit => {}
        Actor::Staff { .. } => return Err(TransitionError::NotYourUnit { unit: transfer.unit }),
        _ => return Err(d.forbidden(actor)),
    }
    if transfer.objection.is_some() {
        return Err(TransitionError::AlreadyObjected);
    }
    let reason = required("异议理由", reason)?;
    let expired = ClockKind::Objection.span().due_on(shanghai_date(transfer.at), d.cal);
    if d.today() > expired {
        return Err(TransitionError::ObjectionExpired { expired });
    }
    d.state.status = Status::Objected;
    if let Some(t) = d.state.transfer.as_mut() {
        t.objection = Some(Objection { reason: reason.clone(), at: d.now });
    }
    d.event(Event::new(EventKind::Objected, Some(transfer.unit), reason));
    d.notify(Notice::Intake { about: EventKind::Objected });
    Ok(())
}

/// 核实异议 (art 23): agreed, the petition is back with the office to transfer elsewhere;
/// not agreed (with a reason), the unit keeps it and must handle it.
pub(super) fn decide_objection(d: &mut Draft, actor: &Actor, agree: bool, note: &str) -> Result<(), TransitionError> {
    d.require_role(actor, &INTAKE_ROLES)?;
    let note = if agree { optional("核实意见", note)? } else { required("不同意异议的理由", note)? };
    let Some(unit) = d.state.holder().cloned() else {
        return Err(TransitionError::NotAllowed { status: d.state.status, action: d.kind });
    };
    let kind = if agree {
        d.state.status = Status::Notified;
        d.state.transfer = None;
        d.state.released.push(unit.clone());
        EventKind::ObjectionAgreed
    } else {
        d.state.status = Status::Transferred;
        EventKind::ObjectionRefused
    };
    d.event(Event::new(kind, Some(unit.clone()), note));
    d.notify(Notice::Unit { unit, about: kind });
    Ok(())
}

/// 受理 by the holder, and the written notice to the petitioner that goes with it (art 23).
pub(super) fn accept(d: &mut Draft, actor: &Actor) -> Result<(), TransitionError> {
    d.require_handler(actor)?;
    d.state.status = Status::Handling;
    d.state.accepted_at = Some(d.now);
    let unit = d.state.holder().cloned();
    let note = match &unit {
        Some(u) => format!("{u}受理"),
        None => "本机关受理".to_string(),
    };
    d.event(Event::new(EventKind::Accepted, unit, note));
    d.notify(Notice::Petitioner { about: EventKind::Accepted });
    Ok(())
}
