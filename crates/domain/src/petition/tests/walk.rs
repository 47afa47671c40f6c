//! Walks through the branches with real dates, checking states, events, notices, clocks and
//! the Chinese errors (《信访工作条例》arts 22–36).

use super::*;

fn kinds(d: &Decision) -> Vec<&'static str> {
    d.events.iter().map(|e| e.kind.as_str()).collect()
}

fn state_of(w: &Walk, kind: ClockKind) -> (NaiveDate, ClockState) {
    let c = w.clock(kind);
    (c.due_on, c.state)
}

/// The whole way of an art 31(6) matter, to 复核终结 (arts 22–23, 34–36).
#[test]
fn straight_through_to_final() {
    let d1 = dept(1);
    let mut w = Walk::at(Kind::Claim, sh("2026-03-02 09:00"));
    assert_eq!(state_of(&w, ClockKind::Notice), (day("2026-03-17"), ClockState::Running));

    w.now = sh("2026-03-05 10:00");
    let d = w.ok(office(), notify());
    assert_eq!(d.notices, [Notice::Petitioner { about: EventKind::Notified }]);
    assert_eq!(state_of(&w, ClockKind::Notice), (day("2026-03-17"), ClockState::Met));

    let d = w.later(60).ok(office(), transfer(&d1));
    assert_eq!(d.notices, [Notice::Unit { unit: d1.clone(), about: EventKind::Transferred }]);
    assert_eq!(d.events[0].note, "交办至部门#1");
    // Thursday 03-05: five working days is Thursday 03-12; fifteen days is 03-20.
    assert_eq!(state_of(&w, ClockKind::Objection), (day("2026-03-12"), ClockState::Running));
    assert_eq!(state_of(&w, ClockKind::UnitNotice), (day("2026-03-20"), ClockState::Running));

    w.now = sh("2026-03-09 09:00");
    let d = w.ok(of(&d1), Action::Accept);
    assert_eq!((kinds(&d), d.notices), (vec!["accepted"], vec![Notice::Petitioner { about: EventKind::Accepted }]));
    // Accepted within the objection window: that window is simply over, not listed.
    let listed: Vec<ClockKind> = clocks(&w.state, w.now, &w.cal).iter().map(|c| c.kind).collect();
    assert_eq!(listed, [ClockKind::Notice, ClockKind::UnitNotice, ClockKind::Handling]);
    assert_eq!(state_of(&w, ClockKind::UnitNotice).1, ClockState::Met);
    // 60 days from 03-09 (art 34).
    assert_eq!(state_of(&w, ClockKind::Handling), (day("2026-05-08"), ClockState::Running));

    w.now = sh("2026-05-05 09:00");
    assert_eq!(state_of(&w, ClockKind::Handling).1, ClockState::Warned);
    let d = w.ok(leader(), Action::Extend { days: 20, reason: "需委托第三方评估".into() });
    assert_eq!(d.notices, [Notice::Petitioner { about: EventKind::Extended }]);
    assert_eq!(d.events[0].detail["days"], 20);
    assert_eq!(state_of(&w, ClockKind::Handling), (day("2026-05-28"), ClockState::Running));
    assert_eq!(w.clock(ClockKind::Handling).extra_days, 20);

    w.now = sh("2026-05-21 09:00");
    let d = w.ok(of(&d1), issue(day("2026-05-21")));
    assert_eq!(d.events[0].note, "处理意见：支持");
    assert_eq!(state_of(&w, ClockKind::Handling).1, ClockState::Met);
    assert_eq!(state_of(&w, ClockKind::ReviewRequest), (day("2026-06-20"), ClockState::Running));

    // The last day of the 复查 window, late in the evening (art 35).
    w.now = sh("2026-06-20 23:30");
    let d = w.ok(Actor::Petitioner, request_review());
    assert_eq!(d.notices, [Notice::Reviewers { about: EventKind::ReviewRequested }]);
    assert_eq!(d.events[0].note, "向区人民政府请求复查");
    assert_eq!(state_of(&w, ClockKind::ReviewRequest).1, ClockState::Met);
    assert_eq!(state_of(&w, ClockKind::ReviewAnswer), (day("2026-07-20"), ClockState::Running));

    w.now = sh("2026-07-10 10:00");
    w.ok(leader(), answer_review(day("2026-07-10")));
    assert_eq!(state_of(&w, ClockKind::ReviewAnswer).1, ClockState::Met);
    assert_eq!(state_of(&w, ClockKind::RecheckRequest), (day("2026-08-09"), ClockState::Running));

    w.now = sh("2026-08-01 10:00");
    w.ok(Actor::Petitioner, request_recheck());
    assert_eq!(state_of(&w, ClockKind::RecheckAnswer), (day("2026-08-31"), ClockState::Running));

    // A hearing from 08-20 to 08-22: three days not counted (art 36).
    w.now = sh("2026-08-20 09:00");
    w.ok(leader(), Action::StartHearing { note: "公开听证".into() });
    assert_eq!(state_of(&w, ClockKind::RecheckAnswer), (day("2026-09-01"), ClockState::Paused));
    w.now = sh("2026-08-22 17:00");
    assert_eq!(state_of(&w, ClockKind::RecheckAnswer), (day("2026-09-03"), ClockState::Paused));
    let d = w.ok(leader(), Action::EndHearing { note: String::new() });
    assert_eq!(d.events[0].note, "听证结束");
    assert_eq!(w.state.status, Status::RecheckRequested);
    assert_eq!(state_of(&w, ClockKind::RecheckAnswer), (day("2026-09-03"), ClockState::Running));
    assert_eq!(w.clock(ClockKind::RecheckAnswer).extra_days, 3);
    assert_eq!(w.err(leader(), Action::StartHearing { note: String::new() }).to_string(), "本次复核已举行过听证");

    w.now = sh("2026-09-02 10:00");
    let d = w.ok(leader(), answer_recheck(day("2026-09-02"), true));
    assert_eq!(d.events[0].detail["publish"], true);
    assert_eq!((w.state.status, w.state.closed_at), (Status::Final, Some(w.now)));
    assert_eq!(w.state.version, 12);
    assert!(clocks(&w.state, w.now, &w.cal).iter().all(|c| c.state == ClockState::Met));

    // The same matter again: closed (art 36).
    let key = MatterKey::new("resident:42", &Request::new("要求补发拆迁补偿款。").unwrap()).unwrap();
    let existing = [Existing { id: 5, fingerprint: key.fingerprint(), status: w.state.status }];
    assert_eq!(check(&key, &existing), Verdict::Closed { by: 5 });
}

