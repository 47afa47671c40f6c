//! The mediation repository on both backends: organisations in scope and a committee's problems;
//! the seeded risk levels; registration with the street's daily codes, parties encrypted and
//! masked; a version-guarded save with events, outbox and audit, nothing written on conflict;
//! who reads which disputes; the timers' marks and queries.

use chrono::{Duration, NaiveDate};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::mediation::kinds::{DisputeType, Level, Source};
use tongxin_domain::mediation::mediator::{Appointment, Mediator, MediatorInput, RemovalReason};
use tongxin_domain::mediation::org::{CommitteeMember, OrgKind, Organisation, Post};
use tongxin_domain::mediation::risk::default_risk_levels;
use tongxin_domain::mediation::{
    Action, Actor as DomainActor, ConsentForm, Decision, Intake, PartyInput, decide, register,
};
use tongxin_domain::people::idcard::{Gender, IdNumber};
use tongxin_store::accounts::{NewUser, User};
use tongxin_store::audit::AuditEntry;
use tongxin_store::mediation::room::{CodePurpose, RoomSession};
use tongxin_store::mediation::{
    DisputeChange, DisputeFilter, DisputeView, NewDispute, NewMediator, NewParty, OrgRecord, PartySide, Timers, Viewer,
};
use tongxin_store::{Actor, Page, Store, StoreError, on_read};
use tongxin_testkit::{World, both_backends};

