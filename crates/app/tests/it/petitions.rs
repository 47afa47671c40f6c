//! 信访 use-cases on both backends (《信访工作条例》2022): registration from every channel and
//! the group-visit limit (art 20), the duplicate rule — new, linked (art 19), closed (art 36) —
//! a walk through every branch (告知 within 15 days, 转送交办 and 异议 within 5 working days,
//! 受理, 60 days and one extension, 意见书 with each outcome, 复查 and 复核 inside and outside
//! their windows, the hearing's pause, 复核终结), 答复, 转入法定途径, 撤回, escalation of a case
//! and resolution by mediation (both links kept), the version conflict, a department's scope,
//! personal data encrypted and masked, one audit record per change, and the timers.

use crate::common::{GRID, STREET, noise_report, seed, service};
use chrono::{Duration, NaiveDate};
use tongxin_app::petitions::{
    PersonForm, PetitionError, Registered, RegistrationForm, Who, act, escalate_case, mediate, register, run_timers,
};
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::people::idcard::IdNumber;
use tongxin_domain::petition::{
    Action, Channel, ClockKind, FactsAndReasons, Finding, Kind, LegalBasis, Opinion, Outcome, Request, Route, Status,
    TransferMode, TransitionError,
};
use tongxin_store::accounts::{NewUser, User};
use tongxin_store::petitions::{PetitionFilter, PetitionView};
use tongxin_store::{Page, Store, StoreError, on_read};
use tongxin_testkit::{World, both_backends};

const COMM_A: &str = "330702001008";

struct Fx {
    desk: Who,
    leader: Who,
    dept1: Who,
    dept2: Who,
    dispatcher: User,
}

async fn user(store: &Store, name: &str, role: Role, region: Option<&str>, dept: Option<i64>) -> User {
    let new = NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        role,
        scope_region: region.map(String::from),
        scope_department: dept,
        can_unmask: false,
        totp_secret: None,
    };
    store.accounts().create_user(&tongxin_store::Actor::system("test"), &new).await.unwrap()
}

async fn fixture(store: &Store) -> Fx {
    seed(store).await;
    World::new(store).department(2, STREET, "住建办").build().await;
    let dispatcher = user(store, "desk", Role::Dispatcher, Some(STREET), None).await;
    let leader = user(store, "leader", Role::Leader, Some(STREET), None).await;
    let d1 = user(store, "cg", Role::DepartmentHandler, None, Some(1)).await;
    let d2 = user(store, "zj", Role::DepartmentHandler, None, Some(2)).await;
    Fx {
        desk: Who::Staff(dispatcher.clone()),
        leader: Who::Staff(leader),
        dept1: Who::Staff(d1),
        dept2: Who::Staff(d2),
        dispatcher,
    }
}

fn id_number(seq: u16) -> String {
    IdNumber::compose("330702", NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), seq).as_str().to_string()
}

/// 张三丰 (with an ID number `seq`) asks `request` by `channel`.
pub(crate) fn form(channel: Channel, kind: Kind, seq: u16, request: &str) -> RegistrationForm {
    RegistrationForm {
        region: Some(GRID.into()),
        channel,
        kind,
        petitioner: PersonForm {
            name: "张三丰".into(),
            address: "城东街道幸福里3号楼2单元101室".into(),
            id_number: id_number(seq),
            phone: "13800138000".into(),
        },
        request: request.into(),
        facts: "旧改项目签约后，补偿款至今未全额发放。".into(),
        reasons: "已按协议腾退房屋。".into(),
        headcount: None,
        representatives: vec![],
    }
}

fn rep(name: &str) -> PersonForm {
    PersonForm { name: name.into(), ..PersonForm::default() }
}

pub(crate) async fn new(store: &Store, who: &Who, f: RegistrationForm) -> PetitionView {
    match register(store, who, f).await.unwrap() {
        Registered::New(p) => p,
        other => panic!("expected a new petition, got {other:?}"),
    }
}

