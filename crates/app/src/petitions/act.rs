//! Acting on a petition: any [`Action`] through `decide`, saved atomically and guarded by the
//! version the actor saw.

use super::notices::{notices_for, timers_for};
use super::{PetitionError, Who, audit_action, domain_actor};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::petition::{Action, decide};
use tongxin_store::audit::AuditEntry;
use tongxin_store::mediation::Viewer;
use tongxin_store::petitions::{PetitionChange, PetitionView};
use tongxin_store::{Store, StoreError};

/// The petition as `who` may read it, still at `expected_version`.
async fn load(store: &Store, who: &Who, id: i64, expected_version: i64) -> Result<PetitionView, PetitionError> {
    let p = store.petitions().get(&who.scope(), id).await?;
    if p.version != expected_version {
        return Err(StoreError::Conflict("该信访件刚被他人处理过，请刷新后重试".into()).into());
    }
    Ok(p)
}

/// Performs `action` on a petition `who` may read, if it is still at `expected_version`.
///
/// The domain checks the status, the actor and the data first (on the working calendar the
/// admin keeps); only then are the action's references checked against the records — the unit
/// a petition is transferred to (a department or grid on record), the dispute a mediation names
/// (one of the petition's street) — so a refused action never reads them.
pub async fn act(
    store: &Store,
    who: &Who,
    id: i64,
    expected_version: i64,
    action: Action,
) -> Result<PetitionView, PetitionError> {
    let p = load(store, who, id, expected_version).await?;
    let actor = domain_actor(who, &p);
    let now = store.now();
    let cal = crate::mediation::calendar(store).await?;
    let decision = decide(&p.state, &actor, &action, now, &cal)?;
    if let Action::Transfer { unit, .. } = &action
        && !crate::cases::config::unit_exists(store, unit).await?
    {
        return Err(PetitionError::invalid("unit", format!("承办单位不存在：{unit}")));
    }
    if let Action::Mediate { dispute_id, .. } = &action {
        let street = RegionCode::parse(&p.street_code).map_err(|_| StoreError::Invalid("街道代码有误".into()))?;
        let viewer = Viewer::Staff(Scope::Region { code: street });
        store.mediation().get(&viewer, *dispute_id).await.map_err(|e| match e {
            StoreError::NotFound => {
                PetitionError::invalid("dispute_id", format!("矛盾纠纷（编号{dispute_id}）不存在或不在本街道"))
            }
            other => other.into(),
        })?;
    }
    let timers = timers_for(&decision.state, now, &cal);
    let notices = notices_for(&p, &decision);
    let audit = AuditEntry::new(&audit_action(&action), "petition", p.id)
        .before(digest_of(&p.state))
        .after(digest_of(&decision.state))
        .detail(format!("{} {}", p.code, action.kind().label()));
    let change = PetitionChange { id: p.id, expected_version: p.version, decision: &decision, timers, notices, audit };
    Ok(store.petitions().save(&who.store_actor(), change).await?)
}

/// 调解化解 (art 33): the petition is resolved by the mediation of dispute `dispute_id`, which
/// must exist in the petition's street; the link is kept both ways (`petition_dispute_links`
/// and the state's `dispute_id`).
pub async fn mediate(
    store: &Store,
    who: &Who,
    id: i64,
    expected_version: i64,
    dispute_id: i64,
    note: &str,
) -> Result<PetitionView, PetitionError> {
    act(store, who, id, expected_version, Action::Mediate { dispute_id, note: note.to_string() }).await
}
