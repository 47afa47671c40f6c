//! Walks through the branches: each rule with its article.

use super::*;
use crate::mediation::clock::confirmation_window_end;

#[test]
fn registration_checks_its_input() {
    let mut i = intake();
    i.parties.truncate(1);
    assert_eq!(register(&dispatcher(), &i, t0()).unwrap_err().to_string(), "当事人应为2至20方（现有1方）");
    let mut i = intake();
    i.source = Source::CaseReferral;
    assert_eq!(register(&dispatcher(), &i, t0()).unwrap_err(), MediationError::NoReferredCase);
    i.referred_case_id = Some(9);
    assert_eq!(register(&dispatcher(), &i, t0()).unwrap().state.referred_case_id, Some(9));
    i.source = Source::GridScreening;
    assert_eq!(register(&dispatcher(), &i, t0()).unwrap_err(), MediationError::UnexpectedReferredCase);
    let mut i = intake();
    i.summary = " ".into();
    assert_eq!(register(&dispatcher(), &i, t0()).unwrap_err().to_string(), "请填写纠纷简要情况");
    for (actor, ok) in [
        (staff(Role::GridWorker), true),
        (mediator_as(5, true), true),
        (Actor::System, true),
        (staff(Role::Leader), false),
        (staff(Role::DepartmentHandler), false),
        (party(0), false),
    ] {
        assert_eq!(register(&actor, &intake(), t0()).is_ok(), ok, "{actor:?}");
    }
    let d = register(&dispatcher(), &intake(), t0()).unwrap();
    assert_eq!(d.state.version, 1);
    assert_eq!(d.state.code.to_string(), "TJ330702001-20260302-0001");
    assert!(matches!(d.state.parties[0].consent, Consent::Given { .. }));
    assert_eq!(d.state.parties[1].consent, Consent::Pending);
    assert_eq!(d.events[0].kind, EventKind::Registered);
}

/// The whole loop with a written agreement: 登记 → 受理 → 调解 → 协议 → 签署生效 → 履行 → 回访 → 结案.
#[test]
fn the_written_path() {
    let mut w = Walk::new();
    w.later(30).ok(dispatcher(), Action::Accept);
    assert_eq!(crate::case::deadline::shanghai_date(w.state.deadline.unwrap()), day(2026, 4, 2));
    // 人民调解法 art 17: no session before every party agreed.
    w.ok(dispatcher(), assign(&[1]));
    let today = w.today();
    assert_eq!(w.err(mediator(), session(today)).to_string(), "以下当事人尚未同意调解：李四（人民调解法第十七条）");
    w.ok(party(1), consent(1, true));
    // Sessions are not dated in the future nor before acceptance.
    assert_eq!(w.err(mediator(), session(day(2026, 3, 3))), MediationError::DateInFuture("调解日期"));
    assert_eq!(w.err(mediator(), session(day(2026, 3, 1))).to_string(), "调解日期不能早于受理日期（2026-03-02）");
    w.ok(mediator(), session(today));
    assert_eq!(w.state.status, Status::Mediating);
    w.ok(mediator(), written(day(2026, 3, 16)));
    assert_eq!(w.state.status, Status::Agreed);
    assert_eq!(w.state.effective_on(), None);
    // 人民调解法 art 29: effective only when signed by all, by the mediator, and sealed.
    let unsigned = Action::SignAgreement { parties_signed: true, mediator_signed: false, sealed: false, scan: None };
    assert_eq!(
        w.err(mediator(), unsigned).to_string(),
        "协议尚未生效：还需调解员签名、人民调解委员会印章（人民调解法第二十九条）"
    );
    w.later(24 * 60);
    let d = w.ok(mediator(), sign());
    assert_eq!(d.events[0].kind, EventKind::AgreementEffective);
    assert_eq!(w.state.effective_on(), Some(day(2026, 3, 3)));
    assert_eq!(w.state.agreement.as_ref().unwrap().scan.as_deref(), Some("file:42"));
    assert_eq!(w.state.status, Status::Performing);
    assert_eq!(w.state.performance.len(), 1);
    // Performance is followed against the due date (art 31).
    assert_eq!(w.state.overdue_items(day(2026, 3, 16)), Vec::<usize>::new());
    assert_eq!(w.state.overdue_items(day(2026, 3, 17)), vec![0]);
    assert_eq!(w.err(dispatcher(), performed(1)).to_string(), "协议中没有第2项履行内容");
    let partly = Action::RecordPerformance { item: 0, result: PerformanceResult::Partly, note: String::new() };
    assert_eq!(w.err(dispatcher(), partly).to_string(), "请填写履行说明");
    w.ok(staff(Role::GridWorker), follow_up());
    // 结案 needs every item's performance recorded.
    let close = Action::Close { routes_told: false, note: String::new() };
    assert_eq!(w.err(dispatcher(), close.clone()).to_string(), "尚有履行内容未记录履行情况：第1项");
    let not =
        Action::RecordPerformance {
            item: 0, result: PerformanceResult::NotPerformed, note: "李四拒绝支付".into()
        };
    w.ok(mediator(), not);
    // 人民调解法 art 32: not performed → the parties are told they may sue.
    assert_eq!(
        w.err(dispatcher(), close).to_string(),
        "有未完全履行的协议内容，结案前须告知当事人可以向人民法院提起诉讼（人民调解法第三十二条）"
    );
    let d = w.ok(dispatcher(), Action::Close { routes_told: true, note: "已告知可起诉".into() });
    assert_eq!(d.events[0].detail["fully_performed"], false);
    assert_eq!(w.state.status, Status::Closed);
}

