//! Walks through every branch of the loop, checking states, events, notices and clock changes.

use super::*;

fn kinds(d: &Decision) -> Vec<&'static str> {
    d.events.iter().map(|e| e.kind.as_str()).collect()
}

#[test]
fn straight_through_with_the_requester_verifying() {
    let d1 = dept(1);
    let mut w = Walk::new(Channel::Web);
    let d = w.ok(dispatcher(), Action::Accept);
    assert_eq!((kinds(&d), d.clock), (vec!["accepted"], None));
    let d = w.later(10).ok(dispatcher(), dispatch(d1.clone(), vec![]));
    assert_eq!(kinds(&d), ["dispatched"]);
    assert_eq!(d.clock, Some(ClockChange::Start));
    assert_eq!(d.notices, [Notice::Dispatched { unit: d1.clone(), lead: true }]);
    assert_eq!(d.events[0].note, "派往部门#1（牵头）");
    assert_eq!(w.state.first_receiver, Some(d1.clone()));
    assert_eq!(w.state.deadline, Some(w.now + Duration::days(3)));

    w.later(20).ok(of(&d1), ack(&d1));
    assert_eq!(w.state.status, Status::Acknowledged);
    let d = w.later(5).ok(of(&d1), Action::ContactRequester { note: "电话联系，约定明早上门".into() });
    assert_eq!(d.state.first_contact_at, Some(w.now));
    let first_contact = w.now;
    w.later(60).ok(dispatcher(), Action::ContactRequester { note: String::new() });
    assert_eq!(w.state.first_contact_at, Some(first_contact));

    let d = w.later(600).ok(of(&d1), report(&d1, "已更换路灯"));
    assert_eq!(kinds(&d), ["handled"]);
    assert_eq!((d.clock, d.notices), (Some(ClockChange::Stop), vec![Notice::Handled]));
    assert_eq!(w.state.reply.as_deref(), Some("已更换路灯"));
    assert_eq!(w.state.evidence, ["photo:1"]);
    assert_eq!(Notice::Handled.recipients(), [Recipient::Requester, Recipient::Verifiers]);

    let d = w.ok(Actor::Requester, verify(true, "灯亮了"));
    assert_eq!(d.events[0].detail["by_requester"], true);
    let d = w.ok(dispatcher(), Action::Close);
    assert_eq!(d.notices, [Notice::Closed]);
    assert_eq!(w.state.closed_at, Some(w.now));
    let d = w.ok(Actor::Requester, rate(true, Satisfaction::BasicallySatisfied));
    assert_eq!(kinds(&d), ["rated"]);
    assert_eq!(w.state.status, Status::Rated);
    assert_eq!(w.state.version, 10);
    assert!(!w.state.reopened);
}

#[test]
fn dispatch_from_received_accepts_in_the_same_step() {
    let mut w = Walk::new(Channel::Hotline);
    let d = w.ok(Actor::System, Action::Dispatch { lead: dept(4), assisting: vec![], auto: true });
    assert_eq!(kinds(&d), ["accepted", "dispatched"]);
    assert_eq!(d.events[0].note, "派遣时一并立案");
    assert!(d.events[1].note.ends_with("按派单规则自动派单"));
    assert_eq!(d.events[1].detail["auto"], true);

    let mut w = Walk::new(Channel::Hotline);
    let auto_by_staff = Action::Dispatch { lead: dept(4), assisting: vec![], auto: true };
    assert_eq!(w.err(dispatcher(), auto_by_staff).to_string(), "自动派单只能由系统执行");
    assert_eq!(w.err(Actor::System, dispatch(dept(4), vec![])).to_string(), "“系统”无权派遣");
}

#[test]
fn rejected_with_a_reason() {
    let mut w = Walk::new(Channel::Web);
    let e = w.err(dispatcher(), Action::Reject { reason: "  ".into() });
    assert_eq!(e.to_string(), "请填写不予立案理由");
    let d = w.ok(dispatcher(), Action::Reject { reason: "属于司法程序，请通过诉讼解决".into() });
    assert_eq!(d.notices, [Notice::Rejected]);
    assert_eq!(w.state.status, Status::Rejected);
    assert_eq!(w.err(dispatcher(), Action::Accept).to_string(), "当前状态为“不予立案”，不能立案");
}

