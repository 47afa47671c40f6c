//! Tables: which action is legal in which status (every pair), and who may take each action.

use super::*;

/// Rows: statuses in `Status::ALL` order; columns: `ActionKind::ALL` order
/// (告知 转送交办 异议 核实异议 受理 延期 意见书 答复 请求复查 复查意见 请求复核 听证 结束听证
/// 复核意见 办结 调解 转入法定途径 撤回).
const LEGAL: [(Status, &str); 15] = [
    (Status::Registered, "Y----------------Y"),
    (Status::Notified, "-Y--Y-----------YY"),
    (Status::Transferred, "--Y-Y-----------YY"),
    (Status::Objected, "---Y-------------Y"),
    (Status::Handling, "-----YYY-------YYY"),
    (Status::OpinionIssued, "--------Y-----Y--Y"),
    (Status::ReviewRequested, "---------Y-------Y"),
    (Status::Reviewed, "----------Y---Y--Y"),
    (Status::RecheckRequested, "-----------Y-Y---Y"),
    (Status::Hearing, "------------Y----Y"),
    (Status::Final, "------------------"),
    (Status::Concluded, "------------------"),
    (Status::Mediated, "------------------"),
    (Status::Routed, "------------------"),
    (Status::Withdrawn, "------------------"),
];

/// A typical action of `kind` with an actor allowed to take it, adjusting the fixture where the
/// action needs it (a 建议意见类 matter to answer, the time to ask for 复查 passed).
fn typical(w: &mut Walk, kind: ActionKind) -> (Actor, Action) {
    let handler = w.state.holder().map_or(office(), of);
    let today = w.today();
    match kind {
        ActionKind::Notify => (office(), notify()),
        ActionKind::Transfer => (office(), transfer(&dept(3))),
        ActionKind::Object => (of(&dept(1)), object()),
        ActionKind::DecideObjection => (office(), Action::DecideObjection { agree: true, note: String::new() }),
        ActionKind::Accept => (handler, Action::Accept),
        ActionKind::Extend => (leader(), Action::Extend { days: 10, reason: "需现场测绘".into() }),
        ActionKind::IssueOpinion => (handler, issue(today)),
        ActionKind::Reply => {
            w.state.kind = Kind::Suggestion;
            (handler, Action::Reply { reply: "建议已采纳，将纳入明年计划".into() })
        }
        ActionKind::RequestReview => (Actor::Petitioner, request_review()),
        ActionKind::AnswerReview => (leader(), answer_review(today)),
        ActionKind::RequestRecheck => (Actor::Petitioner, request_recheck()),
        ActionKind::StartHearing => (leader(), Action::StartHearing { note: String::new() }),
        ActionKind::EndHearing => (leader(), Action::EndHearing { note: String::new() }),
        ActionKind::AnswerRecheck => (leader(), answer_recheck(today, false)),
        ActionKind::Conclude => {
            w.days(40);
            (Actor::System, Action::Conclude)
        }
        ActionKind::Mediate => (staff(Role::Mediator), Action::Mediate { dispute_id: 9, note: String::new() }),
        ActionKind::Route => (
            handler,
            Action::Route { route: Route::Arbitration, note: "请向劳动人事争议仲裁委员会申请".into() },
        ),
        ActionKind::Withdraw => (Actor::Petitioner, Action::Withdraw { reason: String::new() }),
    }
}

