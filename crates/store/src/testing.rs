//! Test support: a fresh, migrated store on every backend under test. SQLite always (a file in
//! a temporary directory); PostgreSQL when `TONGXIN_TEST_POSTGRES_URL` is set, in a schema of
//! its own so tests run in parallel without seeing each other.

use crate::{Db, PiiKey, Store, StoreError};
use chrono::TimeZone;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tongxin_domain::clock::ManualClock;

pub const POSTGRES_ENV: &str = "TONGXIN_TEST_POSTGRES_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A store under test with its clock; dropping it leaves the PostgreSQL schema for inspection
/// until [`TestStore::cleanup`] (tests call it at the end) or the next run's sweep.
pub struct TestStore {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub label: &'static str,
    schema: Option<(String, String)>,
    _dir: Option<TempDir>,
}

impl TestStore {
    pub async fn cleanup(self) {
        self.store.db.close().await;
        if let Some((url, schema)) = self.schema
            && let Ok(pool) = PgPoolOptions::new().max_connections(1).connect(&url).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                .execute(&pool)
                .await;
            pool.close().await;
        }
    }
}

/// A directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("tongxin-{tag}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn test_key() -> PiiKey {
    PiiKey::from_master(&[7u8; 32])
}

/// 2026-11-22 09:00 Shanghai time.
pub fn test_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()))
}

pub async fn sqlite_store() -> TestStore {
    let dir = TempDir::new("db");
    let path = dir.0.join("test.db");
    let db = Db::connect(path.to_str().expect("utf-8 path")).await.expect("open sqlite");
    db.migrate().await.expect("migrate sqlite");
    let clock = test_clock();
    TestStore {
        store: Store::new(db, test_key(), clock.clone()),
        clock,
        label: "SQLite",
        schema: None,
        _dir: Some(dir),
    }
}

pub async fn postgres_store(url: &str) -> Result<TestStore, StoreError> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let schema = format!("tx_test_{}_{n}", std::process::id());
    let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await?;
    admin.close().await;
    let opts =
        PgConnectOptions::from_str(url).map_err(StoreError::unavailable)?.options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new().max_connections(4).connect_with(opts).await?;
    let db = Db::Postgres(pool);
    db.migrate().await?;
    let clock = test_clock();
    Ok(TestStore {
        store: Store::new(db, test_key(), clock.clone()),
        clock,
        label: "PostgreSQL",
        schema: Some((url.to_string(), schema)),
        _dir: None,
    })
}

/// Every backend under test: SQLite, and PostgreSQL when the environment names one.
/// A set-but-unreachable PostgreSQL URL fails loudly rather than skipping.
pub async fn all_stores() -> Vec<TestStore> {
    let mut out = vec![sqlite_store().await];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => {
            out.push(postgres_store(&url).await.expect("connect to TONGXIN_TEST_POSTGRES_URL"))
        }
        _ => eprintln!("note: {POSTGRES_ENV} not set; this storage test runs on SQLite only"),
    }
    out
}

/// A square boundary of `side` degrees with its north-west corner at (lng, lat), for fixtures.
pub fn square(lng: f64, lat: f64, side: f64) -> crate::regions::Boundary {
    let (e, s) = (lng + side, lat - side);
    crate::regions::Boundary {
        geojson: format!(
            "{{\"type\":\"Polygon\",\"coordinates\":[[[{lng},{lat}],[{e},{lat}],[{e},{s}],[{lng},{s}],[{lng},{lat}]]]}}"
        ),
        bbox: [lng, s, e, lat],
    }
}
