//! A small street for HTTP tests: two streets, three communities, four grids, buildings,
//! households, residents, party organisations, departments, and one account per role.
//!
//! Street 330702001 (in every non-admin user's scope) holds community A (…008) with grids A1, A2
//! and community B (…010) with grid B1; street 330702002 holds community C with grid C1, which
//! no one but the admin may see.

#![allow(dead_code)]

pub mod mediation;
pub mod pages;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use std::collections::HashMap;
use tongxin_app::accounts::password::{HashCost, hash};
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::accounts::NewUser;
use tongxin_store::party::{NewDepartment, NewPartyMember, NewPartyOrg, insert_members, insert_orgs};
use tongxin_store::places::{NewBuilding, NewHousehold};
use tongxin_store::residents::NewResident;
use tongxin_store::{Actor, Store};
use tongxin_testkit::World;
use tongxin_web::{AppState, WebConfig};
use tower::ServiceExt;

pub const PASSWORD: &str = "Tongxin@2026";
pub const STREET1: &str = "330702001";
pub const STREET2: &str = "330702002";
pub const COMMUNITY_A: &str = "330702001008";
pub const COMMUNITY_B: &str = "330702001010";
pub const COMMUNITY_C: &str = "330702002001";
pub const GRID_A1: &str = "330702001008001";
pub const GRID_A2: &str = "330702001008002";
pub const GRID_B1: &str = "330702001010001";
pub const GRID_C1: &str = "330702002001001";
pub const ADMIN_TOTP: &[u8] = b"12345678901234567890";

/// Callers of the authorization table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Anonymous,
    Admin,
    Leader,
    Dispatcher,
    Community,
    Grid,
    Party,
    Mediator,
    Department,
}

impl Who {
    pub const ALL: [Who; 9] = [
        Who::Anonymous,
        Who::Admin,
        Who::Leader,
        Who::Dispatcher,
        Who::Community,
        Who::Grid,
        Who::Party,
        Who::Mediator,
        Who::Department,
    ];

    pub fn username(self) -> &'static str {
        match self {
            Who::Anonymous => "",
            Who::Admin => "admin",
            Who::Leader => "leader",
            Who::Dispatcher => "dispatcher",
            Who::Community => "community",
            Who::Grid => "grid1",
            Who::Party => "party",
            Who::Mediator => "mediator",
            Who::Department => "chengguan",
        }
    }
}

use tongxin_testkit::square;

/// Ids of the fixture's objects, in and out of the common scope.
#[derive(Debug, Clone)]
pub struct Ids {
    pub building_a1: i64,
    pub building_c1: i64,
    pub household_a1: i64,
    pub household_c1: i64,
    pub resident_a1: i64,
    pub resident_a2: i64,
    pub resident_c1: i64,
    pub org_a1: i64,
    pub org_c1: i64,
    pub dept_street1: i64,
    pub dept_street2: i64,
    pub users: HashMap<Who, i64>,
    /// A case in grid A1 auto-dispatched to department 1, and one in C1 to department 2.
    pub case_a1: tongxin_app::cases::Reported,
    pub case_c1: tongxin_app::cases::Reported,
    /// A routing rule (noise in street 1 → department 1).
    pub rule: i64,
}

pub struct Fixture {
    pub state: AppState,
    pub store: Store,
    pub clock: std::sync::Arc<tongxin_domain::kernel::clock::ManualClock>,
    pub app: Router,
    pub ids: Ids,
}

/// A third grid of community A (桃园三网格, …008003), in its south-west quarter, as GeoJSON.
pub const GRID_A3_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330702001008003","name":"桃园三网格"},
    "geometry":{"type":"Polygon","coordinates":[[[119.66,29.085],[119.665,29.085],[119.665,29.08],[119.66,29.08],[119.66,29.085]]]}}]}"#;

/// A point inside grid A1 and one inside C1.
pub const POINT_A1: (f64, f64) = (119.6605, 29.0895);
pub const POINT_C1: (f64, f64) = (119.7005, 29.0895);

