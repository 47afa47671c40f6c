//! The error of the use-cases outside the case loop (residents, accounts, visits): a broken
//! rule named by the field it belongs to, or the store's error as it is.

use tongxin_store::StoreError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; `field` is the form or JSON field to show it on.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid { field, message: message.into() }
    }
}