pub(crate) async fn ok(store: &Store, who: &Who, p: &PetitionView, action: Action) -> PetitionView {
    act(store, who, p.id, p.version, action).await.unwrap()
}

async fn rule(store: &Store, who: &Who, p: &PetitionView, action: Action) -> TransitionError {
    match act(store, who, p.id, p.version, action).await {
        Err(PetitionError::Rule(e)) => e,
        other => panic!("expected a rule error, got {other:?}"),
    }
}

fn opinion(outcome: Outcome) -> Opinion {
    Opinion {
        request: Request::new("要求补发补偿款").unwrap(),
        facts_and_reasons: FactsAndReasons::new("经调查核实，尚欠补偿款两万元").unwrap(),
        outcome,
        finding: Finding::new("责成征收实施单位于30日内补发").unwrap(),
        legal_basis: LegalBasis::new("《国有土地上房屋征收与补偿条例》第二十七条").unwrap(),
    }
}

fn today(s: &Store) -> NaiveDate {
    tongxin_domain::case::deadline::shanghai_date(s.now())
}

fn transfer(unit: i64) -> Action {
    Action::Transfer { unit: Unit::Department(unit), mode: TransferMode::Assign, note: "请依法办理".into() }
}

pub(crate) fn notify() -> Action {
    Action::Notify { note: "已书面告知受理途径".into() }
}

async fn audit_count(s: &Store, id: i64) -> i64 {
    on_read!(&s.db, |q| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'petition' AND entity_id = CAST($1 AS TEXT)"
    )
    .bind(id)
    .fetch_one(q)
    .await)
    .unwrap()
}

async fn event_kinds(s: &Store, p: &PetitionView) -> Vec<String> {
    s.petitions().events(&Scope::All, p.id).await.unwrap().into_iter().map(|e| e.kind).collect()
}

both_backends! {
    /// Every channel registers (art 17), each with its code, a notice to the office and one
    /// audit record; a group visit elects at most five representatives (art 20) and only a
    /// visit records one; the people's numbers are stored encrypted and shown masked.
    async fn registration_by_every_channel(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let mut codes = Vec::new();
        for (i, channel) in Channel::ALL.into_iter().enumerate() {
            let p = new(s, &fx.desk, form(channel, Kind::Claim, 100 + i as u16, "要求补发补偿款")).await;
            assert_eq!((p.channel, p.status, p.version, p.open), (channel, Status::Registered, 1, true), "{label}");
            assert_eq!((p.next_clock, p.holder.clone()), (Some(ClockKind::Notice), None));
            assert_eq!(audit_count(s, p.id).await, 1, "{label}");
            codes.push(p.code);
        }
        assert_eq!(codes[0], "XF330702001-20261122-0001", "{label}");
        assert_eq!(codes[4], "XF330702001-20261122-0005");
        let registered: i64 = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'petition_registered' AND recipient = 'dispatchers:330702001'"
        ).fetch_one(q).await).unwrap();
        assert_eq!(registered, 5, "{label}");

        // 多人走访: five representatives are registered, a sixth is refused, nothing written.
        let mut group = form(Channel::Visit, Kind::Claim, 200, "要求解决小区停车问题");
        group.headcount = Some(30);
        group.representatives = ["甲", "乙", "丙", "丁", "戊"].iter().map(|n| rep(&format!("代表{n}"))).collect();
        group.representatives[0].phone = "13900139000".into();
        let p = new(s, &fx.desk, group.clone()).await;
        assert_eq!(p.headcount, Some(30), "{label}");
        let people = s.petitions().people(&fx.dispatcher.scope, p.id).await.unwrap();
        assert_eq!(people.len(), 6, "{label}");
        assert_eq!((people[1].name_masked.as_str(), people[1].phone_masked.as_deref()), ("代**", Some("139****9000")));
        assert_eq!(people[0].id_masked.as_deref(), Some(IdNumber::parse(&id_number(200)).unwrap().masked().as_str()));
        let json = serde_json::to_string(&(&p, &people)).unwrap();
        assert!(!json.contains("13800138000") && !json.contains(&id_number(200)) && !json.contains("张三丰"), "{label}");
        let mut six = group.clone();
        six.request = "另一件事".into();
        six.representatives.push(rep("代表己"));
        let err = register(s, &fx.desk, six).await.unwrap_err();
        assert!(matches!(&err, PetitionError::Invalid { field: "representatives", message } if message.contains("不超过5人")), "{label}: {err:?}");
        let mut by_letter = group.clone();
        by_letter.request = "又一件事".into();
        by_letter.channel = Channel::Letter;
        let err = register(s, &fx.desk, by_letter).await.unwrap_err();
        assert!(err.to_string().contains("只有走访才登记多人代表"), "{label}: {err}");
        let mut blank = form(Channel::Letter, Kind::Claim, 300, "   ");
        blank.petitioner.address = String::new();
        assert!(matches!(register(s, &fx.desk, blank).await.unwrap_err(), PetitionError::Invalid { field: "petitioner.address", .. }));
        let all = s.petitions().list(&fx.dispatcher.scope, &PetitionFilter::default(), Page::default()).await.unwrap();
        assert_eq!(all.total, 6, "{label}: refused registrations write nothing");
        // Outside the registrar's scope, or a department registering: refused.
        let mut elsewhere = form(Channel::Letter, Kind::Claim, 301, "要求补发补偿款");
        elsewhere.region = Some("330702002".into());
        assert!(matches!(register(s, &fx.desk, elsewhere).await.unwrap_err(), PetitionError::Invalid { field: "region", .. }));
        let err = register(s, &fx.dept1, form(Channel::Letter, Kind::Claim, 302, "x")).await.unwrap_err();
        assert!(matches!(err, PetitionError::Invalid { field: "region", .. }), "{label}");
    }
}

