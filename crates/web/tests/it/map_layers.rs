//! The interactive map's GeoJSON layers (issue 11 item 4): each caller gets the areas,
//! buildings and cases of their own scope and nothing beyond it; the report form's layer is the
//! street's grids and buildings without counts or cases; a configured tile host enters the
//! CSP's `img-src` and nothing else.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use support::pages::*;
use support::*;

/// The features of one kind, as (code or name, properties).
fn of_kind<'a>(layers: &'a Value, kind: &str) -> Vec<&'a Value> {
    layers["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == kind)
        .map(|f| &f["properties"])
        .collect()
}

fn codes(props: &[&Value]) -> Vec<String> {
    props.iter().map(|p| p["code"].as_str().unwrap().to_string()).collect()
}

both_backends! {
    async fn each_caller_reads_the_layers_of_their_own_scope(t: TestStore) {
        let f = fixture(&t).await;
        let code = report_at(&f, (119.6610, 29.0880), "楼下烧烤店油烟太大", "13900002222").await;
        let d = login(&f, Who::Dispatcher).await;

        // The dispatcher's street: its three grids with counts and label points, no other street's.
        let r = get(&f, &d, "/map/layers.json?area=330702001").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert!(r.headers["cache-control"].to_str().unwrap().starts_with("private"));
        let layers = r.json();
        let areas = of_kind(&layers, "area");
        assert_eq!(codes(&areas), vec![GRID_A1, GRID_A2, GRID_B1], "{}", t.label);
        let a1 = areas.iter().find(|a| a["code"] == GRID_A1).unwrap();
        assert_eq!(a1["note"], "2 件", "{}: the grid's open cases", t.label);
        let label = a1["label"].as_array().unwrap();
        let (lng, lat) = (label[0].as_f64().unwrap(), label[1].as_f64().unwrap());
        assert!((119.66..119.665).contains(&lng) && (29.085..29.09).contains(&lat), "inside A1: {lng},{lat}");
        assert!(of_kind(&layers, "building").is_empty(), "buildings only when asked");

        // A community with its buildings; another street's community is 404.
        let layers = get(&f, &d, &format!("/map/layers.json?area={COMMUNITY_A}&buildings=1")).await.json();
        assert_eq!(codes(&of_kind(&layers, "area")), vec![GRID_A1, GRID_A2]);
        let names: Vec<&str> = of_kind(&layers, "building").iter().map(|b| b["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["小区1幢", "小区2幢"], "{}", t.label);
        assert_eq!(get(&f, &d, &format!("/map/layers.json?area={COMMUNITY_C}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&f, &d, "/map/layers.json?area=33070200").await.status, StatusCode::NOT_FOUND);

        // The grid worker: their grid only, with its open case on the map linking to the case.
        let g = login(&f, Who::Grid).await;
        let layers = get(&f, &g, "/map/layers.json?buildings=1").await.json();
        assert_eq!(codes(&of_kind(&layers, "area")), vec![GRID_A1], "{}", t.label);
        let names: Vec<&str> = of_kind(&layers, "building").iter().map(|b| b["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["小区1幢"]);
        let cases = of_kind(&layers, "case");
        assert_eq!(cases.len(), 1, "{}: {layers}", t.label);
        assert!(cases[0]["name"].as_str().unwrap().starts_with(&code), "{}", cases[0]);
        assert!(cases[0]["href"].as_str().unwrap().starts_with("/cases/"));
        assert_eq!(get(&f, &g, &format!("/map/layers.json?area={GRID_A2}")).await.status, StatusCode::NOT_FOUND);
        // A department reads no map of areas.
        let dept = login(&f, Who::Department).await;
        assert_eq!(get(&f, &dept, "/map/layers.json").await.status, StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn the_report_form_layer_is_the_streets_grids_and_buildings_only(t: TestStore) {
        let f = fixture(&t).await;
        report_at(&f, (119.6610, 29.0880), "楼下烧烤店油烟太大", "13900002222").await;
        let r = get(&f, &Session::default(), &format!("/report/map.json?s={STREET1}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        let layers = r.json();
        let areas = of_kind(&layers, "area");
        assert_eq!(codes(&areas), vec![GRID_A1, GRID_A2, GRID_B1]);
        assert!(areas.iter().all(|a| a["note"] == ""), "no counts for the public: {layers}");
        assert!(of_kind(&layers, "case").is_empty() && of_kind(&layers, "overdue").is_empty());
        assert!(!r.body.contains("/cases/") && !r.body.contains(GRID_C1), "{}", t.label);
        assert_eq!(of_kind(&layers, "building").len(), 2);
        for bad in ["/report/map.json", "/report/map.json?s=x", "/report/map.json?s=330702099"] {
            assert_eq!(get(&f, &Session::default(), bad).await.status, StatusCode::NOT_FOUND, "{bad}");
        }
        // The form points its interactive map at this layer.
        let form = get(&f, &Session::default(), "/report").await.body;
        assert!(form.contains(&format!(r#"data-layers="/report/map.json?s={STREET1}""#)), "{}", t.label);
        assert!(form.contains(r#"data-map="report""#) && form.contains(r#"data-tiles="""#));
    }
}

both_backends! {
    async fn a_configured_tile_host_is_allowed_for_images_only(t: TestStore) {
        let f = fixture(&t).await;
        let plain = get(&f, &Session::default(), "/report").await;
        let csp = plain.headers["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("img-src 'self' data: blob:;"), "no tile host by default: {csp}");

        let map = tongxin_web::ui::map::MapConfig::parse("tianditu", "abc123", "", "", "wgs84").unwrap();
        let mut state = f.state.clone();
        state.config = Arc::new(tongxin_web::WebConfig { map, ..(*f.state.config).clone() });
        let app = tongxin_web::app(state);
        let r = reply(
            &Fixture { app, state: f.state.clone(), store: f.store.clone(), clock: f.clock.clone(), ids: f.ids.clone() },
            axum::http::Request::get("/report").body(axum::body::Body::empty()).unwrap(),
        )
        .await;
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("img-src 'self' data: blob: https://*.tianditu.gov.cn;"), "{csp}");
        assert_eq!(csp.matches("tianditu").count(), 1, "in img-src only: {csp}");
        assert!(r.body.contains("tk=abc123") && r.body.contains("LAYER=cva"), "{}: the page names the tiles", t.label);
    }
}
