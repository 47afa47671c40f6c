//! Issue 9 item 11, case integrity over HTTP on both backends: dispatch (and routing rules) only
//! to units on record; merges that would loop or go into a merged or finished case are refused;
//! a reply's evidence names only photos of its own case; a department taken off a case no longer
//! reads it (API and pages).

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::pages::*;
use support::*;
use tongxin_domain::kernel::access::Scope;
use tongxin_testkit::all_stores;

async fn version(f: &Fixture, id: i64) -> i64 {
    f.store.cases().get(&Scope::All, id).await.unwrap().version
}

/// Acts on the case's current version through the JSON API.
async fn act(f: &Fixture, who: &Session, id: i64, action: Value) -> Reply {
    let body = json!({ "version": version(f, id).await, "action": action }).to_string();
    send(&f.app, who, "POST", &format!("/api/v1/cases/{id}/actions"), Some(&body)).await
}

async fn ok(f: &Fixture, who: &Session, id: i64, action: Value) {
    let r = act(f, who, id, action.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.body);
}

/// A 422 naming `field`, with a message containing `words`.
#[track_caller]
fn refused(r: &Reply, field: &str, words: &str, what: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", r.body);
    let e = &r.json()["error"];
    assert_eq!(e["field"], field, "{what}: {}", r.body);
    assert!(e["message"].as_str().unwrap().contains(words), "{what}: {}", r.body);
}

fn dept(id: i64) -> Value {
    json!({ "kind": "department", "id": id })
}

fn grid(code: &str) -> Value {
    json!({ "kind": "grid_team", "id": code })
}

both_backends! {
    async fn dispatch_and_routing_rules_name_only_units_on_record(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let waiting = waiting_case(&f, "楼道堆放杂物无人清理").await;
        let id = waiting.id;
        let before = version(&f, id).await;
        // (lead, assisting, the field refused): a department id not on record, a grid that does
        // not exist, a community's code given as a grid, in either place.
        let bad: Vec<(Value, Vec<Value>, &str)> = vec![
            (dept(999), vec![], "lead"),
            (dept(0), vec![], "lead"),
            (dept(-1), vec![], "lead"),
            (grid("330702001008999"), vec![], "lead"),
            (grid(COMMUNITY_A), vec![], "lead"),
            (grid("x"), vec![], "lead"),
            (dept(1), vec![dept(999)], "assisting"),
            (dept(1), vec![grid(GRID_A1), grid("330702001008999")], "assisting"),
            (grid(GRID_A1), vec![dept(1), dept(998)], "assisting"),
        ];
        for (lead, assisting, field) in bad {
            let what = format!("{}: {lead} + {assisting:?}", t.label);
            let action = json!({ "action": "dispatch", "lead": lead, "assisting": assisting, "auto": false });
            refused(&act(&f, &d, id, action).await, field, "承办单位不存在", &what);
        }
        assert_eq!(version(&f, id).await, before, "{}: nothing was written", t.label);
        assert_eq!(case_status(&f, id).await, "received", "{}", t.label);

        // The dispatch form says the same.
        let uri = format!("/cases/{id}/act");
        let v = before.to_string();
        let r =
            post_form_with_csrf(&f, &d, &uri, &[("version", &v), ("action", "dispatch"), ("lead", "dept:999")]).await;
        assert!(flash_of(&r).contains("承办单位不存在"), "{}: {}", t.label, flash_of(&r));
        assert_eq!(case_status(&f, id).await, "received", "{}", t.label);

        // Units on record are dispatched to.
        ok(&f, &d, id, json!({ "action": "dispatch", "lead": dept(2), "assisting": [grid(GRID_A1)], "auto": false }))
            .await;
        assert_eq!(case_status(&f, id).await, "dispatched", "{}", t.label);

        // Routing rules: the API and the admin form refuse a target not on record.
        let admin = login(&f, Who::Admin).await;
        let rule = |kind: &str, target: &str| {
            json!({ "id": 0, "category_code": "city.noise", "area_kind": "grid", "area_code": GRID_A1,
                    "target_kind": kind, "target_ref": target, "auto_dispatch": true, "version": 1 })
            .to_string()
        };
        for (kind, target) in [("department", "999"), ("grid", "330702001008999"), ("grid", COMMUNITY_A)] {
            let r = send(&f.app, &admin, "POST", "/api/v1/routing/rules", Some(&rule(kind, target))).await;
            refused(&r, "target_ref", "承办单位不存在", &format!("{}: rule → {kind} {target}", t.label));
        }
        let uri = format!("/api/v1/routing/rules/{}", f.ids.rule);
        let r = send(&f.app, &admin, "PUT", &uri, Some(&rule("department", "999"))).await;
        refused(&r, "target_ref", "承办单位不存在", &format!("{}: changing a rule", t.label));
        let r = send(&f.app, &admin, "POST", "/api/v1/routing/rules", Some(&rule("grid", GRID_A2))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.label, r.body);
        let form = [
            ("category_code", "city.noise"),
            ("area_kind", "anywhere"),
            ("target_kind", "department"),
            ("target_department", "999"),
        ];
        let r = post_form_with_csrf(&f, &admin, "/admin/routing-rules", &form).await;
        assert!(flash_of(&r).contains("承办单位不存在"), "{}: {}", t.label, flash_of(&r));
        let stored = f.store.categories().rules().await.unwrap();
        assert!(stored.iter().all(|r| r.target_ref != "999" && r.target_ref != COMMUNITY_A), "{}", t.label);
    }
}

