//! Test support for every crate's tests (a dev-dependency only, never shipped).
//!
//! - [`sqlite_store`] / [`postgres_store`]: a fresh, migrated store. SQLite lives in a temporary
//!   directory; PostgreSQL gets a schema of its own so tests run in parallel without seeing
//!   each other, and a [`SchemaGuard`] drops that schema when the store is dropped — also when
//!   the test panics.
//! - [`both_backends!`]: one test body, emitted as a `sqlite` and a `postgres` test.
//! - [`World`]: the region tree, departments, buildings and households a test starts from.

mod world;

pub use world::{Built, World};

use chrono::TimeZone;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tongxin_domain::kernel::clock::ManualClock;
use tongxin_store::regions::Boundary;
use tongxin_store::{Db, PiiKey, Store, StoreError};

/// The project's one generator of random test data: seeded, so a failing input comes back on
/// the next run. (Secrets use `rand`'s system generator; the demo uses the same ChaCha.)
pub fn seeded_rng(seed: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

pub use rand::RngExt;

/// Re-exported so tests name one temporary-directory type.
pub use tempfile::TempDir;

/// The PostgreSQL server tests use; unset means SQLite only.
pub const POSTGRES_ENV: &str = "TONGXIN_TEST_POSTGRES_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A store under test with its clock. Dropping it removes what it created: the SQLite file's
/// directory, or the PostgreSQL schema (through its [`SchemaGuard`]).
pub struct TestStore {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub label: &'static str,
    /// Declared before `_dir` only for symmetry; each field cleans up on its own.
    _schema: Option<SchemaGuard>,
    _dir: Option<TempDir>,
}

impl TestStore {
    /// The PostgreSQL schema this store lives in (`None` on SQLite).
    pub fn schema(&self) -> Option<&str> {
        self._schema.as_ref().map(|g| g.schema.as_str())
    }

    /// Closes the pool, then drops the schema (the guard does that when `self` goes).
    pub async fn cleanup(self) {
        self.store.db.close().await;
    }
}

/// Drops a PostgreSQL test schema on drop, on a thread of its own with its own runtime, so it
/// runs even while a panicking test unwinds its runtime. Connections still open in the schema
/// (tagged with the schema name as `application_name`) are terminated first: a panic can leave
/// one inside a transaction holding locks that would block `DROP SCHEMA`.
pub struct SchemaGuard {
    url: String,
    schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let pool = PgPoolOptions::new().max_connections(1).connect(&url).await?;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&schema)
                .execute(&pool)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("note: test schema {} not dropped: {e}", self.schema),
            Err(_) => eprintln!("note: test schema {} not dropped: the cleanup thread panicked", self.schema),
        }
    }
}

/// The PII key every test store uses.
pub fn test_key() -> PiiKey {
    PiiKey::from_master(&[7u8; 32])
}

/// 2026-11-22 09:00 Shanghai time.
pub fn test_clock() -> Arc<ManualClock> {
    let start = chrono::Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).single().expect("a valid instant");
    Arc::new(ManualClock::new(start))
}

/// A temporary directory named after `tag`, removed on drop.
pub fn temp_dir(tag: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("tongxin-{tag}-")).tempdir().expect("create temp dir")
}

/// A fresh SQLite store in a temporary directory.
pub async fn sqlite_store() -> TestStore {
    let dir = temp_dir("db");
    let path = dir.path().join("test.db");
    let db = Db::connect(path.to_str().expect("utf-8 path")).await.expect("open sqlite");
    db.migrate().await.expect("migrate sqlite");
    let clock = test_clock();
    TestStore {
        store: Store::new(db, test_key(), clock.clone()),
        clock,
        label: "SQLite",
        _schema: None,
        _dir: Some(dir),
    }
}

/// A fresh PostgreSQL store at `url`, in a new schema dropped when the store is.
pub async fn postgres_store(url: &str) -> Result<TestStore, StoreError> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let schema = format!("tx_test_{}_{n}", std::process::id());
    let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await?;
    admin.close().await;
    // From here on the schema exists: the guard drops it whatever happens next.
    let guard = SchemaGuard { url: url.to_string(), schema: schema.clone() };
    let opts = PgConnectOptions::from_str(url)
        .map_err(StoreError::unavailable)?
        .options([("search_path", schema.as_str())])
        .application_name(&schema);
    let pool = PgPoolOptions::new().max_connections(4).connect_with(opts).await?;
    let db = Db::Postgres(pool);
    db.migrate().await?;
    let clock = test_clock();
    Ok(TestStore {
        store: Store::new(db, test_key(), clock.clone()),
        clock,
        label: "PostgreSQL",
        _schema: Some(guard),
        _dir: None,
    })
}

/// The PostgreSQL store named by [`POSTGRES_ENV`], or `None` (with a note) when it is unset.
/// A set-but-unreachable URL fails loudly rather than skipping.
pub async fn postgres_from_env() -> Option<TestStore> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => {
            Some(postgres_store(&url).await.unwrap_or_else(|e| panic!("connect to {POSTGRES_ENV}: {e:?}")))
        }
        _ => {
            eprintln!("note: {POSTGRES_ENV} not set; skipping the PostgreSQL run of this test");
            None
        }
    }
}

/// Every backend under test: SQLite, and PostgreSQL when the environment names one. Prefer
/// [`both_backends!`], which reports each backend as its own test.
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

/// A square boundary of `side` degrees with its north-west corner at (lng, lat).
pub fn square(lng: f64, lat: f64, side: f64) -> Boundary {
    let (e, s) = (lng + side, lat - side);
    Boundary {
        geojson: format!(
            "{{\"type\":\"Polygon\",\"coordinates\":[[[{lng},{lat}],[{e},{lat}],[{e},{s}],[{lng},{s}],[{lng},{lat}]]]}}"
        ),
        bbox: [lng, s, e, lat],
    }
}

/// A rectangle from its south-west (x0, y0) to its north-east (x1, y1) corner, counter-clockwise
/// from the south-west, as serde_json writes it (the GeoJSON an import file would carry).
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Boundary {
    let polygon = serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    });
    Boundary { geojson: polygon.to_string(), bbox: [x0, y0, x1, y1] }
}

/// Emits each test body twice, as `<name>::sqlite` and `<name>::postgres`, each with a fresh
/// [`TestStore`] bound to the given name. The PostgreSQL test passes with a note when
/// `TONGXIN_TEST_POSTGRES_URL` is unset and fails when it is set but unreachable. The store is
/// dropped at the end of the body or while a panic unwinds, which drops its schema.
///
/// ```ignore
/// both_backends! {
///     /// What the test proves.
///     async fn visits_are_recorded(t: TestStore) {
///         let s = &t.store;
///         // …
///     }
/// }
/// ```
#[macro_export]
macro_rules! both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($t:ident : TestStore) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test]
                async fn sqlite() {
                    let $t = $crate::sqlite_store().await;
                    $body
                }

                #[tokio::test]
                async fn postgres() {
                    let Some($t) = $crate::postgres_from_env().await else { return };
                    $body
                }
            }
        )*
    };
}
