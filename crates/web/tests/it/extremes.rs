//! Issue 9, item 9: no request may panic a handler. Every route of the route table (and the
//! Open311 resources) is called as the administrator with extreme numbers — i64::MAX and MIN,
//! u32::MAX, -1, 1e308, NaN, a number past u64 — in its path parameters, in every numeric query
//! parameter and JSON or form field the routes read; each call must answer, and not with a 500.
//! A panic in a handler drops the connection, so "answered" is checked by running each request
//! in its own task and looking for a panic there.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::*;
use tower::ServiceExt;

const EXTREMES: [&str; 8] =
    ["9223372036854775807", "-9223372036854775808", "4294967295", "-1", "1e308", "NaN", "99999999999999999999", "0"];

/// Numeric parameters the routes read (a route ignores those it does not know).
const NUMERIC_KEYS: [&str; 30] = [
    "page",
    "per_page",
    "id",
    "version",
    "lat",
    "lng",
    "long",
    "x",
    "y",
    "zoom",
    "z",
    "limit",
    "month",
    "year",
    "days",
    "amount",
    "level",
    "within",
    "household_id",
    "scope_department",
    "sort",
    "hours",
    "working_days",
    "warn_ratio",
    "warn_percent",
    "radius",
    "unit_no",
    "n",
    "weight",
    "satisfaction",
];

fn query(v: &str) -> String {
    let enc = v.replace('+', "%2B");
    NUMERIC_KEYS.iter().map(|k| format!("{k}={enc}")).collect::<Vec<_>>().join("&")
}

/// A JSON body with every numeric key set to `v`, and nested limits and an extension request.
fn json_body(v: &str) -> String {
    let n = if v == "NaN" { "\"NaN\"".to_string() } else { v.to_string() };
    let mut fields: Vec<String> = NUMERIC_KEYS.iter().map(|k| format!("\"{k}\":{n}")).collect();
    for k in ["emergency", "utility", "general", "complex", "contact"] {
        fields.push(format!("\"{k}\":{{\"working_days\":{n}}}"));
    }
    fields.push(format!(
        "\"action\":{{\"action\":\"request_extension\",\"unit\":{{\"kind\":\"department\",\"id\":{n}}},\"extra\":{{\"working_days\":{n}}},\"reason\":\"x\"}}"
    ));
    fields.push(format!("\"extra\":{{\"hours\":{n}}}"));
    format!("{{{}}}", fields.join(","))
}

fn form_body(v: &str, csrf: &str, action: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = NUMERIC_KEYS.iter().map(|k| (*k, v)).collect();
    pairs.push(("_csrf", csrf));
    pairs.push(("action", action));
    for k in ["emergency", "utility", "general", "complex", "contact"] {
        pairs.push((k, v));
    }
    serde_urlencoded::to_string(&pairs).unwrap()
}

/// Fills a route's `{params}` with `v`.
fn fill(path: &str, v: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(v);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// Runs one request in its own task: the status, or the panic's message.
async fn call(
    f: &Fixture,
    admin: &Session,
    method: &str,
    uri: &str,
    content_type: &str,
    body: String,
) -> Result<StatusCode, String> {
    let mut req = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, content_type);
    req = req.header(header::COOKIE, admin.cookie.as_deref().unwrap());
    req = req.header("x-csrf-token", admin.csrf.as_deref().unwrap());
    let req = req.body(Body::from(body)).map_err(|e| format!("request: {e}"))?;
    let app = f.app.clone();
    match tokio::spawn(async move { app.oneshot(req).await.map(|r| r.status()) }).await {
        Ok(Ok(status)) => Ok(status),
        Ok(Err(e)) => Err(format!("error: {e}")),
        Err(e) if e.is_panic() => Err("the handler panicked".into()),
        Err(e) => Err(format!("task: {e}")),
    }
}

