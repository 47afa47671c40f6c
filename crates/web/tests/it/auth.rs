//! Logging in as people and machines do, and what security requires of it.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use support::*;
use tower::ServiceExt;

fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.to_string())
}

async fn post_form(f: &Fixture, uri: &str, cookie: &str, form: &str) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_string()))
        .unwrap();
    let resp = f.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    Reply { status, headers, body }
}

fn json_login(user: &str, password: &str) -> String {
    format!(r#"{{"username":"{user}","password":"{password}"}}"#)
}

both_backends! {
    async fn the_login_form_sets_a_hardened_session_and_logout_ends_it(t: TestStore) {
        let f = fixture(&t).await;
        let page = send(&f.app, &Session::default(), "GET", "/login", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("工作人员登录") && page.body.contains("<label for=\"password\">密码</label>"));
        let login_cookie = set_cookie(&page, "tx_login_csrf").unwrap();
        let csrf = login_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
        assert!(page.body.contains(&csrf), "the form carries the token");

        let cookie = format!("tx_login_csrf={csrf}");
        let forged = post_form(&f, "/login", &cookie, "username=grid1&password=Tongxin%402026&_csrf=forged").await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", t.label);

        let wrong = post_form(&f, "/login", &cookie, &format!("username=grid1&password=nope&_csrf={csrf}")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("用户名或密码错误"), "a Chinese error on the form");

        let ok =
            post_form(&f, "/login", &cookie, &format!("username=grid1&password=Tongxin%402026&_csrf={csrf}")).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}: {}", t.label, ok.body);
        let session = set_cookie(&ok, "tx_session").unwrap();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attribute), "session cookie lacks {attribute}: {session}");
        }
        let session_cookie = session.split(';').next().unwrap().to_string();
        let home = send(&f.app, &Session { cookie: Some(session_cookie.clone()), csrf: None }, "GET", "/", None).await;
        assert!(home.body.contains("Grid") && home.body.contains("网格员"), "{}", home.body);

        let me =
            send(&f.app, &Session { cookie: Some(session_cookie.clone()), csrf: None }, "GET", "/api/v1/auth/me", None)
                .await;
        let session_csrf = me.json()["csrf_token"].as_str().unwrap().to_string();
        let out = post_form(&f, "/logout", &session_cookie, &format!("_csrf={session_csrf}")).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after =
            send(&f.app, &Session { cookie: Some(session_cookie), csrf: None }, "GET", "/api/v1/auth/me", None).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}: the session is gone", t.label);
    }
}

both_backends! {
    /// Issue 9 item 12: failures delay the (account, address) pair with a growing wait, never
    /// locking the account for everyone (per-address cases: tests/hardening.rs).
    async fn repeated_failures_delay_further_attempts_for_a_while(t: TestStore) {
        let f = fixture(&t).await;
        for _ in 0..6 {
            let r =
                send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&json_login("leader", "wrong")))
                    .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert_eq!(r.json()["error"]["message"], "用户名或密码错误");
        }
        let delayed =
            send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&json_login("leader", PASSWORD)))
                .await;
        assert_eq!(
            (delayed.status, delayed.json()["error"]["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("throttled")),
            "{}",
            t.label
        );
        f.clock.advance(chrono::Duration::seconds(2));
        let ok = send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&json_login("leader", PASSWORD)))
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}: the delay is over", t.label);
    }
}

