//! 指挥中心 and 职能部门 in a real (headless) Chromium at 1366×768: a dispatcher opens the queue,
//! opens a case awaiting dispatch and dispatches it with the routing suggestion; the department
//! opens its inbox, acknowledges (报到) and replies (办结回复). Screenshots land in
//! `target/browser-screenshots/`.

mod browser;
mod support;

use browser::{Browser, DESKTOP};
use support::*;
use tongxin_store::testing::all_stores;

async fn log_in(b: &Browser, who: Who, next: &str) {
    b.goto(&format!("/login?next={next}")).await;
    b.fill("#username", who.username()).await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("form[action='/logout']").await;
}

/// A 垃圾清运 case in grid A1, waiting for the dispatcher; a manual rule suggests department 1.
async fn waiting_case(f: &Fixture) -> tongxin_app::cases::Reported {
    let rule = tongxin_store::cases::categories::RuleRow {
        id: 0,
        category_code: "city.garbage".into(),
        area_kind: "street".into(),
        area_code: STREET1.into(),
        target_kind: "department".into(),
        target_ref: "1".into(),
        auto_dispatch: false,
        version: 1,
    };
    f.store.create_rule(&tongxin_store::Actor::system("test"), &rule).await.unwrap();
    f.state.cases.reload().await.unwrap();
    f.state
        .cases
        .report(tongxin_app::cases::Report {
            channel: tongxin_domain::case::Channel::Hotline,
            category: "city.garbage".into(),
            urgency: None,
            title: None,
            description: "桃园小区垃圾桶满溢三天无人清运".into(),
            place: tongxin_app::cases::Place::Grid { code: GRID_A1.into() },
            address: "桃园小区3幢".into(),
            requester_name: Some("王先生".into()),
            phone: Some(tongxin_domain::phone::Phone::parse("13812345678").unwrap()),
            photos: Vec::new(),
            reporter: tongxin_app::cases::Reporter::System("test".into()),
            on_spot_reply: None,
        })
        .await
        .unwrap()
}

async fn status(f: &Fixture, id: i64) -> String {
    f.store.case(&tongxin_domain::access::Scope::All, id).await.unwrap().status
}

#[tokio::test]
async fn a_dispatcher_dispatches_and_the_department_acknowledges_and_replies() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let case = waiting_case(&f).await;
        let Some(b) = Browser::start(f.app.clone()).await else { return };
        b.set_viewport(DESKTOP.0, DESKTOP.1).await;

        // 指挥中心: the queue, then the case awaiting dispatch.
        log_in(&b, Who::Dispatcher, "/cases").await;
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
        assert_eq!(status(&f, case.id).await, "dispatched", "{}", t.label);
        assert!(b.text("main").await.contains("城管执法中队（牵头）"), "{}", t.label);
        b.screenshot(&format!("cases-dispatched-{}", t.label)).await;
        b.click("form[action='/logout'] button").await;
        b.wait_for("#username").await;

        // 职能部门: the inbox, 报到, 办结回复.
        log_in(&b, Who::Department, "/inbox").await;
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
        assert_eq!(status(&f, case.id).await, "handled", "{}", t.label);
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
        t.cleanup().await;
    }
}
