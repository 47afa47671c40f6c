//! The SQLite and PostgreSQL migration trees must build the same schema, not only carry the same
//! versions: per table the same columns (and nullability), and the same indexes (name, table,
//! unique or not, indexed columns). Both trees are applied to fresh stores and the resulting
//! catalogues compared; a failure names each differing table, column or index.

use std::collections::BTreeMap;
use tongxin_store::Db;
use tongxin_testkit::{postgres_from_env, sqlite_store};

/// Differences that are the point of having two trees: full-text search is an FTS5 virtual
/// table (with its shadow tables) on SQLite and a table with a `tsvector` column and a GIN index
/// on PostgreSQL. Each must still occur, so this list cannot outlive the difference it excuses.
const ENGINE_SPECIFIC: [&str; 8] = [
    "column case_fts.words: NOT NULL is false in sqlite, true in postgres",
    "column case_fts.rowid: only in migrations/postgres",
    "column case_fts.tsv: only in migrations/postgres",
    "table case_fts_config: only in migrations/sqlite",
    "table case_fts_data: only in migrations/sqlite",
    "table case_fts_docsize: only in migrations/sqlite",
    "table case_fts_idx: only in migrations/sqlite",
    "index case_fts_tsv on case_fts: only in migrations/postgres",
];

/// A column: (name, NOT NULL).
type Columns = Vec<(String, bool)>;

/// An index: the table it is on, whether it is unique, its key columns (an expression key as
/// `<expr>`: SQLite and PostgreSQL print expressions differently).
#[derive(Debug, PartialEq)]
struct Index {
    table: String,
    unique: bool,
    columns: Vec<String>,
}

#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, Columns>,
    indexes: BTreeMap<String, Index>,
}

/// Tables that exist on one backend only by design: SQLite's own bookkeeping and sqlx's.
fn is_internal(table: &str) -> bool {
    table.starts_with("sqlite_") || table == "_sqlx_migrations"
}

fn plain_column(key: &str) -> String {
    let key = key.trim_matches('"');
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        key.to_string()
    } else {
        "<expr>".to_string()
    }
}

async fn sqlite_schema(db: &Db) -> Schema {
    let Db::Sqlite { read: pool, .. } = db else { panic!("not SQLite") };
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(pool)
        .await
        .unwrap();
    for table in tables.into_iter().filter(|t| !is_internal(t)) {
        let cols: Vec<(String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name, \"notnull\", pk FROM pragma_table_xinfo('{table}') WHERE hidden <> 1"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        // A primary key column is NOT NULL in PostgreSQL; SQLite reports it nullable.
        schema.tables.insert(table.clone(), cols.into_iter().map(|(n, nn, pk)| (n, nn != 0 || pk != 0)).collect());
        let indexes: Vec<(String, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name, \"unique\", origin FROM pragma_index_list('{table}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        // Only indexes written as CREATE INDEX: those behind PRIMARY KEY / UNIQUE constraints
        // are named by each engine on its own.
        for (name, unique, _) in indexes.into_iter().filter(|(_, _, origin)| origin == "c") {
            let keys: Vec<(Option<String>,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"
            )))
            .fetch_all(pool)
            .await
            .unwrap();
            let columns = keys.into_iter().map(|(k,)| k.map(|k| plain_column(&k)).unwrap_or("<expr>".into())).collect();
            schema.indexes.insert(name, Index { table: table.clone(), unique: unique != 0, columns });
        }
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let Db::Postgres(pool) = db else { panic!("not PostgreSQL") };
    let mut schema = Schema::default();
    let cols: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, column, nullable) in cols.into_iter().filter(|(t, ..)| !is_internal(t)) {
        schema.tables.entry(table).or_default().push((column, nullable == "NO"));
    }
    // Indexes not backing a constraint (PRIMARY KEY, UNIQUE, EXCLUDE): the CREATE INDEX ones.
    let indexes: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text, x.indisunique, \
                ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k) \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (name, table, unique, keys) in indexes.into_iter().filter(|(_, t, ..)| !is_internal(t)) {
        let columns = keys.iter().map(|k| plain_column(k)).collect();
        schema.indexes.insert(name, Index { table, unique, columns });
    }
    schema
}

/// Every difference between the two schemas, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (table, lite) in &sqlite.tables {
        let Some(pg) = postgres.tables.get(table) else {
            out.push(format!("table {table}: only in migrations/sqlite"));
            continue;
        };
        for (column, not_null) in lite {
            match pg.iter().find(|(c, _)| c == column) {
                None => out.push(format!("column {table}.{column}: only in migrations/sqlite")),
                Some((_, pg_not_null)) if pg_not_null != not_null => out.push(format!(
                    "column {table}.{column}: NOT NULL is {not_null} in sqlite, {pg_not_null} in postgres"
                )),
                Some(_) => {}
            }
        }
        for (column, _) in pg.iter().filter(|(c, _)| !lite.iter().any(|(l, _)| l == c)) {
            out.push(format!("column {table}.{column}: only in migrations/postgres"));
        }
    }
    for table in postgres.tables.keys().filter(|t| !sqlite.tables.contains_key(*t)) {
        out.push(format!("table {table}: only in migrations/postgres"));
    }
    for (name, lite) in &sqlite.indexes {
        match postgres.indexes.get(name) {
            None => out.push(format!("index {name} on {}: only in migrations/sqlite", lite.table)),
            Some(pg) if pg != lite => out.push(format!("index {name}: sqlite {lite:?}, postgres {pg:?}")),
            Some(_) => {}
        }
    }
    for (name, pg) in postgres.indexes.iter().filter(|(n, _)| !sqlite.indexes.contains_key(*n)) {
        out.push(format!("index {name} on {}: only in migrations/postgres", pg.table));
    }
    out
}

#[tokio::test]
async fn both_migration_trees_build_the_same_tables_columns_and_indexes() {
    let lite = sqlite_store().await;
    let Some(pg) = postgres_from_env().await else { return };
    let (sqlite, postgres) = (sqlite_schema(&lite.store.db).await, postgres_schema(&pg.store.db).await);
    assert!(sqlite.tables.len() > 10 && !sqlite.indexes.is_empty(), "catalogue read: {sqlite:?}");
    let diff = differences(&sqlite, &postgres);
    let unexpected: Vec<&String> = diff.iter().filter(|d| !ENGINE_SPECIFIC.contains(&d.as_str())).collect();
    let gone: Vec<&&str> = ENGINE_SPECIFIC.iter().filter(|e| !diff.iter().any(|d| d == *e)).collect();
    assert!(
        unexpected.is_empty(),
        "the migration trees differ:\n  {}",
        unexpected.iter().map(|d| d.as_str()).collect::<Vec<_>>().join("\n  ")
    );
    assert!(gone.is_empty(), "no longer different, drop from ENGINE_SPECIFIC: {gone:?}");
}
