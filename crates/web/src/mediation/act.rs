//! The dispute page's forms: `POST /mediation/disputes/{id}/act` (any step of the dispute
//! machine through `tongxin_app::mediation::act`, the art-25 alert through `report_violence`),
//! `/confirm` (the 司法确认 steps through `confirm`) and `/sign` (multipart: the signing with the
//! signed paper's scan through `sign_with_scan`). Each answers with a redirect and a flash
//! message when done — after 终止调解 to the page of the other routes (人民调解法 art 26) — and
//! with the dispute page again, the form as typed and the reason next to it, when refused.

use super::dispute::show;
use super::fields::{self, Fields, Offered};
use super::views::{Typed, not_found, refusal, viewer, who};
use crate::AppState;
use crate::limits::{PartError, PartLimits, read_parts};
use crate::ui::form::check_csrf;
use crate::ui::{CsrfForm, PageError, PageResult, Staff, flash};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use tongxin_app::mediation::{DisputeError, Signatures};
use tongxin_domain::kernel::access::Action as Permission;
use tongxin_domain::mediation::scan::MAX_SCAN_BYTES;
use tongxin_domain::mediation::{Action, ActionKind, OrgRef};
use tongxin_store::mediation::DisputeView;

/// The signing form: one scan and a few small fields.
pub const MAX_SIGN_BODY: usize = MAX_SCAN_BYTES + 64 * 1024;
const SIGN_PARTS: PartLimits = PartLimits {
    file_field: "scan",
    max_file_bytes: MAX_SCAN_BYTES,
    max_files: 1,
    max_text_bytes: 4 * 1024,
    max_parts: 12,
};
const TOO_LARGE: &str = "上传的内容过大：只能上传一份协议扫描件，不超过 10 MB";

/// The form's id as the page knows it (anything else keeps nothing).
fn form_id(f: &Fields) -> String {
    let id = f.one("form_id");
    if id.len() <= 20 && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') { id } else { String::new() }
}

/// The dispute page again, with `f` as typed and `error` next to its form.
async fn refused(s: &AppState, staff: &Staff, id: i64, f: Fields, error: String) -> PageResult<Response> {
    let form = form_id(&f);
    show(s, staff, id, Typed::refused(form, f.into_map(), error)).await
}

/// What a use-case's answer becomes: a redirect with a flash, or the form again.
async fn answer(
    s: &AppState,
    staff: &Staff,
    id: i64,
    f: Fields,
    done: Result<DisputeView, DisputeError>,
    to: String,
    message: String,
) -> PageResult<Response> {
    match done {
        Ok(_) => Ok(flash::redirect(&to, "ok", &message)),
        Err(e) => {
            let r = refusal(e)?;
            refused(s, staff, id, f, r.message).await
        }
    }
}

/// A posted form of a dispute the caller may read: its fields, the version it was shown at, the
/// dispute.
async fn posted(
    s: &AppState,
    staff: &Staff,
    id: i64,
    pairs: Vec<(String, String)>,
) -> PageResult<(Fields, i64, DisputeView)> {
    staff.require(Permission::ReadDisputes)?;
    let f = Fields::new(pairs);
    let version = f.required_version()?;
    let d = s.store.mediation().get(&viewer(staff), id).await.map_err(not_found)?;
    Ok((f, version, d))
}

/// `POST /mediation/disputes/{id}/act`
pub async fn act(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (f, version, d) = posted(&s, &staff, id, pairs).await?;
    let levels = s.store.mediation().risk_levels().await?;
    let orgs: Vec<OrgRef> =
        s.store.mediation().orgs(staff.scope()).await?.iter().filter(|o| o.active).map(|o| o.reference()).collect();
    let offered = Offered {
        parties: d.state.parties.iter().map(|p| p.name.clone()).collect(),
        risk_levels: &levels,
        orgs: &orgs,
    };
    let action = match fields::action(&f, &offered) {
        Ok(a) => a,
        Err(m) => return refused(&s, &staff, id, f, m).await,
    };
    let kind = action.kind();
    let who = who(&staff);
    let done = match action {
        Action::ReportViolence { note } => {
            tongxin_app::mediation::report_violence(&s.store, &who, id, version, &note).await
        }
        action => tongxin_app::mediation::act(&s.store, &who, id, version, action).await,
    };
    let (to, message) = match kind {
        ActionKind::Terminate => {
            (format!("/mediation/disputes/{id}/routes"), "已终止调解，请告知当事人其他解决途径".into())
        }
        ActionKind::ReportViolence => (
            format!("/mediation/disputes/{id}"),
            "已报告激化风险，派出所和街道矛调中心已收到紧急通知（人民调解法第二十五条）".into(),
        ),
        k => (format!("/mediation/disputes/{id}"), format!("已{}", k.label())),
    };
    answer(&s, &staff, id, f, done, to, message).await
}

/// `POST /mediation/disputes/{id}/confirm`: one 司法确认 step (人民调解法 art 33).
pub async fn confirm(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (f, version, _) = posted(&s, &staff, id, pairs).await?;
    let step = match fields::confirmation(&f) {
        Ok(a) => a,
        Err(m) => return refused(&s, &staff, id, f, m).await,
    };
    let label = step.kind().label();
    let done = tongxin_app::mediation::confirm(&s.store, &who(&staff), id, version, step).await;
    answer(&s, &staff, id, f, done, format!("/mediation/disputes/{id}"), format!("已{label}")).await
}

/// `POST /mediation/disputes/{id}/sign` (multipart): the written agreement signed by every
/// party and the mediator and sealed (人民调解法 art 29), with its scan. The body's declared
/// length is checked before anything is read, each part while it is read.
pub async fn sign(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>, req: Request) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SIGN_BODY as u64) {
        return Err(PageError::User(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE.into()));
    }
    let headers = req.headers().clone();
    let unreadable = || PageError::User(StatusCode::BAD_REQUEST, "上传的表单无法读取，请返回重试".into());
    let form = Multipart::from_request(req, &s).await.map_err(|_| unreadable())?;
    let parts = read_parts(form, SIGN_PARTS).await.map_err(|e| match e {
        PartError::TooLarge(_) => PageError::User(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE.into()),
        PartError::Bad(_) => unreadable(),
    })?;
    let f = Fields::new(parts.texts);
    check_csrf(&s, &headers, &f.one("_csrf")).await?;
    let version = f.required_version()?;
    s.store.mediation().get(&viewer(&staff), id).await.map_err(not_found)?;
    let flag = |k: &str| f.one(k) == "1";
    let signed =
        Signatures { parties: flag("parties_signed"), mediator: flag("mediator_signed"), sealed: flag("sealed") };
    let scan = parts.files.into_iter().next().unwrap_or_default();
    let done = tongxin_app::mediation::sign_with_scan(&s.store, &who(&staff), id, version, signed, scan).await;
    let message = "调解协议已生效，签字盖章的协议扫描件已存档".to_string();
    answer(&s, &staff, id, f, done, format!("/mediation/disputes/{id}"), message).await
}