both_backends! {
    async fn merges_never_loop_nor_go_into_a_merged_or_finished_case(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let a = waiting_case(&f, "一号楼前路灯不亮").await.id;
        let b = waiting_case(&f, "一号楼门口路灯坏了").await.id;
        let c = waiting_case(&f, "一号楼附近晚上很黑").await.id;
        let rejected = waiting_case(&f, "咨询路灯归谁管").await.id;
        ok(&f, &d, rejected, json!({ "action": "reject", "reason": "非诉求，已当场解答" })).await;
        let merge = |into: i64| json!({ "action": "merge", "into_case_id": into });

        ok(&f, &d, a, merge(b)).await;
        refused(&act(&f, &d, b, merge(a)).await, "into_case_id", "已并入本件", &format!("{}: B→A after A→B", t.label));
        refused(&act(&f, &d, c, merge(a)).await, "into_case_id", "已合并到其他诉求", &format!("{}: C→A", t.label));
        refused(
            &act(&f, &d, c, merge(rejected)).await,
            "into_case_id",
            "不予立案",
            &format!("{}: into a rejected case", t.label),
        );
        // B, with A merged into it, follows A's parent… into C; then C cannot go into A or B.
        ok(&f, &d, b, merge(c)).await;
        refused(&act(&f, &d, c, merge(a)).await, "into_case_id", "已并入本件", &format!("{}: C→A (A→B→C)", t.label));
        refused(&act(&f, &d, c, merge(b)).await, "into_case_id", "已并入本件", &format!("{}: C→B", t.label));
        for (id, status) in [(a, "merged"), (b, "merged"), (c, "received"), (rejected, "rejected")] {
            assert_eq!(case_status(&f, id).await, status, "{}: case {id}", t.label);
        }
        // The merge form by tracking code says the same.
        let code = f.store.cases().get(&Scope::All, a).await.unwrap().code;
        let v = version(&f, c).await.to_string();
        let r = post_form_with_csrf(
            &f,
            &d,
            &format!("/cases/{c}/act"),
            &[("version", &v), ("action", "merge"), ("into_code", &code)],
        )
        .await;
        assert!(flash_of(&r).contains("已并入本件"), "{}: {}", t.label, flash_of(&r));
        assert_eq!(case_status(&f, c).await, "received", "{}", t.label);
    }
}

/// A hotline case of noise in grid A1 with one photo; the street's rule dispatches it to
/// department 1.
async fn noise_case_with_photo(f: &Fixture, text: &str, photo: &[u8]) -> i64 {
    f.state
        .cases
        .report(tongxin_app::cases::Report {
            channel: tongxin_domain::case::Channel::Hotline,
            category: "city.noise".into(),
            urgency: None,
            title: None,
            description: text.into(),
            place: tongxin_app::cases::Place::Grid { code: GRID_A1.into() },
            address: "桃园小区5幢".into(),
            requester_name: None,
            phone: None,
            photos: vec![photo.to_vec()],
            reporter: tongxin_app::cases::Reporter::System("test".into()),
            on_spot_reply: None,
        })
        .await
        .unwrap()
        .id
}

