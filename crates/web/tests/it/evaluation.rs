//! 考评 over HTTP: the JSON ranking per level and scope, CSV (BOM, Chinese headers) and xlsx
//! export, malformed parameters, and the admin-set weights.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::{StatusCode, header};
use support::*;
use tongxin_app::cases::CaseActor;
use tongxin_domain::case::{Action, Satisfaction, Unit};

/// Case A1 (department 1) handled without contacting the requester, then rated satisfied;
/// case C1 (department 2) left dispatched.
async fn run_case_a1(f: &Fixture) {
    let cases = &f.state.cases;
    let dept = CaseActor::Staff(f.store.accounts().user(f.ids.users[&Who::Department]).await.unwrap());
    let dispatcher = CaseActor::Staff(f.store.accounts().user(f.ids.users[&Who::Dispatcher]).await.unwrap());
    let c = f.store.cases().get(&tongxin_domain::kernel::access::Scope::All, f.ids.case_a1.id).await.unwrap();
    assert_eq!(c.lead_unit.as_ref().map(Unit::key).as_deref(), Some("dept:1"));
    let unit = Unit::Department(1);
    let c = cases.act(&dept, c.id, c.version, Action::Acknowledge { unit: unit.clone() }).await.unwrap();
    let c = cases
        .act(&dept, c.id, c.version, Action::Report { unit, reply: "已处理".into(), evidence: vec![] })
        .await
        .unwrap();
    let c = cases.act(&dispatcher, c.id, c.version, Action::Verify { ok: true, note: "已核实".into() }).await.unwrap();
    let c = cases.act(&dispatcher, c.id, c.version, Action::Close).await.unwrap();
    let requester =
        CaseActor::Requester { code: f.ids.case_a1.code.clone(), token: f.ids.case_a1.follow_token.clone() };
    cases
        .act(
            &requester,
            c.id,
            c.version,
            Action::Rate { resolved: true, satisfaction: Satisfaction::Satisfied, comment: String::new() },
        )
        .await
        .unwrap();
}

async fn get(f: &Fixture, who: &Session, uri: &str) -> Reply {
    send(&f.app, who, "GET", uri, None).await
}

async fn put(f: &Fixture, who: &Session, body: &str) -> Reply {
    send(&f.app, who, "PUT", "/api/v1/settings/evaluation-weights", Some(body)).await
}

/// (rank, name, score rounded to 0.1) of a ranking reply.
fn ranks(body: &serde_json::Value) -> Vec<(u64, String, Option<f64>)> {
    body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["rank"].as_u64().unwrap(),
                u["name"].as_str().unwrap().to_string(),
                u["rates"]["score"].as_f64().map(|s| (s * 10.0).round() / 10.0),
            )
        })
        .collect()
}

