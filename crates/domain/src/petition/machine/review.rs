//! 复查 (art 35), 复核 and its 听证 (art 36), and closing when the time to ask has passed.

use super::handling::check_served;
use super::{Draft, INTAKE_ROLES, REVIEW_ROLES};
use crate::case::deadline::shanghai_date;
use crate::petition::action::Actor;
use crate::petition::clock::ClockKind;
use crate::petition::decision::{Event, EventKind, Notice};
use crate::petition::error::{TransitionError, body_name, optional};
use crate::petition::opinion::Opinion;
use crate::petition::state::{Appeal, Hearing, Served};
use crate::petition::status::Status;
use chrono::NaiveDate;
use serde_json::json;

/// The last day to ask for 复查: 30 days after the opinion reached the petitioner (art 35).
fn review_window(d: &Draft) -> Option<NaiveDate> {
    let served = d.state.opinion.as_ref()?.served_on;
    Some(ClockKind::ReviewRequest.span().due_on(served, d.cal))
}

/// The last day to ask for 复核: 30 days after the 复查 opinion reached the petitioner (art 36).
fn recheck_window(d: &Draft) -> Option<NaiveDate> {
    let served = d.state.review.as_ref()?.answer.as_ref()?.served_on;
    Some(ClockKind::RecheckRequest.span().due_on(served, d.cal))
}

fn missing(d: &Draft) -> TransitionError {
    TransitionError::NotAllowed { status: d.state.status, action: d.kind }
}

fn appeal(d: &Draft, body: String, request: String) -> Appeal {
    Appeal { body, request, requested_at: d.now, hearing: None, answer: None, publish: false }
}

/// 请求复查 within 30 days of receiving the written reply (art 35).
pub(super) fn request_review(d: &mut Draft, actor: &Actor, body: &str, request: &str) -> Result<(), TransitionError> {
    d.require_petitioner(actor)?;
    let body = body_name("复查机关", body)?;
    let request = optional("复查理由", request)?;
    let expired = review_window(d).ok_or_else(|| missing(d))?;
    if d.today() > expired {
        return Err(TransitionError::ReviewExpired { expired });
    }
    d.state.status = Status::ReviewRequested;
    d.event(Event::new(EventKind::ReviewRequested, None, format!("向{body}请求复查")).with(json!({ "body": body })));
    d.state.review = Some(appeal(d, body, request));
    d.notify(Notice::Reviewers { about: EventKind::ReviewRequested });
    Ok(())
}

/// The 复查 opinion (art 35), served on the petitioner.
pub(super) fn answer_review(
    d: &mut Draft,
    actor: &Actor,
    opinion: &Opinion,
    served_on: NaiveDate,
) -> Result<(), TransitionError> {
    d.require_role(actor, &REVIEW_ROLES)?;
    let requested = d.state.review.as_ref().map(|r| shanghai_date(r.requested_at)).ok_or_else(|| missing(d))?;
    check_served(d, requested, served_on)?;
    let served = Served { opinion: opinion.clone(), issued_at: d.now, served_on };
    if let Some(r) = d.state.review.as_mut() {
        r.answer = Some(served);
    }
    d.state.status = Status::Reviewed;
    let detail = json!({ "outcome": opinion.outcome.as_str(), "served_on": served_on });
    d.event(Event::new(EventKind::Reviewed, None, format!("复查意见：{}", opinion.outcome.label())).with(detail));
    d.notify(Notice::Petitioner { about: EventKind::Reviewed });
    Ok(())
}

/// 请求复核 within 30 days of receiving the 复查 opinion (art 36).
pub(super) fn request_recheck(d: &mut Draft, actor: &Actor, body: &str, request: &str) -> Result<(), TransitionError> {
    d.require_petitioner(actor)?;
    let body = body_name("复核机关", body)?;
    let request = optional("复核理由", request)?;
    let expired = recheck_window(d).ok_or_else(|| missing(d))?;
    if d.today() > expired {
        return Err(TransitionError::RecheckExpired { expired });
    }
    d.state.status = Status::RecheckRequested;
    d.event(Event::new(EventKind::RecheckRequested, None, format!("向{body}请求复核")).with(json!({ "body": body })));
    d.state.recheck = Some(appeal(d, body, request));
    d.notify(Notice::Reviewers { about: EventKind::RecheckRequested });
    Ok(())
}

