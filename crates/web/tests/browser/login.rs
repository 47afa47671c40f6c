//! Logging in and out in a real (headless) Chromium, on both storage backends.
//! Screenshots land in `target/browser-screenshots/`.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, PHONE};
use support::*;

both_backends! {
    async fn a_dispatcher_logs_in_through_the_form_and_out_again(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start(f.app.clone()).await else { return };
        b.goto("/").await;
        b.wait_for("#username").await;
        assert_eq!(b.current_path().await, "/login", "{}: / sends a stranger to the login page", t.label);
        assert!(b.text("h1").await.contains("工作人员登录"));

        b.submit_login(Who::Dispatcher.username(), PASSWORD, None).await;
        b.wait_for("form[action='/logout']").await;
        assert_eq!(b.current_path().await, "/", "{}", t.label);
        assert!(b.text("h1").await.contains("工作台"));
        let main = b.text("main").await;
        assert!(main.contains("Dispatcher") && main.contains("指挥中心调度员"), "{}: {main}", t.label);
        b.screenshot(&format!("login-workbench-{}", t.label)).await;

        b.click("form[action='/logout'] button").await;
        b.wait_for("#username").await;
        assert_eq!(b.current_path().await, "/login", "{}: logged out", t.label);
        b.goto("/").await;
        b.wait_for("#username").await;
        assert_eq!(b.current_path().await, "/login", "{}: the session is gone", t.label);
        b.close().await;
    }
}

both_backends! {
    async fn a_wrong_password_shows_a_chinese_error(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start(f.app.clone()).await else { return };
        b.goto("/login").await;
        b.submit_login(Who::Dispatcher.username(), "not-the-password", None).await;
        assert_eq!(b.text(".error").await, "用户名或密码错误", "{}", t.label);
        assert_eq!(b.current_path().await, "/login");
        assert!(b.page_source().await.contains("id=\"username\""), "the form is shown again");
        b.close().await;
    }
}

both_backends! {
    async fn the_login_page_fits_a_phone_without_horizontal_scrolling(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };
        b.goto("/login").await;
        b.wait_for("button[type=submit]").await;
        let inner = b.assert_fits_width(&format!("{}: the login page", t.label)).await;
        assert_eq!(inner, i64::from(PHONE.0));
        b.screenshot(&format!("login-phone-{}", t.label)).await;
        b.close().await;
    }
}