#[test]
fn every_status_and_action_pair() {
    let mut checked = 0;
    for (status, row) in LEGAL {
        assert_eq!(row.chars().count(), ActionKind::ALL.len());
        for (kind, cell) in ActionKind::ALL.into_iter().zip(row.chars()) {
            let legal = cell == 'Y';
            assert_eq!(kind.allowed_in(status), legal, "{status:?} × {kind:?}");
            let mut w = fixture(status);
            let (actor, action) = typical(&mut w, kind);
            assert_eq!(action.kind(), kind);
            match w.try_(&actor, &action) {
                Ok(d) => {
                    assert!(legal, "{status:?} × {kind:?} should be refused");
                    assert!(!d.events.is_empty());
                    assert_eq!(d.state.version, w.state.version + 1);
                    // Closed exactly when it leaves the open statuses.
                    assert_eq!(d.state.closed_at.is_some(), !d.state.status.is_open(), "{status:?} × {kind:?}");
                }
                Err(e) if legal => panic!("{status:?} × {kind:?}: {e}"),
                Err(e) => assert_eq!(e, TransitionError::NotAllowed { status, action: kind }, "{status:?} × {kind:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, Status::ALL.len() * ActionKind::ALL.len());
    assert_eq!(LEGAL.map(|(s, _)| s), Status::ALL, "one row per status, in order");
}

#[test]
fn not_allowed_message_names_status_and_action() {
    let w = fixture(Status::Final);
    let e = w.try_(&Actor::Petitioner, &request_review()).unwrap_err();
    assert_eq!(e.to_string(), "当前状态为“复核终结”，不能请求复查");
}

/// Who may take each action: names of the roster below.
#[test]
fn who_may_act() {
    let roster: Vec<(&str, Actor)> = vec![
        ("admin", staff(Role::Admin)),
        ("leader", leader()),
        ("office", office()),
        ("community", staff(Role::CommunityWorker)),
        ("mediator", staff(Role::Mediator)),
        ("d1", of(&dept(1))),
        ("d1-head", Actor::Staff { role: Role::Leader, unit: Some(dept(1)) }),
        ("d9", of(&dept(9))),
        ("petitioner", Actor::Petitioner),
        ("system", Actor::System),
    ];
    let late = |mut w: Walk| {
        w.days(40);
        w
    };
    let in_house = |mut w: Walk| {
        w.ok(office(), Action::Accept);
        w
    };
    let today = fixture(Status::Registered).today();
    let table: Vec<(Walk, Action, &str)> = vec![
        (fixture(Status::Registered), notify(), "admin office"),
        (fixture(Status::Notified), transfer(&dept(2)), "admin office"),
        (fixture(Status::Transferred), object(), "d1 d1-head"),
        (fixture(Status::Objected), Action::DecideObjection { agree: true, note: String::new() }, "admin office"),
        (fixture(Status::Transferred), Action::Accept, "d1 d1-head"),
        (fixture(Status::Notified), Action::Accept, "admin office"),
        (fixture(Status::Handling), Action::Extend { days: 30, reason: "情况复杂".into() }, "admin leader d1-head"),
        (in_house(fixture(Status::Notified)), Action::Extend { days: 5, reason: "情况复杂".into() }, "admin leader"),
        (fixture(Status::Handling), issue(today), "d1 d1-head"),
        (in_house(fixture(Status::Notified)), issue(today), "admin office"),
        (fixture(Status::OpinionIssued), request_review(), "admin office petitioner"),
        (fixture(Status::ReviewRequested), answer_review(today), "admin leader office"),
        (fixture(Status::Reviewed), request_recheck(), "admin office petitioner"),
        (fixture(Status::RecheckRequested), Action::StartHearing { note: String::new() }, "admin leader office"),
        (fixture(Status::Hearing), Action::EndHearing { note: String::new() }, "admin leader office"),
        (fixture(Status::RecheckRequested), answer_recheck(today, false), "admin leader office"),
        (late(fixture(Status::OpinionIssued)), Action::Conclude, "admin office system"),
        (fixture(Status::Handling), Action::Mediate { dispute_id: 3, note: String::new() }, "mediator d1 d1-head"),
        (
            fixture(Status::Handling),
            Action::Route { route: Route::Reconsideration, note: "请申请行政复议".into() },
            "d1 d1-head",
        ),
        (fixture(Status::Handling), Action::Withdraw { reason: String::new() }, "admin office petitioner"),
    ];
    for (w, action, allowed) in table {
        let allowed: Vec<&str> = allowed.split(' ').collect();
        for (name, actor) in &roster {
            let got = w.try_(actor, &action);
            assert_eq!(got.is_ok(), allowed.contains(name), "{action:?} by {name}: {got:?}");
        }
    }
    // Another unit's staff are told whose petition it is.
    let w = fixture(Status::Handling);
    assert_eq!(w.try_(&of(&dept(9)), &Action::Accept).unwrap_err().to_string(), "当前状态为“办理中”，不能受理");
    assert_eq!(w.try_(&of(&dept(9)), &issue(today)).unwrap_err().to_string(), "此件由部门#1办理，您不能以其名义操作");
}
