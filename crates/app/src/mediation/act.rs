//! Acting on a dispute: any [`Action`] through `decide`, any 司法确认 step through
//! `decide_confirmation`, saved atomically and guarded by the version the actor saw.

use super::notices::{notices_for, timers_for};
use super::{DisputeError, Who, audit_action, calendar, domain_actor, today};
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::mediation::scan::check_scan;
use tongxin_domain::mediation::{Action, ConfirmationAction, Decision, decide, decide_confirmation};
use tongxin_store::audit::AuditEntry;
use tongxin_store::mediation::{DisputeChange, DisputeView, NewDisputeFile, file_ref};
use tongxin_store::{Store, StoreError};

/// The dispute as `who` may read it, still at `expected_version`.
async fn load(store: &Store, who: &Who, id: i64, expected_version: i64) -> Result<DisputeView, DisputeError> {
    let d = store.mediation().get(&who.viewer(), id).await?;
    if d.version != expected_version {
        return Err(StoreError::Conflict("该纠纷刚被他人处理过，请刷新后重试".into()).into());
    }
    Ok(d)
}

/// Performs `action` on a dispute `who` may read, if it is still at `expected_version`.
///
/// The domain checks the status and the actor first, on the action as sent; only then are its
/// references read from the records — the organisation a transfer goes to (active, over the
/// dispute's place, visible to the actor), the mediators assigned (their standing today; of the
/// holding organisation unless the parties chose them, art 19), the risk level by its code in
/// the configuration — and the action decided again with them, so nothing the client claims
/// about them counts.
pub async fn act(
    store: &Store,
    who: &Who,
    id: i64,
    expected_version: i64,
    action: Action,
) -> Result<DisputeView, DisputeError> {
    let d = load(store, who, id, expected_version).await?;
    let actor = domain_actor(store, who, id, Some(&d.state)).await?;
    let now = store.now();
    let mut decision = decide(&d.state, &actor, &action, now)?;
    if let Some(resolved) = resolve(store, who, &d, &action).await? {
        decision = decide(&d.state, &actor, &resolved, now)?;
    }
    let label = action.kind().label();
    save(store, who, &d, decision, audit_action(&action), label, Vec::new()).await
}

/// Records a 司法确认 step (人民调解法 art 33) on a dispute `who` may read, if it is still at
/// `expected_version`; the court's periods run on the admin's working calendar.
pub async fn confirm(
    store: &Store,
    who: &Who,
    id: i64,
    expected_version: i64,
    action: ConfirmationAction,
) -> Result<DisputeView, DisputeError> {
    let d = load(store, who, id, expected_version).await?;
    let actor = domain_actor(store, who, id, Some(&d.state)).await?;
    let cal = calendar(store).await?;
    let decision = decide_confirmation(&d.state, &actor, &action, store.now(), &cal)?;
    let kind = action.kind();
    save(store, who, &d, decision, format!("dispute.confirmation.{}", kind.as_str()), kind.label(), Vec::new()).await
}

/// 人民调解法 art 25: a risk of violence — the 派出所 and the street's 矛调中心 are told at once
/// (urgent in-app notices through the outbox, written with the report).
pub async fn report_violence(
    store: &Store,
    who: &Who,
    id: i64,
    expected_version: i64,
    note: &str,
) -> Result<DisputeView, DisputeError> {
    act(store, who, id, expected_version, Action::ReportViolence { note: note.to_string() }).await
}

