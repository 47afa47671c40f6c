//! Issue 4's weight budget, on both storage backends: every staff and resident page, opened by
//! the role that uses it, stays under 100 KB of HTML + the stylesheet + our scripts (photos
//! aside; issue 11: the vendored map library and map tiles aside too), and links no other
//! stylesheet or script. Queues and inboxes are filled past one page
//! first, so the lists are at their longest. (Server time is measured by `tongxin bench pages`.)

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use support::pages::*;
use support::*;
use tongxin_domain::kernel::phone::Phone;
use tongxin_web::pages::assets::{LEAFLET, is_vendored, linked_assets};

const BUDGET_BYTES: usize = 100_000;
const CSS: &str = "/static/app.css";
const JS: &str = "/static/app.js";
const MAP_JS: &str = "/static/map.js";

/// The paths (query aside) of the stylesheets and scripts a page links.
fn linked_paths(html: &str) -> Vec<String> {
    linked_assets(html).into_iter().map(|u| u.split('?').next().unwrap_or(&u).to_string()).collect()
}

/// More than a page (20 rows) of open noise cases in grid A1, dispatched to department 1.
async fn fill_queues(f: &Fixture) {
    for i in 0..25 {
        f.state
            .cases
            .report(tongxin_app::cases::Report {
                channel: tongxin_domain::case::Channel::Web,
                category: "city.noise".into(),
                urgency: None,
                title: None,
                description: format!("楼下商铺晚上十点后音响声很大，噪音扰民，已经持续一周（第 {i} 件）"),
                place: tongxin_app::cases::Place::Grid { code: GRID_A1.into() },
                address: format!("桃园小区{i}幢1单元"),
                requester_name: Some("王先生".into()),
                phone: Some(Phone::parse(&format!("1390000{i:04}")).unwrap()),
                photos: Vec::new(),
                reporter: tongxin_app::cases::Reporter::System("test".into()),
                on_spot_reply: None,
            })
            .await
            .unwrap();
    }
}

/// Every page and who opens it (`tongxin bench pages` measures the same set but the mediation,
/// petition and 在线调解 pages, which need their data).
fn plan(ids: &Ids) -> Vec<(Who, Vec<String>)> {
    let (code, token) = (&ids.case_a1.code, &ids.case_a1.follow_token);
    let case = format!("/cases/{}", ids.case_a1.id);
    vec![
        (
            Who::Anonymous,
            vec![
                "/report".into(),
                "/report?b=qr-1".into(),
                format!("/report/done?c={code}&t={token}"),
                format!("/track/{code}?t={token}"),
                "/login".into(),
                "/mediate".into(),
                format!("/mediate?place={COMMUNITY_A}&type=neighbourhood&apart=same_community"),
            ],
        ),
        (
            Who::Dispatcher,
            vec![
                "/".into(),
                "/cases".into(),
                "/cases?q=%E5%99%AA%E9%9F%B3".into(),
                case.clone(),
                "/map".into(),
                format!("/grids/{GRID_A1}/qr"),
                "/dashboard".into(),
                "/password".into(),
                "/hotline".into(),
                "/notices".into(),
            ],
        ),
        (Who::Community, vec!["/cases".into(), "/map".into(), "/grids".into()]),
        (Who::Department, vec!["/inbox".into(), case, "/notices".into()]),
        (
            Who::Grid,
            vec![
                "/grid".into(),
                "/grid/patrol".into(),
                "/grid/households".into(),
                format!("/grid/residents/{}", ids.resident_a1),
                "/grid/visits".into(),
                "/mediation/screenings".into(),
            ],
        ),
        (
            Who::Leader,
            vec![
                "/dashboard".into(),
                "/cases".into(),
                "/mediation/stats".into(),
                "/mediation/map".into(),
                "/mediation/daily".into(),
                "/petitions".into(),
            ],
        ),
        (
            Who::Admin,
            vec![
                "/admin/regions".into(),
                "/admin/categories".into(),
                "/admin/deadlines".into(),
                "/admin/users".into(),
                "/admin/imports".into(),
                "/admin/evaluation".into(),
            ],
        ),
        (Who::Party, vec!["/party".into(), format!("/party/orgs/{}", ids.org_a1)]),
        (
            Who::Mediator,
            vec![
                "/grid/households".into(),
                "/grid/households?q=%E7%8E%8B".into(),
                "/mediation".into(),
                "/mediation/consultations".into(),
            ],
        ),
    ]
}

both_backends! {
    async fn every_page_weighs_under_100_kb_with_its_stylesheet_and_script(t: TestStore) {
        let f = fixture(&t).await;
        fill_queues(&f).await;
        let anon = Session::default();
        let css = get(&f, &anon, CSS).await;
        let js = get(&f, &anon, JS).await;
        let map_js = get(&f, &anon, MAP_JS).await;
        assert_eq!((css.status, js.status, map_js.status), (StatusCode::OK, StatusCode::OK, StatusCode::OK));
        let assets = css.body.len() + js.body.len();
        assert!(assets > 0);
        let leaflet = get(&f, &anon, &format!("{LEAFLET}/leaflet.js")).await;
        assert_eq!(leaflet.status, StatusCode::OK);
        let mut with_map = 0;

        let mut measured = 0;
        for (who, paths) in plan(&f.ids) {
            let s = login(&f, who).await;
            for path in paths {
                let r = get(&f, &s, &path).await;
                assert_eq!(r.status, StatusCode::OK, "{} {who:?} {path}: {}", t.label, r.body);
                let links = linked_paths(&r.body);
                assert!(links.iter().any(|l| l == CSS), "{who:?} {path} does not link the stylesheet");
                assert!(
                    links.iter().all(|l| l == CSS || l == JS || l == MAP_JS || is_vendored(l)),
                    "{who:?} {path} links other stylesheets or scripts: {links:?}"
                );
                // Our own bytes: the map script counts where a page links it; Leaflet does not.
                let map_bytes = if links.iter().any(|l| l == MAP_JS) { map_js.body.len() } else { 0 };
                if map_bytes > 0 {
                    with_map += 1;
                    assert!(links.iter().any(|l| is_vendored(l)), "{who:?} {path}: map.js without Leaflet");
                }
                let total = r.body.len() + assets + map_bytes;
                assert!(
                    total < BUDGET_BYTES,
                    "{} {who:?} {path}: {} bytes of HTML + {assets} of CSS and JS ≥ 100 KB",
                    t.label,
                    r.body.len()
                );
                measured += 1;
            }
        }
        assert_eq!(measured, 47, "every page of the plan was measured");
        // The resident form, the street map (twice), the dashboard (twice), the grid worker's home and the
        // disputes' risk map.
        assert_eq!(with_map, 7, "the pages with an interactive map link it");

        // The lists were measured at their longest: a full first page of the queue and inbox.
        let d = login(&f, Who::Dispatcher).await;
        let queue = get(&f, &d, "/cases").await.body;
        assert!(queue.matches("href=\"/cases/").count() >= 20, "{}: the queue is not a full page", t.label);
        let dept = login(&f, Who::Department).await;
        let inbox = get(&f, &dept, "/inbox").await.body;
        assert!(inbox.matches("href=\"/cases/").count() >= 20, "{}: the inbox is not a full page", t.label);
    }
}
