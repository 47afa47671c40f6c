//! Admin-editable settings kept as text in the `settings` table (the working calendar, the
//! deadline policy, evaluation weights), with audited changes.

use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use tongxin_domain::kernel::audit::digest_of;

repository!(
    /// Admin-edited settings stored as key/value text.
    Settings,
    settings
);

impl Settings<'_> {
    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn set(&self, actor: &Actor, key: &str, value: &str) -> Result<(), StoreError> {
        let now = self.store.now();
        let before = self.store.settings().get(key).await?;
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2";
        on_tx!(&mut tx, |c| sqlx::query(sql).bind(key).bind(value).execute(c).await.map(|r| r.rows_affected()))?;
        let entry = AuditEntry::new("setting.update", "setting", key).after(digest_of(&value));
        let entry = match before {
            Some(b) => entry.before(digest_of(&b)),
            None => entry,
        };
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await
    }
}
