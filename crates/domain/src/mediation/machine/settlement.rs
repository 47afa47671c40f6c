//! 履行情况, 回访 and 结案 (案结事了).

use super::{COORDINATOR_ROLES, Draft, FOLLOW_UP_ROLES};
use crate::kernel::text::Note;
use crate::mediation::action::Actor;
use crate::mediation::decision::{Event, EventKind};
use crate::mediation::error::MediationError;
use crate::mediation::state::{PerformanceResult, VisitForm};
use crate::mediation::status::Status;
use serde_json::json;

pub(super) fn performance(
    d: &mut Draft,
    actor: &Actor,
    item: u8,
    result: PerformanceResult,
    note: &str,
) -> Result<(), MediationError> {
    // 人民调解法 art 31: the organisation supervises performance of the agreement.
    d.allow(actor, &COORDINATOR_ROLES, true)?;
    let note = if result == PerformanceResult::Performed {
        Note::optional_named("履行说明", note)?.map(Note::into_string).unwrap_or_default()
    } else {
        Note::named("履行说明", note)?.into_string()
    };
    let today = d.today();
    let entry =
        d.state.performance.get_mut(usize::from(item)).ok_or(MediationError::UnknownItem(item.saturating_add(1)))?;
    entry.result = Some(result);
    entry.recorded_on = Some(today);
    let overdue = crate::mediation::clock::performance_overdue(entry.term.due, today);
    let detail = json!({ "item": item, "result": result.as_str(), "due": entry.term.due, "late": overdue });
    d.event(Event::new(EventKind::PerformanceRecorded, note).with(detail));
    Ok(())
}

pub(super) fn follow_up(
    d: &mut Draft,
    actor: &Actor,
    form: VisitForm,
    satisfied: bool,
    note: &str,
) -> Result<(), MediationError> {
    d.allow(actor, &FOLLOW_UP_ROLES, true)?;
    let note = Note::named("回访情况", note)?.into_string();
    d.state.follow_ups = d.state.follow_ups.saturating_add(1);
    d.state.status = Status::FollowedUp;
    d.event(Event::new(EventKind::FollowedUp, note).with(json!({ "form": form.as_str(), "satisfied": satisfied })));
    Ok(())
}

pub(super) fn close(d: &mut Draft, actor: &Actor, routes_told: bool, note: &str) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, false)?;
    let pending: Vec<String> = d
        .state
        .performance
        .iter()
        .enumerate()
        .filter(|(_, p)| p.result.is_none())
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !pending.is_empty() {
        return Err(MediationError::PerformancePending(pending.join("、")));
    }
    // 人民调解法 art 32 (and local rules: 仍不履行的，告知可以起诉).
    let unperformed = d.state.performance.iter().any(|p| p.result != Some(PerformanceResult::Performed));
    if unperformed && !routes_told {
        return Err(MediationError::RoutesNotTold);
    }
    let note = Note::optional_named("结案说明", note)?.map(Note::into_string).unwrap_or_default();
    d.state.status = Status::Closed;
    d.state.closed_at = Some(d.now);
    d.event(Event::new(EventKind::Closed, note).with(json!({ "fully_performed": !unperformed })));
    Ok(())
}