both_backends! {
    /// The duplicate rule: the same person with the same request (punctuation aside) is linked
    /// to the open petition (art 19) — an event there, its holder told, nothing new; another
    /// request is new; after 复核终结 the same matter is refused (art 36); after 撤回 it is new.
    async fn duplicates_new_linked_closed(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let first = new(s, &fx.desk, form(Channel::Letter, Kind::Claim, 123, "要求补发补偿款")).await;
        let again = register(s, &fx.desk, form(Channel::Phone, Kind::Claim, 123, "要求补发补偿款！")).await.unwrap();
        let Registered::Linked { petition, message } = again else { panic!("{label}: {again:?}") };
        assert_eq!((petition.id, petition.version), (first.id, 1), "{label}");
        assert!(message.contains("第十九条"), "{label}: {message}");
        assert_eq!(event_kinds(s, &first).await, ["registered", "linked"], "{label}");
        assert_eq!(audit_count(s, first.id).await, 2, "{label}: the link is audited");
        let total = s.petitions().list(&Scope::All, &PetitionFilter::default(), Page::default()).await.unwrap().total;
        assert_eq!(total, 1, "{label}: not registered again");
        // Another matter of the same person, or the same words of another person: new.
        new(s, &fx.desk, form(Channel::Letter, Kind::Claim, 123, "要求解决停车问题")).await;
        new(s, &fx.desk, form(Channel::Letter, Kind::Claim, 124, "要求补发补偿款")).await;

        // Withdrawn: the same matter may come again as a new petition.
        let w = new(s, &fx.desk, form(Channel::Letter, Kind::Suggestion, 125, "建议增设路灯")).await;
        let w = ok(s, &fx.desk, &w, Action::Withdraw { reason: "信访人书面撤回".into() }).await;
        assert_eq!((w.status, w.open), (Status::Withdrawn, false), "{label}");
        new(s, &fx.desk, form(Channel::Online, Kind::Suggestion, 125, "建议增设路灯。")).await;

        // 复核终结 (the whole way, quickly): the same matter is refused, citing art 36.
        let p = final_petition(s, &fx, 126).await;
        assert_eq!((p.status, p.open), (Status::Final, false), "{label}");
        let err = register(s, &fx.desk, form(Channel::Visit, Kind::Claim, 126, "要求 补发 补偿款")).await.unwrap_err();
        assert!(matches!(&err, PetitionError::Refused { by, .. } if *by == p.id), "{label}: {err:?}");
        assert!(err.to_string().contains("第三十六条") && err.to_string().contains("不再受理"), "{label}: {err}");
    }
}

