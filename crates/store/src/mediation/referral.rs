//! 转调解 written whole: the dispute a case becomes and the case closed as 已转调解, in one
//! transaction — a failure of either part leaves neither.

use super::Mediation;
use super::read::DisputeView;
use super::write::NewDispute;
use crate::audit::{AuditEntry, append};
use crate::cases::write::CaseChange;
use crate::error::StoreError;
use crate::{Actor, on_tx};

/// The kind of the case event a referral writes (`tongxin_domain::case::EventKind`).
const REFERRED_EVENT: &str = "referred_to_mediation";

impl Mediation<'_> {
    /// Applies the case's decided change (its 转调解) and registers `dispute`, referred from that
    /// case, in one transaction. The case goes first: a stale version fails before anything is
    /// written, and a failure of the dispute (its code, its parties) undoes the case's change.
    /// The case's 转调解 event then names the dispute (`dispute_id`, `dispute_code` in its data).
    /// `phone_copied`: the requester's number was copied onto a party, recorded as a use of the
    /// number (`case.phone_use`) in the same transaction.
    pub async fn refer_case(
        &self,
        actor: &Actor,
        dispute: NewDispute,
        case: CaseChange<'_>,
        phone_copied: bool,
    ) -> Result<DisputeView, StoreError> {
        let case_id = case.case_id;
        if dispute.decision.state.referred_case_id != Some(case_id) {
            return Err(StoreError::Invalid("转调解的纠纷应指向原诉求".into()));
        }
        let event = case.effects.events.iter().find(|e| e.kind == REFERRED_EVENT).map(|e| e.data.clone());
        let Some(event) = event else {
            return Err(StoreError::Invalid("诉求的变更不是转调解".into()));
        };
        let mut tx = self.store.db.begin().await?;
        self.store.cases().apply_in(&mut tx, actor, case).await?;
        let view = self.create_in(&mut tx, actor, dispute).await?;
        let mut data: serde_json::Value =
            serde_json::from_str(&event).unwrap_or_else(|_| serde_json::Value::Object(Default::default()));
        data["dispute_id"] = view.id.into();
        data["dispute_code"] = view.code.clone().into();
        let sql = "UPDATE case_events SET data = $1 WHERE case_id = $2 AND kind = $3";
        on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(data.to_string())
            .bind(case_id)
            .bind(REFERRED_EVENT)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if phone_copied {
            let entry = AuditEntry::new("case.phone_use", "case", case_id)
                .detail(format!("转调解：诉求人手机号登记为纠纷 {} 的当事人", view.code));
            append(&mut tx, self.store.pii(), self.store.now(), actor, entry).await?;
        }
        tx.commit().await?;
        Ok(view)
    }
}
