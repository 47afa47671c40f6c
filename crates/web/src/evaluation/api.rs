//! 三率 evaluation: monthly rankings per department, street, community or grid (JSON, CSV,
//! xlsx) and the admin-set weights of the composite score.
//!
//! Who may read rankings: admins, leaders, dispatchers and community workers, within their
//! scope (optionally narrowed with `within=`); department staff only their own department's
//! row (with its rank among the departments of its street) and no area rankings. Grid workers,
//! party secretaries and mediators do not read rankings. The weights are read by the same
//! roles and changed by admins only.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{J, Q};
use crate::routes::{RouteSpec, r};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, put};
use serde::{Deserialize, Serialize};
use tongxin_app::evaluation::{self, EvaluationError, Level, RankedUnit};
use tongxin_domain::case::Weights;
use tongxin_domain::kernel::access::{Action, Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_exchange::{EvaluationRow, evaluation_csv, evaluation_xlsx};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/api/v1/evaluation", get(ranking)),
        r("GET", "/api/v1/evaluation/export", get(export)),
        r("GET", "/api/v1/settings/evaluation-weights", get(weights)),
        r("PUT", "/api/v1/settings/evaluation-weights", put(set_weights)),
    ]
}

/// Roles that read rankings (department staff: their own department only).
pub(crate) fn may_read(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Leader | Role::Dispatcher | Role::CommunityWorker | Role::DepartmentHandler)
}

fn error(e: EvaluationError) -> ApiError {
    match e {
        EvaluationError::Invalid { field, message } => ApiError::invalid(field, message),
        EvaluationError::NotPermitted(m) => ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden, m),
        EvaluationError::Store(e) => e.into(),
    }
}

#[derive(Deserialize)]
pub struct RankingParams {
    /// `YYYY-MM`; the current month (Shanghai time) when absent.
    pub month: Option<String>,
    /// department (default), street, community or grid.
    pub level: Option<String>,
    /// A region code within the caller's scope to rank within.
    pub within: Option<String>,
    /// Export only: csv or xlsx (default).
    pub format: Option<String>,
}

/// A checked request: month, level and the scope to rank within.
struct Asked {
    month: String,
    level: Level,
    scope: Scope,
}

fn asked(s: &AppState, caller: &Caller, p: &RankingParams) -> ApiResult<Asked> {
    if !may_read(caller.user.role) {
        return Err(ApiError::forbidden());
    }
    let month = match p.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => evaluation::parse_month(m).map_err(error)?,
        None => evaluation::current_month(&s.store),
    };
    let level = match p.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => Level::Department,
        Some(l) => Level::parse(l).ok_or_else(|| {
            ApiError::invalid(
                "level",
                format!("考评层级“{l}”无效，应为 department（部门）、street（街道）、community（社区）或 grid（网格）"),
            )
        })?,
    };
    let scope = caller.user.scope.clone();
    if let Scope::Department { .. } = scope {
        if level != Level::Department || p.within.as_deref().is_some_and(|w| !w.trim().is_empty()) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden, "职能部门只能查看本部门的考评"));
        }
        return Ok(Asked { month, level, scope });
    }
    let scope = match p.within.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        None => scope,
        Some(w) => {
            let code = RegionCode::parse(w).map_err(|_| ApiError::invalid("within", format!("区域代码“{w}”无效")))?;
            if !scope.covers_place(code.as_str()) {
                return Err(ApiError::not_found());
            }
            Scope::Region { code }
        }
    };
    Ok(Asked { month, level, scope })
}

#[derive(Serialize)]
pub struct RankingReply {
    pub month: String,
    pub level: Level,
    pub level_label: &'static str,
    pub weights: Weights,
    pub units: Vec<RankedUnit>,
}

async fn compute(s: &AppState, a: &Asked) -> ApiResult<(Weights, Vec<RankedUnit>)> {
    let weights = evaluation::weights(&s.cases);
    let units = evaluation::monthly(&s.store, &a.scope, &a.month, a.level, &weights).await.map_err(error)?;
    Ok((weights, units))
}

/// `GET /api/v1/evaluation?month=&level=&within=`: the ranking as JSON.
pub async fn ranking(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<RankingParams>,
) -> ApiResult<Json<RankingReply>> {
    let a = asked(&s, &caller, &p)?;
    let (weights, units) = compute(&s, &a).await?;
    Ok(Json(RankingReply { month: a.month, level: a.level, level_label: a.level.label(), weights, units }))
}

/// `GET /api/v1/evaluation/export?month=&level=&within=&format=csv|xlsx`
pub async fn export(State(s): State<AppState>, caller: Caller, Q(p): Q<RankingParams>) -> ApiResult<Response> {
    let a = asked(&s, &caller, &p)?;
    let csv = match p.format.as_deref().map(str::trim).unwrap_or("xlsx") {
        "csv" => true,
        "xlsx" | "" => false,
        other => return Err(ApiError::invalid("format", format!("导出格式“{other}”无效，应为 csv 或 xlsx"))),
    };
    let (_, units) = compute(&s, &a).await?;
    let rows: Vec<EvaluationRow<'_>> = units
        .iter()
        .map(|u| EvaluationRow { rank: u.rank, unit: &u.name, counts: &u.counts, rates: &u.rates })
        .collect();
    let title = format!("{} {}考评", a.month, a.level.label());
    let (bytes, content_type, ext) = if csv {
        (evaluation_csv(&rows), "text/csv; charset=utf-8", "csv")
    } else {
        let bytes = evaluation_xlsx(&title, &rows).map_err(|e| {
            tracing::error!(error = %e, "evaluation export failed");
            ApiError::internal()
        })?;
        (bytes, XLSX, "xlsx")
    };
    let disposition = crate::ui::download::attachment(
        &format!("evaluation-{}-{}.{ext}", a.month, a.level.as_str()),
        &format!("{title}.{ext}"),
    );
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// `GET /api/v1/settings/evaluation-weights`
pub async fn weights(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Weights>> {
    if !may_read(caller.user.role) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(evaluation::weights(&s.cases)))
}

/// `PUT /api/v1/settings/evaluation-weights` (body: `{"response","resolution","satisfaction"}`,
/// each ≥ 0, summing to 1): admins only; audited; in force at once.
pub async fn set_weights(State(s): State<AppState>, caller: Caller, J(w): J<Weights>) -> ApiResult<Json<Weights>> {
    caller.require(Action::ManageCaseConfig)?;
    Ok(Json(evaluation::set_weights(&s.cases, &caller.actor(), w).await.map_err(error)?))
}
