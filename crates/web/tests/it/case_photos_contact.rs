//! Issue 11 items 1–3 and the case page's minors, in process on both backends: a case's photos
//! served to whoever may see the case (types, headers, scope, EXIF gone for the resident),
//! revealing the requester's phone (who, audit record, limit, `tel:`), 响应率 explained, and
//! names instead of ids on the case page.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use support::pages::*;
use support::*;
use tongxin_app::cases::{Place, Report, Reported, Reporter};
use tongxin_domain::case::Channel;
use tongxin_domain::kernel::access::Scope;

/// A JPEG whose EXIF block carries a GPS position and a camera model.
pub const JPEG_WITH_EXIF: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\
\xFF\xE1\x00\x30Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00GPSLatitude 29.0895N Canon\
\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00\x12\x34\x56\xFF\xD9";

/// The smallest PNG header chunks, with a text chunk naming the camera.
pub const PNG_WITH_TEXT: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\
\x00\x00\x00\x0ftEXtModel\x00Canon EOS\x00\x00\x00\x00\
\x00\x00\x00\x00IEND\xaeB`\x82";

/// A grid worker's patrol report in grid A1 (巡查发现), closed on the spot when `on_spot` is given.
async fn patrol(f: &Fixture, text: &str, on_spot: Option<&str>) -> Reported {
    let worker = f.store.accounts().user(f.ids.users[&Who::Grid]).await.unwrap();
    let report = Report {
        channel: Channel::Patrol,
        category: "city.garbage".into(),
        urgency: None,
        title: None,
        description: text.into(),
        place: Place::Grid { code: GRID_A1.into() },
        address: String::new(),
        requester_name: None,
        phone: None,
        photos: Vec::new(),
        reporter: Reporter::Staff(worker),
        on_spot_reply: on_spot.map(String::from),
    };
    f.state.cases.report(report).await.unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn raw(f: &Fixture, s: &Session, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = axum::http::Request::builder().uri(uri);
    if let Some(c) = &s.cookie {
        req = req.header(axum::http::header::COOKIE, c);
    }
    reply_bytes(f, req.body(axum::body::Body::empty()).unwrap()).await
}

both_backends! {
    async fn photos_are_served_to_those_who_may_see_the_case_and_without_exif_to_the_resident(t: TestStore) {
        let f = fixture(&t).await;
        let (case, photos) = case_with_photos(&f, GRID_A1, &[JPEG_WITH_EXIF, PNG_WITH_TEXT]).await;
        let (other, other_photos) = case_with_photos(&f, GRID_A1, &[PNG_WITH_TEXT]).await;
        let (jpeg, png) = (photos[0], photos[1]);
        let d = login(&f, Who::Dispatcher).await;

        // The case page: thumbnails linking to the full size, loaded lazily.
        let page = get(&f, &d, &format!("/cases/{}", case.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        let url = format!("/cases/{}/photos/{jpeg}", case.id);
        assert!(page.body.contains(&format!("<a href=\"{url}\"><img src=\"{url}\"")), "{}: thumbnail", t.label);
        assert!(page.body.contains("loading=\"lazy\"") && page.body.contains("上报照片 2 张"), "{}", t.label);

        // Staff get the photo as sent, typed from the stored type, not sniffed, cached privately.
        let (status, headers, body) = raw(&f, &d, &url).await;
        assert_eq!(status, StatusCode::OK, "{}", t.label);
        assert_eq!(headers["content-type"], "image/jpeg", "{}", t.label);
        assert_eq!(headers["x-content-type-options"], "nosniff", "{}", t.label);
        assert!(headers["cache-control"].to_str().unwrap().starts_with("private"), "{}", t.label);
        assert_eq!(body, JPEG_WITH_EXIF, "{}: staff see the original", t.label);
        let (_, headers, _) = raw(&f, &d, &format!("/cases/{}/photos/{png}", case.id)).await;
        assert_eq!(headers["content-type"], "image/png", "{}", t.label);

        // A photo of another case, through this case: 404; no listing.
        let (status, _, _) = raw(&f, &d, &format!("/cases/{}/photos/{}", case.id, other_photos[0])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}: another case's photo", t.label);
        assert_eq!(raw(&f, &d, &format!("/cases/{}/photos/", case.id)).await.0, StatusCode::NOT_FOUND, "{}", t.label);
        // Scope: the case page's own check (another street's department, anonymous).
        let grid = login(&f, Who::Grid).await;
        assert_eq!(raw(&f, &grid, &url).await.0, StatusCode::OK, "{}: the grid's worker", t.label);
        let (c1, c1_photos) = case_with_photos(&f, GRID_C1, &[JPEG_WITH_EXIF]).await;
        let c1_url = format!("/cases/{}/photos/{}", c1.id, c1_photos[0]);
        assert_eq!(raw(&f, &d, &c1_url).await.0, StatusCode::NOT_FOUND, "{}: out of scope", t.label);
        assert_eq!(raw(&f, &Session::default(), &url).await.0, StatusCode::SEE_OTHER, "{}: to login", t.label);

        // The resident: through the follow link, EXIF gone.
        let track = get(&f, &Session::default(), &format!("/track/{}?t={}", case.code, case.follow_token)).await;
        assert_eq!(track.status, StatusCode::OK, "{}", t.label);
        let resident_url = format!("/track/{}/photos/{jpeg}?t={}", case.code, case.follow_token);
        assert!(track.body.contains(&format!("<img src=\"{resident_url}\"")), "{}: {}", t.label, track.body);
        let (status, headers, body) = raw(&f, &Session::default(), &resident_url).await;
        assert_eq!(status, StatusCode::OK, "{}", t.label);
        assert_eq!(headers["content-type"], "image/jpeg", "{}", t.label);
        assert_eq!(headers["x-content-type-options"], "nosniff", "{}", t.label);
        assert!(headers["cache-control"].to_str().unwrap().starts_with("private"), "{}", t.label);
        assert!(!contains(&body, b"GPSLatitude") && !contains(&body, b"Canon") && !contains(&body, b"Exif"), "{}", t.label);
        assert!(body.starts_with(b"\xFF\xD8") && body.ends_with(b"\x12\x34\x56\xFF\xD9"), "{}: the image itself kept", t.label);
        let (_, _, body) =
            raw(&f, &Session::default(), &format!("/track/{}/photos/{png}?t={}", case.code, case.follow_token)).await;
        assert!(!contains(&body, b"Canon") && contains(&body, b"IHDR"), "{}: PNG text chunk gone", t.label);
        for bad in [
            format!("/track/{}/photos/{jpeg}?t=forged", case.code),
            format!("/track/{}/photos/{jpeg}", case.code),
            format!("/track/{}/photos/{}?t={}", case.code, other_photos[0], case.follow_token),
            format!("/track/{}/photos/{jpeg}?t={}", other.code, other.follow_token),
        ] {
            assert_eq!(raw(&f, &Session::default(), &bad).await.0, StatusCode::NOT_FOUND, "{}: {bad}", t.label);
        }
    }
}

both_backends! {
    async fn the_lead_unit_and_the_dispatcher_reveal_the_phone_audited_and_call_it(t: TestStore) {
        let f = fixture(&t).await;
        // Dispatched to department 1 (城管执法中队) by the street's noise rule.
        let (case, _) = case_with_photos(&f, GRID_A1, &[]).await;
        let path = format!("/cases/{}", case.id);
        let dept = login(&f, Who::Department).await;
        let page = get(&f, &dept, &path).await;
        assert!(page.body.contains("139****5678") && !page.body.contains("13912345678"), "{}: masked", t.label);
        assert!(page.body.contains("查看完整号码") && page.body.contains("id=\"form-contacted\""), "{}", t.label);

        // Without the form's token: refused, nothing revealed or recorded.
        let r = post_form(&f, &dept, &format!("{path}/phone"), &[("_csrf", "wrong")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.label);
        let r = post_form_with_csrf(&f, &dept, &format!("{path}/phone"), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert!(r.body.contains("href=\"tel:13912345678\""), "{}: click to call", t.label);
        assert_eq!(r.headers["cache-control"], "no-store", "{}", t.label);
        assert!(!r.body.contains("查看完整号码"), "{}", t.label);
        let audit = f.store.audit().list(Some(("case", &case.id.to_string())), tongxin_store::Page::default()).await.unwrap();
        let reveal = audit.iter().find(|a| a.fields.action == "case.phone_reveal").expect("audited");
        assert_eq!(reveal.fields.actor_id, Some(f.ids.users[&Who::Department]), "{}", t.label);
        assert!(reveal.fields.detail.contains("139****5678") && !reveal.fields.detail.contains("13912345678"), "{}", t.label);

        // 已联系: one button, recorded as the contact step.
        let version = f.store.cases().get(&Scope::All, case.id).await.unwrap().version.to_string();
        let r = post_form_with_csrf(&f, &dept, &format!("{path}/act"), &[("version", &version), ("action", "contact_requester")]).await;
        assert!(flash_of(&r).contains("已"), "{}: {}", t.label, flash_of(&r));
        assert!(f.store.cases().get(&Scope::All, case.id).await.unwrap().state.first_contact_at.is_some(), "{}", t.label);

        // The dispatcher may too; the leader, the grid worker and another department may not.
        let d = login(&f, Who::Dispatcher).await;
        assert!(post_form_with_csrf(&f, &d, &format!("{path}/phone"), &[]).await.body.contains("tel:13912345678"), "{}", t.label);
        for who in [Who::Leader, Who::Grid, Who::Community] {
            let s = login(&f, who).await;
            assert!(!get(&f, &s, &path).await.body.contains("查看完整号码"), "{}: {who:?}", t.label);
            let r = post_form_with_csrf(&f, &s, &format!("{path}/phone"), &[]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {who:?}", t.label);
        }
        // An hourly limit, like every unmask.
        let limit = tongxin_store::cases::contact::PHONE_REVEALS_PER_HOUR;
        let mut last = StatusCode::OK;
        for _ in 0..limit {
            last = post_form_with_csrf(&f, &d, &format!("{path}/phone"), &[]).await.status;
        }
        assert_eq!(last, StatusCode::SEE_OTHER, "{}: past the limit, back with a message", t.label);
        let r = post_form_with_csrf(&f, &d, &format!("{path}/phone"), &[]).await;
        assert!(flash_of(&r).contains("过于频繁"), "{}", t.label);

        // A patrol's own finding has no requester: no contact, no number.
        let patrol = patrol(&f, "巡查发现垃圾桶破损", None).await;
        let page = get(&f, &d, &format!("/cases/{}", patrol.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        assert!(!page.body.contains("contact_requester") && !page.body.contains("查看完整号码"), "{}", t.label);
        assert!(page.body.contains("巡查发现，无诉求人"), "{}", t.label);
    }
}

both_backends! {
    async fn the_response_rate_is_explained_case_by_case(t: TestStore) {
        let f = fixture(&t).await;
        // Department 1's month: the fixture's case (not acknowledged), one acknowledged without
        // a contact, one acknowledged and contacted.
        let (quiet, _) = case_with_photos(&f, GRID_A1, &[]).await;
        let (done, _) = case_with_photos(&f, GRID_A1, &[]).await;
        let dept = login(&f, Who::Department).await;
        for (id, steps) in [(quiet.id, &["acknowledge"][..]), (done.id, &["acknowledge", "contact_requester"][..])] {
            for step in steps {
                let v = f.store.cases().get(&Scope::All, id).await.unwrap().version.to_string();
                let r = post_form_with_csrf(&f, &dept, &format!("/cases/{id}/act"), &[("version", &v), ("action", step)]).await;
                assert!(flash_of(&r).starts_with("已"), "{}: {step}: {}", t.label, flash_of(&r));
            }
        }
        let month = tongxin_app::evaluation::current_month(&f.store);
        let explain = format!("/evaluation/units/dept%3A1?month={month}");

        let inbox = get(&f, &dept, "/inbox").await;
        assert!(inbox.body.contains("响应率") && inbox.body.contains(&explain), "{}: {}", t.label, inbox.body);

        let page = get(&f, &dept, &explain).await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", t.label, page.body);
        assert!(page.body.contains("城管执法中队") && !page.body.contains("dept:1<"), "{}: named", t.label);
        assert!(page.body.contains("<span id=\"response-rate\">33.3%</span>"), "{}: {}", t.label, page.body);
        let row_of = |code: &str| {
            let at = page.body.find(code).unwrap_or_else(|| panic!("{code} listed"));
            page.body[at..].split("</tr>").next().unwrap().to_string()
        };
        assert!(row_of(&f.ids.case_a1.code).contains("未签收"), "{}", t.label);
        assert!(row_of(&quiet.code).contains("已签收，未记录联系诉求人"), "{}", t.label);
        assert!(row_of(&done.code).contains("已响应"), "{}", t.label);
        assert!(page.body.contains("第十五条"), "{}: the rule cited", t.label);

        // The dashboard's ranking links each unit's rate to its explanation.
        let leader = login(&f, Who::Leader).await;
        assert!(get(&f, &leader, "/dashboard").await.body.contains(&explain), "{}", t.label);
        assert_eq!(get(&f, &leader, &explain).await.status, StatusCode::OK, "{}", t.label);
        // Another street's department, a grid worker, an unknown unit.
        assert_eq!(get(&f, &dept, &format!("/evaluation/units/dept%3A2?month={month}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&f, &dept, &format!("/evaluation/units/area%3A{GRID_A1}")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(get(&f, &login(&f, Who::Grid).await, &explain).await.status, StatusCode::FORBIDDEN);
        assert_eq!(get(&f, &leader, "/evaluation/units/dept%3Ax").await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&f, &leader, &format!("{explain}x")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

both_backends! {
    async fn the_case_page_names_units_and_people_and_forgets_a_returning_unit(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        // The fixture's case was dispatched automatically by the noise rule.
        let page = get(&f, &d, &format!("/cases/{}", f.ids.case_a1.id)).await;
        assert!(page.body.contains("派往城管执法中队（牵头）"), "{}: {}", t.label, page.body);
        assert!(!page.body.contains("部门#1") && !page.body.contains(&format!("网格{GRID_A1}")), "{}: no ids", t.label);
        assert!(page.body.contains("系统（自动派单）"), "{}: auto-dispatch is the system's", t.label);
        assert!(!page.body.contains(&format!("<td>{GRID_A1}</td>")), "{}: the grid by name", t.label);

        // 退单: the department returns a case; the suggestion no longer proposes it.
        let waiting = waiting_case(&f, "单元门口垃圾堆放").await;
        let path = format!("/cases/{}", waiting.id);
        let v = f.store.cases().get(&Scope::All, waiting.id).await.unwrap().version.to_string();
        let r = post_form_with_csrf(&f, &d, &format!("{path}/act"), &[("version", &v), ("action", "dispatch"), ("lead", "dept:1")]).await;
        assert!(flash_of(&r).starts_with("已"), "{}: {}", t.label, flash_of(&r));
        let dept = login(&f, Who::Department).await;
        let v = f.store.cases().get(&Scope::All, waiting.id).await.unwrap().version.to_string();
        let r = post_form_with_csrf(&f, &dept, &format!("{path}/act"), &[("version", &v), ("action", "return"), ("reason", "不属本单位职责")]).await;
        assert!(flash_of(&r).starts_with("已"), "{}: {}", t.label, flash_of(&r));
        let page = get(&f, &d, &path).await;
        assert!(!page.body.contains("派单建议：城管执法中队"), "{}: the returning unit is not proposed", t.label);
        assert!(page.body.contains("城管执法中队已退单，请另选承办单位"), "{}", t.label);
        // Staff by name and role (the fixture names its users after their role).
        assert!(page.body.contains("Dispatcher（指挥中心调度员）"), "{}: staff by name and role", t.label);
        assert!(page.body.contains("Department（职能部门办理人员）"), "{}", t.label);
        let queue = get(&f, &d, "/cases?status=all").await;
        let row = queue.body.split("<tr").find(|r| r.contains(&waiting.code)).unwrap().to_string();
        assert!(row.contains("已退回"), "{}: {row}", t.label);
        assert!(row.contains("桃园一网格") && !row.contains(GRID_A1), "{}: the grid by name: {row}", t.label);

        // A finished case shows when it ended, not "无期限".
        let fixed = patrol(&f, "巡查发现井盖松动，已当场固定", Some("已当场固定")).await;
        let page = get(&f, &d, &format!("/cases/{}", fixed.id)).await;
        assert!(page.body.contains("结束时间") && !page.body.contains("无期限"), "{}", t.label);
        let queue = get(&f, &d, "/cases?status=all").await;
        let row = queue.body.split("<tr").find(|r| r.contains(&fixed.code)).unwrap().to_string();
        assert!(row.contains("结束") && !row.contains("无期限"), "{}: {row}", t.label);
    }
}