/// 人民调解法 art 30: an oral agreement takes effect the day it is reached.
#[test]
fn an_oral_agreement_is_effective_at_once() {
    let mut w = fixture(Status::Mediating);
    let today = w.today();
    let d = w.ok(mediator(), oral(today));
    assert_eq!(
        d.events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EventKind::AgreementRecorded, EventKind::AgreementEffective]
    );
    assert_eq!(w.state.effective_on(), Some(today));
    assert_eq!(w.state.status, Status::Performing);
}

#[test]
fn the_written_agreement_names_the_disputes_parties() {
    let mut w = fixture(Status::Mediating);
    let Action::RecordAgreement { agreement: AgreementDraftForm::Written(mut draft) } = written(day(2026, 3, 20))
    else {
        unreachable!()
    };
    draft.parties.swap(0, 1);
    let action = Action::RecordAgreement { agreement: AgreementDraftForm::Written(draft.clone()) };
    assert_eq!(w.err(mediator(), action).to_string(), "调解协议所列当事人应与纠纷当事人一致：第1方应为“张三”");
    draft.parties.swap(0, 1);
    draft.parties.push(AgreementParty { name: "王五".into(), particulars: "男".into() });
    let action = Action::RecordAgreement { agreement: AgreementDraftForm::Written(draft) };
    assert_eq!(w.err(mediator(), action).to_string(), "调解协议所列当事人应与纠纷当事人一致：“王五”不是本纠纷的当事人");
}

/// 人民调解法 art 17: a party's clear refusal — mediation may not go on.
#[test]
fn a_refusal_ends_it() {
    let mut w = fixture(Status::Accepted);
    w.ok(dispatcher(), assign(&[1, 2]));
    let d = w.ok(party(1), consent(1, false));
    assert_eq!(w.state.status, Status::Refused);
    assert_eq!(d.notices, vec![Notice::Unassigned { mediator: 1 }, Notice::Unassigned { mediator: 2 }]);
    // A party answers only for itself, and once.
    let mut w = fixture(Status::Accepted);
    assert!(matches!(w.err(party(0), consent(1, true)), MediationError::Forbidden { .. }));
    assert_eq!(w.err(party(0), consent(0, false)).to_string(), "当事人“张三”已表明是否同意调解");
    assert_eq!(w.err(dispatcher(), consent(5, true)).to_string(), "第6方当事人不存在");
}