/// The action with its references read from the records; `None` when it has none.
async fn resolve(store: &Store, who: &Who, d: &DisputeView, action: &Action) -> Result<Option<Action>, DisputeError> {
    Ok(match action {
        Action::Transfer { to, reason } => {
            let org = match who.user() {
                Some(user) => store.mediation().org(&user.scope, to.id).await,
                None => store.mediation().org_by_id(to.id).await,
            }
            .map_err(|_| DisputeError::invalid("to", "调解组织不存在或不在您的管辖范围内"))?;
            if !org.active {
                return Err(DisputeError::invalid("to", "该调解组织已停用"));
            }
            let area = d.grid_code.as_deref().or(d.community_code.as_deref()).unwrap_or(&d.street_code);
            if !area.starts_with(&org.region_code) {
                return Err(DisputeError::invalid("to", format!("{}不受理此地的纠纷", org.name)));
            }
            Some(Action::Transfer { to: org.reference(), reason: reason.clone() })
        }
        Action::AssignMediators { mediators, chosen_by_parties } => {
            let today = today(store);
            let mut refs = Vec::with_capacity(mediators.len());
            for m in mediators {
                let record = store.mediation().mediator(m.id).await.map_err(|e| match e {
                    StoreError::NotFound => DisputeError::invalid("mediators", format!("调解员（编号{}）不存在", m.id)),
                    other => other.into(),
                })?;
                // 人民调解法 art 19: the committee assigns its mediators; the parties may choose.
                if !chosen_by_parties && record.mediator.org_id != d.org_id {
                    let name = &record.mediator.name;
                    return Err(DisputeError::invalid("mediators", format!("调解员{name}不属于{}", d.org_name)));
                }
                refs.push(record.mediator.standing(today));
            }
            Some(Action::AssignMediators { mediators: refs, chosen_by_parties: *chosen_by_parties })
        }
        Action::AssessRisk { risk, note } => {
            let levels = store.mediation().risk_levels().await?;
            let level = tongxin_domain::mediation::risk::find_risk_level(&levels, &risk.code)
                .ok_or_else(|| DisputeError::invalid("risk", format!("风险等级“{}”不存在", risk.code)))?;
            Some(Action::AssessRisk { risk: level.clone(), note: note.clone() })
        }
        _ => None,
    })
}

/// The signed written agreement takes effect (人民调解法 art 29: every party, the mediator and
/// the committee's seal): the signatures as the mediator records them, and the photo or scan of
/// the signed paper, which the 调解工作档案 keeps (art 27) — required here, checked (a PDF or an
/// image of at most 10 MB, by its bytes) and written in the transaction of the decision that
/// names it.
pub async fn sign_with_scan(
    store: &Store,
    who: &Who,
    id: i64,
    expected_version: i64,
    signed: Signatures,
    scan: Vec<u8>,
) -> Result<DisputeView, DisputeError> {
    let kind = check_scan(&scan).map_err(|e| DisputeError::invalid("scan", e.to_string()))?;
    let d = load(store, who, id, expected_version).await?;
    let actor = domain_actor(store, who, id, Some(&d.state)).await?;
    let action = Action::SignAgreement {
        parties_signed: signed.parties,
        mediator_signed: signed.mediator,
        sealed: signed.sealed,
        scan: Some(file_ref(&scan)),
    };
    let decision = decide(&d.state, &actor, &action, store.now())?;
    let file = NewDisputeFile { purpose: "agreement_scan".into(), content_type: kind.mime().into(), bytes: scan };
    save(store, who, &d, decision, audit_action(&action), action.kind().label(), vec![file]).await
}

/// What the mediator records of the signing (人民调解法 art 29).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signatures {
    /// Every party signed, sealed or fingerprinted.
    pub parties: bool,
    pub mediator: bool,
    /// The committee's (organisation's) seal.
    pub sealed: bool,
}

/// Writes a decision on `d`: its notices, its timers, the files it names, the audit record
/// (before and after digests), all in the store's one transaction.
async fn save(
    store: &Store,
    who: &Who,
    d: &DisputeView,
    decision: Decision,
    action: String,
    label: &str,
    files: Vec<NewDisputeFile>,
) -> Result<DisputeView, DisputeError> {
    let cal = calendar(store).await?;
    let timers = timers_for(&decision.state, &cal);
    let notices = notices_for(store, d, &decision).await?;
    let audit = AuditEntry::new(&action, "dispute", d.id)
        .before(digest_of(&d.state))
        .after(digest_of(&decision.state))
        .detail(format!("{} {label}", d.code));
    let change =
        DisputeChange { id: d.id, expected_version: d.version, decision: &decision, timers, notices, files, audit };
    Ok(store.mediation().save(&who.store_actor(), change).await?)
}
