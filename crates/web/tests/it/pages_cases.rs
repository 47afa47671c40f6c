//! The 指挥中心 and 职能部门 pages in process, on both storage backends: the queue, a case's page
//! with exactly the forms the rules allow, posting steps (stale versions, merges, replies with
//! photos), and scope (out of scope is the 404 page; departments see only their cases).

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use support::pages::*;
use support::*;

async fn version(f: &Fixture, id: i64) -> String {
    f.store.cases().get(&tongxin_domain::kernel::access::Scope::All, id).await.unwrap().version.to_string()
}

fn small(r: &Reply, what: &str) {
    assert!(r.body.len() < 100 * 1024, "{what}: {} bytes", r.body.len());
}

both_backends! {
    async fn the_queue_lists_cases_in_scope_with_filters_lights_and_search(t: TestStore) {
        let f = fixture(&t).await;
        let waiting = waiting_case(&f, "小区垃圾桶满了无人清运").await;
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, "/cases").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        small(&r, "queue");
        assert!(r.body.contains(&f.ids.case_a1.code) && r.body.contains(&waiting.code), "{}", t.label);
        assert!(!r.body.contains(&f.ids.case_c1.code), "{}: another street's case", t.label);
        assert!(r.body.contains("已派遣") && r.body.contains("已受理"), "{}: statuses in Chinese", t.label);
        assert!(r.body.contains("light green") && r.body.contains("light grey"), "{}: deadline lights", t.label);
        for label in ["关键词、编号或手机号", "状态", "类别", "超期", "社区或网格", "来源", "受理日期起", "受理日期止"]
        {
            assert!(r.body.contains(&format!(">{label}</label>")), "{}: filter {label}", t.label);
        }

        let r = get(&f, &d, "/cases?q=%E5%9E%83%E5%9C%BE").await; // 垃圾
        assert!(r.body.contains(&waiting.code) && !r.body.contains(&f.ids.case_a1.code), "{}: search", t.label);
        let r = get(&f, &d, "/cases?status=dispatched").await;
        assert!(r.body.contains(&f.ids.case_a1.code) && !r.body.contains(&waiting.code), "{}: status", t.label);
        let r = get(&f, &d, "/cases?category=city.garbage&channel=hotline&overdue=0").await;
        assert!(r.body.contains(&waiting.code) && !r.body.contains(&f.ids.case_a1.code), "{}", t.label);
        let r = get(&f, &d, "/cases?from=2000-01-01&to=2000-01-02").await;
        assert!(r.body.contains("没有符合条件的诉求"), "{}: date range", t.label);
        let r = get(&f, &d, "/cases?from=yesterday").await;
        assert!(r.body.contains("格式应为"), "{}: a bad date is explained", t.label);
        let r = get(&f, &d, &format!("/cases?grid={GRID_C1}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: a grid out of scope", t.label);
        let r = get(&f, &d, "/cases?per_page=1&page=2").await;
        assert!(r.body.contains("上一页"), "{}: pager", t.label);
        assert_eq!(get(&f, &d, "/cases?page=abc").await.status, StatusCode::OK, "{}: a bad page number", t.label);

        // Departments see only the cases they take part in.
        let dept = login(&f, Who::Department).await;
        let r = get(&f, &dept, "/cases?status=all").await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert!(r.body.contains(&f.ids.case_a1.code), "{}", t.label);
        assert!(!r.body.contains(&waiting.code) && !r.body.contains(&f.ids.case_c1.code), "{}", t.label);
        for who in [Who::Party, Who::Mediator] {
            assert_eq!(get(&f, &login(&f, who).await, "/cases").await.status, StatusCode::FORBIDDEN, "{who:?}");
        }
    }
}