#[test]
fn return_and_the_once_only_rule() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![]));
    assert_eq!(w.err(of(&d1), ret(&d1, "")).to_string(), "请填写退单理由");
    assert_eq!(w.err(of(&d2), ret(&d1, "不归我们管")).to_string(), "您不属于部门#1，不能以其名义操作");
    let d = w.ok(of(&d1), ret(&d1, "属于区住建委职责"));
    assert_eq!(kinds(&d), ["returned"]);
    assert_eq!(d.notices, [Notice::Returned { unit: d1.clone() }]);
    assert_eq!(d.notices[0].recipients(), [Recipient::Dispatchers]);
    assert_eq!(d.clock, Some(ClockChange::Stop));
    assert_eq!(w.state.status, Status::Accepted);
    assert_eq!((w.state.lead.clone(), w.state.participants.len()), (None, 0));
    assert_eq!(w.state.returned_by, std::slice::from_ref(&d1));

    // The dispatcher insists: the same department may not return it again …
    w.ok(dispatcher(), dispatch(d1.clone(), vec![]));
    w.ok(of(&d1), ack(&d1));
    let e = w.err(of(&d1), ret(&d1, "还是不归我们管"));
    assert_eq!(e, TransitionError::ReturnedTwice { unit: d1.clone() });
    assert_eq!(e.to_string(), "该部门已退回过此件，不能再次退单（需指挥中心改派）");
    // … unless the dispatch centre withdraws it (改派); only the centre may.
    let withdraw =
        Action::Return { unit: d1.clone(), reason: "改派区住建委".into(), override_by_dispatcher: true };
    assert_eq!(w.err(of(&d1), withdraw.clone()), TransitionError::OverrideNotAllowed);
    let d = w.ok(dispatcher(), withdraw);
    assert_eq!(d.notices, [Notice::Withdrawn { unit: d1.clone() }]);
    assert_eq!(d.events[0].detail["override_by_dispatcher"], true);
    assert_eq!(w.state.returned_by, std::slice::from_ref(&d1));

    w.ok(dispatcher(), dispatch(d2.clone(), vec![]));
    assert_eq!(w.state.first_receiver, Some(d1.clone()), "首接负责 stays");
    w.ok(of(&d2), ack(&d2));
    w.ok(of(&d2), report(&d2, "已拆除"));
    assert_eq!(w.err(of(&d2), ret(&d2, "x")).to_string(), "当前状态为“已办结”，不能退单");
}

#[test]
fn no_return_after_reporting() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone()]));
    w.ok(of(&d2), ack(&d2));
    w.ok(of(&d2), report(&d2, "已配合"));
    assert_eq!(w.err(of(&d2), ret(&d2, "不归我们")), TransitionError::AlreadyReported { unit: d2 });
}