/// 人民调解法 art 26: a failure names the routes the parties were told of, and tells them.
#[test]
fn a_failure_tells_the_routes() {
    let mut w = fixture(Status::Mediating);
    let none = Action::Terminate { reason: "分歧过大".into(), routes: vec![] };
    assert_eq!(w.err(mediator(), none), MediationError::NoRoutes);
    let twice =
        Action::Terminate { reason: "分歧过大".into(), routes: vec![Route::Arbitration, Route::Arbitration] };
    assert_eq!(w.err(mediator(), twice).to_string(), "途径“仲裁”重复");
    let both = vec![Route::Arbitration, Route::Litigation];
    let d = w.ok(mediator(), Action::Terminate { reason: "分歧过大".into(), routes: both.clone() });
    assert_eq!(d.notices, vec![Notice::Failed { routes: both.clone() }]);
    assert_eq!(d.notices[0].recipients(), vec![Recipient::Parties]);
    assert_eq!(w.state.failure.as_ref().unwrap().routes, both);
    // Parties refusing to sign a written agreement end it the same way.
    let mut w = fixture(Status::Agreed);
    w.ok(dispatcher(), terminate());
    assert_eq!(w.state.status, Status::Failed);
}

/// 人民调解法 art 19 and 15: 1–5 distinct active mediators, by the committee or the parties.
#[test]
fn assigning_mediators() {
    let mut w = fixture(Status::Accepted);
    assert_eq!(w.err(dispatcher(), assign(&[])), MediationError::MediatorCount);
    assert_eq!(w.err(dispatcher(), assign(&[1, 2, 3, 4, 5, 6])), MediationError::MediatorCount);
    assert_eq!(w.err(dispatcher(), assign(&[1, 1])), MediationError::DuplicateMediator(1));
    let removed = Action::AssignMediators {
        mediators: vec![m(1), MediatorRef { id: 3, active: false }],
        chosen_by_parties: true,
    };
    assert_eq!(
        w.err(dispatcher(), removed).to_string(),
        "调解员（编号3）已被罢免、解聘或不在任期内，不能指派（人民调解法第十五条）"
    );
    let d = w.ok(dispatcher(), assign(&[1, 2]));
    assert_eq!(d.notices, vec![Notice::Assigned { mediator: 1 }, Notice::Assigned { mediator: 2 }]);
    let d = w.ok(dispatcher(), Action::AssignMediators { mediators: vec![m(2), m(3)], chosen_by_parties: true });
    assert_eq!(d.notices, vec![Notice::Unassigned { mediator: 1 }, Notice::Assigned { mediator: 3 }]);
    assert!(w.state.chosen_by_parties);
    assert_eq!(d.events[0].note, "当事人选择");
    // The mediator taken off cannot record a session any more.
    w.ok(dispatcher(), consent(1, true));
    let today = w.today();
    assert_eq!(w.err(mediator(), session(today)).to_string(), "只有本纠纷指派的调解员才能记录调解");
}

/// 分类流转: the new organisation accepts afresh, so the limit restarts there.
#[test]
fn a_transfer_restarts_with_the_new_organisation() {
    let mut w = fixture(Status::Mediating);
    w.ok(dispatcher(), Action::ExtendLimit { days: 5, consents: vec![0, 1], reason: "补充材料".into() });
    assert_eq!(w.err(dispatcher(), Action::Transfer { to: COMMITTEE, reason: "x".into() }), MediationError::SameOrg);
    let d = w.ok(dispatcher(), Action::Transfer { to: CENTRE, reason: "专业性强，转矛调中心".into() });
    assert_eq!(d.notices, vec![Notice::Unassigned { mediator: 1 }, Notice::Transferred { org: CENTRE.id }]);
    assert_eq!(w.state.status, Status::Registered);
    assert_eq!((w.state.org, w.state.level), (CENTRE, Level::Street));
    assert_eq!((w.state.deadline, w.state.extension_days, w.state.mediators.len()), (None, 0, 0));
    w.later(24 * 60).ok(dispatcher(), Action::Accept);
    assert_eq!(crate::case::deadline::shanghai_date(w.state.deadline.unwrap()), day(2026, 4, 3));
    // Consents stay: the parties agreed to mediation, not to one organisation.
    assert!(w.state.all_consented());
}

