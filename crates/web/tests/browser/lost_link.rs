//! A resident who lost the follow link finds the case again (issue 11 item 5), in a real headless
//! Chromium on a phone: reports with a phone number, goes to “找回我的诉求”, asks for a code, reads
//! it from the admin's 短信发件箱 (the demo has no SMS gateway), enters it, reaches 我的诉求 and
//! the case, and presses 催办 — once; the second press is refused in Chinese.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, PHONE};
use support::*;

const NUMBER: &str = "13900007777";

both_backends! {
    async fn a_lost_link_is_found_again_with_the_code_from_the_sms_outbox(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };

        // The report (noise at building 1 is dispatched to the 城管执法中队 by a rule).
        b.goto("/report?b=qr-1").await;
        b.wait_for("#category").await.select_by_value("city.noise").await.unwrap();
        b.fill("#description", "楼下烧烤店每晚十二点后还很吵").await;
        b.fill("#phone", NUMBER).await;
        b.click("button.submit").await;
        let code = b.text("#tracking-code").await;
        assert!(code.starts_with("TX"), "{}: {code}", t.label);
        // … and the link is lost. The administrator of the demo reads the outbox.
        b.goto("/admin/sms").await;
        b.wait_for("#username").await;
        let totp = tongxin_domain::accounts::totp::code_at(ADMIN_TOTP, f.store.now().timestamp());
        b.submit_login(Who::Admin.username(), PASSWORD, Some(&totp)).await;
        let outbox = b.text("#sms-list").await;
        assert!(outbox.contains("139****7777") && outbox.contains(&format!("/track/{code}?t=")), "{}: {outbox}", t.label);

        // The lookup page, from the report form's link.
        b.goto("/report").await;
        b.click("#find-link").await;
        assert_eq!(b.current_path().await, "/track");
        b.fill("#code", &code).await;
        b.fill("#phone", NUMBER).await;
        b.assert_fits_width("the lookup form").await;
        b.click("#find-form button[type=submit]").await;
        assert!(b.text("#code-sent").await.contains("验证码已通过短信发送"), "{}", t.label);
        b.screenshot(&format!("lost-link-code-step-{}", t.label)).await;

        // The code, read in another tab from 短信发件箱.
        let resident_tab = b.client().window().await.unwrap();
        let admin_tab = b.client().new_window(true).await.unwrap();
        b.client().switch_to_window(admin_tab.handle).await.unwrap();
        b.goto("/admin/sms").await;
        let first = b.text("#sms-list li").await;
        assert!(first.contains("找回诉求验证码") && first.contains("139****7777"), "{}: {first}", t.label);
        let start = first.find("验证码为 ").expect("the code in the text") + "验证码为 ".len();
        let otp: String = first[start..].chars().take(6).collect();
        assert!(otp.chars().all(|c| c.is_ascii_digit()), "{otp}");
        b.screenshot(&format!("lost-link-sms-outbox-{}", t.label)).await;
        b.client().close_window().await.unwrap();
        b.client().switch_to_window(resident_tab).await.unwrap();

        // The code opens 我的诉求 and, from there, the case.
        b.fill("#otp", &otp).await;
        b.click("#verify-form button[type=submit]").await;
        b.wait_for("#my-cases").await;
        assert_eq!(b.current_path().await, "/track/mine");
        assert!(b.text("#looked-up").await.contains(&code), "{}", t.label);
        b.assert_fits_width("我的诉求").await;
        b.screenshot(&format!("lost-link-my-cases-{}", t.label)).await;
        b.click("#looked-up a.case").await;
        b.wait_for("#timeline").await;
        assert_eq!(b.current_path().await, format!("/track/{code}"));
        assert_eq!(b.text("#unit").await, "城管执法中队", "{}: the handling unit by name", t.label);
        assert!(b.text("#deadline").await.ends_with("前"));

        // 催办: once; the second press the same working day is refused.
        b.click("#urge").await;
        assert!(b.text(".flash.ok").await.contains("已催办"), "{}", t.label);
        assert!(b.text("#timeline").await.contains("您催办了一次"));
        b.click("#urge").await;
        let refused = b.text(".flash.error").await;
        assert!(refused.contains("已经催办过了"), "{}: {refused}", t.label);
        b.screenshot(&format!("lost-link-urged-{}", t.label)).await;
        b.close().await;
    }
}
