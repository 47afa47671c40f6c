//! 矛盾纠纷多元化解 use-cases on both backends: registering from every source (a case referral
//! keeps the link both ways), a walk through every branch — written and oral agreements,
//! failure with the routes told, a party's refusal, escalation, transfer, an extension with
//! both consents, performance + 回访 + 结案, 司法确认 applied/accepted/confirmed and the missed
//! window — the art-25 alert, the timers, the version conflict, who reads and acts, a removed
//! mediator's access, and an audit record per change.

use crate::common::{GRID, STREET, noise_report, seed, service};
use chrono::Duration;
use tongxin_app::mediation::orgs::{
    MediatorForm, OrgForm, create_mediator, create_org, remove_mediator, set_risk_levels,
};
use tongxin_app::mediation::{
    DisputeError, PartyForm, Registration, Who, act, confirm, register, report_violence, run_timers,
};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::mediation::agreement::{
    AgreementDraft, AgreementDraftForm, AgreementParty, OralDraft, PerformanceTerm,
};
use tongxin_domain::mediation::kinds::{DisputeType, Level, Source};
use tongxin_domain::mediation::mediator::{Appointment, MediatorInput, MediatorRef, RemovalReason};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::risk::default_risk_levels;
use tongxin_domain::mediation::{
    Action, ConfirmationAction, ConfirmationStatus, ConsentForm, MediationError, OrgRef, PerformanceResult, Route,
    SessionPlace, Status, VisitForm,
};
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::accounts::{NewUser, User};
use tongxin_store::mediation::{DisputeView, OrgRecord, PartySide, Viewer};
use tongxin_store::{Page, Store, StoreError, on_read};
use tongxin_testkit::{World, both_backends};

const COMM_A: &str = "330702001008";
const COMM_B: &str = "330702001009";
const GRID_B: &str = "330702001009001";
const APPLICANT: &str = "13800138000";
pub(crate) const RESPONDENT: &str = "13900139000";

/// The street's desk and people, its organisations and mediators.
pub(crate) struct Fx {
    pub(crate) dispatcher: User,
    pub(crate) worker_a: User,
    pub(crate) grid_a: User,
    pub(crate) admin: User,
    pub(crate) med_a: User,
    pub(crate) med_b: User,
    pub(crate) committee_a: OrgRecord,
    pub(crate) committee_b: OrgRecord,
    pub(crate) centre: OrgRecord,
    /// 甲 (with the account `med_a`) and 丙 (without one) of committee A; 乙 (`med_b`) of B.
    pub(crate) ma: i64,
    pub(crate) mc: i64,
    pub(crate) mb: i64,
}

async fn user(store: &Store, name: &str, role: Role, scope: Option<&str>) -> User {
    let new = NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        role,
        scope_region: scope.map(String::from),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    store.accounts().create_user(&tongxin_store::Actor::system("test"), &new).await.unwrap()
}

fn mediator_form(org_id: i64, name: &str, user_id: Option<i64>) -> MediatorForm {
    MediatorForm {
        input: MediatorInput {
            org_id,
            name: name.into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1968, 3, 8).unwrap(),
            appointment: Appointment::Member,
            term_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            term_end: Some(chrono::NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()),
            specialities: vec![DisputeType::Neighbourhood],
        },
        user_id,
        qualification: String::new(),
    }
}

pub(crate) async fn fixture(store: &Store) -> Fx {
    seed(store).await;
    World::new(store)
        .community(COMM_B, "杏园社区")
        .grid(GRID_B, "杏园一网格")
        .department(2, STREET, "城东派出所")
        .build()
        .await;
    let dispatcher = user(store, "desk", Role::Dispatcher, Some(STREET)).await;
    let worker_a = user(store, "worker_a", Role::CommunityWorker, Some(COMM_A)).await;
    let worker_b = user(store, "worker_b", Role::CommunityWorker, Some(COMM_B)).await;
    let grid_a = user(store, "grid_a", Role::GridWorker, Some(GRID)).await;
    let admin = user(store, "admin", Role::Admin, None).await;
    let med_a = user(store, "med_a", Role::Mediator, Some(STREET)).await;
    let med_b = user(store, "med_b", Role::Mediator, Some(STREET)).await;
    let org = |kind, name: &str, at: &str| OrgForm {
        kind,
        name: name.into(),
        region_code: at.into(),
        field: None,
        multi_ethnic: false,
    };
    let committee_a =
        create_org(store, &worker_a, org(OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A)).await.unwrap();
    let committee_b =
        create_org(store, &worker_b, org(OrgKind::PeoplesCommittee, "杏园社区人民调解委员会", COMM_B)).await.unwrap();
    let centre = create_org(store, &dispatcher, org(OrgKind::StreetCentre, "城东街道矛调中心", STREET)).await.unwrap();
    let ma =
        create_mediator(store, &worker_a, mediator_form(committee_a.id, "甲调解员", Some(med_a.id))).await.unwrap();
    let mc = create_mediator(store, &worker_a, mediator_form(committee_a.id, "丙调解员", None)).await.unwrap();
    let mb =
        create_mediator(store, &worker_b, mediator_form(committee_b.id, "乙调解员", Some(med_b.id))).await.unwrap();
    Fx {
        dispatcher,
        worker_a,
        grid_a,
        admin,
        med_a,
        med_b,
        committee_a,
        committee_b,
        centre,
        ma: ma.mediator.id,
        mc: mc.mediator.id,
        mb: mb.mediator.id,
    }
}

fn id_number() -> String {
    IdNumber::compose("330702", chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), 123).as_str().to_string()
}

/// 张三 applies (and consents) against 李四, neighbours in grid A, to committee A.
pub(crate) fn walk_in(org_id: i64) -> Registration {
    Registration {
        region: Some(GRID.into()),
        org_id,
        level: None,
        dispute_type: DisputeType::Neighbourhood,
        source: Source::WalkIn,
        referred_case_id: None,
        summary: "楼上空调外机漏水，双方就维修费用发生争执。".into(),
        amount: "800".into(),
        parties: vec![
            PartyForm {
                name: "张三".into(),
                side: PartySide::Applicant,
                resident_id: None,
                id_number: id_number(),
                phone: APPLICANT.into(),
                consent: Some(ConsentForm::Written),
            },
            PartyForm {
                name: "李四".into(),
                side: PartySide::Respondent,
                resident_id: None,
                id_number: String::new(),
                phone: RESPONDENT.into(),
                consent: None,
            },
        ],
        screening_id: None,
    }
}

