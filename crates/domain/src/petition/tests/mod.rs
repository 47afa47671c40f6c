//! Tests of the petition rules: fixtures shared by the status × action matrix, the walks, the
//! rule tables and the clock properties.

mod access;
mod clocks;
mod duplicate;
mod matrix;
mod props;
mod register;
mod walk;

use super::*;
use crate::case::Unit;
use crate::kernel::access::Role;
use crate::kernel::calendar::WorkingCalendar;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

pub(super) fn cal() -> WorkingCalendar {
    WorkingCalendar::builtin()
}

/// Monday 2026-03-02 09:00 in Shanghai.
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

/// A Shanghai wall-clock time (`2026-10-12 23:59`) as UTC.
pub(super) fn sh(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    crate::kernel::clock::from_shanghai(naive).unwrap()
}

pub(super) fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The Shanghai date of an instant.
pub(super) fn date_of(t: DateTime<Utc>) -> NaiveDate {
    crate::case::deadline::shanghai_date(t)
}

pub(super) fn dept(id: i64) -> Unit {
    Unit::Department(id)
}

pub(super) fn staff(role: Role) -> Actor {
    Actor::Staff { role, unit: None }
}

/// A handler of `unit`.
pub(super) fn of(unit: &Unit) -> Actor {
    Actor::Staff { role: Role::DepartmentHandler, unit: Some(unit.clone()) }
}

pub(super) fn office() -> Actor {
    staff(Role::Dispatcher)
}

pub(super) fn leader() -> Actor {
    staff(Role::Leader)
}

pub(super) fn registration(channel: Channel, kind: Kind) -> Registration {
    let petitioner = Petitioner {
        name: PetitionerName::new("张三").unwrap(),
        address: PetitionerAddress::new("某街道幸福里3号楼2单元101").unwrap(),
    };
    let matter = Matter {
        request: Request::new("要求补发拆迁补偿款").unwrap(),
        facts: Facts::new("2025年旧改项目签约后，补偿款至今未全额发放").unwrap(),
        reasons: Reasons::new("已按协议腾退房屋").unwrap(),
    };
    Registration::new(channel, kind, petitioner, matter, None, None).unwrap()
}

pub(super) fn opinion(outcome: Outcome) -> Opinion {
    Opinion {
        request: Request::new("要求补发拆迁补偿款").unwrap(),
        facts_and_reasons: FactsAndReasons::new("经调查核实，尚欠补偿款两万元").unwrap(),
        outcome,
        finding: Finding::new("责成征收实施单位于30日内补发").unwrap(),
        legal_basis: LegalBasis::new("《国有土地上房屋征收与补偿条例》第二十五条").unwrap(),
    }
}

/// A petition walked through the machine the way the store would.
pub(super) struct Walk {
    pub state: PetitionState,
    pub now: DateTime<Utc>,
    pub cal: WorkingCalendar,
}

impl Walk {
    pub fn new(kind: Kind) -> Walk {
        Walk::at(kind, t0())
    }

    pub fn at(kind: Kind, now: DateTime<Utc>) -> Walk {
        let d = register(&registration(Channel::Letter, kind), now);
        assert_eq!(d.events[0].kind, EventKind::Registered);
        Walk { state: d.state, now, cal: cal() }
    }

    pub fn later(&mut self, minutes: i64) -> &mut Walk {
        self.now += Duration::minutes(minutes);
        self
    }

    pub fn days(&mut self, days: i64) -> &mut Walk {
        self.now += Duration::days(days);
        self
    }

    pub fn today(&self) -> NaiveDate {
        date_of(self.now)
    }

    pub fn try_(&self, actor: &Actor, action: &Action) -> Result<Decision, TransitionError> {
        decide(&self.state, actor, action, self.now, &self.cal)
    }

    /// Applies an action that must succeed; returns the decision.
    #[track_caller]
    pub fn ok(&mut self, actor: Actor, action: Action) -> Decision {
        let d = self.try_(&actor, &action).unwrap_or_else(|e| panic!("{action:?} by {actor:?} refused: {e}"));
        assert_eq!(d.state.version, self.state.version + 1);
        assert!(!d.events.is_empty());
        self.state = d.state.clone();
        d
    }

