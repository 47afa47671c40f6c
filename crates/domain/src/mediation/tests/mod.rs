//! Tests of the dispute machine: fixtures shared by the legality tables, the walks through the
//! branches, the committee table and the clock properties.

mod access;
mod clocks;
mod committee;
mod matrix;
mod props;
mod walk;

use super::agreement::{AgreementDraft, AgreementDraftForm, AgreementParty, OralDraft, PerformanceTerm};
use super::code::DisputeCode;
use super::kinds::{DisputeType, Level, Source};
use super::mediator::MediatorRef;
use super::org::OrgKind;
use super::risk::default_risk_levels;
use super::*;
use crate::kernel::access::Role;
use crate::kernel::calendar::WorkingCalendar;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// Monday 2026-03-02 09:00 in Shanghai.
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The community's 人民调解委员会 (holds the disputes of the fixtures).
pub(super) const COMMITTEE: OrgRef = OrgRef { id: 10, kind: OrgKind::PeoplesCommittee, level: Level::Community };
/// The street's 矛调中心.
pub(super) const CENTRE: OrgRef = OrgRef { id: 20, kind: OrgKind::StreetCentre, level: Level::Street };

pub(super) fn staff(role: Role) -> Actor {
    Actor::Staff { role, mediator: None }
}

pub(super) fn dispatcher() -> Actor {
    staff(Role::Dispatcher)
}

/// A mediator's account; `active` is the standing of their record.
pub(super) fn mediator_as(id: i64, active: bool) -> Actor {
    Actor::Staff { role: Role::Mediator, mediator: Some(MediatorRef { id, active }) }
}

/// Mediator 1, who the fixtures assign.
pub(super) fn mediator() -> Actor {
    mediator_as(1, true)
}

pub(super) fn party(index: u8) -> Actor {
    Actor::Party { index }
}

pub(super) fn m(id: i64) -> MediatorRef {
    MediatorRef { id, active: true }
}

/// 张三 applied (and so consented); 李四 is to be asked.
pub(super) fn intake() -> Intake {
    Intake {
        code: DisputeCode::new(&crate::kernel::region::RegionCode::parse("330702001").unwrap(), day(2026, 3, 2), 1)
            .unwrap(),
        dispute_type: DisputeType::Neighbourhood,
        source: Source::WalkIn,
        referred_case_id: None,
        level: Level::Community,
        org: COMMITTEE,
        parties: vec![
            PartyInput {
                name: "张三".into(),
                applicant: true,
                resident_id: Some(1),
                consent: Some(ConsentForm::Written),
            },
            PartyInput { name: "李四".into(), applicant: false, resident_id: None, consent: None },
        ],
        summary: "楼上空调外机漏水，双方就维修费用发生争执。".into(),
        amount: None,
    }
}

pub(super) fn consent(party: u8, yes: bool) -> Action {
    Action::RecordConsent { party, consent: yes, form: ConsentForm::Oral, note: String::new() }
}

pub(super) fn assign(ids: &[i64]) -> Action {
    Action::AssignMediators { mediators: ids.iter().map(|i| m(*i)).collect(), chosen_by_parties: false }
}

pub(super) fn session(held_on: NaiveDate) -> Action {
    Action::RecordSession {
        held_on,
        place: SessionPlace::Offline { address: "东关社区调解室".into() },
        attendees: vec!["张三".into(), "李四".into()],
        notes: "双方陈述事实，调解员释法说理。".into(),
    }
}

pub(super) fn term(party: u8, due: NaiveDate) -> PerformanceTerm {
    PerformanceTerm {
        party, content: "赔偿维修费用800元".into(), method: "微信转账".into(), place: None, due
    }
}

pub(super) fn written(due: NaiveDate) -> Action {
    Action::RecordAgreement {
        agreement: AgreementDraftForm::Written(AgreementDraft {
            parties: vec![
                AgreementParty { name: "张三".into(), particulars: "男，1970年生，住东关社区3幢".into() },
                AgreementParty { name: "李四".into(), particulars: "女，1985年生，住东关社区4幢".into() },
            ],
            facts: "李四家空调外机漏水至张三家窗台。".into(),
            issues: "维修费用的承担。".into(),
            responsibilities: "李四承担主要责任。".into(),
            terms: "李四赔偿张三维修费用800元，并移装空调外机。".into(),
            items: vec![term(1, due)],
        }),
    }
}

pub(super) fn oral(due: NaiveDate) -> Action {
    Action::RecordAgreement {
        agreement: AgreementDraftForm::Oral(OralDraft {
            content: "李四当场同意赔偿800元。".into(),
            items: vec![term(1, due)],
        }),
    }
}

pub(super) fn sign() -> Action {
    Action::SignAgreement { parties_signed: true, mediator_signed: true, sealed: true, scan: Some("file:42".into()) }
}

