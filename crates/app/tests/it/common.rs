//! The world the case-loop tests share: 城东街道's 桃园社区 with one grid (a 0.01° square at
//! 119.66°E 29.09°N, so `Place::Point { lng: 119.665, lat: 29.085 }` lies in it) and one
//! department, 城管执法中队 (id 1).

#![allow(dead_code)]

use std::sync::Arc;
use tongxin_app::cases::CaseService;
use tongxin_app::locator::LocatorCache;
use tongxin_store::Store;
use tongxin_store::cases::categories::RuleRow;
use tongxin_testkit::{World, square};

pub const STREET: &str = "330702001";
pub const GRID: &str = "330702001008001";

pub async fn seed(store: &Store) {
    World::new(store)
        .district("330702", "婺城区")
        .street(STREET, "城东街道")
        .community("330702001008", "桃园社区")
        .bounded(square(119.66, 29.09, 0.01))
        .grid(GRID, "一网格")
        .bounded(square(119.66, 29.09, 0.01))
        .department(1, STREET, "城管执法中队")
        .bump_geometry_revision()
        .build()
        .await;
}

/// The case service over `store`, its intake writer started.
pub async fn service(store: &Store) -> CaseService {
    let locator = Arc::new(LocatorCache::load(store).await.unwrap());
    CaseService::start(store.clone(), locator).await.unwrap()
}

/// Building 1 with household 1 in [`GRID`] (after [`seed`]); returns the household's id.
pub async fn seed_household(store: &Store) -> i64 {
    use tongxin_store::places::{NewBuilding, NewHousehold};
    World::new(store)
        .building(NewBuilding {
            id: 1,
            grid_code: GRID.into(),
            name: "1幢".into(),
            address: String::new(),
            lng: 119.665,
            lat: 29.085,
            floors: 6,
            units: 2,
            qr_token: "t1".into(),
        })
        .household(NewHousehold {
            id: 1,
            building_id: 1,
            grid_code: GRID.into(),
            unit_no: 1,
            room_no: "101".into(),
            address: "1幢1单元101室".into(),
        })
        .build()
        .await;
    1
}

/// A staff actor with an account (role and scope as given).
pub async fn staff(
    store: &Store,
    username: &str,
    role: tongxin_domain::kernel::access::Role,
    region: Option<&str>,
) -> tongxin_store::Actor {
    let new = tongxin_store::accounts::NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "x".into(),
        role,
        scope_region: region.map(String::from),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    let u = store.accounts().create_user(&tongxin_store::Actor::system("test"), &new).await.unwrap();
    tongxin_store::Actor { user_id: Some(u.id), name: u.username }
}

/// A staff user as the case actions see one.
pub fn staff_user(
    id: i64,
    username: &str,
    role: tongxin_domain::kernel::access::Role,
    scope: tongxin_domain::kernel::access::Scope,
) -> tongxin_store::accounts::User {
    tongxin_store::accounts::User {
        id,
        username: username.into(),
        display_name: username.into(),
        role,
        scope,
        can_unmask: false,
        totp_enabled: false,
        active: true,
    }
}

/// A resident's noise report from a point inside [`GRID`], with a phone number when given.
pub fn noise_report(text: &str, phone: Option<&str>) -> tongxin_app::cases::Report {
    use tongxin_app::cases::{Place, Report, Reporter};
    Report {
        channel: tongxin_domain::case::Channel::Web,
        category: "city.noise".into(),
        urgency: None,
        title: None,
        description: text.into(),
        place: Place::Point { lng: 119.665, lat: 29.085 },
        address: "桃园小区3幢".into(),
        requester_name: Some("张先生".into()),
        phone: phone.map(|p| tongxin_domain::kernel::phone::Phone::parse(p).unwrap()),
        photos: vec![],
        reporter: Reporter::Resident,
        on_spot_reply: None,
    }
}

/// A rule sending `city.noise` reports in an area (`street`, `grid` …) to a unit, automatically.
pub fn noise_rule(area_kind: &str, area_code: &str, target_kind: &str, target_ref: &str) -> RuleRow {
    RuleRow {
        id: 0,
        category_code: "city.noise".into(),
        area_kind: area_kind.into(),
        area_code: area_code.into(),
        target_kind: target_kind.into(),
        target_ref: target_ref.into(),
        auto_dispatch: true,
        version: 1,
    }
}

/// Noise reports in [`STREET`] go to department 1 (城管执法中队) without a dispatcher.
pub async fn dispatch_noise_to_department_1(store: &Store, cases: &CaseService) {
    let rule = noise_rule("street", STREET, "department", "1");
    store.categories().create_rule(&tongxin_store::Actor::system("test"), &rule).await.unwrap();
    cases.reload().await.unwrap();
}