#[test]
fn extension_requested_approved_and_refused() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone()]));
    let ask = |unit: &Unit, extra: TimeLimit| Action::RequestExtension {
        unit: unit.clone(),
        extra,
        reason: "需等待燃气公司停气".into(),
    };
    assert_eq!(w.err(of(&d2), ask(&d2, TimeLimit::Hours(24))).to_string(), "只有牵头单位才能申请延期");
    assert_eq!(w.err(of(&d1), ask(&d1, TimeLimit::WorkingDays(0))), TransitionError::ZeroExtension);
    // Issue 9, item 9: a 4,294,967,295-day extension is refused when asked, not a panic when approved.
    for (extra, max) in [
        (TimeLimit::WorkingDays(u32::MAX), "30个工作日"),
        (TimeLimit::WorkingDays(31), "30个工作日"),
        (TimeLimit::Hours(u32::MAX), "720小时"),
    ] {
        let err = w.err(of(&d1), ask(&d1, extra));
        assert_eq!(err.to_string(), format!("延期时长不能超过{max}"));
    }
    assert_eq!(
        w.err(leader(), Action::DecideExtension { approve: true, note: String::new() }),
        TransitionError::NoExtensionPending
    );
    let d = w.ok(of(&d1), ask(&d1, TimeLimit::WorkingDays(3)));
    assert_eq!(d.events[0].note, "申请延期3个工作日：需等待燃气公司停气");
    assert_eq!(d.notices, [Notice::ExtensionRequested { unit: d1.clone() }]);
    assert!(w.state.extension_pending.is_some());
    assert_eq!(w.err(of(&d1), ask(&d1, TimeLimit::Hours(4))).to_string(), "已有延期申请待审批");
    assert!(matches!(
        w.err(of(&d1), Action::DecideExtension { approve: true, note: String::new() }),
        TransitionError::Forbidden { .. }
    ));
    let before = w.state.deadline.unwrap();
    let d = w.ok(leader(), Action::DecideExtension { approve: true, note: "同意".into() });
    assert_eq!(kinds(&d), ["extension_approved"]);
    assert_eq!(d.clock, Some(ClockChange::Extend(TimeLimit::WorkingDays(3))));
    assert_eq!(d.notices, [Notice::ExtensionDecided { unit: d1.clone(), approved: true }]);
    assert_eq!(w.state.deadline, Some(before + Duration::days(3)));
    assert_eq!(w.state.extension_pending, None);

    w.ok(of(&d1), ask(&d1, TimeLimit::Hours(48)));
    let refuse = |note: &str| Action::DecideExtension { approve: false, note: note.into() };
    assert_eq!(w.err(dispatcher(), refuse("")).to_string(), "请填写不同意延期的理由");
    let deadline = w.state.deadline;
    let d = w.ok(dispatcher(), refuse("时限内可以完成"));
    assert_eq!((kinds(&d), d.clock), (vec!["extension_refused"], None));
    assert_eq!(w.state.deadline, deadline, "a refused extension moves nothing");

    // A pending request lapses when the lead finishes.
    w.ok(of(&d1), ask(&d1, TimeLimit::Hours(8)));
    w.ok(of(&d1), ack(&d1));
    w.ok(of(&d1), report(&d1, "已处理"));
    assert_eq!(w.state.extension_pending, None);
}

#[test]
fn supervision_climbs_one_level_at_a_time() {
    let d1 = dept(1);
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![]));
    let sup = |note: &str| Action::Supervise { note: note.into() };
    assert_eq!(w.err(Actor::System, sup("")), TransitionError::NotOverdue);
    assert_eq!(w.err(of(&grid(G1)), sup("")).to_string(), "“网格员”无权督办");
    w.now = w.state.deadline.unwrap() + Duration::minutes(1);
    assert!(w.state.is_overdue(w.now));
    let d = w.ok(Actor::System, sup(""));
    assert_eq!(d.events[0].note, "超期未办结，自动督办");
    assert_eq!(d.notices, [Notice::Supervised { unit: Some(d1.clone()), level: 1 }]);
    assert_eq!(d.notices[0].recipients(), [Recipient::Unit(d1.clone()), Recipient::Supervisors(1)]);
    let d = w.ok(leader(), sup(""));
    assert_eq!(d.events[0].note, "区级督办");
    assert_eq!(d.events[0].detail["level"], 2);
    w.ok(dispatcher(), sup("请今日内办结"));
    assert_eq!(w.state.supervision_level, MAX_SUPERVISION_LEVEL);
    assert_eq!(w.err(leader(), sup("")).to_string(), "督办已达最高级别（3级）");

    // Before dispatch a leader may still press the dispatch centre.
    let mut w = Walk::new(Channel::Web);
    let d = w.ok(leader(), sup("尽快派单"));
    assert_eq!(d.notices, [Notice::Supervised { unit: None, level: 1 }]);
}

