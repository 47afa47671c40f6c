//! `GET /admin/imports`: upload forms for grids (GeoJSON) and residents (xlsx). The uploads
//! (multipart, CSRF-checked with [`check_csrf`]) go through the handlers of
//! `POST /api/v1/grids/import` and `POST /api/v1/residents/import`, which import all rows or
//! none; a refused file comes back with every rejected row and its reason.

use super::admin_only;
use crate::AppState;
use crate::error::ApiError;
use crate::ui::form::check_csrf;
use crate::ui::{PageError, PageResult, Shell, Staff, render};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

pub struct RowProblem {
    pub position: String,
    pub field: String,
    pub message: String,
}

/// What one upload came to.
pub struct Outcome {
    pub what: &'static str,
    pub ok: bool,
    /// The summary line.
    pub message: String,
    pub rows: Vec<RowProblem>,
}

#[derive(Template)]
#[template(path = "admin/imports.html")]
struct ImportsPage {
    shell: Shell,
    outcome: Option<Outcome>,
}

pub async fn page(staff: Staff) -> PageResult<Response> {
    admin_only(&staff)?;
    Ok(render(&ImportsPage { shell: Shell::staff("数据导入", &staff, "/admin/imports"), outcome: None }))
}

/// The file and the CSRF token of an upload form.
/// Read only after the role is checked, so that others get the 403 page whatever they send.
pub(super) async fn read_upload(s: &AppState, req: Request) -> PageResult<Option<Bytes>> {
    let unreadable = || PageError::User(StatusCode::BAD_REQUEST, "上传的表单无法读取，请返回重试".into());
    let headers: HeaderMap = req.headers().clone();
    let mut form = Multipart::from_request(req, s).await.map_err(|_| unreadable())?;
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(|_| unreadable())?,
            Some("file") => {
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                file = (!bytes.is_empty()).then_some(bytes);
            }
            _ => {}
        }
    }
    check_csrf(s, &headers, &csrf).await?;
    Ok(file)
}

fn refused(what: &'static str, e: ApiError) -> PageResult<Outcome> {
    if e.code != crate::error::Code::ImportRejected {
        return Err(e.into());
    }
    let rows = e
        .details
        .as_ref()
        .and_then(|d| d.as_array())
        .map(|rows| {
            rows.iter()
                .map(|r| RowProblem {
                    position: r["position"].as_str().unwrap_or("").to_string(),
                    field: r["field"].as_str().unwrap_or("").to_string(),
                    message: r["message"].as_str().unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Outcome { what, ok: false, message: e.message, rows })
}

fn show(staff: &Staff, outcome: Outcome) -> Response {
    let status = if outcome.ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp =
        render(&ImportsPage { shell: Shell::staff("数据导入", staff, "/admin/imports"), outcome: Some(outcome) });
    *resp.status_mut() = status;
    resp
}

fn no_file(what: &'static str) -> Outcome {
    Outcome { what, ok: false, message: "请选择要上传的文件".into(), rows: Vec::new() }
}

/// `POST /admin/imports/grids`
pub async fn grids(State(s): State<AppState>, staff: Staff, req: Request) -> PageResult<Response> {
    admin_only(&staff)?;
    const WHAT: &str = "网格边界（GeoJSON）";
    let Some(file) = read_upload(&s, req).await? else { return Ok(show(&staff, no_file(WHAT))) };
    let outcome = match crate::exchange::api::import_grids(State(s.clone()), staff.caller(), file).await {
        Ok(axum::Json(r)) => Outcome {
            what: WHAT,
            ok: true,
            message: format!("导入成功：新建网格 {} 个，更新 {} 个", r.created, r.updated),
            rows: Vec::new(),
        },
        Err(e) => refused(WHAT, e)?,
    };
    Ok(show(&staff, outcome))
}

/// `POST /admin/imports/residents`
pub async fn residents(State(s): State<AppState>, staff: Staff, req: Request) -> PageResult<Response> {
    admin_only(&staff)?;
    const WHAT: &str = "居民信息（xlsx）";
    let Some(file) = read_upload(&s, req).await? else { return Ok(show(&staff, no_file(WHAT))) };
    let outcome = match crate::exchange::api::import_residents(State(s.clone()), staff.caller(), file).await {
        Ok(axum::Json(r)) => Outcome {
            what: WHAT,
            ok: true,
            message: format!("导入成功：居民 {} 人，新建住户 {} 户", r.residents, r.households_created),
            rows: Vec::new(),
        },
        Err(e) => refused(WHAT, e)?,
    };
    Ok(show(&staff, outcome))
}
