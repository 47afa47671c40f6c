//! A small street for the job tests: one community with one grid, a department and an
//! auto-dispatch rule for noise reports, plus senders that record what they were asked to send.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tongxin_app::cases::{CaseActor, CaseService, Place, Report, Reported, Reporter};
use tongxin_app::locator::LocatorCache;
use tongxin_domain::case::Channel;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_jobs::{SendFuture, SmsSender};
use tongxin_store::accounts::User;
use tongxin_store::cases::categories::RuleRow;
use tongxin_store::{Actor, Store};
use tongxin_testkit::World;

pub const GRID: &str = "330702001008001";
pub const STREET: &str = "330702001";
pub const DEPT: &str = "dept:1";
pub const PHONE: &str = "13812345678";

use tongxin_testkit::square;

/// Regions, the department, the case service and the auto-dispatch rule.
pub async fn setup(store: &Store) -> CaseService {
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
    let locator = Arc::new(LocatorCache::load(store).await.unwrap());
    let cases = CaseService::start(store.clone(), locator).await.unwrap();
    let rule = RuleRow {
        id: 0,
        category_code: "city.noise".into(),
        area_kind: "street".into(),
        area_code: STREET.into(),
        target_kind: "department".into(),
        target_ref: "1".into(),
        auto_dispatch: true,
        version: 1,
    };
    store.categories().create_rule(&Actor::system("test"), &rule).await.unwrap();
    cases.reload().await.unwrap();
    cases
}

/// A noise report with a phone number; auto-dispatched to department 1.
pub async fn report(cases: &CaseService, text: &str) -> Reported {
    cases
        .report(Report {
            channel: Channel::Web,
            category: "city.noise".into(),
            urgency: None,
            title: None,
            description: text.into(),
            place: Place::Point { lng: 119.665, lat: 29.085 },
            address: "桃园小区3幢".into(),
            requester_name: Some("张先生".into()),
            phone: Some(Phone::parse(PHONE).unwrap()),
            photos: vec![],
            reporter: Reporter::Resident,
            on_spot_reply: None,
        })
        .await
        .unwrap()
}

pub fn staff(id: i64, username: &str, role: Role, scope: Scope) -> User {
    User {
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

/// A handler of department 1.
pub fn dept_actor() -> CaseActor {
    CaseActor::Staff(staff(
        10,
        "chengguan",
        Role::DepartmentHandler,
        Scope::Department { id: 1, street: RegionCode::parse(STREET).unwrap() },
    ))
}

/// One call a sender received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub to: String,
    pub text: String,
    pub key: String,
}

/// Records every call; fails the first `fail_first` of them (`usize::MAX`: always).
#[derive(Default)]
pub struct RecordingSender {
    pub calls: Mutex<Vec<Sent>>,
    pub fail_first: usize,
    count: AtomicUsize,
}

impl RecordingSender {
    pub fn failing(fail_first: usize) -> Arc<RecordingSender> {
        Arc::new(RecordingSender { fail_first, ..Default::default() })
    }

    pub fn calls(&self) -> Vec<Sent> {
        self.calls.lock().unwrap().clone()
    }
}

impl SmsSender for RecordingSender {
    fn send<'a>(&'a self, to: &'a str, text: &'a str, idempotency_key: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(Sent { to: to.into(), text: text.into(), key: idempotency_key.into() });
            let n = self.count.fetch_add(1, Ordering::SeqCst);
            if n < self.fail_first { Err(format!("网关暂不可用（第 {} 次）", n + 1)) } else { Ok(()) }
        })
    }
}
