//! The leaders' views of 矛盾纠纷 over HTTP on both backends: the figures page shows each
//! figure with its numerator and denominator and the definitions; its xlsx holds the same
//! numbers; the 矛调中心's daily list and the risk map; and each reader's reach — committee A's
//! mediator and community A's worker count and see none of committee B's disputes, nor any
//! party's name.
//!
//! The fixture's street 1 (`support::mediation`): `dispute_a` (an oral agreement in effect),
//! `signed` (a signed written one), `failed`, `room` (being mediated) of committee A in grid A1,
//! and `dispute_b` of committee B in grid B1 (registered); `dispute_c` lies in street 2.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use support::mediation::{setup, step};
use support::pages::{get, reply_bytes};
use support::*;
use tongxin_app::mediation::Who as MWho;
use tongxin_domain::mediation::Action;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The text of the element with this id (`<span id="resolution-parts">2 / 5</span>`).
fn shown(body: &str, id: &str) -> String {
    let tag = format!("id=\"{id}\">");
    let start = body.find(&tag).unwrap_or_else(|| panic!("no #{id}")) + tag.len();
    body[start..].split('<').next().unwrap().trim().to_string()
}

/// A workbook download: its sheets' rows as text cells (numbers as they print).
async fn workbook(f: &Fixture, s: &Session, uri: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let mut req = Request::builder().uri(uri);
    if let Some(c) = &s.cookie {
        req = req.header(header::COOKIE, c);
    }
    let (status, headers, bytes) = reply_bytes(f, req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Float(x) => format!("{x}"),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// The row of `sheet` whose first cell is `first`.
fn row<'a>(book: &'a [(String, Vec<Vec<String>>)], sheet: &str, first: &str) -> &'a [String] {
    let (_, rows) = book.iter().find(|(n, _)| n == sheet).unwrap_or_else(|| panic!("no sheet {sheet}"));
    rows.iter().find(|r| r[0] == first).unwrap_or_else(|| panic!("no row {first} in {sheet}"))
}