#[test]
fn joint_dispatch_each_reports_the_lead_completes() {
    let (d1, d2, g) = (dept(1), dept(2), grid(G1));
    let mut w = Walk::new(Channel::Web);
    assert_eq!(
        w.err(dispatcher(), dispatch(d1.clone(), vec![d2.clone(), d1.clone()])),
        TransitionError::LeadAmongAssisting
    );
    assert_eq!(
        w.err(dispatcher(), dispatch(d1.clone(), vec![d2.clone(), d2.clone()])).to_string(),
        "协办单位部门#2重复"
    );
    let d = w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone(), g.clone()]));
    let dispatched = d.events.last().unwrap();
    assert_eq!(dispatched.note, format!("派往部门#1（牵头）；吹哨协办：部门#2、网格{G1}"));
    assert_eq!(dispatched.detail["joint"], true);
    assert_eq!(d.notices.len(), 3);
    assert_eq!(d.notices[2], Notice::Dispatched { unit: g.clone(), lead: false });

    assert_eq!(w.err(of(&g), report(&g, "已到场")).to_string(), format!("网格{G1}尚未签收，不能提交办理报告"));
    let d = w.ok(of(&d2), ack(&d2));
    assert_eq!(d.events[0].note, "协办单位报到");
    assert_eq!(w.state.status, Status::Dispatched, "only the lead's 签收 counts");
    assert_eq!(w.err(of(&d2), ack(&d2)).to_string(), "部门#2已签收，无需重复签收");
    let d = w.ok(of(&d2), report(&d2, "已清运渣土"));
    assert_eq!((kinds(&d), d.notices.len()), (vec!["reported"], 0));
    assert_eq!(w.state.status, Status::Dispatched);
    assert_eq!(w.err(of(&d2), report(&d2, "再报一次")), TransitionError::AlreadyReported { unit: d2.clone() });
    assert_eq!(w.err(of(&d1), report(&d1, "先报")), TransitionError::NotAcknowledged { unit: d1.clone() });
    w.ok(of(&d1), ack(&d1));
    assert_eq!(w.state.status, Status::Acknowledged);
    w.ok(of(&g), ack(&g));
    assert_eq!(w.err(of(&dept(9)), ack(&dept(9))).to_string(), "部门#9不是此件的办理单位");
    let d = w.ok(of(&d1), report(&d1, "联合执法，已拆除违建"));
    assert_eq!(kinds(&d), ["handled"]);
    assert_eq!(w.state.status, Status::Handled);
    // The grid team had not reported; the case is handled all the same.
    assert_eq!(w.err(of(&g), report(&g, "晚了")).to_string(), "当前状态为“已办结”，不能提交办理报告");
}

#[test]
fn an_assisting_unit_may_step_out() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone()]));
    let d = w.ok(of(&d2), ret(&d2, "非本部门职责"));
    assert_eq!(d.clock, None);
    assert_eq!(d.notices, [Notice::Returned { unit: d2.clone() }]);
    assert_eq!(w.state.status, Status::Dispatched);
    assert_eq!(w.state.lead, Some(d1.clone()));
    assert!(w.state.participants[1].returned);
    assert_eq!(w.state.active_units().count(), 1);
    assert_eq!(w.err(of(&d2), ack(&d2)), TransitionError::NotParticipant { unit: d2.clone() });
    // When the lead returns, the assisting units are withdrawn with it.
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone()]));
    let d = w.ok(of(&d1), ret(&d1, "非本部门职责"));
    assert_eq!(d.notices, [Notice::Withdrawn { unit: d2.clone() }, Notice::Returned { unit: d1.clone() }]);
}

#[test]
fn merged_cases_follow_the_parent() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone()]));
    assert_eq!(w.err(dispatcher(), Action::Merge { into_case_id: 0 }).to_string(), "合并目标诉求编号无效");
    let d = w.ok(dispatcher(), Action::Merge { into_case_id: 41 });
    assert_eq!(kinds(&d), ["merged"]);
    assert_eq!(d.events[0].note, "与诉求#41重复，合并办理");
    assert_eq!(d.clock, Some(ClockChange::Stop));
    assert_eq!(
        d.notices,
        [
            Notice::Withdrawn { unit: d1.clone() },
            Notice::Withdrawn { unit: d2.clone() },
            Notice::Merged { into_case_id: 41 }
        ]
    );
    assert_eq!((w.state.status, w.state.merged_into), (Status::Merged, Some(41)));
    assert_eq!(w.err(of(&d1), ack(&d1)).to_string(), "当前状态为“已合并”，不能签收");
    // Its requester rates the parent's outcome once; nothing reopens.
    let d = w.ok(Actor::Requester, rate(false, Satisfaction::Dissatisfied));
    assert_eq!(kinds(&d), ["rated"]);
    assert_eq!(d.events[0].detail["merged"], true);
    assert_eq!(w.state.status, Status::Merged);
    assert!(!w.state.reopened);
    assert_eq!(w.err(Actor::Requester, rate(true, Satisfaction::Satisfied)), TransitionError::AlreadyRated);
}