pub(crate) fn staff(u: &User) -> Who {
    Who::Staff(u.clone())
}

pub(crate) fn party(phone: &str) -> Who {
    Who::Party(Phone::parse(phone).unwrap())
}

/// Applies an action that must succeed.
pub(crate) async fn ok(store: &Store, who: &Who, d: &DisputeView, action: Action) -> DisputeView {
    let what = format!("{action:?}");
    act(store, who, d.id, d.version, action).await.unwrap_or_else(|e| panic!("{what} refused: {e}"))
}

async fn refused(store: &Store, who: &Who, d: &DisputeView, action: Action) -> DisputeError {
    let e = act(store, who, d.id, d.version, action).await.expect_err("should be refused");
    let now = store.mediation().get(&Viewer::System, d.id).await.unwrap();
    assert_eq!(now.version, d.version, "a refusal changes nothing");
    e
}

fn field(e: DisputeError) -> &'static str {
    match e {
        DisputeError::Invalid { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

pub(crate) fn assign(ids: &[i64]) -> Action {
    Action::AssignMediators {
        mediators: ids.iter().map(|id| MediatorRef { id: *id, active: true }).collect(),
        chosen_by_parties: false,
    }
}

pub(crate) fn today(store: &Store) -> chrono::NaiveDate {
    tongxin_domain::case::deadline::shanghai_date(store.now())
}

pub(crate) fn session(store: &Store) -> Action {
    Action::RecordSession {
        held_on: today(store),
        place: SessionPlace::Offline { address: "桃园社区调解室".into() },
        attendees: vec!["张三".into(), "李四".into()],
        notes: "双方陈述事实，调解员释法说理。".into(),
    }
}

pub(crate) fn term(store: &Store) -> PerformanceTerm {
    PerformanceTerm {
        party: 1,
        content: "赔偿维修费用800元".into(),
        method: "微信转账".into(),
        place: None,
        due: today(store) + Duration::days(14),
    }
}

pub(crate) fn written(store: &Store) -> Action {
    Action::RecordAgreement {
        agreement: AgreementDraftForm::Written(AgreementDraft {
            parties: vec![
                AgreementParty { name: "张三".into(), particulars: "男，1970年生".into() },
                AgreementParty { name: "李四".into(), particulars: "女，1985年生".into() },
            ],
            facts: "李四家空调外机漏水至张三家窗台。".into(),
            issues: "维修费用的承担。".into(),
            responsibilities: "李四承担主要责任。".into(),
            terms: "李四赔偿张三维修费用800元。".into(),
            items: vec![term(store)],
        }),
    }
}

pub(crate) fn oral(store: &Store) -> Action {
    Action::RecordAgreement {
        agreement: AgreementDraftForm::Oral(OralDraft {
            content: "李四当场同意赔偿800元。".into(),
            items: vec![term(store)],
        }),
    }
}

/// Registered by the community worker, accepted, 李四 consents online, 甲 assigned, one session.
pub(crate) async fn mediating(store: &Store, fx: &Fx) -> DisputeView {
    let d = register(store, &staff(&fx.worker_a), walk_in(fx.committee_a.id)).await.unwrap();
    let d = ok(store, &staff(&fx.worker_a), &d, Action::Accept).await;
    let d = ok(store, &party(RESPONDENT), &d, consent(1, true)).await;
    let d = ok(store, &staff(&fx.worker_a), &d, assign(&[fx.ma])).await;
    ok(store, &staff(&fx.med_a), &d, session(store)).await
}

pub(crate) fn consent(party: u8, yes: bool) -> Action {
    Action::RecordConsent { party, consent: yes, form: ConsentForm::Online, note: String::new() }
}

/// (kind, recipient, text) of the outbox rows about a dispute, oldest first.
async fn outbox(store: &Store, d: &DisputeView) -> Vec<(String, String, String)> {
    let pattern = format!("%\"dispute_id\":{},%", d.id);
    let rows: Vec<(String, String, String)> = on_read!(&store.db, |p| sqlx::query_as(
        "SELECT kind, recipient, payload FROM outbox WHERE payload LIKE $1 ORDER BY id"
    )
    .bind(&pattern)
    .fetch_all(p)
    .await)
    .unwrap();
    rows.into_iter()
        .map(|(k, r, p)| {
            let v: serde_json::Value = serde_json::from_str(&p).unwrap();
            (k, r, v["text"].as_str().unwrap().to_string())
        })
        .collect()
}

async fn event_kinds(store: &Store, d: &DisputeView) -> Vec<String> {
    store.mediation().events(&Viewer::System, d.id).await.unwrap().into_iter().map(|e| e.kind).collect()
}

async fn audit_actions(store: &Store, d: &DisputeView) -> Vec<String> {
    let mut v: Vec<String> = store
        .audit()
        .list(Some(("dispute", &d.id.to_string())), Page { page: 1, per_page: 200 })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.fields.action)
        .collect();
    v.reverse();
    v
}

both_backends! {
    /// 调解登记 from a walk-in, grid screening, an online application and a case referral; each
    /// bad input names its field; the organisation hears of the new dispute.
    async fn registering_from_every_source(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = register(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id)).await.unwrap();
        assert_eq!(d.code, "TJ330702001-20261122-0001", "{label}");
        assert_eq!((d.status, d.level, d.org_id), (Status::Registered, Level::Community, fx.committee_a.id));
        assert_eq!((d.grid_code.as_deref(), d.community_code.as_deref()), (Some(GRID), Some(COMM_A)));
        let note = outbox(s, &d).await;
        assert_eq!(note.len(), 1, "{label}");
        assert_eq!(note[0].1, format!("mediation_org:{}", fx.committee_a.id));
        assert_eq!(note[0].2, "新登记纠纷 TJ330702001-20261122-0001（邻里，来访申请）待受理。");
        assert_eq!(audit_actions(s, &d).await, ["dispute.register"], "{label}");
        assert_eq!(d.state.amount.map(|a| a.label()).as_deref(), Some("800 元"), "{label}: 争议金额");
        let mut bad = walk_in(fx.committee_a.id);
        bad.amount = "八百".into();
        assert_eq!(field(register(s, &staff(&fx.worker_a), bad).await.unwrap_err()), "amount", "{label}");

        // 网格排查: the grid worker's 先行调解 at grid level, no applicant.
        let mut screening = walk_in(fx.committee_a.id);
        screening.source = Source::GridScreening;
        screening.level = Some(Level::Grid);
        for p in &mut screening.parties {
            p.side = PartySide::Party;
            p.consent = None;
        }
        let g = register(s, &staff(&fx.grid_a), screening).await.unwrap();
        assert_eq!((g.level, g.source, g.code.ends_with("0002")), (Level::Grid, Source::GridScreening, true), "{label}");

        // 线上申请 by the applicant, with their own phone.
        let mut online = walk_in(fx.committee_a.id);
        online.source = Source::Online;
        let o = register(s, &party(APPLICANT), online.clone()).await.unwrap();
        assert_eq!(o.source, Source::Online, "{label}");
        let events = s.mediation().events(&Viewer::System, o.id).await.unwrap();
        assert_eq!(events[0].actor_name, "当事人（线上申请）");
        assert_eq!(field(register(s, &party("13700137000"), online).await.unwrap_err()), "parties", "{label}");
        assert_eq!(field(register(s, &party(APPLICANT), walk_in(fx.committee_a.id)).await.unwrap_err()), "source");
        let mut linked = walk_in(fx.committee_a.id);
        linked.source = Source::Online;
        linked.parties[1].resident_id = Some(1);
        assert_eq!(field(register(s, &party(APPLICANT), linked).await.unwrap_err()), "parties", "{label}: no register lookups online");

        // 诉求转调解 registered at the desk: the case's place is taken, the link is kept both
        // ways, the case is left as it is (`refer_case` closes it too: see `referral`).
        let cases = service(s).await;
        let reported = cases.report(noise_report("楼上邻居每晚装修噪音，协商不成", Some("13700137000"))).await.unwrap();
        let before = s.cases().get(&Scope::All, reported.id).await.unwrap();
        let mut referral = walk_in(fx.centre.id);
        referral.region = None;
        referral.source = Source::CaseReferral;
        referral.referred_case_id = Some(reported.id);
        let r = register(s, &staff(&fx.dispatcher), referral.clone()).await.unwrap();
        assert_eq!((r.referred_case_id, r.grid_code.as_deref(), r.level), (Some(reported.id), Some(GRID), Level::Street), "{label}");
        let desk = Viewer::of_user(&fx.dispatcher);
        let linked = s.mediation().disputes_of_case(&desk, reported.id).await.unwrap();
        assert_eq!(linked.iter().map(|d| d.id).collect::<Vec<_>>(), [r.id], "{label}");
        assert_eq!(s.mediation().cases_of_dispute(&desk, r.id).await.unwrap(), [reported.id]);
        let after = s.cases().get(&Scope::All, reported.id).await.unwrap();
        assert_eq!((after.status, after.version), (before.status, before.version), "{label}: the case is untouched");
        let again = register(s, &staff(&fx.dispatcher), referral.clone()).await.unwrap_err();
        assert!(matches!(&again, DisputeError::Invalid { field: "referred_case_id", message } if message.contains(&r.code)), "{label}: {again:?}");
        // The case must be in the registrar's scope.
        let mut elsewhere = referral;
        elsewhere.region = Some(GRID_B.into());
        let worker_b = user(s, "worker_b2", Role::CommunityWorker, Some(COMM_B)).await;
        elsewhere.org_id = fx.committee_b.id;
        assert_eq!(field(register(s, &staff(&worker_b), elsewhere).await.unwrap_err()), "referred_case_id", "{label}");

        // Bad input, each on its field; the domain's rules in Chinese.
        let mut bad = walk_in(fx.committee_a.id);
        bad.parties[0].id_number = "330702197001011234".into();
        assert_eq!(field(register(s, &staff(&fx.worker_a), bad).await.unwrap_err()), "parties", "{label}");
        let mut bad = walk_in(fx.committee_a.id);
        bad.parties[1].phone = "12345".into();
        assert_eq!(field(register(s, &staff(&fx.worker_a), bad).await.unwrap_err()), "parties");
        let mut bad = walk_in(fx.committee_a.id);
        bad.region = Some(GRID_B.into());
        assert_eq!(field(register(s, &staff(&fx.worker_a), bad).await.unwrap_err()), "region", "{label}: outside the scope");
        let bad = walk_in(fx.committee_b.id);
        assert_eq!(field(register(s, &staff(&fx.dispatcher), bad).await.unwrap_err()), "org_id", "{label}: B does not sit over A");
        let mut bad = walk_in(fx.committee_a.id);
        bad.parties.truncate(1);
        let e = register(s, &staff(&fx.worker_a), bad).await.unwrap_err();
        assert_eq!(e, DisputeError::Rule(MediationError::PartyCount(1)), "{label}");
        assert_eq!(e.to_string(), "当事人应为2至20方（现有1方）");
        let leader = user(s, "leader", Role::Leader, Some(STREET)).await;
        let e = register(s, &staff(&leader), walk_in(fx.committee_a.id)).await.unwrap_err();
        assert_eq!(e.to_string(), "“领导”无权登记纠纷", "{label}");
    }
}

