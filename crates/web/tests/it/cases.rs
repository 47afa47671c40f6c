//! The case loop over HTTP, scripted through every branch — return, joint dispatch (吹哨),
//! extension approved and refused, supervision, reopen after a bad rating, merge, rating — and
//! the one-wins-one-gets-409 rule for concurrent actions, on both backends.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::*;

struct Walk<'a> {
    f: &'a Fixture,
    admin: Session,
}

impl Walk<'_> {
    async fn case(&self, id: i64) -> Value {
        let r = send(&self.f.app, &self.admin, "GET", &format!("/api/v1/cases/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    }

    /// Acts as `who` on the case's current version; returns the reply.
    async fn act(&self, who: &Session, id: i64, action: Value) -> Reply {
        let version = self.case(id).await["version"].as_i64().unwrap();
        let body = json!({ "version": version, "action": action }).to_string();
        send(&self.f.app, who, "POST", &format!("/api/v1/cases/{id}/actions"), Some(&body)).await
    }

    async fn ok(&self, who: &Session, id: i64, action: Value) -> Value {
        let r = self.act(who, id, action.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.body);
        r.json()
    }

    async fn status(&self, id: i64) -> String {
        self.case(id).await["status"].as_str().unwrap().to_string()
    }

    async fn events(&self, id: i64) -> Vec<String> {
        self.case(id).await["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    }
}

fn dept1() -> Value {
    json!({ "kind": "department", "id": 1 })
}

fn grid_a1() -> Value {
    json!({ "kind": "grid_team", "id": GRID_A1 })
}

async fn resident_report(f: &Fixture, text: &str) -> Value {
    let body = json!({ "category": "city.noise", "description": text, "lat": POINT_A1.1, "lng": POINT_A1.0, "phone": "13700002222" }).to_string();
    let r = send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&body)).await;
    assert!(r.status == StatusCode::CREATED || r.status == StatusCode::OK, "{}", r.body);
    r.json()
}

async fn follow(f: &Fixture, reported: &Value) -> Value {
    let uri = format!(
        "/api/v1/reports/{}?token={}",
        reported["code"].as_str().unwrap(),
        reported["follow_token"].as_str().unwrap()
    );
    send(&f.app, &Session::default(), "GET", &uri, None).await.json()
}

async fn as_requester(f: &Fixture, reported: &Value, what: &str, body: Value) -> Reply {
    let version = follow(f, reported).await["version"].as_i64().unwrap();
    let mut body = body;
    body["version"] = json!(version);
    let uri = format!(
        "/api/v1/reports/{}/{what}?token={}",
        reported["code"].as_str().unwrap(),
        reported["follow_token"].as_str().unwrap()
    );
    send(&f.app, &Session::default(), "POST", &uri, Some(&body.to_string())).await
}

both_backends! {
    async fn every_branch_of_the_loop_over_http(t: TestStore) {
        let f = fixture(&t).await;
        let w = Walk { f: &f, admin: login(&f, Who::Admin).await };
        let dispatcher = login(&f, Who::Dispatcher).await;
        let dept = login(&f, Who::Department).await;
        let grid = login(&f, Who::Grid).await;
        let leader = login(&f, Who::Leader).await;

        // A resident reports; the same words at the same place a moment later is the same case.
        let first = resident_report(&f, "小区门口夜市噪音扰民，每晚到十二点").await;
        let again = resident_report(&f, "小区门口夜市噪音扰民，每晚到十二点！").await;
        assert_eq!(
            (again["code"].clone(), again["duplicate"].clone()),
            (first["code"].clone(), json!(true)),
            "{}",
            t.label
        );
        let id = first["id"].as_i64().unwrap();
        assert_eq!(w.status(id).await, "dispatched", "{}: the street's rule dispatched it to 城管", t.label);
        assert_eq!(follow(&f, &first).await["status_label"], "已交承办单位");

        // 退单: the department says it is not theirs; it cannot do so twice.
        w.ok(&dept, id, json!({ "action": "return", "unit": dept1(), "reason": "属物业管理范围" })).await;
        assert_eq!(w.status(id).await, "accepted");
        assert!(
            !open_queue(&f, &dept).await.contains(&id),
            "{}: a returned case leaves the department's queue",
            t.label
        );
        w.ok(
            &dispatcher,
            id,
            json!({ "action": "dispatch", "lead": dept1(), "assisting": [grid_a1()], "auto": false }),
        )
        .await;
        assert!(open_queue(&f, &dept).await.contains(&id), "{}: dispatched again, it is back", t.label);
        let twice = w.act(&dept, id, json!({ "action": "return", "unit": dept1(), "reason": "还是不归我们" })).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}: {}", t.label, twice.body);
        assert!(twice.json()["error"]["message"].as_str().unwrap().contains("退回过"));

        // 吹哨报到: the grid team assists, the department leads.
        w.ok(&grid, id, json!({ "action": "acknowledge", "unit": grid_a1() })).await;
        w.ok(&dept, id, json!({ "action": "acknowledge", "unit": dept1() })).await;
        w.ok(&dept, id, json!({ "action": "contact_requester", "note": "已电话联系诉求人" })).await;
        w.ok(&grid, id, json!({ "action": "report", "unit": grid_a1(), "reply": "已劝导摊主", "evidence": [] })).await;
        assert_eq!(w.status(id).await, "acknowledged", "{}: an assisting report does not finish the case", t.label);

        // 延期: approved moves the deadline, refused does not.
        let before = w.case(id).await["deadline_at"].clone();
        w.ok(&dept, id, json!({ "action": "request_extension", "unit": dept1(), "extra": { "working_days": 3 }, "reason": "需协调市场监管" })).await;
        w.ok(&dispatcher, id, json!({ "action": "decide_extension", "approve": true, "note": "同意" })).await;
        let extended = w.case(id).await["deadline_at"].clone();
        assert!(extended.as_str() > before.as_str(), "{}: {before} -> {extended}", t.label);
        w.ok(
            &dept,
            id,
            json!({ "action": "request_extension", "unit": dept1(), "extra": { "working_days": 5 }, "reason": "再延" }),
        )
        .await;
        w.ok(&dispatcher, id, json!({ "action": "decide_extension", "approve": false, "note": "不同意，请按期办结" }))
            .await;
        assert_eq!(w.case(id).await["deadline_at"], extended, "{}: a refused extension leaves the deadline", t.label);

        // 督办 by the leader.
        w.ok(&leader, id, json!({ "action": "supervise", "note": "请加快办理" })).await;
        assert_eq!(w.case(id).await["state"]["supervision_level"], 1);

        // The lead's reply finishes the handling; the resident confirms; closed; the resident is not satisfied: 重办.
        w.ok(&dept, id, json!({ "action": "report", "unit": dept1(), "reply": "已取缔夜市占道经营", "evidence": [] }))
            .await;
        assert_eq!(as_requester(&f, &first, "confirm", json!({ "ok": true })).await.status, StatusCode::OK);
        w.ok(&dispatcher, id, json!({ "action": "close" })).await;
        let view = follow(&f, &first).await;
        assert_eq!(
            (view["can_rate"].clone(), view["reply"].clone()),
            (json!(true), json!("已取缔夜市占道经营")),
            "{}",
            t.label
        );
        let bad = as_requester(
            &f,
            &first,
            "rating",
            json!({ "resolved": false, "satisfaction": "dissatisfied", "comment": "还在吵" }),
        )
        .await;
        assert_eq!(bad.status, StatusCode::OK, "{}", bad.body);
        assert_eq!(w.status(id).await, "dispatched", "{}: reopened to the same lead", t.label);
        w.ok(&dept, id, json!({ "action": "acknowledge", "unit": dept1() })).await;
        w.ok(
            &dept,
            id,
            json!({ "action": "report", "unit": dept1(), "reply": "联合执法，夜市已迁离", "evidence": [] }),
        )
        .await;
        w.ok(&dispatcher, id, json!({ "action": "verify", "ok": true, "note": "现场核实" })).await;
        w.ok(&dispatcher, id, json!({ "action": "close" })).await;
        let good = as_requester(
            &f,
            &first,
            "rating",
            json!({ "resolved": true, "satisfaction": "satisfied", "comment": "谢谢" }),
        )
        .await;
        assert_eq!((good.status, good.json()["status"].as_str()), (StatusCode::OK, Some("rated")), "{}", t.label);
        let events = w.events(id).await;
        for kind in [
            "returned",
            "dispatched",
            "acknowledged",
            "reported",
            "extension_requested",
            "extension_approved",
            "extension_refused",
            "supervised",
            "handled",
            "verified",
            "closed",
            "rated",
            "reopened",
        ] {
            assert!(events.iter().any(|e| e == kind), "{}: no {kind} event in {events:?}", t.label);
        }

        // 合并: a second report of the same problem follows the first.
        let second = resident_report(&f, "夜市油烟和噪音，楼上也受影响").await;
        let sid = second["id"].as_i64().unwrap();
        let target = f.ids.case_a1.id;
        w.ok(&dispatcher, sid, json!({ "action": "merge", "into_case_id": target })).await;
        assert_eq!(
            (w.status(sid).await, w.case(target).await["merged"].clone()),
            ("merged".to_string(), json!([sid])),
            "{}",
            t.label
        );
        let self_merge = w.act(&dispatcher, target, json!({ "action": "merge", "into_case_id": target })).await;
        assert_eq!(self_merge.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Two people act on the same version: one wins, the other gets 409.
        let v = w.case(target).await["version"].as_i64().unwrap();
        let body = json!({ "version": v, "action": { "action": "supervise", "note": "同时督办" } }).to_string();
        let uri = format!("/api/v1/cases/{target}/actions");
        let (a, b) = tokio::join!(
            send(&f.app, &dispatcher, "POST", &uri, Some(&body)),
            send(&f.app, &leader, "POST", &uri, Some(&body))
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{}: {} / {}", t.label, a.body, b.body);

        // The department reads its notices once the outbox is delivered (jobs run once here).
        tongxin_jobs_free_delivery(&f).await;
        let inbox = send(&f.app, &dept, "GET", "/api/v1/notices", None).await.json();
        assert!(inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "dispatched"), "{}: {inbox}", t.label);

        // The queue finds cases by Chinese keywords in replies, and the timeline is an append-only record.
        let found =
            send(&f.app, &dispatcher, "GET", "/api/v1/cases?status=all&q=%E5%A4%9C%E5%B8%82", None).await.json();
        assert!(found["total"].as_i64().unwrap() >= 2, "{}: 夜市 found: {found}", t.label);
        let month = tongxin_domain::kernel::clock::shanghai(f.store.now()).format("%Y-%m").to_string();
        let stats = f.store.cases().unit_month_stats(&month, "dept:1").await.unwrap();
        assert_eq!(
            (stats[0].reopened, stats[0].rated, stats[0].satisfied),
            (1, 1, 1),
            "{}: the reopen counts against 城管",
            t.label
        );
        assert!(f.store.audit().verify().await.unwrap().is_ok());
    }
}

/// Delivers the in-app notices written so far, as the background job would.
async fn tongxin_jobs_free_delivery(f: &Fixture) {
    let rows = f.store.outbox().claim(chrono::Duration::seconds(60), 10_000).await.unwrap();
    let notices: Vec<_> = rows
        .into_iter()
        .filter(|r| r.channel == "notice")
        .map(|r| tongxin_store::cases::outbox::NoticeDelivery {
            outbox_id: r.id,
            unit: r.recipient,
            case_id: r.case_id,
            dispute_id: None,
            petition_id: None,
            kind: r.kind,
            text: serde_json::from_str::<Value>(&r.payload).unwrap()["text"].as_str().unwrap().to_string(),
        })
        .collect();
    f.store.outbox().deliver_notices(&notices).await.unwrap();
}

/// Ids in a caller's open queue.
async fn open_queue(f: &Fixture, who: &Session) -> Vec<i64> {
    let r = send(&f.app, who, "GET", "/api/v1/cases?status=open&per_page=200", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// Reports at a point (resident, no account); returns the tracking code.
async fn report_at(f: &Fixture, (lng, lat): (f64, f64), text: &str) -> String {
    let body = json!({ "category": "city.noise", "description": text, "lat": lat, "lng": lng }).to_string();
    let r = send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

both_backends! {
    async fn each_queue_holds_exactly_its_area(t: TestStore) {
        let f = fixture(&t).await;
        let a2 = report_at(&f, (119.6675, 29.0875), "二网格楼下烧烤油烟").await;
        let b1 = report_at(&f, (119.6725, 29.0875), "青春路夜市噪音").await;
        let c1 = report_at(&f, (POINT_C1.0 + 0.0005, POINT_C1.1), "城中菜场占道经营").await;
        let codes = |r: Reply| -> Vec<String> {
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()["items"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_string()).collect()
        };
        for (who, filter, must, must_not) in [
            (Who::Community, "", vec![&a2], vec![&b1, &c1]),
            (Who::Dispatcher, "", vec![&a2, &b1], vec![&c1]),
            (Who::Dispatcher, "&grid=330702001010", vec![&b1], vec![&a2, &c1]),
            (Who::Dispatcher, "&grid=330702001010001", vec![&b1], vec![&a2, &c1]),
            (Who::Admin, "&grid=330702002", vec![&c1], vec![&a2, &b1]),
        ] {
            let s = login(&f, who).await;
            let got = codes(send(&f.app, &s, "GET", &format!("/api/v1/cases?status=open{filter}"), None).await);
            for m in must {
                assert!(got.contains(m), "{}: {who:?}{filter} sees {m}: {got:?}", t.label);
            }
            for m in must_not {
                assert!(!got.contains(m), "{}: {who:?}{filter} must not see {m}: {got:?}", t.label);
            }
        }
    }
}
