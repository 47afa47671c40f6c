//! 办理: the extension, the opinion or the answer, mediation, statutory routes, withdrawal
//! (《信访工作条例》arts 29–34).

use super::{Draft, HEAD_ROLES};
use crate::case::deadline::shanghai_date;
use crate::kernel::access::Role;
use crate::petition::action::Actor;
use crate::petition::clock::{ClockKind, MAX_EXTENSION_DAYS};
use crate::petition::decision::{Event, EventKind, Notice};
use crate::petition::error::{TransitionError, optional, required};
use crate::petition::opinion::Opinion;
use crate::petition::register::{Kind, Route};
use crate::petition::state::{Extension, Served};
use crate::petition::status::Status;
use chrono::NaiveDate;
use serde_json::json;

/// 延长办理期限 (art 34): 申诉求决类 only, once, 1–30 days, approved by the head of the body
/// (of the holding unit, or of the office), before the 60 days run out; the reason is told to
/// the petitioner.
pub(super) fn extend(d: &mut Draft, actor: &Actor, days: u32, reason: &str) -> Result<(), TransitionError> {
    // The head of the holding unit, or a head without a unit (the office's).
    match (actor, d.state.holder()) {
        (Actor::Staff { role, unit: None }, _) if HEAD_ROLES.contains(role) => {}
        (Actor::Staff { role, unit: Some(u) }, Some(holder)) if HEAD_ROLES.contains(role) => {
            if u != holder {
                return Err(TransitionError::NotYourUnit { unit: holder.clone() });
            }
        }
        _ => return Err(d.forbidden(actor)),
    }
    if d.state.kind != Kind::Claim {
        return Err(TransitionError::ClaimOnly { action: d.kind, article: "三十四" });
    }
    if d.state.extension.is_some() {
        return Err(TransitionError::AlreadyExtended);
    }
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(TransitionError::BadExtension { max: MAX_EXTENSION_DAYS });
    }
    let reason = required("延期理由", reason)?;
    let Some(accepted) = d.state.accepted_at else {
        return Err(TransitionError::NotAllowed { status: d.state.status, action: d.kind });
    };
    let expired = ClockKind::Handling.span().due_on(shanghai_date(accepted), d.cal);
    if d.today() > expired {
        return Err(TransitionError::HandlingExpired { expired });
    }
    d.state.extension = Some(Extension { days, reason: reason.clone(), at: d.now });
    d.event(Event::new(EventKind::Extended, d.state.holder().cloned(), reason).with(json!({ "days": days })));
    d.notify(Notice::Petitioner { about: EventKind::Extended });
    Ok(())
}

/// The date a written opinion reached the petitioner: not before `earliest` (the step it
/// answers), not after today.
pub(super) fn check_served(d: &Draft, earliest: NaiveDate, served_on: NaiveDate) -> Result<(), TransitionError> {
    let latest = d.today();
    if served_on < earliest || served_on > latest {
        return Err(TransitionError::ServedOnOutOfRange { earliest: earliest.min(latest), latest });
    }
    Ok(())
}

/// 《信访处理意见书》 (arts 31(6), 32): 申诉求决类 only.
pub(super) fn issue_opinion(
    d: &mut Draft,
    actor: &Actor,
    opinion: &Opinion,
    served_on: NaiveDate,
) -> Result<(), TransitionError> {
    d.require_handler(actor)?;
    if d.state.kind != Kind::Claim {
        return Err(TransitionError::ClaimOnly { action: d.kind, article: "三十二" });
    }
    let accepted = d.state.accepted_at.map_or(served_on, shanghai_date);
    check_served(d, accepted, served_on)?;
    d.state.status = Status::OpinionIssued;
    d.state.opinion = Some(Served { opinion: opinion.clone(), issued_at: d.now, served_on });
    let note = format!("处理意见：{}", opinion.outcome.label());
    let detail = json!({ "outcome": opinion.outcome.as_str(), "served_on": served_on });
    d.event(Event::new(EventKind::OpinionIssued, d.state.holder().cloned(), note).with(detail));
    d.notify(Notice::Petitioner { about: EventKind::OpinionIssued });
    Ok(())
}

/// 答复 a 建议意见类 (art 29) or 检举控告类 (art 30) matter: concluded.
pub(super) fn reply(d: &mut Draft, actor: &Actor, reply: &str) -> Result<(), TransitionError> {
    d.require_handler(actor)?;
    if d.state.kind == Kind::Claim {
        return Err(TransitionError::OpinionRequired);
    }
    let reply = required("答复内容", reply)?;
    d.state.reply = Some(reply.clone());
    d.close(Status::Concluded);
    d.event(Event::new(EventKind::Replied, d.state.holder().cloned(), reply));
    d.notify(Notice::Petitioner { about: EventKind::Replied });
    Ok(())
}

/// 调解、和解 (art 33), recorded in a dispute: 申诉求决类 only; by the handler or a mediator.
pub(super) fn mediate(d: &mut Draft, actor: &Actor, dispute_id: i64, note: &str) -> Result<(), TransitionError> {
    if !actor.has_role(&[Role::Mediator]) {
        d.require_handler(actor)?;
    }
    if d.state.kind != Kind::Claim {
        return Err(TransitionError::ClaimOnly { action: d.kind, article: "三十三" });
    }
    if dispute_id <= 0 {
        return Err(TransitionError::BadDisputeId);
    }
    let note = optional("调解说明", note)?;
    d.state.dispute_id = Some(dispute_id);
    d.close(Status::Mediated);
    let text = if note.is_empty() { format!("经调解化解（纠纷#{dispute_id}）") } else { note };
    d.event(Event::new(EventKind::Mediated, d.state.holder().cloned(), text).with(json!({ "dispute_id": dispute_id })));
    Ok(())
}

/// 转入法定途径 (arts 30, 31(1)–(5)): the route must fit the kind; the petitioner is told where.
pub(super) fn route(d: &mut Draft, actor: &Actor, route: Route, note: &str) -> Result<(), TransitionError> {
    d.require_handler(actor)?;
    if !route.is_statutory() {
        return Err(TransitionError::RouteNotStatutory);
    }
    if !route.fits(d.state.kind) {
        return Err(TransitionError::RouteMisfit { kind: d.state.kind, route });
    }
    let note = required("法定途径告知内容", note)?;
    d.state.route = Some(route);
    d.close(Status::Routed);
    let detail = json!({ "route": route.as_str(), "article": route.article() });
    d.event(
        Event::new(EventKind::Routed, d.state.holder().cloned(), format!("{}：{note}", route.label())).with(detail),
    );
    d.notify(Notice::Petitioner { about: EventKind::Routed });
    Ok(())
}

/// 撤回: the petitioner, or the office on their word; a unit holding it is told.
pub(super) fn withdraw(d: &mut Draft, actor: &Actor, reason: &str) -> Result<(), TransitionError> {
    d.require_petitioner(actor)?;
    let reason = optional("撤回理由", reason)?;
    d.close(Status::Withdrawn);
    let unit = d.state.holder().cloned();
    d.event(Event::new(
        EventKind::Withdrawn,
        unit.clone(),
        if reason.is_empty() { "信访人撤回".into() } else { reason },
    ));
    if let Some(unit) = unit {
        d.notify(Notice::Unit { unit, about: EventKind::Withdrawn });
    }
    Ok(())
}
