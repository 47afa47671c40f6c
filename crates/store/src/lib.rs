//! Tongxin's storage adapter.
//!
//! [`Store`] is the one handle the web and CLI layers use: it owns the pools ([`Db`]), the key
//! that encrypts personal data ([`PiiKey`]) and the clock. The queries live in per-feature
//! repositories reached from it — `store.residents()`, `store.accounts()` (users, sessions, API
//! tokens), `store.visits()`, `store.party()`, `store.departments()`, `store.places()`,
//! `store.regions()`, `store.audit()`, `store.settings()`, `store.cases()`, `store.categories()`,
//! `store.outbox()`, `store.open311()`, `store.mediation()` (organisations, mediators, disputes), `store.petitions()` (信访) and `store.exchange()` (batched lookups for bulk import
//! and export) — each in the module of that name. Bulk-loading free functions
//! (`insert_regions`, `insert_buildings` …) stay free functions in their feature's module. Every query is one SQL text with `$N` placeholders that runs unchanged on SQLite
//! and PostgreSQL; every read takes the caller's scope and filters by code prefix range.

/// Declares a repository: a thin, copyable view over [`Store`] holding one feature's queries,
/// and the `Store` accessor that returns it (`store.residents().search(…)`). The view borrows the
/// handle's pools, PII key and clock; it holds no state of its own.
macro_rules! repository {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            pub(crate) store: &'a $crate::Store,
        }

        impl $crate::Store {
            $(#[$doc])*
            pub fn $accessor(&self) -> $name<'_> {
                $name { store: self }
            }
        }
    };
}

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod batcher;
pub mod bulk;
pub mod case_pages;
pub mod cases;
pub mod db;
pub mod error;
pub mod exchange;
pub mod mediation;
pub mod party;
pub mod petitions;
pub mod pii;
pub mod places;
pub mod regions;
pub mod residents;
pub mod settings;
pub mod visits;

pub use db::{Backend, Db, Tx};
pub use error::StoreError;
pub use pii::PiiKey;

use chrono::{DateTime, Utc};
use std::sync::Arc;
use tongxin_domain::kernel::clock::Clock;

#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
    pii: Arc<PiiKey>,
    clock: Arc<dyn Clock>,
}

impl Store {
    pub fn new(db: Db, pii: PiiKey, clock: Arc<dyn Clock>) -> Store {
        Store { db, pii: Arc::new(pii), clock }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The same database and keys read on another clock: the demo plays its past through the
    /// use-cases at the times things happened.
    pub fn on_clock(&self, clock: Arc<dyn Clock>) -> Store {
        Store { db: self.db.clone(), pii: self.pii.clone(), clock }
    }

    pub fn pii(&self) -> &PiiKey {
        &self.pii
    }
}

/// Who did something, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    /// Work done by the command line or a background job rather than a person.
    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, name: format!("system:{what}") }
    }
}

/// A page of a long list: 1-based page number and page size (capped at 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Default for Page {
    fn default() -> Page {
        Page { page: 1, per_page: 20 }
    }
}

impl Page {
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Page {
        Page { page: page.unwrap_or(1).max(1), per_page: per_page.unwrap_or(20).clamp(1, Page::MAX_PER_PAGE) }
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page.clamp(1, Page::MAX_PER_PAGE))
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page.max(1) - 1) * self.limit()
    }
}

/// A page of results with the total count, as list endpoints return it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    /// `total` is a lower bound: there are more (long queues are not counted to the end).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

/// A row type that decodes on both backends.
pub trait BothRows:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin
{
}
impl<T> BothRows for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

impl Store {
    /// One page of a scoped list and its total. `filter` binds `$1`/`$2` to the scope's code
    /// range and `$3` to an optional id (0 for none); the page binds `$4`/`$5`.
    #[allow(clippy::too_many_arguments)] // the parts of one SQL text, named at each call
    pub(crate) async fn scoped_page<T: BothRows>(
        &self,
        columns: &str,
        from: &str,
        filter: &str,
        order: &str,
        (lo, hi): (&str, &str),
        key: i64,
        page: Page,
    ) -> Result<Paged<T>, StoreError> {
        let sql = format!("SELECT {columns} FROM {from} WHERE {filter} ORDER BY {order} LIMIT $4 OFFSET $5");
        let items = on_read!(&self.db, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .bind(key)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(p)
                .await
        })?;
        let count = format!("SELECT COUNT(*) FROM {from} WHERE {filter}");
        let total = on_read!(&self.db, |p| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str())).bind(lo).bind(hi).bind(key).fetch_one(p).await
        })?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }
}