both_backends! {
    /// The written path: 受理 → consent online → 指派 → 调解 → 书面协议 → 签署生效 → 履行 → 回访 → 结案,
    /// with an event and an audit record for every change.
    async fn the_written_path_to_closing(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = mediating(s, &fx).await;
        assert_eq!(d.status, Status::Mediating, "{label}");
        assert!(d.deadline_at.is_some());
        let notes = outbox(s, &d).await;
        assert!(notes.iter().any(|(k, r, _)| k == "mediation_assigned" && *r == format!("mediator:{}", fx.ma)), "{label}");
        // Only the assigned mediator records; 丙 has no account, 乙 is of another committee.
        let e = refused(s, &staff(&fx.med_b), &d, written(s)).await;
        assert_eq!(e, DisputeError::Store(StoreError::NotFound), "{label}: B cannot even read it");
        let e = refused(s, &staff(&fx.grid_a), &d, written(s)).await;
        assert_eq!(e.to_string(), "“网格员”无权记录调解协议", "{label}");

        let d = ok(s, &staff(&fx.med_a), &d, written(s)).await;
        assert_eq!(d.status, Status::Agreed, "{label}");
        let unsigned = Action::SignAgreement { parties_signed: true, mediator_signed: true, sealed: false, scan: None };
        let e = refused(s, &staff(&fx.med_a), &d, unsigned).await;
        assert_eq!(e.to_string(), "协议尚未生效：还需人民调解委员会印章（人民调解法第二十九条）", "{label}");
        let sign = Action::SignAgreement { parties_signed: true, mediator_signed: true, sealed: true, scan: Some("file:1".into()) };
        let d = ok(s, &staff(&fx.med_a), &d, sign).await;
        assert_eq!((d.status, d.state.effective_on()), (Status::Performing, Some(today(s))), "{label}");
        let close = Action::Close { routes_told: false, note: String::new() };
        assert_eq!(refused(s, &staff(&fx.worker_a), &d, close.clone()).await.to_string(), "当前状态为“履行中”，不能结案");
        let performed = Action::RecordPerformance { item: 0, result: PerformanceResult::Performed, note: String::new() };
        let d = ok(s, &staff(&fx.med_a), &d, performed).await;
        let visit = Action::FollowUp { form: VisitForm::Phone, satisfied: true, note: "双方表示满意。".into() };
        let d = ok(s, &staff(&fx.grid_a), &d, visit).await;
        assert_eq!(d.status, Status::FollowedUp, "{label}");
        let d = ok(s, &staff(&fx.worker_a), &d, close).await;
        assert_eq!((d.status, d.open), (Status::Closed, false), "{label}");

        let kinds = event_kinds(s, &d).await;
        assert_eq!(
            kinds,
            [
                "registered", "accepted", "consent_given", "mediators_assigned", "session_held",
                "agreement_recorded", "agreement_effective", "performance_recorded", "followed_up", "closed",
            ],
            "{label}"
        );
        let events = s.mediation().events(&Viewer::System, d.id).await.unwrap();
        assert_eq!((events[2].actor_name.as_str(), events[4].actor_name.as_str()), ("当事人", "med_a"));
        assert_eq!(
            audit_actions(s, &d).await,
            [
                "dispute.register", "dispute.accept", "dispute.record_consent", "dispute.assign_mediators",
                "dispute.record_session", "dispute.record_agreement", "dispute.sign_agreement",
                "dispute.record_performance", "dispute.follow_up", "dispute.close",
            ],
            "{label}: one audit record per change"
        );
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// An oral agreement is effective at once (art 30); 司法确认 applied jointly, accepted and
    /// confirmed; another agreement's window lapses by the timers once the 30 days passed.
    async fn oral_agreement_and_judicial_confirmation(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let med = staff(&fx.med_a);
        let d = mediating(s, &fx).await;
        let d = ok(s, &med, &d, oral(s)).await;
        assert_eq!((d.status, d.state.effective_on()), (Status::Performing, Some(today(s))), "{label}");
        let on = today(s);
        let e = confirm(s, &med, d.id, d.version, ConfirmationAction::Apply { on, court: "婺城区人民法院".into(), applicants: vec![0] })
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "司法确认须由各方当事人共同申请（人民调解法第三十三条）：李四未列为申请人", "{label}");
        let d = confirm(s, &med, d.id, d.version, ConfirmationAction::Apply { on, court: "婺城区人民法院".into(), applicants: vec![0, 1] })
            .await
            .unwrap();
        assert_eq!(d.confirmation_status, ConfirmationStatus::Applied, "{label}");
        let d = confirm(s, &staff(&fx.worker_a), d.id, d.version, ConfirmationAction::CourtAccept { on }).await.unwrap();
        let d = confirm(s, &med, d.id, d.version, ConfirmationAction::Confirm { on }).await.unwrap();
        assert_eq!((d.confirmation_status, d.state.confirmation.court.as_deref()), (ConfirmationStatus::Confirmed, Some("婺城区人民法院")));
        let actions = audit_actions(s, &d).await;
        assert_eq!(
            &actions[actions.len() - 3..],
            ["dispute.confirmation.apply", "dispute.confirmation.court_accept", "dispute.confirmation.confirm"],
            "{label}"
        );

        // A second agreement nobody takes to court: the window (30 days, 民诉法 art 85) lapses.
        let other = mediating(s, &fx).await;
        let other = ok(s, &med, &other, oral(s)).await;
        let report = run_timers(s, 10).await.unwrap();
        assert_eq!(report.lapsed, 0, "{label}");
        t.clock.advance(Duration::days(45));
        let report = run_timers(s, 10).await.unwrap();
        assert_eq!(report.lapsed, 1, "{label}: only the unapplied one");
        let lapsed = s.mediation().get(&Viewer::System, other.id).await.unwrap();
        assert_eq!(lapsed.confirmation_status, ConfirmationStatus::WindowMissed, "{label}");
        assert_eq!(event_kinds(s, &lapsed).await.last().unwrap(), "window_lapsed");
        let events = s.mediation().events(&Viewer::System, other.id).await.unwrap();
        assert_eq!(events.last().unwrap().actor_name, "system:mediation");
        assert_eq!(audit_actions(s, &lapsed).await.last().unwrap(), "dispute.confirmation.lapse");
        assert_eq!(run_timers(s, 10).await.unwrap().lapsed, 0, "{label}: once");
        let late = confirm(s, &med, lapsed.id, lapsed.version, ConfirmationAction::Apply { on: today(s), court: "法院".into(), applicants: vec![0, 1] })
            .await
            .unwrap_err();
        assert_eq!(late.to_string(), "司法确认当前为“逾期未申请”，不能申请司法确认", "{label}");
    }
}

