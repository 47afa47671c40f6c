//! Issue 11 items 1 and 2 in a real (headless) Chromium on a 390 px phone: a report's photo is
//! shown to the dispatcher and, through the follow link, to the resident (thumbnail loaded,
//! full size on a tap); the lead unit reveals the requester's number (an audit record) and gets
//! a `tel:` link, with 已联系 next to it; the next steps come first and the rest is folded.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, PHONE};
use support::*;

/// CRC-32 (IEEE) of a PNG chunk's type and data.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in bytes {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A real 24×24 red PNG carrying a camera model (tEXt) and a GPS position (eXIf), as a phone
/// might send it: zlib with one stored block, so no encoder is needed.
fn photo_with_location() -> Vec<u8> {
    let (w, h) = (24u32, 24u32);
    // Each row: filter byte 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0).chain([0xC0, 0x39, 0x2B].repeat(w as usize)).collect();
    let raw = row.repeat(h as usize);
    let (mut a, mut b) = (1u32, 0u32);
    for x in &raw {
        a = (a + u32::from(*x)) % 65521;
        b = (b + a) % 65521;
    }
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    z.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    z.extend_from_slice(&raw);
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"tEXt", b"Model\0Canon EOS R6");
    chunk(&mut png, b"eXIf", b"MM\0*\0\0\0\x08\0\0\0\0\0\0GPSLatitude 29.0895N");
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", b"");
    png
}

/// Scrolls the first `css` image into view and waits until the browser has decoded it; its
/// natural width.
async fn loaded_width(b: &Browser, css: &str) -> i64 {
    b.wait_for(css).await;
    b.execute(&format!("document.querySelector(\"{css}\").scrollIntoView()")).await;
    for _ in 0..50 {
        let w = b
            .execute(&format!("const i = document.querySelector(\"{css}\"); return i.complete ? i.naturalWidth : -1"))
            .await;
        if w.as_i64().unwrap_or(-1) >= 0 {
            return w.as_i64().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    -1
}

both_backends! {
    async fn a_photo_is_seen_by_the_dispatcher_and_the_resident_and_the_lead_unit_calls_the_requester(t: TestStore) {
        let f = fixture(&t).await;
        let photo = photo_with_location();
        // A hotline report with a photo in grid A1: dispatched to 城管执法中队 by the noise rule.
        let (case, _) = support::pages::case_with_photos(&f, GRID_A1, &[&photo]).await;
        let Some(b) = Browser::start_at(f.app.clone(), PHONE).await else { return };
        let page = format!("/cases/{}", case.id);

        // 指挥中心: the thumbnail is loaded; a tap opens the full size.
        b.log_in(&page, Who::Dispatcher.username(), PASSWORD).await;
        b.goto(&page).await;
        assert_eq!(loaded_width(&b, "#photos img").await, 24, "{}: the photo is shown", t.label);
        b.assert_fits_width("the case page with its photo").await;
        b.screenshot(&format!("case-photo-dispatcher-{}", t.label)).await;
        let full = b.execute("return document.querySelector('#photos a').getAttribute('href')").await;
        b.click("#photos a").await;
        assert_eq!(serde_json::json!(b.current_path().await), full, "{}: full size", t.label);
        b.goto(&page).await;
        b.execute("document.querySelector(\"form[action='/logout']\").submit()").await;
        b.wait_for("#username").await;

        // 职能部门 on a phone: the next steps first, the rest folded; reveal and call.
        b.log_in(&page, Who::Department.username(), PASSWORD).await;
        b.goto(&page).await;
        b.wait_for("#form-reveal").await;
        let order = b
            .execute(
                "const top = e => e.getBoundingClientRect().top; \
                 const details = [...document.querySelectorAll('h2')].find(h => h.textContent === '诉求详情'); \
                 const more = document.querySelector('#more-actions'); \
                 return [top(document.querySelector('#form-acknowledge')) < top(details), \
                         more !== null && !more.open && more.querySelector('#form-return') !== null]",
            )
            .await;
        assert_eq!(order, serde_json::json!([true, true]), "{}: 报到签收 first, 退单 folded", t.label);
        b.screenshot(&format!("case-phone-next-steps-{}", t.label)).await;
        assert!(b.text("#requester").await.contains("139****5678"), "{}", t.label);
        b.click("#form-reveal button").await;
        b.wait_for("#phone-full").await;
        let href = b.execute("return document.querySelector('#phone-full').getAttribute('href')").await;
        assert_eq!(href, serde_json::json!("tel:13912345678"), "{}: click to call", t.label);
        let audit = f.store.audit().list(Some(("case", &case.id.to_string())), tongxin_store::Page::default()).await.unwrap();
        let reveal = audit.iter().find(|a| a.fields.action == "case.phone_reveal").expect("the reveal is audited");
        assert_eq!(reveal.fields.actor_id, Some(f.ids.users[&Who::Department]), "{}", t.label);
        b.screenshot(&format!("case-phone-revealed-{}", t.label)).await;
        b.click("#form-contacted button").await;
        b.wait_for(".flash.ok").await;
        assert!(b.text(".flash.ok").await.contains("已联系诉求人"), "{}", t.label);
        assert!(b.text(".timeline").await.contains("联系诉求人"), "{}", t.label);
        b.execute("document.querySelector(\"form[action='/logout']\").submit()").await;
        b.wait_for("#username").await;

        // The resident, through the private follow link: the same photo, without its metadata.
        b.goto(&format!("/track/{}?t={}", case.code, case.follow_token)).await;
        assert_eq!(loaded_width(&b, "#photos img").await, 24, "{}: the resident sees the photo", t.label);
        b.assert_fits_width("the follow page with its photo").await;
        b.screenshot(&format!("case-photo-resident-{}", t.label)).await;
        b.close().await;
    }
}
