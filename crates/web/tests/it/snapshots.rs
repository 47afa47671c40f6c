//! Snapshots of the main JSON responses and key pages, so a refactor that changes what a client
//! or a browser receives shows up as a reviewable diff. Both backends compare against the same
//! `.snap` file: they must answer alike. Volatile values are redacted first: timestamps, ids
//! (PostgreSQL sequences skip after a rollback), tokens and CSRF values.
//!
//! Review changes with `cargo insta review` or by reading the `.snap` diff; with `CI=true`
//! insta never writes new snapshots, so commit them.

use crate::support::pages::get;
use crate::support::*;
use axum::http::StatusCode;
use serde_json::Value;
use tongxin_testkit::both_backends;

/// Keys whose values change from run to run or between backends.
fn volatile(key: &str) -> Option<&'static str> {
    if key == "id" || key.ends_with("_id") {
        Some("[id]")
    } else if key.ends_with("_at") || key.ends_with("_datetime") || key == "at" || key == "deadline" {
        Some("[timestamp]")
    } else if key.contains("token") || key == "api_key" {
        Some("[token]")
    } else {
        None
    }
}

/// Replaces volatile values by their kind; collects the token strings, which also appear inside
/// other values (a follow URL carries its token).
fn redact(value: &mut Value, tokens: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match volatile(key) {
                    Some(mark) if !v.is_null() => {
                        if let (Value::String(token), "[token]") = (&*v, mark) {
                            tokens.push(token.clone());
                        }
                        *v = Value::String(mark.into());
                    }
                    _ => redact(v, tokens),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, tokens)),
        _ => {}
    }
}

/// The status line and the redacted, pretty-printed JSON body.
fn json_snapshot(reply: &Reply) -> String {
    let mut body = reply.json();
    let mut tokens = Vec::new();
    redact(&mut body, &mut tokens);
    let mut text = serde_json::to_string_pretty(&body).unwrap();
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        text = text.replace(token.as_str(), "[token]");
    }
    format!("{}\n{}", reply.status, text)
}

/// Every form's CSRF value replaced by `[csrf]` (a new one per session).
fn without_csrf(html: &str) -> String {
    const FIELD: &str = r#"name="_csrf" value=""#;
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(FIELD) {
        let value_start = at + FIELD.len();
        out.push_str(&rest[..value_start]);
        out.push_str("[csrf]");
        rest = &rest[value_start..];
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// A page without CSRF values and with the given secrets (tokens) replaced by their names.
fn page_snapshot(reply: &Reply, secrets: &[(&str, &str)]) -> String {
    let mut body = without_csrf(&reply.body);
    for (secret, name) in secrets.iter().filter(|(s, _)| !s.is_empty()) {
        body = body.replace(secret, name);
    }
    format!("{}\n{}", reply.status, body)
}

both_backends! {
    async fn case_json_create_get_list_and_error(t: TestStore) {
        let f = fixture(&t).await;
        let dispatcher = login(&f, Who::Dispatcher).await;
        let body = format!(
            r#"{{"channel":"hotline","category":"city.noise","description":"夜里装修电钻声","grid_code":"{GRID_A1}"}}"#
        );
        let created = send(&f.app, &dispatcher, "POST", "/api/v1/cases", Some(&body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", t.label, created.body);
        insta::assert_snapshot!("case_create", json_snapshot(&created));
        let id = created.json()["id"].as_i64().unwrap();

        let one = send(&f.app, &dispatcher, "GET", &format!("/api/v1/cases/{id}"), None).await;
        insta::assert_snapshot!("case_get", json_snapshot(&one));
        let list = send(&f.app, &dispatcher, "GET", "/api/v1/cases?status=open", None).await;
        insta::assert_snapshot!("case_list", json_snapshot(&list));
        let missing = send(&f.app, &dispatcher, "GET", "/api/v1/cases/999999", None).await;
        insta::assert_snapshot!("error_not_found", json_snapshot(&missing));
    }
}

both_backends! {
    async fn resident_json_is_masked(t: TestStore) {
        let f = fixture(&t).await;
        let grid = login(&f, Who::Grid).await;
        let reply = send(&f.app, &grid, "GET", &format!("/api/v1/residents/{}", f.ids.resident_a1), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", t.label, reply.body);
        insta::assert_snapshot!("resident_get_masked", json_snapshot(&reply));
    }
}

both_backends! {
    async fn open311_services_and_request(t: TestStore) {
        let f = fixture(&t).await;
        let services = send(&f.app, &Session::default(), "GET", "/open311/v2/services.json", None).await;
        insta::assert_snapshot!("open311_services", json_snapshot(&services));
        let code = &f.ids.case_a1.code;
        let request = send(&f.app, &Session::default(), "GET", &format!("/open311/v2/requests/{code}.json"), None).await;
        insta::assert_snapshot!("open311_request", json_snapshot(&request));
    }
}

both_backends! {
    async fn key_pages(t: TestStore) {
        let f = fixture(&t).await;
        let login_page = get(&f, &Session::default(), "/login").await;
        insta::assert_snapshot!("page_login", page_snapshot(&login_page, &[]));

        let case = f.ids.case_a1.clone();
        let track = get(&f, &Session::default(), &format!("/track/{}?t={}", case.code, case.follow_token)).await;
        assert_eq!(track.status, StatusCode::OK, "{}", t.label);
        insta::assert_snapshot!("page_resident_tracking", page_snapshot(&track, &[(&case.follow_token, "[token]")]));

        let dispatcher = login(&f, Who::Dispatcher).await;
        let page = get(&f, &dispatcher, &format!("/cases/{}", case.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        insta::assert_snapshot!("page_case", page_snapshot(&page, &[(&case.follow_token, "[token]")]));
    }
}
