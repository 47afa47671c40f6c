//! Tables: which action is legal in which status (the dispute and 司法确认), and who may take it.

use super::*;

/// Rows: statuses in `Status::ALL` order; columns: `ActionKind::ALL` order
/// (受理 意愿 指派 调解 协议 签署 终止 履行 回访 结案 延期 升级 流转 研判 激化 督办 撤回).
const LEGAL: [(Status, &str); 10] = [
    (Status::Registered, "YY---------YYYYYY"),
    (Status::Accepted, "-YYY--Y---YYYYYYY"),
    (Status::Mediating, "--YYY-Y---YYYYYYY"),
    (Status::Agreed, "----YYY------YYY-"),
    (Status::Performing, "-------YY----YYY-"),
    (Status::FollowedUp, "-------YYY---YYY-"),
    (Status::Closed, "-----------------"),
    (Status::Failed, "-----------------"),
    (Status::Refused, "-----------------"),
    (Status::Withdrawn, "-----------------"),
];

/// A typical action of `kind` with an actor allowed to take it; adjusts the fixture where the
/// action needs more than the status (consents and a mediator before the first session).
fn typical(w: &mut Walk, kind: ActionKind) -> (Actor, Action) {
    let today = w.today();
    match kind {
        ActionKind::Accept => (dispatcher(), Action::Accept),
        ActionKind::RecordConsent => (party(1), consent(1, true)),
        ActionKind::AssignMediators => (dispatcher(), assign(&[2])),
        ActionKind::RecordSession => {
            if w.state.status == Status::Accepted {
                w.state.parties[1].consent = Consent::Given { form: ConsentForm::Online, at: w.now };
                w.state.mediators = vec![1];
            }
            (mediator(), session(today))
        }
        ActionKind::RecordAgreement => (mediator(), oral(today)),
        ActionKind::SignAgreement => (mediator(), sign()),
        ActionKind::Terminate => (dispatcher(), terminate()),
        ActionKind::RecordPerformance => (dispatcher(), performed(0)),
        ActionKind::FollowUp => (staff(Role::GridWorker), follow_up()),
        ActionKind::Close => (dispatcher(), Action::Close { routes_told: false, note: String::new() }),
        ActionKind::ExtendLimit => {
            (dispatcher(), Action::ExtendLimit { days: 10, consents: vec![0, 1], reason: "双方同意继续调解".into() })
        }
        ActionKind::Escalate => (dispatcher(), Action::Escalate { to: Level::Street, reason: "涉及多个部门".into() }),
        ActionKind::Transfer => (dispatcher(), Action::Transfer { to: CENTRE, reason: "专业性强".into() }),
        ActionKind::AssessRisk => (dispatcher(), Action::AssessRisk { risk: risk("yellow"), note: String::new() }),
        ActionKind::ReportViolence => (staff(Role::GridWorker), Action::ReportViolence { note: "一方扬言报复".into() }),
        ActionKind::Supervise => (staff(Role::Leader), Action::Supervise { note: "请加快化解".into() }),
        ActionKind::Withdraw => (party(0), Action::Withdraw { reason: String::new() }),
    }
}

