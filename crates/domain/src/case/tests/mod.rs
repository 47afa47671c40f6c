//! Tests of the state machine: fixtures shared by the legality tables, the branch walks and the
//! property tests.

mod matrix;
mod merges;
mod props;
mod walk;

use super::*;
use crate::case::deadline::TimeLimit;
use crate::kernel::access::Role;
use chrono::{DateTime, Duration, TimeZone, Utc};

pub(super) const G1: &str = "330702001008001";
pub(super) const G2: &str = "330702001008002";

pub(super) fn t0() -> DateTime<Utc> {
    // Monday 2026-03-02 09:00 in Shanghai.
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

pub(super) fn dept(id: i64) -> Unit {
    Unit::Department(id)
}

pub(super) fn grid(code: &str) -> Unit {
    Unit::GridTeam(code.to_string())
}

pub(super) fn staff(role: Role) -> Actor {
    Actor::Staff { role, unit: None }
}

/// Staff acting for a unit: a department handler, or a grid worker for a grid team.
pub(super) fn of(unit: &Unit) -> Actor {
    let role = match unit {
        Unit::Department(_) => Role::DepartmentHandler,
        Unit::GridTeam(_) => Role::GridWorker,
    };
    Actor::Staff { role, unit: Some(unit.clone()) }
}

pub(super) fn dispatcher() -> Actor {
    staff(Role::Dispatcher)
}

pub(super) fn leader() -> Actor {
    staff(Role::Leader)
}

/// What the caller does with the deadline (a stand-in for `crate::case::deadline`).
pub(super) fn apply_clock(state: &mut CaseState, clock: &Option<ClockChange>, now: DateTime<Utc>) {
    match clock {
        Some(ClockChange::Start) => state.deadline = Some(now + Duration::days(3)),
        Some(ClockChange::Extend(TimeLimit::Hours(h))) => {
            state.deadline = state.deadline.map(|d| d + Duration::hours(i64::from(*h)))
        }
        Some(ClockChange::Extend(TimeLimit::WorkingDays(n))) => {
            state.deadline = state.deadline.map(|d| d + Duration::days(i64::from(*n)))
        }
        Some(ClockChange::Stop) | None => {}
    }
}

/// A case walked through the machine the way the store would.
pub(super) struct Walk {
    pub state: CaseState,
    pub now: DateTime<Utc>,
}

impl Walk {
    pub fn new(channel: Channel) -> Walk {
        Walk { state: CaseState::new(channel), now: t0() }
    }

    pub fn later(&mut self, minutes: i64) -> &mut Walk {
        self.now += Duration::minutes(minutes);
        self
    }

    /// Applies an action that must succeed; returns the decision.
    #[track_caller]
    pub fn ok(&mut self, actor: Actor, action: Action) -> Decision {
        let d = decide(&self.state, &actor, &action, self.now)
            .unwrap_or_else(|e| panic!("{action:?} by {actor:?} refused: {e}"));
        assert_eq!(d.state.version, self.state.version + 1);
        self.state = d.state.clone();
        apply_clock(&mut self.state, &d.clock, self.now);
        d
    }

    /// Applies an action that must fail, and checks nothing changed.
    #[track_caller]
    pub fn err(&mut self, actor: Actor, action: Action) -> TransitionError {
        let before = self.state.clone();
        let e = decide(&self.state, &actor, &action, self.now)
            .expect_err(&format!("{action:?} by {actor:?} should be refused"));
        assert_eq!(self.state, before);
        e
    }
}

pub(super) fn dispatch(lead: Unit, assisting: Vec<Unit>) -> Action {
    Action::Dispatch { lead, assisting, auto: false }
}

pub(super) fn ack(unit: &Unit) -> Action {
    Action::Acknowledge { unit: unit.clone() }
}

pub(super) fn report(unit: &Unit, reply: &str) -> Action {
    Action::Report { unit: unit.clone(), reply: reply.to_string(), evidence: vec!["photo:1".to_string()] }
}

pub(super) fn ret(unit: &Unit, reason: &str) -> Action {
    Action::Return { unit: unit.clone(), reason: reason.to_string(), override_by_dispatcher: false }
}

pub(super) fn verify(ok: bool, note: &str) -> Action {
    Action::Verify { ok, note: note.to_string() }
}

pub(super) fn refer(reason: &str) -> Action {
    Action::ReferToMediation { reason: reason.to_string() }
}

pub(super) fn rate(resolved: bool, satisfaction: Satisfaction) -> Action {
    Action::Rate { resolved, satisfaction, comment: String::new() }
}

/// A case in `status`, reached through the machine: joint dispatch to 部门#1 (lead) with
/// 部门#2 and grid G1 assisting; in 派遣 部门#2 has acknowledged, in 签收 the lead too.
pub(super) fn fixture(status: Status) -> Walk {
    let (d1, d2, g) = (dept(1), dept(2), grid(G1));
    let mut w = Walk::new(Channel::Patrol);
    let path: &[Status] = match status {
        Status::Received => &[],
        Status::Accepted => &[Status::Accepted],
        Status::Rejected => &[Status::Rejected],
        Status::Merged => &[Status::Accepted, Status::Merged],
        Status::Referred => &[Status::Accepted, Status::Referred],
        _ => &[
            Status::Accepted,
            Status::Dispatched,
            Status::Acknowledged,
            Status::Handled,
            Status::Verified,
            Status::Closed,
            Status::Rated,
        ],
    };
    for step in path {
        if w.state.status == status {
            break;
        }
        w.later(30);
        match step {
            Status::Accepted => {
                w.ok(dispatcher(), Action::Accept);
            }
            Status::Rejected => {
                w.ok(dispatcher(), Action::Reject { reason: "不属于受理范围".into() });
            }
            Status::Merged => {
                w.ok(dispatcher(), Action::Merge { into_case_id: 7 });
            }
            Status::Referred => {
                w.ok(dispatcher(), refer("邻里纠纷"));
            }
            Status::Dispatched => {
                w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone(), g.clone()]));
                w.ok(of(&d2), ack(&d2));
            }
            Status::Acknowledged => {
                w.ok(of(&d1), ack(&d1));
            }
            Status::Handled => {
                w.ok(of(&d1), report(&d1, "已协调处理"));
            }
            Status::Verified => {
                w.ok(dispatcher(), verify(true, ""));
            }
            Status::Closed => {
                w.ok(dispatcher(), Action::Close);
            }
            Status::Rated => {
                w.ok(Actor::Requester, rate(true, Satisfaction::Satisfied));
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(w.state.status, status);
    w
}
