//! The state machine: [`decide`] checks an action against the state, the actor, `now` and the
//! working calendar, and returns the new state with its events and notices, or a Chinese error
//! and no change at all. [`register`] starts a petition.
//!
//! Checks run in a fixed order, so the error a user sees is the most basic one: the status
//! ([`ActionKind::allowed_in`]), then who acts, then the data and the clocks.
//!
//! Who acts:
//! - the registering office (信访部门: [`INTAKE_ROLES`]) tells the petitioner, transfers and
//!   verifies objections; while it keeps the petition itself it also acts as its handler;
//! - the unit holding a transferred petition (its staff, acting for it) objects, accepts,
//!   answers, issues the opinion and routes; a mediator may record a mediation;
//! - the head of the body ([`HEAD_ROLES`]) approves the one extension (art 34);
//! - 复查/复核 are decided by the bodies above; their opinions and hearings are recorded by
//!   [`REVIEW_ROLES`];
//! - the petitioner asks for 复查/复核 or withdraws, through the follow link or on paper
//!   recorded by the office; the system (or the office) closes a petition whose time to ask
//!   has passed.

mod handling;
mod intake;
mod review;

use super::action::{Action, ActionKind, Actor};
use super::decision::{Decision, Event, EventKind, Notice};
use super::error::TransitionError;
use super::register::Registration;
use super::state::PetitionState;
use crate::kernel::access::Role;
use crate::kernel::calendar::WorkingCalendar;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The registering office (信访部门, in a street the 综治中心/信访办): 告知, 转送交办, 核实异议.
pub const INTAKE_ROLES: [Role; 2] = [Role::Dispatcher, Role::Admin];
/// 本机关、单位负责人: approves the extension (art 34).
pub const HEAD_ROLES: [Role; 2] = [Role::Leader, Role::Admin];
/// Record the acts of the 复查 and 复核 bodies (arts 35–36).
pub const REVIEW_ROLES: [Role; 3] = [Role::Leader, Role::Dispatcher, Role::Admin];

/// Starts a petition from its registration: 已登记, version 1, one event. Run the duplicate
/// rule ([`super::check`]) first.
pub fn register(registration: &Registration, now: DateTime<Utc>) -> Decision {
    let state = PetitionState::new(registration, now);
    let detail = json!({
        "channel": registration.channel().as_str(),
        "kind": registration.kind().as_str(),
        "group_headcount": registration.group().map(|g| g.headcount()),
        "from_case": registration.from_case(),
    });
    let note = format!("{}，{}", registration.channel().label(), registration.kind().label());
    Decision { state, events: vec![Event::new(EventKind::Registered, None, note).with(detail)], notices: Vec::new() }
}

/// Decides one action. `state` is never modified: on success the new state (version + 1) is
/// in the [`Decision`]; on error nothing happened.
pub fn decide(
    state: &PetitionState,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Result<Decision, TransitionError> {
    let kind = action.kind();
    if !kind.allowed_in(state.status) {
        return Err(TransitionError::NotAllowed { status: state.status, action: kind });
    }
    let mut d = Draft { state: state.clone(), events: Vec::new(), notices: Vec::new(), now, cal, kind };
    match action {
        Action::Notify { note } => intake::notify(&mut d, actor, note)?,
        Action::Transfer { unit, mode, note } => intake::transfer(&mut d, actor, unit, *mode, note)?,
        Action::Object { reason } => intake::object(&mut d, actor, reason)?,
        Action::DecideObjection { agree, note } => intake::decide_objection(&mut d, actor, *agree, note)?,
        Action::Accept => intake::accept(&mut d, actor)?,
        Action::Extend { days, reason } => handling::extend(&mut d, actor, *days, reason)?,
        Action::IssueOpinion { opinion, served_on } => handling::issue_opinion(&mut d, actor, opinion, *served_on)?,
        Action::Reply { reply } => handling::reply(&mut d, actor, reply)?,
        Action::Mediate { dispute_id, note } => handling::mediate(&mut d, actor, *dispute_id, note)?,
        Action::Route { route, note } => handling::route(&mut d, actor, *route, note)?,
        Action::Withdraw { reason } => handling::withdraw(&mut d, actor, reason)?,
        Action::RequestReview { body, request } => review::request_review(&mut d, actor, body, request)?,
        Action::AnswerReview { opinion, served_on } => review::answer_review(&mut d, actor, opinion, *served_on)?,
        Action::RequestRecheck { body, request } => review::request_recheck(&mut d, actor, body, request)?,
        Action::StartHearing { note } => review::start_hearing(&mut d, actor, note)?,
        Action::EndHearing { note } => review::end_hearing(&mut d, actor, note)?,
        Action::AnswerRecheck { opinion, served_on, publish } => {
            review::answer_recheck(&mut d, actor, opinion, *served_on, *publish)?
        }
        Action::Conclude => review::conclude(&mut d, actor)?,
    }
    d.state.version = state.version + 1;
    Ok(Decision { state: d.state, events: d.events, notices: d.notices })
}

/// The decision being built.
struct Draft<'c> {
    state: PetitionState,
    events: Vec<Event>,
    notices: Vec<Notice>,
    now: DateTime<Utc>,
    cal: &'c WorkingCalendar,
    kind: ActionKind,
}

impl Draft<'_> {
    fn event(&mut self, e: Event) {
        self.events.push(e);
    }

    fn notify(&mut self, n: Notice) {
        self.notices.push(n);
    }

    fn forbidden(&self, actor: &Actor) -> TransitionError {
        TransitionError::Forbidden { actor: actor.label(), action: self.kind }
    }

    /// Today in Shanghai.
    fn today(&self) -> chrono::NaiveDate {
        crate::case::deadline::shanghai_date(self.now)
    }

    /// The actor is office staff (acting for no unit) with one of `roles`: a unit's own staff
    /// never act as the registering office or as a 复查/复核 body.
    fn require_role(&self, actor: &Actor, roles: &[Role]) -> Result<(), TransitionError> {
        match actor {
            Actor::Staff { role, unit: None } if roles.contains(role) => Ok(()),
            _ => Err(self.forbidden(actor)),
        }
    }

    /// The petitioner, or the registering office recording their written word.
    fn require_petitioner(&self, actor: &Actor) -> Result<(), TransitionError> {
        if *actor == Actor::Petitioner { Ok(()) } else { self.require_role(actor, &INTAKE_ROLES) }
    }

    /// The handler: staff of the holding unit, or the registering office while it keeps the
    /// petition itself.
    fn require_handler(&self, actor: &Actor) -> Result<(), TransitionError> {
        match (self.state.holder(), actor) {
            (None, _) => self.require_role(actor, &INTAKE_ROLES),
            (Some(unit), Actor::Staff { unit: Some(u), .. }) if u == unit => Ok(()),
            (Some(unit), Actor::Staff { .. }) => Err(TransitionError::NotYourUnit { unit: unit.clone() }),
            (Some(_), _) => Err(self.forbidden(actor)),
        }
    }

    /// Closes the petition in `status`.
    fn close(&mut self, status: super::status::Status) {
        self.state.status = status;
        self.state.closed_at = Some(self.now);
    }
}
