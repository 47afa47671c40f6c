//! The audit chain on both backends: tampering is named, and concurrent appends from separate
//! connection pools (as from several server processes) still form one unbroken chain.

use tongxin_domain::audit::ChainBreak;
use tongxin_store::audit::AuditEntry;
use tongxin_store::testing::{TestStore, all_stores};
use tongxin_store::{Actor, Db, Store, on_read};

async fn append_n(store: &Store, n: usize, tag: &str) {
    for i in 0..n {
        store
            .audit(&Actor::system(tag), AuditEntry::new("test.event", "thing", i).detail(format!("{tag}-{i}")))
            .await
            .unwrap();
    }
}

async fn exec(t: &TestStore, sql: &'static str) {
    match &t.store.db {
        Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

#[tokio::test]
async fn tampering_is_reported_at_the_first_broken_link() {
    for t in all_stores().await {
        append_n(&t.store, 6, "a").await;
        assert_eq!(t.store.audit_verify().await.unwrap(), Ok(6), "{}", t.label);

        exec(&t, "UPDATE audit_log SET detail = 'forged' WHERE seq = 4").await;
        assert_eq!(t.store.audit_verify().await.unwrap(), Err(ChainBreak::Altered { seq: 4 }), "{}", t.label);

        exec(&t, "DELETE FROM audit_log WHERE seq = 4").await;
        assert_eq!(
            t.store.audit_verify().await.unwrap(),
            Err(ChainBreak::Missing { seq: 5, expected: 4 }),
            "{}",
            t.label
        );

        exec(&t, "DELETE FROM audit_log WHERE seq >= 4").await;
        assert_eq!(
            t.store.audit_verify().await.unwrap(),
            Err(ChainBreak::Truncated { head: 6, last: 3 }),
            "{}",
            t.label
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_writers_on_separate_pools_extend_one_chain() {
    for t in all_stores().await {
        // A second Store with its own pool onto the same database, like a second server process.
        let other = match &t.store.db {
            Db::Sqlite { .. } => t.store.clone(),
            Db::Postgres(pool) => {
                let opts = pool.connect_options().as_ref().clone();
                let pool2 = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_with(opts).await.unwrap();
                Store::new(Db::Postgres(pool2), tongxin_store::testing::test_key(), t.clock.clone())
            }
        };
        let mut tasks = Vec::new();
        for w in 0..4 {
            let s = if w % 2 == 0 { t.store.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move { append_n(&s, 25, &format!("w{w}")).await }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(t.store.audit_verify().await.unwrap(), Ok(100), "{}", t.label);
        let distinct: i64 = on_read!(&t.store.db, |p| sqlx::query_scalar("SELECT COUNT(DISTINCT seq) FROM audit_log")
            .fetch_one(p)
            .await)
        .unwrap();
        assert_eq!(distinct, 100);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_append_links_like_single_appends() {
    for t in all_stores().await {
        append_n(&t.store, 2, "before").await;
        let mut tx = t.store.db.begin().await.unwrap();
        let entries = (0..50).map(|i| AuditEntry::new("case.create", "case", i)).collect();
        let last =
            tongxin_store::audit::append_many(&mut tx, t.store.now(), &Actor::system("batch"), entries).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(last, 52, "{}", t.label);
        append_n(&t.store, 1, "after").await;
        assert_eq!(t.store.audit_verify().await.unwrap(), Ok(53), "{}", t.label);
        t.cleanup().await;
    }
}
