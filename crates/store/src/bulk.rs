//! Multi-row inserts for loads (demo data, imports): one `INSERT … VALUES (…), (…)` per chunk,
//! the same SQL text on both backends. Rows carry ids the caller reserved with [`reserve_ids`],
//! so children can reference parents without a round trip per row.

use crate::db::Tx;
use crate::error::StoreError;
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;

/// One bound value. Each variant keeps its type even when NULL, so PostgreSQL sees a typed NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(bool),
    Date(Option<NaiveDate>),
    Ts(DateTime<Utc>),
    /// A nullable timestamp (typed, so PostgreSQL sees a timestamptz NULL).
    TsOpt(Option<DateTime<Utc>>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::I64(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(Some(v.to_string()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(Some(v))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::Text(v)
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Val {
        Val::Bytes(Some(v))
    }
}
impl From<Option<Vec<u8>>> for Val {
    fn from(v: Option<Vec<u8>>) -> Val {
        Val::Bytes(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}
impl From<NaiveDate> for Val {
    fn from(v: NaiveDate) -> Val {
        Val::Date(Some(v))
    }
}
impl From<Option<NaiveDate>> for Val {
    fn from(v: Option<NaiveDate>) -> Val {
        Val::Date(v)
    }
}
impl From<Option<DateTime<Utc>>> for Val {
    fn from(v: Option<DateTime<Utc>>) -> Val {
        Val::TsOpt(v)
    }
}
impl From<DateTime<Utc>> for Val {
    fn from(v: DateTime<Utc>) -> Val {
        Val::Ts(v)
    }
}

/// Bound parameters per statement, by backend. Both stay far below the limits (SQLite 32,766,
/// PostgreSQL 65,535). SQLite keeps `$N` parameters in a list it searches linearly, both when it
/// parses a statement and when sqlx asks each parameter's name to bind it, so a statement's cost
/// grows with the square of its parameters: at 2,000 that lookup took over a quarter of intake's
/// CPU. SQLite has no round trip to save, so small statements are cheaper there (and a full chunk's
/// text repeats, so its prepared statement is reused); PostgreSQL keeps ~2,000 to save round trips.
pub(crate) fn params_per_statement(tx: &Tx) -> usize {
    match tx {
        Tx::Sqlite(_) => 256,
        Tx::Postgres(_) => 2_000,
    }
}

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    sql
}

macro_rules! bind_all {
    ($q:expr, $rows:expr) => {{
        let mut q = $q;
        for row in $rows {
            for v in row {
                q = match v {
                    Val::I64(x) => q.bind(*x),
                    Val::F64(x) => q.bind(*x),
                    Val::Text(x) => q.bind(x.as_deref()),
                    Val::Bytes(x) => q.bind(x.as_deref()),
                    Val::Bool(x) => q.bind(*x),
                    Val::Date(x) => q.bind(*x),
                    Val::Ts(x) => q.bind(*x),
                    Val::TsOpt(x) => q.bind(*x),
                };
            }
        }
        q
    }};
}

/// Inserts `rows` (each as long as `columns`) in as few statements as the parameter limits allow.
pub async fn insert_rows(tx: &mut Tx, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<u64, StoreError> {
    insert_rows_then(tx, table, columns, rows, "").await
}

/// [`insert_rows`] with a clause after the values, e.g. `ON CONFLICT … DO UPDATE SET c = t.c +
/// excluded.c` (both backends read `excluded`); the rows must not repeat a conflict key.
pub async fn insert_rows_then(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Val>],
    then: &str,
) -> Result<u64, StoreError> {
    if rows.iter().any(|r| r.len() != columns.len()) {
        return Err(StoreError::Invalid(format!("{table}: 列数与值数不一致")));
    }
    let per_chunk = (params_per_statement(tx) / columns.len().max(1)).max(1);
    let mut written = 0;
    for chunk in rows.chunks(per_chunk) {
        let mut sql = insert_sql(table, columns, chunk.len());
        if !then.is_empty() {
            sql.push(' ');
            sql.push_str(then);
        }
        written += on_tx!(tx, |c| bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), chunk)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(written)
}

/// Reserves `n` consecutive ids of `table` for rows the caller is about to insert in this
/// transaction; returns the first. The write lock (SQLite) or [`sync_id_sequence`] afterwards
/// (PostgreSQL) keeps later single-row inserts from colliding.
pub async fn reserve_ids(tx: &mut Tx, table: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    // Planned on every call, not prepared once per connection: PostgreSQL keeps a prepared
    // parameterless statement's first plan, and one made while the table was empty scans the
    // whole table on every later call until statistics change (never, with autovacuum off).
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.as_str())).persistent(false).fetch_one(c).await)?)
}

/// After inserting explicit ids, moves PostgreSQL's identity sequence past them (SQLite's
/// `INTEGER PRIMARY KEY` always continues from the largest id, so nothing is needed there).
pub async fn sync_id_sequence(tx: &mut Tx, table: &str) -> Result<(), StoreError> {
    if let Tx::Postgres(t) = tx {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        );
        sqlx::query(AssertSqlSafe(sql.as_str())).execute(&mut **t).await?;
    }
    Ok(())
}

/// Drops the non-unique indexes of `tables` in `tx`, for a load much larger than the tables
/// (building an index once from sorted rows is far cheaper than updating a score of B-trees row
/// by row); returns their definitions for [`create_indexes`]. Both are part of the load's one
/// transaction, so a failed load leaves the indexes as they were.
pub async fn drop_indexes(tx: &mut Tx, tables: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut defs = Vec::new();
    for table in tables {
        // The catalogs differ: the one statement that cannot be shared.
        let found: Vec<(String, String)> = match tx {
            Tx::Sqlite(t) => {
                let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
                           AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'";
                sqlx::query_as(sql).bind(*table).fetch_all(&mut **t).await?
            }
            Tx::Postgres(t) => {
                let sql = "SELECT indexname::TEXT, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                           AND tablename = $1 AND indexdef NOT LIKE 'CREATE UNIQUE%'";
                sqlx::query_as(sql).bind(*table).fetch_all(&mut **t).await?
            }
        };
        for (name, def) in found {
            let drop = format!("DROP INDEX {name}");
            on_tx!(tx, |c| sqlx::query(AssertSqlSafe(drop.as_str())).execute(c).await.map(|_| ()))?;
            defs.push(def);
        }
    }
    Ok(defs)
}

/// Builds the indexes [`drop_indexes`] dropped.
pub async fn create_indexes(tx: &mut Tx, defs: &[String]) -> Result<(), StoreError> {
    for def in defs {
        on_tx!(tx, |c| sqlx::query(AssertSqlSafe(def.as_str())).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::insert_sql;

    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(insert_sql("t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
