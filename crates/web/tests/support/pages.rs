//! Helpers for the page tests: requests the way a browser without JavaScript sends them (forms,
//! multipart uploads, the session cookie), and reading what comes back (redirects, flash).

#![allow(dead_code)]

use super::{Fixture, Reply, Session, send};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Runs `req` through the app: status, headers and the raw body.
pub async fn reply_bytes(f: &Fixture, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let resp = f.app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// Runs `req` through the app; the body as (lossy) text.
pub async fn reply(f: &Fixture, req: Request<Body>) -> Reply {
    let (status, headers, bytes) = reply_bytes(f, req).await;
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(f: &Fixture, s: &Session, uri: &str) -> Reply {
    send(&f.app, s, "GET", uri, None).await
}

/// A POST with the session cookie (no CSRF header: forms carry `_csrf` in the body).
async fn post(f: &Fixture, s: &Session, uri: &str, content_type: &str, body: Vec<u8>) -> Reply {
    let mut req = Request::builder().method("POST").uri(uri).header(header::CONTENT_TYPE, content_type);
    if let Some(c) = &s.cookie {
        req = req.header(header::COOKIE, c);
    }
    reply(f, req.body(Body::from(body)).unwrap()).await
}

/// Posts an urlencoded form the way a browser does: the session cookie, the fields as given
/// (`_csrf` among them, if wanted).
pub async fn post_form(f: &Fixture, s: &Session, uri: &str, fields: &[(&str, &str)]) -> Reply {
    let body = serde_urlencoded::to_string(fields).unwrap();
    post(f, s, uri, "application/x-www-form-urlencoded", body.into_bytes()).await
}

/// [`post_form`] with the session's CSRF token (or an empty one) as the first field, `_csrf`.
pub async fn post_form_with_csrf(f: &Fixture, s: &Session, uri: &str, fields: &[(&str, &str)]) -> Reply {
    let mut all = vec![("_csrf", s.csrf.as_deref().unwrap_or(""))];
    all.extend_from_slice(fields);
    post_form(f, s, uri, &all).await
}

/// A file in a multipart form.
pub struct Upload<'a> {
    pub field: &'a str,
    pub filename: String,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

impl<'a> Upload<'a> {
    /// PNG photos in the field `field`, named `p0.png`, `p1.png`, …
    pub fn photos(field: &'a str, photos: &[&'a [u8]]) -> Vec<Upload<'a>> {
        photos
            .iter()
            .enumerate()
            .map(|(i, bytes)| Upload { field, filename: format!("p{i}.png"), content_type: "image/png", bytes })
            .collect()
    }
}

/// A `multipart/form-data` body of text `fields`, then `files`: (content type, body).
pub fn multipart(fields: &[(&str, &str)], files: &[Upload]) -> (String, Vec<u8>) {
    const B: &str = "----tongxin-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for file in files {
        body.extend_from_slice(
            format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                file.field, file.filename, file.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{B}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={B}"), body)
}

/// Posts a multipart form (text fields and files) with the session cookie.
pub async fn post_multipart(
    f: &Fixture,
    s: &Session,
    uri: &str,
    fields: &[(&str, &str)],
    files: &[Upload<'_>],
) -> Reply {
    let (content_type, body) = multipart(fields, files);
    post(f, s, uri, &content_type, body).await
}

/// The session's CSRF token.
pub fn csrf(s: &Session) -> String {
    s.csrf.clone().unwrap()
}

/// Decodes `%XX` escapes.
pub fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The flash message a redirect carries (percent-decoded).
pub fn flash_of(r: &Reply) -> String {
    let cookie = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tx_flash="))
        .unwrap_or_else(|| panic!("no flash on {} {}", r.status, r.body));
    let value = cookie.trim_start_matches("tx_flash=").split(';').next().unwrap();
    let (_, text) = value.split_once('.').unwrap();
    percent_decode(text)
}

/// Where a redirect goes.
pub fn location(r: &Reply) -> String {
    r.headers
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("no redirect ({}): {}", r.status, r.body))
        .to_str()
        .unwrap()
        .into()
}

/// Follows a post's redirect with its flash cookie, as a browser does.
pub async fn follow(f: &Fixture, s: &Session, r: &Reply) -> Reply {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let flash = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("tx_flash="));
    let cookie = match (&s.cookie, flash) {
        (Some(c), Some(fl)) => Some(format!("{c}; {fl}")),
        (c, _) => c.clone(),
    };
    get(f, &Session { cookie, csrf: s.csrf.clone() }, &to).await
}

