//! Upload and download of grids (GeoJSON) and residents (xlsx). Uploads are the raw file as the
//! request body; a rejected file answers 422 with every row's error under `error.details`.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::Q;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongxin_domain::kernel::access::Action;
use tongxin_exchange::{ExportError, GridImportReport, ImportError, ResidentImportReport};

/// Largest upload accepted (a workbook of 100,000 residents is ~10 MB).
pub const MAX_UPLOAD: usize = 32 * 1024 * 1024;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::Malformed(m) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::ImportRejected,
            format!("导入失败，未写入任何数据：{m}"),
        ),
        ImportError::Rows(rows) => {
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Code::ImportRejected,
                format!("导入失败，未写入任何数据：共 {} 处错误", rows.len()),
            );
            err.details = serde_json::to_value(&rows).ok();
            err
        }
        ImportError::Store(e) => e.into(),
    }
}

fn export_error(e: ExportError) -> ApiError {
    match e {
        ExportError::NoPeopleScope => ApiError::forbidden(),
        ExportError::OutOfScope(_) => ApiError::not_found(),
        ExportError::Store(e) => e.into(),
        other => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::ExportFailed, other.to_string()),
    }
}

/// `POST /api/v1/grids/import` (body: a GeoJSON FeatureCollection)
pub async fn import_grids(State(s): State<AppState>, caller: Caller, body: Bytes) -> ApiResult<Json<GridImportReport>> {
    caller.require(Action::ManageGrids)?;
    let report = tongxin_exchange::import_grids(&s.store, &caller.actor(), &caller.user.scope, &body)
        .await
        .map_err(import_error)?;
    s.locator.refresh(&s.store).await?;
    Ok(Json(report))
}

#[derive(Deserialize)]
pub struct GridExportParams {
    pub within: Option<String>,
}

/// `GET /api/v1/grids/export?within=`
pub async fn export_grids(State(s): State<AppState>, caller: Caller, Q(p): Q<GridExportParams>) -> ApiResult<Response> {
    caller.require(Action::ReadPlaces)?;
    let text = tongxin_exchange::export_grids(&s.store, &caller.user.scope, p.within.as_deref())
        .await
        .map_err(export_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"grids.geojson\""),
        ],
        text,
    )
        .into_response())
}

/// `POST /api/v1/residents/import` (body: an .xlsx workbook)
pub async fn import_residents(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<ResidentImportReport>> {
    caller.require(Action::ImportResidents)?;
    let report = tongxin_exchange::import_residents(&s.store, &caller.actor(), &caller.user.scope, &body)
        .await
        .map_err(import_error)?;
    Ok(Json(report))
}

#[derive(Deserialize)]
pub struct ResidentExportParams {
    #[serde(default)]
    pub unmasked: bool,
}

/// `GET /api/v1/residents/export?unmasked=`: masked unless asked for and permitted (audited).
pub async fn export_residents(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<ResidentExportParams>,
) -> ApiResult<Response> {
    caller.require(Action::ExportResidents)?;
    if p.unmasked && !caller.user.can_unmask {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::Forbidden, "您没有导出完整身份证号和手机号的权限"));
    }
    let bytes = tongxin_exchange::export_residents(&s.store, &caller.user.scope, &caller.actor(), p.unmasked)
        .await
        .map_err(export_error)?;
    Ok((
        [(header::CONTENT_TYPE, XLSX), (header::CONTENT_DISPOSITION, "attachment; filename=\"residents.xlsx\"")],
        bytes,
    )
        .into_response())
}
