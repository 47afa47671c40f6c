//! 转调解 and 网格排查 on both backends: a 邻里纠纷 case becomes a dispute and closes as 已转调解
//! with the link kept both ways, in one transaction (a failure leaves neither the dispute nor
//! the closed case; two desks referring at once make one dispute); how a referral counts in 三率;
//! the grid team referring its own case; a grid's monthly screening logged, updated with an
//! audit record, and the disputes registered from it.

use crate::common::{GRID, STREET, noise_report, seed, service};
use tongxin_app::cases::{CaseActor, CaseError, CaseService};
use tongxin_app::evaluation;
use tongxin_app::mediation::orgs::{OrgForm, create_org};
use tongxin_app::mediation::screenings::{ScreeningForm, log_screening};
use tongxin_app::mediation::{CaseReferral, DisputeError, PartyForm, Registration, Who, refer_case, register};
use tongxin_domain::case::{Action, Response, Status as CaseStatus, Unit, response_of};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::mediation::kinds::{DisputeType, Level, Source};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::screening::ScreeningInput;
use tongxin_domain::mediation::{Consent, Status};
use tongxin_store::accounts::{NewUser, User};
use tongxin_store::mediation::{OrgRecord, PartySide, Viewer};
use tongxin_store::{Page, Store, StoreError, on_read};
use tongxin_testkit::{World, both_backends};

const COMM: &str = "330702001008";
const OTHER_GRID: &str = "330702001009001";

struct Fx {
    cases: CaseService,
    dispatcher: User,
    community: User,
    grid: User,
    other_grid: User,
    committee: OrgRecord,
    centre: OrgRecord,
}

