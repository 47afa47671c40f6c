//! The interactive map (issue 11 item 4) in a real headless Chromium: on a 390 px phone the
//! report form's map is the Leaflet map (no tiles: the grids on a plain ground), a tap places
//! the point into the form, and the grid names shown never overlap, before and after zooming;
//! the street map does the same for the dispatcher; with JavaScript off the server's SVG map
//! is shown, its labels apart too. The browser's GCJ-02 shift agrees with the domain's.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, DESKTOP, PHONE};
use support::*;
use tongxin_domain::places::{LngLat, gcj02_to_wgs84, wgs84_to_gcj02};

/// The boxes of the labels a reader sees: `[left, top, right, bottom, text]`.
const VISIBLE_LABELS: &str = r#"
    var sel = arguments.length ? arguments[0] : null;
    var out = [];
    document.querySelectorAll(".area-label:not(.off) span, svg.map text").forEach(function (e) {
      var r = e.getBoundingClientRect(), st = getComputedStyle(e);
      if (r.width === 0 || st.visibility === "hidden" || st.display === "none") return;
      if (e.closest("svg") && getComputedStyle(e.closest("svg")).display === "none") return;
      out.push([r.left, r.top, r.right, r.bottom, e.textContent]);
    });
    return out;"#;

/// The visible labels, after asserting that no two overlap (a pixel of anti-aliasing aside).
async fn labels_apart(b: &Browser, what: &str) -> Vec<String> {
    let labels = b.execute(VISIBLE_LABELS).await;
    let boxes: Vec<(f64, f64, f64, f64, String)> = labels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let n = |i: usize| l[i].as_f64().unwrap();
            (n(0), n(1), n(2), n(3), l[4].as_str().unwrap().to_string())
        })
        .collect();
    for (i, a) in boxes.iter().enumerate() {
        for c in &boxes[i + 1..] {
            let apart = a.2 <= c.0 + 1.0 || c.2 <= a.0 + 1.0 || a.3 <= c.1 + 1.0 || c.3 <= a.1 + 1.0;
            assert!(apart, "{what}: the labels {a:?} and {c:?} overlap");
        }
    }
    boxes.into_iter().map(|b| b.4).collect()
}