/// Five working days to object (art 23): 国庆 2026 is skipped, the adjusted Saturday counts.
#[test]
fn objection_window_skips_national_day() {
    let d1 = dept(1);
    let mut w = Walk::at(Kind::Claim, sh("2026-09-28 09:00"));
    w.ok(office(), notify());
    w.now = sh("2026-09-29 10:00");
    w.ok(office(), transfer(&d1));
    // 09-30 (1), 10-01..07 holiday, 10-08 (2), 10-09 (3), Saturday 10-10 works (4), 10-12 (5).
    assert_eq!(state_of(&w, ClockKind::Objection), (day("2026-10-12"), ClockState::Running));
    assert_eq!(w.clock(ClockKind::Objection).warn_on, day("2026-10-10"));
    w.now = sh("2026-10-09 12:00");
    assert_eq!(state_of(&w, ClockKind::Objection).1, ClockState::Running);
    w.now = sh("2026-10-10 12:00");
    assert_eq!(state_of(&w, ClockKind::Objection).1, ClockState::Warned);

    let mut late = Walk { state: w.state.clone(), now: sh("2026-10-13 00:10"), cal: cal() };
    assert_eq!(state_of(&late, ClockKind::Objection).1, ClockState::Missed);
    assert_eq!(
        late.err(of(&d1), object()).to_string(),
        "提出异议的期限已于2026年10月12日届满（收到之日起5个工作日内，《信访工作条例》第二十三条），请依法办理"
    );

    w.now = sh("2026-10-12 23:50");
    let d = w.ok(of(&d1), object());
    assert_eq!(d.notices, [Notice::Intake { about: EventKind::Objected }]);
    assert_eq!(state_of(&w, ClockKind::Objection).1, ClockState::Met);
}

