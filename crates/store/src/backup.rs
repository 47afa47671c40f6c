//! Online backup of a SQLite database (issue 9, R7). `VACUUM INTO` writes a consistent snapshot
//! (one read transaction) to a new file while writers go on; unlike a page-by-page copy it
//! never restarts when the database changes under it. PostgreSQL has `pg_dump` for this.

use crate::error::StoreError;
use crate::{Db, Store};
use std::path::Path;

/// Tables whose row counts a backup reports (and a restore can compare).
pub const COUNTED_TABLES: [&str; 5] = ["residents", "households", "cases", "users", "audit_log"];

impl Store {
    /// Writes a consistent copy of a SQLite database to `target`, which must not exist; the
    /// file is created 0600 first (it holds personal data). PostgreSQL: `Invalid`.
    pub async fn backup_sqlite(&self, target: &Path) -> Result<(), StoreError> {
        let Db::Sqlite { read, .. } = &self.db else {
            return Err(StoreError::Invalid("PostgreSQL 数据库请用 pg_dump 备份".into()));
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(target).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                StoreError::Invalid(format!("备份文件 {} 已存在，请换一个文件名", target.display()))
            }
            _ => StoreError::unavailable(format!("无法创建备份文件 {}：{e}", target.display())),
        })?;
        let name = target.to_string_lossy().into_owned();
        // A reader connection: the snapshot does not hold the writer up.
        let done = sqlx::query("VACUUM INTO $1").bind(&name).execute(read).await;
        if let Err(e) = done {
            let _ = std::fs::remove_file(target);
            return Err(StoreError::unavailable(format!("备份失败：{e}")));
        }
        Ok(())
    }

    /// Row counts of [`COUNTED_TABLES`], for the backup report.
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut out = Vec::new();
        for table in COUNTED_TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = crate::on_read!(&self.db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_one(p)
                .await)?;
            out.push((table, n));
        }
        Ok(out)
    }
}
