//! What a decision sends and the timers it sets: each domain notice becomes an in-app notice to
//! a unit (the outbox delivers it), and the domain's clocks become the row's timer columns.
//!
//! Units: the registering office is the street's dispatch centre (`dispatchers:STREET`), a
//! holding unit its key (`dept:N`, `grid:CODE`), the 复查/复核 bodies the district's leaders
//! (`supervisors:2:STREET`), and the written notices to the petitioner
//! `petition_petitioner:ID` (the office sends them).

use chrono::{DateTime, NaiveTime, Utc};
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::clock::from_shanghai;
use tongxin_domain::petition::{ClockKind, ClockState, Decision, Notice, PetitionState, Status, clocks};
use tongxin_store::petitions::{NewNotice, PetitionView, Timers, office_unit, petitioner_unit, reviewers_unit};

/// The in-app notices of a decision on `p` (its state before the decision). `{code}` becomes the
/// petition's code when written.
pub fn notices_for(p: &PetitionView, decision: &Decision) -> Vec<NewNotice> {
    let note = |about| {
        decision.events.iter().find(|e| e.kind == about).map(|e| e.note.as_str()).unwrap_or_default().to_string()
    };
    decision
        .notices
        .iter()
        .map(|n| {
            let about = n.about();
            let said = note(about);
            let said = if said.is_empty() { String::new() } else { format!("：{said}") };
            let (kind, unit, text) = match n {
                Notice::Petitioner { .. } => (
                    "petition_petitioner",
                    petitioner_unit(p.id),
                    format!("信访件 {{code}}「{}」，请书面告知信访人{said}", about.label()),
                ),
                Notice::Unit { unit, .. } => {
                    ("petition_unit", unit.key(), format!("信访件 {{code}}「{}」{said}", about.label()))
                }
                Notice::Intake { .. } => (
                    "petition_intake",
                    office_unit(&p.street_code),
                    format!("信访件 {{code}}「{}」，请信访部门处理{said}", about.label()),
                ),
                Notice::Reviewers { .. } => (
                    "petition_review",
                    reviewers_unit(&p.street_code),
                    format!("信访件 {{code}}「{}」，请依法办理{said}", about.label()),
                ),
            };
            NewNotice { kind: kind.into(), unit, text }
        })
        .collect()
}

/// The timer columns of a state at `now`: the pending duty that ends first (a 复核 paused by a
/// hearing has no deadline while it lasts), its deadline and the start of its warning (00:00
/// Shanghai time of the clock's first warning day), and the last day of the 复查/复核 window
/// the petitioner may still use.
pub fn timers_for(state: &PetitionState, now: DateTime<Utc>, cal: &WorkingCalendar) -> Timers {
    let all = clocks(state, now, cal);
    let next = all
        .iter()
        .filter(|c| c.state.is_pending() && c.state != ClockState::Paused && !c.kind.is_window())
        .min_by_key(|c| (c.due_on, ClockKind::ALL.iter().position(|k| *k == c.kind)));
    let window = match state.status {
        Status::OpinionIssued => Some(ClockKind::ReviewRequest),
        Status::Reviewed => Some(ClockKind::RecheckRequest),
        _ => None,
    };
    Timers {
        next_clock: next.map(|c| c.kind),
        next_deadline: next.map(|c| c.due),
        warn_at: next.and_then(|c| from_shanghai(c.warn_on.and_time(NaiveTime::MIN))),
        window_end: window.and_then(|k| all.iter().find(|c| c.kind == k)).map(|c| c.due_on),
    }
}