/// A claim taken through 告知, 受理 by the office, 意见书, 复查 and 复核 to 复核终结.
async fn final_petition(s: &Store, fx: &Fx, seq: u16) -> PetitionView {
    let p = new(s, &fx.desk, form(Channel::Letter, Kind::Claim, seq, "要求补发补偿款")).await;
    let p = ok(s, &fx.desk, &p, notify()).await;
    let p = ok(s, &fx.desk, &p, Action::Accept).await;
    let p = ok(s, &fx.desk, &p, Action::IssueOpinion { opinion: opinion(Outcome::Reject), served_on: today(s) }).await;
    let p = ok(s, &fx.desk, &p, Action::RequestReview { body: "区人民政府".into(), request: String::new() }).await;
    let p =
        ok(s, &fx.leader, &p, Action::AnswerReview { opinion: opinion(Outcome::Reject), served_on: today(s) }).await;
    let p = ok(s, &fx.desk, &p, Action::RequestRecheck { body: "市人民政府".into(), request: String::new() }).await;
    ok(
        s,
        &fx.leader,
        &p,
        Action::AnswerRecheck { opinion: opinion(Outcome::Reject), served_on: today(s), publish: false },
    )
    .await
}

both_backends! {
    /// The ordinary way of a claim, every step with its clock: 告知 within 15 days; 交办 to a
    /// department, which objects within 5 working days; agreed, it goes to another, whose late
    /// objection is refused; 受理 starts the 60 days, extended once; the 意见书 (支持) opens the
    /// 30 days to ask for 复查; 复查 (解释说明), 复核 with a hearing that stops its clock, and the
    /// 复核 opinion (不予支持) closes it for good. A department sees only what it holds; each
    /// change writes one audit record; a stale version is a conflict.
    async fn walk_through_every_step(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let p = new(s, &fx.desk, form(Channel::Visit, Kind::Claim, 123, "要求补发补偿款")).await;
        let registered_on = today(s);
        assert_eq!(p.next_deadline.map(tongxin_domain::case::deadline::shanghai_date), Some(registered_on + Duration::days(15)), "{label}");
        // A department cannot read (nor act on) what it does not hold.
        assert!(matches!(act(s, &fx.dept1, p.id, 1, transfer(1)).await, Err(PetitionError::Store(StoreError::NotFound))));

        t.clock.advance(Duration::days(3));
        let p = ok(s, &fx.desk, &p, notify()).await;
        assert_eq!((p.status, p.next_clock), (Status::Notified, None), "{label}");
        // Transfer to a unit that is not on record: refused.
        let err = act(s, &fx.desk, p.id, p.version, transfer(99)).await.unwrap_err();
        assert!(matches!(&err, PetitionError::Invalid { field: "unit", .. }), "{label}: {err:?}");
        let p = ok(s, &fx.desk, &p, transfer(1)).await;
        assert_eq!((p.status, p.holder.clone(), p.next_clock), (Status::Transferred, Some(Unit::Department(1)), Some(ClockKind::UnitNotice)));
        assert_eq!(s.petitions().get(&fx.dept1.scope(), p.id).await.unwrap().id, p.id, "{label}");
        assert!(matches!(s.petitions().get(&fx.dept2.scope(), p.id).await, Err(StoreError::NotFound)));
        let unit_notice: i64 = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'petition_unit' AND recipient = 'dept:1'"
        ).fetch_one(q).await).unwrap();
        assert_eq!(unit_notice, 1, "{label}");

        // The version conflict: a second click on the same version.
        let stale = act(s, &fx.dept1, p.id, p.version - 1, Action::Accept).await.unwrap_err();
        assert!(matches!(&stale, PetitionError::Store(StoreError::Conflict(m)) if m.contains("刷新")), "{label}: {stale:?}");

        // 异议 within 5 working days; the office agrees; the unit is released.
        let p = ok(s, &fx.dept1, &p, Action::Object { reason: "非本单位职责".into() }).await;
        assert_eq!(p.status, Status::Objected, "{label}");
        let p = ok(s, &fx.desk, &p, Action::DecideObjection { agree: true, note: String::new() }).await;
        assert_eq!((p.status, p.holder.clone()), (Status::Notified, None), "{label}");
        assert!(matches!(s.petitions().get(&fx.dept1.scope(), p.id).await, Err(StoreError::NotFound)), "{label}: released");
        assert!(matches!(rule(s, &fx.desk, &p, transfer(1)).await, TransitionError::Released { .. }));
        let p = ok(s, &fx.desk, &p, transfer(2)).await;
        // Another department's staff cannot act for the holder.
        assert!(matches!(act(s, &fx.dept1, p.id, p.version, Action::Accept).await, Err(PetitionError::Store(StoreError::NotFound))));
        // Eight days later the objection window (5 working days) is over.
        t.clock.advance(Duration::days(8));
        let late = rule(s, &fx.dept2, &p, Action::Object { reason: "非本单位职责".into() }).await;
        assert!(late.to_string().contains("第二十三条"), "{label}: {late}");

        // 受理: the 60 days run; one extension (art 34) by the head, a second refused.
        let p = ok(s, &fx.dept2, &p, Action::Accept).await;
        let accepted_on = today(s);
        assert_eq!((p.status, p.next_clock), (Status::Handling, Some(ClockKind::Handling)), "{label}");
        let due = |p: &PetitionView| tongxin_domain::case::deadline::shanghai_date(p.next_deadline.unwrap());
        assert_eq!(due(&p), accepted_on + Duration::days(60), "{label}");
        assert!(matches!(rule(s, &fx.dept2, &p, Action::Extend { days: 30, reason: "需评估".into() }).await, TransitionError::Forbidden { .. }));
        let p = ok(s, &fx.leader, &p, Action::Extend { days: 30, reason: "需委托第三方评估".into() }).await;
        assert_eq!(due(&p), accepted_on + Duration::days(90), "{label}");
        assert_eq!(rule(s, &fx.leader, &p, Action::Extend { days: 5, reason: "再延".into() }).await, TransitionError::AlreadyExtended);

        // 意见书 (支持): the 30 days to ask for 复查 open.
        t.clock.advance(Duration::days(40));
        let p = ok(s, &fx.dept2, &p, Action::IssueOpinion { opinion: opinion(Outcome::Support), served_on: today(s) }).await;
        assert_eq!((p.status, p.next_clock), (Status::OpinionIssued, None), "{label}");
        assert_eq!(p.window_end, Some(today(s) + Duration::days(30)), "{label}");
        // Too early to conclude; inside the window the 复查 request is taken.
        assert!(matches!(rule(s, &fx.desk, &p, Action::Conclude).await, TransitionError::WindowOpen { .. }));
        t.clock.advance(Duration::days(29));
        let p = ok(s, &fx.desk, &p, Action::RequestReview { body: "区人民政府".into(), request: "补偿标准有误".into() }).await;
        assert_eq!((p.status, p.next_clock, p.window_end), (Status::ReviewRequested, Some(ClockKind::ReviewAnswer), None), "{label}");
        let review: i64 = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'petition_review' AND recipient = 'supervisors:2:330702001'"
        ).fetch_one(q).await).unwrap();
        assert_eq!(review, 1, "{label}");
        // 复查意见 (解释说明), then 复核 inside its window.
        let p = ok(s, &fx.leader, &p, Action::AnswerReview { opinion: opinion(Outcome::Explain), served_on: today(s) }).await;
        assert_eq!(p.status, Status::Reviewed, "{label}");
        t.clock.advance(Duration::days(10));
        let p = ok(s, &fx.desk, &p, Action::RequestRecheck { body: "市人民政府".into(), request: String::new() }).await;
        let recheck_due = due(&p);
        assert_eq!((p.status, p.next_clock), (Status::RecheckRequested, Some(ClockKind::RecheckAnswer)), "{label}");
        // 听证: the 复核 clock stops (no deadline while it lasts) and resumes three days later.
        t.clock.advance(Duration::days(5));
        let p = ok(s, &fx.leader, &p, Action::StartHearing { note: "公开听证".into() }).await;
        assert_eq!((p.status, p.next_clock, p.next_deadline), (Status::Hearing, None, None), "{label}");
        t.clock.advance(Duration::days(2));
        let p = ok(s, &fx.leader, &p, Action::EndHearing { note: String::new() }).await;
        assert_eq!((p.status, due(&p)), (Status::RecheckRequested, recheck_due + Duration::days(3)), "{label}");
        let p = ok(s, &fx.leader, &p, Action::AnswerRecheck { opinion: opinion(Outcome::Reject), served_on: today(s), publish: true }).await;
        assert_eq!((p.status, p.open, p.next_clock), (Status::Final, false, None), "{label}");
        assert_eq!(
            event_kinds(s, &p).await,
            ["registered", "notified", "transferred", "objected", "objection_agreed", "transferred", "accepted", "extended",
             "opinion_issued", "review_requested", "reviewed", "recheck_requested", "hearing_started", "hearing_ended", "rechecked"],
            "{label}"
        );
        // One audit record per change: the registration and the fourteen decisions.
        assert_eq!(audit_count(s, p.id).await, 15, "{label}");
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// The other ends: a suggestion answered (答复), a claim routed to litigation, and a 复查 or
    /// 复核 asked after its 30 days refused — the job then concludes the petition (办结).
    async fn other_ends_and_lapsed_windows(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let sug = new(s, &fx.desk, form(Channel::Online, Kind::Suggestion, 1, "建议增设路灯")).await;
        let sug = ok(s, &fx.desk, &sug, notify()).await;
        let sug = ok(s, &fx.desk, &sug, Action::Accept).await;
        assert_eq!(rule(s, &fx.desk, &sug, Action::IssueOpinion { opinion: opinion(Outcome::Support), served_on: today(s) }).await,
            TransitionError::ClaimOnly { action: tongxin_domain::petition::ActionKind::IssueOpinion, article: "三十二" });
        let sug = ok(s, &fx.desk, &sug, Action::Reply { reply: "已纳入明年计划".into() }).await;
        assert_eq!((sug.status, sug.open), (Status::Concluded, false), "{label}");

        let routed = new(s, &fx.desk, form(Channel::Fax, Kind::Claim, 2, "要求撤销处罚决定")).await;
        let routed = ok(s, &fx.desk, &routed, notify()).await;
        let routed = ok(s, &fx.desk, &routed, Action::Route { route: Route::Litigation, note: "请依法向人民法院起诉".into() }).await;
        assert_eq!((routed.status, routed.open), (Status::Routed, false), "{label}");

        // 复查 too late: refused; the job concludes it.
        let a = new(s, &fx.desk, form(Channel::Letter, Kind::Claim, 3, "要求补发补偿款")).await;
        let a = ok(s, &fx.desk, &a, notify()).await;
        let a = ok(s, &fx.desk, &a, Action::Accept).await;
        let a = ok(s, &fx.desk, &a, Action::IssueOpinion { opinion: opinion(Outcome::Explain), served_on: today(s) }).await;
        // 复核 too late: refused; concluded too.
        let b = new(s, &fx.desk, form(Channel::Letter, Kind::Claim, 4, "要求补发补偿款")).await;
        let b = ok(s, &fx.desk, &b, notify()).await;
        let b = ok(s, &fx.desk, &b, Action::Accept).await;
        let b = ok(s, &fx.desk, &b, Action::IssueOpinion { opinion: opinion(Outcome::Reject), served_on: today(s) }).await;
        let b = ok(s, &fx.desk, &b, Action::RequestReview { body: "区人民政府".into(), request: String::new() }).await;
        let b = ok(s, &fx.leader, &b, Action::AnswerReview { opinion: opinion(Outcome::Support), served_on: today(s) }).await;
        let report = run_timers(s, 10).await.unwrap();
        assert_eq!(report.concluded, 0, "{label}: windows still open");

        t.clock.advance(Duration::days(31));
        let late = rule(s, &fx.desk, &a, Action::RequestReview { body: "区人民政府".into(), request: String::new() }).await;
        assert!(late.to_string().contains("第三十五条"), "{label}: {late}");
        let late = rule(s, &fx.desk, &b, Action::RequestRecheck { body: "市人民政府".into(), request: String::new() }).await;
        assert!(late.to_string().contains("第三十六条"), "{label}: {late}");
        let report = run_timers(s, 1).await.unwrap();
        assert_eq!(report.concluded, 2, "{label}: {report:?}");
        for p in [&a, &b] {
            let now = s.petitions().get(&Scope::All, p.id).await.unwrap();
            assert_eq!((now.status, now.open, now.version), (Status::Concluded, false, p.version + 1), "{label}");
            assert_eq!(event_kinds(s, &now).await.last().unwrap(), "concluded");
        }
        let actor: String = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT actor_name FROM petition_events WHERE petition_id = $1 AND kind = 'concluded'"
        ).bind(a.id).fetch_one(q).await).unwrap();
        assert_eq!(actor, "system:petitions", "{label}");
        assert_eq!(run_timers(s, 10).await.unwrap().concluded, 0, "{label}: once");
    }
}

