//! The one storage error: what callers can act on, not which driver failed.

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
    /// The database could not do the work; the detail is for the log, not the user.
    #[error("数据库暂不可用：{0}")]
    Unavailable(String),
}

impl StoreError {
    pub fn unavailable(e: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(e.to_string())
    }

    pub fn stale() -> StoreError {
        StoreError::Conflict("数据已被他人修改，请刷新后重试".into())
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
            // A stored value that cannot be read back is a bad row, not an unavailable database
            // (a background job sets such a row aside instead of failing every pass, R6).
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Invalid("数据库中的记录已损坏，无法读取".into())
            }
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}