both_backends! {
    async fn every_route_answers_extreme_numbers_without_a_500(t: TestStore) {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let csrf = admin.csrf.clone().unwrap();
        let case_id = f.ids.case_a1.id.to_string();
        let case_code = f.ids.case_a1.code.clone();
        let mut routes: Vec<(String, String)> = tongxin_web::api::routes()
            .into_iter()
            .map(|(spec, _)| (spec.method.to_string(), spec.path.to_string()))
            // Ending the session or changing its credentials would end the sweep early.
            .filter(|(_, p)| !p.contains("logout") && !p.contains("password") && !p.contains("totp"))
            .collect();
        for ext in ["json", "xml"] {
            routes.push(("GET".into(), format!("/open311/v2/requests.{ext}")));
            routes.push(("POST".into(), format!("/open311/v2/requests.{ext}")));
            routes.push(("GET".into(), format!("/open311/v2/services.{ext}")));
        }
        routes.push(("GET".into(), "/open311/v2/requests/{id}.json".into()));
        routes.push(("GET".into(), "/open311/v2/services/{id}.json".into()));
        assert!(routes.len() > 50, "the route table is enumerated: {}", routes.len());

        let mut failures = Vec::new();
        let mut calls = 0usize;
        for (method, path) in &routes {
            // Extreme path parameters; then real ones (a case, its code) with extreme fields.
            let real =
                if path.contains("reports") || path.contains("track") { case_code.as_str() } else { case_id.as_str() };
            for v in EXTREMES {
                for target in [fill(path, v), fill(path, real)] {
                    let uri = format!("{target}?{}", query(v));
                    let api = path.starts_with("/api") || path.starts_with("/open311") || path == "/healthz";
                    let (content_type, body) = match method.as_str() {
                        "GET" => ("application/json", String::new()),
                        _ if path.starts_with("/open311") => {
                            ("application/x-www-form-urlencoded", form_body(v, &csrf, ""))
                        }
                        _ if api => ("application/json", json_body(v)),
                        _ => ("application/x-www-form-urlencoded", form_body(v, &csrf, "request_extension")),
                    };
                    calls += 1;
                    match call(&f, &admin, method, &uri, content_type, body).await {
                        Ok(s) if s == StatusCode::INTERNAL_SERVER_ERROR => {
                            failures.push(format!("{method} {uri}: 500"))
                        }
                        Ok(_) => {}
                        Err(e) => failures.push(format!("{method} {uri}: {e}")),
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}: {} of {calls} calls failed:\n{}",
            t.label,
            failures.len(),
            failures.join("\n")
        );

        // The two reported panics, aimed precisely: a policy of u32::MAX for one urgency, and an
        // extension of 4,294,967,295 working days asked by the lead unit.
        for key in ["emergency", "utility", "general", "complex", "contact"] {
            for kind in ["hours", "working_days"] {
                let body = format!("{{\"{key}\":{{\"{kind}\":4294967295}}}}");
                let r = send(&f.app, &admin, "PUT", "/api/v1/settings/deadlines", Some(&body)).await;
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {body}: {}", t.label, r.body);
                assert!(r.body.contains("不能超过"), "{}", r.body);
            }
        }
        let dept = login(&f, Who::Department).await;
        let case = send(&f.app, &admin, "GET", &format!("/api/v1/cases/{case_id}"), None).await.json();
        let lead = case["state"]["lead"].clone();
        for extra in [r#"{"working_days":4294967295}"#, r#"{"hours":4294967295}"#, r#"{"working_days":31}"#] {
            let body = format!(
                r#"{{"version":{},"action":{{"action":"request_extension","unit":{lead},"extra":{extra},"reason":"需协调"}}}}"#,
                case["version"]
            );
            let r = send(&f.app, &dept, "POST", &format!("/api/v1/cases/{case_id}/actions"), Some(&body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {extra}: {}", t.label, r.body);
            assert!(r.body.contains("延期时长不能超过"), "{}", r.body);
        }

        // Intake still works for every urgency (no extreme policy got in).
        for (i, category) in ["city.noise", "city.water", "city.road"].iter().enumerate() {
            let body = serde_json::json!({ "category": category, "description": format!("收尾检查 {i}"), "lat": POINT_A1.1, "lng": POINT_A1.0 });
            let r = send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&body.to_string())).await;
            assert!(r.status.is_success() || r.status.is_client_error(), "{}: {category}: {}", t.label, r.status);
        }
    }
}
