//! Tongxin's storage adapter.
//!
//! [`Store`] is the one handle the web and CLI layers use: it owns the pools ([`Db`]), the key
//! that encrypts personal data ([`PiiKey`]) and the clock. Each file holds the queries of one
//! aggregate. Every query is one SQL text with `$N` placeholders that runs unchanged on SQLite
//! and PostgreSQL; every read takes the caller's scope and filters by code prefix range.

pub mod audit;
pub mod bulk;
pub mod db;
pub mod error;
pub mod exchange;
pub mod party;
pub mod pii;
pub mod places;
pub mod regions;
pub mod residents;
pub mod testing;
pub mod users;

pub use db::{Backend, Db, Tx};
pub use error::StoreError;
pub use pii::PiiKey;

use chrono::{DateTime, Utc};
use std::sync::Arc;
use tongxin_domain::clock::Clock;

#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
    pii: Arc<PiiKey>,
    clock: Arc<dyn Clock>,
}

impl Store {
    pub fn new(db: Db, pii: PiiKey, clock: Arc<dyn Clock>) -> Store {
        Store {
            db,
            pii: Arc::new(pii),
            clock,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
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
        Actor {
            user_id: None,
            name: format!("system:{what}"),
        }
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
        Page {
            page: 1,
            per_page: 20,
        }
    }
}

impl Page {
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Page {
        Page {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(20).clamp(1, Page::MAX_PER_PAGE),
        }
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
}
