//! The dispute state machine: [`decide`] checks an action against the state and the actor and
//! returns the new state with its events and notices, or a Chinese error and no change at all.
//! [`register`] creates a dispute; [`decide_confirmation`] runs the 司法确认 sub-machine.
//!
//! The order of checks is fixed, so a user sees the most basic error: the status
//! ([`ActionKind::allowed_in`](super::ActionKind::allowed_in)), then the actor's standing (a
//! removed mediator does nothing: 人民调解法 art 15), then who acts, then the data.
//!
//! Who may do what ("coordinators" are [`COORDINATOR_ROLES`]: the 矛调中心 dispatcher, the
//! community worker running the community's committee, the admin; "the mediator" is a
//! mediator assigned to this dispute whose record is active):
//!
//! | action                         | who                                                         |
//! |--------------------------------|-------------------------------------------------------------|
//! | register                       | [`REGISTER_ROLES`], the system (online intake)              |
//! | 受理, 指派, 流转, 结案          | coordinators                                                |
//! | 当事人意愿                      | coordinators, the mediator, the party itself online         |
//! | 调解记录, 协议, 签署            | the mediator                                                |
//! | 终止, 履行, 延期, 升级, 研判    | the mediator, coordinators                                  |
//! | 回访                            | the mediator, [`FOLLOW_UP_ROLES`]                           |
//! | 激化风险报告 (art 25)           | the mediator, [`ALERT_ROLES`]                               |
//! | 督办                            | [`SUPERVISOR_ROLES`]; the system once overdue               |
//! | 撤回                            | the applicant party, coordinators                           |
//! | 司法确认 steps                  | the mediator, coordinators; a lapsed window also the system |
//!
//! Rules beyond the table:
//! - Mediation starts with the first session: every party has consented (art 17) and a
//!   mediator is assigned. A party's clear refusal ends the dispute as 不予调解 (art 17).
//! - The one-month limit starts at acceptance and moves only by an extension every party
//!   consented to; a transfer hands the dispute to an organisation that accepts it afresh, so
//!   the limit restarts there, the mediators are released and the level becomes the new
//!   organisation's (分类流转 may send a dispute down as well as up).
//! - A written agreement takes effect when signed by every party and the mediator and sealed
//!   (art 29), on the day that is recorded; an oral one the day it is reached (art 30).
//! - 结案 only after at least one 回访 and with every item's performance recorded; an item not
//!   fully performed needs the parties told they may sue (art 32).
//! - A risk assessment whose level escalates above the current level raises it (before an
//!   agreement); 督办 by the system needs the limit or the risk response time passed.

mod confirming;
mod intake;
mod mediating;
mod oversight;
mod settlement;

pub use confirming::decide_confirmation;
pub use intake::{Intake, PartyInput, register};

use super::action::{Action, Actor};
use super::decision::{Decision, Event, Notice};
use super::error::MediationError;
use super::state::DisputeState;
use crate::case::deadline::shanghai_date;
use crate::kernel::access::Role;
use chrono::{DateTime, NaiveDate, Utc};

/// Roles that run the dispute desk: accept, assign, transfer, close.
pub const COORDINATOR_ROLES: [Role; 3] = [Role::Dispatcher, Role::CommunityWorker, Role::Admin];
/// Roles that may register a dispute (a mediator records 调解登记 too).
pub const REGISTER_ROLES: [Role; 5] =
    [Role::GridWorker, Role::CommunityWorker, Role::Dispatcher, Role::Mediator, Role::Admin];
/// Roles that may supervise (督办).
pub const SUPERVISOR_ROLES: [Role; 3] = [Role::Leader, Role::Dispatcher, Role::Admin];
/// Staff besides the mediator who may make a follow-up visit.
pub const FOLLOW_UP_ROLES: [Role; 4] = [Role::GridWorker, Role::CommunityWorker, Role::Dispatcher, Role::Admin];
/// Staff besides the mediator who may report a risk of violence (art 25).
pub const ALERT_ROLES: [Role; 4] = [Role::GridWorker, Role::CommunityWorker, Role::Dispatcher, Role::Admin];

