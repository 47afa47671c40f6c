//! Finding a case again over HTTP (issue 11 item 5): `/track` answers the same for a wrong phone
//! and an unknown code, the SMS code is single use and rate limited, 我的诉求 shows each reporter
//! only their own link; 催办 and 补充信息 on the follow page; the admin's 短信发件箱.

use crate::pages_resident::{Client, PNG, hidden};
use crate::support;
use support::pages::location;
use support::*;
use tongxin_store::Page;
use tongxin_testkit::both_backends;

const PHONE: &str = "13900003333";

/// Reports a matter through the form with a phone; returns (code, follow path).
async fn report(f: &Fixture, c: &mut Client, text: &str, phone: &str) -> (String, String) {
    let csrf = hidden(&c.get(f, "/report?b=qr-1").await.body, "_csrf");
    let r = c
        .post_form(
            f,
            "/report",
            &[
                ("_csrf", &csrf),
                ("category", "city.garbage"),
                ("description", text),
                ("building", "qr-1"),
                ("phone", phone),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = location(&r);
    let code = to.split("c=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let token = to.split("t=").nth(1).unwrap().split('&').next().unwrap().to_string();
    (code.clone(), format!("/track/{code}?t={token}"))
}

/// The newest one-time code in the outbox.
async fn last_code(f: &Fixture) -> Option<String> {
    let page = f.store.outbox().sms_page(Page::new(Some(1), Some(50))).await.unwrap();
    let m = page.items.into_iter().find(|m| m.kind == "follow_code")?;
    let text = m.text();
    let start = text.find(|c: char| c.is_ascii_digit())?;
    Some(text[start..start + 6].to_string())
}

/// The page without its per-request token, to compare two answers.
fn without_csrf(body: &str) -> String {
    body.replace(&hidden(body, "_csrf"), "")
}

both_backends! {
    async fn a_lost_link_is_found_again_by_code_phone_and_sms_code(t: TestStore) {
        let f = fixture(&t).await;
        let mut resident = Client::default();
        let (code, follow) = report(&f, &mut resident, "垃圾桶满了三天没人清运", PHONE).await;

        // The lookup page is linked from the report form and the done page.
        assert!(resident.get(&f, "/report").await.body.contains("href=\"/track\""));
        let mut c = Client::default();
        let page = c.get(&f, "/track").await;
        assert_eq!(page.status, 200, "{}", t.label);
        let csrf = hidden(&page.body, "_csrf");

        // Wrong phone and unknown code: the same page as the right phone, and no code is sent.
        let wrong_phone = c.post_form(&f, "/track", &[("_csrf", &csrf), ("code", &code), ("phone", "13711112222")]).await;
        let unknown = c.post_form(&f, "/track", &[("_csrf", &csrf), ("code", "TX20991231-0001"), ("phone", PHONE)]).await;
        assert_eq!((wrong_phone.status.as_u16(), unknown.status.as_u16()), (200, 200), "{}", t.label);
        assert!(last_code(&f).await.is_none(), "{}: nothing sent", t.label);
        let right = c.post_form(&f, "/track", &[("_csrf", &csrf), ("code", &code), ("phone", PHONE)]).await;
        assert_eq!(right.status, 200);
        assert!(right.body.contains("id=\"code-sent\""));
        // The same page, but for the echoed input.
        let same = |a: &str, b: &str| {
            without_csrf(a).replace("TX20991231-0001", &code).replace("13711112222", PHONE) == without_csrf(b)
        };
        assert!(same(&unknown.body, &right.body), "{}: unknown code answered differently", t.label);
        assert!(same(&wrong_phone.body, &right.body), "{}: wrong phone answered differently", t.label);
        let otp = last_code(&f).await.expect("a code was sent");

        // A wrong code, then the right one: on to 我的诉求 with a session cookie.
        let wrong = if otp == "000000" { "111111" } else { "000000" };
        let r = c.post_form(&f, "/track/verify", &[("_csrf", &csrf), ("code", &code), ("phone", PHONE), ("otp", wrong)]).await;
        assert_eq!(r.status, 422, "{}", t.label);
        assert!(r.body.contains("验证码不正确或已失效"));
        let r = c.post_form(&f, "/track/verify", &[("_csrf", &csrf), ("code", &code), ("phone", PHONE), ("otp", &otp)]).await;
        assert_eq!(r.status, 303, "{}: {}", t.label, r.body);
        assert!(c.cookies.iter().any(|(k, _)| k == "tx_follow"));
        let mine = c.get(&f, &location(&r)).await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        assert!(mine.body.contains(&follow.replace('&', "&amp;")) || mine.body.contains(&follow), "{}: own link listed: {}", t.label, mine.body);
        assert!(mine.body.contains("id=\"looked-up\""));
        let track = c.get(&f, &follow).await;
        assert_eq!(track.status, 200);

        // Single use: the same code again is refused.
        let mut other = Client::default();
        let csrf2 = hidden(&other.get(&f, "/track").await.body, "_csrf");
        let again = other.post_form(&f, "/track/verify", &[("_csrf", &csrf2), ("code", &code), ("phone", PHONE), ("otp", &otp)]).await;
        assert_eq!(again.status, 422, "{}", t.label);
        // Without a session, 我的诉求 sends back to the lookup.
        let r = other.get(&f, "/track/mine").await;
        assert_eq!((r.status.as_u16(), location(&r).as_str()), (303, "/track"));
    }
}

both_backends! {
    async fn code_requests_are_limited_per_phone(t: TestStore) {
        let f = fixture(&t).await;
        let mut c = Client::default();
        let (code, _) = report(&f, &mut c, "楼道灯不亮", PHONE).await;
        let csrf = hidden(&c.get(&f, "/track").await.body, "_csrf");
        for i in 0..tongxin_web::resident::FOLLOW_CODES_PER_PHONE_PER_HOUR {
            let r = c.post_form(&f, "/track", &[("_csrf", &csrf), ("code", &code), ("phone", PHONE)]).await;
            assert_eq!(r.status, 200, "{}: request {i}", t.label);
        }
        let r = c.post_form(&f, "/track", &[("_csrf", &csrf), ("code", &code), ("phone", PHONE)]).await;
        assert_eq!(r.status, 429, "{}", t.label);
        assert!(r.body.contains("操作过于频繁"));
        // Another phone is not held back by this one.
        let r = c.post_form(&f, "/track", &[("_csrf", &csrf), ("code", &code), ("phone", "13711112222")]).await;
        assert_eq!(r.status, 200);
    }
}

both_backends! {
    async fn my_cases_never_show_another_reporters_link(t: TestStore) {
        let f = fixture(&t).await;
        let mut first = Client::default();
        let (code, first_follow) = report(&f, &mut first, "小区门口井盖松动", PHONE).await;
        let mut second = Client::default();
        let (code2, second_follow) = report(&f, &mut second, "小区门口井盖松动", "13711112222").await;
        assert_eq!(code, code2, "{}: the same matter", t.label);
        assert_ne!(first_follow, second_follow);

        let csrf = hidden(&second.get(&f, "/track").await.body, "_csrf");
        second.post_form(&f, "/track", &[("_csrf", &csrf), ("code", &code), ("phone", "13711112222")]).await;
        let otp = last_code(&f).await.unwrap();
        let r = second
            .post_form(&f, "/track/verify", &[("_csrf", &csrf), ("code", &code), ("phone", "13711112222"), ("otp", &otp)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mine = second.get(&f, "/track/mine").await;
        let first_token = first_follow.split("t=").nth(1).unwrap();
        let second_token = second_follow.split("t=").nth(1).unwrap();
        assert!(mine.body.contains(second_token), "{}: {}", t.label, mine.body);
        assert!(!mine.body.contains(first_token), "{}: the first reporter's token leaked", t.label);
    }
}

both_backends! {
    async fn urge_once_a_working_day_and_add_a_note_with_a_photo(t: TestStore) {
        let f = fixture(&t).await;
        let case = &f.ids.case_a1; // auto-dispatched to department 1
        let follow = format!("/track/{}?t={}", case.code, case.follow_token);
        let mut c = Client::default();
        let page = c.get(&f, &follow).await;
        assert!(page.body.contains("id=\"unit\""), "{}: the handling unit is named: {}", t.label, page.body);
        assert!(page.body.contains("id=\"deadline\""));
        let csrf = hidden(&page.body, "_csrf");
        let version = hidden(&page.body, "version");
        let fields = [("_csrf", csrf.as_str()), ("t", case.follow_token.as_str()), ("version", version.as_str())];
        let r = c.post_form(&f, &format!("/track/{}/urge", case.code), &fields).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = c.get(&f, &follow).await;
        assert!(page.body.contains("已催办"), "{}", page.body);
        assert!(page.body.contains("您催办了一次"), "{}: in the timeline", t.label);
        let version = hidden(&page.body, "version");
        let fields = [("_csrf", csrf.as_str()), ("t", case.follow_token.as_str()), ("version", version.as_str())];
        c.post_form(&f, &format!("/track/{}/urge", case.code), &fields).await;
        let page = c.get(&f, &follow).await;
        assert!(page.body.contains("已经催办过了"), "{}: {}", t.label, page.body);

        let version = hidden(&page.body, "version");
        let fields = [("_csrf", csrf.as_str()), ("t", case.follow_token.as_str()), ("version", version.as_str()), ("note", "晚上十点以后最吵")];
        let r = c.post_multipart(&f, &format!("/track/{}/note", case.code), &fields, &[PNG]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = c.get(&f, &follow).await;
        assert!(page.body.contains("您补充了信息") && page.body.contains("晚上十点以后最吵"), "{}", t.label);

        // The lead unit hears of both: notices of kind `urge` and `requester_note`.
        let rows = f.store.outbox().claim(chrono::Duration::minutes(1), 500).await.unwrap();
        let to_lead: Vec<&str> = rows.iter().filter(|r| r.recipient == "dept:1").map(|r| r.kind.as_str()).collect();
        assert!(to_lead.contains(&"urge") && to_lead.contains(&"requester_note"), "{}: {to_lead:?}", t.label);
    }
}

both_backends! {
    async fn the_sms_outbox_page_is_the_admins(t: TestStore) {
        let f = fixture(&t).await;
        let mut c = Client::default();
        report(&f, &mut c, "路灯坏了", PHONE).await;
        let admin = login(&f, Who::Admin).await;
        let mut a = Client::with_session(&admin);
        let page = a.get(&f, "/admin/sms").await;
        assert_eq!(page.status, 200, "{}", t.label);
        assert!(page.body.contains("139****3333"), "{}: masked number", t.label);
        assert!(!page.body.contains(PHONE), "never in clear");
        assert!(page.body.contains("http://localhost:8080/track/TX"), "the follow link is shown");
        assert!(page.body.contains("href=\"/admin/sms\""), "in the admin's navigation");
        let dispatcher = login(&f, Who::Dispatcher).await;
        let r = Client::with_session(&dispatcher).get(&f, "/admin/sms").await;
        assert_eq!(r.status, 403, "{}", t.label);
    }
}
