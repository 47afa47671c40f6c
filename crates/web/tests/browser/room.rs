//! The online mediation room with three browsers (issue 12): the mediator on an office screen and
//! two parties on phones, each entering through their invitation link with the code sent to their
//! phone. A public message reaches both parties live; a 背靠背 message reaches its party only; the
//! draft agreement is confirmed by both with their codes, and the mediator sees it.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, DESKTOP, PHONE};
use support::*;

/// Waits until the room's message list holds `text` (the live feed appends without a reload).
async fn sees(b: &Browser, text: &str) {
    for _ in 0..100 {
        if b.text("#lines").await.contains(text) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{text:?} never arrived: {}", b.text("#lines").await);
}

/// A party enters the room: the invitation link, a code by SMS, the code typed.
async fn enter(f: &Fixture, b: &Browser, dispute_id: i64, idx: u16) {
    b.goto(&format!("/r/{}", tongxin_app::mediation::room::invite_token(&f.store, dispute_id, idx))).await;
    b.click("#code-form button[type=submit]").await;
    b.wait_for("#code-sent").await;
    let text = f.store.mediation().last_text_to_party(dispute_id, idx).await.unwrap().expect("the SMS");
    let digits: String = text.split("验证码是").nth(1).unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
    b.fill("#otp", &digits).await;
    b.click("#join-form button[type=submit]").await;
    b.wait_for("#lines").await;
    b.assert_fits_width("the room on a phone").await;
}

/// A party confirms the current draft with the code sent for it.
async fn confirm(f: &Fixture, b: &Browser, dispute_id: i64, idx: u16) {
    b.click("#ask-confirm").await;
    // The code field is on the page before the request lands; wait for the confirmation SMS itself.
    let mut text = String::new();
    for _ in 0..100 {
        text = f.store.mediation().last_text_to_party(dispute_id, idx).await.unwrap().unwrap_or_default();
        if text.contains("您正在确认") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(text.contains("您正在确认"), "the confirmation code never reached the party: {text}");
    b.wait_for(".flash.ok").await; // the page the request returned to, saying the code was sent
    let digits: String = text.split("验证码").nth(1).unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
    b.fill("#confirm-otp", &digits).await;
    b.click("#confirm-form button[type=submit]").await;
    b.wait_for("#confirmed-mine").await;
}

/// The text of a PDF, by `pdftotext` (poppler-utils, installed by `.ci/run`); the PDF is kept
/// beside the screenshots.
fn pdf_text(pdf: &[u8], name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

both_backends! {
    async fn a_mediator_and_two_parties_in_the_online_room(t: TestStore) {
        let f = fixture(&t).await;
        let med = support::mediation::setup(&f).await;
        let d = med.room.clone();
        let Some(mediator) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        let Some(zhang) = Browser::start_at(f.app.clone(), PHONE).await else { return };
        let Some(li) = Browser::start_at(f.app.clone(), PHONE).await else { return };

        mediator.log_in(&format!("/rooms/{}", d.id), Who::Mediator.username(), PASSWORD).await;
        mediator.wait_for("#lines").await;
        enter(&f, &zhang, d.id, 0).await;
        enter(&f, &li, d.id, 1).await;

        // To everyone: both parties' pages show it without a reload.
        mediator.fill("#body", "双方好，今天在线调解，请各自说明诉求。").await;
        mediator.click("#say button[type=submit]").await;
        sees(&zhang, "今天在线调解").await;
        sees(&li, "今天在线调解").await;

        // 背靠背 to 李四 (party 1): he reads it, 张三 never does (a later public line shows her feed is live).
        mediator.wait_for("#to").await.select_by_value("party:1").await.unwrap();
        mediator.fill("#body", "李先生，对方愿意让一步，您看 500 元可以吗？").await;
        mediator.click("#say button[type=submit]").await;
        sees(&li, "500 元可以吗").await;
        assert!(li.text("#lines").await.contains("仅您与调解员可见"), "{}", t.label);
        mediator.wait_for("#to").await.select_by_value("all").await.unwrap();
        mediator.fill("#body", "请双方稍候，我来起草协议。").await;
        mediator.click("#say button[type=submit]").await;
        sees(&zhang, "我来起草协议").await;
        assert!(!zhang.text("#lines").await.contains("500 元可以吗"), "{}: the private line stays private", t.label);
        // A party answers the mediator alone.
        li.wait_for("#to").await.select_by_value("mine").await.unwrap();
        li.fill("#body", "可以，500 元我同意。").await;
        li.click("#say button[type=submit]").await;
        sees(&mediator, "500 元我同意").await;
        zhang.screenshot(&format!("room-party-phone-{}", t.label)).await;

        // The draft, confirmed by both parties with their codes.
        mediator.fill("#draft-body", "李四于 2026 年 12 月 20 日前赔偿张三维修费 500 元。").await;
        mediator.click("#draft-form button[type=submit]").await;
        mediator.wait_for(".flash.ok").await;
        for (b, idx) in [(&zhang, 0u16), (&li, 1u16)] {
            b.goto(&format!("/r/{}", tongxin_app::mediation::room::invite_token(&f.store, d.id, idx))).await;
            assert!(b.text("#draft-text").await.contains("赔偿张三维修费 500 元"), "{}", t.label);
            confirm(&f, b, d.id, idx).await;
        }
        mediator.goto(&format!("/rooms/{}", d.id)).await;
        let parties = mediator.text(".parties").await;
        assert_eq!(parties.matches("已确认").count(), 2, "{}: {parties}", t.label);
        mediator.screenshot(&format!("room-mediator-desktop-{}", t.label)).await;
        li.screenshot(&format!("room-party-confirmed-{}", t.label)).await;

        // The 调解协议书 of a signed dispute, printed to an A4 PDF by Chromium: the parties by name.
        mediator.goto(&format!("/mediation/disputes/{}/agreement", med.signed.id)).await;
        mediator.wait_for("body").await;
        let a4 = fantoccini::wd::PrintConfiguration::builder().build().unwrap();
        let pdf = mediator.client().print(a4).await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{}", t.label);
        let text = pdf_text(&pdf, &format!("agreement-{}", t.label));
        for name in ["张三", "李四", &med.signed.code] {
            assert!(text.contains(name), "{}: {name} on the printed agreement:\n{text}", t.label);
        }
        mediator.close().await;
        zhang.close().await;
        li.close().await;
    }
}
