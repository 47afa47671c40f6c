//! Issue 9, the HTTP side: login redirects (7), Open311 publishing (8), API tokens (10), login
//! side channels and client addresses (12), error shapes (13), headers and the TOTP secret (14),
//! and the server loop's timeouts and connection cap (R3).

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use support::*;
use tower::ServiceExt;

fn cookie_of(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// A raw request: optional content type, body bytes, peer address and extra headers.
async fn raw(
    app: &axum::Router,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
    peer: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    if let Some(p) = peer {
        req.extensions_mut().insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
    }
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

// ---- item 7 ----

both_backends! {
    async fn hostile_next_after_login_goes_to_the_start_page_item7(t: TestStore) {
        let f = fixture(&t).await;
        let hostile = [
            "/\t/evil.example",
            "/%09/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/%0d%0aSet-Cookie:%20x=1",
            "/\n/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example/",
            "https:evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/／evil.example",
            "/\u{3000}/evil.example",
            "/%E3%80%80%0A",
            "evil.example",
        ];
        for next in hostile {
            // The login page accepts it in its query without error and never echoes it back.
            let q = serde_urlencoded::to_string([("next", next)]).unwrap();
            let page = send(&f.app, &Session::default(), "GET", &format!("/login?{q}"), None).await;
            assert_eq!(page.status, StatusCode::OK, "{next:?}");
            let csrf = cookie_of(&page, "tx_login_csrf").unwrap();
            let token = csrf.split_once('=').unwrap().1.to_string();
            let form = serde_urlencoded::to_string([
                ("username", "grid1"),
                ("password", PASSWORD),
                ("_csrf", token.as_str()),
                ("next", next),
            ])
            .unwrap();
            let reply = raw(
                &f.app,
                "POST",
                "/login",
                Some("application/x-www-form-urlencoded"),
                form.into_bytes(),
                None,
                &[("cookie", &csrf)],
            )
            .await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {next:?}: {}", t.label, reply.body);
            assert_eq!(reply.headers.get(header::LOCATION).unwrap(), "/", "{next:?} must land on the start page");
        }
        // A safe next is kept.
        let page = send(&f.app, &Session::default(), "GET", "/login", None).await;
        let csrf = cookie_of(&page, "tx_login_csrf").unwrap();
        let token = csrf.split_once('=').unwrap().1.to_string();
        let form = serde_urlencoded::to_string([
            ("username", "grid1"),
            ("password", PASSWORD),
            ("_csrf", token.as_str()),
            ("next", "/cases?page=2"),
        ])
        .unwrap();
        let reply = raw(
            &f.app,
            "POST",
            "/login",
            Some("application/x-www-form-urlencoded"),
            form.into_bytes(),
            None,
            &[("cookie", &csrf)],
        )
        .await;
        assert_eq!(reply.headers.get(header::LOCATION).unwrap(), "/cases?page=2");

        // The page redirect that builds `next` only ever carries a safe local path.
        for uri in ["/cases", "/cases?q=%0d%0a", "/cases?q=%09//evil.example", "/cases?next=//evil.example"] {
            let reply = send(&f.app, &Session::default(), "GET", uri, None).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
            let to = reply.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_string();
            let q = to.strip_prefix("/login?next=").unwrap_or_else(|| panic!("{uri} → {to}"));
            let next: Vec<(String, String)> = serde_urlencoded::from_str(&format!("next={q}")).unwrap();
            let next = &next[0].1;
            assert_eq!(tongxin_web::auth::next::safe_next(next), Some(next.as_str()), "{uri} → {next:?}");
        }
    }
}

// ---- item 8 ----

both_backends! {
    async fn open311_publishes_only_public_categories_coarsened_item8(t: TestStore) {
        let f = fixture(&t).await;
        let code_a1 = f.ids.case_a1.code.clone();
        // A hotline case in the same category, at a precise point.
        let hotline = f
            .state
            .cases
            .report(tongxin_app::cases::Report {
                channel: tongxin_domain::case::Channel::Hotline,
                category: "city.noise".into(),
                urgency: None,
                title: None,
                description: "来电人张三说邻居家每晚吵闹".into(),
                place: tongxin_app::cases::Place::Point { lng: POINT_A1.0, lat: POINT_A1.1 },
                address: "桃园小区3幢2单元401室".into(),
                requester_name: Some("张三".into()),
                phone: None,
                photos: Vec::new(),
                reporter: tongxin_app::cases::Reporter::System("test".into()),
                on_spot_reply: None,
            })
            .await
            .unwrap();

        // city.noise is not public: nothing is listed, and by id it does not exist.
        for uri in ["/open311/v2/requests.json", "/open311/v2/requests.json?service_code=city.noise"] {
            let list = send(&f.app, &Session::default(), "GET", uri, None).await;
            assert_eq!(list.status, StatusCode::OK);
            assert_eq!(list.json(), serde_json::json!([]), "{}: {uri}", t.label);
        }
        for code in [&code_a1, &hotline.code] {
            let one =
                send(&f.app, &Session::default(), "GET", &format!("/open311/v2/requests/{code}.json"), None).await;
            assert_eq!(one.status, StatusCode::NOT_FOUND, "{}: a private case is absent", t.label);
            let ids = send(
                &f.app,
                &Session::default(),
                "GET",
                &format!("/open311/v2/requests.json?service_request_id={code}"),
                None,
            )
            .await;
            assert_eq!(ids.json(), serde_json::json!([]));
        }

        // The admin marks it public through the API.
        let admin = login(&f, Who::Admin).await;
        let body = r#"{"code":"city.noise","name":"噪音扰民","parent_code":"city","urgency":"general","kind":"complaint","active":true,"sort":1,"public":true}"#;
        let put = send(&f.app, &admin, "PUT", "/api/v1/categories/city.noise", Some(body)).await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.body);
        let list = send(&f.app, &Session::default(), "GET", "/open311/v2/requests.json", None).await.json();
        let items = list.as_array().unwrap();
        let street2 = items.iter().find(|r| r["service_request_id"] == f.ids.case_c1.code.as_str()).unwrap();
        assert_eq!(street2["description"], "广场舞噪音扰民", "a resident's own public words are shown");
        let h = items.iter().find(|r| r["service_request_id"] == hotline.code.as_str()).unwrap();
        assert_eq!(h["description"], "", "{}: a hotline caller's words are not published", t.label);
        let text = list.to_string();
        for secret in ["3幢2单元", "401", "张三", "小区"] {
            assert!(!text.contains(secret), "{}: {secret} leaked: {text}", t.label);
        }
        assert!(h["address_id"].is_null());
        let lat = h["lat"].as_f64().unwrap();
        assert!((lat * 1000.0 - (lat * 1000.0).round()).abs() < 1e-6, "coarsened to 3 decimals: {lat}");
        assert!((lat - POINT_A1.1).abs() < 0.001);
        let one =
            send(&f.app, &Session::default(), "GET", &format!("/open311/v2/requests/{}.json", hotline.code), None)
                .await;
        assert_eq!(one.status, StatusCode::OK);

        // And private again through the category form (the box unticked).
        let page = support::pages::get(&f, &admin, "/admin/categories/city.noise").await;
        assert!(page.body.contains("name=\"public\"") && page.body.contains("checked"), "the form shows the flag");
        let reply = support::pages::post_form_with_csrf(
            &f,
            &admin,
            "/admin/categories/city.noise",
            &[("name", "噪音扰民"), ("urgency", "general"), ("kind", "complaint"), ("sort", "1"), ("active", "1")],
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let one =
            send(&f.app, &Session::default(), "GET", &format!("/open311/v2/requests/{}.json", hotline.code), None)
                .await;
        assert_eq!(one.status, StatusCode::NOT_FOUND, "{}: private again", t.label);
    }
}

// ---- item 10 ----

async fn with_bearer(f: &Fixture, token: &str, method: &str, uri: &str, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {token}");
    let (ct, bytes) = match body {
        Some(b) => (Some("application/json"), b.as_bytes().to_vec()),
        None => (None, Vec::new()),
    };
    raw(&f.app, method, uri, ct, bytes, None, &[("authorization", &auth)]).await
}

both_backends! {
    async fn api_tokens_cannot_mint_expire_are_listed_and_die_with_the_password_item10(t: TestStore) {
        let f = fixture(&t).await;
        let leader = login(&f, Who::Leader).await;
        let created = send(&f.app, &leader, "POST", "/api/v1/tokens", Some(r#"{"name":"脚本"}"#)).await;
        assert_eq!(created.status, StatusCode::CREATED);
        let created = created.json();
        let token = created["token"].as_str().unwrap().to_string();
        assert!(created["expires_at"].is_string());

        // A token cannot mint tokens.
        let minted = with_bearer(&f, &token, "POST", "/api/v1/tokens", Some(r#"{"name":"再来一个"}"#)).await;
        assert_eq!(minted.status, StatusCode::FORBIDDEN, "{}", minted.body);
        assert_eq!(minted.json()["error"]["code"], "token_cannot_mint");

        // Listed for the owner and the admin, without the secret.
        let mine = send(&f.app, &leader, "GET", "/api/v1/tokens", None).await;
        assert!(!mine.body.contains(&token));
        assert_eq!(mine.json().as_array().unwrap().len(), 1);
        let admin = login(&f, Who::Admin).await;
        let leader_id = f.ids.users[&Who::Leader];
        let theirs = send(&f.app, &admin, "GET", &format!("/api/v1/users/{leader_id}/tokens"), None).await.json();
        assert_eq!(theirs[0]["name"], "脚本");
        let not_admin = send(&f.app, &leader, "GET", &format!("/api/v1/users/{leader_id}/tokens"), None).await;
        assert_eq!(not_admin.status, StatusCode::FORBIDDEN);

        // It expires after the configured 90 days.
        assert_eq!(with_bearer(&f, &token, "GET", "/api/v1/auth/me", None).await.status, StatusCode::OK);
        f.clock.advance(chrono::Duration::days(91));
        assert_eq!(with_bearer(&f, &token, "GET", "/api/v1/auth/me", None).await.status, StatusCode::UNAUTHORIZED);

        // An admin revokes another user's token.
        let leader = login(&f, Who::Leader).await;
        let second = send(&f.app, &leader, "POST", "/api/v1/tokens", Some(r#"{"name":"二号"}"#)).await.json();
        let second_token = second["token"].as_str().unwrap().to_string();
        let admin = login(&f, Who::Admin).await;
        let revoke = send(&f.app, &admin, "DELETE", &format!("/api/v1/tokens/{}", second["id"]), None).await;
        assert_eq!(revoke.status, StatusCode::NO_CONTENT);
        assert_eq!(
            with_bearer(&f, &second_token, "GET", "/api/v1/auth/me", None).await.status,
            StatusCode::UNAUTHORIZED
        );

        // A password change revokes the rest.
        let third = send(&f.app, &leader, "POST", "/api/v1/tokens", Some(r#"{"name":"三号"}"#)).await.json();
        let third_token = third["token"].as_str().unwrap().to_string();
        assert_eq!(with_bearer(&f, &third_token, "GET", "/api/v1/auth/me", None).await.status, StatusCode::OK);
        let body = format!(r#"{{"current_password":"{PASSWORD}","new_password":"Another@2026x"}}"#);
        let changed = send(&f.app, &leader, "POST", "/api/v1/auth/password", Some(&body)).await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.body);
        assert_eq!(
            with_bearer(&f, &third_token, "GET", "/api/v1/auth/me", None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

// ---- item 12 ----

async fn json_login(f: &Fixture, user: &str, password: &str, peer: &str, headers: &[(&str, &str)]) -> Reply {
    let body = format!(r#"{{"username":"{user}","password":"{password}"}}"#);
    raw(&f.app, "POST", "/api/v1/auth/login", Some("application/json"), body.into_bytes(), Some(peer), headers).await
}

both_backends! {
    async fn unknown_disabled_and_wrong_answer_alike_and_delays_are_per_address_item12(t: TestStore) {
        let f = fixture(&t).await;
        // Disable the mediator.
        let id = f.ids.users[&Who::Mediator];
        let u = f.store.accounts().user(id).await.unwrap();
        let scope_region = match &u.scope {
            tongxin_domain::kernel::access::Scope::Region { code } => Some(code.to_string()),
            _ => None,
        };
        let access = tongxin_store::accounts::UserAccess {
            role: u.role,
            scope_region,
            scope_department: None,
            can_unmask: u.can_unmask,
            active: false,
        };
        f.store.accounts().update_access(&tongxin_store::Actor::system("test"), id, &access).await.unwrap();

        let wrong = json_login(&f, "leader", "wrong-password", "203.0.113.1:1000", &[]).await;
        let unknown = json_login(&f, "nobody-here", "wrong-password", "203.0.113.2:1000", &[]).await;
        let disabled = json_login(&f, "mediator", PASSWORD, "203.0.113.3:1000", &[]).await;
        for r in [&unknown, &disabled] {
            assert_eq!((r.status, &r.body), (wrong.status, &wrong.body), "{}: the same answer", t.label);
        }

        // Six failures from one address delay that address only; unknown names alike.
        for name in ["leader", "nobody-here"] {
            for _ in 0..6 {
                json_login(&f, name, "wrong-password", "198.51.100.66:1000", &[]).await;
            }
            let delayed = json_login(&f, name, PASSWORD, "198.51.100.66:1000", &[]).await;
            assert_eq!(delayed.status, StatusCode::TOO_MANY_REQUESTS, "{}: {name}", t.label);
            assert_eq!(delayed.json()["error"]["code"], "throttled");
        }
        let owner = json_login(&f, "leader", PASSWORD, "192.0.2.10:1000", &[]).await;
        assert_eq!(owner.status, StatusCode::OK, "{}: the owner elsewhere gets in", t.label);
    }
}

both_backends! {
    async fn behind_a_trusted_proxy_limits_key_on_the_forwarded_client_item12(t: TestStore) {
        let f = fixture(&t).await;
        let config = tongxin_web::WebConfig {
            hash_cost: tongxin_app::accounts::password::HashCost::Fast,
            login_attempts_per_window: 3,
            trusted_proxies: vec![tongxin_web::auth::client::Cidr::parse("127.0.0.1").unwrap()],
            ..tongxin_web::WebConfig::default()
        };
        let state = tongxin_web::AppState::new(f.store.clone(), config).await.unwrap();
        let app = tongxin_web::app(state);
        let f2 =
            Fixture { app, state: f.state.clone(), store: f.store.clone(), clock: f.clock.clone(), ids: f.ids.clone() };
        let proxy = "127.0.0.1:5000";
        for _ in 0..3 {
            json_login(&f2, "nobody", "x", proxy, &[("x-forwarded-for", "203.0.113.50")]).await;
        }
        let spoofed = json_login(&f2, "leader", PASSWORD, proxy, &[("x-forwarded-for", "1.2.3.4, 203.0.113.50")]).await;
        assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS, "{}: a prepended address changes nothing", t.label);
        let other = json_login(&f2, "leader", PASSWORD, proxy, &[("x-forwarded-for", "203.0.113.51")]).await;
        assert_eq!(other.status, StatusCode::OK, "{}: another client behind the proxy", t.label);
        // Not from the proxy: the header is not believed, the socket address counts.
        for _ in 0..3 {
            json_login(&f2, "nobody", "x", "198.51.100.9:1", &[("x-forwarded-for", "203.0.113.52")]).await;
        }
        let direct =
            json_login(&f2, "leader", PASSWORD, "198.51.100.9:1", &[("x-forwarded-for", "203.0.113.53")]).await;
        assert_eq!(direct.status, StatusCode::TOO_MANY_REQUESTS, "{}", t.label);
    }
}

// ---- item 13 ----

both_backends! {
    async fn malformed_api_requests_get_the_json_error_shape_item13(t: TestStore) {
        let f = fixture(&t).await;
        let s = login(&f, Who::Admin).await;
        let cookie = s.cookie.clone().unwrap();
        let csrf = s.csrf.clone().unwrap();
        let auth: [(&str, &str); 2] = [("cookie", &cookie), ("x-csrf-token", &csrf)];
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a [u8], bool);
        let cases: Vec<Case> = vec![
            ("POST", "/api/v1/auth/login", None, br#"{"username":"a","password":"b"}"#, false),
            ("POST", "/api/v1/auth/login", Some("text/plain"), br#"{"username":"a","password":"b"}"#, false),
            ("POST", "/api/v1/auth/login", Some("application/json"), b"", false),
            ("POST", "/api/v1/auth/login", Some("application/json"), b"{bad json", false),
            ("POST", "/api/v1/auth/login", Some("application/json"), br#"{"username":1}"#, false),
            ("POST", "/api/v1/auth/login", Some("application/json"), b"[]", false),
            ("POST", "/api/v1/auth/login", Some("application/json"), b"\xff\xfe", false),
            ("DELETE", "/api/v1/auth/login", None, b"", false),
            ("GET", "/api/v1/buildings/abc", None, b"", true),
            ("GET", "/api/v1/buildings/99999999999999999999", None, b"", true),
            ("GET", "/api/v1/departments/-x", None, b"", true),
            ("GET", "/api/v1/residents?page=abc", None, b"", true),
            ("GET", "/api/v1/residents?q=%FF%FE", None, b"", true),
            ("GET", "/api/v1/audit?per_page=-1", None, b"", true),
            ("POST", "/api/v1/tokens", Some("application/json"), b"{", true),
            ("POST", "/api/v1/tokens", Some("application/x-www-form-urlencoded"), b"name=%FF", true),
            ("POST", "/api/v1/tokens", Some("application/json"), br#"{"nom":"x"}"#, true),
            ("PUT", "/api/v1/tokens", Some("application/json"), b"{}", true),
            ("GET", "/api/v1/no-such-thing", None, b"", true),
        ];
        for (method, uri, ct, body, authed) in cases {
            let headers: &[(&str, &str)] = if authed { &auth } else { &[] };
            let r = raw(&f.app, method, uri, ct, body.to_vec(), None, headers).await;
            assert!(r.status.is_client_error(), "{}: {method} {uri} {ct:?}: {} {}", t.label, r.status, r.body);
            let ct_out = r.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
            assert_eq!(ct_out.as_deref(), Some("application/json"), "{method} {uri}: {}", r.body);
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let e = &v["error"];
            assert!(e["code"].is_string() && e.get("field").is_some(), "{method} {uri}: {}", r.body);
            assert!(has_chinese(e["message"].as_str().unwrap()), "{method} {uri}: {}", r.body);
        }
        // A page form in another encoding is refused, not silently altered.
        let page = send(&f.app, &Session::default(), "GET", "/login", None).await;
        let c = cookie_of(&page, "tx_login_csrf").unwrap();
        let token = c.split_once('=').unwrap().1.to_string();
        let body = format!("username=%D5%C5%C8%FD&password=x&_csrf={token}");
        let r = raw(
            &f.app,
            "POST",
            "/login",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            None,
            &[("cookie", &c)],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("UTF-8"));
    }
}

both_backends! {
    /// A NUL in any url-encoded form (page login, API token form) is refused before a handler sees
    /// it: PostgreSQL refuses NUL in text, so it would otherwise surface as a server error (item 13).
    async fn a_nul_in_any_url_encoded_form_is_refused_item13(t: TestStore) {
        let f = fixture(&t).await;
        let page = send(&f.app, &Session::default(), "GET", "/login", None).await;
        let c = cookie_of(&page, "tx_login_csrf").unwrap();
        let token = c.split_once('=').unwrap().1.to_string();
        for username in ["a%00b", "%00", "admin%00"] {
            let body = format!("username={username}&password=x&_csrf={token}");
            let form = Some("application/x-www-form-urlencoded");
            let r = raw(&f.app, "POST", "/login", form, body.into_bytes(), None, &[("cookie", &c)]).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {username}: {}", t.label, r.body);
            assert!(r.body.contains("空字符"), "{}", r.body);
        }
        // A url-encoded form past 256 KB is refused before any handler reads it.
        let big = format!("username={}&password=x&_csrf={token}", "a".repeat(300 * 1024));
        let form = Some("application/x-www-form-urlencoded");
        let r = raw(&f.app, "POST", "/login", form, big.into_bytes(), None, &[("cookie", &c)]).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: {}", t.label, r.body);
        let s = login(&f, Who::Admin).await;
        let (cookie, csrf) = (s.cookie.clone().unwrap(), s.csrf.clone().unwrap());
        let auth: [(&str, &str); 2] = [("cookie", &cookie), ("x-csrf-token", &csrf)];
        let form = Some("application/x-www-form-urlencoded");
        let r = raw(&f.app, "POST", "/api/v1/tokens", form, b"name=x%00y".to_vec(), None, &auth).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {}", t.label, r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains("空字符"), "{}", r.body);
    }
}

// ---- item 14 ----

both_backends! {
    async fn security_headers_and_the_configured_public_url_item14(t: TestStore) {
        let f = fixture(&t).await;
        for uri in ["/login", "/api/v1/auth/me", "/open311/v2/discovery.json", "/report", "/static/app.js", "/nope"] {
            let r = raw(&f.app, "GET", uri, None, Vec::new(), None, &[("host", "evil.example")]).await;
            let h = |k: &str| r.headers.get(k).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            assert_eq!(h("x-content-type-options"), "nosniff", "{uri}");
            assert_eq!(h("x-frame-options"), "DENY", "{uri}");
            assert!(["same-origin", "no-referrer", "strict-origin"].contains(&h("referrer-policy").as_str()), "{uri}");
            let csp = h("content-security-policy");
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self';"), "{uri}: {csp}");
            assert!(
                !csp.contains("unsafe-eval") && !csp.split("script-src").nth(1).unwrap().starts_with(" 'self' 'unsafe")
            );
        }
        let d =
            raw(&f.app, "GET", "/open311/v2/discovery.json", None, Vec::new(), None, &[("host", "evil.example")]).await;
        assert!(!d.body.contains("evil.example"), "the Host header is not trusted: {}", d.body);
        assert!(d.body.contains("http://localhost:8080/open311/v2"), "{}", d.body);
    }
}

/// The CSP forbids inline scripts: no template may carry one (or an `on…=` handler).
#[test]
fn templates_have_no_inline_scripts_item14() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"), &mut files);
    assert!(files.len() > 10);
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap().to_lowercase();
        for (at, _) in text.match_indices("<script") {
            let tag = &text[at..at + text[at..].find('>').unwrap()];
            assert!(tag.contains(" src="), "{}: inline script", p.display());
        }
        for handler in [" onclick=", " onload=", " onsubmit=", " onchange=", " oninput=", " onerror=", "javascript:"] {
            assert!(!text.contains(handler), "{}: {handler}", p.display());
        }
    }
}

both_backends! {
    async fn replacing_the_totp_secret_needs_the_current_code_item14(t: TestStore) {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let setup = send(&f.app, &admin, "POST", "/api/v1/auth/totp/setup", None).await.json();
        let secret = setup["secret"].as_str().unwrap().to_string();
        let raw_secret = tongxin_domain::accounts::totp::decode_secret(&secret).unwrap();
        f.clock.advance(chrono::Duration::seconds(30));
        let now = f.store.now().timestamp();
        let new_code = tongxin_domain::accounts::totp::code_at(&raw_secret, now);
        let body = format!(r#"{{"secret":"{secret}","code":"{new_code}"}}"#);
        let refused = send(&f.app, &admin, "POST", "/api/v1/auth/totp/enable", Some(&body)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert_eq!(refused.json()["error"]["field"], "current_code");
        let current = tongxin_domain::accounts::totp::code_at(ADMIN_TOTP, now);
        let body = format!(r#"{{"secret":"{secret}","code":"{new_code}","current_code":"{current}"}}"#);
        let ok = send(&f.app, &admin, "POST", "/api/v1/auth/totp/enable", Some(&body)).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}: {}", t.label, ok.body);
    }
}

// ---- R3 ----

async fn start_server(limits: tongxin_web::server::Limits, app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(tongxin_web::server::serve(listener, app, limits, std::future::pending()));
    addr
}

async fn get_healthz(addr: SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn idle_connections_over_the_cap_do_not_starve_others_r3() {
    let t = tongxin_testkit::sqlite_store().await;
    let f = fixture(&t).await;
    let limits = tongxin_web::server::Limits {
        max_connections: 50,
        header_timeout: std::time::Duration::from_millis(500),
        body_timeout: std::time::Duration::from_secs(2),
        shutdown_grace: std::time::Duration::from_secs(1),
    };
    let addr = start_server(limits, f.app.clone()).await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // Only a guard against hanging forever, not a timing claim.
    let reply = tokio::time::timeout(std::time::Duration::from_secs(120), get_healthz(addr))
        .await
        .expect("the server answers despite 300 idle connections");
    assert!(reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok"), "{reply}");
    assert!(reply.to_lowercase().contains("x-content-type-options: nosniff"));
    drop(idle);
    t.cleanup().await;
}

#[tokio::test]
async fn slow_headers_and_slow_bodies_are_cut_off_r3() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = tongxin_testkit::sqlite_store().await;
    let f = fixture(&t).await;
    let limits = tongxin_web::server::Limits {
        max_connections: 10,
        header_timeout: std::time::Duration::from_millis(500),
        body_timeout: std::time::Duration::from_millis(500),
        shutdown_grace: std::time::Duration::from_secs(1),
    };
    let addr = start_server(limits, f.app.clone()).await;
    // Headers that never finish: the server closes the connection.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let mut buf = Vec::new();
    let n = tokio::time::timeout(std::time::Duration::from_secs(60), slow.read_to_end(&mut buf))
        .await
        .expect("the slow client is dropped");
    assert!(n.is_err() || buf.is_empty() || String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"), "{buf:?}");
    // A body that never finishes: refused with the JSON error shape, not waited on.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(60), slow.read_to_end(&mut buf))
        .await
        .expect("the slow body is cut off");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    t.cleanup().await;
}

both_backends! {
    async fn tokens_are_listed_and_revoked_on_the_pages_item10(t: TestStore) {
        let f = fixture(&t).await;
        let leader = login(&f, Who::Leader).await;
        let created = send(&f.app, &leader, "POST", "/api/v1/tokens", Some(r#"{"name":"巡查脚本"}"#)).await.json();
        let token = created["token"].as_str().unwrap().to_string();
        let id = created["id"].as_i64().unwrap();
        let page = support::pages::get(&f, &leader, "/password").await;
        assert!(page.body.contains("巡查脚本") && page.body.contains("有效"), "{}", page.body);
        assert!(page.body.contains("API 令牌也将全部吊销"), "the page says a password change revokes tokens");
        let r = support::pages::post_form_with_csrf(&f, &leader, &format!("/password/tokens/{id}/revoke"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(with_bearer(&f, &token, "GET", "/api/v1/auth/me", None).await.status, StatusCode::UNAUTHORIZED);

        let second = send(&f.app, &leader, "POST", "/api/v1/tokens", Some(r#"{"name":"统计脚本"}"#)).await.json();
        let admin = login(&f, Who::Admin).await;
        let leader_id = f.ids.users[&Who::Leader];
        let page = support::pages::get(&f, &admin, &format!("/admin/users/{leader_id}")).await;
        assert!(page.body.contains("统计脚本") && page.body.contains("已吊销"), "{}", page.body);
        let uri = format!("/admin/users/{leader_id}/tokens/{}/revoke", second["id"]);
        let r = support::pages::post_form_with_csrf(&f, &admin, &uri, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let second_token = second["token"].as_str().unwrap();
        assert_eq!(
            with_bearer(&f, second_token, "GET", "/api/v1/auth/me", None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}