/// Art 23: the office verifies the objection; agreed, the petition goes elsewhere, never back
/// to that unit; refused, the unit keeps it and cannot object again.
#[test]
fn objections_agreed_and_refused() {
    let (d1, d2) = (dept(1), dept(2));
    let mut w = fixture(Status::Objected);
    assert_eq!(
        w.err(office(), Action::DecideObjection { agree: false, note: " ".into() }).to_string(),
        "请填写不同意异议的理由"
    );
    let d = w.ok(office(), Action::DecideObjection { agree: true, note: String::new() });
    assert_eq!(d.notices, [Notice::Unit { unit: d1.clone(), about: EventKind::ObjectionAgreed }]);
    assert_eq!((w.state.status, w.state.holder()), (Status::Notified, None));
    assert_eq!(w.err(office(), transfer(&d1)).to_string(), "部门#1对此件的异议已核实同意，不能再转送交办给该单位");
    w.ok(office(), transfer(&d2));
    w.ok(of(&d2), Action::Object { reason: "非本单位职责".into() });
    w.ok(office(), Action::DecideObjection { agree: false, note: "属该单位法定职责".into() });
    assert_eq!(w.state.status, Status::Transferred);
    assert_eq!(w.err(of(&d2), object()), TransitionError::AlreadyObjected);
    assert_eq!(w.err(of(&d2), Action::Object { reason: String::new() }), TransitionError::AlreadyObjected);
    w.ok(of(&d2), Action::Accept);
    assert_eq!(w.state.holder(), Some(&d2));
}

/// Art 35: a 复查 request after the 30 days is refused with the date the window closed; the
/// petition is then concluded, never before.
#[test]
fn review_request_after_thirty_days() {
    let mut w = fixture(Status::Handling);
    w.now = sh("2026-03-10 15:00");
    w.ok(of(&dept(1)), issue(day("2026-03-10")));
    w.now = sh("2026-04-09 23:59");
    assert_eq!(
        w.err(Actor::System, Action::Conclude).to_string(),
        "信访人可在2026年4月9日前（含当日）请求复查，期限届满后才能办结"
    );
    w.now = sh("2026-04-10 00:05");
    assert_eq!(
        w.err(Actor::Petitioner, request_review()).to_string(),
        "请求复查的期限已于2026年4月9日届满（自收到书面答复之日起30日内，《信访工作条例》第三十五条）"
    );
    assert_eq!(state_of(&w, ClockKind::ReviewRequest), (day("2026-04-09"), ClockState::Missed));
    let d = w.ok(Actor::System, Action::Conclude);
    assert_eq!(kinds(&d), ["concluded"]);
    assert_eq!(d.events[0].note, "信访人未在期限内请求复查，办结");
    assert_eq!(w.state.status, Status::Concluded);
    assert_eq!(state_of(&w, ClockKind::ReviewRequest).1, ClockState::Missed);
}

/// Art 36: the same for 复核.
#[test]
fn recheck_request_after_thirty_days() {
    let mut w = fixture(Status::Reviewed);
    let served = w.state.review.as_ref().unwrap().answer.as_ref().unwrap().served_on;
    let last = served + Duration::days(30);
    w.now = crate::kernel::clock::from_shanghai(last.and_hms_opt(23, 59, 0).unwrap()).unwrap();
    assert!(matches!(w.err(Actor::System, Action::Conclude), TransitionError::WindowOpen { what: "请求复核", .. }));
    w.days(1);
    assert_eq!(w.err(Actor::Petitioner, request_recheck()), TransitionError::RecheckExpired { expired: last });
    w.ok(office(), Action::Conclude);
}