/// Escalation keeps the mediation going; a risk level escalating higher raises the level.
#[test]
fn escalation_and_risk() {
    let mut w = fixture(Status::Mediating);
    let down = Action::Escalate { to: Level::Community, reason: "x".into() };
    assert_eq!(w.err(mediator(), down).to_string(), "只能升级到比“社区/村”更高的层级");
    let d = w.ok(mediator(), Action::AssessRisk { risk: risk("orange"), note: "双方情绪激动".into() });
    assert_eq!(d.events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventKind::RiskAssessed, EventKind::Escalated]);
    assert_eq!(d.notices, vec![Notice::Escalated { level: Level::Street }]);
    assert_eq!((w.state.status, w.state.level), (Status::Mediating, Level::Street));
    let r = w.state.risk.clone().unwrap();
    assert_eq!((r.code.as_str(), r.respond_by - r.assessed_at), ("orange", Duration::hours(24)));
    // A milder level does not lower it.
    let d = w.ok(mediator(), Action::AssessRisk { risk: risk("green"), note: String::new() });
    assert!(d.notices.is_empty());
    assert_eq!(w.state.level, Level::Street);
    // A broken level from a bad configuration is refused.
    let mut bad = risk("red");
    bad.colour = "red".into();
    assert_eq!(
        w.err(mediator(), Action::AssessRisk { risk: bad, note: String::new() }).to_string(),
        "风险等级“红”的颜色应为 #RRGGBB 形式"
    );
    // The system supervises once the risk's response time passed.
    w.ok(mediator(), Action::AssessRisk { risk: risk("red"), note: String::new() });
    assert_eq!(w.state.level, Level::District);
    w.now += Duration::hours(2);
    w.err(Actor::System, Action::Supervise { note: String::new() });
    w.now += Duration::seconds(1);
    w.ok(Actor::System, Action::Supervise { note: String::new() });
    assert_eq!(w.state.supervisions, 1);
}

/// 人民调解法 art 25: the police station and the street are told at once.
#[test]
fn a_risk_of_violence_is_reported_at_once() {
    let mut w = fixture(Status::Performing);
    let d = w.ok(mediator(), Action::ReportViolence { note: "李四扬言报复".into() });
    assert_eq!(d.notices, vec![Notice::ViolenceRisk]);
    assert!(d.notices[0].is_urgent());
    assert_eq!(d.notices[0].recipients(), vec![Recipient::PoliceStation, Recipient::Centre(Level::Street)]);
    assert_eq!(w.state.violence_reported_at, Some(w.now));
    assert_eq!(w.state.status, Status::Performing);
    assert_eq!(w.err(mediator(), Action::ReportViolence { note: " ".into() }).to_string(), "请填写风险情况");
}

/// 若干规定 art 33 and practice: only with every party's consent, by a stated number of days.
#[test]
fn extending_the_limit() {
    let mut w = fixture(Status::Mediating);
    let ext =
        |days, consents: Vec<u8>| Action::ExtendLimit { days, consents, reason: "双方同意继续调解".into() };
    assert_eq!(w.err(mediator(), ext(10, vec![0])).to_string(), "延长调解期限须经各方当事人同意：李四尚未同意");
    assert_eq!(w.err(mediator(), ext(0, vec![0, 1])), MediationError::ExtensionDays);
    assert_eq!(w.err(mediator(), ext(61, vec![0, 1])), MediationError::ExtensionDays);
    assert_eq!(w.err(mediator(), ext(10, vec![0, 1, 7])).to_string(), "第8方当事人不存在");
    let d = w.ok(mediator(), ext(10, vec![1, 0]));
    assert_eq!(crate::case::deadline::shanghai_date(w.state.deadline.unwrap()), day(2026, 4, 12));
    assert_eq!(d.events[0].detail["total"], 10);
    w.ok(mediator(), ext(60, vec![0, 1]));
    w.ok(mediator(), ext(60, vec![0, 1]));
    assert_eq!(w.err(mediator(), ext(51, vec![0, 1])), MediationError::ExtensionTotal);
}