both_backends! {
    async fn admins_need_a_second_factor_and_codes_are_single_use(t: TestStore) {
        let f = fixture(&t).await;
        let no_code =
            send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&json_login("admin", PASSWORD))).await;
        assert_eq!(no_code.json()["error"]["code"], "totp_required", "{}", t.label);

        f.clock.advance(chrono::Duration::seconds(30));
        let code = tongxin_domain::accounts::totp::code_at(ADMIN_TOTP, f.store.now().timestamp());
        let body = format!(r#"{{"username":"admin","password":"{PASSWORD}","totp_code":"{code}"}}"#);
        assert_eq!(
            send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&body)).await.status,
            StatusCode::OK
        );
        let replay = send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&body)).await;
        assert_eq!(replay.json()["error"]["code"], "bad_totp", "{}: a used code is refused", t.label);

        // An admin without a second factor gets a session that can only enrol one.
        let admin = login(&f, Who::Admin).await;
        let new_admin = r#"{"username":"admin2","display_name":"新管理员","password":"Tongxin@2026","role":"admin"}"#;
        assert_eq!(send(&f.app, &admin, "POST", "/api/v1/users", Some(new_admin)).await.status, StatusCode::CREATED);
        let first =
            send(&f.app, &Session::default(), "POST", "/api/v1/auth/login", Some(&json_login("admin2", PASSWORD)))
                .await;
        assert_eq!(first.json()["second_factor"], "enroll_required");
        let cookie = set_cookie(&first, "tx_session").unwrap().split(';').next().unwrap().to_string();
        let pending = Session { cookie: Some(cookie), csrf: first.json()["csrf_token"].as_str().map(String::from) };
        let blocked = send(&f.app, &pending, "GET", "/api/v1/regions", None).await;
        assert_eq!(
            (blocked.status, blocked.json()["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("second_factor_required"))
        );
        let setup = send(&f.app, &pending, "POST", "/api/v1/auth/totp/setup", None).await.json();
        let secret = setup["secret"].as_str().unwrap();
        assert!(setup["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
        let code = tongxin_domain::accounts::totp::code_at(
            &tongxin_domain::accounts::totp::decode_secret(secret).unwrap(),
            f.store.now().timestamp(),
        );
        let enable = format!(r#"{{"secret":"{secret}","code":"{code}"}}"#);
        assert_eq!(
            send(&f.app, &pending, "POST", "/api/v1/auth/totp/enable", Some(&enable)).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(send(&f.app, &pending, "GET", "/api/v1/regions", None).await.status, StatusCode::OK, "{}", t.label);
    }
}

both_backends! {
    async fn csrf_expiry_and_api_tokens(t: TestStore) {
        let f = fixture(&t).await;
        let s = login(&f, Who::Community).await;
        let no_csrf = Session { cookie: s.cookie.clone(), csrf: None };
        let r = send(&f.app, &no_csrf, "POST", "/api/v1/tokens", Some(r#"{"name":"脚本"}"#)).await;
        assert_eq!(
            (r.status, r.json()["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("csrf")),
            "{}",
            t.label
        );

        let created = send(&f.app, &s, "POST", "/api/v1/tokens", Some(r#"{"name":"脚本"}"#)).await.json();
        let bearer = created["token"].as_str().unwrap().to_string();
        let call = |token: String| {
            let app = f.app.clone();
            async move {
                let req = Request::builder()
                    .uri("/api/v1/auth/me")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap();
                app.oneshot(req).await.unwrap().status()
            }
        };
        assert_eq!(call(bearer.clone()).await, StatusCode::OK);
        let id = created["id"].as_i64().unwrap();
        assert_eq!(
            send(&f.app, &s, "DELETE", &format!("/api/v1/tokens/{id}"), None).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(call(bearer).await, StatusCode::UNAUTHORIZED, "{}: revoked", t.label);

        f.clock.advance(chrono::Duration::hours(9));
        assert_eq!(
            send(&f.app, &s, "GET", "/api/v1/auth/me", None).await.status,
            StatusCode::UNAUTHORIZED,
            "{}: expired",
            t.label
        );
    }
}

both_backends! {
    async fn personal_data_is_masked_and_unmasking_is_a_recorded_permission(t: TestStore) {
        let f = fixture(&t).await;
        let grid = login(&f, Who::Grid).await;
        let resident = send(&f.app, &grid, "GET", &format!("/api/v1/residents/{}", f.ids.resident_a1), None).await;
        let json = resident.json();
        assert!(json["id_masked"].as_str().unwrap().contains("**********"));
        assert!(json["phone_masked"].as_str().unwrap().contains("****"));
        let refused =
            send(&f.app, &grid, "GET", &format!("/api/v1/residents/{}/unmasked", f.ids.resident_a1), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let community = login(&f, Who::Community).await;
        let clear = send(&f.app, &community, "GET", &format!("/api/v1/residents/{}/unmasked", f.ids.resident_a1), None)
            .await
            .json();
        assert_eq!(clear["id_number"].as_str().unwrap().len(), 18);
        let admin = login(&f, Who::Admin).await;
        let log = send(
            &f.app,
            &admin,
            "GET",
            &format!("/api/v1/audit?entity=resident&entity_id={}", f.ids.resident_a1),
            None,
        )
        .await
        .json();
        assert_eq!(log[0]["action"], "resident.unmask", "{}", t.label);
        assert_eq!(log[0]["actor_name"], "community");
        assert_eq!(send(&f.app, &admin, "GET", "/api/v1/audit/verify", None).await.json()["ok"], true);

        let missing = send(&f.app, &grid, "GET", "/api/v1/nothing-here", None).await;
        assert_eq!(
            (missing.status, missing.json()["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let bad = send(&f.app, &grid, "GET", "/api/v1/locate?lat=95&lng=119", None).await.json();
        assert_eq!(
            (bad["error"]["field"].as_str(), bad["error"]["message"].as_str()),
            (Some("lat"), Some("纬度应在 -90 到 90 之间"))
        );
        let located =
            send(&f.app, &grid, "GET", &format!("/api/v1/locate?lat={}&lng={}", POINT_A1.1, POINT_A1.0), None)
                .await
                .json();
        assert_eq!(located["grid"]["code"], GRID_A1, "{}", t.label);
        assert_eq!(located["building"]["id"], f.ids.building_a1);
    }
}