pub async fn fixture(t: &tongxin_testkit::TestStore) -> Fixture {
    let store = t.store.clone();
    let now = store.now();
    let building = |id: i64, grid: &str, lng: f64, lat: f64| NewBuilding {
        id,
        grid_code: grid.into(),
        name: format!("小区{id}幢"),
        address: format!("婺城区小区{id}幢"),
        lng,
        lat,
        floors: 6,
        units: 2,
        qr_token: format!("qr-{id}"),
    };
    let household = |id: i64, building_id: i64, grid: &str| NewHousehold {
        id,
        building_id,
        grid_code: grid.into(),
        unit_no: 1,
        room_no: "101".into(),
        address: format!("小区{building_id}幢1单元101室"),
    };
    let dept = |id: i64, street: &str, name: &str| NewDepartment {
        id,
        street_code: street.into(),
        name: name.into(),
        kind: "执法".into(),
        phone: "0579-82000000".into(),
    };
    World::new(&store)
        .district("330702", "婺城区")
        .street(STREET1, "城东街道")
        .bounded(square(119.66, 29.09, 0.02))
        .street(STREET2, "城中街道")
        .bounded(square(119.70, 29.09, 0.02))
        .community(COMMUNITY_A, "桃园社区")
        .bounded(square(119.66, 29.09, 0.01))
        .community(COMMUNITY_B, "青春路社区")
        .bounded(square(119.67, 29.09, 0.01))
        .community(COMMUNITY_C, "城中社区")
        .bounded(square(119.70, 29.09, 0.01))
        .grid(GRID_A1, "桃园一网格")
        .bounded(square(119.66, 29.09, 0.005))
        .grid(GRID_A2, "桃园二网格")
        .bounded(square(119.665, 29.09, 0.005))
        .grid(GRID_B1, "青春路一网格")
        .bounded(square(119.67, 29.09, 0.005))
        .grid(GRID_C1, "城中一网格")
        .bounded(square(119.70, 29.09, 0.005))
        .building(building(1, GRID_A1, POINT_A1.0, POINT_A1.1))
        .building(building(2, GRID_A2, 119.6675, 29.0875))
        .building(building(3, GRID_C1, POINT_C1.0, POINT_C1.1))
        .household(household(1, 1, GRID_A1))
        .household(household(2, 2, GRID_A2))
        .household(household(3, 3, GRID_C1))
        .add_department(dept(1, STREET1, "城管执法中队"))
        .add_department(dept(2, STREET2, "城中城管中队"))
        .bump_geometry_revision()
        .build()
        .await;
    let mut tx = store.db.begin().await.unwrap();
    let resident = |id: i64, household: i64, grid: &str, name: &str| NewResident {
        id,
        household_id: Some(household),
        grid_code: grid.into(),
        name: name.into(),
        id_number: IdNumber::compose("330702", NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(), id as u16),
        phone: Some(Phone::parse(&format!("1380000{:04}", id)).unwrap()),
        relation: "户主".into(),
        tags: vec!["独居老人".into()],
    };
    store
        .residents()
        .insert_many(
            &mut tx,
            &[resident(1, 1, GRID_A1, "王建国"), resident(2, 2, GRID_A2, "李秀英"), resident(3, 3, GRID_C1, "张伟")],
            now,
        )
        .await
        .unwrap();
    let org = |id: i64, parent: Option<i64>, kind: &str, name: &str, region: &str| NewPartyOrg {
        id,
        parent_id: parent,
        kind: kind.into(),
        name: name.into(),
        region_code: region.into(),
        building_id: None,
    };
    insert_orgs(
        &mut tx,
        &[
            org(1, None, "street_working_committee", "城东街道党工委", STREET1),
            org(2, Some(1), "community_committee", "桃园社区党委", COMMUNITY_A),
            org(3, Some(2), "grid_branch", "桃园一网格党支部", GRID_A1),
            org(4, None, "street_working_committee", "城中街道党工委", STREET2),
            org(5, Some(4), "grid_branch", "城中一网格党支部", GRID_C1),
        ],
        now,
    )
    .await
    .unwrap();
    let member = |id: i64, resident: i64, org: i64, region: &str, name: &str| NewPartyMember {
        id,
        resident_id: Some(resident),
        org_id: org,
        region_code: region.into(),
        name: name.into(),
        status: "formal".into(),
        employment: "retired".into(),
        work_unit: String::new(),
        joined_on: NaiveDate::from_ymd_opt(1975, 7, 1),
        dual_report_community: None,
        dual_report_on: None,
    };
    insert_members(&mut tx, &[member(1, 1, 3, GRID_A1, "王建国"), member(2, 3, 5, GRID_C1, "张伟")], now)
        .await
        .unwrap();
    for table in ["residents", "party_orgs", "party_members"] {
        tongxin_store::bulk::sync_id_sequence(&mut tx, table).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut users = HashMap::new();
    for who in Who::ALL.into_iter().skip(1) {
        let (role, region, dept, unmask, totp) = match who {
            Who::Admin => (Role::Admin, None, None, true, Some(ADMIN_TOTP.to_vec())),
            Who::Leader => (Role::Leader, Some(STREET1), None, false, None),
            Who::Dispatcher => (Role::Dispatcher, Some(STREET1), None, false, None),
            Who::Community => (Role::CommunityWorker, Some(COMMUNITY_A), None, true, None),
            Who::Grid => (Role::GridWorker, Some(GRID_A1), None, false, None),
            Who::Party => (Role::PartySecretary, Some(COMMUNITY_A), None, false, None),
            Who::Mediator => (Role::Mediator, Some(STREET1), None, false, None),
            Who::Department => (Role::DepartmentHandler, None, Some(1), false, None),
            Who::Anonymous => unreachable!(),
        };
        let u = NewUser {
            username: who.username().into(),
            display_name: format!("{who:?}"),
            password_hash: hash(PASSWORD, HashCost::Fast),
            role,
            scope_region: region.map(String::from),
            scope_department: dept,
            can_unmask: unmask,
            totp_secret: totp,
        };
        users.insert(who, store.accounts().create_user(&Actor::system("test"), &u).await.unwrap().id);
    }
    let config = WebConfig {
        hash_cost: HashCost::Fast,
        login_attempts_per_window: 10_000,
        reports_per_ip_per_hour: 10_000,
        reports_per_phone_per_hour: 10_000,
        ..WebConfig::default()
    };
    let state = AppState::new(store.clone(), config).await.unwrap();
    let system = Actor::system("test");
    let rule = |street: &str, dept: &str| tongxin_store::cases::categories::RuleRow {
        id: 0,
        category_code: "city.noise".into(),
        area_kind: "street".into(),
        area_code: street.into(),
        target_kind: "department".into(),
        target_ref: dept.into(),
        auto_dispatch: true,
        version: 1,
    };
    let rule_id = store.categories().create_rule(&system, &rule(STREET1, "1")).await.unwrap();
    store.categories().create_rule(&system, &rule(STREET2, "2")).await.unwrap();
    state.cases.reload().await.unwrap();
    let report = |grid: &str, text: &str| tongxin_app::cases::Report {
        channel: tongxin_domain::case::Channel::Web,
        category: "city.noise".into(),
        urgency: None,
        title: None,
        description: text.into(),
        place: tongxin_app::cases::Place::Grid { code: grid.into() },
        address: "小区".into(),
        requester_name: None,
        phone: Some(Phone::parse("13900001111").unwrap()),
        photos: Vec::new(),
        reporter: tongxin_app::cases::Reporter::System("test".into()),
        on_spot_reply: None,
    };
    let case_a1 = state.cases.report(report(GRID_A1, "楼下烧烤店噪音扰民")).await.unwrap();
    let case_c1 = state.cases.report(report(GRID_C1, "广场舞噪音扰民")).await.unwrap();
    let app = tongxin_web::app(state.clone());
    let ids = Ids {
        building_a1: 1,
        building_c1: 3,
        household_a1: 1,
        household_c1: 3,
        resident_a1: 1,
        resident_a2: 2,
        resident_c1: 3,
        org_a1: 3,
        org_c1: 5,
        dept_street1: 1,
        dept_street2: 2,
        users,
        case_a1,
        case_c1,
        rule: rule_id,
    };
    Fixture { state, store, clock: t.clock.clone(), app, ids }
}

/// A logged-in browser-like client: session cookie plus CSRF token.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub async fn send(app: &Router, session: &Session, method: &str, uri: &str, body: Option<&str>) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(c) = &session.cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(t) = &session.csrf {
        req = req.header("x-csrf-token", t);
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// Logs in through the JSON API (admins with their TOTP code).
pub async fn login(f: &Fixture, who: Who) -> Session {
    if who == Who::Anonymous {
        return Session::default();
    }
    let totp = if who == Who::Admin {
        // A TOTP code is good once: step the clock past the last used step.
        f.clock.advance(chrono::Duration::seconds(30));
        format!(",\"totp_code\":\"{}\"", tongxin_domain::accounts::totp::code_at(ADMIN_TOTP, f.store.now().timestamp()))
    } else {
        String::new()
    };
    let body = format!("{{\"username\":\"{}\",\"password\":\"{PASSWORD}\"{totp}}}", who.username());
    let reply = send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "login {who:?}: {}", reply.body);
    let cookie =
        reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = reply.json()["csrf_token"].as_str().unwrap().to_string();
    Session { cookie: Some(cookie), csrf: Some(csrf) }
}

/// Outbox ids of notices the tests deliver themselves (far above the fixture's own rows).
static NEXT_NOTICE_OUTBOX: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1_000_000);

/// Delivers one in-app notice to `unit` as the outbox job would; returns the notice's id.
pub async fn deliver_notice(f: &Fixture, unit: &str, case_id: Option<i64>, kind: &str) -> i64 {
    let outbox_id = NEXT_NOTICE_OUTBOX.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let n = tongxin_store::cases::outbox::NoticeDelivery {
        outbox_id,
        unit: unit.into(),
        case_id,
        dispute_id: None,
        petition_id: None,
        kind: kind.into(),
        text: format!("测试通知（{kind}）"),
    };
    f.store.outbox().deliver_notices(&[n]).await.unwrap();
    tongxin_store::on_read!(&f.store.db, |p| sqlx::query_scalar("SELECT id FROM notices WHERE outbox_id = $1")
        .bind(outbox_id)
        .fetch_one(p)
        .await)
    .unwrap()
}
