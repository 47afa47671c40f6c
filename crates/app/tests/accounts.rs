//! The account use-cases on both backends: the role/scope rule is reported on `scope`; a
//! fitting account is created and its access changed.

mod common;

use common::GRID;
use tongxin_app::AppError;
use tongxin_app::accounts::{create_user, update_access};
use tongxin_domain::access::Role;
use tongxin_store::accounts::{NewUser, UserAccess};
use tongxin_store::testing::all_stores;
use tongxin_store::{Actor, StoreError};

fn new_user(username: &str, role: Role, region: Option<&str>, department: Option<i64>) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "x".into(),
        role,
        scope_region: region.map(String::from),
        scope_department: department,
        can_unmask: false,
        totp_secret: None,
    }
}

#[tokio::test]
async fn accounts_fit_their_role_and_a_misfit_is_reported_on_scope() {
    for t in all_stores().await {
        let (store, label) = (&t.store, t.label);
        common::seed(store).await;
        let admin = Actor::system("test");
        let field = |r: Result<_, AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{label}: expected a field error, got {other:?}"),
        };

        assert_eq!(
            field(create_user(store, &admin, &new_user("d", Role::DepartmentHandler, None, None)).await),
            "scope"
        );
        assert_eq!(field(create_user(store, &admin, &new_user("g", Role::GridWorker, None, None)).await), "scope");
        let worker = create_user(store, &admin, &new_user("grid", Role::GridWorker, Some(GRID), None)).await.unwrap();
        assert_eq!(worker.role, Role::GridWorker, "{label}");
        assert!(
            matches!(
                create_user(store, &admin, &new_user("grid", Role::GridWorker, Some(GRID), None)).await,
                Err(AppError::Store(StoreError::Conflict(_)))
            ),
            "{label}: the name is taken"
        );
        create_user(store, &admin, &new_user("dept", Role::DepartmentHandler, None, Some(1))).await.unwrap();

        let both = UserAccess {
            role: Role::GridWorker,
            scope_region: Some(GRID.into()),
            scope_department: Some(1),
            can_unmask: false,
            active: true,
        };
        assert_eq!(field(update_access(store, &admin, worker.id, &both).await), "scope", "{label}");
        let disabled = UserAccess { scope_department: None, active: false, ..both };
        let after = update_access(store, &admin, worker.id, &disabled).await.unwrap();
        assert!(!after.active, "{label}");
        t.cleanup().await;
    }
}
