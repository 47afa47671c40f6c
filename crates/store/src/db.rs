//! One database handle over SQLite or PostgreSQL. Every query is one SQL text with `$N`
//! placeholders; the `on_read!`/`on_tx!` macros expand the same statement for
//! whichever pool is in use, so no handler is generic over the database.

use crate::error::StoreError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The connection pools. SQLite has one writer, so writes go through a pool of one connection
/// (no two write transactions ever contend for the lock) and reads through a separate pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// An open write transaction on either backend.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction on the single SQLite writer connection, begun and ended by hand rather
/// than with sqlx's `Transaction` (issue 9 item 0). When a write failed ("database or disk is
/// full"), sqlx's ROLLBACK could fail too — SQLite had already rolled back by itself, or a
/// statement of the transaction (an `UPDATE … RETURNING` read for one row) was still in
/// progress — and its depth counter stayed at 1: every later "transaction" was a savepoint, and
/// its "commit" a release inside a transaction that never committed — 201s for reports that
/// were never saved, codes handed out again. Here any failure of BEGIN, COMMIT or ROLLBACK
/// discards the connection, which rolls back whatever it held, and the pool opens a fresh one
/// (checked writable by `writable_probe`): no state of a failed write survives into the next.
pub struct SqliteTx {
    conn: Option<PoolConnection<Sqlite>>,
}

impl std::ops::Deref for SqliteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("transaction is open")
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("transaction is open")
    }
}

/// Closes a writer connection whose state is unknown instead of returning it to the pool.
async fn discard(conn: PoolConnection<Sqlite>) {
    let _ = conn.close().await;
}

impl SqliteTx {
    async fn begin(pool: &SqlitePool) -> Result<SqliteTx, StoreError> {
        // A second try on a fresh connection: the first may have been left inside a transaction
        // (a rollback task that never ran) or opened read-only before write access returned.
        let mut last = None;
        for _ in 0..2 {
            let mut conn = pool.acquire().await?;
            match conn.execute("BEGIN IMMEDIATE").await {
                Ok(_) => return Ok(SqliteTx { conn: Some(conn) }),
                Err(e) => {
                    discard(conn).await;
                    last = Some(e);
                }
            }
        }
        Err(last.expect("tried").into())
    }

    async fn commit(mut self) -> Result<(), StoreError> {
        let mut conn = self.conn.take().expect("transaction is open");
        match conn.execute("COMMIT").await {
            Ok(_) => Ok(()),
            Err(e) => {
                discard(conn).await;
                Err(e.into())
            }
        }
    }
}

impl Drop for SqliteTx {
    /// Not committed (an error, a conflict, a cancelled request): roll back, and discard the
    /// connection if even that fails (SQLite already rolled back, or the connection is broken).
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if conn.execute("ROLLBACK").await.is_err() {
                        discard(conn).await;
                    }
                });
            }
            // No runtime to roll back on: closing the connection rolls the transaction back.
            Err(_) => conn.close_on_drop(),
        }
    }
}

/// Checks that the writer connection can really write: SQLite opens a file it may not write
/// read-only without saying so, and such a connection even begins write transactions — only
/// the first page written fails. So the probe writes the header's `user_version` (unchanged)
/// and rolls back (issue 9 R5).
async fn writable_probe(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    conn.execute("BEGIN IMMEDIATE").await?;
    let write = async {
        let v: Vec<i64> = sqlx::query_scalar("PRAGMA user_version").fetch_all(&mut *conn).await?;
        let sql = format!("PRAGMA user_version = {}", v.first().copied().unwrap_or(0));
        conn.execute(sqlx::AssertSqlSafe(sql)).await
    };
    let wrote = write.await;
    let rolled_back = conn.execute("ROLLBACK").await;
    wrote?;
    rolled_back?;
    Ok(())
}

fn not_writable(path: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(format!(
        "数据库文件 {path} 无法写入（{e}）。请检查该文件及其所在目录的写权限、磁盘空间和文件系统是否只读，然后重新启动。"
    ))
}