both_backends! {
    /// Failure tells the parties their routes (art 26); a party's clear refusal ends it (art 17).
    async fn failure_and_refusal(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = mediating(s, &fx).await;
        let none = Action::Terminate { reason: "双方分歧过大".into(), routes: vec![] };
        assert_eq!(refused(s, &staff(&fx.med_a), &d, none).await.to_string(), "请选择已告知当事人的途径：仲裁、行政途径或诉讼（人民调解法第二十六条）");
        let fail = Action::Terminate { reason: "双方分歧过大".into(), routes: vec![Route::Arbitration, Route::Litigation] };
        let d = ok(s, &staff(&fx.med_a), &d, fail).await;
        assert_eq!((d.status, d.open), (Status::Failed, false), "{label}");
        let told = outbox(s, &d).await.into_iter().find(|(k, _, _)| k == "mediation_failed").unwrap();
        assert_eq!(told.1, format!("dispute_parties:{}", d.id), "{label}");
        assert!(told.2.contains("仲裁、诉讼") && told.2.contains(&d.code), "{label}: {}", told.2);

        // 李四 refuses online once accepted: 不予调解; the mediator is released.
        let r = register(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id)).await.unwrap();
        let r = ok(s, &staff(&fx.worker_a), &r, Action::Accept).await;
        let r = ok(s, &staff(&fx.worker_a), &r, assign(&[fx.mc])).await;
        // A party answers only for itself.
        let e = refused(s, &party(APPLICANT), &r, consent(1, true)).await;
        assert_eq!(e.to_string(), "“当事人”无权记录当事人意愿", "{label}");
        let r = ok(s, &party(RESPONDENT), &r, consent(1, false)).await;
        assert_eq!((r.status, r.open), (Status::Refused, false), "{label}");
        assert!(outbox(s, &r).await.iter().any(|(k, u, _)| k == "mediation_unassigned" && *u == format!("mediator:{}", fx.mc)));
        assert_eq!(event_kinds(s, &r).await.last().unwrap(), "consent_refused", "{label}");
        // Someone else's phone reads nothing.
        assert_eq!(refused(s, &party("13700137000"), &r, consent(1, true)).await, DisputeError::Store(StoreError::NotFound));
    }
}

