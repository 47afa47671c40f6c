//! The hotline operator and the bell in a real (headless) Chromium: a call registered with the
//! keyboard alone (typing, Tab, Enter), the address found in the building register as one
//! types; the bell's unread count, the notices page, and a notice opening its case.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, DESKTOP};
use support::*;
use tongxin_domain::kernel::access::Scope;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

/// Types `keys` into whatever has the focus.
async fn keys(b: &Browser, keys: &str) {
    let el = b.client().active_element().await.unwrap();
    el.send_keys(keys).await.unwrap();
}

async fn focused(b: &Browser) -> String {
    b.execute("return document.activeElement.id").await.as_str().unwrap_or_default().to_string()
}

/// Presses Tab until the element `id` has the focus (at most `max` times).
async fn tab_to(b: &Browser, id: &str, max: usize) {
    for _ in 0..max {
        if focused(b).await == id {
            return;
        }
        keys(b, TAB).await;
    }
    assert_eq!(focused(b).await, id, "Tab never reached #{id}");
}

both_backends! {
    async fn a_hotline_call_is_registered_by_keyboard(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        b.log_in("/hotline", Who::Dispatcher.username(), PASSWORD).await;
        b.goto("/hotline").await;
        b.wait_for("#hotline-form").await;
        // The caller's name has the focus; the fields follow in the order of the call.
        assert_eq!(focused(&b).await, "name", "{}: autofocus", t.label);
        keys(&b, "陈先生").await;
        keys(&b, TAB).await;
        assert_eq!(focused(&b).await, "phone", "{}", t.label);
        keys(&b, "13912345678").await;
        keys(&b, TAB).await;
        assert_eq!(focused(&b).await, "category", "{}", t.label);
        // A select answers to the first characters of an option.
        keys(&b, "噪").await;
        let category = b.execute("return document.getElementById('category').value").await;
        assert_eq!(category, serde_json::json!("city.noise"), "{}: chosen by typing", t.label);
        tab_to(&b, "place", 3).await;
        keys(&b, "小区2").await;
        // The building register answers as one types; one match is chosen at once.
        b.wait_for("#building-box:not([hidden]) option[value='2']").await;
        let building = b.execute("return document.getElementById('building').value").await;
        assert_eq!(building, serde_json::json!("2"), "{}", t.label);
        tab_to(&b, "description", 6).await;
        keys(&b, "楼上装修噪音，晚上十点还在施工").await;
        b.screenshot(&format!("hotline-form-{}", t.label)).await;
        // "Answered on the phone" is for questions only: skipped for a noise complaint.
        let disabled = b.execute("return document.getElementById('answered').disabled").await;
        assert_eq!(disabled, serde_json::json!(true), "{}", t.label);
        keys(&b, TAB).await;
        let on = b.execute("return document.activeElement.getAttribute('type')").await;
        assert_eq!(on, serde_json::json!("submit"), "{}: the next stop is the button", t.label);
        keys(&b, ENTER).await;
        b.wait_for(".flash.ok").await;
        let flash = b.text(".flash.ok").await;
        assert!(flash.contains("已登记诉求 TX"), "{}: {flash}", t.label);
        let path = b.current_path().await;
        let id: i64 = path.trim_start_matches("/cases/").parse().unwrap();
        let case = f.store.cases().get(&Scope::All, id).await.unwrap();
        assert!(flash.contains(&case.code), "{}", t.label);
        assert_eq!((case.channel.as_str(), case.grid_code.as_deref()), ("hotline", Some(GRID_A2)), "{}", t.label);
        assert_eq!(case.requester_name.as_deref(), Some("陈先生"), "{}", t.label);
        b.screenshot(&format!("hotline-created-{}", t.label)).await;
        b.close().await;
    }

    async fn the_bell_shows_unread_notices_and_a_notice_opens_its_case(t: TestStore) {
        let f = fixture(&t).await;
        let case = f.ids.case_a1.id;
        deliver_notice(&f, "dispatchers:330702001", Some(case), "returned").await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        b.log_in("/cases", Who::Dispatcher.username(), PASSWORD).await;
        b.goto("/cases").await;
        assert_eq!(b.text(".bell .bell-count").await, "1", "{}: the bell's count", t.label);
        b.screenshot(&format!("bell-{}", t.label)).await;
        b.click("a.bell").await;
        b.wait_for("tr.notice.unread").await;
        assert_eq!(b.current_path().await, "/notices", "{}", t.label);
        assert!(b.text("tr.notice.unread").await.contains(&f.ids.case_a1.code), "{}", t.label);
        b.screenshot(&format!("notices-{}", t.label)).await;
        b.click("tr.notice.unread a").await;
        b.wait_for(".timeline").await;
        assert_eq!(b.current_path().await, format!("/cases/{case}"), "{}: the notice opens its case", t.label);
        assert!(b.execute("return document.querySelector('.bell-count') === null").await.as_bool().unwrap(), "{}: read", t.label);
        b.close().await;
    }
}
