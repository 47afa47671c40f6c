//! The visit use-case on both backends: the domain's rules are reported on their fields (kind,
//! note, visited_at); a household outside the scope does not exist; a good visit is saved.

use crate::common::GRID;
use chrono::Duration;
use tongxin_app::AppError;
use tongxin_app::visits::record;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::visits::NewVisit;
use tongxin_store::{Actor, StoreError};
use tongxin_testkit::both_backends;

both_backends! {
    async fn a_visit_is_recorded_and_each_broken_rule_names_its_field(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        crate::common::seed(store).await;
        let household = crate::common::seed_household(store).await;
        let me = crate::common::staff(store, "grid", Role::GridWorker, Some(GRID)).await;
        let scope = Scope::Region { code: RegionCode::parse(GRID).unwrap() };
        let visit = |kind: &str, note: &str, hours_ago: i64| NewVisit {
            household_id: household,
            visited_at: store.now() - Duration::hours(hours_ago),
            kind: kind.into(),
            note: note.into(),
        };
        let field = |r: Result<_, AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{label}: expected a field error, got {other:?}"),
        };

        let v = record(store, &scope, &me, &visit("走访", "  独居老人身体尚好  ", 1)).await.unwrap();
        assert_eq!((v.note.as_str(), v.grid_code.as_str()), ("独居老人身体尚好", GRID), "{label}");

        assert_eq!(field(record(store, &scope, &me, &visit("聊天", "好", 1)).await), "kind", "{label}");
        assert_eq!(field(record(store, &scope, &me, &visit("走访", "好\u{0}", 1)).await), "note", "{label}");
        assert_eq!(field(record(store, &scope, &me, &visit("走访", "好", -1)).await), "visited_at", "{label}");
        let nobody = Actor::system("test");
        assert_eq!(field(record(store, &scope, &nobody, &visit("走访", "好", 1)).await), "visited_by", "{label}");
        let elsewhere = Scope::Region { code: RegionCode::parse("330702001008002").unwrap() };
        assert!(
            matches!(
                record(store, &elsewhere, &me, &visit("走访", "好", 1)).await,
                Err(AppError::Store(StoreError::NotFound))
            ),
            "{label}: another grid's household"
        );
    }
}