both_backends! {
    /// 风险研判 from the configured levels, escalation, an extension with every party's consent,
    /// a transfer to the street's 矛调中心 (the limit restarts there), each telling its units.
    async fn escalation_extension_and_transfer(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let med = staff(&fx.med_a);
        let d = mediating(s, &fx).await;
        // The level comes from the configuration, whatever the client sent with its code.
        let mut sent = default_risk_levels()[1].clone();
        sent.escalate_to = Level::Grid;
        sent.response_hours = 700;
        let d = ok(s, &med, &d, Action::AssessRisk { risk: sent, note: "双方情绪激动".into() }).await;
        assert_eq!((d.level, d.risk_code.as_deref()), (Level::Street, Some("orange")), "{label}");
        let r = d.state.risk.clone().unwrap();
        assert_eq!(r.respond_by - r.assessed_at, Duration::hours(24));
        assert!(outbox(s, &d).await.iter().any(|(k, u, _)| k == "mediation_escalated" && *u == format!("dispatchers:{STREET}")));
        let mut unknown = default_risk_levels()[0].clone();
        unknown.code = "purple".into();
        assert_eq!(field(refused(s, &med, &d, Action::AssessRisk { risk: unknown, note: String::new() }).await), "risk");
        let d = ok(s, &staff(&fx.dispatcher), &d, Action::Escalate { to: Level::District, reason: "涉及多部门".into() }).await;
        assert_eq!(d.level, Level::District, "{label}");
        assert!(outbox(s, &d).await.iter().any(|(_, u, _)| *u == format!("supervisors:2:{STREET}")));

        // 延期 only with every party's consent.
        let before = d.deadline_at.unwrap();
        let ext = |consents: Vec<u8>| Action::ExtendLimit { days: 10, consents, reason: "双方同意继续调解".into() };
        let e = refused(s, &med, &d, ext(vec![0])).await;
        assert_eq!(e.to_string(), "延长调解期限须经各方当事人同意：李四尚未同意", "{label}");
        let d = ok(s, &med, &d, ext(vec![0, 1])).await;
        assert_eq!(d.deadline_at.unwrap() - before, Duration::days(10), "{label}");

        // 流转 to the street centre: the stored organisation counts, not what the client says.
        let to = OrgRef { id: fx.centre.id, kind: OrgKind::PersonalStudio, level: Level::Grid };
        let wrong = Action::Transfer { to: OrgRef { id: fx.committee_b.id, ..to }, reason: "x".into() };
        assert_eq!(field(refused(s, &staff(&fx.dispatcher), &d, wrong).await), "to", "{label}: B is not over A's place");
        let d = ok(s, &staff(&fx.dispatcher), &d, Action::Transfer { to, reason: "专业性强，转矛调中心".into() }).await;
        assert_eq!((d.status, d.org_id, d.state.org.kind), (Status::Registered, fx.centre.id, OrgKind::StreetCentre), "{label}");
        assert_eq!((d.level, d.deadline_at, d.state.mediators.len()), (Level::Street, None, 0));
        let notes = outbox(s, &d).await;
        assert!(notes.iter().any(|(k, u, _)| k == "mediation_transferred" && *u == format!("mediation_org:{}", fx.centre.id)));
        assert!(notes.iter().any(|(k, u, _)| k == "mediation_unassigned" && *u == format!("mediator:{}", fx.ma)));
        // 甲 serves committee A: off the dispute and no longer of its organisation, they lose it.
        assert_eq!(s.mediation().get(&Viewer::of_user(&fx.med_a), d.id).await.unwrap_err(), StoreError::NotFound, "{label}");
        // The centre assigns only its own mediators, unless the parties chose.
        let d = ok(s, &staff(&fx.dispatcher), &d, Action::Accept).await;
        assert_eq!(field(refused(s, &staff(&fx.dispatcher), &d, assign(&[fx.mb])).await), "mediators", "{label}");
        let chosen = Action::AssignMediators { mediators: vec![MediatorRef { id: fx.mb, active: true }], chosen_by_parties: true };
        let d = ok(s, &staff(&fx.dispatcher), &d, chosen).await;
        assert_eq!(s.mediation().get(&Viewer::of_user(&fx.med_b), d.id).await.unwrap().id, d.id, "{label}");
    }
}

