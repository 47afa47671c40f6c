//! The leader's dashboard in a real (headless) Chromium: today's count goes up when a resident
//! reports, and the page fits an office screen and a phone. Screenshots land in
//! `target/browser-screenshots/`.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, DESKTOP, PHONE};
use support::pages::report_at;
use support::*;

async fn count(b: &Browser, id: &str) -> i64 {
    b.text(&format!("#{id}")).await.trim().parse().unwrap_or_else(|e| panic!("#{id}: {e}"))
}

both_backends! {
    async fn the_leaders_count_goes_up_when_a_resident_reports(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        b.log_in("/dashboard", Who::Leader.username(), PASSWORD).await;
        b.goto("/dashboard").await;
        b.wait_for("svg.chart").await;
        assert!(b.text("h1").await.contains("数据看板"), "{}", t.label);
        let before = count(&b, "today-count").await;
        let open_before = count(&b, "open-count").await;

        // A resident reports through the public API of the same running app.
        report_at(&f, POINT_A1, "夜里工地施工噪音很大", "13800009876").await;

        b.goto("/dashboard").await;
        b.wait_for("svg.chart").await;
        assert_eq!(count(&b, "today-count").await, before + 1, "{}: today's count goes up", t.label);
        assert_eq!(count(&b, "open-count").await, open_before + 1, "{}", t.label);

        // The charts are drawn, labelled for screen readers, with their numbers one click away;
        // the heat map's SVG is drawn over by the interactive map (issue 11), which takes its width.
        b.wait_for("#heat-map.live .lmap").await;
        let charts = b
            .execute(
                "return [...document.querySelectorAll('svg[role=img]')].map(s => [s.getAttribute('aria-label'), \
                 (s.closest('.map-box.live') ? s.closest('.map-box.live').querySelector('.lmap') : s).getBoundingClientRect().width])",
            )
            .await;
        let charts = charts.as_array().unwrap();
        assert_eq!(charts.len(), 3, "{}: two charts and the heat map", t.label);
        for c in charts {
            assert!(c[0].as_str().is_some_and(|l| !l.is_empty()) && c[1].as_f64().unwrap() > 300.0, "{c}");
        }
        b.click("#daily details summary").await;
        assert!(b.text("#daily details table").await.contains("诉求件数"), "{}", t.label);
        b.screenshot(&format!("dashboard-desktop-{}", t.label)).await;

        b.set_viewport(PHONE.0, PHONE.1).await;
        b.goto("/dashboard").await;
        b.wait_for("svg.chart").await;
        b.assert_fits_width(&format!("{}: the dashboard", t.label)).await;
        b.screenshot(&format!("dashboard-phone-{}", t.label)).await;
        b.close().await;
    }
}

both_backends! {
    async fn the_dispatchers_map_links_grids_and_fits_a_phone(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        b.log_in("/map", Who::Dispatcher.username(), PASSWORD).await;
        b.goto("/map").await;
        b.wait_for("svg.map").await;
        assert!(b.text("h1").await.contains("街道地图"), "{}", t.label);
        assert_eq!(count(&b, "open-count").await, 1, "{}", t.label);
        b.screenshot(&format!("map-desktop-{}", t.label)).await;
        b.set_viewport(PHONE.0, PHONE.1).await;
        b.goto("/map").await;
        b.wait_for("svg.map").await;
        b.assert_fits_width(&format!("{}: the map", t.label)).await;
        b.screenshot(&format!("map-phone-{}", t.label)).await;
        b.close().await;
    }
}
