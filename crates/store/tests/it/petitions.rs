//! The petitions repository on both backends: registration with the street's daily codes, the
//! people's data encrypted and masked (an audited unmask); a version-guarded save with events,
//! outbox, links and audit, nothing written on conflict; who reads which petitions (a
//! department only those it holds); the list's filters; a person's petitions for the duplicate
//! rule; the timers' marks and queries.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_domain::petition::{
    Action, Actor as DomainActor, Channel, ClockKind, Facts, GroupVisit, Kind, Matter, MatterKey, Petitioner,
    PetitionerAddress, PetitionerName, Reasons, Registration, Representatives, Request, Status, TransferMode, decide,
    register,
};
use tongxin_store::audit::AuditEntry;
use tongxin_store::petitions::{
    NewNotice, NewPetition, PersonData, PetitionChange, PetitionFilter, PetitionView, Timers,
};
use tongxin_store::{Actor, Page, Store, StoreError, on_read};
use tongxin_testkit::{World, both_backends};

const STREET: &str = "330702001";
const STREET_B: &str = "330702002";
const COMM_A: &str = "330702001008";
const GRID_A: &str = "330702001008001";
const COMM_B: &str = "330702001009";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn region(s: &str) -> Scope {
    Scope::Region { code: code(s) }
}

fn dept(id: i64) -> Scope {
    Scope::Department { id, street: code(STREET) }
}

fn desk() -> Actor {
    Actor { user_id: None, name: "desk".into() }
}

fn office() -> DomainActor {
    DomainActor::Staff { role: Role::Dispatcher, unit: None }
}

async fn world(store: &Store) {
    World::new(store)
        .district("330702", "婺城区")
        .street(STREET, "城东街道")
        .community(COMM_A, "桃园社区")
        .grid(GRID_A, "一网格")
        .community(COMM_B, "杏园社区")
        .street(STREET_B, "城西街道")
        .department(1, STREET, "住建办")
        .department(2, STREET, "城管执法中队")
        .build()
        .await;
}

fn id_number(seq: u16) -> IdNumber {
    IdNumber::compose("330702", NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), seq)
}