/// 听证 in the 复核 (art 36), once: the 复核 clock stops until it ends.
pub(super) fn start_hearing(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), TransitionError> {
    d.require_role(actor, &REVIEW_ROLES)?;
    let note = optional("听证说明", note)?;
    let (now, err) = (d.now, missing(d));
    let recheck = d.state.recheck.as_mut().ok_or(err)?;
    if recheck.hearing.is_some() {
        return Err(TransitionError::HearingHeld);
    }
    recheck.hearing = Some(Hearing { started_at: now, ended_at: None });
    d.state.status = Status::Hearing;
    d.event(Event::new(EventKind::HearingStarted, None, if note.is_empty() { "举行听证".into() } else { note }));
    d.notify(Notice::Petitioner { about: EventKind::HearingStarted });
    Ok(())
}

/// The hearing is over: the 复核 clock runs again.
pub(super) fn end_hearing(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), TransitionError> {
    d.require_role(actor, &REVIEW_ROLES)?;
    let note = optional("听证结果", note)?;
    let (now, err) = (d.now, missing(d));
    let hearing = d.state.recheck.as_mut().and_then(|r| r.hearing.as_mut()).ok_or(err)?;
    hearing.ended_at = Some(now);
    d.state.status = Status::RecheckRequested;
    d.event(Event::new(EventKind::HearingEnded, None, if note.is_empty() { "听证结束".into() } else { note }));
    d.notify(Notice::Petitioner { about: EventKind::HearingEnded });
    Ok(())
}

/// The 复核 opinion (art 36): final. Published only if reached after a hearing.
pub(super) fn answer_recheck(
    d: &mut Draft,
    actor: &Actor,
    opinion: &Opinion,
    served_on: NaiveDate,
    publish: bool,
) -> Result<(), TransitionError> {
    d.require_role(actor, &REVIEW_ROLES)?;
    let recheck = d.state.recheck.as_ref().ok_or_else(|| missing(d))?;
    if publish && recheck.hearing.is_none() {
        return Err(TransitionError::PublishWithoutHearing);
    }
    check_served(d, shanghai_date(recheck.requested_at), served_on)?;
    let served = Served { opinion: opinion.clone(), issued_at: d.now, served_on };
    if let Some(r) = d.state.recheck.as_mut() {
        r.answer = Some(served);
        r.publish = publish;
    }
    d.close(Status::Final);
    let detail = json!({ "outcome": opinion.outcome.as_str(), "served_on": served_on, "publish": publish });
    d.event(Event::new(EventKind::Rechecked, None, format!("复核意见：{}", opinion.outcome.label())).with(detail));
    d.notify(Notice::Petitioner { about: EventKind::Rechecked });
    Ok(())
}

/// 办结 once the time to ask for 复查 (after an opinion) or 复核 (after a 复查 opinion) has
/// passed without a request.
pub(super) fn conclude(d: &mut Draft, actor: &Actor) -> Result<(), TransitionError> {
    if *actor != Actor::System {
        d.require_role(actor, &INTAKE_ROLES)?;
    }
    let (what, until) = match d.state.status {
        Status::OpinionIssued => ("请求复查", review_window(d)),
        _ => ("请求复核", recheck_window(d)),
    };
    let until = until.ok_or_else(|| missing(d))?;
    if d.today() <= until {
        return Err(TransitionError::WindowOpen { what, until });
    }
    d.close(Status::Concluded);
    d.event(Event::new(EventKind::Concluded, None, format!("信访人未在期限内{what}，办结")));
    Ok(())
}