async fn user(store: &Store, name: &str, role: Role, scope: &str) -> User {
    let new = NewUser {
        username: name.into(),
        display_name: format!("{name}同志"),
        password_hash: "x".into(),
        role,
        scope_region: Some(scope.into()),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    store.accounts().create_user(&tongxin_store::Actor::system("test"), &new).await.unwrap()
}

async fn fixture(store: &Store) -> Fx {
    seed(store).await;
    World::new(store).community("330702001009", "杏园社区").grid(OTHER_GRID, "杏园一网格").build().await;
    let dispatcher = user(store, "desk", Role::Dispatcher, STREET).await;
    let community = user(store, "worker", Role::CommunityWorker, COMM).await;
    let grid = user(store, "gridman", Role::GridWorker, GRID).await;
    let other_grid = user(store, "othergrid", Role::GridWorker, OTHER_GRID).await;
    let org = |kind, name: &str, at: &str| OrgForm {
        kind,
        name: name.into(),
        region_code: at.into(),
        field: None,
        multi_ethnic: false,
    };
    let committee =
        create_org(store, &community, org(OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM)).await.unwrap();
    let centre = create_org(store, &dispatcher, org(OrgKind::StreetCentre, "城东街道矛调中心", STREET)).await.unwrap();
    Fx { cases: service(store).await, dispatcher, community, grid, other_grid, committee, centre }
}

fn referral(version: i64, reason: &str) -> CaseReferral {
    CaseReferral {
        version,
        dispute_type: DisputeType::Neighbourhood,
        org_id: None,
        reason: reason.into(),
        requester_name: String::new(),
        other_party: "楼上住户王某".into(),
    }
}

fn field(e: DisputeError) -> (&'static str, String) {
    match e {
        DisputeError::Invalid { field, message } => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn reported_version(store: &Store, id: i64) -> i64 {
    store.cases().get(&Scope::All, id).await.unwrap().version
}

async fn count(store: &Store, sql: &'static str, id: i64) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_one(p).await).unwrap()
}

/// (kind, recipient, text) of the outbox rows of a case.
async fn case_outbox(store: &Store, case_id: i64) -> Vec<(String, String, String)> {
    let rows: Vec<(String, String, String)> = on_read!(&store.db, |p| sqlx::query_as(
        "SELECT kind, recipient, payload FROM outbox WHERE case_id = $1 ORDER BY id"
    )
    .bind(case_id)
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

async fn audit_of(store: &Store, entity: &str, id: i64) -> Vec<String> {
    let rows = store.audit().list(Some((entity, &id.to_string())), Page { page: 1, per_page: 100 }).await.unwrap();
    let mut v: Vec<String> = rows.into_iter().map(|r| r.fields.action).collect();
    v.reverse();
    v
}

both_backends! {
    /// 转调解 from the case desk: the dispute is registered (source 诉求转调解, the case's grid,
    /// 邻里, the community's committee, the requester as applicant with their number, nobody's
    /// consent presumed) and the case closes as 已转调解 — both saved together, the link kept
    /// both ways, the requester told, the committee told, each step audited.
    async fn a_case_referred_to_mediation_becomes_a_dispute_and_closes(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let mut report = noise_report("楼上邻居每晚装修到十一点，协商不成", Some("13700137000"));
        report.requester_name = None;
        let reported = fx.cases.report(report).await.unwrap();
        let case = s.cases().get(&Scope::All, reported.id).await.unwrap();

        // The requester left no name: the desk must give the applicant's.
        let e = refer_case(&fx.cases, &fx.dispatcher, case.id, referral(case.version, "邻里纠纷")).await.unwrap_err();
        assert_eq!(field(e), ("requester_name", "请填写诉求人（申请人）姓名".to_string()), "{label}");
        let mut blank = referral(case.version, "   ");
        blank.requester_name = "陈女士".into();
        let e = refer_case(&fx.cases, &fx.dispatcher, case.id, blank).await.unwrap_err();
        assert_eq!(field(e), ("case", "请填写转调解理由".to_string()), "{label}");
        // Out of the registrar's scope: not found.
        let e = refer_case(&fx.cases, &fx.other_grid, case.id, referral(case.version, "x")).await.unwrap_err();
        assert!(matches!(e, DisputeError::Store(StoreError::NotFound)), "{label}: {e:?}");
        // The generic action path refuses it: the dispute must come with it.
        let generic = fx
            .cases
            .act(&CaseActor::Staff(fx.dispatcher.clone()), case.id, case.version, Action::ReferToMediation { reason: "x".into() })
            .await
            .unwrap_err();
        assert!(matches!(generic, CaseError::Invalid { field: "action", .. }), "{label}: {generic:?}");
        assert_eq!(s.cases().get(&Scope::All, case.id).await.unwrap().version, case.version, "{label}: nothing written");

        let mut form = referral(case.version, "楼上楼下装修噪音纠纷，双方协商不成");
        form.requester_name = "陈女士".into();
        let done = refer_case(&fx.cases, &fx.dispatcher, case.id, form).await.unwrap();
        let (d, c) = (&done.dispute, &done.case);
        assert_eq!((c.status, c.open, c.version), (CaseStatus::Referred, false, case.version + 1), "{label}");
        assert_eq!((d.source, d.dispute_type, d.status), (Source::CaseReferral, DisputeType::Neighbourhood, Status::Registered));
        assert_eq!((d.referred_case_id, d.grid_code.as_deref(), d.org_id), (Some(case.id), Some(GRID), fx.committee.id));
        assert_eq!(d.level, Level::Community, "{label}: the committee's level");
        assert!(d.state.summary.starts_with("楼上邻居每晚装修到十一点") && d.state.summary.contains(&case.code), "{label}");
        assert!(d.state.parties.iter().all(|p| p.consent == Consent::Pending), "{label}: art 17 — nobody's consent presumed");
        let parties = s.mediation().parties(&Viewer::System, d.id).await.unwrap();
        let shown: Vec<(&str, &str, Option<&str>)> =
            parties.iter().map(|p| (p.name.as_str(), p.side.as_str(), p.phone_masked.as_deref())).collect();
        assert_eq!(shown, [("陈女士", "applicant", Some("137****7000")), ("楼上住户王某", "respondent", None)], "{label}");
        // The link, both ways.
        let desk = Viewer::of_user(&fx.dispatcher);
        let linked: Vec<i64> = s.mediation().disputes_of_case(&desk, case.id).await.unwrap().iter().map(|d| d.id).collect();
        assert_eq!(linked, [d.id], "{label}");
        assert_eq!(s.mediation().cases_of_dispute(&desk, d.id).await.unwrap(), [case.id], "{label}");
        let events = s.cases().events(case.id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!((last.kind.as_str(), last.note.as_str()), ("referred_to_mediation", "楼上楼下装修噪音纠纷，双方协商不成"));
        let data: serde_json::Value = serde_json::from_str(&last.data).unwrap();
        assert_eq!((data["dispute_id"].as_i64(), data["dispute_code"].as_str()), (Some(d.id), Some(d.code.as_str())), "{label}");
        // The requester hears where it went (no mediator's name or number); the committee gets it.
        let texts = case_outbox(s, case.id).await;
        let sms = texts.iter().find(|(k, _, _)| k == "referred_to_mediation").expect("the requester's SMS");
        assert_eq!(sms.1, "requester", "{label}");
        assert!(sms.2.starts_with(&format!("您反映的诉求 {} 属于民间纠纷，已转人民调解组织免费调解", case.code)), "{}", sms.2);
        let notice: i64 = on_read!(&s.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'mediation_registered' AND recipient = $1"
        )
        .bind(format!("mediation_org:{}", fx.committee.id))
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(notice, 1, "{label}");
        let audited = audit_of(s, "case", case.id).await;
        assert_eq!(audited[audited.len() - 2..], ["case.refer_to_mediation", "case.phone_use"], "{label}: {audited:?}");
        assert_eq!(audit_of(s, "dispute", d.id).await, ["dispute.register"], "{label}");

        // Once referred, it is over: no second referral, no rating.
        let again = refer_case(&fx.cases, &fx.dispatcher, case.id, referral(c.version, "再转")).await.unwrap_err();
        assert_eq!(field(again), ("case", "当前状态为“已转调解”，不能转调解".to_string()), "{label}");
    }
}

both_backends! {
    /// A referral is saved whole: when the dispute cannot be written (the street's codes of the
    /// day are used up) the case stays as it was — open, same version, no event, no message —
    /// and no dispute exists. Two desks referring the same case at once make one dispute.
    async fn a_referral_that_fails_leaves_neither_the_dispute_nor_the_closed_case(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let reported = fx.cases.report(noise_report("隔壁狗叫扰民", Some("13700137001"))).await.unwrap();
        let before = s.cases().get(&Scope::All, reported.id).await.unwrap();
        let events_before = s.cases().events(before.id).await.unwrap().len();
        let outbox_before = case_outbox(s, before.id).await.len();
        let day = tongxin_domain::case::deadline::shanghai_date(s.now()).format("%Y%m%d").to_string();
        let mut tx = s.db.begin().await.unwrap();
        tongxin_store::on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO dispute_code_seq (street_code, day, last) VALUES ($1, $2, 9999)"
        )
        .bind(STREET)
        .bind(&day)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        tx.commit().await.unwrap();
        let e = refer_case(&fx.cases, &fx.dispatcher, before.id, referral(before.version, "邻里纠纷")).await.unwrap_err();
        assert!(matches!(&e, DisputeError::Store(StoreError::Invalid(m)) if m.contains("编号已用尽")), "{label}: {e:?}");
        let after = s.cases().get(&Scope::All, before.id).await.unwrap();
        assert_eq!((after.status, after.open, after.version), (before.status, true, before.version), "{label}: the case is as it was");
        assert_eq!(s.cases().events(before.id).await.unwrap().len(), events_before, "{label}");
        assert_eq!(case_outbox(s, before.id).await.len(), outbox_before, "{label}: nothing sent");
        assert_eq!(count(s, "SELECT COUNT(*) FROM disputes WHERE referred_case_id = $1", before.id).await, 0, "{label}");
        assert_eq!(count(s, "SELECT COUNT(*) FROM dispute_case_links WHERE case_id = $1", before.id).await, 0);
        assert!(!audit_of(s, "case", before.id).await.contains(&"case.refer_to_mediation".to_string()), "{label}");

        // The next day's codes are free again; two desks at once: one dispute, one referral.
        t.clock.advance(chrono::Duration::days(1));
        let (a, b) = tokio::join!(
            refer_case(&fx.cases, &fx.dispatcher, before.id, referral(before.version, "邻里纠纷")),
            refer_case(&fx.cases, &fx.dispatcher, before.id, referral(before.version, "邻里纠纷"))
        );
        assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{label}: {a:?} {b:?}");
        assert_eq!(count(s, "SELECT COUNT(*) FROM disputes WHERE referred_case_id = $1", before.id).await, 1, "{label}");
        let referred = count(s, "SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND kind = 'referred_to_mediation'", before.id);
        assert_eq!(referred.await, 1, "{label}");
    }
}

both_backends! {
    /// 三率 of a referred case (`tongxin_domain::case::evaluation`): dispatched to a department
    /// and referred before the department answered, it stays dispatched to the department and
    /// is never rated — no verdict for 解决率 or 满意率. The grid team holding a case refers it
    /// itself; another grid's worker may not; the case's community committee takes it.
    async fn a_referred_case_counts_as_dispatched_and_is_never_rated(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let desk = CaseActor::Staff(fx.dispatcher.clone());
        let reported = fx.cases.report(noise_report("楼上漏水", Some("13700137002"))).await.unwrap();
        let dept = Unit::Department(1);
        let dispatch = Action::Dispatch { lead: dept.clone(), assisting: vec![], auto: false };
        let c = fx.cases.act(&desk, reported.id, reported_version(s, reported.id).await, dispatch).await.unwrap();
        let mut form = referral(c.version, "楼上楼下漏水纠纷");
        form.org_id = Some(fx.centre.id);
        let done = refer_case(&fx.cases, &fx.dispatcher, c.id, form).await.unwrap();
        assert_eq!(done.dispute.org_id, fx.centre.id, "{label}: the chosen organisation");
        assert_eq!(done.dispute.level, Level::Street, "{label}");
        let withdrawn = case_outbox(s, c.id).await.into_iter().filter(|(k, r, _)| k == "withdrawn" && r == "dept:1").count();
        assert_eq!(withdrawn, 1, "{label}: the department is told it is withdrawn");
        assert_eq!(response_of(&done.case.state, &dept), Response::NotAcknowledged, "{label}");
        let month = evaluation::current_month(s);
        let rows = s.cases().unit_month_stats(&month, "dept:1").await.unwrap();
        let d1 = rows.iter().find(|r| r.unit == "dept:1").expect("dept:1 counted");
        assert_eq!((d1.dispatched, d1.responded_in_time, d1.rated, d1.reopened), (1, 0, 0, 0), "{label}");
        let rate = Action::Rate {
            resolved: false,
            satisfaction: tongxin_domain::case::Satisfaction::Dissatisfied,
            comment: String::new(),
        };
        let code = done.case.code.clone();
        let token = s.pii().follow_token(&code);
        let refused = fx.cases.act(&CaseActor::Requester { code, token }, c.id, done.case.version, rate).await;
        assert!(matches!(refused, Err(CaseError::Transition(_))), "{label}: {refused:?}");

        // The grid team that holds a case refers it; another grid's worker does not see it.
        let reported = fx.cases.report(noise_report("邻居装修噪音", None)).await.unwrap();
        let team = Unit::GridTeam(GRID.into());
        let dispatch = Action::Dispatch { lead: team.clone(), assisting: vec![], auto: false };
        let c = fx.cases.act(&desk, reported.id, reported_version(s, reported.id).await, dispatch).await.unwrap();
        let e = refer_case(&fx.cases, &fx.other_grid, c.id, referral(c.version, "x")).await.unwrap_err();
        assert!(matches!(e, DisputeError::Store(StoreError::NotFound)), "{label}: {e:?}");
        let mut form = referral(c.version, "邻里装修噪音，转社区调委会");
        form.requester_name = "张先生".into();
        let done = refer_case(&fx.cases, &fx.grid, c.id, form).await.unwrap();
        assert_eq!((done.case.status, done.dispute.org_id), (CaseStatus::Referred, fx.committee.id), "{label}");
        let parties = s.mediation().parties(&Viewer::System, done.dispute.id).await.unwrap();
        assert_eq!(parties[0].phone_masked, None, "{label}: no number on the case, none on the party");
        assert!(!audit_of(s, "case", c.id).await.contains(&"case.phone_use".to_string()), "{label}");
    }
}

both_backends! {
    /// 网格排查: the grid worker logs the month's screening of their grid; logging it again in
    /// the month updates the record (the audit keeps both); a stale form is refused; bad input
    /// names its field; another grid is refused; the disputes registered from the screening
    /// name it and lie in its grid.
    async fn a_grid_is_screened_once_a_month_and_what_it_finds_is_registered(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let input = |on: &str, found: &str, note: &str| ScreeningInput {
            period: "2026-11".into(),
            screened_on: on.into(),
            findings: found.into(),
            note: note.into(),
        };
        let form = |grid: &str, i: ScreeningInput, version: Option<i64>| ScreeningForm { grid: grid.into(), input: i, version };
        let first = log_screening(s, &fx.grid, form(GRID, input("2026-11-05", "1", "楼道堆物争执"), None)).await.unwrap();
        assert!(first.created, "{label}");
        assert_eq!((first.row.period.as_str(), first.row.findings, first.row.done_by_name.as_deref()), ("2026-11", 1, Some("gridman同志")));
        let second = log_screening(s, &fx.grid, form(GRID, input("2026-11-20", "2", "又发现一起漏水纠纷"), Some(first.row.version))).await.unwrap();
        assert!(!second.created, "{label}: the month's record is updated");
        assert_eq!((second.row.id, second.row.findings, second.row.version), (first.row.id, 2, first.row.version + 1), "{label}");
        let stale = log_screening(s, &fx.grid, form(GRID, input("2026-11-21", "3", ""), Some(first.row.version))).await.unwrap_err();
        assert!(matches!(stale, DisputeError::Store(StoreError::Conflict(_))), "{label}: {stale:?}");
        assert_eq!(audit_of(s, "grid_screening", first.row.id).await, ["screening.log", "screening.update"], "{label}");

        for (who, f, want) in [
            (&fx.grid, form(OTHER_GRID, input("2026-11-05", "0", ""), None), "grid"),
            (&fx.grid, form(GRID, input("2026-11-23", "0", ""), None), "screened_on"),
            (&fx.grid, form(GRID, input("2026-10-05", "0", ""), None), "screened_on"),
            (&fx.grid, form(GRID, input("2026-11-05", "100", ""), None), "findings"),
            (&fx.dispatcher, form(GRID, input("2026-11-05", "0", ""), None), "grid"),
        ] {
            let e = log_screening(s, who, f).await.unwrap_err();
            assert_eq!(field(e).0, want, "{label}");
        }
        // The community worker logs for a grid of the community; the street reads them all.
        let other = log_screening(s, &fx.community, form(GRID, input("2026-11-21", "2", ""), None)).await.unwrap();
        assert_eq!((other.created, other.row.done_by_name.as_deref()), (false, Some("worker同志")), "{label}");
        let listed = s.mediation().screenings(&fx.dispatcher.scope, None, "2026-11").await.unwrap();
        assert_eq!(listed.iter().map(|r| r.grid_code.as_str()).collect::<Vec<_>>(), [GRID], "{label}");
        assert!(s.mediation().screenings(&fx.other_grid.scope, None, "2026-11").await.unwrap().is_empty(), "{label}");
        assert!(s.mediation().screening(&fx.other_grid.scope, first.row.id).await.is_err(), "{label}");

        // Registering what it found: source 网格排查, the screening's grid.
        let parties = ["甲", "乙"].map(|n| PartyForm {
            name: format!("{n}住户"),
            side: PartySide::Party,
            resident_id: None,
            id_number: String::new(),
            phone: String::new(),
            consent: None,
        });
        let found = Registration {
            region: None,
            org_id: fx.committee.id,
            level: Some(Level::Grid),
            dispute_type: DisputeType::Neighbourhood,
            source: Source::GridScreening,
            referred_case_id: None,
            summary: "楼道堆物引发争执。".into(),
            amount: String::new(),
            parties: parties.to_vec(),
            screening_id: Some(first.row.id),
        };
        let d = register(s, &Who::Staff(fx.grid.clone()), found.clone()).await.unwrap();
        assert_eq!((d.grid_code.as_deref(), d.level, d.source), (Some(GRID), Level::Grid, Source::GridScreening), "{label}");
        assert_eq!(s.mediation().screening_of_dispute(d.id).await.unwrap().map(|x| x.0), Some(first.row.id), "{label}");
        let row = s.mediation().screening(&fx.grid.scope, first.row.id).await.unwrap();
        assert_eq!(row.disputes, 1, "{label}");
        assert_eq!(s.mediation().disputes_of_screening(&Viewer::of_user(&fx.grid), first.row.id).await.unwrap(), [(d.id, d.code.clone())]);
        let mut elsewhere = found.clone();
        elsewhere.region = Some(COMM.into());
        assert_eq!(field(register(s, &Who::Staff(fx.grid.clone()), elsewhere).await.unwrap_err()).0, "region", "{label}");
        let mut walk_in = found.clone();
        walk_in.source = Source::WalkIn;
        assert_eq!(field(register(s, &Who::Staff(fx.grid.clone()), walk_in).await.unwrap_err()).0, "screening_id", "{label}");
        let e = register(s, &Who::Staff(fx.other_grid.clone()), found).await.unwrap_err();
        assert_eq!(field(e).0, "screening_id", "{label}: another grid's screening");
    }
}
