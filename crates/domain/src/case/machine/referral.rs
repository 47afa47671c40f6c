//! 转调解: the case closes by referral to a 人民调解 organisation (see the rules in
//! [`super`]); the dispute itself is registered by the caller in the same transaction.

use super::{DISPATCH_ROLES, Draft, ON_SPOT_ROLES};
use crate::case::action::Actor;
use crate::case::decision::{ClockChange, Event, EventKind, Notice};
use crate::case::error::{TransitionError, required};
use crate::case::status::Status;
use crate::case::unit::Unit;
use serde_json::json;

pub(super) fn refer(d: &mut Draft, actor: &Actor, reason: &str) -> Result<(), TransitionError> {
    let own = actor.unit().cloned();
    let handling_grid_team = matches!(&own, Some(u @ Unit::GridTeam(_)) if d.state.is_lead(u))
        && d.state.status.is_with_unit()
        && actor.has_role(&ON_SPOT_ROLES);
    if !actor.has_role(&DISPATCH_ROLES) && !handling_grid_team {
        return Err(d.forbidden(actor));
    }
    required("转调解理由", reason)?;
    if d.state.status.is_with_unit() {
        let withdrawn: Vec<Unit> = d.state.active_units().filter(|u| Some(*u) != own.as_ref()).cloned().collect();
        for unit in withdrawn {
            d.notify(Notice::Withdrawn { unit });
        }
        d.clock = Some(ClockChange::Stop);
    }
    let s = &mut d.state;
    s.status = Status::Referred;
    s.closed_at = Some(d.now);
    s.extension_pending = None;
    let lead = s.lead.clone();
    let detail = json!({ "by_unit": own.as_ref().map(Unit::key) });
    d.event(Event::new(EventKind::ReferredToMediation, lead, reason.trim()).with(detail));
    d.notify(Notice::ReferredToMediation);
    Ok(())
}