#[test]
fn reopened_once_then_the_verdict_stands() {
    let d1 = dept(1);
    let mut w = fixture(Status::Closed);
    assert!(matches!(w.err(dispatcher(), rate(true, Satisfaction::Satisfied)), TransitionError::Forbidden { .. }));
    w.later(60);
    let d = w.ok(Actor::Requester, rate(true, Satisfaction::Dissatisfied));
    assert_eq!(kinds(&d), ["rated", "reopened"]);
    assert_eq!(d.events[1].unit, Some(d1.clone()), "counts against the lead");
    assert_eq!(d.events[1].note, "诉求人不满意，重办一次");
    assert_eq!(d.notices, [Notice::Reopened { unit: d1.clone() }]);
    assert_eq!(d.clock, Some(ClockChange::Start));
    let s = &w.state;
    assert_eq!((s.status, s.reopened), (Status::Dispatched, true));
    assert_eq!(s.lead, Some(d1.clone()));
    assert_eq!(s.lead_participant().unwrap().acknowledged_at, None);
    assert_eq!((s.handled_at, s.closed_at, s.reply.clone()), (None, None, None));
    assert_eq!(s.rating.as_ref().map(|r| r.satisfaction), Some(Satisfaction::Dissatisfied));
    assert_eq!(s.deadline, Some(w.now + Duration::days(3)));
    // Only the lead starts over; 部门#2's 报到 stands.
    assert!(s.active_participant(&dept(2)).unwrap().acknowledged_at.is_some());

    w.ok(of(&d1), ack(&d1));
    w.ok(of(&d1), report(&d1, "重新处理"));
    w.ok(of(&grid(G2)), verify(true, "现场核实"));
    w.ok(dispatcher(), Action::Close);
    let d = w.ok(Actor::Requester, rate(false, Satisfaction::Satisfied));
    assert_eq!(kinds(&d), ["rated"]);
    assert_eq!(d.events[0].detail["no_reopen"], "此件已重办过一次");
    assert_eq!(w.state.status, Status::Rated);
    assert!(d.notices.is_empty());

    // Unresolved alone is enough to reopen.
    let mut w = fixture(Status::Closed);
    let d = w.ok(Actor::Requester, rate(false, Satisfaction::BasicallySatisfied));
    assert_eq!(d.events[1].note, "诉求人反映未解决，重办一次");
}

#[test]
fn failed_verification_goes_back_to_the_lead() {
    let d1 = dept(1);
    let mut w = fixture(Status::Handled);
    assert_eq!(w.err(dispatcher(), verify(false, " ")).to_string(), "请填写核查意见");
    let d = w.ok(of(&grid(G2)), verify(false, "现场仍有积水"));
    assert_eq!(kinds(&d), ["verification_failed"]);
    assert_eq!(d.notices, [Notice::VerificationFailed { unit: d1.clone() }]);
    assert_eq!(d.clock, Some(ClockChange::Start));
    assert_eq!(w.state.status, Status::Dispatched);
    assert!(!w.state.reopened, "only the requester's verdict reopens");
    w.ok(of(&d1), ack(&d1));
    w.ok(of(&d1), report(&d1, "已疏通下水道"));
    w.ok(Actor::Requester, verify(true, ""));
    assert_eq!(w.state.status, Status::Verified);

    // A grid team that handled the case cannot verify it.
    let g = grid(G1);
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(g.clone(), vec![]));
    w.ok(of(&g), ack(&g));
    w.ok(of(&g), report(&g, "已处理"));
    assert_eq!(w.err(of(&g), verify(true, "")).to_string(), "办理单位不能核查本单位办理的诉求");
    assert!(matches!(w.err(Actor::System, verify(true, "")), TransitionError::Forbidden { .. }));
}