both_backends! {
    /// 人民调解法 art 25: the 派出所 and the street's 矛调中心 are told at once, through the outbox.
    async fn a_risk_of_violence_reaches_the_police_and_the_street(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = mediating(s, &fx).await;
        let d = report_violence(s, &staff(&fx.grid_a), d.id, d.version, "李四扬言报复，携带刀具").await.unwrap();
        assert_eq!(d.status, Status::Mediating, "{label}: the mediation goes on");
        assert!(d.state.violence_reported_at.is_some());
        let alerts: Vec<_> = outbox(s, &d).await.into_iter().filter(|(k, _, _)| k == "mediation_violence_risk").collect();
        let units: Vec<String> = alerts.iter().map(|a| a.1.clone()).collect();
        assert_eq!(units, ["dept:2".to_string(), format!("dispatchers:{STREET}")], "{label}");
        assert!(alerts[0].2.starts_with("【紧急】纠纷 ") && alerts[0].2.contains("携带刀具"), "{label}: {}", alerts[0].2);
        assert_eq!(audit_actions(s, &d).await.last().unwrap(), "dispute.report_violence");
        let e = report_violence(s, &staff(&fx.grid_a), d.id, d.version, " ").await.unwrap_err();
        assert_eq!(e.to_string(), "请填写风险情况", "{label}");
    }
}

both_backends! {
    /// Two people act on the same version: the second is told to refresh, nothing of theirs is
    /// written.
    async fn a_stale_version_is_a_conflict(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = register(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id)).await.unwrap();
        ok(s, &staff(&fx.worker_a), &d, Action::Accept).await;
        let e = act(s, &staff(&fx.dispatcher), d.id, d.version, Action::Accept).await.unwrap_err();
        assert_eq!(e, DisputeError::Store(StoreError::Conflict("该纠纷刚被他人处理过，请刷新后重试".into())), "{label}");
        assert_eq!(event_kinds(s, &d).await, ["registered", "accepted"]);
        assert_eq!(audit_actions(s, &d).await, ["dispute.register", "dispute.accept"], "{label}");
    }
}

