//! The leaders' dashboard (/dashboard) and the street map (/map), in process, on both backends.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::time::{Duration, Instant};
use support::pages::*;
use support::*;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The number shown in the element with this id (`<b id="today-count">3</b>`).
fn shown(body: &str, id: &str) -> i64 {
    let start = body.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("no #{id}")) + id.len() + 6;
    body[start..].split('<').next().unwrap().trim().parse().unwrap()
}

/// A GET with the raw body bytes.
async fn get_bytes(f: &Fixture, s: &Session, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(uri);
    if let Some(c) = &s.cookie {
        req = req.header(header::COOKIE, c);
    }
    reply_bytes(f, req.body(Body::empty()).unwrap()).await
}

/// A resident's report at a point (the public API), auto-dispatched by the fixture's noise rule.
async fn report_id_at(f: &Fixture, point: (f64, f64), text: &str, phone: &str) -> i64 {
    let code = report_at(f, point, text, phone).await;
    let found = f
        .store
        .cases()
        .queue(
            &tongxin_domain::kernel::access::Scope::All,
            &tongxin_store::cases::read::QueueFilter { q: None, ..Default::default() },
            tongxin_store::Page::new(Some(1), Some(200)),
        )
        .await
        .unwrap();
    found.items.iter().find(|c| c.code == code).unwrap().id
}