both_backends! {
    /// Street 1's leader: 化解 2 / 5, 调解成功 2 / 3, 不出村 2 / 2, nothing due yet, 4 open; the
    /// xlsx holds the same; committee A's mediator and community A's worker count 4, not B's.
    async fn the_figures_page_and_its_workbook(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let leader = login(&f, Who::Leader).await;
        let page = get(&f, &leader, "/mediation/stats").await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", t.label, page.body);
        let b = &page.body;
        assert_eq!(shown(b, "registered"), "5", "{}", t.label);
        assert_eq!((shown(b, "resolution"), shown(b, "resolution-parts")), ("40.0%".into(), "2 / 5".into()), "{}", t.label);
        assert_eq!(shown(b, "success-parts"), "2 / 3", "{}", t.label);
        assert_eq!(shown(b, "local-parts"), "2 / 2", "{}", t.label);
        assert_eq!((shown(b, "performance"), shown(b, "performance-parts")), ("—".into(), "0 / 0".into()), "{}: items fall due in 14 days", t.label);
        assert_eq!(shown(b, "to-agreement-parts"), "0 天 / 2 件", "{}", t.label);
        assert_eq!(shown(b, "overdue-parts"), "0 / 4（在办）", "{}", t.label);
        assert_eq!(shown(b, "petitions-received"), "0", "{}", t.label);
        for text in ["人民调解法》第二十九条", "小事不出村", "按纠纷类型", "邻里", "按风险等级", "未研判", "书面告知", "第三十四条"] {
            assert!(b.contains(text), "{}: {text} missing", t.label);
        }
        for name in ["张三", "李四"] {
            assert!(!b.contains(name), "{}: a party's name on the figures page", t.label);
        }
        let book = workbook(&f, &leader, "/mediation/stats?format=xlsx").await;
        let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["概况", "按纠纷类型", "按风险等级", "信访按期率"], "{}", t.label);
        assert_eq!(row(&book, "概况", "化解率")[1..], ["2", "5", "40.0%"], "{}", t.label);
        assert_eq!(row(&book, "概况", "调解成功率")[1..], ["2", "3", "66.7%"], "{}", t.label);
        assert_eq!(row(&book, "按纠纷类型", "合计")[1..4], ["5", "2", "40.0%"], "{}", t.label);
        assert_eq!(row(&book, "按纠纷类型", "邻里")[1], "5", "{}", t.label);

        // Committee A's mediator and community A's worker: committee B's registration is not theirs.
        for who in [Who::Mediator, Who::Community] {
            let s = login(&f, who).await;
            let page = get(&f, &s, "/mediation/stats").await;
            assert_eq!(page.status, StatusCode::OK, "{}: {who:?}", t.label);
            assert_eq!(shown(&page.body, "resolution-parts"), "2 / 4", "{}: {who:?}", t.label);
            assert_eq!(shown(&page.body, "overdue-parts"), "0 / 3（在办）", "{}: {who:?}", t.label);
            let book = workbook(&f, &s, "/mediation/stats?format=xlsx").await;
            assert_eq!(row(&book, "概况", "化解率")[1..], ["2", "4", "50.0%"], "{}: {who:?}", t.label);
            assert_eq!(book.iter().any(|(n, _)| n == "信访按期率"), who == Who::Community, "{}: petitions for petition readers only", t.label);
        }
        // A period without disputes, a narrower area, bad input.
        let none = get(&f, &leader, "/mediation/stats?from=2026-01-01&to=2026-01-31").await;
        assert_eq!((shown(&none.body, "registered"), shown(&none.body, "resolution")), ("0".into(), "—".into()), "{}", t.label);
        let b1 = get(&f, &leader, &format!("/mediation/stats?area={GRID_B1}")).await;
        assert_eq!(shown(&b1.body, "resolution-parts"), "0 / 1", "{}", t.label);
        let bad = get(&f, &leader, "/mediation/stats?from=2026/01/01").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(bad.body.contains("开始日期“2026/01/01”不是有效日期"), "{}: {}", t.label, bad.body);
        let bad = get(&f, &leader, "/mediation/stats?format=pdf").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        // The admin counts street 2's too.
        let admin = login(&f, Who::Admin).await;
        assert_eq!(shown(&get(&f, &admin, "/mediation/stats").await.body, "resolution-parts"), "2 / 6", "{}", t.label);
        assert_eq!(med.dispute_c.street_code, "330702002");
    }
}

