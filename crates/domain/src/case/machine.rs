//! The state machine: [`decide`] checks an action against the state and the actor and returns
//! the new state with its events and notices, or an error and no change at all.
//!
//! The order of checks is fixed, so the error a user sees is the most basic one: first the
//! status ([`ActionKind::allowed_in`]), then who acts (role, unit), then the data.
//!
//! Rules beyond DESIGN §2.4:
//! - 派遣 is allowed from 受理 too (立案 recorded in the same decision); `auto` dispatch is the
//!   system's alone, and the system dispatches only automatically.
//! - The status becomes 签收 when the *lead* acknowledges; assisting units' 报到 is recorded per
//!   participant. Every unit reports only after its own 签收, once. The lead's report completes
//!   the handling whether or not all assisting units have reported; after that they cannot.
//! - 退单 by the lead sends the whole case back to 立案 (assisting units are withdrawn); by an
//!   assisting unit it only takes that unit out. No 退单 after the unit's own report. A dispatcher
//!   may withdraw any unit (`override_by_dispatcher`), even one that returned before; such a
//!   withdrawal does not count as the unit's return.
//! - Only the lead asks for an extension, one pending at a time; a leader, dispatcher or admin
//!   decides, and refusing needs a reason. A pending request lapses when the lead reports or
//!   the case leaves the unit.
//! - 督办: dispatcher, leader or admin at any open status; the system only when the case is past
//!   its deadline while with a unit. Levels 1–3 (街道, 区, 市), then no higher.
//! - 核查 by grid worker, community worker, dispatcher, admin or the requester, never by staff of
//!   the lead unit itself. A failed verification (reason required) sends the case back to the
//!   lead (签收 and report again, clock restarts) and is not a 重办.
//! - 评价: the requester only. Unresolved or 不满意 reopens once (counted against the lead, the
//!   lead starts over, clock restarts); the second negative verdict stays 已评价. A merged case's
//!   requester may rate once; the case stays 已合并 and nothing reopens.
//! - 合并 from 受理 to 签收 (units holding it are told it is withdrawn).
//! - 就地解决: grid or community worker acting for a unit, patrol cases only; that unit becomes
//!   lead and first receiver, so a bad verdict reopens to it.
//! - 催办: the requester only, while a unit holds the case, once per working day (the day is
//!   computed on the working calendar by [`super::urge_day`]); the lead unit is told.
//! - 补充信息: the requester only, while the case is open; a note or at least one photo. The
//!   lead unit is told, or the dispatch centre while no unit holds the case.
//! - 转调解 (a 民间纠纷 such as a quarrel between neighbours goes to a 人民调解 organisation,
//!   人民调解法 art 17/18; the case closes as 已转调解): before a unit answered (受理 to 签收).
//!   Those who close cases may refer: the dispatch centre (`DISPATCH_ROLES`, who also close,
//!   reject and merge) at any of those statuses, and the handling grid team — a grid or community
//!   worker acting for the grid team that leads the case (`ON_SPOT_ROLES`, who close a patrol
//!   report on the spot) — while it holds the case: the community's 人民调解委员会 sits with it.
//!   A department does not: a neighbours' quarrel is not its business, it returns the case
//!   (退单) and the dispatch centre refers it. The units still holding the case are told it is
//!   withdrawn; the clock stops; the requester is told; the case is never rated (its outcome is
//!   the dispute's).
//! - Free texts are at most [`MAX_TEXT_CHARS`](super::MAX_TEXT_CHARS) characters; reasons
//!   (不予立案, 退单, 延期, failed 核查, refused 延期) and replies are required.

mod closing;
mod handling;
mod referral;
mod resident;
mod triage;

use super::action::{Action, ActionKind, Actor};
use super::decision::{ClockChange, Decision, Event, Notice};
use super::error::TransitionError;
use super::state::CaseState;
use super::unit::Unit;
use crate::kernel::access::Role;
use chrono::{DateTime, Utc};

/// Roles that run the dispatch centre (立案, 派遣, 结案, 合并, 改派).
pub const DISPATCH_ROLES: [Role; 2] = [Role::Dispatcher, Role::Admin];
/// Roles that may supervise (督办) at any open status and decide extensions.
pub const SUPERVISOR_ROLES: [Role; 3] = [Role::Dispatcher, Role::Leader, Role::Admin];
/// Staff roles that may verify (核查) a handled case.
pub const VERIFIER_ROLES: [Role; 4] = [Role::GridWorker, Role::CommunityWorker, Role::Dispatcher, Role::Admin];
/// Staff roles that may close a patrol report on the spot (就地解决).
pub const ON_SPOT_ROLES: [Role; 2] = [Role::GridWorker, Role::CommunityWorker];

