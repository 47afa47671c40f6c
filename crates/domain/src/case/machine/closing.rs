//! 核查, 结案 and 回访评价 (with 重办).

use super::{DISPATCH_ROLES, Draft, VERIFIER_ROLES};
use crate::case::action::Actor;
use crate::case::decision::{Event, EventKind, Notice};
use crate::case::error::{TransitionError, optional, required};
use crate::case::state::Rating;
use crate::case::status::{Satisfaction, Status};
use serde_json::json;

pub(super) fn verify(d: &mut Draft, actor: &Actor, ok: bool, note: &str) -> Result<(), TransitionError> {
    match actor {
        Actor::Requester => {}
        Actor::Staff { unit, .. } => {
            d.require_role(actor, &VERIFIER_ROLES)?;
            if unit.is_some() && *unit == d.state.lead {
                return Err(TransitionError::SelfVerification);
            }
        }
        Actor::System => return Err(d.forbidden(actor)),
    }
    if ok {
        optional("核查意见", note)?;
    } else {
        required("核查意见", note)?;
    }
    let lead = d.state.lead.clone();
    let by_requester = matches!(actor, Actor::Requester);
    let detail = json!({ "by_requester": by_requester });
    if ok {
        d.state.status = Status::Verified;
        d.event(Event::new(EventKind::Verified, lead, note.trim()).with(detail));
    } else {
        d.back_to_lead();
        d.event(Event::new(EventKind::VerificationFailed, lead.clone(), note.trim()).with(detail));
        if let Some(unit) = lead {
            d.notify(Notice::VerificationFailed { unit });
        }
    }
    Ok(())
}

pub(super) fn close(d: &mut Draft, actor: &Actor) -> Result<(), TransitionError> {
    d.require_role(actor, &DISPATCH_ROLES)?;
    d.state.status = Status::Closed;
    d.state.closed_at = Some(d.now);
    d.event(Event::new(EventKind::Closed, d.state.lead.clone(), ""));
    d.notify(Notice::Closed);
    Ok(())
}

pub(super) fn rate(
    d: &mut Draft,
    actor: &Actor,
    resolved: bool,
    satisfaction: Satisfaction,
    comment: &str,
) -> Result<(), TransitionError> {
    if *actor != Actor::Requester {
        return Err(d.forbidden(actor));
    }
    optional("评价意见", comment)?;
    let merged = d.state.status == Status::Merged;
    if merged && d.state.rating.is_some() {
        return Err(TransitionError::AlreadyRated);
    }
    let rating = Rating { resolved, satisfaction, comment: comment.trim().to_string(), rated_at: d.now };
    let negative = rating.is_negative();
    d.state.rating = Some(rating);
    let lead = d.state.lead.clone();
    let detail = json!({
        "resolved": resolved,
        "satisfaction": satisfaction.as_str(),
        "merged": merged,
    });
    d.event(Event::new(EventKind::Rated, lead.clone(), comment.trim()).with(detail));
    if merged {
        // A merged case follows its parent: the verdict is recorded, nothing reopens.
        return Ok(());
    }
    match lead {
        Some(unit) if negative && !d.state.reopened => {
            d.state.reopened = true;
            d.back_to_lead();
            let why = if resolved { "诉求人不满意" } else { "诉求人反映未解决" };
            d.event(Event::new(EventKind::Reopened, Some(unit.clone()), format!("{why}，重办一次")));
            d.notify(Notice::Reopened { unit });
        }
        _ => {
            d.state.status = Status::Rated;
            if negative && let Some(e) = d.events.last_mut() {
                e.detail["no_reopen"] = json!("此件已重办过一次");
            }
        }
    }
    Ok(())
}