const STREET: &str = "330702001";
const COMM_A: &str = "330702001008";
const GRID_A: &str = "330702001008001";
const COMM_B: &str = "330702001009";
const GRID_B: &str = "330702001009001";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn region(s: &str) -> Scope {
    Scope::Region { code: code(s) }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn desk() -> Actor {
    Actor { user_id: None, name: "desk".into() }
}

/// A street with two communities of one grid each, and the street's 派出所.
async fn world(store: &Store) {
    World::new(store)
        .district("330702", "婺城区")
        .street(STREET, "城东街道")
        .community(COMM_A, "桃园社区")
        .grid(GRID_A, "一网格")
        .community(COMM_B, "杏园社区")
        .grid(GRID_B, "二网格")
        .department(1, STREET, "城管执法中队")
        .department(2, STREET, "城东派出所")
        .build()
        .await;
}

async fn org(store: &Store, kind: OrgKind, name: &str, at: &str) -> OrgRecord {
    let o = Organisation::new(0, kind, name, code(at), None).unwrap();
    store.mediation().create_org(&desk(), &o, false).await.unwrap()
}

async fn user(store: &Store, name: &str, role: Role, scope: &str) -> User {
    let new = NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        role,
        scope_region: Some(scope.into()),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    store.accounts().create_user(&Actor::system("test"), &new).await.unwrap()
}

async fn mediator(store: &Store, org_id: i64, name: &str, account: Option<i64>) -> i64 {
    let input = MediatorInput {
        org_id,
        name: name.into(),
        birth_date: day(1970, 5, 1),
        appointment: Appointment::Hired,
        term_start: day(2026, 1, 1),
        term_end: None,
        specialities: vec![DisputeType::Neighbourhood],
    };
    let m = Mediator::new(0, input, day(2026, 11, 22)).unwrap();
    let new = NewMediator { mediator: m, user_id: account, qualification: "法律职业资格".into() };
    store.mediation().create_mediator(&desk(), &new).await.unwrap().mediator.id
}

fn phone(s: &str) -> Phone {
    Phone::parse(s).unwrap()
}

/// A neighbours' dispute at `area` held by `org`, between 张三 (applicant, with an ID number and
/// a phone) and 李四 (with a phone).
fn dispute(store: &Store, org: &OrgRecord, area: &str, phones: [&str; 2]) -> NewDispute {
    let now = store.now();
    let intake = Intake {
        code: tongxin_domain::mediation::code::DisputeCode::at(&code(STREET), now, 1).unwrap(),
        dispute_type: DisputeType::Neighbourhood,
        source: Source::WalkIn,
        referred_case_id: None,
        level: org.level(),
        org: org.reference(),
        parties: vec![
            PartyInput {
                name: "张三".into(), applicant: true, resident_id: None, consent: Some(ConsentForm::Written)
            },
            PartyInput { name: "李四".into(), applicant: false, resident_id: None, consent: None },
        ],
        summary: "楼上空调外机漏水。".into(),
        amount: None,
    };
    let decision = register(&DomainActor::Staff { role: Role::Dispatcher, mediator: None }, &intake, now).unwrap();
    NewDispute {
        street: code(STREET),
        community_code: (area.len() >= 12).then(|| area[..12].to_string()),
        grid_code: (area.len() == 15).then(|| area.to_string()),
        parties: vec![
            NewParty {
                side: PartySide::Applicant,
                resident_id: None,
                id_number: Some(IdNumber::compose("330702", day(1970, 1, 1), 123)),
                phone: Some(phone(phones[0])),
            },
            NewParty { side: PartySide::Respondent, resident_id: None, id_number: None, phone: Some(phone(phones[1])) },
        ],
        decision,
        timers: Timers::default(),
        notices: vec![],
        created_by: None,
        screening_id: None,
    }
}

/// Applies an action the way the use-case does (without its reference checks).
async fn apply(store: &Store, d: &DisputeView, actor: DomainActor, action: Action) -> Result<DisputeView, StoreError> {
    let decision: Decision = decide(&d.state, &actor, &action, store.now()).unwrap();
    let audit = AuditEntry::new(&format!("dispute.{}", action.kind().as_str()), "dispute", d.id);
    let change = DisputeChange {
        id: d.id,
        expected_version: d.version,
        decision: &decision,
        timers: Timers::default(),
        notices: vec![],
        files: vec![],
        audit,
    };
    store.mediation().save(&desk(), change).await
}

fn dispatcher() -> DomainActor {
    DomainActor::Staff { role: Role::Dispatcher, mediator: None }
}

async fn count(store: &Store, sql: &'static str, id: i64) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_one(p).await).unwrap()
}

both_backends! {
    /// Organisations are seen in their region and above it; a committee's roster shows the
    /// problems of 人民调解法 arts 8–9; a stale roster is a conflict; every change is audited.
    async fn organisations_and_committees(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let b = org(s, OrgKind::PeoplesCommittee, "杏园社区人民调解委员会", COMM_B).await;
        let centre = org(s, OrgKind::StreetCentre, "城东街道矛调中心", STREET).await;
        assert_eq!((a.level(), centre.level()), (Level::Community, Level::Street), "{label}");
        let names = |v: Vec<OrgRecord>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
        assert_eq!(names(s.mediation().orgs(&region(GRID_A)).await.unwrap()), [centre.id, a.id], "{label}");
        assert_eq!(names(s.mediation().orgs(&region(STREET)).await.unwrap()), [centre.id, a.id, b.id]);
        assert!(matches!(s.mediation().org(&region(COMM_A), b.id).await, Err(StoreError::NotFound)));

        let member = |name: &str, gender, post| CommitteeMember {
            name: name.into(), gender, post, minority: false, term_start: day(2026, 1, 1), term_end: day(2028, 12, 31),
        };
        let roster = vec![
            member("王主任", Gender::Male, Post::Director),
            member("李委员", Gender::Male, Post::Member),
            member("赵委员", Gender::Male, Post::Member),
        ];
        let v = s.mediation().set_committee(&desk(), a.id, a.version, &roster).await.unwrap();
        let detail = s.mediation().org_detail(&region(COMM_A), a.id).await.unwrap();
        assert_eq!(detail.committee, roster, "{label}");
        assert_eq!(detail.problems, ["委员会中没有妇女成员（人民调解法第八条：应当有妇女成员）"]);
        // The version moved: a second change from the old version is refused, nothing changes.
        let err = s.mediation().set_committee(&desk(), a.id, a.version, &roster[..1]).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{label}: {err:?}");
        assert_eq!(s.mediation().committee(a.id).await.unwrap().len(), 3);
        let mut fixed = roster.clone();
        fixed[2] = member("孙委员", Gender::Female, Post::Member);
        s.mediation().set_committee(&desk(), a.id, v, &fixed).await.unwrap();
        assert!(s.mediation().org_detail(&region(COMM_A), a.id).await.unwrap().problems.is_empty(), "{label}");
        // A street centre is no committee: no roster rules.
        assert!(s.mediation().org_detail(&region(STREET), centre.id).await.unwrap().problems.is_empty());

        let m = mediator(s, a.id, "王桂芳", None).await;
        let list = s.mediation().mediators(&region(COMM_A), a.id).await.unwrap();
        assert_eq!(list.len(), 1, "{label}");
        assert_eq!((list[0].mediator.id, list[0].qualification.as_str()), (m, "法律职业资格"));
        assert_eq!(list[0].mediator.specialities, [DisputeType::Neighbourhood]);
        assert!(matches!(s.mediation().mediators(&region(COMM_B), a.id).await, Err(StoreError::NotFound)));

        let audit = |entity: &'static str, id: i64| async move {
            s.audit().list(Some((entity, &id.to_string())), Page::default()).await.unwrap()
        };
        let org_audit = audit("mediation_org", a.id).await;
        let actions: Vec<&str> = org_audit.iter().map(|r| r.fields.action.as_str()).collect();
        assert_eq!(actions, ["mediation_org.committee", "mediation_org.committee", "mediation_org.create"], "{label}");
        assert_eq!(audit("mediator", m).await[0].fields.action, "mediator.create");
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// The risk levels start as the domain's 红/橙/黄/绿 and are replaced as a whole, audited.
    async fn risk_levels_are_seeded_and_configurable(t: TestStore) {
        let s = &t.store;
        assert_eq!(s.mediation().risk_levels().await.unwrap(), default_risk_levels(), "{}", t.label);
        let mut levels = default_risk_levels();
        levels.pop();
        levels[2].response_hours = 48;
        s.mediation().set_risk_levels(&desk(), &levels).await.unwrap();
        assert_eq!(s.mediation().risk_levels().await.unwrap(), levels, "{}", t.label);
        let audit = s.audit().list(Some(("settings", "mediation_risk_levels")), Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.detail, "风险等级：红、橙、黄");
    }
}

both_backends! {
    /// 一案一编码 per street and day; the parties' ID and phone numbers are stored encrypted with
    /// blind indexes and shown masked; an audited unmask gives them back.
    async fn registration_codes_and_encrypted_parties(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let first = s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138000", "13900139000"])).await.unwrap();
        let second = s.mediation().create(&desk(), dispute(s, &a, COMM_A, ["13800138001", "13900139001"])).await.unwrap();
        assert_eq!(first.code, "TJ330702001-20261122-0001", "{label}");
        assert_eq!(second.code, "TJ330702001-20261122-0002");
        assert_eq!(first.state.code.to_string(), first.code, "the state carries the allocated code");
        t.clock.advance(Duration::days(1));
        let third = s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138002", "13900139002"])).await.unwrap();
        assert_eq!(third.code, "TJ330702001-20261123-0001", "{label}: a new day starts at 0001");
        assert_eq!((first.version, first.status.as_str(), first.org_name.as_str()), (1, "registered", "桃园社区人民调解委员会"));
        assert_eq!(first.grid_code.as_deref(), Some(GRID_A));
        assert_eq!((second.community_code.as_deref(), second.grid_code.as_deref()), (Some(COMM_A), None));

        let staff = Viewer::Staff(region(COMM_A));
        let parties = s.mediation().parties(&staff, first.id).await.unwrap();
        assert_eq!(parties.len(), 2, "{label}");
        assert_eq!((parties[0].name.as_str(), parties[0].side.as_str()), ("张三", "applicant"));
        assert_eq!(parties[0].phone_masked.as_deref(), Some("138****8000"));
        assert_eq!(parties[0].id_masked.as_deref(), Some(IdNumber::compose("330702", day(1970, 1, 1), 123).masked().as_str()));
        assert_eq!((parties[1].id_masked.as_deref(), parties[1].phone_masked.as_deref()), (None, Some("139****9000")));
        // At rest: ciphertext that holds no digits of the number.
        let sql = "SELECT phone_cipher, id_cipher FROM dispute_parties WHERE dispute_id = $1 AND idx = 0";
        let (pc, ic): (Vec<u8>, Vec<u8>) = on_read!(&s.db, |p| sqlx::query_as(sql).bind(first.id).fetch_one(p).await).unwrap();
        assert!(!pc.windows(11).any(|w| w == b"13800138000"), "{label}");
        assert!(!ic.windows(6).any(|w| w == b"330702"), "{label}");
        assert_eq!(s.pii().decrypt(&pc).unwrap(), "13800138000");
        // The serialized view holds no number in clear.
        let json = serde_json::to_string(&(&first, &parties)).unwrap();
        assert!(!json.contains("13800138000") && !json.contains("19700101"), "{label}: {json}");

        // Unmasking needs the permission and is audited, with the masked forms only.
        let me = Actor { user_id: None, name: "unmasker".into() };
        assert!(matches!(s.mediation().unmask_party(&region(COMM_A), &me, false, first.id, 0).await, Err(StoreError::Invalid(_))));
        let clear = s.mediation().unmask_party(&region(COMM_A), &me, true, first.id, 0).await.unwrap();
        assert_eq!(clear.phone.as_deref(), Some("13800138000"), "{label}");
        assert_eq!(clear.id_number, Some(IdNumber::compose("330702", day(1970, 1, 1), 123).as_str().to_string()));
        let audit = s.audit().list(Some(("dispute", &first.id.to_string())), Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "dispute.party_unmask", "{label}");
        assert!(audit[0].fields.detail.contains("138****8000") && !audit[0].fields.detail.contains("13800138000"));
        assert_eq!(audit[1].fields.action, "dispute.register");
        // The register's event.
        let events = s.mediation().events(&staff, first.id).await.unwrap();
        assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["registered"], "{label}");
    }
}

