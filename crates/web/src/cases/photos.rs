//! A case's photos (issue 11 item 1): those sent with the report and the evidence sent with a
//! reply, served one by one to whoever may see the case — staff by the case page's own scope
//! check (`/cases/{id}/photos/{photo}`), the requester through the private follow link's
//! token (`/track/{code}/photos/{photo}?t=…`). A photo of another case is a 404; there is no
//! listing. The type served is the stored one (checked against the three accepted types),
//! with `nosniff` and `Cache-Control: private`.
//!
//! Staff see the photo as sent; everyone else gets it without EXIF/XMP/comments
//! ([`strip_metadata`]: GPS position, camera, serial numbers), a photo whose structure cannot
//! be followed is not shown to them at all.
//!
//! Thumbnails are the same image sized by CSS (`.photos` in the case and follow pages) with
//! `loading="lazy"`, a plain link to the full size around each. Server-made thumbnails would
//! need an image decoder and encoder (`image` with jpeg/png/webp features) — a heavy
//! dependency and minutes more of cold build on two shared cores — to save bandwidth on at
//! most nine photos per case that the browser only fetches when they scroll into view.

use crate::AppState;
use crate::routes::{RouteSpec, public, r};
use crate::ui::error::{PageError, PageResult, urlencode};
use crate::ui::staff::Staff;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use tongxin_domain::case::photo::{PhotoType, sniff, strip_metadata};
use tongxin_domain::kernel::access::Action as Permission;
use tongxin_store::StoreError;
use tongxin_store::cases::read::PhotoInfo;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/cases/{id}/photos/{photo}", get(staff_photo)),
        public("GET", "/track/{code}/photos/{photo}", get(requester_photo)),
    ]
}

/// One photo as a page links it: its address (the full size; the thumbnail is the same).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PhotoLink {
    pub url: String,
    /// 上报照片 or 佐证照片, for the `alt` text.
    pub label: &'static str,
}

fn label(p: &PhotoInfo) -> &'static str {
    if p.purpose == "report" { "上报照片" } else { "佐证照片" }
}

/// The staff case page's links.
pub fn staff_links(case_id: i64, photos: &[PhotoInfo]) -> Vec<PhotoLink> {
    photos.iter().map(|p| PhotoLink { url: format!("/cases/{case_id}/photos/{}", p.id), label: label(p) }).collect()
}

/// The follow page's links (the token travels in the query, as the page's own does).
pub fn requester_links(code: &str, token: &str, photos: &[PhotoInfo]) -> Vec<PhotoLink> {
    photos
        .iter()
        .map(|p| PhotoLink {
            url: format!("/track/{}/photos/{}?t={}", urlencode(code), p.id, urlencode(token)),
            label: label(p),
        })
        .collect()
}

fn not_found(e: StoreError) -> PageError {
    match e {
        StoreError::NotFound => PageError::NotFound,
        e => e.into(),
    }
}

/// The photo's response: its type as stored when that is one of the accepted types (else as
/// sniffed; else not served), never guessed by the browser, cached by the browser only.
fn respond(content_type: &str, bytes: Vec<u8>) -> PageResult<Response> {
    let kind = PhotoType::from_mime(content_type).or_else(|| sniff(&bytes)).ok_or(PageError::NotFound)?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    Ok(resp)
}

/// `GET /cases/{id}/photos/{photo}`: the photo as sent, for staff who may open the case.
async fn staff_photo(
    State(s): State<AppState>,
    staff: Staff,
    Path((id, photo)): Path<(i64, i64)>,
) -> PageResult<Response> {
    staff.require(Permission::ReadCases)?;
    s.store.cases().get(staff.scope(), id).await.map_err(not_found)?;
    let p = s.store.cases().photo(id, photo).await.map_err(not_found)?;
    respond(&p.content_type, p.bytes)
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    t: String,
}

/// `GET /track/{code}/photos/{photo}?t=TOKEN`: the photo without its metadata, for the
/// requester.
async fn requester_photo(
    State(s): State<AppState>,
    Path((code, photo)): Path<(String, i64)>,
    Query(q): Query<TokenQuery>,
) -> PageResult<Response> {
    if q.t.is_empty() {
        return Err(PageError::NotFound);
    }
    let c = s.store.cases().for_requester(&code, &q.t).await.map_err(not_found)?;
    let p = s.store.cases().photo(c.id, photo).await.map_err(not_found)?;
    let bytes = strip_metadata(&p.bytes).map_err(|_| PageError::NotFound)?;
    let mut resp = respond(&p.content_type, bytes)?;
    resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(resp)
}