both_backends! {
    /// The clocks' warnings and overdue marks: 15 days to tell the petitioner — warned three days
    /// before, overdue after, the office told; telling the petitioner clears the marks.
    async fn timers_warn_and_mark_overdue(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let p = new(s, &fx.desk, form(Channel::Letter, Kind::Claim, 1, "要求补发补偿款")).await;
        t.clock.advance(Duration::days(11));
        assert_eq!(run_timers(s, 10).await.unwrap().warned, 0, "{label}");
        t.clock.advance(Duration::days(1));
        let r = run_timers(s, 10).await.unwrap();
        assert_eq!((r.warned, r.overdue), (1, 0), "{label}");
        t.clock.advance(Duration::days(4));
        let r = run_timers(s, 10).await.unwrap();
        assert_eq!((r.warned, r.overdue), (0, 1), "{label}");
        assert_eq!(run_timers(s, 10).await.unwrap(), Default::default(), "{label}: once");
        let outbox: Vec<(String, String)> = on_read!(&s.db, |q| sqlx::query_as(
            "SELECT kind, recipient FROM outbox WHERE kind LIKE 'petition_clock%' ORDER BY id"
        ).fetch_all(q).await).unwrap();
        let expected = [("petition_clock_warning", "dispatchers:330702001"), ("petition_clock_overdue", "dispatchers:330702001")];
        assert_eq!(outbox.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect::<Vec<_>>(), expected, "{label}");
        let overdue = PetitionFilter { overdue: Some(true), ..Default::default() };
        let listed = s.petitions().list(&fx.dispatcher.scope, &overdue, Page::default()).await.unwrap();
        assert_eq!(listed.items.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id], "{label}");
        let p = s.petitions().get(&Scope::All, p.id).await.unwrap();
        let p = ok(s, &fx.desk, &p, notify()).await;
        assert!(!p.overdue && !p.warned && p.next_clock.is_none(), "{label}");
        assert_eq!(s.petitions().list(&fx.dispatcher.scope, &overdue, Page::default()).await.unwrap().total, 0);
    }
}

