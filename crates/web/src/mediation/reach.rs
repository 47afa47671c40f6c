//! What the leaders' pages (figures, daily list, risk map) read: the caller's disputes (their
//! [`Viewer`](tongxin_store::mediation::Viewer)), optionally narrowed to a community or grid
//! of their scope (`?area=`; another area is the 404 page), and the petitions of the same
//! area for those who read petitions.

use super::views::viewer;
use crate::AppState;
use crate::ui::{PageError, PageResult, Staff};
use tongxin_domain::kernel::access::{Action, Scope, role_may};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::mediation::Viewer;

pub(super) struct Reach {
    pub viewer: Viewer,
    /// The narrower area asked for, if any.
    pub area: Option<String>,
    /// The petitions read with the figures; `None` for a caller who reads no petitions.
    pub petitions: Option<Scope>,
    /// "城东街道", "桃园社区", or "全部辖区" — what the page covers.
    pub name: String,
    /// `area=…&` for links that keep the area, or empty.
    pub query: String,
}

/// The caller's reach for the leaders' pages (the 403 page for roles without them).
pub(super) async fn reach(s: &AppState, staff: &Staff, asked: &str) -> PageResult<Reach> {
    staff.require(Action::ReadDisputeStats)?;
    let scope = staff.scope();
    let area = match asked.trim() {
        "" => None,
        a => {
            let code = RegionCode::parse(a).map_err(|_| PageError::NotFound)?;
            if !scope.covers_people_at(code.as_str()) {
                return Err(PageError::NotFound);
            }
            Some(code)
        }
    };
    let petitions = role_may(staff.user.role, Action::ReadPetitions).then(|| match &area {
        Some(code) => Scope::Region { code: code.clone() },
        None => scope.clone(),
    });
    let named = area.as_ref().map(|c| c.as_str().to_string()).unwrap_or_else(|| scope.places_prefix().to_string());
    let name = if named.is_empty() {
        "全部辖区".to_string()
    } else {
        s.store.regions().get(scope, &named).await.map(|r| r.name).map_err(|_| PageError::NotFound)?
    };
    let query = area.as_ref().map(|c| format!("area={}&", c.as_str())).unwrap_or_default();
    Ok(Reach { viewer: viewer(staff), area: area.map(|c| c.as_str().to_string()), petitions, name, query })
}

/// `?format=`: the page (empty) or an xlsx workbook.
pub(super) fn wants_xlsx(format: &str) -> PageResult<bool> {
    match format.trim() {
        "" | "html" => Ok(false),
        "xlsx" => Ok(true),
        other => Err(PageError::User(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!("导出格式“{}”无效，应为 xlsx", other.chars().take(20).collect::<String>()),
        )),
    }
}