both_backends! {
    async fn evidence_names_only_photos_of_the_same_case(t: TestStore) {
        let f = fixture(&t).await;
        let staff = login(&f, Who::Department).await;
        let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
        let other_png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02";
        let mine = noise_case_with_photo(&f, "工地夜间施工噪音", png).await;
        let other = noise_case_with_photo(&f, "广场舞音响太响", other_png).await;
        let own_ref = tongxin_store::cases::write::photo_ref(png);
        let other_ref = tongxin_store::cases::write::photo_ref(other_png);
        for id in [mine, other] {
            assert_eq!(case_status(&f, id).await, "dispatched", "{}", t.label);
            ok(&f, &staff, id, json!({ "action": "acknowledge", "unit": dept(1) })).await;
        }
        let report = |evidence: Vec<&str>| json!({ "action": "report", "unit": dept(1), "reply": "已责令停工", "evidence": evidence });
        // Another case's photo, a made-up reference, or a real one after another case's.
        for evidence in [vec![other_ref.as_str()], vec!["0123abcd"], vec![own_ref.as_str(), other_ref.as_str()]] {
            let r = act(&f, &staff, mine, report(evidence.clone())).await;
            refused(&r, "evidence", "不是本诉求上传的照片", &format!("{}: {evidence:?}", t.label));
        }
        assert_eq!(case_status(&f, mine).await, "acknowledged", "{}", t.label);
        // The case's own photo is fine; so is none.
        ok(&f, &staff, mine, report(vec![&own_ref])).await;
        let detail = send(&f.app, &staff, "GET", &format!("/api/v1/cases/{mine}"), None).await.json();
        assert_eq!(detail["state"]["evidence"], json!([own_ref]), "{}", t.label);
        ok(&f, &staff, other, report(vec![])).await;
    }
}

/// What department 1's staff get for a case: the API, the page and acting on it.
async fn dept_reads(f: &Fixture, dept: &Session, id: i64) -> (StatusCode, StatusCode, StatusCode) {
    let api = send(&f.app, dept, "GET", &format!("/api/v1/cases/{id}"), None).await.status;
    let page = get(f, dept, &format!("/cases/{id}")).await.status;
    let acting = act(f, dept, id, json!({ "action": "contact_requester", "note": "电话联系" })).await.status;
    (api, page, acting)
}

async fn listed_for(f: &Fixture, who: &Session, id: i64) -> bool {
    let r = send(&f.app, who, "GET", "/api/v1/cases?status=all&per_page=100", None).await.json();
    r["items"].as_array().unwrap().iter().any(|c| c["id"] == id)
}

#[tokio::test]
async fn a_department_taken_off_a_case_no_longer_reads_it() {
    const GONE: (StatusCode, StatusCode, StatusCode) =
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND);
    for t in all_stores().await {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let staff = login(&f, Who::Department).await;
        let withdraw =
            |unit: Value| json!({ "action": "return", "unit": unit, "reason": "改派", "override_by_dispatcher": true });

        // 改派: the lead is withdrawn and the case goes to another unit.
        let id = f.ids.case_a1.id;
        assert_eq!(dept_reads(&f, &staff, id).await.0, StatusCode::OK, "{}", t.label);
        ok(&f, &d, id, withdraw(dept(1))).await;
        ok(&f, &d, id, json!({ "action": "dispatch", "lead": grid(GRID_A1), "assisting": [], "auto": false })).await;
        assert_eq!(dept_reads(&f, &staff, id).await, GONE, "{}: re-dispatched elsewhere", t.label);
        assert!(!listed_for(&f, &staff, id).await, "{}", t.label);

        // An assisting department withdrawn by the dispatch centre.
        let id = waiting_case(&f, "井盖松动有异响").await.id;
        ok(&f, &d, id, json!({ "action": "dispatch", "lead": grid(GRID_A1), "assisting": [dept(1)], "auto": false }))
            .await;
        let r = send(&f.app, &staff, "GET", &format!("/api/v1/cases/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: while assisting", t.label);
        ok(&f, &d, id, withdraw(dept(1))).await;
        assert_eq!(dept_reads(&f, &staff, id).await, GONE, "{}: withdrawn", t.label);
        assert!(!listed_for(&f, &staff, id).await, "{}", t.label);

        // An assisting department that returned the case itself (退单) is off it too.
        let id = waiting_case(&f, "路边违停堵塞消防通道").await.id;
        ok(&f, &d, id, json!({ "action": "dispatch", "lead": grid(GRID_A1), "assisting": [dept(1)], "auto": false }))
            .await;
        ok(&f, &staff, id, json!({ "action": "return", "unit": dept(1), "reason": "属交警职责" })).await;
        assert_eq!(dept_reads(&f, &staff, id).await, GONE, "{}: returned", t.label);

        // A department that handled a case keeps reading it (its own record).
        let id = waiting_case(&f, "小区门口垃圾满溢").await.id;
        ok(&f, &d, id, json!({ "action": "dispatch", "lead": dept(1), "assisting": [], "auto": false })).await;
        ok(&f, &staff, id, json!({ "action": "acknowledge", "unit": dept(1) })).await;
        ok(&f, &staff, id, json!({ "action": "report", "unit": dept(1), "reply": "已清运", "evidence": [] })).await;
        let r = send(&f.app, &staff, "GET", &format!("/api/v1/cases/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: handled by it", t.label);
        assert_eq!(get(&f, &staff, &format!("/cases/{id}")).await.status, StatusCode::OK, "{}", t.label);
        assert!(listed_for(&f, &staff, id).await, "{}", t.label);
        t.cleanup().await;
    }
}