/// Art 34: once, at most 30 days, before the 60 days are out, 申诉求决类 only.
#[test]
fn extension_rules() {
    let mut w = fixture(Status::Handling);
    let accepted = date_of(w.state.accepted_at.unwrap());
    for days in [0, 31, u32::MAX] {
        assert_eq!(
            w.err(leader(), Action::Extend { days, reason: "复杂".into() }),
            TransitionError::BadExtension { max: 30 }
        );
    }
    assert_eq!(w.err(leader(), Action::Extend { days: 30, reason: String::new() }).to_string(), "请填写延期理由");
    let mut late = Walk { state: w.state.clone(), now: w.now + Duration::days(61), cal: cal() };
    assert_eq!(
        late.err(leader(), Action::Extend { days: 5, reason: "复杂".into() }),
        TransitionError::HandlingExpired { expired: accepted + Duration::days(60) }
    );
    assert_eq!(state_of(&late, ClockKind::Handling).1, ClockState::Overdue);
    w.ok(leader(), Action::Extend { days: 30, reason: "复杂".into() });
    assert_eq!(
        w.err(leader(), Action::Extend { days: 1, reason: "仍复杂".into() }).to_string(),
        "办理期限只能延长一次（《信访工作条例》第三十四条）"
    );
    assert_eq!(w.clock(ClockKind::Handling).due_on, accepted + Duration::days(90));

    let mut w = fixture(Status::Handling);
    w.state.kind = Kind::Suggestion;
    assert_eq!(
        w.err(leader(), Action::Extend { days: 5, reason: "复杂".into() }).to_string(),
        "只有申诉求决类事项才能延长办理期限（《信访工作条例》第三十四条）"
    );
}

/// Arts 29–33: the kind decides how a matter ends.
#[test]
fn the_kind_decides_the_ending() {
    let d1 = dept(1);
    let w = fixture(Status::Handling);
    let reply = Action::Reply { reply: "已研究".into() };
    assert_eq!(w.try_(&of(&d1), &reply).unwrap_err(), TransitionError::OpinionRequired);
    let route = |route| Action::Route { route, note: "请依法申请".into() };
    assert_eq!(w.try_(&of(&d1), &route(Route::Opinion)).unwrap_err(), TransitionError::RouteNotStatutory);
    assert_eq!(
        w.try_(&of(&d1), &route(Route::Discipline)).unwrap_err().to_string(),
        "申诉求决类事项不能转入“纪检监察”"
    );
    for r in Route::ALL.into_iter().filter(|r| r.is_statutory() && *r != Route::Discipline) {
        let d = w.try_(&of(&d1), &route(r)).unwrap();
        assert_eq!((d.state.status, d.state.route), (Status::Routed, Some(r)));
        assert_eq!(d.events[0].detail["article"], r.article());
    }
    assert_eq!(
        w.try_(&of(&d1), &Action::Mediate { dispute_id: 0, note: String::new() }).unwrap_err(),
        TransitionError::BadDisputeId
    );
    let d = w.try_(&of(&d1), &Action::Mediate { dispute_id: 12, note: String::new() }).unwrap();
    assert_eq!((d.state.dispute_id, d.events[0].note.as_str()), (Some(12), "经调解化解（纠纷#12）"));
    // Mediated: the 60 days end there (met).
    let clock = clocks(&d.state, w.now, &w.cal).into_iter().find(|c| c.kind == ClockKind::Handling).unwrap();
    assert_eq!(clock.state, ClockState::Met);

    let mut s = fixture(Status::Handling);
    s.state.kind = Kind::Suggestion;
    let today = s.today();
    assert_eq!(
        s.err(of(&d1), issue(today)).to_string(),
        "只有申诉求决类事项才能出具信访处理意见书（《信访工作条例》第三十二条）"
    );
    assert_eq!(s.err(of(&d1), route(Route::Litigation)).to_string(), "建议意见类事项不能转入“诉讼”");
    assert!(matches!(
        s.err(staff(Role::Mediator), Action::Mediate { dispute_id: 1, note: String::new() }),
        TransitionError::ClaimOnly { .. }
    ));
    let d = s.ok(of(&d1), reply);
    assert_eq!((d.state.status, d.state.reply.as_deref()), (Status::Concluded, Some("已研究")));
    // No 60-day clock outside art 31(6).
    assert!(clocks(&s.state, s.now, &s.cal).iter().all(|c| c.kind != ClockKind::Handling));

    let mut a = fixture(Status::Handling);
    a.state.kind = Kind::Accusation;
    let d = a.ok(of(&d1), route(Route::Discipline));
    assert_eq!(d.events[0].note, "纪检监察：请依法申请");
}

