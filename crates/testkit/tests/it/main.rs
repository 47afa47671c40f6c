//! The testkit's own promises: a PostgreSQL test schema is gone after the test, also after a
//! panic, and the world builder writes what it is given.

// Helpers outside #[test] functions unwrap too: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

use tongxin_testkit::{World, both_backends, postgres_from_env, square};

async fn schema_exists(url: &str, schema: &str) -> bool {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_namespace WHERE nspname = $1")
        .bind(schema)
        .fetch_optional(&pool)
        .await
        .unwrap();
    pool.close().await;
    found.is_some()
}

#[tokio::test]
async fn a_panicking_test_leaves_no_schema_behind() {
    let Some(probe) = postgres_from_env().await else { return };
    let url = std::env::var(tongxin_testkit::POSTGRES_ENV).unwrap();
    drop(probe);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let test = tokio::spawn(async move {
        let t = postgres_from_env().await.unwrap();
        tx.send(t.schema().unwrap().to_string()).unwrap();
        // Leave a transaction open with a lock held, as a failing test may.
        let mut open = t.store.db.begin().await.unwrap();
        tongxin_store::regions::bump_geometry_revision(&mut open).await.unwrap();
        panic!("the test fails here");
    });
    let schema = rx.await.unwrap();
    assert!(test.await.unwrap_err().is_panic());
    assert!(!schema_exists(&url, &schema).await, "schema {schema} left behind after a panic");
}

both_backends! {
    async fn the_world_writes_its_regions_and_departments(t: TestStore) {
        let world = World::new(&t.store)
            .district("330702", "婺城区")
            .street("330702001", "城东街道")
            .community("330702001008", "桃园社区")
            .bounded(square(119.66, 29.09, 0.01))
            .grid("330702001008001", "一网格")
            .department(7, "330702001", "城管执法中队")
            .build()
            .await;
        assert_eq!(world.region("一网格"), "330702001008001");
        assert_eq!(world.department("城管执法中队"), 7);
        let counts = t.store.regions().count_by_level().await.unwrap();
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 4, "{}: {counts:?}", t.label);
    }
}
