//! The JSON API as a client uses it: trees, registering and editing residents, importing a
//! grid and finding it by location at once.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use support::*;

both_backends! {
    async fn trees_are_nested_and_scoped(t: TestStore) {
        let f = fixture(&t).await;
        let community = login(&f, Who::Community).await;
        let regions = send(&f.app, &community, "GET", "/api/v1/regions?include_grids=true", None).await.json();
        assert_eq!(regions.as_array().unwrap().len(), 1, "{}: one root, the scope's community", t.label);
        assert_eq!(regions[0]["code"], COMMUNITY_A);
        let grids: Vec<&str> =
            regions[0]["children"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
        assert_eq!(grids, vec![GRID_A1, GRID_A2]);

        let admin = login(&f, Who::Admin).await;
        let all = send(&f.app, &admin, "GET", "/api/v1/regions", None).await.json();
        assert_eq!(all[0]["code"], "330702");
        assert_eq!(all[0]["children"].as_array().unwrap().len(), 2, "two streets");

        let party = login(&f, Who::Party).await;
        let orgs = send(&f.app, &party, "GET", "/api/v1/party/orgs", None).await.json();
        assert_eq!(orgs[0]["name"], "桃园社区党委", "{}", t.label);
        assert_eq!(orgs[0]["children"][0]["name"], "桃园一网格党支部");
        assert_eq!(orgs[0]["children"][0]["members"], 1);
    }
}

both_backends! {
    async fn register_then_edit_a_resident_with_conflict_detection(t: TestStore) {
        let f = fixture(&t).await;
        let grid = login(&f, Who::Grid).await;
        let bad = send(
            &f.app,
            &grid,
            "POST",
            "/api/v1/residents",
            Some(r#"{"name":"赵六","id_number":"11010519491231002Y","grid_code":"330702001008001"}"#),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"]["field"], "id_number");
        let body = r#"{"name":"赵六","id_number":"11010519491231002X","grid_code":"330702001008001","household_id":1,"phone":"13912345678","relation":"配偶","tags":["高龄"]}"#;
        let created = send(&f.app, &grid, "POST", "/api/v1/residents", Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", t.label, created.body);
        let r = created.json();
        assert_eq!(
            (r["id_masked"].as_str(), r["phone_masked"].as_str()),
            (Some("1101**********002X"), Some("139****5678"))
        );
        let again = send(&f.app, &grid, "POST", "/api/v1/residents", Some(body)).await;
        assert_eq!(
            (again.status, again.json()["error"]["message"].as_str()),
            (StatusCode::CONFLICT, Some("该身份证号已登记"))
        );

        let found = send(&f.app, &grid, "GET", "/api/v1/residents?q=002X", None).await.json();
        assert_eq!(found["total"], 1, "{}: found by the last four of the ID", t.label);
        let id = r["id"].as_i64().unwrap();
        let edit = |version: i64| format!(r#"{{"version":{version},"phone":"13800000000"}}"#);
        let ok = send(&f.app, &grid, "PATCH", &format!("/api/v1/residents/{id}"), Some(&edit(1))).await;
        assert_eq!((ok.status, ok.json()["version"].as_i64()), (StatusCode::OK, Some(2)));
        let stale = send(&f.app, &grid, "PATCH", &format!("/api/v1/residents/{id}"), Some(&edit(1))).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}: a stale edit is refused, not lost", t.label);
    }
}

both_backends! {
    async fn an_imported_grid_is_located_immediately(t: TestStore) {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        // A third grid of community A, in its south-west quarter.
        let geojson = GRID_A3_GEOJSON;
        let reply = send(&f.app, &admin, "POST", "/api/v1/grids/import", Some(geojson)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", t.label, reply.body);
        assert_eq!(reply.json()["created"], 1);
        let located = send(&f.app, &admin, "GET", "/api/v1/locate?lat=29.0825&lng=119.6625", None).await.json();
        assert_eq!(located["grid"]["code"], "330702001008003", "{}", t.label);

        let overlapping = geojson.replace("330702001008003", "330702001008004").replace("桃园三网格", "桃园四网格");
        let refused = send(&f.app, &admin, "POST", "/api/v1/grids/import", Some(&overlapping)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let details = refused.json()["error"]["details"].to_string();
        assert!(details.contains("330702001008003"), "{}: the error names the grid it overlaps: {details}", t.label);
    }
}