both_backends! {
    async fn a_case_page_offers_exactly_the_allowed_forms(t: TestStore) {
        let f = fixture(&t).await;
        let waiting = waiting_case(&f, "垃圾堆放在单元门口").await;
        let page = |who| {
            let f = &f;
            let id = waiting.id;
            async move { get(f, &login(f, who).await, &format!("/cases/{id}")).await }
        };
        let d = page(Who::Dispatcher).await;
        assert_eq!(d.status, StatusCode::OK, "{}: {}", t.label, d.body);
        small(&d, "case page");
        for form in ["dispatch", "accept", "reject", "merge", "supervise"] {
            assert!(d.body.contains(&format!("name=\"action\" value=\"{form}\"")), "{}: dispatcher {form}", t.label);
        }
        for form in ["acknowledge", "close", "verify", "request_extension"] {
            assert!(!d.body.contains(&format!("value=\"{form}\"")), "{}: dispatcher has no {form}", t.label);
        }
        assert!(d.body.contains("<option value=\"dept:1\" selected>城管执法中队</option>"), "{}: suggestion", t.label);
        assert!(d.body.contains("派单建议：城管执法中队"), "{}", t.label);
        assert!(d.body.contains("由指挥中心确认派单"), "{}: the rule's explanation", t.label);
        assert!(d.body.contains("138****5678") && !d.body.contains("13812345678"), "{}: phone masked", t.label);
        assert!(d.body.contains(&format!("name=\"version\" value=\"{}\"", waiting_version(&f, waiting.id).await)));

        let l = page(Who::Leader).await;
        assert!(l.body.contains("value=\"supervise\"") && !l.body.contains("value=\"dispatch\""), "{}", t.label);
        let g = page(Who::Grid).await;
        assert_eq!(g.status, StatusCode::OK);
        assert!(!g.body.contains("name=\"action\""), "{}: a grid worker has nothing to do yet", t.label);
        assert_eq!(page(Who::Department).await.status, StatusCode::NOT_FOUND, "{}: not its case", t.label);

        // The dispatched case: the department acknowledges or returns; no report before 签收.
        let dept = login(&f, Who::Department).await;
        let a1 = format!("/cases/{}", f.ids.case_a1.id);
        let r = get(&f, &dept, &a1).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert!(r.body.contains("value=\"acknowledge\"") && r.body.contains("value=\"return\""), "{}", t.label);
        assert!(!r.body.contains("/reply\"") && !r.body.contains("value=\"dispatch\""), "{}", t.label);
        let r = get(&f, &login(&f, Who::Dispatcher).await, &a1).await;
        assert!(r.body.contains("撤回改派") && !r.body.contains("value=\"acknowledge\""), "{}", t.label);
    }
}

async fn waiting_version(f: &Fixture, id: i64) -> String {
    version(f, id).await
}