both_backends! {
    /// A case escalated to a petition keeps the link both ways, once; a petition resolved by the
    /// mediation of a dispute that exists keeps that link both ways too (art 33).
    async fn escalation_and_mediation(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let cases = service(s).await;
        let reported = cases.report(noise_report("楼上邻居每晚装修噪音，多次反映未解决", Some("13700137000"))).await.unwrap();
        let mut f = form(Channel::Visit, Kind::Claim, 7, "要求制止夜间装修噪音");
        f.region = None;
        let p = match escalate_case(s, &fx.desk, reported.id, f.clone()).await.unwrap() {
            Registered::New(p) => p,
            other => panic!("{label}: {other:?}"),
        };
        assert_eq!((p.from_case_id, p.state.from_case, p.grid_code.as_deref()), (Some(reported.id), Some(reported.id), Some(GRID)), "{label}");
        let of_case = s.petitions().petitions_of_case(&fx.dispatcher.scope, reported.id).await.unwrap();
        assert_eq!(of_case.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id], "{label}");
        assert_eq!(s.petitions().cases_of_petition(&fx.dispatcher.scope, p.id).await.unwrap(), [reported.id]);
        let again = escalate_case(s, &fx.desk, reported.id, f).await.unwrap_err();
        assert!(matches!(&again, PetitionError::Invalid { field: "case_id", message } if message.contains(&p.code)), "{label}: {again:?}");
        assert!(matches!(escalate_case(s, &fx.desk, 9999, form(Channel::Visit, Kind::Claim, 8, "x")).await.unwrap_err(), PetitionError::Invalid { field: "case_id", .. }));

        // 调解化解: the dispute must exist.
        let p = ok(s, &fx.desk, &p, notify()).await;
        let p = ok(s, &fx.desk, &p, Action::Accept).await;
        let err = mediate(s, &fx.desk, p.id, p.version, 9999, "双方达成协议").await.unwrap_err();
        assert!(matches!(&err, PetitionError::Invalid { field: "dispute_id", .. }), "{label}: {err:?}");
        let dispute = dispute(s, &fx).await;
        let p = mediate(s, &fx.desk, p.id, p.version, dispute, "经人民调解达成协议").await.unwrap();
        assert_eq!((p.status, p.dispute_id, p.open), (Status::Mediated, Some(dispute), false), "{label}");
        let of_dispute = s.petitions().petitions_of_dispute(&fx.dispatcher.scope, dispute).await.unwrap();
        assert_eq!(of_dispute.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id], "{label}");
        assert_eq!(s.petitions().disputes_of_petition(&fx.dispatcher.scope, p.id).await.unwrap(), [dispute]);
    }
}