/// The date an opinion reached the petitioner lies between the step it answers and today.
#[test]
fn served_on_is_checked() {
    let mut w = fixture(Status::Handling);
    let today = w.today();
    let accepted = date_of(w.state.accepted_at.unwrap());
    let e = w.err(of(&dept(1)), issue(today + Duration::days(1)));
    assert_eq!(e, TransitionError::ServedOnOutOfRange { earliest: accepted, latest: today });
    assert!(e.to_string().starts_with("送达日期应在2026年3月"), "{e}");
    w.err(of(&dept(1)), issue(accepted - Duration::days(1)));
    w.err(of(&dept(1)), issue(NaiveDate::MIN));
    w.err(of(&dept(1)), issue(NaiveDate::MAX));
    let mut r = fixture(Status::RecheckRequested);
    let today = r.today();
    assert_eq!(r.err(leader(), answer_recheck(today, true)), TransitionError::PublishWithoutHearing);
}

/// Texts are checked and named; withdrawing tells the unit holding it.
#[test]
fn texts_and_withdrawal() {
    let mut w = fixture(Status::Transferred);
    assert_eq!(w.err(of(&dept(1)), Action::Object { reason: "  ".into() }).to_string(), "请填写异议理由");
    assert_eq!(
        w.err(of(&dept(1)), Action::Object { reason: "a\0b".into() }).to_string(),
        "异议理由含有不可见的控制字符，请删除后重试"
    );
    assert_eq!(
        w.err(of(&dept(1)), Action::Object { reason: "字".repeat(MAX_NOTE_CHARS + 1) }).to_string(),
        "异议理由不能超过4000个字"
    );
    let body = Action::RequestReview { body: "区\n政府".into(), request: String::new() };
    assert_eq!(
        fixture(Status::OpinionIssued).err(Actor::Petitioner, body).to_string(),
        "复查机关含有不可见的控制字符，请删除后重试"
    );
    let d = w.ok(Actor::Petitioner, Action::Withdraw { reason: String::new() });
    assert_eq!(d.notices, [Notice::Unit { unit: dept(1), about: EventKind::Withdrawn }]);
    assert_eq!(d.events[0].note, "信访人撤回");
    // Withdrawn within every time limit: only the clocks already met are listed.
    assert!(clocks(&w.state, w.now, &w.cal).iter().all(|c| c.state == ClockState::Met));
}

/// An escalated case and a group visit, registered.
#[test]
fn registration_event() {
    let petitioner = Petitioner {
        name: PetitionerName::new("李四").unwrap(),
        address: PetitionerAddress::new("某村5组").unwrap(),
    };
    let matter = Matter {
        request: Request::new("要求解决宅基地纠纷").unwrap(),
        facts: Facts::new("邻居占用").unwrap(),
        reasons: Reasons::new("有确权证书").unwrap(),
    };
    let names = ["李四", "王五", "赵六"].map(|n| PetitionerName::new(n).unwrap()).to_vec();
    let group = GroupVisit::new(12, Representatives::new(names).unwrap()).unwrap();
    let reg = Registration::new(Channel::Visit, Kind::Claim, petitioner, matter, Some(group), Some(77)).unwrap();
    let d = register(&reg, t0());
    assert_eq!((d.state.status, d.state.version, d.state.from_case), (Status::Registered, 1, Some(77)));
    assert_eq!(d.events[0].note, "走访，申诉求决类");
    assert_eq!(d.events[0].detail["group_headcount"], 12);
    assert_eq!(d.events[0].detail["from_case"], 77);
    let json = serde_json::to_string(&d.state).unwrap();
    assert_eq!(serde_json::from_str::<PetitionState>(&json).unwrap(), d.state);
}