both_backends! {
    /// A mediator of one committee reads none of another's disputes; a removed mediator loses
    /// every dispute at once and cannot be assigned; the organisation learns what to reassign.
    async fn scope_and_a_removed_mediator(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = mediating(s, &fx).await;
        let mut b_form = walk_in(fx.committee_b.id);
        b_form.region = Some(GRID_B.into());
        let b = register(s, &staff(&fx.dispatcher), b_form).await.unwrap();
        let list = |u: &User| {
            let v = Viewer::of_user(u);
            async move {
                s.mediation().list(&v, &Default::default(), Page::default()).await.unwrap().items.into_iter().map(|d| d.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(list(&fx.med_a).await, [d.id], "{label}");
        assert_eq!(list(&fx.med_b).await, [b.id]);
        assert_eq!(list(&fx.worker_a).await, [d.id]);
        assert_eq!(list(&fx.dispatcher).await, [b.id, d.id]);
        assert_eq!(refused(s, &staff(&fx.med_b), &d, session(s)).await, DisputeError::Store(StoreError::NotFound));
        // A party reads their own only; parties are shown masked.
        let mine = s.mediation().of_party(&Phone::parse(APPLICANT).unwrap(), Page::default()).await.unwrap();
        assert_eq!(mine.items.iter().map(|d| d.id).collect::<Vec<_>>(), [b.id, d.id], "{label}");
        let parties = s.mediation().parties(&Viewer::Party(Phone::parse(RESPONDENT).unwrap()), d.id).await.unwrap();
        assert_eq!(parties[0].phone_masked.as_deref(), Some("138****8000"), "{label}");

        // Only the desk of the committee's community removes; the reason is art 15's.
        let e = remove_mediator(s, &fx.grid_a, fx.ma, 1, RemovalReason::Bribery, "").await.unwrap_err();
        assert_eq!(field(e), "role", "{label}");
        let e = remove_mediator(s, &fx.worker_a, fx.ma, 1, RemovalReason::Other, " ").await.unwrap_err();
        assert_eq!((field(e.clone()), e.to_string()), ("reason", "请写明罢免或解聘的原因".to_string()));
        let removed = remove_mediator(s, &fx.worker_a, fx.ma, 1, RemovalReason::Bribery, "").await.unwrap();
        assert!(!removed.mediator.standing(today(s)).active, "{label}");
        assert!(list(&fx.med_a).await.is_empty(), "{label}: access ends at once");
        assert_eq!(refused(s, &staff(&fx.med_a), &d, written(s)).await, DisputeError::Store(StoreError::NotFound));
        let told: Vec<_> = on_read!(&s.db, |p| sqlx::query_as::<_, (String, String)>(
            "SELECT recipient, payload FROM outbox WHERE kind = 'mediation_mediator_removed'"
        ).fetch_all(p).await).unwrap();
        assert_eq!(told.len(), 1, "{label}");
        assert_eq!(told[0].0, format!("mediation_org:{}", fx.committee_a.id));
        assert!(told[0].1.contains(&d.code) && told[0].1.contains("须重新指派调解员"));
        // They can be neither assigned again nor register.
        let e = refused(s, &staff(&fx.worker_a), &d, assign(&[fx.ma])).await;
        assert_eq!(e.to_string(), format!("调解员（编号{}）已被罢免、解聘或不在任期内，不能指派（人民调解法第十五条）", fx.ma), "{label}");
        let e = register(s, &staff(&fx.med_a), walk_in(fx.committee_a.id)).await.unwrap_err();
        assert_eq!(e, DisputeError::Rule(MediationError::MediatorInactive), "{label}");
        let audit = s.audit().list(Some(("mediator", &fx.ma.to_string())), Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "mediator.remove", "{label}");

        // Managing organisations, mediators and risk levels: each refusal names its field.
        let form = OrgForm { kind: OrgKind::PersonalStudio, name: "老娘舅工作室".into(), region_code: COMM_A.into(), field: None, multi_ethnic: false };
        assert_eq!(field(create_org(s, &fx.grid_a, form.clone()).await.unwrap_err()), "role", "{label}");
        let mut elsewhere = form.clone();
        elsewhere.region_code = COMM_B.into();
        assert_eq!(field(create_org(s, &fx.worker_a, elsewhere).await.unwrap_err()), "region_code");
        let mut young = mediator_form(fx.committee_a.id, "小王", None);
        young.input.birth_date = today(s) - Duration::days(365 * 17);
        let e = create_mediator(s, &fx.worker_a, young).await.unwrap_err();
        assert!(e.to_string().starts_with("调解员须为成年公民"), "{label}: {e}");
        assert_eq!(field(set_risk_levels(s, &fx.dispatcher, default_risk_levels()).await.unwrap_err()), "role");
        let mut levels = default_risk_levels();
        levels.swap(0, 3);
        assert_eq!(field(set_risk_levels(s, &fx.admin, levels).await.unwrap_err()), "levels", "{label}");
        let three: Vec<_> = default_risk_levels().into_iter().take(3).collect();
        assert_eq!(set_risk_levels(s, &fx.admin, three.clone()).await.unwrap(), three);
    }
}

both_backends! {
    /// The timers: a warning five days before the one-month limit, the overdue mark with its
    /// notices and the system's 督办, each once.
    async fn the_limit_warns_then_supervises(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let d = mediating(s, &fx).await;
        // Accepted 2026-11-22: the limit ends 2026-12-22 23:59:59; the warning from 12-17.
        let deadline = tongxin_domain::case::deadline::shanghai_date(d.deadline_at.unwrap());
        assert_eq!(deadline, chrono::NaiveDate::from_ymd_opt(2026, 12, 22).unwrap(), "{label}");
        t.clock.advance(Duration::days(24));
        assert_eq!(run_timers(s, 10).await.unwrap().warned, 0, "{label}");
        t.clock.advance(Duration::days(1));
        let r = run_timers(s, 10).await.unwrap();
        assert_eq!((r.warned, r.overdue, r.supervised), (1, 0, 0), "{label}");
        let warnings: Vec<_> = outbox(s, &d).await.into_iter().filter(|(k, _, _)| k == "mediation_limit_warning").collect();
        assert_eq!(warnings.len(), 2, "{label}: the committee and the mediator");
        assert!(warnings[0].2.contains("12月22日 23:59"), "{}", warnings[0].2);
        t.clock.advance(Duration::days(6));
        let r = run_timers(s, 10).await.unwrap();
        assert_eq!((r.warned, r.overdue, r.supervised), (0, 1, 1), "{label}");
        let d = s.mediation().get(&Viewer::System, d.id).await.unwrap();
        assert!(d.overdue && d.state.supervisions == 1, "{label}");
        assert_eq!(event_kinds(s, &d).await.last().unwrap(), "supervised");
        let notes = outbox(s, &d).await;
        assert!(notes.iter().any(|(k, u, _)| k == "mediation_overdue" && *u == format!("dispatchers:{STREET}")), "{label}");
        assert!(notes.iter().any(|(k, u, t)| k == "mediation_supervised" && *u == format!("mediator:{}", fx.ma) && t.contains("系统自动督办")));
        assert_eq!(run_timers(s, 10).await.unwrap(), Default::default(), "{label}: once");
        // The overdue dispute is found by the filter; an extension agreed by both lifts it.
        let overdue = tongxin_store::mediation::DisputeFilter { overdue: Some(true), ..Default::default() };
        assert_eq!(s.mediation().list(&Viewer::of_user(&fx.dispatcher), &overdue, Page::default()).await.unwrap().total, 1);
        let ext = Action::ExtendLimit { days: 20, consents: vec![0, 1], reason: "双方同意继续调解".into() };
        let d = ok(s, &staff(&fx.med_a), &d, ext).await;
        assert!(!d.overdue, "{label}");
    }
}

both_backends! {
    /// 登记受理 at the desk in one go: registered, assessed, accepted and assigned; who may
    /// assign and whom is checked before anything is written (人民调解法 arts 15, 19).
    async fn registering_with_a_mediator_and_a_risk_level(t: TestStore) {
        use tongxin_app::mediation::{Assignment, register_and_assign};
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let desk = Assignment { mediators: vec![fx.ma], chosen_by_parties: false, risk: Some("yellow".into()) };
        let r = register_and_assign(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id), Some(desk.clone())).await.unwrap();
        assert_eq!(r.unfinished, None, "{label}");
        let d = r.dispute;
        assert_eq!((d.status, d.state.mediators.clone(), d.risk_code.as_deref()), (Status::Accepted, vec![fx.ma], Some("yellow")), "{label}");
        assert!(d.deadline_at.is_some(), "{label}: the limit runs from acceptance");
        assert_eq!(event_kinds(s, &d).await, ["registered", "risk_assessed", "accepted", "mediators_assigned"], "{label}");

        // Refused before registering: a grid worker does not assign; 乙 serves committee B; an
        // unknown risk level; a removed mediator.
        let count = || async { s.mediation().list(&Viewer::System, &Default::default(), Page::default()).await.unwrap().total };
        let before = count().await;
        let e = register_and_assign(s, &staff(&fx.grid_a), walk_in(fx.committee_a.id), Some(desk.clone())).await.unwrap_err();
        assert_eq!(field(e), "mediators", "{label}");
        let other = Assignment { mediators: vec![fx.mb], ..desk.clone() };
        let e = register_and_assign(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id), Some(other)).await.unwrap_err();
        assert_eq!(field(e), "mediators", "{label}");
        let chosen = Assignment { mediators: vec![fx.mb], chosen_by_parties: true, risk: None };
        let r = register_and_assign(s, &staff(&fx.dispatcher), walk_in(fx.committee_a.id), Some(chosen)).await.unwrap();
        assert!(r.dispute.state.chosen_by_parties && r.unfinished.is_none(), "{label}: the parties may choose (art 19)");
        let unknown = Assignment { risk: Some("purple".into()), ..desk.clone() };
        let e = register_and_assign(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id), Some(unknown)).await.unwrap_err();
        assert_eq!(field(e), "risk", "{label}");
        let record = s.mediation().mediator(fx.mc).await.unwrap();
        remove_mediator(s, &fx.worker_a, fx.mc, record.version, RemovalReason::Partiality, "").await.unwrap();
        let removed = Assignment { mediators: vec![fx.mc], ..desk.clone() };
        let e = register_and_assign(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id), Some(removed)).await.unwrap_err();
        assert_eq!(field(e), "mediators", "{label}");
        assert_eq!(count().await, before + 1, "{label}: only the parties' choice was registered");
    }
}

/// The six digits of the latest text queued to a dispute's party.
async fn code_sent_to(store: &Store, dispute_id: i64, idx: u16) -> String {
    let to = tongxin_store::mediation::room::party_recipient(dispute_id, idx);
    let payload: String = on_read!(&store.db, |p| sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE recipient = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1"
    )
    .bind(&to)
    .fetch_one(p)
    .await)
    .unwrap();
    let text = serde_json::from_str::<serde_json::Value>(&payload).unwrap()["text"].as_str().unwrap().to_string();
    let otp = text.split("验证码").nth(1).unwrap_or(&text);
    otp.chars().filter(char::is_ascii_digit).take(6).collect()
}

