//! Contacting the requester (issue 11 item 2): the lead unit or the dispatcher reveals the
//! requester's full phone number of a case. Like a resident's unmask, every reveal is an audit
//! record (the masked number, never the number itself), written before the number is
//! returned, and a person may reveal only so many numbers an hour.

use super::Cases;
use crate::audit::{AuditEntry, record_limited};
use crate::error::StoreError;
use crate::{Actor, on_read};
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
    /// refused and leaves no record ([`record_limited`]).
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
        if !record_limited(self.store, actor, entry, &[PHONE_REVEAL_ACTION], PHONE_REVEALS_PER_HOUR).await? {
            return Err(RevealRefused::RateLimited);
        }
        Ok(Some(phone))
    }
}

impl Cases<'_> {
    /// The requester's number of a case, for copying it onto the party the requester becomes
    /// when the case is referred to mediation (转调解): read for the system, never shown; the
    /// referral's transaction records the use (`case.phone_use`, see
    /// `store.mediation().refer_case`). `None`: the case has no number.
    pub async fn requester_phone(
        &self,
        case_id: i64,
    ) -> Result<Option<tongxin_domain::kernel::phone::Phone>, StoreError> {
        let sql = "SELECT phone_cipher FROM cases WHERE id = $1";
        let cipher: Option<Vec<u8>> =
            on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(case_id).fetch_one(p).await)?;
        let Some(cipher) = cipher else { return Ok(None) };
        let phone = self.store.pii().decrypt(&cipher)?;
        tongxin_domain::kernel::phone::Phone::parse(&phone)
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("诉求 {case_id} 的手机号无法读取")))
    }
}
