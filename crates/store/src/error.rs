//! The one storage error: what callers can act on, not which driver failed.
//!
//! Two failures of the database itself are kept apart because callers answer them differently:
//! an outage ([`StoreError::Unavailable`]: pool timeout or closed, IO, a full disk, a lost
//! connection) is worth retrying and is a 503; a bug ([`StoreError::Internal`]: SQL the database
//! does not understand, a value that does not decode, a protocol error) will fail again and is a
//! logged, opaque 500. Both keep the driver's error as their [`std::error::Error::source`].

use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    /// A unique key was taken or an optimistic version was stale.
    #[error("{0}")]
    Conflict(String),
    /// The data itself is unacceptable (a foreign key points nowhere, a check failed).
    #[error("{0}")]
    Invalid(String),
    /// The database could not do the work now; retrying later may succeed. The detail is for the
    /// log, not the user.
    #[error("数据库暂不可用：{0}")]
    Unavailable(#[source] Cause),
    /// The query or the stored data is wrong (a bug or a corrupt row): retrying will not help.
    /// Logged with its source and answered as an opaque 500.
    #[error("数据库内部错误：{0}")]
    Internal(#[source] Cause),
}

/// The detail of an outage or a bug: a message for the log and, when the driver raised it, the
/// driver's error (shared so that [`StoreError`] stays `Clone`).
#[derive(Debug, Clone)]
pub struct Cause {
    message: String,
    source: Option<Arc<sqlx::Error>>,
}

impl Cause {
    /// The driver's error this came from, if any.
    pub fn driver_error(&self) -> Option<&sqlx::Error> {
        self.source.as_deref()
    }

    /// A stored value could not be decoded: the row is bad, not the query.
    pub fn is_corrupt_row(&self) -> bool {
        matches!(self.driver_error(), Some(sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_)))
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Two causes are the same failure when they say the same thing (the driver's error has no
/// equality of its own).
impl PartialEq for Cause {
    fn eq(&self, other: &Cause) -> bool {
        self.message == other.message
    }
}
impl Eq for Cause {}

impl From<String> for Cause {
    fn from(message: String) -> Cause {
        Cause { message, source: None }
    }
}

impl From<&str> for Cause {
    fn from(message: &str) -> Cause {
        Cause { message: message.to_string(), source: None }
    }
}

impl From<sqlx::Error> for Cause {
    fn from(e: sqlx::Error) -> Cause {
        Cause { message: e.to_string(), source: Some(Arc::new(e)) }
    }
}

impl StoreError {
    pub fn unavailable(e: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(Cause::from(e.to_string()))
    }

    pub fn stale() -> StoreError {
        StoreError::Conflict("数据已被他人修改，请刷新后重试".into())
    }

    /// Why the row being worked on is unusable — refused data or a stored value that cannot be
    /// read back — as a background job records when it sets the row aside (issue 9 R6). `None`
    /// for failures that are not the row's fault.
    pub fn bad_row_reason(&self) -> Option<String> {
        match self {
            StoreError::Invalid(reason) => Some(reason.clone()),
            StoreError::Internal(cause) if cause.is_corrupt_row() => {
                Some(format!("数据库中的记录已损坏，无法读取：{cause}"))
            }
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("记录重复（{}）", db.constraint().unwrap_or("唯一约束")))
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Invalid("引用的记录不存在".into())
            }
            sqlx::Error::Database(db) if db.is_check_violation() => StoreError::Invalid("数据不符合约束".into()),
            // PostgreSQL's "data exception" class (e.g. a NUL character in text): the data was
            // refused, not the database down — a batch retries its requests one by one on it.
            sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("22")) => {
                StoreError::Invalid("数据含有无法保存的字符或格式".into())
            }
            // SQL the database does not understand: PostgreSQL's "syntax error or access rule
            // violation" class (undefined column or table, bad syntax) and SQLite's generic
            // SQLITE_ERROR (1), which it raises for the same mistakes.
            sqlx::Error::Database(db) if is_bad_sql(db.code().as_deref(), dialect_of(db.as_ref())) => {
                StoreError::Internal(Cause::from(e))
            }
            // A stored value that cannot be read back (a corrupt row; a background job sets such
            // a row aside, see `bad_row_reason`), or a query that does not fit its row type or
            // the protocol: bugs, not outages.
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::Encode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::TypeNotFound { .. }
            | sqlx::Error::Protocol(_)
            | sqlx::Error::Configuration(_)
            | sqlx::Error::InvalidArgument(_) => StoreError::Internal(Cause::from(e)),
            // Pool timeout or closed, IO, TLS, a crashed worker, a full disk, a lost connection,
            // and anything else: the database cannot do the work now.
            _ => StoreError::Unavailable(Cause::from(e)),
        }
    }
}

/// Which dialect raised a database error, as far as its codes need telling apart.
#[derive(Clone, Copy)]
enum Dialect {
    Sqlite,
    Postgres,
}

fn dialect_of(db: &dyn sqlx::error::DatabaseError) -> Dialect {
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() { Dialect::Sqlite } else { Dialect::Postgres }
}

fn is_bad_sql(code: Option<&str>, dialect: Dialect) -> bool {
    match (dialect, code) {
        (Dialect::Postgres, Some(c)) => c.starts_with("42"),
        (Dialect::Sqlite, Some(c)) => c == "1",
        (_, None) => false,
    }
}
