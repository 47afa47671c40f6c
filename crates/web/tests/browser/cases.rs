//! 指挥中心 and 职能部门 in a real (headless) Chromium at 1366×768: a dispatcher opens the queue,
//! opens a case awaiting dispatch and dispatches it with the routing suggestion; the department
//! opens its inbox, acknowledges (报到) and replies (办结回复). Screenshots land in
//! `target/browser-screenshots/`.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, DESKTOP};
use support::pages::{case_status, waiting_case};
use support::*;

both_backends! {
    async fn a_dispatcher_dispatches_and_the_department_acknowledges_and_replies(t: TestStore) {
        let f = fixture(&t).await;
        let case = waiting_case(&f, "桃园小区垃圾桶满溢三天无人清运").await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };

        // 指挥中心: the queue, then the case awaiting dispatch.
        b.log_in("/cases", Who::Dispatcher.username(), PASSWORD).await;
        b.goto("/cases").await;
        b.wait_for("table").await;
        assert!(b.text("h1").await.contains("诉求队列"), "{}", t.label);
        let queue = b.text("table").await;
        assert!(queue.contains(&case.code) && queue.contains("已受理"), "{}: {queue}", t.label);
        b.screenshot(&format!("cases-queue-{}", t.label)).await;
        b.click(&format!("a[href='/cases/{}']", case.id)).await;
        b.wait_for("#form-dispatch").await;
        assert!(b.text("#form-dispatch").await.contains("派单建议：城管执法中队"), "{}", t.label);
        let lead = b.execute("return document.querySelector('#lead').value").await;
        assert_eq!(lead, serde_json::json!("dept:1"), "{}: the suggestion is pre-selected", t.label);
        // 吹哨: the grid team assists.
        b.click(&format!("#form-dispatch input[name=assisting][value='grid:{GRID_A1}']")).await;
        b.screenshot(&format!("cases-dispatch-{}", t.label)).await;
        b.click("#form-dispatch button[type=submit]").await;
        b.wait_for(".flash.ok").await;
        assert!(b.text(".flash.ok").await.contains("已派遣"), "{}", t.label);
        assert_eq!(case_status(&f, case.id).await, "dispatched", "{}", t.label);
        assert!(b.text("main").await.contains("城管执法中队（牵头）"), "{}", t.label);
        b.screenshot(&format!("cases-dispatched-{}", t.label)).await;
        b.click("form[action='/logout'] button").await;
        b.wait_for("#username").await;

        // 职能部门: the inbox, 报到, 办结回复.
        b.log_in("/inbox", Who::Department.username(), PASSWORD).await;
        b.goto("/inbox").await;
        b.wait_for("table").await;
        assert!(b.text("table").await.contains(&case.code), "{}", t.label);
        b.screenshot(&format!("inbox-{}", t.label)).await;
        b.click(&format!("a[href='/cases/{}']", case.id)).await;
        b.click("#form-acknowledge button[type=submit]").await;
        b.wait_for(".flash.ok").await;
        assert!(b.text(".flash.ok").await.contains("已签收"), "{}", t.label);
        b.fill("#reply", "已安排环卫车辆清运，并增加每日清运频次").await;
        b.screenshot(&format!("cases-department-reply-{}", t.label)).await;
        b.click("#form-reply button[type=submit]").await;
        b.wait_for(".flash.ok").await;
        assert!(b.text(".flash.ok").await.contains("已提交办理报告"), "{}", t.label);
        assert_eq!(case_status(&f, case.id).await, "handled", "{}", t.label);
        assert!(b.text("main").await.contains("已安排环卫车辆清运"), "{}", t.label);

        // The case page fits a phone without horizontal scrolling.
        // The narrowest phone the pages support (a height that fits the headless screen).
        b.set_viewport(360, 640).await;
        b.goto(&format!("/cases/{}", case.id)).await;
        b.wait_for(".timeline").await;
        let wide = b.execute("return document.documentElement.scrollWidth > window.innerWidth").await;
        assert_eq!(wide, serde_json::json!(false), "{}: no horizontal scrolling on a phone", t.label);
        b.screenshot(&format!("cases-phone-{}", t.label)).await;
        b.close().await;
    }
}
