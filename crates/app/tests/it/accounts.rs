//! The account use-cases on both backends: the role/scope rule is reported on `scope`; a
//! fitting account is created and its access changed; a password is changed with the current one
//! (ending every session) or reset by an administrator.

use crate::common::GRID;
use tongxin_app::AppError;
use tongxin_app::accounts::{create_user, update_access};
use tongxin_domain::kernel::access::Role;
use tongxin_store::accounts::{NewUser, UserAccess};
use tongxin_store::{Actor, StoreError};
use tongxin_testkit::both_backends;

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

both_backends! {
    async fn accounts_fit_their_role_and_a_misfit_is_reported_on_scope(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        crate::common::seed(store).await;
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
    }
}

both_backends! {
    async fn a_second_factor_is_enrolled_with_its_session_and_a_replacement_needs_the_current_code(t: TestStore) {
        use tongxin_app::accounts::{TotpEnrolment, enable_totp};
        use tongxin_domain::accounts::totp;

        let (store, label) = (&t.store, t.label);
        crate::common::seed(store).await;
        let admin =
            create_user(store, &Actor::system("test"), &new_user("admin", Role::Admin, None, None)).await.unwrap();
        store.accounts().create_session(admin.id, "tok", "csrf", false, chrono::Duration::hours(1)).await.unwrap();
        let field = |r: Result<_, AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{label}: expected a field error, got {other:?}"),
        };
        let secret = [7u8; 20];
        let now = store.now().timestamp();
        let enrol = |code: String| TotpEnrolment { secret: totp::encode_secret(&secret), code, current_code: None };

        assert_eq!(field(enable_totp(store, &admin, "tok", &enrol("000000".into())).await), "code", "{label}");
        let bad_secret = TotpEnrolment { secret: "AAAA".into(), ..enrol(totp::code_at(&secret, now)) };
        assert_eq!(field(enable_totp(store, &admin, "tok", &bad_secret).await), "secret", "{label}");
        enable_totp(store, &admin, "tok", &enrol(totp::code_at(&secret, now))).await.unwrap();
        let session = store.accounts().session("tok").await.unwrap().unwrap();
        assert!(session.second_factor_ok, "{label}: the enrolling session passed the second factor");
        let creds = store.accounts().credentials("admin").await.unwrap();
        assert_eq!(creds.totp_secret.as_deref(), Some(&secret[..]), "{label}");
        assert_eq!(creds.totp_last_step, Some(totp::step_at(now)), "{label}: the proving code is spent");

        let enrolled = store.accounts().user(admin.id).await.unwrap();
        let other = [9u8; 20];
        let replace = TotpEnrolment {
            secret: totp::encode_secret(&other),
            code: totp::code_at(&other, now),
            current_code: Some(totp::code_at(&secret, now)),
        };
        assert_eq!(
            field(enable_totp(store, &enrolled, "tok", &replace).await),
            "current_code",
            "{label}: the current code was already used"
        );
    }
}

both_backends! {
    async fn a_password_change_needs_the_current_one_and_ends_every_session(t: TestStore) {
        use tongxin_app::accounts::password::{HashCost, hash, verify};
        use tongxin_app::accounts::{PasswordChange, change_own_password, reset_password};
        let (store, label) = (&t.store, t.label);
        crate::common::seed(store).await;
        let system = Actor::system("test");
        let mut u = new_user("grid", Role::GridWorker, Some(GRID), None);
        u.password_hash = hash("Tongxin@2026", HashCost::Fast);
        let worker = create_user(store, &system, &u).await.unwrap();
        let mut a = new_user("admin", Role::Admin, None, None);
        a.password_hash = hash("Admin@2026x", HashCost::Fast);
        let admin = create_user(store, &system, &a).await.unwrap();
        let admin_actor = Actor { user_id: Some(admin.id), name: admin.username.clone() };
        store.accounts().create_session(worker.id, "tok", "csrf", false, chrono::Duration::hours(1)).await.unwrap();
        let change = |current: &str, new: &str| PasswordChange {
            current_password: current.into(),
            new_password: new.into(),
        };
        let field = |r: Result<(), AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{label}: expected a field error, got {other:?}"),
        };

        let wrong = change_own_password(store, &worker, &change("wrong", "Better@2027"), HashCost::Fast).await;
        assert_eq!(field(wrong), "current_password", "{label}");
        let weak = change_own_password(store, &worker, &change("Tongxin@2026", "short"), HashCost::Fast).await;
        assert_eq!(field(weak), "new_password", "{label}");
        assert!(store.accounts().session("tok").await.unwrap().is_some(), "{label}: a refused change ends nothing");

        change_own_password(store, &worker, &change("Tongxin@2026", "Better@2027"), HashCost::Fast).await.unwrap();
        let creds = store.accounts().credentials("grid").await.unwrap();
        assert!(verify("Better@2027", &creds.password_hash), "{label}");
        assert!(store.accounts().session("tok").await.unwrap().is_none(), "{label}: every session ended");

        // An administrator resets someone else's password, never their own this way.
        let own = reset_password(store, &admin_actor, &admin, "Other@2027x", HashCost::Fast).await;
        assert_eq!(field(own), "password", "{label}");
        let weak = reset_password(store, &admin_actor, &worker, "weak", HashCost::Fast).await;
        assert_eq!(field(weak), "password", "{label}");
        reset_password(store, &admin_actor, &worker, "Reset@2027x", HashCost::Fast).await.unwrap();
        let creds = store.accounts().credentials("grid").await.unwrap();
        assert!(verify("Reset@2027x", &creds.password_hash), "{label}");
    }
}