both_backends! {
    /// The 矛调中心's daily list of today and its workbook; the mediator's has no committee B
    /// and no petitions; no party is named.
    async fn the_daily_list(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let desk = login(&f, Who::Dispatcher).await;
        let page = get(&f, &desk, "/mediation/daily").await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", t.label, page.body);
        let b = &page.body;
        assert_eq!(shown(b, "count-registered"), "5", "{}", t.label);
        assert_eq!(shown(b, "count-sessions"), "4", "{}", t.label);
        assert_eq!(shown(b, "count-agreements"), "2", "{}", t.label);
        assert_eq!(shown(b, "count-failures"), "1", "{}", t.label);
        assert_eq!(shown(b, "count-violence"), "0", "{}", t.label);
        assert_eq!(shown(b, "count-petitions-received"), "0", "{}", t.label);
        assert!(b.contains(&med.dispute_b.code) && !b.contains(&med.dispute_c.code), "{}", t.label);
        assert!(b.contains(&format!("/mediation/disputes/{}", med.failed.id)), "{}: lines link to the dispute", t.label);
        assert!(!b.contains("张三") && !b.contains("李四"), "{}: no party names", t.label);
        let book = workbook(&f, &desk, "/mediation/daily?format=xlsx").await;
        let (_, rows) = book.iter().find(|(n, _)| n == "登记的纠纷").unwrap();
        assert_eq!(rows.len(), 1 + 5, "{}: a header and five disputes", t.label);
        assert!(rows.iter().any(|r| r[0] == med.room.code), "{}", t.label);

        let mediator = login(&f, Who::Mediator).await;
        let page = get(&f, &mediator, "/mediation/daily").await;
        assert_eq!(shown(&page.body, "count-registered"), "4", "{}", t.label);
        assert!(!page.body.contains(&med.dispute_b.code), "{}: committee B's dispute", t.label);
        assert!(!page.body.contains("id=\"petitions-received\""), "{}: a mediator reads no petitions", t.label);
        // Yesterday: nothing happened.
        let yesterday = (tongxin_domain::case::deadline::shanghai_date(f.store.now()) - chrono::Duration::days(1)).to_string();
        let page = get(&f, &desk, &format!("/mediation/daily?day={yesterday}")).await;
        assert_eq!(shown(&page.body, "count-registered"), "0", "{}", t.label);
        assert_eq!(get(&f, &desk, "/mediation/daily?day=yesterday").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

both_backends! {
    /// The risk map: a dot per open dispute at its grid, coloured by its risk level (红 after a
    /// 风险研判), a legend and a table, the same dots in the interactive map's layers; the
    /// mediator's and the community worker's maps hold committee A's disputes only.
    async fn the_risk_map(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let red = f.store.mediation().risk_levels().await.unwrap().into_iter().find(|l| l.code == "red").unwrap();
        let admin = MWho::Staff(med.admin.clone());
        step(&f, &admin, med.room.clone(), Action::AssessRisk { risk: red.clone(), note: String::new() }).await;
        let leader = login(&f, Who::Leader).await;
        let page = get(&f, &leader, "/mediation/map").await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", t.label, page.body);
        let b = &page.body;
        assert_eq!(shown(b, "open-count"), "4", "{}: dispute_a, signed, room, dispute_b", t.label);
        assert_eq!(b.matches(r#"class="dispute""#).count(), 4, "{}: four dots", t.label);
        assert_eq!(b.matches(&format!(r#"fill="{}""#, red.colour)).count(), 1, "{}: one red dot", t.label);
        assert!(b.contains(&format!("/mediation/disputes/{}", med.room.id)), "{}", t.label);
        assert!(b.contains("红 <b>1</b> 件") && b.contains("未研判 <b>3</b> 件"), "{}: the legend", t.label);
        assert!(!b.contains("张三") && !b.contains("李四"), "{}: no party names", t.label);
        let layers = get(&f, &leader, "/mediation/map/layers.json").await;
        let json: serde_json::Value = serde_json::from_str(&layers.body).unwrap();
        let dots: Vec<&serde_json::Value> =
            json["features"].as_array().unwrap().iter().filter(|x| x["properties"]["kind"] == "dispute").collect();
        assert_eq!(dots.len(), 4, "{}", t.label);
        assert!(dots.iter().any(|d| d["properties"]["fill"] == red.colour.as_str()), "{}", t.label);

        for who in [Who::Mediator, Who::Community] {
            let s = login(&f, who).await;
            let page = get(&f, &s, "/mediation/map").await;
            assert_eq!(shown(&page.body, "open-count"), "3", "{}: {who:?}", t.label);
            assert!(!page.body.contains(&med.dispute_b.code), "{}: {who:?} sees committee B's dispute", t.label);
            let layers = get(&f, &s, "/mediation/map/layers.json").await;
            assert!(!layers.body.contains(&format!("/mediation/disputes/{}", med.dispute_b.id)), "{}: {who:?}", t.label);
        }
        // Found from the mediation list and the leader's start page.
        let list = get(&f, &leader, "/mediation").await;
        assert!(list.body.contains("href=\"/mediation/stats\"") && list.body.contains("href=\"/mediation/map\""), "{}", t.label);
        let home = get(&f, &leader, "/").await;
        assert!(home.body.contains("/mediation/stats"), "{}: the leader's start page", t.label);
    }
}