/// Runs `$body` with `$pool` bound to a pool that may serve reads.
#[macro_export]
macro_rules! on_read {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { read: $pool, .. } => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens `sqlite://path` (created if missing) or `postgres://…`. A bare path means SQLite.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(StoreError::unavailable)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(StoreError::unavailable)?;
            // A standby or a read-only default would answer every write with an error: refuse
            // to start instead (issue 9 R5). A database that turns read-only later only fails
            // those writes (503); PostgreSQL connections carry no state of a failed write.
            let read_only: String = sqlx::query_scalar("SHOW transaction_read_only")
                .fetch_one(&pool)
                .await
                .map_err(StoreError::unavailable)?;
            if read_only == "on" {
                pool.close().await;
                return Err(StoreError::Unavailable(
                    "PostgreSQL 数据库处于只读状态（备库或 default_transaction_read_only），无法写入。请连接可写的主库后重新启动。"
                        .into(),
                ));
            }
            return Ok(Db::Postgres(pool));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Memory-mapped reads avoid the shared page-cache lock of the bundled build.
            .pragma("mmap_size", "1073741824")
            // A multi-row statement inside a transaction keeps a statement journal (to undo just
            // that statement); in memory instead of a temporary file, and with 64 MB of page cache
            // instead of 2 MB a large write (a load, an import) does not spill pages before commit.
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // A new writer connection that cannot write is made query-only, so its first
            // BEGIN fails and `SqliteTx` discards it: writes answer 503 until the file is
            // writable again, then resume without a restart.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if let Err(e) = writable_probe(conn).await {
                        tracing::error!(error = %e, "数据库写连接无法写入，写入暂停，直到数据库可写");
                        conn.execute("PRAGMA query_only = 1").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts.clone())
            .await
            .map_err(|e| not_writable(path, e))?;
        // Refuse to start on a database that cannot be written (issue 9 R5). Later, a writer
        // connection that fails to begin a write is replaced (see `SqliteTx`), so writes
        // resume once the file is writable again.
        let probe = async {
            let mut conn = write.acquire().await?;
            writable_probe(&mut conn).await
        };
        if let Err(e) = probe.await {
            write.close().await;
            return Err(not_writable(path, e));
        }
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts.read_only(true))
            .await
            .map_err(StoreError::unavailable)?;
        Ok(Db::Sqlite { read, write })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await.unwrap_or(0);
        match self {
            Db::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
        .map_err(|e| StoreError::unavailable(format!("数据库迁移失败：{e}")))?;
        let applied = self.applied_migrations().await?.saturating_sub(before);
        if applied > 0 && before > 0 {
            // A migration that adds an index leaves SQLite's planner without statistics for it,
            // and an index without statistics can look best: at 5 M cases the open queue took
            // a new (street, open, created_at) index and sorted the street's open cases (336 ms
            // a page instead of 0.5 ms). PostgreSQL plans from column statistics.
            // Sampled (`analysis_limit`): at start-up, a full ANALYZE of millions of cases would
            // read every index; a sample is enough to rank them. The writer pool has one
            // connection, so the limit is set and reset on the connection that analyses.
            if let Db::Sqlite { write, .. } = self {
                let mut conn = write.acquire().await?;
                for sql in ["PRAGMA analysis_limit = 1000", "ANALYZE", "PRAGMA analysis_limit = 0"] {
                    sqlx::query(sql).execute(&mut *conn).await?;
                }
            }
        }
        Ok(applied)
    }

    async fn applied_migrations(&self) -> Result<usize, StoreError> {
        let sql = "SELECT COUNT(*) FROM _sqlx_migrations";
        let n: i64 = match self {
            Db::Sqlite { write, .. } => sqlx::query_scalar(sql).fetch_one(write).await,
            Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        }?;
        Ok(n as usize)
    }

    /// Versions of the embedded migrations of each backend (a test checks they match).
    pub fn migration_versions(backend: Backend) -> Vec<i64> {
        let m = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.iter().map(|m| m.version).collect()
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(SqliteTx::begin(write).await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Refreshes planner statistics after bulk loads; on PostgreSQL also vacuums, which sets
    /// the visibility map that index-only scans (counts over large scopes) depend on.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite { write, .. } => sqlx::query("ANALYZE").execute(write).await.map(|_| ()),
            Db::Postgres(pool) => sqlx::query("VACUUM ANALYZE").execute(pool).await.map(|_| ()),
        }?;
        Ok(())
    }

    /// The server processes of this pool's connections (PostgreSQL; none for SQLite, which runs
    /// in this process), for benchmarks that measure the database's CPU time.
    pub async fn server_pids(&self) -> Result<Vec<i64>, StoreError> {
        match self {
            Db::Sqlite { .. } => Ok(Vec::new()),
            Db::Postgres(pool) => {
                let sql = "SELECT pid::BIGINT FROM pg_stat_activity WHERE datname = current_database()";
                Ok(sqlx::query_scalar(sql).fetch_all(pool).await?)
            }
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}
