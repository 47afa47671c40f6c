//! 转调解 on a case's page (issue 12): the form (dispute type, organisation, the two sides, the
//! reason), `POST /cases/{id}/refer` through `tongxin_app::mediation::refer_case` (the dispute
//! registered and the case closed as 已转调解 in one transaction), and the "已转调解 → TJ…" line
//! linking the dispute.

use super::pages::{Choice, choices as choice_list};
use crate::AppState;
use crate::ui::error::{PageError, PageResult};
use crate::ui::flash;
use crate::ui::form::CsrfForm;
use crate::ui::staff::Staff;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use tongxin_app::mediation::{CaseReferral, DisputeError, default_org, refer_case};
use tongxin_domain::kernel::access::{Action as Permission, role_may};
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_store::StoreError;
use tongxin_store::cases::read::CaseView;
use tongxin_store::mediation::Viewer;

/// A dispute a case was referred to, as the case page names it.
pub(crate) struct DisputeLink {
    /// The dispute's page, for those who read disputes (department staff see the code only).
    pub href: Option<String>,
    pub code: String,
    pub status: &'static str,
}

/// The choices of the 转调解 form.
#[derive(Default)]
pub(crate) struct ReferChoices {
    pub types: Vec<Choice>,
    /// The organisations in scope, the community's committee (else the street's centre) chosen.
    pub orgs: Vec<Choice>,
    /// The requester's name as the case has it (the applicant's, editable).
    pub requester: String,
}

/// The disputes the case became. Those who read disputes see the ones their viewer may read,
/// linked; department staff (no dispute reader: personal data) only the codes.
pub(crate) async fn links(s: &AppState, staff: &Staff, case_id: i64) -> Result<Vec<DisputeLink>, PageError> {
    let reader = role_may(staff.user.role, Permission::ReadDisputes);
    let viewer = if reader { Viewer::of_user(&staff.user) } else { Viewer::System };
    let disputes = match s.store.mediation().disputes_of_case(&viewer, case_id).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(disputes
        .into_iter()
        .map(|d| DisputeLink {
            href: reader.then(|| format!("/mediation/disputes/{}", d.id)),
            status: d.status.label(),
            code: d.code,
        })
        .collect())
}

/// The form's choices for `c`.
pub(crate) async fn choices(s: &AppState, staff: &Staff, c: &CaseView) -> Result<ReferChoices, PageError> {
    let default = default_org(&s.store, staff.scope(), c).await?.map(|o| o.id.to_string()).unwrap_or_default();
    let orgs = s.store.mediation().orgs(staff.scope()).await?;
    let options = std::iter::once((String::new(), "请选择调解组织".to_string())).chain(
        orgs.into_iter().filter(|o| o.active).map(|o| (o.id.to_string(), format!("{}（{}）", o.name, o.kind.label()))),
    );
    Ok(ReferChoices {
        types: choice_list(
            DisputeType::Neighbourhood.as_str(),
            DisputeType::ALL.iter().map(|t| (t.as_str().to_string(), t.label().to_string())),
        ),
        orgs: choice_list(&default, options),
        requester: c.requester_name.clone().unwrap_or_default(),
    })
}

#[derive(Deserialize)]
pub(crate) struct ReferForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    dispute_type: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    requester_name: String,
    #[serde(default)]
    other_party: String,
    #[serde(default)]
    reason: String,
}

/// `POST /cases/{id}/refer`: 转调解; back to the case page with the dispute's code, or with why not.
pub(crate) async fn refer(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReferForm>,
) -> PageResult<Response> {
    staff.require(Permission::ReadCases)?;
    staff.require(Permission::RegisterDisputes)?;
    let back = format!("/cases/{id}");
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return Err(PageError::User(axum::http::StatusCode::BAD_REQUEST, "表单缺少版本号，请刷新后重试".into()));
    };
    let Some(dispute_type) = DisputeType::parse(&f.dispute_type) else {
        return Ok(flash::redirect(&back, "error", "请选择纠纷类型"));
    };
    let org_id = match f.org_id.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return Ok(flash::redirect(&back, "error", "请从列表中选择调解组织")),
        },
    };
    let form = CaseReferral {
        version,
        dispute_type,
        org_id,
        reason: f.reason,
        requester_name: f.requester_name,
        other_party: f.other_party,
    };
    match refer_case(&s.cases, &staff.user, id, form).await {
        Ok(r) => Ok(flash::redirect(&back, "ok", &format!("已转调解，纠纷编号 {}", r.dispute.code))),
        Err(DisputeError::Store(StoreError::NotFound)) => Err(PageError::NotFound),
        Err(DisputeError::Store(StoreError::Conflict(m) | StoreError::Invalid(m))) => {
            Ok(flash::redirect(&back, "error", &m))
        }
        Err(DisputeError::Store(e)) => Err(e.into()),
        Err(e) => Ok(flash::redirect(&back, "error", &e.to_string())),
    }
}
