//! A grid worker on a phone (390×844) in a real headless Chromium: signs in, opens 我的网格,
//! files a patrol report closed on the spot, records a household visit, and is refused another
//! grid's resident (the 404 page, in Chinese). Screenshots land in `target/browser-screenshots/`.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, PHONE};
use support::*;
use tongxin_domain::kernel::access::Scope;
use tongxin_store::Page;
use tongxin_store::cases::read::QueueFilter;

both_backends! {
    async fn a_grid_worker_patrols_closes_on_the_spot_records_a_visit_and_stays_in_the_grid(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };

        // Signing in from the grid page comes back to it.
        b.goto("/grid").await;
        b.submit_login(Who::Grid.username(), PASSWORD, None).await;
        b.wait_for("#tasks-h").await;
        assert_eq!(b.current_path().await, "/grid", "{}", t.label);
        let main = b.text("main").await;
        assert!(main.contains("我的网格") && main.contains("桃园一网格") && main.contains("今日任务"), "{main}");
        assert!(main.contains("楼下烧烤店噪音扰民"), "{}: the open case of my grid", t.label);
        assert!(!main.contains("广场舞噪音扰民"));
        b.assert_fits_width("my grid").await;
        b.screenshot(&format!("grid-home-{}", t.label)).await;

        // A patrol report, handled on the spot.
        b.click("a.button[href='/grid/patrol']").await;
        b.wait_for("#category").await.select_by_value("city.garbage").await.unwrap();
        b.fill("#description", "3单元门口堆放装修垃圾").await;
        b.wait_for("#building").await.select_by_value(&f.ids.building_a1.to_string()).await.unwrap();
        assert!(!b.wait_for("#on_spot_reply").await.is_displayed().await.unwrap(), "the note shows once ticked");
        b.click("#on_spot").await;
        b.fill("#on_spot_reply", "已联系业主当场清运完毕").await;
        b.assert_fits_width("the patrol form").await;
        b.screenshot(&format!("grid-patrol-form-{}", t.label)).await;
        b.click("form[action='/grid/patrol'] button[type=submit]").await;
        let flash = b.text(".flash.ok").await;
        assert!(flash.contains("已上报并就地解决"), "{}: {flash}", t.label);
        assert_eq!(b.current_path().await, "/grid/patrol");
        b.screenshot(&format!("grid-patrol-done-{}", t.label)).await;
        let filter = QueueFilter { channel: Some("patrol".into()), ..QueueFilter::default() };
        let cases = f.store.cases().queue(&Scope::All, &filter, Page::default()).await.unwrap().items;
        assert_eq!(cases.len(), 1, "{}", t.label);
        assert!(!cases[0].open && cases[0].building_id == Some(f.ids.building_a1), "{:?}", cases[0]);
        assert!(flash.contains(&cases[0].code));

        // A visit to the household of 王建国, from the household list.
        b.goto("/grid/households").await;
        let list = b.text("main").await;
        assert!(list.contains("王建国") && list.contains("138****0001") && !list.contains("13800000001"), "{list}");
        b.assert_fits_width("the household list").await;
        b.screenshot(&format!("grid-households-{}", t.label)).await;
        b.click(&format!("a[href='/grid/visits?household={}']", f.ids.household_a1)).await;
        b.wait_for("#note").await;
        b.wait_for("#kind").await.select_by_value("走访").await.unwrap();
        b.fill("#note", "老人身体良好，已提醒冬季用电安全").await;
        b.click("form[method=post][action='/grid/visits'] button[type=submit]").await;
        let flash = b.text(".flash.ok").await;
        assert!(flash.contains("已记录走访"), "{}: {flash}", t.label);
        let main = b.text("main").await;
        assert!(main.contains("老人身体良好，已提醒冬季用电安全") && main.contains("小区1幢1单元101室"), "{main}");
        b.assert_fits_width("the visit log").await;
        b.screenshot(&format!("grid-visits-{}", t.label)).await;
        assert_eq!(f.store.visits().list(&Scope::All, None, Page::default()).await.unwrap().total, 1);

        // Another grid's resident: the 404 page, in Chinese, with nothing of the resident.
        b.goto(&format!("/grid/residents/{}", f.ids.resident_c1)).await;
        let h1 = b.text("h1").await;
        assert_eq!(h1, "页面不存在", "{}", t.label);
        let main = b.text("main").await;
        assert!(main.contains("不在您的管辖范围内") && !main.contains("张伟"), "{main}");
        b.screenshot(&format!("grid-other-resident-404-{}", t.label)).await;
        b.close().await;
    }
}