/// Only the applicant withdraws (art 23); the desk may record it for them.
#[test]
fn withdrawal() {
    let mut w = fixture(Status::Mediating);
    assert_eq!(w.err(party(1), Action::Withdraw { reason: String::new() }), MediationError::NotApplicant);
    let d = w.ok(staff(Role::CommunityWorker), Action::Withdraw { reason: "申请人电话撤回".into() });
    assert_eq!(d.notices, vec![Notice::Unassigned { mediator: 1 }]);
    assert_eq!(w.state.status, Status::Withdrawn);
}

/// Texts are bounded and clean everywhere an action carries them.
#[test]
fn texts_are_bounded() {
    let mut w = fixture(Status::Mediating);
    let long = "字".repeat(4001);
    let e = w.err(mediator(), Action::Escalate { to: Level::Street, reason: long });
    assert_eq!(e.to_string(), "升级原因不能超过 4000 字（现有 4001 字）");
    let today = w.today();
    let mut s = session(today);
    if let Action::RecordSession { attendees, .. } = &mut s {
        attendees.push("王\u{0}五".into());
    }
    assert_eq!(w.err(mediator(), s).to_string(), "参加人员含有空字符（NUL），请删除后重试");
    let online =
        Action::RecordSession { held_on: today, place: SessionPlace::Online, attendees: vec![], notes: "x".into() };
    assert_eq!(w.err(mediator(), online).to_string(), "请填写参加人员（1至30人）");
}

/// 司法确认: joint application within the window, court steps dated, one extension.
#[test]
fn judicial_confirmation() {
    use ConfirmationAction as A;
    let mut w = fixture(Status::Performing);
    let apply = |on, applicants: Vec<u8>| A::Apply { on, court: "婺城区人民法院".into(), applicants };
    w.now = t0() + Duration::days(10);
    assert_eq!(
        w.confirm_err(mediator(), apply(day(2026, 3, 10), vec![0])).to_string(),
        "司法确认须由各方当事人共同申请（人民调解法第三十三条）：李四未列为申请人"
    );
    assert_eq!(
        w.confirm_err(mediator(), apply(day(2026, 3, 13), vec![0, 1])),
        MediationError::DateInFuture("申请日期")
    );
    assert_eq!(w.confirm_err(Actor::System, A::Lapse).to_string(), "申请期限至2026-04-01，尚未届满");
    w.confirm_ok(mediator(), apply(day(2026, 3, 10), vec![0, 1]));
    let view = confirmation_view(&w.state, day(2026, 3, 12), &cal());
    assert_eq!(view.acceptance_due, Some(day(2026, 3, 13)));
    assert!(!view.court_late);
    assert!(confirmation_view(&w.state, day(2026, 3, 14), &cal()).court_late);
    assert_eq!(
        w.confirm_err(mediator(), A::CourtAccept { on: day(2026, 3, 9) }).to_string(),
        "受理日期不能早于申请日期（2026-03-10）"
    );
    w.confirm_ok(dispatcher(), A::CourtAccept { on: day(2026, 3, 12) });
    let view = confirmation_view(&w.state, day(2026, 3, 12), &cal());
    assert_eq!(view.ruling_due, Some(day(2026, 3, 27)));
    // The president's approval comes before the 15 days run out, once.
    w.now = t0() + Duration::days(40);
    assert_eq!(
        w.confirm_err(mediator(), A::ExtendRuling { on: day(2026, 3, 30) }).to_string(),
        "审查期限延长须在原期限（2026-03-27）届满前经院长批准"
    );
    w.confirm_ok(mediator(), A::ExtendRuling { on: day(2026, 3, 20) });
    assert_eq!(confirmation_view(&w.state, day(2026, 3, 20), &cal()).ruling_due, Some(day(2026, 4, 7)));
    assert_eq!(
        w.confirm_err(mediator(), A::ExtendRuling { on: day(2026, 3, 21) }),
        MediationError::RulingExtendedTwice
    );
    w.confirm_ok(mediator(), A::Confirm { on: day(2026, 4, 3) });
    let view = confirmation_view(&w.state, day(2026, 4, 10), &cal());
    assert_eq!((view.status, view.court_late), (ConfirmationStatus::Confirmed, false));
    assert_eq!(w.state.status, Status::Performing, "the dispute goes on to 回访 and 结案");
    // Others may not record it.
    let mut w = fixture(Status::Performing);
    w.now = t0() + Duration::days(10);
    let e = w.confirm_err(staff(Role::GridWorker), apply(day(2026, 3, 10), vec![0, 1]));
    assert_eq!(e.to_string(), "“网格员”无权申请司法确认");
    let e = w.confirm_err(mediator_as(1, false), apply(day(2026, 3, 10), vec![0, 1]));
    assert_eq!(e, MediationError::MediatorInactive);
}

