//! Staff operations (issue 11 items 6–8 and minors), in process on both backends: the queue's
//! search by tracking code and by full phone number (an audited unmask with an hourly limit),
//! the hotline operator's call form, the bell and the notices page, the inbox's flags, and
//! names instead of codes in the queue, the user list and the party roster.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::{StatusCode, header};
use support::pages::*;
use support::*;
use tongxin_domain::kernel::access::Scope;

fn location(r: &Reply) -> String {
    r.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Audit records of `action` so far.
async fn audited(f: &Fixture, action: &str) -> Vec<tongxin_domain::kernel::audit::AuditRecord> {
    let all = f.store.audit().list(None, tongxin_store::Page::new(Some(1), Some(200))).await.unwrap();
    all.into_iter().filter(|r| r.fields.action == action).collect()
}

/// The unread count the bell shows on a page, if any.
fn bell(body: &str) -> Option<String> {
    let at = body.find("data-unread=\"")? + "data-unread=\"".len();
    Some(body[at..].split('"').next().unwrap().to_string())
}

both_backends! {
    async fn a_tracking_code_in_the_search_box_opens_its_case_within_scope_only(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let code = &f.ids.case_a1.code;
        let r = get(&f, &d, &format!("/cases?q={code}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        assert_eq!(location(&r), format!("/cases/{}", f.ids.case_a1.id), "{}", t.label);
        // Typed loosely: lower case and spaces around.
        let r = get(&f, &d, &format!("/cases?q=%20{}%20", code.to_lowercase())).await;
        assert_eq!(location(&r), format!("/cases/{}", f.ids.case_a1.id), "{}", t.label);

        // Another street's case and an unknown code get the same answer.
        let out = get(&f, &d, &format!("/cases?q={}", f.ids.case_c1.code)).await;
        assert_eq!(out.status, StatusCode::OK, "{}", t.label);
        assert!(out.body.contains(&format!("没有找到编号为 {} 的诉求", f.ids.case_c1.code)), "{}", t.label);
        assert!(!out.body.contains("广场舞"), "{}: nothing of the other street's case", t.label);
        let unknown = get(&f, &d, "/cases?q=TX20000101-000001").await;
        assert!(unknown.body.contains("没有找到编号为 TX20000101-000001 的诉求"), "{}", t.label);

        // A department finds only the cases it takes part in.
        let dept = login(&f, Who::Department).await;
        assert_eq!(get(&f, &dept, &format!("/cases?q={code}")).await.status, StatusCode::SEE_OTHER, "{}", t.label);
        let r = get(&f, &dept, &format!("/cases?q={}", f.ids.case_c1.code)).await;
        assert!(r.body.contains("没有找到编号为"), "{}", t.label);
    }

    async fn a_full_phone_number_finds_the_requesters_cases_as_an_audited_unmask(t: TestStore) {
        let f = fixture(&t).await;
        // Both fixture cases were reported from 13900001111, one in each street.
        let phone = "13900001111";
        let uri = format!("/cases?q={phone}");

        // Without the unmask permission: refused, nothing listed, nothing recorded.
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert!(r.body.contains("没有该权限"), "{}: {}", t.label, r.body);
        assert!(!r.body.contains(&f.ids.case_a1.code), "{}: nothing confirmed", t.label);
        assert!(audited(&f, "case.search_phone").await.is_empty(), "{}", t.label);

        // With it (the community worker of 桃园社区): the case in scope only, audited masked.
        let c = login(&f, Who::Community).await;
        let r = get(&f, &c, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert!(r.body.contains(&f.ids.case_a1.code), "{}: {}", t.label, r.body);
        assert!(!r.body.contains(&f.ids.case_c1.code), "{}: another street's case", t.label);
        assert!(r.body.contains("139****1111") && r.body.contains("共 1 件"), "{}", t.label);
        let records = audited(&f, "case.search_phone").await;
        assert_eq!(records.len(), 1, "{}", t.label);
        assert_eq!(records[0].fields.actor_id, Some(f.ids.users[&Who::Community]), "{}", t.label);
        assert!(records[0].fields.detail.contains("139****1111"), "{}", t.label);
        assert!(!format!("{:?}", records[0]).contains(phone), "{}: the number is never written", t.label);

        // The admin sees every street's case of that number.
        let a = login(&f, Who::Admin).await;
        let r = get(&f, &a, &uri).await;
        assert!(r.body.contains(&f.ids.case_a1.code) && r.body.contains(&f.ids.case_c1.code), "{}", t.label);

        // The hourly limit is the resident search's: 60 full-number searches of any kind.
        let resident_search = format!("/grid/households?q={phone}");
        for i in 1..60 {
            let r = get(&f, &c, if i % 2 == 0 { &uri } else { &resident_search }).await;
            assert!(!r.body.contains("过于频繁"), "{}: search {} refused too early", t.label, i + 1);
        }
        let r = get(&f, &c, &uri).await;
        assert!(r.body.contains("过于频繁"), "{}: the 61st search in the hour", t.label);
        assert!(!r.body.contains(&f.ids.case_a1.code), "{}: and it shows nothing", t.label);
        f.clock.advance(chrono::Duration::minutes(61));
        assert!(get(&f, &c, &uri).await.body.contains(&f.ids.case_a1.code), "{}: an hour later", t.label);
    }

    async fn the_hotline_form_registers_a_call_in_one_step(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, "/hotline").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert!(r.body.contains("autofocus") && r.body.contains("accesskey=\"s\""), "{}: keyboard first", t.label);
        // Leaves only: 噪音扰民 under 城市管理, never 城市管理 itself.
        assert!(r.body.contains("value=\"city.noise\""), "{}", t.label);
        assert!(!r.body.contains("value=\"city\""), "{}: a top-level category is not a choice", t.label);
        assert!(r.body.contains("<optgroup label=\"城市管理\">"), "{}", t.label);
        assert!(r.body.len() < 100 * 1024, "{}: {} bytes", t.label, r.body.len());
        assert_eq!(get(&f, &login(&f, Who::Grid).await, "/hotline").await.status, StatusCode::FORBIDDEN, "{}", t.label);

        // Every error at once.
        let r = post_form_with_csrf(&f, &d, "/hotline", &[("phone", "12345"), ("category", "city"), ("description", ""), ("place", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("有 4 处需要修改"), "{}: {}", t.label, r.body);
        for field in ["#phone", "#category", "#place", "#description"] {
            assert!(r.body.contains(&format!("href=\"{field}\"")), "{}: {field} listed", t.label);
        }
        assert!(r.body.contains("请选择具体的小类"), "{}", t.label);

        // An address that matches several buildings: choose one (the no-JS select).
        let r = post_form_with_csrf(&f, &d, "/hotline", &[("name", "陈先生"), ("phone", "13912345678"), ("category", "city.noise"), ("place", "小区"), ("description", "楼上装修噪音，晚上十点还在施工")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("有 2 处楼栋与“小区”相符"), "{}: {}", t.label, r.body);
        assert!(r.body.contains("小区1幢（婺城区小区1幢）") && r.body.contains("小区2幢"), "{}", t.label);
        assert!(!r.body.contains("小区3幢"), "{}: the other street's building is not offered", t.label);
        assert!(r.body.contains("陈先生") && r.body.contains("晚上十点"), "{}: what was typed is kept", t.label);

        // With the building chosen, the case is created and opened with its code.
        let r = post_form_with_csrf(&f, &d, "/hotline", &[("name", "陈先生"), ("phone", "13912345678"), ("category", "city.noise"), ("place", "小区"), ("building", "2"), ("urgency", "general"), ("description", "楼上装修噪音，晚上十点还在施工")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        let id: i64 = location(&r).trim_start_matches("/cases/").parse().unwrap();
        let case = f.store.cases().get(&Scope::All, id).await.unwrap();
        assert_eq!((case.channel.as_str(), case.grid_code.as_deref()), ("hotline", Some(GRID_A2)), "{}", t.label);
        assert_eq!(case.requester_name.as_deref(), Some("陈先生"), "{}", t.label);
        assert_eq!(case.phone_masked.as_deref(), Some("139****5678"), "{}", t.label);
        let flash = r.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join(";");
        assert!(flash.contains("tx_flash=ok."), "{}", t.label);
        let page = get(&f, &Session { cookie: Some(format!("{};{}", d.cookie.clone().unwrap(), flash.split(';').find(|c| c.contains("tx_flash")).unwrap())), csrf: d.csrf.clone() }, &location(&r)).await;
        assert!(page.body.contains(&format!("已登记诉求 {}", case.code)), "{}: the flash names the code", t.label);

        // The address search as one types: matches in scope, as JSON.
        let r = get(&f, &d, "/hotline/places?q=%E5%B0%8F%E5%8C%BA").await; // 小区
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        let labels: Vec<String> = r.json()["items"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_string()).collect();
        assert_eq!(labels.len(), 2, "{}: {labels:?}", t.label);
        assert!(labels.iter().all(|l| !l.contains("小区3幢")), "{}", t.label);
        assert_eq!(get(&f, &d, "/hotline/places?q=%25").await.json()["items"].as_array().unwrap().len(), 0, "{}: % is literal", t.label);
    }

    async fn a_question_answered_on_the_phone_is_closed_at_once(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let answered = [("name", "刘女士"), ("phone", "13800002222"), ("category", "consult.policy"), ("place", "小区1幢"), ("description", "想问老年人高龄补贴怎么申请"), ("answered", "1"), ("answer", "持身份证到社区服务中心窗口申请，次月发放")];
        let r = post_form_with_csrf(&f, &d, "/hotline", &answered).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        let id: i64 = location(&r).trim_start_matches("/cases/").parse().unwrap();
        let case = f.store.cases().get(&Scope::All, id).await.unwrap();
        assert_eq!(case.status.as_str(), "closed", "{}", t.label);
        assert!(!case.open && case.lead_unit.is_none(), "{}: no unit handled it", t.label);
        assert_eq!(case.state.reply.as_deref(), Some("持身份证到社区服务中心窗口申请，次月发放"), "{}", t.label);
        let kinds: Vec<String> = f.store.cases().events(id).await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["received", "answered_on_call"], "{}", t.label);
        // The caller reads the answer on the follow page.
        let token = f.store.pii().follow_token(&case.code);
        let track = get(&f, &Session::default(), &format!("/track/{}?t={token}", case.code)).await;
        assert!(track.body.contains("已在电话中答复") && track.body.contains("次月发放"), "{}: {}", t.label, track.body);

        // Only a question may be closed so, and an answer must be given: both said at once.
        let r = post_form_with_csrf(&f, &d, "/hotline", &[("category", "city.noise"), ("place", "小区1幢"), ("description", "夜市噪音"), ("answered", "1"), ("answer", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("只有咨询类诉求可以在电话中直接答复"), "{}: {}", t.label, r.body);
    }

    async fn the_bell_counts_a_units_unread_notices_and_the_notices_page_opens_them(t: TestStore) {
        let f = fixture(&t).await;
        let (case, other) = (f.ids.case_a1.id, f.ids.case_c1.id);
        let first = deliver_notice(&f, "dept:1", Some(case), "dispatched").await;
        deliver_notice(&f, "dept:1", Some(case), "supervised").await;
        let foreign = deliver_notice(&f, "dept:2", Some(other), "dispatched").await;
        deliver_notice(&f, "dispatchers:330702001", Some(case), "returned").await;

        let dept = login(&f, Who::Department).await;
        let r = get(&f, &dept, "/inbox").await;
        assert_eq!(bell(&r.body).as_deref(), Some("2"), "{}: the bell on the inbox", t.label);
        assert!(r.body.contains("通知：2 条未读"), "{}: said to screen readers", t.label);
        let r = get(&f, &dept, "/notices").await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert_eq!(r.body.matches("class=\"notice unread\"").count(), 2, "{}: {}", t.label, r.body);
        assert!(r.body.contains(&f.ids.case_a1.code) && r.body.contains("督办"), "{}: names, kinds", t.label);
        assert!(!r.body.contains(&f.ids.case_c1.code), "{}: never another unit's notice", t.label);
        assert!(r.body.len() < 100 * 1024, "{}", t.label);

        // Opening one marks it read and goes to its case; another unit's is not found.
        let r = get(&f, &dept, &format!("/notices/{first}")).await;
        assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, format!("/cases/{case}")), "{}", t.label);
        assert_eq!(bell(&get(&f, &dept, "/inbox").await.body).as_deref(), Some("1"), "{}", t.label);
        assert_eq!(get(&f, &dept, &format!("/notices/{foreign}")).await.status, StatusCode::NOT_FOUND, "{}", t.label);
        assert_eq!(audited(&f, "notice.read").await.len(), 1, "{}", t.label);

        // 全部标为已读 needs the form's token.
        assert_eq!(post_form(&f, &dept, "/notices/read-all", &[("_csrf", "wrong")]).await.status, StatusCode::FORBIDDEN, "{}", t.label);
        let r = post_form_with_csrf(&f, &dept, "/notices/read-all", &[]).await;
        assert_eq!((r.status, location(&r).as_str()), (StatusCode::SEE_OTHER, "/notices"), "{}", t.label);
        assert_eq!(bell(&get(&f, &dept, "/inbox").await.body), None, "{}: nothing unread", t.label);
        assert_eq!(audited(&f, "notice.read_all").await.len(), 1, "{}", t.label);

        // The dispatch centre reads its street's notices, not the departments'.
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, "/notices").await;
        assert_eq!(bell(&r.body).as_deref(), Some("1"), "{}", t.label);
        assert!(r.body.contains("退单") && !r.body.contains("督办</span>"), "{}: {}", t.label, r.body);
        // The other street's department still has its notice unread.
        let n = f.store.cases().unread_notices(&tongxin_store::cases::notices::NoticeInboxes::of(
            tongxin_domain::kernel::access::Role::DepartmentHandler,
            &Scope::Department { id: 2, street: tongxin_domain::kernel::region::RegionCode::parse(STREET2).unwrap() },
        )).await.unwrap();
        assert_eq!(n, 1, "{}", t.label);
        // A party secretary has no notice inbox: no bell.
        let p = login(&f, Who::Party).await;
        assert!(!get(&f, &p, "/party").await.body.contains("class=\"bell\""), "{}", t.label);
    }

    async fn the_inbox_flags_lead_supervision_reopening_and_the_residents_urging(t: TestStore) {
        let f = fixture(&t).await;
        let dept = login(&f, Who::Department).await;
        let r = get(&f, &dept, "/inbox").await;
        assert!(r.body.contains(">牵头</span>"), "{}: {}", t.label, r.body);
        assert!(!r.body.contains("督办</span>") && !r.body.contains("居民催办"), "{}", t.label);

        // The resident pressed 催办: a notice of kind `urge` to the lead unit.
        deliver_notice(&f, "dept:1", Some(f.ids.case_a1.id), "urge").await;
        // The dispatcher supervises the case (督办).
        let d = login(&f, Who::Dispatcher).await;
        let v = f.store.cases().get(&Scope::All, f.ids.case_a1.id).await.unwrap().version.to_string();
        let r = post_form_with_csrf(&f, &d, &format!("/cases/{}/act", f.ids.case_a1.id), &[("version", v.as_str()), ("action", "supervise"), ("note", "请加快")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        let r = get(&f, &dept, "/inbox").await;
        assert!(r.body.contains(">督办</span>") && r.body.contains(">居民催办</span>"), "{}: {}", t.label, r.body);
        // An urge to another unit does not flag this one's row.
        deliver_notice(&f, "dept:2", Some(f.ids.case_c1.id), "urge").await;
        assert_eq!(get(&f, &dept, "/inbox").await.body.matches(">居民催办</span>").count(), 1, "{}", t.label);
    }

    async fn people_read_names_not_codes(t: TestStore) {
        let f = fixture(&t).await;
        // The queue names the grid.
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, "/cases").await;
        assert!(r.body.contains("<td>桃园一网格</td>"), "{}: {}", t.label, r.body);
        assert!(!r.body.contains(&format!("<td>{GRID_A1}</td>")), "{}", t.label);
        // Its area filter offers communities and grids by name.
        assert!(r.body.contains(&format!("<option value=\"{GRID_A1}\">　桃园一网格</option>")), "{}", t.label);

        // The admin's user list: scopes by name.
        let a = login(&f, Who::Admin).await;
        let r = get(&f, &a, "/admin/users").await;
        assert!(r.body.contains("<td>桃园社区 · 桃园一网格</td>"), "{}: {}", t.label, r.body);
        assert!(r.body.contains("<td>城管执法中队") && r.body.contains("<td>城东街道</td>"), "{}", t.label);
        assert!(!r.body.contains(&format!("<td>{GRID_A1}")), "{}: no code", t.label);

        // The party secretary reads their members' names; others see the surname only.
        let org = format!("/party/orgs/{}", f.ids.org_a1);
        assert!(get(&f, &login(&f, Who::Party).await, &org).await.body.contains("王建国"), "{}", t.label);
        let leader = get(&f, &login(&f, Who::Leader).await, &org).await;
        assert!(leader.body.contains("王**") && !leader.body.contains("王建国"), "{}", t.label);

        // The community worker's menu has the QR sheets, by grid.
        let c = login(&f, Who::Community).await;
        let r = get(&f, &c, "/grids").await;
        assert!(r.body.contains("href=\"/grids\"") && r.body.contains("楼栋二维码"), "{}", t.label);
        assert!(r.body.contains(&format!("href=\"/grids/{GRID_A1}/qr\"")), "{}", t.label);
        assert!(!r.body.contains(GRID_C1), "{}: within scope", t.label);
    }
}
