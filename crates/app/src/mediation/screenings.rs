//! 网格排查 (issue 12): the grid worker logs the month's screening of their grid — when, how
//! many disputes it found, a note — and registers each dispute found from it (`register` with
//! source 网格排查 and the screening's id). Logging the same grid and month again updates the
//! month's record (`tongxin_domain::mediation::screening`: one record per grid and month).

use super::DisputeError;
use tongxin_domain::kernel::access::{Action, Scope, role_may};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::mediation::screening::{ScreeningInput, check_screening};
use tongxin_store::Store;
use tongxin_store::accounts::User;
use tongxin_store::mediation::ScreeningLog;

/// A screening as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct ScreeningForm {
    /// The grid's 15-digit code.
    pub grid: String,
    pub input: ScreeningInput,
    /// The version of the month's record the form showed (`None`: none was shown).
    pub version: Option<i64>,
}

/// Logs a screening of a grid in the user's scope: the grid's worker, or a community worker
/// for a grid of the community (`Action::LogScreenings`). Each problem is reported on its field.
pub async fn log_screening(store: &Store, user: &User, form: ScreeningForm) -> Result<ScreeningLog, DisputeError> {
    if !role_may(user.role, Action::LogScreenings) {
        return Err(DisputeError::invalid("grid", "网格排查由网格员或社区工作者记录"));
    }
    let grid = RegionCode::parse(form.grid.trim()).map_err(|_| DisputeError::invalid("grid", "请选择网格"))?;
    if !user.scope.covers_people_at(grid.as_str()) {
        return Err(DisputeError::invalid("grid", "只能记录您负责的网格的排查"));
    }
    store.regions().get(&Scope::All, grid.as_str()).await.map_err(|_| DisputeError::invalid("grid", "该网格不存在"))?;
    let today = super::today(store);
    let screening =
        check_screening(&grid, &form.input, today).map_err(|e| DisputeError::invalid(e.field(), e.to_string()))?;
    let actor = tongxin_store::Actor { user_id: Some(user.id), name: user.username.clone() };
    Ok(store.mediation().log_screening(&actor, user.id, &screening, form.version).await?)
}
