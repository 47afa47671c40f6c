//! The 司法确认 sub-machine (see `crate::mediation::confirmation`).

use super::{COORDINATOR_ROLES, Draft, check_standing};
use crate::kernel::calendar::WorkingCalendar;
use crate::kernel::text::{Label, Note};
use crate::mediation::action::Actor;
use crate::mediation::clock::{confirmation_window_end, court_acceptance_due, ruling_due};
use crate::mediation::confirmation::{ConfirmationAction, ConfirmationStatus};
use crate::mediation::decision::{Decision, Event, EventKind};
use crate::mediation::error::MediationError;
use crate::mediation::state::DisputeState;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// Decides one 司法确认 step at `now`, on the working calendar `cal` (the court's periods end on
/// a working day: 民诉法 art 85). Same contract as [`super::decide`].
pub fn decide_confirmation(
    state: &DisputeState,
    actor: &Actor,
    action: &ConfirmationAction,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Result<Decision, MediationError> {
    let kind = action.kind();
    let status = state.confirmation.status;
    if !kind.allowed_in(status) {
        return Err(MediationError::ConfirmationNotAllowed { status, action: kind });
    }
    check_standing(actor)?;
    // Only an agreement that took effect can be confirmed (人民调解法 art 33).
    let effective_on = match state.effective_on() {
        Some(d) if state.status.agreement_in_effect() => d,
        _ => return Err(MediationError::AgreementNotEffective),
    };
    let mut d = Draft::new(state, now, kind.label());
    let today = d.today();
    // A lapse is the system's job (or the desk's); every other step is recorded by the desk or
    // the mediator.
    if !(*action == ConfirmationAction::Lapse && *actor == Actor::System) {
        d.allow(actor, &COORDINATOR_ROLES, true)?;
    }
    let c = d.state.confirmation.clone();
    let window_end = confirmation_window_end(effective_on, cal);
    let (event, note, detail) = match action {
        ConfirmationAction::Apply { on, court, applicants } => {
            check_day("申请日期", *on, ("协议生效日期", effective_on), today)?;
            if *on > window_end {
                return Err(MediationError::WindowMissed(window_end));
            }
            joint(&d.state, applicants)?;
            let court = Label::named("受理法院", court)?.into_string();
            let c = &mut d.state.confirmation;
            c.status = ConfirmationStatus::Applied;
            c.applied_on = Some(*on);
            c.court = Some(court.clone());
            let due = court_acceptance_due(*on, cal);
            (EventKind::ConfirmationApplied, court, json!({ "on": on, "acceptance_due": due }))
        }
        ConfirmationAction::CourtAccept { on } => {
            let applied = c.applied_on.unwrap_or(effective_on);
            check_day("受理日期", *on, ("申请日期", applied), today)?;
            let late = *on > court_acceptance_due(applied, cal);
            let due = ruling_due(*on, false, cal);
            d.state.confirmation.status = ConfirmationStatus::Accepted;
            d.state.confirmation.accepted_on = Some(*on);
            (EventKind::CourtAccepted, String::new(), json!({ "on": on, "late": late, "ruling_due": due }))
        }
        ConfirmationAction::CourtDecline { on, reason } => {
            check_day("不予受理日期", *on, ("申请日期", c.applied_on.unwrap_or(effective_on)), today)?;
            let reason = Note::named("不予受理理由", reason)?.into_string();
            decided(&mut d.state, ConfirmationStatus::NotAccepted, *on, &reason);
            (EventKind::CourtDeclined, reason, json!({ "on": on }))
        }
        ConfirmationAction::ExtendRuling { on } => {
            let accepted = c.accepted_on.unwrap_or(effective_on);
            check_day("批准延长日期", *on, ("受理日期", accepted), today)?;
            let due = ruling_due(accepted, false, cal);
            if c.ruling_extended {
                return Err(MediationError::RulingExtendedTwice);
            }
            if *on > due {
                return Err(MediationError::ExtensionTooLate(due));
            }
            d.state.confirmation.ruling_extended = true;
            let new_due = ruling_due(accepted, true, cal);
            (EventKind::RulingExtended, String::new(), json!({ "on": on, "ruling_due": new_due }))
        }
        ConfirmationAction::Confirm { on } => {
            check_day("裁定日期", *on, ("受理日期", c.accepted_on.unwrap_or(effective_on)), today)?;
            decided(&mut d.state, ConfirmationStatus::Confirmed, *on, "");
            (EventKind::Confirmed, String::new(), json!({ "on": on }))
        }
        ConfirmationAction::Reject { on, reason } => {
            check_day("裁定日期", *on, ("受理日期", c.accepted_on.unwrap_or(effective_on)), today)?;
            let reason = Note::named("驳回理由", reason)?.into_string();
            decided(&mut d.state, ConfirmationStatus::Rejected, *on, &reason);
            (EventKind::ConfirmationRejected, reason, json!({ "on": on }))
        }
        ConfirmationAction::Lapse => {
            if today <= window_end {
                return Err(MediationError::WindowOpen(window_end));
            }
            d.state.confirmation.status = ConfirmationStatus::WindowMissed;
            (EventKind::WindowLapsed, String::new(), json!({ "window_end": window_end }))
        }
    };
    d.event(Event::new(event, note).with(detail));
    Ok(d.finish(state.version))
}

/// A recorded day is not in the future and not before the step it follows.
fn check_day(
    field: &'static str,
    on: NaiveDate,
    after: (&'static str, NaiveDate),
    today: NaiveDate,
) -> Result<(), MediationError> {
    if on > today {
        return Err(MediationError::DateInFuture(field));
    }
    if on < after.1 {
        return Err(MediationError::DateTooEarly { field, earlier: after.0, date: after.1 });
    }
    Ok(())
}

/// 人民调解法 art 33: the parties apply **jointly** — every party is an applicant.
fn joint(state: &DisputeState, applicants: &[u8]) -> Result<(), MediationError> {
    if let Some(bad) = applicants.iter().find(|i| usize::from(**i) >= state.parties.len()) {
        return Err(MediationError::UnknownParty(bad.saturating_add(1)));
    }
    let missing: Vec<&str> = state
        .parties
        .iter()
        .enumerate()
        .filter(|(i, _)| !applicants.iter().any(|a| usize::from(*a) == *i))
        .map(|(_, p)| p.name.as_str())
        .collect();
    if missing.is_empty() { Ok(()) } else { Err(MediationError::NotJoint(missing.join("、"))) }
}

fn decided(state: &mut DisputeState, status: ConfirmationStatus, on: NaiveDate, reason: &str) {
    let c = &mut state.confirmation;
    c.status = status;
    c.decided_on = Some(on);
    c.reason = (!reason.is_empty()).then(|| reason.to_string());
}
