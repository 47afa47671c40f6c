//! Recording a grid worker's visit to a household (走访): the domain's rules decide, reported
//! per field; the store checks the household is in scope and saves the visit with its audit
//! record in one transaction.

use crate::error::AppError;
use tongxin_domain::kernel::access::Scope;
use tongxin_store::visits::{NewVisit, Visit};
use tongxin_store::{Actor, Store};

pub async fn record(store: &Store, scope: &Scope, actor: &Actor, visit: &NewVisit) -> Result<Visit, AppError> {
    if actor.user_id.is_none() {
        return Err(AppError::invalid("visited_by", "走访须由登录用户记录"));
    }
    tongxin_domain::people::visit::check(&visit.kind, &visit.note, visit.visited_at, store.now())
        .map_err(|p| AppError::Invalid { field: p.field, message: p.message })?;
    Ok(store.visits().record(scope, actor, visit).await?)
}