/// A resident's report at a point through the public API (the fixture's noise rule dispatches
/// it); the tracking code.
pub async fn report_at(f: &Fixture, (lng, lat): (f64, f64), text: &str, phone: &str) -> String {
    let body =
        format!(r#"{{"category":"city.noise","description":"{text}","lat":{lat},"lng":{lng},"phone":"{phone}"}}"#);
    let reply = send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&body)).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.json()["code"].as_str().unwrap().to_string()
}

/// A case of `city.garbage` in grid A1 reported by the hotline, waiting for the dispatcher; a
/// manual rule (added once) suggests department 1.
pub async fn waiting_case(f: &Fixture, text: &str) -> tongxin_app::cases::Reported {
    let rule = tongxin_store::cases::categories::RuleRow {
        id: 0,
        category_code: "city.garbage".into(),
        area_kind: "street".into(),
        area_code: super::STREET1.into(),
        target_kind: "department".into(),
        target_ref: "1".into(),
        auto_dispatch: false,
        version: 1,
    };
    if !f.store.categories().rules().await.unwrap().iter().any(|r| r.category_code == "city.garbage") {
        f.store.categories().create_rule(&tongxin_store::Actor::system("test"), &rule).await.unwrap();
        f.state.cases.reload().await.unwrap();
    }
    f.state
        .cases
        .report(tongxin_app::cases::Report {
            channel: tongxin_domain::case::Channel::Hotline,
            category: "city.garbage".into(),
            urgency: None,
            title: None,
            description: text.into(),
            place: tongxin_app::cases::Place::Grid { code: super::GRID_A1.into() },
            address: "桃园小区3幢".into(),
            requester_name: Some("王先生".into()),
            phone: Some(tongxin_domain::kernel::phone::Phone::parse("13812345678").unwrap()),
            photos: Vec::new(),
            reporter: tongxin_app::cases::Reporter::System("test".into()),
            on_spot_reply: None,
        })
        .await
        .unwrap()
}

/// A case's status, read past every scope.
pub async fn case_status(f: &Fixture, id: i64) -> String {
    f.store.cases().get(&tongxin_domain::kernel::access::Scope::All, id).await.unwrap().status.as_str().to_string()
}

/// A hotline case in `grid` with `photos`, dispatched by the fixture's noise rule (street 1 →
/// department 1, street 2 → department 2); the case and its photos' ids.
pub async fn case_with_photos(f: &Fixture, grid: &str, photos: &[&[u8]]) -> (tongxin_app::cases::Reported, Vec<i64>) {
    // Different words each time: the same words at the same place would be the same case.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let r = f
        .state
        .cases
        .report(tongxin_app::cases::Report {
            channel: tongxin_domain::case::Channel::Hotline,
            category: "city.noise".into(),
            urgency: None,
            title: None,
            description: format!("夜间施工噪音扰民，附照片（第 {n} 次反映）"),
            place: tongxin_app::cases::Place::Grid { code: grid.into() },
            address: "桃园小区5幢".into(),
            requester_name: Some("李女士".into()),
            phone: Some(tongxin_domain::kernel::phone::Phone::parse("13912345678").unwrap()),
            photos: photos.iter().map(|p| p.to_vec()).collect(),
            reporter: tongxin_app::cases::Reporter::System("test".into()),
            on_spot_reply: None,
        })
        .await
        .unwrap();
    let ids = f.store.cases().photos(r.id).await.unwrap().into_iter().map(|p| p.id).collect();
    (r, ids)
}
