//! A resident on a phone (390×844) in a real headless Chromium: scans a building's QR code,
//! reports, keeps the tracking code, follows the case while staff handle and close it, confirms
//! the reply and rates it. Screenshots land in `target/browser-screenshots/`.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, PHONE};
use support::*;
use tongxin_app::cases::CaseActor;
use tongxin_domain::case::{Action, Unit};
use tongxin_domain::kernel::access::Scope;

both_backends! {
    async fn a_resident_reports_from_a_qr_code_follows_and_rates_the_case(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };

        // The QR code on building 1 opens the form with the building filled in.
        b.goto("/report?b=qr-1").await;
        assert!(b.text("#building-place").await.contains("小区1幢"), "{}", t.label);
        b.wait_for("#category").await.select_by_value("city.noise").await.unwrap();
        b.fill("#description", "楼下烧烤店每晚十二点后还很吵").await;
        b.fill("#address", "2单元").await;
        b.fill("#phone", "13900005678").await;
        b.assert_fits_width("the report form").await;
        b.execute("window.scrollTo(0, 0)").await;
        b.screenshot(&format!("resident-report-form-{}", t.label)).await;
        b.click("button.submit").await;

        // The confirmation: the tracking code, big, and the private link.
        let code = b.text("#tracking-code").await;
        assert!(code.starts_with("TX"), "{}: {code}", t.label);
        assert_eq!(b.current_path().await, "/report/done");
        assert!(b.text("#follow-url").await.contains(&format!("/track/{code}?t=")));
        b.assert_fits_width("the confirmation").await;
        b.screenshot(&format!("resident-confirmation-{}", t.label)).await;
        b.click("#follow-link").await;
        b.wait_for("#timeline").await;
        assert_eq!(b.current_path().await, format!("/track/{code}"));
        let follow_url = b.client().current_url().await.unwrap().to_string();

        // Routed by the rules to the 城管执法中队, which handles it.
        let admin = Scope::All;
        let queue = f.store.cases().queue(&admin, &Default::default(), Default::default()).await.unwrap();
        let case = queue.items.into_iter().find(|c| c.code == code).expect("the case is stored");
        assert_eq!(case.building_id, Some(1));
        assert_eq!(case.grid_code.as_deref(), Some(GRID_A1));
        let dept = CaseActor::Staff(f.store.accounts().user(f.ids.users[&Who::Department]).await.unwrap());
        let unit = Unit::Department(1);
        let c =
            f.state.cases.act(&dept, case.id, case.version, Action::Acknowledge { unit: unit.clone() }).await.unwrap();
        let reply = "已约谈店主，承诺晚十点后停止营业，执法队员将夜间复查";
        f.state
            .cases
            .act(&dept, c.id, c.version, Action::Report { unit, reply: reply.into(), evidence: vec![] })
            .await
            .unwrap();

        // The resident confirms the reply on the follow page.
        b.goto(&follow_url.replacen(&b.base, "", 1)).await;
        assert_eq!(b.text("#reply").await, reply);
        assert!(b.text("main").await.contains("小区1幢"), "the building of the QR code");
        b.click("#ok-yes").await;
        b.click("#confirm-form button[type=submit]").await;
        assert!(b.text(".flash.ok").await.contains("已确认办理结果"), "{}", t.label);

        // The dispatcher closes it, and the resident rates.
        let dispatcher = CaseActor::Staff(f.store.accounts().user(f.ids.users[&Who::Dispatcher]).await.unwrap());
        let c = f.store.cases().get(&admin, case.id).await.unwrap();
        f.state.cases.act(&dispatcher, c.id, c.version, Action::Close).await.unwrap();
        b.goto(&follow_url.replacen(&b.base, "", 1)).await;
        b.click("#resolved-yes").await;
        b.click("#sat-satisfied").await;
        b.fill("#comment", "处理很及时，谢谢").await;
        b.click("#rate-form button[type=submit]").await;
        assert!(b.text(".flash.ok").await.contains("感谢您的评价"));
        let rating = b.text("#rating").await;
        assert!(rating.contains("满意") && rating.contains("已解决") && rating.contains("处理很及时"), "{rating}");
        assert_eq!(b.text("#status").await, "已办结，您已评价");
        let timeline = b.text("#timeline").await;
        assert!(
            timeline.contains("已受理") && timeline.contains("已办结") && timeline.contains("已评价"),
            "{timeline}"
        );
        b.assert_fits_width("the follow page").await;
        b.screenshot(&format!("resident-follow-{}", t.label)).await;
        let stored = f.store.cases().get(&admin, case.id).await.unwrap();
        assert_eq!(stored.status.as_str(), "rated");
        b.close().await;
    }
}

both_backends! {
    async fn tapping_the_map_puts_the_report_in_its_grid(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };
        b.goto("/report").await;
        b.wait_for("#category").await.select_by_value("city.road").await.unwrap();
        b.fill("#description", "人行道地砖松动").await;
        // The middle of street 1's map lies in grid A2 (the interactive map over the SVG).
        b.wait_for("#report-map.live .lmap").await;
        b.execute("document.getElementById('report-map').scrollIntoView({block: 'center'})").await;
        b.click("#report-map .lmap").await;
        let lng: f64 = b.wait_for("#lng").await.prop("value").await.unwrap().unwrap().parse().unwrap();
        let lat: f64 = b.wait_for("#lat").await.prop("value").await.unwrap().unwrap().parse().unwrap();
        assert!((119.665..119.67).contains(&lng) && (29.085..29.09).contains(&lat), "{}: {lng},{lat}", t.label);
        assert!(b.text("#picked").await.contains("已标出位置"));
        b.assert_fits_width("the report form with the map").await;
        b.screenshot(&format!("resident-report-map-{}", t.label)).await;
        b.click("button.submit").await;
        let code = b.text("#tracking-code").await;
        let queue = f.store.cases().queue(&Scope::All, &Default::default(), Default::default()).await.unwrap();
        let case = queue.items.into_iter().find(|c| c.code == code).expect("the case is stored");
        assert_eq!(case.grid_code.as_deref(), Some(GRID_A2), "{}", t.label);
        b.close().await;
    }
}

both_backends! {
    async fn a_grid_worker_opens_the_qr_sheet_of_the_grid(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start(f.app.clone()).await else { return };
        b.goto(&format!("/grids/{GRID_A1}/qr")).await;
        b.submit_login(Who::Grid.username(), PASSWORD, None).await;
        b.wait_for("figure.tile svg").await;
        assert_eq!(b.current_path().await, format!("/grids/{GRID_A1}/qr"), "{}: back to the sheet", t.label);
        assert!(b.text("figure.tile").await.contains("小区1幢"));
        let size = b
            .execute(
                "var r = document.querySelector('figure.tile svg').getBoundingClientRect(); return [r.width, r.height]",
            )
            .await;
        assert!(size[0].as_f64().unwrap() > 100.0, "{}: the code is drawn large enough to scan: {size}", t.label);
        b.screenshot(&format!("resident-qr-sheet-{}", t.label)).await;
        b.close().await;
    }
}