#[test]
fn a_hotline_question_is_answered_on_the_phone_and_closed() {
    let answer = |text: &str| Action::HandleOnSpot { reply: text.into() };
    let mut w = Walk::new(Channel::Hotline);
    assert_eq!(w.err(dispatcher(), answer(" ")).to_string(), "请填写答复内容");
    let d = w.ok(dispatcher(), answer("社保卡补办请到街道便民服务中心二楼"));
    assert_eq!(d.state.status, Status::Closed);
    assert_eq!(d.state.reply.as_deref(), Some("社保卡补办请到街道便民服务中心二楼"));
    assert_eq!((d.state.lead.as_ref(), d.state.participants.len()), (None, 0), "no unit handled it");
    assert_eq!(d.events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventKind::AnsweredOnCall]);
    assert_eq!(d.notices, [Notice::Closed], "the caller is invited to rate");
    // A web report is not a call: the operator cannot close it this way.
    let mut web = Walk::new(Channel::Web);
    assert!(matches!(web.err(dispatcher(), answer("已答复")), TransitionError::Forbidden { .. }));
}

#[test]
fn handled_on_the_spot() {
    let g = grid(G1);
    let spot = |reply: &str| Action::HandleOnSpot { reply: reply.into() };
    let mut w = Walk::new(Channel::Web);
    assert_eq!(w.err(of(&g), spot("已处理")), TransitionError::NotPatrol);
    let mut w = Walk::new(Channel::Patrol);
    assert_eq!(w.err(staff(Role::GridWorker), spot("已处理")).to_string(), "请以所属单位的身份就地解决");
    assert_eq!(w.err(of(&g), spot("")).to_string(), "请填写处理结果");
    let d = w.ok(of(&g), spot("已劝离占道摊贩"));
    assert_eq!(kinds(&d), ["handled_on_spot"]);
    assert_eq!(d.notices, [Notice::Closed]);
    let s = &w.state;
    assert_eq!(s.status, Status::Closed);
    assert_eq!((s.lead.clone(), s.first_receiver.clone()), (Some(g.clone()), Some(g.clone())));
    assert!(s.lead_participant().unwrap().reported_at.is_some());
    // Rated like any closed case; a bad verdict sends it back to the grid team.
    let d = w.ok(Actor::Requester, rate(false, Satisfaction::Dissatisfied));
    assert_eq!(d.notices, [Notice::Reopened { unit: g }]);
}

#[test]
fn contact_is_for_participants_and_the_centre() {
    let mut w = fixture(Status::Dispatched);
    let contact = Action::ContactRequester { note: String::new() };
    assert_eq!(w.err(of(&dept(9)), contact.clone()), TransitionError::NotParticipant { unit: dept(9) });
    assert!(matches!(w.err(Actor::Requester, contact.clone()), TransitionError::Forbidden { .. }));
    let d = w.ok(of(&grid(G1)), contact);
    assert_eq!(d.events[0].unit, Some(grid(G1)));
    assert_eq!(d.events[0].detail["first"], true);
}

#[test]
fn long_text_is_refused() {
    let mut w = Walk::new(Channel::Web);
    let e = w.err(dispatcher(), Action::Reject { reason: "长".repeat(MAX_TEXT_CHARS + 1) });
    assert_eq!(e.to_string(), "不予立案理由不能超过4000个字");
}

