//! Issue 9 over HTTP: a write the database cannot make is a 503 in the JSON error shape with a
//! Chinese message, never a 201, and intake resumes after (item 0); each reporter of the same
//! matter follows the merged case with their own link (item 2).

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use serde_json::json;
use support::*;
use tongxin_store::Db;
use tongxin_testkit::sqlite_store;

async fn post_report(f: &Fixture, text: &str, phone: &str) -> Reply {
    let body =
        json!({ "category": "city.noise", "description": text, "lat": POINT_A1.1, "lng": POINT_A1.0, "phone": phone })
            .to_string();
    send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&body)).await
}

async fn follow(f: &Fixture, code: &str, token: &str) -> Reply {
    send(&f.app, &Session::default(), "GET", &format!("/api/v1/reports/{code}?token={token}"), None).await
}

#[tokio::test]
async fn item0_a_report_the_database_cannot_save_is_a_503_and_intake_resumes() {
    let t = sqlite_store().await;
    let f = fixture(&t).await;
    let Db::Sqlite { write, .. } = &f.store.db else { unreachable!() };
    let full =
        "CREATE TRIGGER disk_full BEFORE INSERT ON cases BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END";
    sqlx::query(full).execute(write).await.unwrap();
    for i in 0..3 {
        let r = post_report(&f, &format!("磁盘已满时的诉求{i}"), "13700002222").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        let body = r.json();
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("数据库暂不可用"), "{body}");
        assert!(!r.body.contains("disk is full"), "the detail is for the log: {}", r.body);
    }
    sqlx::query("DROP TRIGGER disk_full").execute(write).await.unwrap();
    let r = post_report(&f, "空间恢复后的诉求", "13700002222").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let reported = r.json();
    let code = reported["code"].as_str().unwrap();
    let followed = follow(&f, code, reported["follow_token"].as_str().unwrap()).await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.body);
}

both_backends! {
    async fn item2_a_duplicate_reporter_follows_with_their_own_link(t: TestStore) {
        let f = fixture(&t).await;
        let first = post_report(&f, "楼下烧烤油烟很大，每晚到十二点", "13700002222").await.json();
        let second = post_report(&f, "楼下烧烤油烟很大，每晚到十二点！", "13900003333").await.json();
        assert_eq!((second["code"].clone(), second["duplicate"].clone()), (first["code"].clone(), json!(true)));
        let (code, t1, t2) = (
            first["code"].as_str().unwrap(),
            first["follow_token"].as_str().unwrap(),
            second["follow_token"].as_str().unwrap(),
        );
        assert_ne!(t1, t2, "{}: the second reporter must not get the first's private link", t.label);
        assert!(second["follow_url"].as_str().unwrap().contains(t2), "{}", second["follow_url"]);
        for token in [t1, t2] {
            assert_eq!(follow(&f, code, token).await.status, StatusCode::OK, "{}", t.label);
        }
        assert_eq!(
            follow(&f, code, &format!("{}.3", t2.split('.').next().unwrap())).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
