//! Files kept with a dispute: the signed 调解协议书's photo or scan (人民调解法 arts 27, 29),
//! written in the transaction of the decision that names it ([`super::DisputeChange::files`])
//! and read by whoever may read the dispute. Stored like a case's photos: the bytes, the type
//! the use-case checked, the sha256 reference the state names.

use super::{Mediation, Viewer};
use crate::error::StoreError;
use crate::on_read;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A file to write with a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisputeFile {
    /// `agreement_scan`.
    pub purpose: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// How a stored file is named: its `sha256` column, and the reference the state holds.
pub fn file_ref(bytes: &[u8]) -> String {
    crate::cases::write::photo_ref(bytes)
}

/// A stored file without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DisputeFileInfo {
    pub id: i64,
    pub purpose: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// A stored file's type and bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DisputeFileBytes {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Mediation<'_> {
    /// The files of a dispute the viewer may read, oldest first.
    pub async fn files(&self, viewer: &Viewer, id: i64) -> Result<Vec<DisputeFileInfo>, StoreError> {
        self.get(viewer, id).await?;
        let sql = "SELECT id, purpose, content_type, sha256, length(bytes) AS size, created_at FROM dispute_files \
                   WHERE dispute_id = $1 ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
    }

    /// The latest file with this reference of a dispute the viewer may read.
    pub async fn file_by_ref(&self, viewer: &Viewer, id: i64, sha256: &str) -> Result<DisputeFileBytes, StoreError> {
        self.get(viewer, id).await?;
        let sql = "SELECT content_type, bytes FROM dispute_files WHERE dispute_id = $1 AND sha256 = $2 \
                   ORDER BY id DESC LIMIT 1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(id).bind(sha256).fetch_one(p).await)?)
    }
}
