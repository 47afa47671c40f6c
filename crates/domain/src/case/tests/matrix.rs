//! Tables: which action is legal in which status, and who may take it.

use super::*;

/// Rows: statuses in `Status::ALL` order; columns: `ActionKind::ALL` order
/// (立案 不予立案 派遣 签收 退单 申请延期 审批延期 督办 报告 核查 结案 评价 合并 联系 就地解决 催办 补充信息 转调解).
const LEGAL: [(Status, &str); 11] = [
    (Status::Received, "YYY----Y----Y-Y-YY"),
    (Status::Accepted, "-YY----Y----Y---YY"),
    (Status::Rejected, "------------------"),
    (Status::Dispatched, "---YYYYYY---YY-YYY"),
    (Status::Acknowledged, "---YYYYYY---YY-YYY"),
    (Status::Handled, "-------Y-Y---Y--Y-"),
    (Status::Verified, "-------Y--Y-----Y-"),
    (Status::Closed, "-----------Y------"),
    (Status::Rated, "------------------"),
    (Status::Merged, "-----------Y------"),
    // 转调解 closed the case: its outcome is the dispute's, nothing is rated here.
    (Status::Referred, "------------------"),
];

/// A typical action of `kind` for a case in the fixture `w`, with an actor allowed to take it;
/// adjusts the fixture where the action needs it (a pending extension to decide).
fn typical(w: &mut Walk, kind: ActionKind) -> (Actor, Action) {
    let (d1, d2) = (dept(1), dept(2));
    let s = &w.state;
    let first = |pred: &dyn Fn(&Participant) -> bool| {
        s.participants.iter().find(|p| !p.returned && pred(p)).map_or(d1.clone(), |p| p.unit.clone())
    };
    match kind {
        ActionKind::Accept => (dispatcher(), Action::Accept),
        ActionKind::Reject => (dispatcher(), Action::Reject { reason: "不属于受理范围".into() }),
        ActionKind::Dispatch => (dispatcher(), dispatch(dept(3), vec![])),
        ActionKind::Acknowledge => {
            let u = first(&|p| p.acknowledged_at.is_none());
            (of(&u), ack(&u))
        }
        ActionKind::Return => (of(&d2), ret(&d2, "不属于本部门职责")),
        ActionKind::RequestExtension => (
            of(&d1),
            Action::RequestExtension {
                unit: d1.clone(),
                extra: TimeLimit::WorkingDays(3),
                reason: "需协调施工队".into(),
            },
        ),
        ActionKind::DecideExtension => {
            if w.state.status.is_with_unit() {
                w.state.extension_pending = Some(ExtensionRequest {
                    unit: d1.clone(),
                    extra: TimeLimit::Hours(24),
                    reason: "需协调".into(),
                    requested_at: w.now,
                });
            }
            (leader(), Action::DecideExtension { approve: true, note: String::new() })
        }
        ActionKind::Supervise => (leader(), Action::Supervise { note: "请加快办理".into() }),
        ActionKind::Report => {
            let u = first(&|p| p.acknowledged_at.is_some() && p.reported_at.is_none());
            (of(&u), report(&u, "已处理"))
        }
        ActionKind::Verify => (dispatcher(), verify(true, "")),
        ActionKind::Close => (dispatcher(), Action::Close),
        ActionKind::Rate => (Actor::Requester, rate(true, Satisfaction::Satisfied)),
        ActionKind::Merge => (dispatcher(), Action::Merge { into_case_id: 7 }),
        ActionKind::ContactRequester => (of(&d1), Action::ContactRequester { note: "电话联系".into() }),
        ActionKind::HandleOnSpot => (of(&grid(G1)), Action::HandleOnSpot { reply: "已现场清理".into() }),
        ActionKind::Urge => (Actor::Requester, Action::Urge { day: w.now.date_naive() }),
        ActionKind::AddNote => (Actor::Requester, Action::AddNote { note: "晚上更吵".into(), photos: vec![] }),
        ActionKind::ReferToMediation => (dispatcher(), refer("邻里纠纷，转社区人民调解委员会")),
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
            let got = decide(&w.state, &actor, &action, w.now);
            if legal {
                let d = got.unwrap_or_else(|e| panic!("{status:?} × {kind:?}: {e}"));
                assert!(!d.events.is_empty());
            } else {
                assert_eq!(
                    got.unwrap_err(),
                    TransitionError::NotAllowed { status, action: kind },
                    "{status:?} × {kind:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, Status::ALL.len() * ActionKind::ALL.len());
    assert_eq!(LEGAL.map(|(s, _)| s), Status::ALL, "one row per status, in order");
}

#[test]
fn not_allowed_message_names_status_and_action() {
    let w = fixture(Status::Handled);
    let e = decide(&w.state, &of(&dept(1)), &ack(&dept(1)), w.now).unwrap_err();
    assert_eq!(e.to_string(), "当前状态为“已办结”，不能签收");
}

/// Who may take each action: names of the roster below.
#[test]
fn who_may_act() {
    let roster: Vec<(&str, Actor)> = vec![
        ("admin", staff(Role::Admin)),
        ("leader", leader()),
        ("dispatcher", dispatcher()),
        ("community", staff(Role::CommunityWorker)),
        ("grid", of(&grid(G2))),
        ("party", staff(Role::PartySecretary)),
        ("mediator", staff(Role::Mediator)),
        ("d1", of(&dept(1))),
        ("d9", of(&dept(9))),
        ("requester", Actor::Requester),
        ("system", Actor::System),
    ];
    let d1 = dept(1);
    let overdue = |mut w: Walk| {
        w.now = w.state.deadline.unwrap() + Duration::minutes(1);
        w
    };
    let pending = |mut w: Walk| {
        w.ok(
            of(&dept(1)),
            Action::RequestExtension { unit: dept(1), extra: TimeLimit::Hours(24), reason: "材料未到".into() },
        );
        w
    };
    let redo = |mut w: Walk| {
        w.state.channel = Channel::Patrol;
        w
    };
    let call = |mut w: Walk| {
        w.state.channel = Channel::Hotline;
        w
    };
    // Led by the grid team of G2 (the roster's "grid"), which acknowledged it.
    let grid_led = || {
        let mut w = Walk::new(Channel::Web);
        w.ok(dispatcher(), dispatch(grid(G2), vec![]));
        w.ok(of(&grid(G2)), ack(&grid(G2)));
        w
    };
    let table: Vec<(Walk, Action, &str)> = vec![
        (fixture(Status::Received), Action::Accept, "admin dispatcher"),
        (fixture(Status::Received), Action::Reject { reason: "重复".into() }, "admin dispatcher"),
        (fixture(Status::Accepted), dispatch(dept(3), vec![]), "admin dispatcher"),
        (fixture(Status::Accepted), Action::Dispatch { lead: dept(3), assisting: vec![], auto: true }, "system"),
        (fixture(Status::Dispatched), ack(&d1), "d1"),
        (fixture(Status::Acknowledged), ret(&d1, "非本部门职责"), "d1"),
        (
            fixture(Status::Acknowledged),
            Action::Return { unit: d1.clone(), reason: "改派".into(), override_by_dispatcher: true },
            "admin dispatcher",
        ),
        (
            fixture(Status::Acknowledged),
            Action::RequestExtension { unit: d1.clone(), extra: TimeLimit::WorkingDays(2), reason: "需协调".into() },
            "d1",
        ),
        (
            pending(fixture(Status::Acknowledged)),
            Action::DecideExtension { approve: true, note: String::new() },
            "admin leader dispatcher",
        ),
        (fixture(Status::Acknowledged), Action::Supervise { note: String::new() }, "admin leader dispatcher"),
        (
            overdue(fixture(Status::Acknowledged)),
            Action::Supervise { note: String::new() },
            "admin leader dispatcher system",
        ),
        (fixture(Status::Acknowledged), report(&d1, "已处理"), "d1"),
        (fixture(Status::Handled), verify(true, ""), "admin dispatcher community grid requester"),
        (fixture(Status::Verified), Action::Close, "admin dispatcher"),
        (fixture(Status::Closed), rate(true, Satisfaction::Satisfied), "requester"),
        (fixture(Status::Accepted), Action::Merge { into_case_id: 3 }, "admin dispatcher"),
        (fixture(Status::Dispatched), Action::ContactRequester { note: String::new() }, "admin dispatcher d1"),
        (redo(fixture(Status::Received)), Action::HandleOnSpot { reply: "已劝离".into() }, "grid"),
        (fixture(Status::Acknowledged), Action::Urge { day: t0().date_naive() }, "requester"),
        (fixture(Status::Dispatched), Action::AddNote { note: "补充".into(), photos: vec![] }, "requester"),
        (call(fixture(Status::Received)), Action::HandleOnSpot { reply: "已告知办理地点".into() }, "admin dispatcher"),
        // 转调解: whoever closes cases — the dispatch centre, and the grid team holding it (not a
        // department, which returns a neighbours' quarrel instead).
        (fixture(Status::Accepted), refer("邻里纠纷"), "admin dispatcher"),
        (fixture(Status::Acknowledged), refer("邻里纠纷"), "admin dispatcher"),
        (grid_led(), refer("邻里纠纷"), "admin dispatcher grid"),
    ];
    for (w, action, allowed) in table {
        let allowed: Vec<&str> = allowed.split(' ').collect();
        for (name, actor) in &roster {
            let got = decide(&w.state, actor, &action, w.now);
            assert_eq!(got.is_ok(), allowed.contains(name), "{action:?} by {name}: {got:?}");
        }
    }
}
