//! Mediation fixtures for the HTTP tests: the committees of communities A, B and C and the
//! street's 矛调中心, the fixture's mediator account serving committee A, and disputes in every
//! state a route needs — made through `tongxin_app::mediation` as the admin.
//!
//! - `dispute_a` (grid A1, committee A): accepted, the mediator assigned, mediated, an oral
//!   agreement in effect (performance followed);
//! - `signed` (A1): a written agreement signed with a scan; `failed` (A1): mediation terminated;
//! - `room` (A1): being mediated, with a photo the mediator posted in its online room;
//! - `dispute_b` (grid B1, committee B, street 1): another committee's, which the mediator of A
//!   may not read; `dispute_c` (grid C1, street 2): outside every scope but the admin's.

#![allow(dead_code)]

use super::{COMMUNITY_A, COMMUNITY_B, COMMUNITY_C, Fixture, GRID_A1, GRID_B1, GRID_C1, STREET1, Who};
use chrono::{Duration, NaiveDate};
use tongxin_app::mediation::orgs::{MediatorForm, OrgForm, create_mediator, create_org};
use tongxin_app::mediation::{PartyForm, Registration, Signatures, Who as MWho, act, register, sign_with_scan};
use tongxin_domain::mediation::agreement::{
    AgreementDraft, AgreementDraftForm, AgreementParty, OralDraft, PerformanceTerm,
};
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::mediator::{Appointment, MediatorInput, MediatorRef};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::{Action, ConsentForm, Route, SessionPlace};
use tongxin_store::accounts::User;
use tongxin_store::mediation::{DisputeView, PartySide, Viewer};

/// A tiny PDF (its signature is what is checked).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

pub struct Med {
    pub admin: User,
    pub committee_a: i64,
    pub committee_b: i64,
    pub committee_c: i64,
    pub centre: i64,
    /// The fixture's mediator account's record (committee A).
    pub mediator_a: i64,
    pub dispute_a: DisputeView,
    pub signed: DisputeView,
    pub failed: DisputeView,
    pub room: DisputeView,
    /// The photo's file in `room`'s online room.
    pub room_file: i64,
    pub dispute_b: DisputeView,
    pub dispute_c: DisputeView,
}

pub async fn user(f: &Fixture, who: Who) -> User {
    f.store.accounts().user(f.ids.users[&who]).await.unwrap()
}

fn org(kind: OrgKind, name: &str, at: &str) -> OrgForm {
    OrgForm { kind, name: name.into(), region_code: at.into(), field: None, multi_ethnic: false }
}

pub fn mediator_form(org_id: i64, name: &str, user_id: Option<i64>) -> MediatorForm {
    MediatorForm {
        input: MediatorInput {
            org_id,
            name: name.into(),
            birth_date: NaiveDate::from_ymd_opt(1968, 3, 8).unwrap(),
            appointment: Appointment::Member,
            term_start: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            term_end: None,
            specialities: vec![DisputeType::Neighbourhood],
        },
        user_id,
        qualification: String::new(),
    }
}

/// 张三 (applicant, consenting) against 李四, in `grid`, to `org`.
pub fn walk_in(org_id: i64, grid: &str) -> Registration {
    let party = |name: &str, side, phone: &str, consent| PartyForm {
        name: name.into(),
        side,
        resident_id: None,
        id_number: String::new(),
        phone: phone.into(),
        consent,
    };
    Registration {
        region: Some(grid.into()),
        org_id,
        level: None,
        dispute_type: DisputeType::Neighbourhood,
        source: Source::WalkIn,
        referred_case_id: None,
        summary: "楼上空调外机漏水，双方就维修费用发生争执。".into(),
        amount: "800".into(),
        parties: vec![
            party("张三", PartySide::Applicant, "13800138000", Some(ConsentForm::Written)),
            party("李四", PartySide::Respondent, "13900139000", None),
        ],
        screening_id: None,
    }
}

pub async fn step(f: &Fixture, who: &MWho, d: DisputeView, action: Action) -> DisputeView {
    let what = format!("{action:?}");
    act(&f.store, who, d.id, d.version, action).await.unwrap_or_else(|e| panic!("{what}: {e}"))
}

pub fn item(f: &Fixture) -> PerformanceTerm {
    let due = tongxin_domain::case::deadline::shanghai_date(f.store.now()) + Duration::days(14);
    PerformanceTerm {
        party: 1, content: "赔偿维修费用800元".into(), method: "微信转账".into(), place: None, due
    }
}

pub fn written(f: &Fixture) -> Action {
    Action::RecordAgreement {
        agreement: AgreementDraftForm::Written(AgreementDraft {
            parties: vec![
                AgreementParty { name: "张三".into(), particulars: "男，1970年生，住桃园小区1幢".into() },
                AgreementParty { name: "李四".into(), particulars: "女，1985年生，住桃园小区2幢".into() },
            ],
            facts: "李四家空调外机漏水至张三家窗台。".into(),
            issues: "维修费用的承担。".into(),
            responsibilities: "李四承担主要责任。".into(),
            terms: "李四赔偿张三维修费用800元。".into(),
            items: vec![item(f)],
        }),
    }
}