both_backends! {
    /// A save is guarded by the version: the stale one is a conflict and writes no state, event,
    /// notice or audit record; a good one writes them all, with the current mediators.
    async fn saves_are_version_guarded_and_atomic(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let m = mediator(s, a.id, "王桂芳", None).await;
        let d = s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138000", "13900139000"])).await.unwrap();
        let accepted = apply(s, &d, dispatcher(), Action::Accept).await.unwrap();
        assert_eq!((accepted.version, accepted.status.as_str()), (2, "accepted"), "{label}");
        assert!(accepted.deadline_at.is_some());

        let counts = || async {
            (
                count(s, "SELECT COUNT(*) FROM dispute_events WHERE dispute_id = $1", d.id).await,
                count(s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'dispute' AND entity_id = CAST($1 AS TEXT)", d.id).await,
                count(s, "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%\"dispute_id\":' || CAST($1 AS TEXT) || ',%'", d.id).await,
            )
        };
        let before = counts().await;
        // Someone acting on the version-1 view now is too late.
        let assign = Action::AssignMediators {
            mediators: vec![tongxin_domain::mediation::mediator::MediatorRef { id: m, active: true }],
            chosen_by_parties: false,
        };
        let stale = d.clone();
        let mut stale_accepted = stale.clone();
        stale_accepted.state.status = tongxin_domain::mediation::Status::Accepted;
        stale_accepted.state.accepted_at = Some(s.now());
        let err = apply(s, &stale_accepted, dispatcher(), assign.clone()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Conflict(m) if m == "该纠纷刚被他人处理过，请刷新后重试"), "{label}: {err:?}");
        assert_eq!(counts().await, before, "{label}: nothing written");
        assert_eq!(s.mediation().get(&Viewer::System, d.id).await.unwrap().version, 2);

        // The good save: one notice row per decision notice written by the caller, the mediators.
        let decision = decide(&accepted.state, &dispatcher(), &assign, s.now()).unwrap();
        let change = DisputeChange {
            id: d.id,
            expected_version: 2,
            decision: &decision,
            timers: Timers::default(),
            notices: vec![tongxin_store::mediation::NewNotice {
                kind: "mediation_assigned".into(),
                unit: format!("mediator:{m}"),
                text: "您已被指派调解纠纷 {code}。".into(),
            }],
            files: vec![],
            audit: AuditEntry::new("dispute.assign_mediators", "dispute", d.id),
        };
        let saved = s.mediation().save(&desk(), change).await.unwrap();
        assert_eq!((saved.version, saved.state.mediators.clone()), (3, vec![m]), "{label}");
        assert_eq!(s.mediation().assigned_mediators(d.id).await.unwrap(), [m]);
        let after = counts().await;
        assert_eq!((after.0 - before.0, after.1 - before.1, after.2 - before.2), (1, 1, 1), "{label}");
        let payload: String = on_read!(&s.db, |p| sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE kind = 'mediation_assigned' AND recipient = $1"
        ).bind(format!("mediator:{m}")).fetch_one(p).await).unwrap();
        let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(v["text"], format!("您已被指派调解纠纷 {}。", d.code), "{label}");
        assert_eq!(v["dispute_id"], d.id);
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// Staff read their region; a mediator reads the disputes of their organisation and those
    /// assigned to them, until removed; a party reads only theirs; department staff none.
    async fn who_reads_which_disputes(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let b = org(s, OrgKind::PeoplesCommittee, "杏园社区人民调解委员会", COMM_B).await;
        let ua = user(s, "med_a", Role::Mediator, STREET).await;
        let ub = user(s, "med_b", Role::Mediator, STREET).await;
        let ma = mediator(s, a.id, "甲调解员", Some(ua.id)).await;
        let mb = mediator(s, b.id, "乙调解员", Some(ub.id)).await;
        let da = s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138000", "13900139000"])).await.unwrap();
        let db = s.mediation().create(&desk(), dispute(s, &b, GRID_B, ["13700137000", "13900139000"])).await.unwrap();
        let ids = |v: &[DisputeView]| v.iter().map(|d| d.id).collect::<Vec<_>>();
        let list = |viewer: Viewer| async move {
            s.mediation().list(&viewer, &DisputeFilter::default(), Page::default()).await.unwrap().items
        };

        assert_eq!(ids(&list(Viewer::Staff(region(STREET))).await), [db.id, da.id], "{label}");
        assert_eq!(ids(&list(Viewer::Staff(region(COMM_A))).await), [da.id]);
        assert!(matches!(s.mediation().get(&Viewer::Staff(region(COMM_A)), db.id).await, Err(StoreError::NotFound)));
        let dept = Scope::Department { id: 1, street: code(STREET) };
        assert!(matches!(s.mediation().get(&Viewer::Staff(dept), da.id).await, Err(StoreError::NotFound)));

        // A mediator of one organisation cannot read another's disputes …
        let med_a = Viewer::of_user(&ua);
        assert_eq!(ids(&list(med_a.clone()).await), [da.id], "{label}");
        assert!(matches!(s.mediation().get(&med_a, db.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.mediation().parties(&med_a, db.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.mediation().events(&med_a, db.id).await, Err(StoreError::NotFound)));
        // … unless assigned to it (the parties chose them, art 19).
        let accepted = apply(s, &db, dispatcher(), Action::Accept).await.unwrap();
        let chosen = Action::AssignMediators {
            mediators: vec![tongxin_domain::mediation::mediator::MediatorRef { id: ma, active: true }],
            chosen_by_parties: true,
        };
        apply(s, &accepted, dispatcher(), chosen).await.unwrap();
        assert_eq!(ids(&list(med_a.clone()).await), [db.id, da.id], "{label}");
        assert_eq!(ids(&list(Viewer::of_user(&ub)).await), [db.id]);
        let _ = mb;

        // A removed mediator reads nothing from the commit on.
        let mut record = s.mediation().mediator(ma).await.unwrap();
        record.mediator.remove(RemovalReason::Partiality, "", day(2026, 11, 22)).unwrap();
        s.mediation().remove_mediator(&desk(), &record.mediator, record.version, &[]).await.unwrap();
        assert!(list(med_a.clone()).await.is_empty(), "{label}");
        assert!(matches!(s.mediation().get(&med_a, da.id).await, Err(StoreError::NotFound)));
        let again = s.mediation().remove_mediator(&desk(), &record.mediator, record.version, &[]).await.unwrap_err();
        assert!(matches!(again, StoreError::Conflict(_)), "{label}");
        let audit = s.audit().list(Some(("mediator", &ma.to_string())), Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "mediator.remove");

        // A party reads only the disputes naming their phone.
        let mine = s.mediation().of_party(&phone("13800138000"), Page::default()).await.unwrap();
        assert_eq!(ids(&mine.items), [da.id], "{label}");
        let both = s.mediation().of_party(&phone("13900139000"), Page::default()).await.unwrap();
        assert_eq!(ids(&both.items), [db.id, da.id]);
        let party = Viewer::Party(phone("13700137000"));
        assert!(matches!(s.mediation().get(&party, da.id).await, Err(StoreError::NotFound)));
        assert_eq!(s.mediation().get(&party, db.id).await.unwrap().id, db.id);
        assert_eq!(s.mediation().party_index(db.id, &phone("13900139000")).await.unwrap(), Some(1));
        assert_eq!(s.mediation().party_index(da.id, &phone("13700137000")).await.unwrap(), None);
    }
}

both_backends! {
    /// The list's filters: status, open, level, type, organisation, risk, overdue, area; paged.
    async fn list_filters(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let b = org(s, OrgKind::PeoplesCommittee, "杏园社区人民调解委员会", COMM_B).await;
        let mut made = Vec::new();
        for i in 0..3 {
            made.push(s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138000", &format!("1390013900{i}")])).await.unwrap());
        }
        let other = s.mediation().create(&desk(), dispute(s, &b, GRID_B, ["13700137000", "13900139009"])).await.unwrap();
        let accepted = apply(s, &made[0], dispatcher(), Action::Accept).await.unwrap();
        let risk = default_risk_levels().into_iter().find(|l| l.code == "orange").unwrap();
        apply(s, &accepted, dispatcher(), Action::AssessRisk { risk, note: String::new() }).await.unwrap();
        let street = Viewer::Staff(region(STREET));
        let find = |f: DisputeFilter| {
            let street = street.clone();
            async move { s.mediation().list(&street, &f, Page::default()).await.unwrap() }
        };
        let ids = |p: tongxin_store::Paged<DisputeView>| p.items.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(find(DisputeFilter::default()).await.total, 4, "{label}");
        let st = DisputeFilter { status: Some(tongxin_domain::mediation::Status::Accepted), ..Default::default() };
        assert_eq!(ids(find(st).await), [made[0].id], "{label}");
        let lv = DisputeFilter { level: Some(Level::Street), ..Default::default() };
        assert_eq!(ids(find(lv).await), [made[0].id], "{label}: raised by the orange assessment");
        let rk = DisputeFilter { risk: Some("orange".into()), ..Default::default() };
        assert_eq!(ids(find(rk).await), [made[0].id]);
        let by_org = DisputeFilter { org_id: Some(b.id), ..Default::default() };
        assert_eq!(ids(find(by_org).await), [other.id]);
        let ty = DisputeFilter { dispute_type: Some(DisputeType::Labour), ..Default::default() };
        assert_eq!(find(ty).await.total, 0);
        let area = DisputeFilter { area: Some(GRID_B.into()), ..Default::default() };
        assert_eq!(ids(find(area).await), [other.id]);
        assert_eq!(find(DisputeFilter { overdue: Some(true), ..Default::default() }).await.total, 0);
        assert_eq!(find(DisputeFilter { overdue: Some(false), open_only: true, ..Default::default() }).await.total, 4);
        // A wider area than the scope is refused.
        let narrow = Viewer::Staff(region(COMM_A));
        let wide = DisputeFilter { area: Some(STREET.into()), ..Default::default() };
        assert!(matches!(s.mediation().list(&narrow, &wide, Page::default()).await, Err(StoreError::NotFound)));
        let page = s.mediation().list(&street, &DisputeFilter::default(), Page::new(Some(2), Some(3))).await.unwrap();
        assert_eq!((page.total, page.items.len()), (4, 1), "{label}");
        assert_eq!(page.items[0].id, made[0].id);
    }
}

both_backends! {
    /// The timer marks: a warning before the limit and an overdue mark after it, each with its
    /// notices and once; disputes awaiting 督办; windows to lapse.
    async fn limit_marks_and_timer_queries(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let m = mediator(s, a.id, "王桂芳", None).await;
        let d = s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138000", "13900139000"])).await.unwrap();
        // Accepted with a warning time three days on.
        let decision = decide(&d.state, &dispatcher(), &Action::Accept, s.now()).unwrap();
        let warn_at = s.now() + Duration::days(3);
        let change = DisputeChange {
            id: d.id,
            expected_version: 1,
            decision: &decision,
            timers: Timers { warn_at: Some(warn_at), window_end: None },
            notices: vec![],
            files: vec![],
            audit: AuditEntry::new("dispute.accept", "dispute", d.id),
        };
        let d = s.mediation().save(&desk(), change).await.unwrap();
        let assign = Action::AssignMediators {
            mediators: vec![tongxin_domain::mediation::mediator::MediatorRef { id: m, active: true }],
            chosen_by_parties: false,
        };
        let decision = decide(&d.state, &dispatcher(), &assign, s.now()).unwrap();
        let change = DisputeChange {
            id: d.id,
            expected_version: 2,
            decision: &decision,
            timers: Timers { warn_at: Some(warn_at), window_end: None },
            notices: vec![],
            files: vec![],
            audit: AuditEntry::new("dispute.assign_mediators", "dispute", d.id),
        };
        let d = s.mediation().save(&desk(), change).await.unwrap();
        assert!(s.mediation().mark_limit_warnings(10).await.unwrap().is_empty(), "{label}");
        t.clock.advance(Duration::days(3));
        let warned = s.mediation().mark_limit_warnings(10).await.unwrap();
        assert_eq!(warned.iter().map(|w| w.id).collect::<Vec<_>>(), [d.id], "{label}");
        assert!(s.mediation().mark_limit_warnings(10).await.unwrap().is_empty(), "once");
        let units: Vec<String> = on_read!(&s.db, |p| sqlx::query_scalar(
            "SELECT recipient FROM outbox WHERE kind = 'mediation_limit_warning' ORDER BY id"
        ).fetch_all(p).await).unwrap();
        assert_eq!(units, [format!("mediation_org:{}", a.id), format!("mediator:{m}")], "{label}");

        assert!(s.mediation().mark_overdue(10).await.unwrap().is_empty());
        t.clock.advance(Duration::days(40));
        let overdue = s.mediation().mark_overdue(10).await.unwrap();
        assert_eq!(overdue.iter().map(|o| (o.id, o.version)).collect::<Vec<_>>(), [(d.id, 3)], "{label}");
        assert!(s.mediation().mark_overdue(10).await.unwrap().is_empty(), "once");
        let units: Vec<String> = on_read!(&s.db, |p| sqlx::query_scalar(
            "SELECT recipient FROM outbox WHERE kind = 'mediation_overdue' ORDER BY id"
        ).fetch_all(p).await).unwrap();
        assert_eq!(units, [format!("mediation_org:{}", a.id), format!("mediator:{m}"), format!("dispatchers:{STREET}")]);
        let view = s.mediation().get(&Viewer::System, d.id).await.unwrap();
        assert!(view.overdue && view.version == 3, "{label}: a mark is no decision");
        let overdue_filter = DisputeFilter { overdue: Some(true), ..Default::default() };
        assert_eq!(s.mediation().list(&Viewer::Staff(region(STREET)), &overdue_filter, Page::default()).await.unwrap().total, 1);
        let pending = s.mediation().pending_supervisions(10).await.unwrap();
        assert_eq!(pending.iter().map(|p| p.id).collect::<Vec<_>>(), [d.id], "{label}");
        // Settled only at the version it was seen at.
        assert!(!s.mediation().settle_supervision(d.id, 2).await.unwrap());
        assert!(s.mediation().settle_supervision(d.id, 3).await.unwrap());
        assert!(s.mediation().pending_supervisions(10).await.unwrap().is_empty(), "{label}");

        // A window that ended yesterday is due to lapse; one ending today is not.
        let sql = "UPDATE disputes SET confirmation_window_end = $1 WHERE id = $2";
        let today = tongxin_domain::case::deadline::shanghai_date(s.now());
        let mut tx = s.db.begin().await.unwrap();
        tongxin_store::on_tx!(&mut tx, |c| sqlx::query(sql).bind(today).bind(d.id).execute(c).await.map(|r| r.rows_affected()))
            .unwrap();
        tx.commit().await.unwrap();
        assert!(s.mediation().lapsable_confirmations(today, 10).await.unwrap().is_empty(), "{label}");
        let due = s.mediation().lapsable_confirmations(today + Duration::days(1), 10).await.unwrap();
        assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), [d.id], "{label}");
    }
}

/// The six digits of the latest text queued to a dispute's party.
async fn last_code_sent(store: &Store, dispute_id: i64, idx: u16) -> String {
    let to = tongxin_store::mediation::room::party_recipient(dispute_id, idx);
    let payload: String = on_read!(&store.db, |p| sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE recipient = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1"
    )
    .bind(&to)
    .fetch_one(p)
    .await)
    .unwrap();
    let text = serde_json::from_str::<serde_json::Value>(&payload).unwrap()["text"].as_str().unwrap().to_string();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len() - 6..].to_string()
}

