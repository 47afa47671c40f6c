//! The visit log on both backends: recording within scope with an audit record, refusing a
//! household of another grid and bad input, scoped and paginated lists; grid team tasks.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::Duration;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::accounts::NewUser;
use tongxin_store::visits::NewVisit;
use tongxin_store::{Actor, Page, Store, StoreError};

use common::{GRID_A, GRID_B};

fn grid(code: &str) -> Scope {
    Scope::Region { code: RegionCode::parse(code).unwrap() }
}

/// Two grids with one household each, and a grid worker of grid A.
async fn seed(store: &Store) -> Actor {
    common::seed_two_grids(store, |building| format!("{building}幢1单元101室")).await;
    let user = NewUser {
        username: "grid_a".into(),
        display_name: "网格员甲".into(),
        password_hash: "x".into(),
        role: Role::GridWorker,
        scope_region: Some(GRID_A.into()),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    let u = store.accounts().create_user(&Actor::system("test"), &user).await.unwrap();
    Actor { user_id: Some(u.id), name: u.username }
}

fn visit(household: i64, store: &Store, kind: &str, note: &str) -> NewVisit {
    NewVisit {
        household_id: household,
        visited_at: store.now() - Duration::hours(1),
        kind: kind.into(),
        note: note.into(),
    }
}

both_backends! {
    async fn visits_are_recorded_in_scope_with_an_audit_record(t: TestStore) {
        let s = &t.store;
        let me = seed(s).await;
        let mine = grid(GRID_A);
        let v = s.visits().record(&mine, &me, &visit(1, s, "走访", "独居老人身体尚好")).await.unwrap();
        assert_eq!(v.grid_code, GRID_A, "{}", t.label);
        assert_eq!(v.visitor_name, "网格员甲");
        assert_eq!(v.household_address, "1幢1单元101室");
        let audit = s.audit().list(Some(("visit", &v.id.to_string())), Page::default()).await.unwrap();
        assert_eq!(audit.len(), 1, "{}", t.label);
        assert_eq!(audit[0].fields.action, "visit.create");
        assert!(s.audit().verify().await.unwrap().is_ok());

        // Another grid's household does not exist for me; nothing is written.
        let err = s.visits().record(&mine, &me, &visit(2, s, "走访", "x")).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{}: {err:?}", t.label);
        // Bad kind, a future time, an overlong note.
        assert!(matches!(s.visits().record(&mine, &me, &visit(1, s, "聊天", "")).await, Err(StoreError::Invalid(_))));
        let mut future = visit(1, s, "排查", "");
        future.visited_at = s.now() + Duration::days(1);
        assert!(matches!(s.visits().record(&mine, &me, &future).await, Err(StoreError::Invalid(_))));
        let long = "很".repeat(2001);
        assert!(matches!(s.visits().record(&mine, &me, &visit(1, s, "排查", &long)).await, Err(StoreError::Invalid(_))));
        assert_eq!(s.visits().list(&Scope::All, None, Page::default()).await.unwrap().total, 1, "{}", t.label);
    }
}

both_backends! {
    async fn visit_lists_are_scoped_paginated_and_newest_first(t: TestStore) {
        let s = &t.store;
        let me = seed(s).await;
        for i in 0..5 {
            let mut v = visit(1, s, "信息采集", &format!("第{i}次"));
            v.visited_at = s.now() - Duration::hours(10 - i);
            s.visits().record(&grid(GRID_A), &me, &v).await.unwrap();
        }
        s.visits().record(&grid(GRID_B), &me, &visit(2, s, "走访", "二网格")).await.unwrap();

        let page1 = s.visits().list(&grid(GRID_A), None, Page::new(Some(1), Some(2))).await.unwrap();
        assert_eq!(page1.total, 5, "{}", t.label);
        assert_eq!(page1.items.iter().map(|v| v.note.as_str()).collect::<Vec<_>>(), ["第4次", "第3次"]);
        let page3 = s.visits().list(&grid(GRID_A), None, Page::new(Some(3), Some(2))).await.unwrap();
        assert_eq!(page3.items.len(), 1);
        assert_eq!(page3.items[0].note, "第0次");
        assert!(page1.items.iter().chain(&page3.items).all(|v| v.grid_code == GRID_A));

        let b = s.visits().list(&grid(GRID_B), None, Page::default()).await.unwrap();
        assert_eq!(b.total, 1);
        assert_eq!(b.items[0].note, "二网格");
        assert_eq!(s.visits().list(&grid("330702001008"), None, Page::default()).await.unwrap().total, 6);
        assert_eq!(s.visits().list(&grid(GRID_A), Some(2), Page::default()).await.unwrap().total, 0);
        assert_eq!(s.visits().list(&Scope::All, Some(2), Page::default()).await.unwrap().total, 1);
        // Department staff read no people data.
        let dept = Scope::Department { id: 1, street: RegionCode::parse("330702001").unwrap() };
        assert!(matches!(s.visits().list(&dept, None, Page::default()).await, Err(StoreError::NotFound)));
    }
}

both_backends! {
    async fn grid_tasks_of_another_grid_are_not_found(t: TestStore) {
        let s = &t.store;
        seed(s).await;
        let tasks = s.cases().grid_tasks(&grid(GRID_A), GRID_A, Page::default()).await.unwrap();
        assert_eq!(tasks.total, 0, "{}", t.label);
        assert!(matches!(s.cases().grid_tasks(&grid(GRID_A), GRID_B, Page::default()).await, Err(StoreError::NotFound)));
    }
}