#[test]
fn state_action_and_decision_serialise() {
    let mut w = fixture(Status::Acknowledged);
    w.ok(
        of(&dept(1)),
        Action::RequestExtension { unit: dept(1), extra: TimeLimit::Hours(24), reason: "等待配件".into() },
    );
    let json = serde_json::to_string(&w.state).unwrap();
    let back: CaseState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w.state);

    let action: Action =
        serde_json::from_str(r#"{"action":"return","unit":{"kind":"department","id":3},"reason":"非本部门"}"#).unwrap();
    assert_eq!(action, ret(&dept(3), "非本部门"));
    let actor: Actor =
        serde_json::from_str(r#"{"kind":"staff","role":"department_handler","unit":{"kind":"department","id":3}}"#)
            .unwrap();
    assert_eq!(actor, of(&dept(3)));
    let d = w.ok(leader(), Action::DecideExtension { approve: true, note: String::new() });
    let n = serde_json::to_value(&d.notices).unwrap();
    assert_eq!(n[0]["kind"], "extension_decided");
    assert_eq!(d.notices[0].kind(), "extension_decided");
    let e = serde_json::to_value(&d.events[0]).unwrap();
    assert_eq!(e["kind"], "extension_approved");
    assert_eq!(serde_json::to_value(&d.clock).unwrap(), serde_json::json!({"kind": "extend", "extra": {"hours": 24}}));
}

#[test]
fn names_round_trip() {
    for k in EventKind::ALL {
        assert_eq!(EventKind::parse(k.as_str()), Some(k));
        assert!(!k.label().is_empty());
    }
    for k in ActionKind::ALL {
        assert_eq!(ActionKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(supervision_label(0), "未督办");
    assert_eq!(supervision_label(3), "市级督办");
}

/// 转调解 (人民调解法 art 17/18): a neighbours' quarrel leaves the 接诉即办 loop for a 人民调解
/// organisation. The dispatch centre refers it while a department holds it (the department and
/// its helpers are told it is withdrawn, the clock stops); the requester is told; the case is
/// closed for good — no rating, no 重办, no second referral.
#[test]
fn referral_to_mediation_closes_the_case() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = Walk::new(Channel::Web);
    w.ok(dispatcher(), dispatch(d1.clone(), vec![d2.clone()]));
    w.later(30).ok(of(&d1), ack(&d1));
    let e = w.err(of(&d1), refer("邻里纠纷"));
    assert_eq!(e, TransitionError::Forbidden { actor: "职能部门办理人员", action: ActionKind::ReferToMediation });
    assert_eq!(w.err(dispatcher(), refer("  ")), TransitionError::Required { field: "转调解理由" });
    let d = w.later(10).ok(dispatcher(), refer("楼上楼下漏水纠纷，转社区人民调解委员会"));
    assert_eq!(kinds(&d), ["referred_to_mediation"]);
    assert_eq!(d.events[0].note, "楼上楼下漏水纠纷，转社区人民调解委员会");
    assert_eq!(d.events[0].unit, Some(d1.clone()));
    assert_eq!(d.clock, Some(ClockChange::Stop));
    assert_eq!(
        d.notices,
        [Notice::Withdrawn { unit: d1.clone() }, Notice::Withdrawn { unit: d2 }, Notice::ReferredToMediation]
    );
    assert_eq!(Notice::ReferredToMediation.recipients(), [Recipient::Requester]);
    assert_eq!((w.state.status, w.state.closed_at), (Status::Referred, Some(w.now)));
    assert!(!w.state.status.is_open());
    assert_eq!(w.state.status.label(), "已转调解");
    for action in [rate(false, Satisfaction::Dissatisfied), refer("再转"), Action::Supervise { note: String::new() }]
    {
        let who = if matches!(action, Action::Rate { .. }) { Actor::Requester } else { dispatcher() };
        let kind = action.kind();
        assert_eq!(w.err(who, action), TransitionError::NotAllowed { status: Status::Referred, action: kind });
    }

    // The grid team holding the case refers it itself; nobody else is told it was withdrawn.
    let g = grid(G1);
    let mut w = Walk::new(Channel::Patrol);
    w.ok(dispatcher(), dispatch(g.clone(), vec![]));
    assert!(matches!(w.err(of(&grid(G2)), refer("邻里纠纷")), TransitionError::Forbidden { .. }));
    let d = w.ok(of(&g), refer("邻里纠纷，由社区调委会调解"));
    assert_eq!(d.notices, [Notice::ReferredToMediation]);
    assert_eq!(d.events[0].detail["by_unit"], g.key());

    // Once a unit answered, the answer is the outcome: no referral from 已办结 on.
    let mut w = fixture(Status::Handled);
    assert!(matches!(w.err(dispatcher(), refer("x")), TransitionError::NotAllowed { .. }));
}
