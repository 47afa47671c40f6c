//! Issue 9, R7: an online SQLite backup under load is a consistent database of its own: its
//! audit chain verifies, its rows agree with its audit records, and its key check holds.

use crate::common;

use chrono::NaiveDate;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::pii::KeyCheck;
use tongxin_store::residents::NewResident;
use tongxin_store::{Actor, Db, PiiKey, Store, StoreError, on_read};
use tongxin_testkit::{sqlite_store, test_key};

fn resident(n: u32) -> NewResident {
    let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Duration::days(i64::from(n / 900));
    NewResident {
        id: 0,
        household_id: None,
        grid_code: common::GRID_A.into(),
        name: format!("居民{n}"),
        id_number: IdNumber::compose("330702", birth, (n % 900) as u16 + 1),
        phone: None,
        relation: "其他".into(),
        tags: vec![],
    }
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn a_backup_taken_under_load_opens_verified_and_consistent() {
    let t = sqlite_store().await;
    let store = t.store.clone();
    assert_eq!(store.check_pii_key().await.unwrap(), KeyCheck::Created);
    common::seed_two_grids(&store, |_| String::new()).await;

    // Writers: residents registered one by one, each with its audit record, plus audit events.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..2u32 {
        let (s, stop) = (store.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let actor = Actor::system("load");
            let mut n = w;
            while !stop.load(Ordering::Relaxed) {
                s.residents().create(&Scope::All, &actor, resident(n)).await.unwrap();
                s.audit()
                    .record(&actor, tongxin_store::audit::AuditEntry::new("test.event", "thing", n))
                    .await
                    .unwrap();
                n += 2;
            }
            n
        }));
    }
    while count(&store, "SELECT COUNT(*) FROM residents").await < 40 {
        tokio::task::yield_now().await;
    }
    let dir = tongxin_testkit::temp_dir("backup");
    let copy_path = dir.path().join("copy.db");
    store.backup_sqlite(&copy_path).await.unwrap();
    // A second backup to the same name is refused, never overwritten.
    assert!(matches!(store.backup_sqlite(&copy_path).await, Err(StoreError::Invalid(_))));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy_path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // The copy, opened as a restore would.
    let db = Db::connect(copy_path.to_str().unwrap()).await.unwrap();
    db.migrate().await.unwrap();
    let copy = Store::new(db, test_key(), t.clock.clone());
    assert_eq!(copy.check_pii_key().await.unwrap(), KeyCheck::Matched, "the key check travels with the copy");
    let wrong = Store::new(copy.db.clone(), PiiKey::from_master(&[1; 32]), t.clock.clone());
    assert_eq!(wrong.check_pii_key().await.unwrap(), KeyCheck::Mismatch);
    let verified = copy.audit().verify().await.unwrap().expect("the copy's chain verifies");
    assert_eq!(verified, count(&copy, "SELECT seq FROM audit_head").await);
    let residents = count(&copy, "SELECT COUNT(*) FROM residents").await;
    assert!(residents >= 40, "the copy was taken after 40 residents: {residents}");
    assert_eq!(
        residents,
        count(&copy, "SELECT COUNT(*) FROM audit_log WHERE action = 'resident.create'").await,
        "every resident with its record, nothing half-written"
    );
    let counts = copy.row_counts().await.unwrap();
    assert!(counts.contains(&("residents", residents)));
    copy.db.close().await;
    t.cleanup().await;
}