#[test]
fn every_status_and_action_pair() {
    let mut checked = 0;
    for (status, row) in LEGAL {
        assert_eq!(row.chars().count(), ActionKind::ALL.len());
        for (&kind, cell) in ActionKind::ALL.iter().zip(row.chars()) {
            let legal = cell == 'Y';
            assert_eq!(kind.allowed_in(status), legal, "{status:?} × {kind:?}");
            let mut w = fixture(status);
            let (actor, action) = typical(&mut w, kind);
            assert_eq!(action.kind(), kind);
            let got = decide(&w.state, &actor, &action, w.now);
            if legal {
                let d = got.unwrap_or_else(|e| panic!("{status:?} × {kind:?}: {e}"));
                assert!(!d.events.is_empty());
                assert_eq!(d.state.version, w.state.version + 1);
            } else {
                assert_eq!(
                    got.unwrap_err(),
                    MediationError::NotAllowed { status, action: kind },
                    "{status:?} × {kind:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 170);
    assert_eq!(LEGAL.map(|(s, _)| s).as_slice(), Status::ALL, "one row per status, in order");
}

/// The status each legal cell leads to (same typical actions as above).
#[test]
fn where_each_legal_action_leads() {
    use Status::*;
    let expect = |status: Status, kind: ActionKind| -> Status {
        match (status, kind) {
            (Registered, ActionKind::Accept) => Accepted,
            (Accepted, ActionKind::RecordSession) => Mediating,
            (Mediating, ActionKind::RecordAgreement) | (Agreed, ActionKind::RecordAgreement) => Performing, // oral
            (Agreed, ActionKind::SignAgreement) => Performing,
            (_, ActionKind::Terminate) => Failed,
            (_, ActionKind::FollowUp) => FollowedUp,
            (_, ActionKind::Close) => Closed,
            (_, ActionKind::Transfer) => Registered,
            (_, ActionKind::Withdraw) => Withdrawn,
            (s, _) => s,
        }
    };
    for (status, row) in LEGAL {
        for (&kind, cell) in ActionKind::ALL.iter().zip(row.chars()) {
            if cell != 'Y' {
                continue;
            }
            let mut w = fixture(status);
            let (actor, action) = typical(&mut w, kind);
            let d = decide(&w.state, &actor, &action, w.now).unwrap();
            assert_eq!(d.state.status, expect(status, kind), "{status:?} × {kind:?}");
        }
    }
    // A written agreement in 调解中 waits for its signatures.
    let mut w = fixture(Mediating);
    let due = w.today() + Duration::days(3);
    assert_eq!(w.ok(mediator(), written(due)).state.status, Agreed);
    // A refusal ends the dispute (人民调解法 art 17).
    let mut w = fixture(Registered);
    assert_eq!(w.ok(party(1), consent(1, false)).state.status, Refused);
}

#[test]
fn not_allowed_message_names_status_and_action() {
    let w = fixture(Status::Closed);
    let e = decide(&w.state, &dispatcher(), &Action::Accept, w.now).unwrap_err();
    assert_eq!(e.to_string(), "当前状态为“已结案”，不能受理");
}

/// Who may take each action: names of the roster below.
#[test]
fn who_may_act() {
    let roster: Vec<(&str, Actor)> = vec![
        ("admin", staff(Role::Admin)),
        ("leader", staff(Role::Leader)),
        ("dispatcher", dispatcher()),
        ("community", staff(Role::CommunityWorker)),
        ("grid", staff(Role::GridWorker)),
        ("secretary", staff(Role::PartySecretary)),
        ("dept", staff(Role::DepartmentHandler)),
        ("m1", mediator()),
        ("m2", mediator_as(2, true)),
        ("removed", mediator_as(1, false)),
        ("p0", party(0)),
        ("p1", party(1)),
        ("system", Actor::System),
    ];
    let coord = "admin dispatcher community";
    let with_m1 = |mut w: Walk| {
        w.state.mediators = vec![1];
        w
    };
    let overdue = |mut w: Walk| {
        w.now = w.state.deadline.unwrap() + Duration::minutes(1);
        w
    };
    let extend = Action::ExtendLimit { days: 5, consents: vec![0, 1], reason: "需补充材料".into() };
    let table: Vec<(Walk, Action, String)> = vec![
        (fixture(Status::Registered), Action::Accept, coord.into()),
        (with_m1(fixture(Status::Accepted)), consent(1, true), format!("{coord} m1 p1")),
        (fixture(Status::Accepted), assign(&[1, 2]), coord.into()),
        (fixture(Status::Mediating), session(t0().date_naive()), "m1".into()),
        (fixture(Status::Mediating), oral(day(2026, 3, 10)), "m1".into()),
        (fixture(Status::Agreed), sign(), "m1".into()),
        (fixture(Status::Mediating), terminate(), format!("{coord} m1")),
        (fixture(Status::Performing), performed(0), format!("{coord} m1")),
        (fixture(Status::Performing), follow_up(), format!("{coord} grid m1")),
        (fixture(Status::FollowedUp), Action::Close { routes_told: false, note: String::new() }, coord.into()),
        (fixture(Status::Mediating), extend, format!("{coord} m1")),
        (
            fixture(Status::Mediating),
            Action::Escalate { to: Level::Street, reason: "升级".into() },
            format!("{coord} m1"),
        ),
        (fixture(Status::Mediating), Action::Transfer { to: CENTRE, reason: "流转".into() }, coord.into()),
        (
            fixture(Status::Mediating),
            Action::AssessRisk { risk: risk("green"), note: String::new() },
            format!("{coord} m1"),
        ),
        (fixture(Status::Mediating), Action::ReportViolence { note: "扬言报复".into() }, format!("{coord} grid m1")),
        (fixture(Status::Mediating), Action::Supervise { note: String::new() }, "admin leader dispatcher".into()),
        (
            overdue(fixture(Status::Mediating)),
            Action::Supervise { note: String::new() },
            "admin leader dispatcher system".into(),
        ),
        (fixture(Status::Mediating), Action::Withdraw { reason: String::new() }, format!("{coord} p0")),
    ];
    for (w, action, allowed) in table {
        let allowed: Vec<&str> = allowed.split(' ').collect();
        for (name, actor) in &roster {
            let got = decide(&w.state, actor, &action, w.now);
            assert_eq!(got.is_ok(), allowed.contains(name), "{:?} by {name}: {got:?}", action.kind());
        }
    }
}

/// 人民调解法 art 15: a removed mediator is refused before anything else is looked at.
#[test]
fn a_removed_mediator_does_nothing() {
    for &status in Status::ALL {
        let w = fixture(status);
        for &kind in ActionKind::ALL {
            let mut w2 = Walk { state: w.state.clone(), now: w.now };
            let (_, action) = typical(&mut w2, kind);
            let got = decide(&w2.state, &mediator_as(1, false), &action, w2.now).unwrap_err();
            if kind.allowed_in(status) {
                assert_eq!(got, MediationError::MediatorInactive, "{status:?} × {kind:?}");
            }
        }
    }
    let e = register(&mediator_as(3, false), &intake(), t0()).unwrap_err();
    assert_eq!(e.to_string(), "您的调解员资格已被罢免、解聘或不在任期内，不能从事调解工作（人民调解法第十五条）");
}

/// Rows: 司法确认 statuses in `ConfirmationStatus::ALL` order; columns: `ConfirmationActionKind::ALL`
/// (申请 受理 不予受理 延长 确认 驳回 逾期).
const CONFIRMATION_LEGAL: [(ConfirmationStatus, &str); 7] = [
    (ConfirmationStatus::NotApplied, "Y-----Y"),
    (ConfirmationStatus::Applied, "-YY----"),
    (ConfirmationStatus::Accepted, "---YYY-"),
    (ConfirmationStatus::Confirmed, "-------"),
    (ConfirmationStatus::Rejected, "-------"),
    (ConfirmationStatus::NotAccepted, "-------"),
    (ConfirmationStatus::WindowMissed, "-------"),
];

/// A dispute whose agreement took effect on 2026-03-02 (Monday), with 司法确认 in `status`,
/// reached through the sub-machine; the clock one day after the last step.
pub(super) fn confirmation_fixture(status: ConfirmationStatus) -> Walk {
    use ConfirmationAction as A;
    use ConfirmationStatus::*;
    let mut w = fixture(Status::Performing);
    let effective = w.state.effective_on().unwrap();
    assert_eq!(effective, day(2026, 3, 2));
    let apply = A::Apply { on: day(2026, 3, 10), court: "婺城区人民法院".into(), applicants: vec![0, 1] };
    w.now = t0() + Duration::days(9);
    let steps: Vec<A> = match status {
        NotApplied => vec![],
        Applied => vec![apply],
        Accepted => vec![apply, A::CourtAccept { on: day(2026, 3, 11) }],
        Confirmed => vec![apply, A::CourtAccept { on: day(2026, 3, 11) }, A::Confirm { on: day(2026, 3, 12) }],
        Rejected => vec![
            apply,
            A::CourtAccept { on: day(2026, 3, 11) },
            A::Reject { on: day(2026, 3, 12), reason: "协议内容不明确".into() },
        ],
        NotAccepted => vec![apply, A::CourtDecline { on: day(2026, 3, 11), reason: "不属于本院管辖".into() }],
        WindowMissed => {
            w.now = t0() + Duration::days(40);
            vec![A::Lapse]
        }
    };
    if status != WindowMissed {
        w.now = t0() + Duration::days(12);
    }
    for step in steps {
        // The system lapses a window; the mediator records every other step.
        let actor = if step == A::Lapse { Actor::System } else { mediator() };
        w.confirm_ok(actor, step);
    }
    assert_eq!(w.state.confirmation.status, status);
    w
}

fn typical_confirmation(w: &mut Walk, kind: ConfirmationActionKind) -> (Actor, ConfirmationAction) {
    use ConfirmationAction as A;
    let today = w.today();
    match kind {
        ConfirmationActionKind::Apply => {
            (mediator(), A::Apply { on: today, court: "婺城区人民法院".into(), applicants: vec![0, 1] })
        }
        ConfirmationActionKind::CourtAccept => (mediator(), A::CourtAccept { on: today }),
        ConfirmationActionKind::CourtDecline => {
            (dispatcher(), A::CourtDecline { on: today, reason: "涉及身份关系".into() })
        }
        ConfirmationActionKind::ExtendRuling => (mediator(), A::ExtendRuling { on: today }),
        ConfirmationActionKind::Confirm => (mediator(), A::Confirm { on: today }),
        ConfirmationActionKind::Reject => (dispatcher(), A::Reject { on: today, reason: "违背公序良俗".into() }),
        ConfirmationActionKind::Lapse => {
            w.now = t0() + Duration::days(40);
            (Actor::System, A::Lapse)
        }
    }
}

#[test]
fn every_confirmation_status_and_action_pair() {
    let mut checked = 0;
    for (status, row) in CONFIRMATION_LEGAL {
        assert_eq!(row.chars().count(), ConfirmationActionKind::ALL.len());
        for (&kind, cell) in ConfirmationActionKind::ALL.iter().zip(row.chars()) {
            let legal = cell == 'Y';
            assert_eq!(kind.allowed_in(status), legal, "{status:?} × {kind:?}");
            let mut w = confirmation_fixture(status);
            let (actor, action) = typical_confirmation(&mut w, kind);
            assert_eq!(action.kind(), kind);
            let got = decide_confirmation(&w.state, &actor, &action, w.now, &cal());
            if legal {
                let d = got.unwrap_or_else(|e| panic!("{status:?} × {kind:?}: {e}"));
                assert_eq!(d.events.len(), 1);
                assert_eq!(d.state.status, w.state.status, "the dispute's own status does not move");
            } else {
                assert_eq!(
                    got.unwrap_err(),
                    MediationError::ConfirmationNotAllowed { status, action: kind },
                    "{status:?} × {kind:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 49);
    assert_eq!(CONFIRMATION_LEGAL.map(|(s, _)| s).as_slice(), ConfirmationStatus::ALL);
}

/// Only an effective agreement can be confirmed (人民调解法 art 33): before it, every step of
/// the sub-machine is refused.
#[test]
fn confirmation_needs_an_effective_agreement() {
    for status in [Status::Registered, Status::Mediating, Status::Agreed, Status::Failed] {
        let mut w = fixture(status);
        let (actor, action) = typical_confirmation(&mut w, ConfirmationActionKind::Apply);
        let e = decide_confirmation(&w.state, &actor, &action, w.now, &cal()).unwrap_err();
        assert_eq!(e, MediationError::AgreementNotEffective, "{status:?}");
    }
    // A closed dispute's agreement is still effective.
    let mut w = fixture(Status::Closed);
    let (actor, action) = typical_confirmation(&mut w, ConfirmationActionKind::Apply);
    assert!(decide_confirmation(&w.state, &actor, &action, w.now, &cal()).is_ok());
}
