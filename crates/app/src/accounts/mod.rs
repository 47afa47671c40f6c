//! Staff accounts: creating one and changing its access (admin). The role/scope rule is the
//! domain's, reported on the `scope` field here; the store saves the account with its audit
//! record and ends the sessions a change of role or a deactivation must end.

use crate::error::AppError;
use tongxin_domain::account::{SCOPE_MISMATCH, access_fits_role, scope_fits_role};
use tongxin_store::accounts::{NewUser, User, UserAccess};
use tongxin_store::{Actor, Store};

pub async fn create_user(store: &Store, actor: &Actor, new: &NewUser) -> Result<User, AppError> {
    if !scope_fits_role(new.role, new.scope_region.as_deref(), new.scope_department) {
        return Err(AppError::invalid("scope", SCOPE_MISMATCH));
    }
    Ok(store.accounts().create_user(actor, new).await?)
}

pub async fn update_access(store: &Store, actor: &Actor, id: i64, access: &UserAccess) -> Result<User, AppError> {
    if !access_fits_role(access.role, access.scope_region.as_deref(), access.scope_department) {
        return Err(AppError::invalid("scope", SCOPE_MISMATCH));
    }
    Ok(store.accounts().update_access(actor, id, access).await?)
}
