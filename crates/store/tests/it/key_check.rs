//! Issue 9, R2: a database restored without its `tongxin.key` silently got a new key. The key's
//! check value is stored at first use and compared at every start, on both backends.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::NaiveDate;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::pii::{KEY_CHECK_SETTING, KeyCheck, key_in_use};
use tongxin_store::residents::NewResident;
use tongxin_store::{Db, PiiKey, Store};
use tongxin_testkit::TestStore;

fn with_key(t: &TestStore, master: u8) -> Store {
    Store::new(t.store.db.clone(), PiiKey::from_master(&[master; 32]), t.clock.clone())
}

async fn one_resident(store: &Store) {
    let now = store.now();
    common::seed_two_grids(store, |_| String::new()).await;
    let mut tx = store.db.begin().await.unwrap();
    let r = NewResident {
        id: 1,
        household_id: Some(1),
        grid_code: common::GRID_A.into(),
        name: "王建国".into(),
        id_number: IdNumber::compose("330702", NaiveDate::from_ymd_opt(1948, 3, 9).unwrap(), 1),
        phone: None,
        relation: "户主".into(),
        tags: vec![],
    };
    store.residents().insert_many(&mut tx, &[r], now).await.unwrap();
    tx.commit().await.unwrap();
}

async fn exec(db: &Db, sql: &'static str) {
    match db {
        Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

both_backends! {
    async fn a_fresh_database_records_the_key_and_refuses_any_other(t: TestStore) {
        assert!(!key_in_use(&t.store.db).await.unwrap(), "{}: fresh", t.label);
        assert_eq!(t.store.check_pii_key().await.unwrap(), KeyCheck::Created, "{}", t.label);
        let stored = t.store.settings().get(KEY_CHECK_SETTING).await.unwrap().unwrap();
        assert_eq!(stored, t.store.pii().check_value());
        assert!(!stored.contains(&"07".repeat(32)), "the check value is not the key");
        assert!(key_in_use(&t.store.db).await.unwrap(), "{}: a missing key file must not be made anew", t.label);

        assert_eq!(t.store.check_pii_key().await.unwrap(), KeyCheck::Matched, "{}: the right key", t.label);
        assert_eq!(with_key(&t, 9).check_pii_key().await.unwrap(), KeyCheck::Mismatch, "{}: a new key", t.label);
        assert_eq!(t.store.check_pii_key().await.unwrap(), KeyCheck::Matched, "{}: unchanged by a refusal", t.label);
    }
}

both_backends! {
    /// A database from before check values: its encrypted data decides which key is right.
    async fn a_database_from_before_check_values_is_judged_by_its_data(t: TestStore) {
        one_resident(&t.store).await;
        assert!(key_in_use(&t.store.db).await.unwrap(), "{}: encrypted data", t.label);
        assert_eq!(with_key(&t, 9).check_pii_key().await.unwrap(), KeyCheck::Mismatch, "{}", t.label);
        assert_eq!(
            t.store.settings().get(KEY_CHECK_SETTING).await.unwrap(),
            None,
            "{}: a wrong key records nothing",
            t.label
        );
        assert_eq!(t.store.check_pii_key().await.unwrap(), KeyCheck::Adopted, "{}", t.label);
        assert_eq!(t.store.check_pii_key().await.unwrap(), KeyCheck::Matched, "{}", t.label);
        // The check value removed: the data still tells a wrong key.
        exec(&t.store.db, "DELETE FROM settings WHERE key = 'pii_key_check'").await;
        assert_eq!(with_key(&t, 9).check_pii_key().await.unwrap(), KeyCheck::Mismatch, "{}", t.label);
    }
}