both_backends! {
    async fn on_a_phone_a_tap_on_the_map_places_the_report_and_labels_stay_apart(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };
        b.goto("/report").await;
        b.wait_for("#report-map.live .lmap").await;
        let svg_shown = b.execute("return getComputedStyle(document.querySelector('#report-map svg.map')).display").await;
        assert_eq!(svg_shown, "none", "{}: Leaflet replaces the SVG", t.label);
        // The grids are drawn where the map is: three outlines, each wider than a thumb.
        let drawn = b
            .execute(
                "var m = document.querySelector('#report-map .lmap').getBoundingClientRect(); \
                 return Array.from(document.querySelectorAll('#report-map .leaflet-overlay-pane path.area')).map(function (p) { \
                   var r = p.getBoundingClientRect(); \
                   return r.width > 40 && r.left >= m.left - 1 && r.right <= m.right + 1; })",
            )
            .await;
        assert_eq!(drawn, serde_json::json!([true, true, true]), "{}: the grid outlines on the map", t.label);
        let names = labels_apart(&b, "the report map").await;
        assert!(!names.is_empty(), "{}: some grid names are shown", t.label);
        assert!(names.iter().all(|n| n.contains("网格")), "{names:?}");
        // Big controls for a thumb, and the map within the phone's width.
        let zoom = b.execute("var r = document.querySelector('.leaflet-control-zoom-in').getBoundingClientRect(); return [r.width, r.height]").await;
        assert!(zoom[0].as_f64().unwrap() >= 44.0 && zoom[1].as_f64().unwrap() >= 44.0, "{zoom}");
        assert!(b.text(".locate-me").await.contains("使用我的位置"));
        b.assert_fits_width("the report form with the interactive map").await;

        // A tap in the middle of street 1's map (scrolled into view whole): grid A2.
        b.execute("document.getElementById('report-map').scrollIntoView({block: 'center'})").await;
        b.click("#report-map .lmap").await;
        let lng: f64 = b.wait_for("#lng").await.prop("value").await.unwrap().unwrap().parse().unwrap();
        let lat: f64 = b.wait_for("#lat").await.prop("value").await.unwrap().unwrap().parse().unwrap();
        assert!((119.665..119.67).contains(&lng) && (29.085..29.09).contains(&lat), "{}: {lng},{lat}", t.label);
        assert!(b.text("#picked").await.contains("已标出位置"));
        b.wait_for(".picked-dot").await;
        b.execute("document.getElementById('report-map').scrollIntoView()").await;
        b.screenshot(&format!("map-report-phone-{}", t.label)).await;

        // Zoomed in twice, names that now fit appear; still none over another.
        b.click(".leaflet-control-zoom-in").await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        b.click(".leaflet-control-zoom-in").await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let zoomed = labels_apart(&b, "the zoomed report map").await;
        assert!(!zoomed.is_empty(), "{}", t.label);
        b.screenshot(&format!("map-report-phone-zoomed-{}", t.label)).await;

        // The browser's GCJ-02 shift is the domain's (the tiles of 高德 and others need it).
        for (x, y) in [(119.6605, 29.0895), (116.404, 39.915), (2.35, 48.85)] {
            let js = b.execute(&format!("return window.TongxinMap.toGcj({x}, {y})")).await;
            let want = wgs84_to_gcj02(LngLat { x, y });
            let (gx, gy) = (js[0].as_f64().unwrap(), js[1].as_f64().unwrap());
            assert!((gx - want.x).abs() < 1e-9 && (gy - want.y).abs() < 1e-9, "{x},{y}: {js} vs {want:?}");
            let back = b.execute(&format!("return window.TongxinMap.toWgs({gx}, {gy})")).await;
            let want = gcj02_to_wgs84(LngLat { x: gx, y: gy });
            assert!((back[0].as_f64().unwrap() - want.x).abs() < 1e-9, "{back} vs {want:?}");
        }
        // (`resident::tapping_the_map_puts_the_report_in_its_grid` submits such a report.)
        b.close().await;
    }
}

both_backends! {
    async fn the_dispatchers_street_map_links_grids_and_keeps_labels_apart(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        b.log_in("/map", Who::Dispatcher.username(), PASSWORD).await;
        b.wait_for("#street-map.live .lmap").await;
        b.wait_for(".area-label").await;
        let names = labels_apart(&b, "the street map").await;
        assert!(names.iter().any(|n| n.contains("桃园一网格")), "{}: {names:?}", t.label);
        assert!(names.iter().any(|n| n.contains("件")), "{}: the counts are shown: {names:?}", t.label);
        b.screenshot(&format!("map-street-desktop-{}", t.label)).await;
        // A grid is a link to its cases.
        b.execute("document.querySelector('#street-map path.leaflet-interactive').dispatchEvent(new MouseEvent('click', {bubbles: true}))").await;
        let started = std::time::Instant::now();
        while b.current_path().await != "/cases" && started.elapsed() < browser::WAIT {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(b.current_path().await, "/cases", "{}", t.label);
        b.close().await;
    }
}

both_backends! {
    async fn without_javascript_the_server_drawn_map_is_shown_with_labels_apart(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_without_javascript(f.app.clone(), PHONE).await else { return };
        b.goto("/report").await;
        b.wait_for("#report-map svg.map").await;
        assert!(b.execute("return !!document.querySelector('.lmap')").await == false, "{}: no Leaflet", t.label);
        let shown = b.execute("var r = document.querySelector('#report-map svg.map').getBoundingClientRect(); return [r.width, r.height]").await;
        assert!(shown[0].as_f64().unwrap() > 300.0 && shown[1].as_f64().unwrap() > 100.0, "{shown}");
        let names = labels_apart(&b, "the SVG map").await;
        assert!(!names.is_empty() && names.iter().all(|n| n.contains("网格")), "{}: {names:?}", t.label);
        // The form still takes an address instead of a point.
        b.wait_for("#address").await;
        b.assert_fits_width("the report form without JavaScript").await;
        b.execute("document.getElementById('report-map').scrollIntoView()").await;
        b.screenshot(&format!("map-report-no-js-{}", t.label)).await;
        b.close().await;
    }
}