both_backends! {
    async fn rankings_exports_and_weights(t: TestStore) {
        let f = fixture(&t).await;
        let label = t.label;
        run_case_a1(&f).await;
        let admin = login(&f, Who::Admin).await;
        let leader = login(&f, Who::Leader).await;

        // JSON ranking; the month defaults to the current one (Shanghai time).
        let reply = send(&f.app, &admin, "GET", "/api/v1/evaluation", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{label}: {}", reply.body);
        let body = reply.json();
        assert_eq!((body["month"].as_str(), body["level"].as_str()), (Some("2026-11"), Some("department")));
        assert_eq!(body["weights"]["response"], 0.3);
        assert_eq!(
            ranks(&body),
            [(1, "城管执法中队".to_string(), Some(70.0)), (2, "城中城管中队".to_string(), Some(0.0))],
            "{label}: {body}"
        );
        let first = &body["units"][0];
        assert_eq!(first["key"], "dept:1");
        assert_eq!(
            first["counts"],
            serde_json::json!({"dispatched":1,"responded_in_time":0,"rated":1,"resolved":1,"satisfied":1,"reopened":0,"closed_on_spot":0})
        );
        assert_eq!(
            (first["rates"]["response"].as_f64(), first["rates"]["resolution"].as_f64()),
            (Some(0.0), Some(1.0))
        );
        assert!(body["units"][1]["rates"]["resolution"].is_null(), "{label}: nothing rated, no rate");

        // Scopes: the leader's street; areas; narrowing; department staff; other roles.
        let street = get(&f, &leader, "/api/v1/evaluation?month=2026-11&level=department").await.json();
        assert_eq!(ranks(&street), [(1, "城管执法中队".to_string(), Some(70.0))], "{label}");
        let communities = get(&f, &leader, "/api/v1/evaluation?month=2026-11&level=community").await.json();
        assert_eq!(
            ranks(&communities),
            [(1, "桃园社区".to_string(), Some(70.0)), (2, "青春路社区".to_string(), None)],
            "{label}"
        );
        let community = login(&f, Who::Community).await;
        let grids = get(&f, &community, "/api/v1/evaluation?month=2026-11&level=网格").await.json();
        assert_eq!(
            ranks(&grids),
            [(1, "桃园一网格".to_string(), Some(70.0)), (2, "桃园二网格".to_string(), None)],
            "{label}"
        );
        let one = get(&f, &leader, &format!("/api/v1/evaluation?level=grid&within={GRID_A1}")).await.json();
        assert_eq!(ranks(&one), [(1, "桃园一网格".to_string(), Some(70.0))]);
        assert_eq!(get(&f, &leader, &format!("/api/v1/evaluation?level=grid&within={STREET2}")).await.status, 404);
        let dept = login(&f, Who::Department).await;
        let own = get(&f, &dept, "/api/v1/evaluation").await.json();
        assert_eq!(ranks(&own), [(1, "城管执法中队".to_string(), Some(70.0))], "{label}");
        let refused = get(&f, &dept, "/api/v1/evaluation?level=street").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["error"]["message"], "职能部门只能查看本部门的考评");
        for who in [Who::Grid, Who::Party, Who::Mediator] {
            let s = login(&f, who).await;
            assert_eq!(get(&f, &s, "/api/v1/evaluation").await.status, StatusCode::FORBIDDEN, "{who:?}");
        }
        assert_eq!(get(&f, &Session::default(), "/api/v1/evaluation").await.status, StatusCode::UNAUTHORIZED);

        // Malformed parameters: 422 in Chinese, naming the field.
        for (uri, field, words) in [
            ("/api/v1/evaluation?month=2026-13", "month", "应为 YYYY-MM"),
            ("/api/v1/evaluation?month=202611", "month", "应为 YYYY-MM"),
            ("/api/v1/evaluation?level=city", "level", "考评层级“city”无效"),
            ("/api/v1/evaluation?within=abc", "within", "区域代码“abc”无效"),
            ("/api/v1/evaluation/export?format=pdf", "format", "导出格式“pdf”无效"),
        ] {
            let reply = get(&f, &admin, uri).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}: {}", reply.body);
            let e = reply.json();
            assert_eq!(e["error"]["field"], field, "{uri}");
            assert!(e["error"]["message"].as_str().unwrap().contains(words), "{uri}: {e}");
        }

        // CSV: UTF-8 with a BOM, Chinese headers, percentages with one decimal.
        let csv = get(&f, &admin, "/api/v1/evaluation/export?month=2026-11&format=csv").await;
        assert_eq!(csv.status, StatusCode::OK, "{label}: {}", csv.body);
        assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let disposition = csv.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"evaluation-2026-11-department.csv\"; filename*=UTF-8''2026-11%20%E9%83%A8%E9%97%A8"), "{disposition}");
        assert!(csv.body.starts_with('\u{FEFF}'), "{label}: BOM first");
        let lines: Vec<&str> = csv.body.trim_start_matches('\u{FEFF}').lines().collect();
        assert_eq!(
            lines,
            [
                "排名,单位,派遣件数,按时响应,评价件数,解决,满意,重办,响应率,解决率,满意率,综合得分",
                "1,城管执法中队,1,0,1,1,1,0,0.0%,100.0%,100.0%,70.0",
                "2,城中城管中队,1,0,0,0,0,0,0.0%,—,—,0.0",
            ],
            "{label}"
        );
        let xlsx = get(&f, &leader, "/api/v1/evaluation/export?month=2026-11&level=community").await;
        assert_eq!(xlsx.status, StatusCode::OK, "{label}: {}", xlsx.body);
        assert_eq!(
            xlsx.headers[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(xlsx.body.starts_with("PK"), "{label}: a zip (xlsx) file");
        assert_eq!(get(&f, &dept, "/api/v1/evaluation/export?level=grid&format=csv").await.status, 403);

        // Weights: read by the readers, changed by admins, validated, in force at once.
        let w = get(&f, &leader, "/api/v1/settings/evaluation-weights").await;
        assert_eq!(w.json(), serde_json::json!({"response":0.3,"resolution":0.35,"satisfaction":0.35}));
        assert_eq!(get(&f, &login(&f, Who::Grid).await, "/api/v1/settings/evaluation-weights").await.status, 403);
        let forbidden = put(&f, &leader, r#"{"response":0.5,"resolution":0.25,"satisfaction":0.25}"#).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        let sum = put(&f, &admin, r#"{"response":0.3,"resolution":0.3,"satisfaction":0.3}"#).await;
        assert_eq!(sum.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {}", sum.body);
        assert_eq!(sum.json()["error"]["message"], "三率权重之和应为 1，当前为 0.9");
        assert_eq!(sum.json()["error"]["field"], "weights");
        let negative = put(&f, &admin, r#"{"response":-0.5,"resolution":0.75,"satisfaction":0.75}"#).await;
        assert_eq!(negative.json()["error"]["message"], "权重必须是不小于 0 的数");
        assert_eq!(put(&f, &admin, r#"{"response":0.5}"#).await.status, StatusCode::BAD_REQUEST);
        let unchanged = get(&f, &admin, "/api/v1/evaluation?month=2026-11").await.json();
        assert_eq!(ranks(&unchanged)[0].2, Some(70.0), "{label}: refused weights change nothing");
        let ok = put(&f, &admin, r#"{"response":0.5,"resolution":0.25,"satisfaction":0.25}"#).await;
        assert_eq!(ok.status, StatusCode::OK, "{label}: {}", ok.body);
        assert_eq!(ok.json()["response"], 0.5);
        let reweighted = get(&f, &leader, "/api/v1/evaluation?month=2026-11").await.json();
        assert_eq!(reweighted["weights"]["response"], 0.5);
        assert_eq!(ranks(&reweighted), [(1, "城管执法中队".to_string(), Some(50.0))], "{label}");
        let audit = f.store.audit().verify().await.unwrap();
        assert!(audit.is_ok(), "{label}: the weight change is in the audit chain");
    }
}