both_backends! {
    /// The online room: a private (背靠背) message reaches the mediators and its party only, and
    /// so does its attachment; a party joins with the code sent to their phone (a wrong one
    /// counts, five kill it); a confirmation is for the version it was sent for and is refused
    /// once a newer draft exists; every step is audited.
    async fn the_online_room_keeps_private_lines_and_confirms_versions(t: TestStore) {
        use tongxin_domain::mediation::room::{Audience, Member};
        use tongxin_store::mediation::room::{NewRoomFile, RoomAuthor};
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let a = org(s, OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMM_A).await;
        let d = s.mediation().create(&desk(), dispute(s, &a, GRID_A, ["13800138000", "13900139000"])).await.unwrap();
        let room = s.mediation();
        let mediator = RoomAuthor { member: Some(Member::Mediator), name: "徐文华".into() };
        let p0 = Member::Party { idx: 0 };
        let p1 = Member::Party { idx: 1 };
        room.room_post(d.id, &mediator, Audience::All, "各位好，今天先听双方意见。", None).await.unwrap();
        let photo = NewRoomFile { name: "水渍.jpg".into(), content_type: "image/jpeg".into(), bytes: vec![0xff, 0xd8, 0xff, 1, 2] };
        let private = room
            .room_post(d.id, &RoomAuthor { member: Some(p0), name: "张*".into() }, Audience::Private { idx: 0 }, "私下说：可以让一步。", Some(photo))
            .await
            .unwrap();
        room.room_post(d.id, &mediator, Audience::Private { idx: 1 }, "李先生，您的底线是多少？", None).await.unwrap();

        let bodies = |v: Vec<tongxin_store::mediation::room::RoomMessage>| v.into_iter().map(|m| m.body).collect::<Vec<_>>();
        assert_eq!(bodies(room.room_messages(d.id, Member::Mediator, 0, 50).await.unwrap()).len(), 3, "{label}");
        assert_eq!(
            bodies(room.room_messages(d.id, p0, 0, 50).await.unwrap()),
            vec!["各位好，今天先听双方意见。", "私下说：可以让一步。"],
            "{label}: party 0 reads everyone's and its own line"
        );
        assert_eq!(
            bodies(room.room_messages(d.id, p1, 0, 50).await.unwrap()),
            vec!["各位好，今天先听双方意见。", "李先生，您的底线是多少？"],
            "{label}: party 1 never reads party 0's private line"
        );
        assert_eq!(bodies(room.room_messages(d.id, p1, private.id, 50).await.unwrap()), vec!["李先生，您的底线是多少？"]);
        assert_eq!(bodies(room.room_recent(d.id, Member::Mediator, 2).await.unwrap()).len(), 2, "{label}: the latest, oldest first");
        let file = private.file_id.unwrap();
        assert_eq!(room.room_file(d.id, file, p0).await.unwrap().bytes, vec![0xff, 0xd8, 0xff, 1, 2]);
        assert!(room.room_file(d.id, file, Member::Mediator).await.is_ok());
        assert!(matches!(room.room_file(d.id, file, p1).await, Err(StoreError::NotFound)), "{label}: not party 1's");
        assert!(matches!(room.room_file(d.id + 1, file, Member::Mediator).await, Err(StoreError::NotFound)));

        // Joining by SMS code.
        room.room_issue_code(d.id, &d.code, 1, CodePurpose::Join, "验证码 {otp}").await.unwrap();
        let right = last_code_sent(s, d.id, 1).await;
        let wrong = if right == "000000" { "111111" } else { "000000" };
        assert_eq!(room.room_join(d.id, &d.code, 1, wrong).await.unwrap(), None, "{label}");
        assert_eq!(room.room_join(d.id, &d.code, 0, &right).await.unwrap(), None, "{label}: another party's code");
        let token = room.room_join(d.id, &d.code, 1, &right).await.unwrap().expect("joined");
        assert_eq!(room.room_session(&token).await.unwrap(), Some(RoomSession { dispute_id: d.id, idx: 1 }));
        assert_eq!(room.room_join(d.id, &d.code, 1, &right).await.unwrap(), None, "{label}: used once");
        room.room_leave(&token).await.unwrap();
        assert_eq!(room.room_session(&token).await.unwrap(), None, "{label}: left");
        room.room_issue_code(d.id, &d.code, 1, CodePurpose::Join, "验证码 {otp}").await.unwrap();
        let fresh = last_code_sent(s, d.id, 1).await;
        let bad = if fresh == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            assert_eq!(room.room_join(d.id, &d.code, 1, bad).await.unwrap(), None);
        }
        assert_eq!(room.room_join(d.id, &d.code, 1, &fresh).await.unwrap(), None, "{label}: five wrong tries kill it");

        // Confirming the draft.
        let v1 = room.room_save_draft(&desk(), d.id, &d.code, "一、李四于 12 月 20 日前修好外机排水。").await.unwrap();
        assert_eq!(v1, 1);
        room.room_issue_code(d.id, &d.code, 0, CodePurpose::Confirm { version: 1 }, "确认码 {otp}").await.unwrap();
        let c0 = last_code_sent(s, d.id, 0).await;
        assert!(!room.room_confirm(d.id, &d.code, 0, 2, &c0).await.unwrap(), "{label}: a code is for its version");
        room.room_issue_code(d.id, &d.code, 0, CodePurpose::Confirm { version: 1 }, "确认码 {otp}").await.unwrap();
        let c0 = last_code_sent(s, d.id, 0).await;
        assert!(room.room_confirm(d.id, &d.code, 0, 1, &c0).await.unwrap());
        room.room_issue_code(d.id, &d.code, 1, CodePurpose::Confirm { version: 1 }, "确认码 {otp}").await.unwrap();
        let c1 = last_code_sent(s, d.id, 1).await;
        let v2 = room.room_save_draft(&desk(), d.id, &d.code, "一、李四于 12 月 25 日前修好外机排水。").await.unwrap();
        assert_eq!(v2, 2);
        assert!(matches!(room.room_confirm(d.id, &d.code, 1, 1, &c1).await, Err(StoreError::Conflict(_))), "{label}: stale");
        assert_eq!(room.room_draft(d.id).await.unwrap().unwrap().version, 2);
        let confirmed: Vec<(i64, i64)> = room.room_confirmations(d.id).await.unwrap().into_iter().map(|c| (c.idx, c.version)).collect();
        assert_eq!(confirmed, vec![(0, 1)], "{label}");
        for (action, want) in [
            ("dispute.room_code_sent", 5),
            ("dispute.room_joined", 1),
            ("dispute.room_code_refused", 10),
            ("dispute.room_draft", 2),
            ("dispute.room_confirmed", 1),
        ] {
            let n: i64 = on_read!(&s.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(p)
                .await)
            .unwrap();
            assert_eq!(n, want, "{label}: {action}");
        }
    }
}
