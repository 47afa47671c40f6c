//! Contacting the requester (issue 11 item 2): the lead unit or the dispatcher reveals the
//! requester's full phone number of a case. Like a resident's unmask, every reveal is an audit
//! record (the masked number, never the number itself), written before the number is
//! returned, and a person may reveal only so many numbers an hour.

use super::Cases;
use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use tongxin_domain::kernel::access::Scope;

/// The audit action of a reveal.
pub const PHONE_REVEAL_ACTION: &str = "case.phone_reveal";
/// Reveals per person and hour (the full-number search allows 60; one case page needs one).
pub const PHONE_REVEALS_PER_HOUR: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum RevealRefused {
    #[error("查看完整号码过于频繁（每人每小时最多 {PHONE_REVEALS_PER_HOUR} 次），请稍后再试")]
    RateLimited,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Cases<'_> {
    /// The requester's full phone number of a case in `scope` (`None`: the case has none),
    /// audited. Who may ask is the caller's rule; past [`PHONE_REVEALS_PER_HOUR`] the reveal is
    /// refused and leaves no record — the count and the record share the audit head's lock, so
    /// parallel reveals cannot slip past the limit.
    pub async fn reveal_phone(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<Option<String>, RevealRefused> {
        let c = self.get(scope, id).await?;
        let sql = "SELECT phone_cipher FROM cases WHERE id = $1";
        let cipher: Option<Vec<u8>> = on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_one(p).await)
            .map_err(StoreError::from)?;
        let Some(cipher) = cipher else { return Ok(None) };
        let phone = self.store.pii().decrypt(&cipher)?;
        let masked = tongxin_domain::kernel::mask::mask_phone(&phone);
        let entry = AuditEntry::new(PHONE_REVEAL_ACTION, "case", id)
            .detail(format!("查看诉求 {} 诉求人完整手机号 {masked}", c.code));
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        if let Some(user) = actor.user_id {
            let since = now - chrono::Duration::hours(1);
            let n: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND action = $2 AND at > $3")
                    .bind(user)
                    .bind(PHONE_REVEAL_ACTION)
                    .bind(since)
                    .fetch_one(c)
                    .await
            })
            .map_err(StoreError::from)?;
            if n > PHONE_REVEALS_PER_HOUR {
                // Dropping the transaction leaves no record of the refused reveal.
                return Err(RevealRefused::RateLimited);
            }
        }
        tx.commit().await?;
        Ok(Some(phone))
    }
}