/// An unapplied window shows as missed the day after it ends, before any job marks it.
#[test]
fn a_missed_window_is_shown() {
    let w = fixture(Status::Performing);
    let end = confirmation_window_end(w.state.effective_on().unwrap(), &cal());
    assert_eq!(end, day(2026, 4, 1));
    assert_eq!(confirmation_view(&w.state, end, &cal()).status, ConfirmationStatus::NotApplied);
    assert_eq!(confirmation_view(&w.state, day(2026, 4, 2), &cal()).status, ConfirmationStatus::WindowMissed);
    let mut w = w;
    w.now = t0() + Duration::days(31);
    assert_eq!(
        w.confirm_err(
            mediator(),
            ConfirmationAction::Apply { on: day(2026, 4, 2), court: "法院".into(), applicants: vec![0, 1] }
        ),
        MediationError::WindowMissed(end)
    );
    w.confirm_ok(Actor::System, ConfirmationAction::Lapse);
    assert_eq!(w.state.confirmation.status, ConfirmationStatus::WindowMissed);
}

/// The stored and sent forms are stable snake_case JSON.
#[test]
fn json_forms_are_stable() {
    let j = |v: serde_json::Value| v.to_string();
    assert_eq!(j(serde_json::to_value(Action::Accept).unwrap()), r#"{"action":"accept"}"#);
    assert_eq!(
        j(serde_json::to_value(consent(1, true)).unwrap()),
        r#"{"action":"record_consent","consent":true,"form":"oral","note":"","party":1}"#
    );
    assert_eq!(
        j(serde_json::to_value(mediator()).unwrap()),
        r#"{"kind":"staff","mediator":{"active":true,"id":1},"role":"mediator"}"#
    );
    assert_eq!(j(serde_json::to_value(Notice::ViolenceRisk).unwrap()), r#"{"kind":"violence_risk"}"#);
    assert_eq!(Notice::ViolenceRisk.kind(), "mediation_violence_risk");
    for &k in EventKind::ALL {
        assert_eq!(EventKind::parse(k.as_str()), Some(k));
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for &k in ActionKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for &k in ConfirmationActionKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for &s in ConfirmationStatus::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    let w = fixture(Status::Closed);
    let json = serde_json::to_value(&w.state).unwrap();
    assert_eq!(json["code"], "TJ330702001-20260302-0001");
    assert_eq!(json["confirmation"]["status"], "not_applied");
    assert_eq!(serde_json::from_value::<DisputeState>(json).unwrap(), w.state);
}