/// Decides one action. `state` is never modified: on success the new state (version + 1) is
/// in the [`Decision`]; on error nothing happened.
pub fn decide(
    state: &CaseState,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Decision, TransitionError> {
    let kind = action.kind();
    if !kind.allowed_in(state.status) {
        return Err(TransitionError::NotAllowed { status: state.status, action: kind });
    }
    let mut d = Draft { state: state.clone(), events: Vec::new(), notices: Vec::new(), clock: None, now, kind };
    match action {
        Action::Accept => triage::accept(&mut d, actor)?,
        Action::Reject { reason } => triage::reject(&mut d, actor, reason)?,
        Action::Dispatch { lead, assisting, auto } => triage::dispatch(&mut d, actor, lead, assisting, *auto)?,
        Action::Merge { into_case_id } => triage::merge(&mut d, actor, *into_case_id)?,
        Action::HandleOnSpot { reply } => triage::handle_on_spot(&mut d, actor, reply)?,
        Action::Acknowledge { unit } => handling::acknowledge(&mut d, actor, unit)?,
        Action::Return { unit, reason, override_by_dispatcher } => {
            handling::return_case(&mut d, actor, unit, reason, *override_by_dispatcher)?
        }
        Action::RequestExtension { unit, extra, reason } => {
            handling::request_extension(&mut d, actor, unit, extra, reason)?
        }
        Action::DecideExtension { approve, note } => handling::decide_extension(&mut d, actor, *approve, note)?,
        Action::Supervise { note } => handling::supervise(&mut d, actor, note)?,
        Action::Report { unit, reply, evidence } => handling::report(&mut d, actor, unit, reply, evidence)?,
        Action::ContactRequester { note } => handling::contact(&mut d, actor, note)?,
        Action::Verify { ok, note } => closing::verify(&mut d, actor, *ok, note)?,
        Action::Close => closing::close(&mut d, actor)?,
        Action::Rate { resolved, satisfaction, comment } => {
            closing::rate(&mut d, actor, *resolved, *satisfaction, comment)?
        }
        Action::Urge { day } => resident::urge(&mut d, actor, *day)?,
        Action::AddNote { note, photos } => resident::add_note(&mut d, actor, note, photos)?,
        Action::ReferToMediation { reason } => referral::refer(&mut d, actor, reason)?,
    }
    d.state.version = state.version + 1;
    Ok(Decision { state: d.state, events: d.events, notices: d.notices, clock: d.clock })
}

/// The decision being built.
struct Draft {
    state: CaseState,
    events: Vec<Event>,
    notices: Vec<Notice>,
    clock: Option<ClockChange>,
    now: DateTime<Utc>,
    kind: ActionKind,
}

impl Draft {
    fn event(&mut self, e: Event) {
        self.events.push(e);
    }

    fn notify(&mut self, n: Notice) {
        self.notices.push(n);
    }

    fn forbidden(&self, actor: &Actor) -> TransitionError {
        TransitionError::Forbidden { actor: actor.label(), action: self.kind }
    }

    /// The actor is staff with one of `roles`.
    fn require_role(&self, actor: &Actor, roles: &[Role]) -> Result<(), TransitionError> {
        if actor.has_role(roles) { Ok(()) } else { Err(self.forbidden(actor)) }
    }

    /// The actor is staff acting for `unit`.
    fn require_unit(&self, actor: &Actor, unit: &Unit) -> Result<(), TransitionError> {
        match actor {
            Actor::Staff { unit: Some(u), .. } if u == unit => Ok(()),
            Actor::Staff { .. } => Err(TransitionError::NotYourUnit { unit: unit.clone() }),
            _ => Err(self.forbidden(actor)),
        }
    }

    /// `unit` takes part in the case and has not returned it.
    fn require_participant(&self, unit: &Unit) -> Result<(), TransitionError> {
        match self.state.active_participant(unit) {
            Some(_) => Ok(()),
            None => Err(TransitionError::NotParticipant { unit: unit.clone() }),
        }
    }

    /// Sends the case back to its lead for another round (failed verification or reopen): the
    /// lead must acknowledge and report again, and the clock restarts.
    fn back_to_lead(&mut self) {
        let now = self.now;
        let s = &mut self.state;
        s.status = super::status::Status::Dispatched;
        s.dispatched_at = Some(now);
        s.handled_at = None;
        s.closed_at = None;
        s.reply = None;
        s.evidence.clear();
        if let Some(lead) = s.lead.clone()
            && let Some(p) = s.active_participant_mut(&lead)
        {
            p.acknowledged_at = None;
            p.reported_at = None;
        }
        self.clock = Some(ClockChange::Start);
    }
}

/// Unit keys for event details.
fn keys<'a>(units: impl IntoIterator<Item = &'a Unit>) -> Vec<String> {
    units.into_iter().map(Unit::key).collect()
}