pub(super) fn performed(item: u8) -> Action {
    Action::RecordPerformance { item, result: PerformanceResult::Performed, note: String::new() }
}

pub(super) fn follow_up() -> Action {
    Action::FollowUp { form: VisitForm::Phone, satisfied: true, note: "双方表示满意。".into() }
}

pub(super) fn terminate() -> Action {
    Action::Terminate { reason: "双方分歧过大。".into(), routes: vec![Route::Litigation] }
}

pub(super) fn risk(code: &str) -> risk::RiskLevel {
    default_risk_levels().into_iter().find(|l| l.code == code).unwrap()
}

pub(super) fn cal() -> WorkingCalendar {
    WorkingCalendar::builtin()
}

/// A dispute walked through the machine the way the store would.
pub(super) struct Walk {
    pub state: DisputeState,
    pub now: DateTime<Utc>,
}

impl Walk {
    pub fn new() -> Walk {
        let d = register(&dispatcher(), &intake(), t0()).unwrap();
        Walk { state: d.state, now: t0() }
    }

    pub fn later(&mut self, minutes: i64) -> &mut Walk {
        self.now += Duration::minutes(minutes);
        self
    }

    pub fn today(&self) -> NaiveDate {
        crate::case::deadline::shanghai_date(self.now)
    }

    /// Applies an action that must succeed; returns the decision.
    #[track_caller]
    pub fn ok(&mut self, actor: Actor, action: Action) -> Decision {
        let d = decide(&self.state, &actor, &action, self.now)
            .unwrap_or_else(|e| panic!("{action:?} by {actor:?} refused: {e}"));
        assert_eq!(d.state.version, self.state.version + 1);
        self.state = d.state.clone();
        d
    }

    /// Applies an action that must fail, and checks nothing changed.
    #[track_caller]
    pub fn err(&mut self, actor: Actor, action: Action) -> MediationError {
        let before = self.state.clone();
        let e = decide(&self.state, &actor, &action, self.now)
            .expect_err(&format!("{action:?} by {actor:?} should be refused"));
        assert_eq!(self.state, before);
        e
    }

    /// Applies a 司法确认 step that must succeed.
    #[track_caller]
    pub fn confirm_ok(&mut self, actor: Actor, action: ConfirmationAction) -> Decision {
        let d = decide_confirmation(&self.state, &actor, &action, self.now, &cal())
            .unwrap_or_else(|e| panic!("{action:?} by {actor:?} refused: {e}"));
        self.state = d.state.clone();
        d
    }

    #[track_caller]
    pub fn confirm_err(&mut self, actor: Actor, action: ConfirmationAction) -> MediationError {
        decide_confirmation(&self.state, &actor, &action, self.now, &cal())
            .expect_err(&format!("{action:?} by {actor:?} should be refused"))
    }
}

/// A dispute in `status`, reached through the machine: accepted by the committee, 李四
/// consents, mediator 1 is assigned, one session, a written agreement (one item due in two
/// weeks) signed, the item performed, one follow-up, closed. Failed: terminated while
/// mediating; refused: 李四 refuses once accepted; withdrawn: 张三 withdraws once accepted.
pub(super) fn fixture(status: Status) -> Walk {
    use Status::*;
    let mut w = Walk::new();
    let path: &[Status] = match status {
        Failed => &[Accepted, Mediating, Failed],
        Refused => &[Accepted, Refused],
        Withdrawn => &[Accepted, Withdrawn],
        _ => &[Accepted, Mediating, Agreed, Performing, FollowedUp, Closed],
    };
    for step in path {
        if w.state.status == status {
            break;
        }
        w.later(60);
        match step {
            Accepted => {
                w.ok(dispatcher(), Action::Accept);
            }
            Mediating => {
                w.ok(dispatcher(), consent(1, true));
                w.ok(dispatcher(), assign(&[1]));
                let today = w.today();
                w.ok(mediator(), session(today));
            }
            Agreed => {
                let due = w.today() + Duration::days(14);
                w.ok(mediator(), written(due));
            }
            Performing => {
                w.ok(mediator(), sign());
            }
            FollowedUp => {
                w.ok(mediator(), performed(0));
                w.ok(staff(Role::GridWorker), follow_up());
            }
            Closed => {
                w.ok(dispatcher(), Action::Close { routes_told: false, note: String::new() });
            }
            Failed => {
                w.ok(mediator(), terminate());
            }
            Refused => {
                w.ok(party(1), consent(1, false));
            }
            Withdrawn => {
                w.ok(party(0), Action::Withdraw { reason: "已私下和解".into() });
            }
            Registered => unreachable!(),
        }
    }
    assert_eq!(w.state.status, status);
    w
}