both_backends! {
    async fn dispatching_with_a_whistle_a_stale_version_and_merging(t: TestStore) {
        let f = fixture(&t).await;
        let waiting = waiting_case(&f, "垃圾清运不及时").await;
        let d = login(&f, Who::Dispatcher).await;
        let uri = format!("/cases/{}/act", waiting.id);
        let v = version(&f, waiting.id).await;
        let grid_team = format!("grid:{GRID_A1}");
        let r = post_form_with_csrf(
            &f,
            &d,
            &uri,
            &[("version", &v), ("action", "dispatch"), ("lead", "dept:1"), ("assisting", &grid_team)],
        )
        .await;
        let page = follow(&f, &d, &r).await;
        assert!(page.body.contains("flash ok") && page.body.contains("已派遣"), "{}: {}", t.label, page.body);
        assert_eq!(case_status(&f, waiting.id).await, "dispatched");
        assert!(page.body.contains("城管执法中队（牵头）") && page.body.contains("（协办）"), "{}", t.label);

        // The same form again, with the version it was rendered with.
        let r = post_form_with_csrf(&f, &d, &uri, &[("version", &v), ("action", "supervise"), ("note", "抓紧")]).await;
        let page = follow(&f, &d, &r).await;
        assert!(page.body.contains("该诉求刚被他人处理过，请刷新后重试"), "{}: {}", t.label, page.body);
        assert!(page.body.contains("flash error"), "{}", t.label);

        let v = version(&f, waiting.id).await;
        let r = post_form_with_csrf(&f, &d, &uri, &[("version", &v), ("action", "supervise"), ("note", "请今日办结")])
            .await;
        assert!(follow(&f, &d, &r).await.body.contains("街道督办"), "{}", t.label);

        // Merge a duplicate into the first case by its tracking code.
        let dup = waiting_case(&f, "垃圾又没人收").await;
        let uri = format!("/cases/{}/act", dup.id);
        let v = version(&f, dup.id).await;
        let r = post_form_with_csrf(
            &f,
            &d,
            &uri,
            &[("version", &v), ("action", "merge"), ("into_code", &f.ids.case_c1.code)],
        )
        .await;
        assert!(follow(&f, &d, &r).await.body.contains("不存在或不在您的管辖范围内"), "{}: out of scope", t.label);
        let r =
            post_form_with_csrf(&f, &d, &uri, &[("version", &v), ("action", "merge"), ("into_code", &waiting.code)])
                .await;
        let page = follow(&f, &d, &r).await;
        assert!(page.body.contains("已合并"), "{}: {}", t.label, page.body);
        assert_eq!(case_status(&f, dup.id).await, "merged");

        // Out of scope: the 404 page, for reading and for acting.
        let out = format!("/cases/{}", f.ids.case_c1.id);
        let r = get(&f, &d, &out).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("页面不存在"), "{}", t.label);
        let v = version(&f, f.ids.case_c1.id).await;
        let r = post_form_with_csrf(&f, &d, &format!("{out}/act"), &[("version", &v), ("action", "supervise")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", t.label);
        assert_eq!(case_status(&f, f.ids.case_c1.id).await, "dispatched");

        // A wrong CSRF token changes nothing.
        let bad = Session { cookie: d.cookie.clone(), csrf: Some("forged".into()) };
        let v = version(&f, waiting.id).await;
        let r = post_form_with_csrf(
            &f,
            &bad,
            &format!("/cases/{}/act", waiting.id),
            &[("version", &v), ("action", "supervise")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.label);
        assert_eq!(version(&f, waiting.id).await, v);
    }
}

/// Posts the multipart reply form: `_csrf`, `version`, `reply` and `photos`.
async fn post_reply(
    f: &Fixture,
    s: &Session,
    uri: &str,
    csrf: &str,
    version: &str,
    reply: &str,
    photos: &[&[u8]],
) -> Reply {
    let fields = [("_csrf", csrf), ("version", version), ("reply", reply)];
    post_multipart(f, s, uri, &fields, &Upload::photos("photos", photos)).await
}

both_backends! {
    async fn a_department_works_its_inbox_acknowledges_asks_for_time_and_replies_with_a_photo(t: TestStore) {
        let f = fixture(&t).await;
        let dept = login(&f, Who::Department).await;
        let r = get(&f, &dept, "/inbox").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        small(&r, "inbox");
        assert!(r.body.contains(&f.ids.case_a1.code) && !r.body.contains(&f.ids.case_c1.code), "{}", t.label);
        assert!(r.body.contains("城管执法中队") && r.body.contains("light green"), "{}", t.label);
        for who in [Who::Dispatcher, Who::Grid, Who::Leader] {
            assert_eq!(get(&f, &login(&f, who).await, "/inbox").await.status, StatusCode::FORBIDDEN, "{who:?}");
        }

        let id = f.ids.case_a1.id;
        let act = format!("/cases/{id}/act");
        let v = version(&f, id).await;
        let r = post_form_with_csrf(&f, &dept, &act, &[("version", &v), ("action", "acknowledge")]).await;
        let page = follow(&f, &dept, &r).await;
        assert!(page.body.contains("已签收"), "{}: {}", t.label, page.body);
        assert!(page.body.contains("/reply\"") && page.body.contains("value=\"request_extension\""), "{}", t.label);
        assert!(!page.body.contains("value=\"acknowledge\""), "{}: once only", t.label);

        let v = version(&f, id).await;
        let r =
            post_form_with_csrf(&f, &dept, &act, &[("version", &v), ("action", "request_extension"), ("days", "0")])
                .await;
        assert!(follow(&f, &dept, &r).await.body.contains("延期天数应为"), "{}", t.label);
        let r = post_form_with_csrf(
            &f,
            &dept,
            &act,
            &[("version", &v), ("action", "request_extension"), ("days", "3"), ("reason", "需协调物业")],
        )
        .await;
        let page = follow(&f, &dept, &r).await;
        assert!(page.body.contains("申请延期3个工作日：需协调物业"), "{}: {}", t.label, page.body);

        // A reply without text is refused by the rules; a photo that is not an image by its bytes.
        let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
        let csrf = dept.csrf.clone().unwrap();
        let reply_uri = format!("/cases/{id}/reply");
        let v = version(&f, id).await;
        let r = post_reply(&f, &dept, &reply_uri, &csrf, &v, "", &[]).await;
        assert!(follow(&f, &dept, &r).await.body.contains("请填写办理结果"), "{}", t.label);
        let r = post_reply(&f, &dept, &reply_uri, &csrf, &v, "已清理", &[b"GIF89a...."]).await;
        assert!(follow(&f, &dept, &r).await.body.contains("不是 JPEG、PNG 或 WebP"), "{}", t.label);
        assert_eq!(post_reply(&f, &dept, &reply_uri, "forged", &v, "已清理", &[]).await.status, StatusCode::FORBIDDEN);
        // Each part has its own limit (issue 9, item 3): one photo past 10 MB is refused whole.
        let big = vec![0u8; 10 * 1024 * 1024 + 1];
        let r = post_reply(&f, &dept, &reply_uri, &csrf, &v, "已清理", &[&big]).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: {}", t.label, r.body);
        assert!(r.body.contains("10 MB"), "{}", r.body);

        let r = post_reply(&f, &dept, &reply_uri, &csrf, &v, "已约谈店主，夜间停止营业", &[png]).await;
        let page = follow(&f, &dept, &r).await;
        assert!(page.body.contains("佐证照片 1 张"), "{}: {}", t.label, page.body);
        assert_eq!(case_status(&f, id).await, "handled");
        assert!(page.body.contains("已约谈店主，夜间停止营业"), "{}", t.label);
        for form in ["acknowledge", "return", "request_extension"] {
            assert!(!page.body.contains(&format!("value=\"{form}\"")), "{}: no {form} after the reply", t.label);
        }
        assert!(!page.body.contains("/reply\""), "{}: replied once", t.label);
        // Handled cases leave the inbox.
        assert!(!get(&f, &dept, "/inbox").await.body.contains(&f.ids.case_a1.code), "{}", t.label);
        // The dispatcher now verifies, then closes.
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, &format!("/cases/{id}")).await;
        assert!(r.body.contains("value=\"verify\"") && !r.body.contains("value=\"close\""), "{}", t.label);
        let v = version(&f, id).await;
        let r = post_form_with_csrf(&f, &d, &act, &[("version", &v), ("action", "verify"), ("ok", "1")]).await;
        let page = follow(&f, &d, &r).await;
        assert!(page.body.contains("value=\"close\""), "{}: {}", t.label, page.body);
    }
}

both_backends! {
    async fn a_department_returns_a_case_with_a_reason(t: TestStore) {
        let f = fixture(&t).await;
        let dept = login(&f, Who::Department).await;
        let id = f.ids.case_a1.id;
        let act = format!("/cases/{id}/act");
        let v = version(&f, id).await;
        let r = post_form_with_csrf(&f, &dept, &act, &[("version", &v), ("action", "return"), ("reason", "")]).await;
        assert!(follow(&f, &dept, &r).await.body.contains("请填写退单理由"), "{}", t.label);
        let r = post_form_with_csrf(
            &f,
            &dept,
            &act,
            &[("version", &v), ("action", "return"), ("reason", "属供电公司职责")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(case_status(&f, id).await, "accepted", "{}: back to the dispatch centre", t.label);
        // The case left the department: nothing more to do on it (or no longer visible).
        let page = follow(&f, &dept, &r).await;
        assert!(
            page.status == StatusCode::NOT_FOUND || !page.body.contains("name=\"action\""),
            "{}: {}",
            t.label,
            page.body
        );
        assert!(!get(&f, &dept, "/inbox").await.body.contains(&f.ids.case_a1.code), "{}", t.label);
    }
}
