//! 转调解 written whole: the dispute a case becomes and the case closed as 已转调解, in one
//! transaction — a failure of either part leaves neither.

use super::Mediation;
use super::read::DisputeView;
use super::write::NewDispute;
use crate::Actor;
use crate::audit::{AuditEntry, append};
use crate::cases::write::CaseChange;
use crate::error::StoreError;

/// The kind of the case event a referral writes (`tongxin_domain::case::EventKind`).
const REFERRED_EVENT: &str = "referred_to_mediation";

impl Mediation<'_> {
    /// Registers `dispute`, referred from the case of `case`, and applies the case's decided
    /// change (its 转调解) in one transaction. The dispute is written first so the case's event
    /// names it (`dispute_id`, `dispute_code` in its data); a stale case version then undoes
    /// both. `phone_copied`: the requester's number was copied onto a party, recorded as a use
    /// of the number (`case.phone_use`) in the same transaction.
    pub async fn refer_case(
        &self,
        actor: &Actor,
        dispute: NewDispute,
        case: CaseChange<'_>,
        phone_copied: bool,
    ) -> Result<DisputeView, StoreError> {
        if dispute.decision.state.referred_case_id != Some(case.case_id) {
            return Err(StoreError::Invalid("转调解的纠纷应指向原诉求".into()));
        }
        let mut tx = self.store.db.begin().await?;
        let view = self.create_in(&mut tx, actor, dispute).await?;
        let mut effects = case.effects.clone();
        for e in effects.events.iter_mut().filter(|e| e.kind == REFERRED_EVENT) {
            let mut data: serde_json::Value =
                serde_json::from_str(&e.data).unwrap_or_else(|_| serde_json::Value::Object(Default::default()));
            data["dispute_id"] = view.id.into();
            data["dispute_code"] = view.code.clone().into();
            e.data = data.to_string();
        }
        let case_id = case.case_id;
        self.store.cases().apply_in(&mut tx, actor, CaseChange { effects: &effects, ..case }).await?;
        if phone_copied {
            let entry = AuditEntry::new("case.phone_use", "case", case_id)
                .detail(format!("转调解：诉求人手机号登记为纠纷 {} 的当事人", view.code));
            append(&mut tx, self.store.pii(), self.store.now(), actor, entry).await?;
        }
        tx.commit().await?;
        Ok(view)
    }
}