/// 张三's claim at `area` with his ID number and phone; a group visit of 12 with two
/// representatives when `group`.
fn petition(store: &Store, street: &str, area: &str, request: &str, group: bool) -> NewPetition {
    let petitioner = Petitioner {
        name: PetitionerName::new("张三丰").unwrap(),
        address: PetitionerAddress::new("城东街道幸福里3号楼2单元101室").unwrap(),
    };
    let matter = Matter {
        request: Request::new(request).unwrap(),
        facts: Facts::new("旧改项目签约后补偿款至今未全额发放").unwrap(),
        reasons: Reasons::new("已按协议腾退房屋").unwrap(),
    };
    let (channel, group_visit, reps) = if group {
        let names = vec![PetitionerName::new("李四").unwrap(), PetitionerName::new("王五").unwrap()];
        let g = GroupVisit::new(12, Representatives::new(names).unwrap()).unwrap();
        let reps = vec![
            PersonData {
                name: "李四".into(),
                address: None,
                id_number: Some(id_number(200)),
                phone: Some(Phone::parse("13900139000").unwrap()),
            },
            PersonData { name: "王五".into(), ..PersonData::default() },
        ];
        (Channel::Visit, Some(g), reps)
    } else {
        (Channel::Letter, None, vec![])
    };
    let registration = Registration::new(channel, Kind::Claim, petitioner, matter, group_visit, None).unwrap();
    let decision = register(&registration, store.now());
    let identity = store.pii().blind_index(&format!("id:{}", id_number(123).as_str()));
    let key = MatterKey::new(&hex(&identity), &registration.matter().request).unwrap();
    NewPetition {
        street: code(street),
        community_code: (area.len() >= 12).then(|| area[..12].to_string()),
        grid_code: (area.len() == 15).then(|| area.to_string()),
        petitioner: PersonData {
            name: "张三丰".into(),
            address: Some("城东街道幸福里3号楼2单元101室".into()),
            id_number: Some(id_number(123)),
            phone: Some(Phone::parse("13800138000").unwrap()),
        },
        representatives: reps,
        fingerprint: key.fingerprint(),
        identity,
        registration,
        decision,
        timers: Timers::default(),
        notices: vec![],
        created_by: None,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Applies an action the way the use-case does (without its reference checks).
async fn apply(
    store: &Store,
    p: &PetitionView,
    actor: DomainActor,
    action: Action,
    timers: Timers,
) -> Result<PetitionView, StoreError> {
    let decision = decide(&p.state, &actor, &action, store.now(), &WorkingCalendar::builtin()).unwrap();
    let audit = AuditEntry::new(&format!("petition.{}", action.kind().as_str()), "petition", p.id);
    let change =
        PetitionChange { id: p.id, expected_version: p.version, decision: &decision, timers, notices: vec![], audit };
    store.petitions().save(&desk(), change).await
}

async fn count(store: &Store, sql: &'static str, id: i64) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_one(p).await).unwrap()
}

fn transfer(unit: i64) -> Action {
    Action::Transfer { unit: Unit::Department(unit), mode: TransferMode::Assign, note: "请依法办理".into() }
}

both_backends! {
    /// 一件一编码 per street and day; the people's name, address, ID and phone are stored
    /// encrypted with blind indexes and shown masked; an audited unmask gives them back.
    async fn registration_codes_and_encrypted_people(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let first = s.petitions().create(&desk(), petition(s, STREET, GRID_A, "要求补发补偿款", false)).await.unwrap();
        let group = s.petitions().create(&desk(), petition(s, STREET, COMM_A, "要求补发补偿款二", true)).await.unwrap();
        let other = s.petitions().create(&desk(), petition(s, STREET_B, STREET_B, "要求补发补偿款三", false)).await.unwrap();
        assert_eq!(first.code, "XF330702001-20261122-0001", "{label}");
        assert_eq!(group.code, "XF330702001-20261122-0002");
        assert_eq!(other.code, "XF330702002-20261122-0001", "{label}: each street counts its own");
        t.clock.advance(Duration::days(1));
        let next = s.petitions().create(&desk(), petition(s, STREET, GRID_A, "要求补发补偿款四", false)).await.unwrap();
        assert_eq!(next.code, "XF330702001-20261123-0001", "{label}: a new day starts at 0001");
        assert_eq!((first.version, first.status, first.channel, first.kind), (1, Status::Registered, Channel::Letter, Kind::Claim));
        assert_eq!((first.grid_code.as_deref(), first.petitioner_masked.as_str()), (Some(GRID_A), "张**"));
        assert_eq!((group.headcount, group.channel), (Some(12), Channel::Visit), "{label}");

        let staff = region(STREET);
        let people = s.petitions().people(&staff, group.id).await.unwrap();
        let roles: Vec<(&str, &str)> = people.iter().map(|p| (p.role.as_str(), p.name_masked.as_str())).collect();
        assert_eq!(roles, [("petitioner", "张**"), ("representative", "李*"), ("representative", "王*")], "{label}");
        assert_eq!(people[0].phone_masked.as_deref(), Some("138****8000"));
        assert_eq!(people[0].id_masked.as_deref(), Some(id_number(123).masked().as_str()));
        assert_eq!(people[0].address_masked.as_deref(), Some("城东街道幸福****"));
        assert_eq!((people[1].phone_masked.as_deref(), people[2].phone_masked.as_deref()), (Some("139****9000"), None));
        // At rest: ciphertext holding nothing in clear.
        let sql = "SELECT name_cipher, phone_cipher, id_cipher, address_cipher FROM petition_people WHERE petition_id = $1 AND idx = 0";
        let (nc, pc, ic, ac): (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) =
            on_read!(&s.db, |p| sqlx::query_as(sql).bind(group.id).fetch_one(p).await).unwrap();
        assert!(!pc.windows(11).any(|w| w == b"13800138000"), "{label}");
        assert!(!ic.windows(6).any(|w| w == b"330702"), "{label}");
        assert!(!nc.windows("张三丰".len()).any(|w| w == "张三丰".as_bytes()));
        assert_eq!(s.pii().decrypt(&ac).unwrap(), "城东街道幸福里3号楼2单元101室");
        let json = serde_json::to_string(&(&group, &people)).unwrap();
        assert!(!json.contains("13800138000") && !json.contains("19700101") && !json.contains("张三丰"), "{label}: {json}");

        // Unmasking needs the permission and a region scope, and is audited with masked forms.
        let me = Actor { user_id: None, name: "unmasker".into() };
        assert!(matches!(s.petitions().unmask_person(&staff, &me, false, group.id, 0).await, Err(StoreError::Invalid(_))));
        let clear = s.petitions().unmask_person(&staff, &me, true, group.id, 1).await.unwrap();
        assert_eq!((clear.name.as_str(), clear.phone.as_deref()), ("李四", Some("13900139000")), "{label}");
        let audit = s.audit().list(Some(("petition", &group.id.to_string())), Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "petition.person_unmask", "{label}");
        assert!(audit[0].fields.detail.contains("第1位代表") && !audit[0].fields.detail.contains("13900139000"));
        assert_eq!(audit[1].fields.action, "petition.register");
        let events = s.petitions().events(&staff, first.id).await.unwrap();
        assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["registered"], "{label}");

        // A representative count that does not match the registration writes nothing.
        let mut bad = petition(s, STREET, GRID_A, "另一事项", true);
        bad.representatives.pop();
        assert!(matches!(s.petitions().create(&desk(), bad).await, Err(StoreError::Invalid(_))), "{label}");
        assert_eq!(count(s, "SELECT COUNT(*) FROM petitions WHERE id > $1", 0).await, 4);

        // The duplicate rule's lookup: the person's petitions with fingerprints and statuses.
        let identity = s.pii().blind_index(&format!("id:{}", id_number(123).as_str()));
        let existing = s.petitions().existing_of(&identity).await.unwrap();
        assert_eq!(existing.iter().map(|e| e.id).collect::<Vec<_>>(), [first.id, group.id, other.id, next.id], "{label}");
        assert!(existing.iter().all(|e| e.status == Status::Registered));
        assert!(s.petitions().existing_of(b"nobody").await.unwrap().is_empty());
    }
}

both_backends! {
    /// A save is guarded by the version: the stale one is a conflict and writes no state, event,
    /// notice or audit record; a good one writes them all. A department reads only what it holds.
    async fn saves_are_version_guarded_and_scoped(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let p = s.petitions().create(&desk(), petition(s, STREET, GRID_A, "要求补发补偿款", false)).await.unwrap();
        let notified = apply(s, &p, office(), Action::Notify { note: "已书面告知".into() }, Timers::default()).await.unwrap();
        assert_eq!((notified.version, notified.status), (2, Status::Notified), "{label}");

        let counts = || async {
            (
                count(s, "SELECT COUNT(*) FROM petition_events WHERE petition_id = $1", p.id).await,
                count(s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'petition' AND entity_id = CAST($1 AS TEXT)", p.id).await,
                count(s, "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%\"petition_id\":' || CAST($1 AS TEXT) || ',%'", p.id).await,
            )
        };
        let before = counts().await;
        // Someone acting on a version-1 view is too late.
        let mut stale = p.clone();
        stale.state = notified.state.clone();
        stale.state.version = 1;
        let err = apply(s, &stale, office(), transfer(1), Timers::default()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Conflict(m) if m == "该信访件刚被他人处理过，请刷新后重试"), "{label}: {err:?}");
        assert_eq!(counts().await, before, "{label}: nothing written");

        let decision = decide(&notified.state, &office(), &transfer(1), s.now(), &WorkingCalendar::builtin()).unwrap();
        let change = PetitionChange {
            id: p.id,
            expected_version: 2,
            decision: &decision,
            timers: Timers::default(),
            notices: vec![NewNotice { kind: "petition_unit".into(), unit: "dept:1".into(), text: "信访件 {code} 交办".into() }],
            audit: AuditEntry::new("petition.transfer", "petition", p.id),
        };
        let saved = s.petitions().save(&desk(), change).await.unwrap();
        assert_eq!((saved.version, saved.holder.clone()), (3, Some(Unit::Department(1))), "{label}");
        let after = counts().await;
        assert_eq!((after.0 - before.0, after.1 - before.1, after.2 - before.2), (1, 1, 1), "{label}");
        let payload: String = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE kind = 'petition_unit' AND recipient = 'dept:1'"
        ).fetch_one(q).await).unwrap();
        let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!((v["text"].as_str().unwrap(), v["petition_id"].as_i64()), (format!("信访件 {} 交办", p.code).as_str(), Some(p.id)));
        let events = s.petitions().events(&region(STREET), p.id).await.unwrap();
        assert_eq!(events.last().unwrap().unit.as_deref(), Some("dept:1"), "{label}");

        // Scope: the holding department reads it, another department and another region do not.
        let other = s.petitions().create(&desk(), petition(s, STREET, COMM_B, "另一事项", false)).await.unwrap();
        assert_eq!(s.petitions().get(&dept(1), p.id).await.unwrap().id, p.id, "{label}");
        assert!(matches!(s.petitions().get(&dept(2), p.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.petitions().get(&dept(1), other.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.petitions().get(&region(COMM_B), p.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.petitions().events(&dept(2), p.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.petitions().get(&region(STREET_B), p.id).await, Err(StoreError::NotFound)));
        let ids = |scope: Scope| async move {
            s.petitions().list(&scope, &PetitionFilter::default(), Page::default()).await.unwrap().items.iter().map(|p| p.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(dept(1)).await, [p.id], "{label}");
        assert!(ids(dept(2)).await.is_empty());
        assert_eq!(ids(region(STREET)).await, [other.id, p.id]);
        assert_eq!(ids(region(COMM_A)).await, [p.id]);
        // A department reads masked people of what it holds, and never unmasks.
        assert_eq!(s.petitions().people(&dept(1), p.id).await.unwrap()[0].name_masked, "张**");
        assert!(matches!(s.petitions().unmask_person(&dept(1), &desk(), true, p.id, 0).await, Err(StoreError::Invalid(_))));
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// The list's filters (status, kind, channel, holder, overdue, due before) and the timers:
    /// warning and overdue marks with notices to whoever owes the duty, once; a moved deadline
    /// clears them; lapsed windows are listed.
    async fn filters_and_timers(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        world(s).await;
        let now = s.now();
        let due = |days: i64| -> Timers {
            Timers {
                next_clock: Some(ClockKind::Notice),
                next_deadline: Some(now + Duration::days(days)),
                warn_at: Some(now + Duration::days(days - 3)),
                window_end: None,
            }
        };
        let mut a_new = petition(s, STREET, GRID_A, "事项一", false);
        a_new.timers = due(15);
        let a = s.petitions().create(&desk(), a_new).await.unwrap();
        let mut b_new = petition(s, STREET, COMM_B, "事项二", true);
        b_new.timers = due(5);
        let b = s.petitions().create(&desk(), b_new).await.unwrap();
        let filter = |f: PetitionFilter| async move {
            s.petitions().list(&region(STREET), &f, Page::default()).await.unwrap().items.iter().map(|p| p.id).collect::<Vec<_>>()
        };
        assert_eq!(filter(PetitionFilter { channel: Some(Channel::Visit), ..Default::default() }).await, [b.id], "{label}");
        assert_eq!(filter(PetitionFilter { kind: Some(Kind::Claim), ..Default::default() }).await, [b.id, a.id]);
        assert!(filter(PetitionFilter { kind: Some(Kind::Suggestion), ..Default::default() }).await.is_empty());
        assert_eq!(filter(PetitionFilter { due_before: Some(now + Duration::days(10)), ..Default::default() }).await, [b.id]);
        assert_eq!(filter(PetitionFilter { status: Some(Status::Registered), open_only: true, ..Default::default() }).await, [b.id, a.id]);
        // The overdue lists: by clock, warned (or overdue) before an instant, earliest deadline first.
        let soon = PetitionFilter { clock: Some(ClockKind::Notice), warned_before: Some(now + Duration::days(2)), by_deadline: true, ..Default::default() };
        assert_eq!(filter(soon).await, [b.id], "{label}");
        let both = PetitionFilter { clock: Some(ClockKind::Notice), warned_before: Some(now + Duration::days(13)), by_deadline: true, ..Default::default() };
        assert_eq!(filter(both).await, [b.id, a.id], "{label}: earliest deadline first");
        assert!(filter(PetitionFilter { clock: Some(ClockKind::Handling), ..Default::default() }).await.is_empty());
        let page = s.petitions().list(&region(STREET), &PetitionFilter::default(), Page { page: 2, per_page: 1 }).await.unwrap();
        assert_eq!((page.total, page.items[0].id), (2, a.id), "{label}");

        // Day 3: b's warning is due (to the office: the notice clock is its duty).
        t.clock.advance(Duration::days(3));
        let warned = s.petitions().mark_warnings(10).await.unwrap();
        assert_eq!(warned.iter().map(|m| m.id).collect::<Vec<_>>(), [b.id], "{label}");
        assert!(s.petitions().mark_warnings(10).await.unwrap().is_empty(), "{label}: once");
        let recipients: Vec<String> = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT recipient FROM outbox WHERE kind = 'petition_clock_warning' ORDER BY id"
        ).fetch_all(q).await).unwrap();
        assert_eq!(recipients, ["dispatchers:330702001"], "{label}");
        // Day 6: b is overdue.
        t.clock.advance(Duration::days(3));
        let overdue = s.petitions().mark_overdue(10).await.unwrap();
        assert_eq!(overdue.iter().map(|m| m.id).collect::<Vec<_>>(), [b.id], "{label}");
        assert!(s.petitions().mark_overdue(10).await.unwrap().is_empty());
        let text: String = on_read!(&s.db, |q| sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE kind = 'petition_clock_overdue'"
        ).fetch_one(q).await).unwrap();
        assert!(text.contains(&b.code) && text.contains("书面告知期限"), "{label}: {text}");
        assert_eq!(filter(PetitionFilter { overdue: Some(true), ..Default::default() }).await, [b.id]);
        assert_eq!(filter(PetitionFilter { overdue: Some(false), ..Default::default() }).await, [a.id]);
        let b_now = s.petitions().get(&region(STREET), b.id).await.unwrap();
        assert!(b_now.warned && b_now.overdue && b_now.version == 1, "{label}: marks leave the version alone");
        // A save that moves the deadline clears the marks; one that sets a window lists it.
        let later: DateTime<Utc> = s.now() + Duration::days(60);
        let timers = Timers { next_clock: Some(ClockKind::UnitNotice), next_deadline: Some(later), warn_at: Some(later), window_end: None };
        let saved = apply(s, &b_now, office(), Action::Notify { note: "已电话告知".into() }, timers).await.unwrap();
        assert!(!saved.warned && !saved.overdue, "{label}");
        assert_eq!(filter(PetitionFilter { holder: Some(Unit::Department(1)), ..Default::default() }).await, Vec::<i64>::new());
        assert!(s.petitions().lapsed_windows(s.now().date_naive() + Duration::days(400), 10).await.unwrap().is_empty());
    }
}