/// A dispute registered at the street's 矛调中心; its id.
async fn dispute(s: &Store, fx: &Fx) -> i64 {
    use tongxin_app::mediation::orgs::{OrgForm, create_org};
    use tongxin_app::mediation::{PartyForm, Registration, Who as MWho};
    use tongxin_domain::mediation::ConsentForm;
    use tongxin_domain::mediation::kinds::{DisputeType, Source};
    use tongxin_domain::mediation::org::OrgKind;
    use tongxin_store::mediation::PartySide;
    let org = OrgForm {
        kind: OrgKind::StreetCentre,
        name: "城东街道矛调中心".into(),
        region_code: STREET.into(),
        field: None,
        multi_ethnic: false,
    };
    let centre = create_org(s, &fx.dispatcher, org).await.unwrap();
    let party = |name: &str, side, consent| PartyForm {
        name: name.into(),
        side,
        resident_id: None,
        id_number: String::new(),
        phone: String::new(),
        consent,
    };
    let reg = Registration {
        region: Some(COMM_A.into()),
        org_id: centre.id,
        level: None,
        dispute_type: DisputeType::Neighbourhood,
        source: Source::WalkIn,
        referred_case_id: None,
        summary: "夜间装修噪音纠纷。".into(),
        amount: String::new(),
        parties: vec![
            party("张三丰", PartySide::Applicant, Some(ConsentForm::Written)),
            party("李四", PartySide::Respondent, None),
        ],
        screening_id: None,
    };
    tongxin_app::mediation::register(s, &MWho::Staff(fx.dispatcher.clone()), reg).await.unwrap().id
}