both_backends! {
    /// The online room end to end: the mediator invites, the party joins with the code sent
    /// to their phone, the hub wakes the room's feed with every message, a 背靠背 line stays
    /// between the mediator and its party, a mediator of another committee cannot enter, the
    /// draft is confirmed per version, and after the dispute fails the room is read-only.
    async fn the_online_room_from_invitation_to_confirmation(t: TestStore) {
        use tongxin_app::mediation::room::{self, RoomHub, RoomWho};
        use tongxin_domain::mediation::room::Audience;
        let (store, label) = (&t.store, t.label);
        let fx = fixture(store).await;
        let d = mediating(store, &fx).await;
        let hub = RoomHub::default();
        let mut feed = hub.subscribe(d.id);
        let med = RoomWho::Mediator(fx.med_a.clone());
        room::post(store, &hub, &med, d.id, Audience::All, "双方好，今天在线调解。", None).await.unwrap();
        assert_eq!(feed.recv().await.unwrap().body, "双方好，今天在线调解。", "{label}: the feed woke");
        let other = RoomWho::Mediator(fx.med_b.clone());
        let e = room::post(store, &hub, &other, d.id, Audience::All, "我也来", None).await.unwrap_err();
        assert!(matches!(e, DisputeError::Store(StoreError::NotFound)), "{label}: another committee's mediator: {e:?}");
        let desk = RoomWho::Mediator(fx.dispatcher.clone());
        assert!(room::messages(store, &desk, d.id, 0, 50).await.is_err(), "{label}: only mediators' accounts");

        // Invitation and joining.
        room::invite(store, &fx.med_a, d.id, 1, "https://tx.example").await.unwrap();
        let invite = room::invite_token(store, d.id, 1);
        assert_eq!(room::parse_invite(store, &invite), Some((d.id, 1)));
        assert_eq!(room::parse_invite(store, &invite.replacen(&format!("{}-1-", d.id), &format!("{}-0-", d.id), 1)), None);
        room::send_join_code(store, &invite).await.unwrap();
        let otp = code_sent_to(store, d.id, 1).await;
        assert_eq!(room::join(store, &hub, &invite, "12345x").await.unwrap(), None, "{label}");
        let token = room::join(store, &hub, &invite, &otp).await.unwrap().expect("joined");
        let session = store.mediation().room_session(&token).await.unwrap().unwrap();
        let p1 = RoomWho::Party(session);
        assert!(feed.recv().await.unwrap().body.contains("进入了调解室"), "{label}");
        let private = room::post(store, &hub, &med, d.id, Audience::Private { idx: 0 }, "甲方私下：对方愿意赔 500 元。", None)
            .await
            .unwrap();
        feed.recv().await.unwrap();
        room::post(store, &hub, &p1, d.id, Audience::Private { idx: 1 }, "我最多出 500 元。", None).await.unwrap();
        let wrong_line = room::post(store, &hub, &p1, d.id, Audience::Private { idx: 0 }, "偷偷告诉甲方", None).await;
        assert!(matches!(wrong_line, Err(DisputeError::Invalid { field: "message", .. })), "{label}");
        let seen: Vec<String> = room::messages(store, &p1, d.id, 0, 50).await.unwrap().into_iter().map(|m| m.body).collect();
        assert!(!seen.iter().any(|b| b == &private.body), "{label}: party 1 never reads party 0's line: {seen:?}");
        assert!(seen.iter().any(|b| b == "我最多出 500 元。"));
        let photo = ("现场.png".to_string(), "image/png".to_string(), vec![0x89, b'P', b'N', b'G']);
        let with_file = room::post(store, &hub, &p1, d.id, Audience::All, "现场照片", Some(photo)).await.unwrap();
        assert_eq!(with_file.file_name.as_deref(), Some("现场.png"));
        let html = ("x.html".to_string(), "text/html".to_string(), b"<script>".to_vec());
        let bad = room::post(store, &hub, &p1, d.id, Audience::All, "网页", Some(html)).await;
        assert!(matches!(bad, Err(DisputeError::Invalid { field: "file", .. })), "{label}");

        // The draft, confirmed per version.
        let e = room::send_confirm_code(store, &session, 1).await.unwrap_err();
        assert!(matches!(e, DisputeError::Invalid { field: "version", .. }), "{label}: no draft yet");
        let v1 = room::save_draft(store, &hub, &fx.med_a, d.id, "李四赔偿张三 500 元，12 月 20 日前付清。").await.unwrap();
        room::send_confirm_code(store, &session, v1).await.unwrap();
        let c = code_sent_to(store, d.id, 1).await;
        assert!(room::confirm_draft(store, &hub, &session, v1, &c).await.unwrap(), "{label}");
        let again = room::send_confirm_code(store, &session, v1).await.unwrap_err();
        assert!(matches!(again, DisputeError::Invalid { field: "version", .. }), "{label}: confirmed once");
        let v2 = room::save_draft(store, &hub, &fx.med_a, d.id, "李四赔偿张三 600 元。").await.unwrap();
        let stale = room::send_confirm_code(store, &session, v1).await.unwrap_err();
        assert!(stale.to_string().contains(&format!("第 {v2} 版")), "{label}: {stale}");
        let (draft, confirmations) = room::draft(store, &p1, d.id).await.unwrap();
        assert_eq!((draft.unwrap().version, confirmations.len()), (2, 1), "{label}");

        // After the dispute ends the room is kept and read-only.
        let fresh = store.mediation().get(&Viewer::System, d.id).await.unwrap();
        let fail = Action::Terminate { reason: "双方分歧过大".into(), routes: vec![Route::Arbitration, Route::Litigation] };
        let failed = ok(store, &staff(&fx.med_a), &fresh, fail).await;
        assert_eq!(failed.status.as_str(), "failed");
        let closed = room::post(store, &hub, &med, d.id, Audience::All, "还在吗", None).await.unwrap_err();
        assert!(closed.to_string().contains("调解已结束"), "{label}: {closed}");
        assert!(room::messages(store, &p1, d.id, 0, 50).await.unwrap().len() >= 5, "{label}: kept");
    }
}