/// Accepted, the mediator of A assigned, 李四 consenting, one session held.
async fn mediating(f: &Fixture, admin: &MWho, med: &MWho, org: i64, mediator: i64) -> DisputeView {
    let d = register(&f.store, admin, walk_in(org, GRID_A1)).await.unwrap();
    let d = step(f, admin, d, Action::Accept).await;
    let consent = Action::RecordConsent { party: 1, consent: true, form: ConsentForm::Oral, note: String::new() };
    let d = step(f, admin, d, consent).await;
    let assign = Action::AssignMediators {
        mediators: vec![MediatorRef { id: mediator, active: true }],
        chosen_by_parties: false,
    };
    let d = step(f, admin, d, assign).await;
    let session = Action::RecordSession {
        held_on: tongxin_domain::case::deadline::shanghai_date(f.store.now()),
        place: SessionPlace::Offline { address: "桃园社区调解室".into() },
        attendees: vec!["张三".into(), "李四".into()],
        notes: "双方陈述事实，调解员释法说理。".into(),
    };
    step(f, med, d, session).await
}

pub async fn setup(f: &Fixture) -> Med {
    let admin = user(f, Who::Admin).await;
    let a = MWho::Staff(admin.clone());
    let committee_a =
        create_org(&f.store, &admin, org(OrgKind::PeoplesCommittee, "桃园社区人民调解委员会", COMMUNITY_A))
            .await
            .unwrap()
            .id;
    let committee_b =
        create_org(&f.store, &admin, org(OrgKind::PeoplesCommittee, "青春路社区人民调解委员会", COMMUNITY_B))
            .await
            .unwrap()
            .id;
    let committee_c =
        create_org(&f.store, &admin, org(OrgKind::PeoplesCommittee, "城中社区人民调解委员会", COMMUNITY_C))
            .await
            .unwrap()
            .id;
    let centre =
        create_org(&f.store, &admin, org(OrgKind::StreetCentre, "城东街道矛调中心", STREET1)).await.unwrap().id;
    let mediator_user = f.ids.users[&Who::Mediator];
    let mediator_a = create_mediator(&f.store, &admin, mediator_form(committee_a, "王调解员", Some(mediator_user)))
        .await
        .unwrap()
        .mediator
        .id;
    let m = MWho::Staff(user(f, Who::Mediator).await);

    let d = mediating(f, &a, &m, committee_a, mediator_a).await;
    let oral = Action::RecordAgreement {
        agreement: AgreementDraftForm::Oral(OralDraft {
            content: "李四当场同意赔偿800元。".into(),
            items: vec![item(f)],
        }),
    };
    let dispute_a = step(f, &m, d, oral).await;

    let d = mediating(f, &a, &m, committee_a, mediator_a).await;
    let d = step(f, &m, d, written(f)).await;
    let all = Signatures { parties: true, mediator: true, sealed: true };
    let signed = sign_with_scan(&f.store, &m, d.id, d.version, all, PDF.to_vec()).await.unwrap();

    let d = mediating(f, &a, &m, committee_a, mediator_a).await;
    let terminate =
        Action::Terminate { reason: "双方对赔偿金额分歧较大。".into(), routes: vec![Route::Litigation] };
    let failed = step(f, &m, d, terminate).await;

    let room = mediating(f, &a, &m, committee_a, mediator_a).await;
    let photo = ("现场.png".to_string(), "image/png".to_string(), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec());
    let hub = tongxin_app::mediation::room::RoomHub::default();
    let poster = tongxin_app::mediation::room::RoomWho::Mediator(user(f, Who::Mediator).await);
    let all = tongxin_domain::mediation::room::Audience::All;
    let posted = tongxin_app::mediation::room::post(&f.store, &hub, &poster, room.id, all, "现场照片", Some(photo))
        .await
        .unwrap();
    let room_file = posted.file_id.unwrap();

    let dispute_b = register(&f.store, &a, walk_in(committee_b, GRID_B1)).await.unwrap();
    let dispute_c = register(&f.store, &a, walk_in(committee_c, GRID_C1)).await.unwrap();
    Med {
        admin,
        committee_a,
        committee_b,
        committee_c,
        centre,
        mediator_a,
        dispute_a,
        signed,
        failed,
        room,
        room_file,
        dispute_b,
        dispute_c,
    }
}

/// The dispute as stored now.
pub async fn dispute(f: &Fixture, id: i64) -> DisputeView {
    f.store.mediation().get(&Viewer::System, id).await.unwrap()
}

/// A fresh active mediator of `org` (for a removal).
pub async fn fresh_mediator(f: &Fixture, admin: &User, org: i64, name: &str) -> i64 {
    create_mediator(&f.store, admin, mediator_form(org, name, None)).await.unwrap().mediator.id
}