/// Decides one action at `now`. `state` is never modified: on success the new state (version
/// + 1) is in the [`Decision`]; on error nothing happened.
pub fn decide(
    state: &DisputeState,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Decision, MediationError> {
    let kind = action.kind();
    if !kind.allowed_in(state.status) {
        return Err(MediationError::NotAllowed { status: state.status, action: kind });
    }
    check_standing(actor)?;
    let mut d = Draft::new(state, now, kind.label());
    match action {
        Action::Accept => intake::accept(&mut d, actor)?,
        Action::RecordConsent { party, consent, form, note } => {
            intake::record_consent(&mut d, actor, *party, *consent, *form, note)?
        }
        Action::AssignMediators { mediators, chosen_by_parties } => {
            intake::assign(&mut d, actor, mediators, *chosen_by_parties)?
        }
        Action::Transfer { to, reason } => intake::transfer(&mut d, actor, to, reason)?,
        Action::Withdraw { reason } => intake::withdraw(&mut d, actor, reason)?,
        Action::RecordSession { held_on, place, attendees, notes } => {
            mediating::session(&mut d, actor, *held_on, place, attendees, notes)?
        }
        Action::RecordAgreement { agreement } => mediating::agreement(&mut d, actor, agreement)?,
        Action::SignAgreement { parties_signed, mediator_signed, sealed, scan } => {
            mediating::sign(&mut d, actor, *parties_signed, *mediator_signed, *sealed, scan.as_deref())?
        }
        Action::Terminate { reason, routes } => mediating::terminate(&mut d, actor, reason, routes)?,
        Action::ExtendLimit { days, consents, reason } => mediating::extend(&mut d, actor, *days, consents, reason)?,
        Action::RecordPerformance { item, result, note } => {
            settlement::performance(&mut d, actor, *item, *result, note)?
        }
        Action::FollowUp { form, satisfied, note } => settlement::follow_up(&mut d, actor, *form, *satisfied, note)?,
        Action::Close { routes_told, note } => settlement::close(&mut d, actor, *routes_told, note)?,
        Action::Escalate { to, reason } => oversight::escalate(&mut d, actor, *to, reason)?,
        Action::AssessRisk { risk, note } => oversight::assess_risk(&mut d, actor, risk, note)?,
        Action::ReportViolence { note } => oversight::report_violence(&mut d, actor, note)?,
        Action::Supervise { note } => oversight::supervise(&mut d, actor, note)?,
    }
    Ok(d.finish(state.version))
}

/// A removed mediator (or one outside the term) may not act at all (art 15).
fn check_standing(actor: &Actor) -> Result<(), MediationError> {
    match actor {
        Actor::Staff { mediator: Some(m), .. } if !m.active => Err(MediationError::MediatorInactive),
        _ => Ok(()),
    }
}

/// The decision being built.
struct Draft {
    state: DisputeState,
    events: Vec<Event>,
    notices: Vec<Notice>,
    now: DateTime<Utc>,
    /// The action's verb, for messages.
    verb: &'static str,
}

impl Draft {
    fn new(state: &DisputeState, now: DateTime<Utc>, verb: &'static str) -> Draft {
        Draft { state: state.clone(), events: Vec::new(), notices: Vec::new(), now, verb }
    }

    fn finish(mut self, version: i64) -> Decision {
        self.state.version = version.saturating_add(1);
        Decision { state: self.state, events: self.events, notices: self.notices }
    }

    fn event(&mut self, e: Event) {
        self.events.push(e);
    }

    fn notify(&mut self, n: Notice) {
        self.notices.push(n);
    }

    /// Today in Shanghai.
    fn today(&self) -> NaiveDate {
        shanghai_date(self.now)
    }

    fn forbidden(&self, actor: &Actor) -> MediationError {
        MediationError::Forbidden { actor: actor.label(), action: self.verb }
    }

    /// The actor is a mediator assigned to this dispute (standing was checked first).
    fn is_assigned(&self, actor: &Actor) -> bool {
        matches!(actor, Actor::Staff { mediator: Some(m), .. } if m.active && self.state.is_assigned(m.id))
    }

    /// The actor is staff with one of `roles`, or (when `mediator`) the assigned mediator.
    fn allow(&self, actor: &Actor, roles: &[Role], mediator: bool) -> Result<(), MediationError> {
        if (mediator && self.is_assigned(actor)) || actor.has_role(roles) {
            return Ok(());
        }
        let is_mediator =
            matches!(actor, Actor::Staff { role: Role::Mediator, .. } | Actor::Staff { mediator: Some(_), .. });
        if mediator && is_mediator { Err(MediationError::NotAssigned(self.verb)) } else { Err(self.forbidden(actor)) }
    }

    /// Tells every assigned mediator they are off the dispute.
    fn release_mediators(&mut self) {
        for m in self.state.mediators.clone() {
            self.notify(Notice::Unassigned { mediator: m });
        }
    }
}