    /// Applies an action that must fail, and checks nothing changed.
    #[track_caller]
    pub fn err(&mut self, actor: Actor, action: Action) -> TransitionError {
        let before = self.state.clone();
        let e = self.try_(&actor, &action).expect_err(&format!("{action:?} by {actor:?} should be refused"));
        assert_eq!(self.state, before);
        e
    }

    /// The clock of `kind`, which must be listed.
    #[track_caller]
    pub fn clock(&self, kind: ClockKind) -> Clock {
        clocks(&self.state, self.now, &self.cal)
            .into_iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} clock"))
    }
}

pub(super) fn notify() -> Action {
    Action::Notify { note: "已收到您的来信，将转有关单位办理".into() }
}

pub(super) fn transfer(unit: &Unit) -> Action {
    Action::Transfer { unit: unit.clone(), mode: TransferMode::Assign, note: String::new() }
}

pub(super) fn object() -> Action {
    Action::Object { reason: "该事项属区住建委职责".into() }
}

pub(super) fn issue(served_on: NaiveDate) -> Action {
    Action::IssueOpinion { opinion: opinion(Outcome::Support), served_on }
}

pub(super) fn request_review() -> Action {
    Action::RequestReview { body: "区人民政府".into(), request: "补偿标准不对".into() }
}

pub(super) fn answer_review(served_on: NaiveDate) -> Action {
    Action::AnswerReview { opinion: opinion(Outcome::Support), served_on }
}

pub(super) fn request_recheck() -> Action {
    Action::RequestRecheck { body: "市人民政府".into(), request: String::new() }
}

pub(super) fn answer_recheck(served_on: NaiveDate, publish: bool) -> Action {
    Action::AnswerRecheck { opinion: opinion(Outcome::Explain), served_on, publish }
}

/// A 申诉求决类 petition in `status`, reached through the machine: transferred to 部门#1, which
/// accepts it; an hour (or, to conclude, 31 days) between steps.
pub(super) fn fixture(status: Status) -> Walk {
    let d1 = dept(1);
    let mut w = Walk::new(Kind::Claim);
    let path: &[Status] = match status {
        Status::Registered => &[],
        Status::Withdrawn => &[Status::Withdrawn],
        Status::Objected => &[Status::Notified, Status::Transferred, Status::Objected],
        Status::Concluded => {
            &[Status::Notified, Status::Transferred, Status::Handling, Status::OpinionIssued, Status::Concluded]
        }
        Status::Mediated | Status::Routed => &[Status::Notified, Status::Transferred, Status::Handling, status],
        Status::Final => &[
            Status::Notified,
            Status::Transferred,
            Status::Handling,
            Status::OpinionIssued,
            Status::ReviewRequested,
            Status::Reviewed,
            Status::RecheckRequested,
            Status::Final,
        ],
        _ => &[
            Status::Notified,
            Status::Transferred,
            Status::Handling,
            Status::OpinionIssued,
            Status::ReviewRequested,
            Status::Reviewed,
            Status::RecheckRequested,
            Status::Hearing,
        ],
    };
    for step in path {
        if w.state.status == status {
            break;
        }
        w.later(60);
        let today = w.today();
        match step {
            Status::Notified => w.ok(office(), notify()),
            Status::Transferred => w.ok(office(), transfer(&d1)),
            Status::Objected => w.ok(of(&d1), object()),
            Status::Handling => w.ok(of(&d1), Action::Accept),
            Status::OpinionIssued => w.ok(of(&d1), issue(today)),
            Status::ReviewRequested => w.ok(Actor::Petitioner, request_review()),
            Status::Reviewed => w.ok(leader(), answer_review(today)),
            Status::RecheckRequested => w.ok(Actor::Petitioner, request_recheck()),
            Status::Hearing => w.ok(leader(), Action::StartHearing { note: String::new() }),
            Status::Final => w.ok(leader(), answer_recheck(today, false)),
            Status::Concluded => w.days(31).ok(Actor::System, Action::Conclude),
            Status::Mediated => w.ok(staff(Role::Mediator), Action::Mediate { dispute_id: 9, note: String::new() }),
            Status::Routed => {
                w.ok(of(&d1), Action::Route { route: Route::Litigation, note: "请向人民法院起诉".into() })
            }
            Status::Withdrawn => w.ok(Actor::Petitioner, Action::Withdraw { reason: String::new() }),
            Status::Registered => unreachable!(),
        };
    }
    assert_eq!(w.state.status, status);
    w
}