both_backends! {
    async fn the_dashboard_draws_charts_with_tables_and_counts_todays_cases(t: TestStore) {
        let f = fixture(&t).await;
        let leader = login(&f, Who::Leader).await;
        let started = Instant::now();
        let page = send(&f.app, &leader, "GET", "/dashboard", None).await;
        let took = started.elapsed();
        assert_eq!(page.status, StatusCode::OK, "{}: {}", t.label, page.body);
        assert!(took < Duration::from_secs(3), "{}: the dashboard took {took:?}", t.label);
        assert!(page.body.len() < 100 * 1024, "{}: {} bytes", t.label, page.body.len());
        let b = &page.body;
        // Two charts and the heat map, each an accessible SVG with a table of its numbers.
        assert_eq!(b.matches(r#"<svg class="chart" role="img" aria-label=""#).count(), 2, "{}", t.label);
        assert!(b.contains(r#"<svg class="map" role="img""#), "{}: the heat map", t.label);
        assert!(b.matches("<details>").count() >= 3, "{}: a table view per chart", t.label);
        for text in
            ["日期", "诉求件数（件）", "在办件数（件）", "诉求分类", "三率排名", "响应率", "满意率", "城管执法中队"]
        {
            assert!(b.contains(text), "{}: {text} missing", t.label);
        }
        for chart in ["daily", "category", "ranking", "areas"] {
            assert!(b.contains(&format!("/dashboard/export.xlsx?chart={chart}")), "{}: export of {chart}", t.label);
        }
        // The fixture reported one case in street 1 today (and one in street 2, out of scope).
        assert_eq!(shown(b, "today-count"), 1, "{}", t.label);
        assert_eq!(shown(b, "open-count"), 1, "{}", t.label);
        // The category table has the noise case; the heat map table lists the street's grids only.
        assert!(b.contains("桃园一网格") && b.contains("青春路一网格"), "{}", t.label);
        assert!(!b.contains("城中一网格") && !b.contains("城中社区"), "{}: street 2 leaks", t.label);

        report_at(&f, POINT_A1, "小区门口垃圾桶满溢无人清理", "13800001234").await;
        let again = send(&f.app, &leader, "GET", "/dashboard", None).await;
        assert_eq!(shown(&again.body, "today-count"), 2, "{}: the new case counts", t.label);
        assert_eq!(shown(&again.body, "last30-count"), 2, "{}", t.label);
        assert_eq!(shown(&again.body, "open-count"), 2, "{}", t.label);

        // The next day the cases count for yesterday; 41 days on they are out of the 30-day chart.
        // (Sessions end after a while: log in again after moving the clock.)
        f.clock.advance(chrono::Duration::days(1));
        let leader = login(&f, Who::Leader).await;
        let next_day = send(&f.app, &leader, "GET", "/dashboard", None).await;
        assert_eq!(shown(&next_day.body, "today-count"), 0, "{}", t.label);
        assert_eq!(shown(&next_day.body, "last30-count"), 2, "{}", t.label);
        f.clock.advance(chrono::Duration::days(40));
        let leader = login(&f, Who::Leader).await;
        let later = send(&f.app, &leader, "GET", "/dashboard", None).await;
        assert_eq!(shown(&later.body, "last30-count"), 0, "{}", t.label);
    }
}

both_backends! {
    async fn every_chart_exports_as_xlsx_within_scope(t: TestStore) {
        let f = fixture(&t).await;
        let leader = login(&f, Who::Leader).await;
        for chart in ["daily", "category", "ranking", "areas"] {
            let uri = format!("/dashboard/export.xlsx?chart={chart}");
            let (status, headers, bytes) = get_bytes(&f, &leader, &uri).await;
            assert_eq!(status, StatusCode::OK, "{}: {chart}: {}", t.label, String::from_utf8_lossy(&bytes));
            assert_eq!(headers[header::CONTENT_TYPE], XLSX, "{}: {chart}", t.label);
            let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
            assert!(disposition.starts_with("attachment;") && disposition.contains(".xlsx"), "{disposition}");
            // A zip (xlsx) with its workbook parts.
            assert_eq!(&bytes[..4], b"PK\x03\x04", "{}: {chart} is not a zip", t.label);
            let listing = String::from_utf8_lossy(&bytes);
            assert!(listing.contains("xl/workbook.xml") && listing.contains("xl/worksheets/sheet1.xml"), "{chart}");
        }
        let bad = send(&f.app, &leader, "GET", "/dashboard/export.xlsx?chart=pie", None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(bad.body.contains("图表“pie”无效"), "{}", t.label);
        let out = send(&f.app, &leader, "GET", "/dashboard/export.xlsx?chart=daily&area=330702002", None).await;
        assert_eq!(out.status, StatusCode::NOT_FOUND, "{}: street 2 is out of scope", t.label);
        let grid = login(&f, Who::Grid).await;
        let refused = send(&f.app, &grid, "GET", "/dashboard/export.xlsx?chart=daily", None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", t.label);
    }
}

both_backends! {
    async fn the_map_shows_the_scopes_grids_and_overdue_cases_as_red_markers(t: TestStore) {
        let f = fixture(&t).await;
        let id = report_id_at(&f, POINT_A1, "路灯不亮已经一周了", "13800005678").await;
        // Past every deadline: the timer marks the open cases overdue.
        f.clock.advance(chrono::Duration::days(40));
        let marked = f.store.cases().mark_overdue(100).await.unwrap();
        assert!(marked.iter().any(|c| c.id == id), "{}: the case is overdue", t.label);

        let dispatcher = login(&f, Who::Dispatcher).await;
        let started = Instant::now();
        let map = send(&f.app, &dispatcher, "GET", "/map", None).await;
        assert!(started.elapsed() < Duration::from_secs(3), "{}", t.label);
        assert_eq!(map.status, StatusCode::OK, "{}: {}", t.label, map.body);
        let b = &map.body;
        assert!(b.len() < 100 * 1024, "{}", t.label);
        assert!(b.contains("<h1>街道地图 · 城东街道</h1>"), "{}", t.label);
        assert!(b.contains(r#"<svg class="map" role="img""#), "{}", t.label);
        assert!(b.contains(&format!(r#"<a href="/cases/{id}"><circle"#)), "{}: a marker linking to the case", t.label);
        assert!(b.contains(r#"class="overdue""#) && b.contains("#c62828"), "{}: red", t.label);
        assert!(b.contains("图例") && b.contains("超期诉求（点击查看）"), "{}: the legend", t.label);
        for grid in ["桃园一网格", "桃园二网格", "青春路一网格"] {
            assert!(b.contains(grid), "{}: {grid}", t.label);
        }
        assert!(!b.contains("城中一网格") && !b.contains(GRID_C1), "{}: street 2's grid leaks", t.label);
        // Both cases of street 1 are overdue; the table says so per grid.
        assert_eq!(shown(b, "open-count"), 2, "{}", t.label);
        assert_eq!(shown(b, "overdue-count"), 2, "{}", t.label);
        assert!(b.contains("<td>2</td><td>2</td>"), "{}: grid A1 has 2 open, 2 overdue", t.label);

        // A community worker sees the community's grids only; street 2 is not found.
        let community = login(&f, Who::Community).await;
        let mine = send(&f.app, &community, "GET", "/map", None).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", t.label);
        assert!(mine.body.contains("社区地图") && mine.body.contains("桃园一网格"), "{}", t.label);
        assert!(!mine.body.contains("青春路一网格"), "{}: community B is not theirs", t.label);
        let out = send(&f.app, &community, "GET", &format!("/map?area={COMMUNITY_C}"), None).await;
        assert_eq!(out.status, StatusCode::NOT_FOUND, "{}", t.label);
        let leader = login(&f, Who::Leader).await;
        assert_eq!(send(&f.app, &leader, "GET", "/map", None).await.status, StatusCode::FORBIDDEN);

        // The admin sees the streets, each linking to its own map, and street 2's grids there.
        let admin = login(&f, Who::Admin).await;
        let all = send(&f.app, &admin, "GET", "/map", None).await;
        assert_eq!(all.status, StatusCode::OK, "{}: {}", t.label, all.body);
        assert!(all.body.contains(&format!("/map?area={STREET2}")) && all.body.contains("城中街道"), "{}", t.label);
        let street2 = send(&f.app, &admin, "GET", &format!("/map?area={STREET2}"), None).await;
        assert!(street2.body.contains("城中一网格") && !street2.body.contains("桃园一网格"), "{}", t.label);
    }
}

both_backends! {
    async fn a_dispatcher_of_street_1_never_sees_street_2_on_the_dashboard(t: TestStore) {
        let f = fixture(&t).await;
        let dispatcher = login(&f, Who::Dispatcher).await;
        let page = send(&f.app, &dispatcher, "GET", "/dashboard?level=grid", None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        assert!(page.body.contains("桃园一网格") && !page.body.contains("城中一网格"), "{}", t.label);
        let out = send(&f.app, &dispatcher, "GET", &format!("/dashboard?area={STREET2}"), None).await;
        assert_eq!(out.status, StatusCode::NOT_FOUND, "{}", t.label);
        let admin = login(&f, Who::Admin).await;
        let all = send(&f.app, &admin, "GET", "/dashboard", None).await;
        assert_eq!(all.status, StatusCode::OK, "{}", t.label);
        assert_eq!(shown(&all.body, "today-count"), 2, "{}: both streets for the admin", t.label);
        assert!(all.body.contains("城东街道") && all.body.contains("城中街道"), "{}", t.label);
        let community = login(&f, Who::Community).await;
        let refused = send(&f.app, &community, "GET", "/dashboard", None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", t.label);
    }
}
