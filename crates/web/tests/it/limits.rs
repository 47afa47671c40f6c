//! Issue 9: bounded request bodies (item 3), bounded texts on every entry point (item 4) and NUL
//! refused everywhere (item 13), through the real routes on both storage backends.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::pages::{Upload, multipart, reply};
use support::*;
use tongxin_store::Actor;
use tongxin_testkit::{all_stores, sqlite_store};
use tower::ServiceExt;

/// The app with the given per-address report limit (and a generous per-phone one).
async fn app_with_limit(f: &mut Fixture, per_ip: u32) {
    let config = tongxin_web::WebConfig {
        hash_cost: tongxin_app::accounts::password::HashCost::Fast,
        reports_per_ip_per_hour: per_ip,
        reports_per_phone_per_hour: 10_000,
        ..tongxin_web::WebConfig::default()
    };
    f.app = tongxin_web::app(tongxin_web::AppState::new(f.store.clone(), config).await.unwrap());
}

fn report_json(description: &str) -> String {
    json!({ "category": "city.noise", "description": description, "lat": POINT_A1.1, "lng": POINT_A1.0 }).to_string()
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Sends `content_type` with a body of `chunks` chunks of 1 MB fed through a channel of one
/// slot: the sender can only run ahead of the reader by a chunk or two. Returns the status and
/// how many chunks the app took.
async fn send_streamed(f: &Fixture, uri: &str, content_type: &str, chunks: usize) -> (StatusCode, usize) {
    let (mut tx, body) = http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let feeder = tokio::spawn(async move {
        for _ in 0..chunks {
            if tx.send_data(Bytes::from(vec![b' '; 1024 * 1024])).await.is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::new(body))
        .unwrap();
    let resp = f.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    drop(resp);
    feeder.abort();
    let _ = feeder.await;
    (status, sent.load(Ordering::SeqCst))
}

both_backends! {
    /// Item 3: a throttled address is refused before its body is read — on the JSON API with a
    /// JSON or a multipart body, and on the report page's form.
    async fn a_throttled_address_is_refused_before_its_body_is_read(t: TestStore) {
        let mut f = fixture(&t).await;
        app_with_limit(&mut f, 1).await;
        let first =
            send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&report_json("第一次反映"))).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}: {}", t.label, first.body);
        for (uri, content_type) in [
            ("/api/v1/reports", "application/json"),
            ("/api/v1/reports", "multipart/form-data; boundary=x"),
            ("/report", "multipart/form-data; boundary=x"),
        ] {
            // 64 MB offered; the refusal comes after at most the chunk or two the channel holds.
            let (status, taken) = send_streamed(&f, uri, content_type, 64).await;
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}: {uri} {content_type}", t.label);
            assert!(taken <= 2, "{}: {uri} {content_type}: {taken} MB were read before the refusal", t.label);
        }
    }
}

both_backends! {
    /// Item 3: over-limit bodies and parts get a Chinese 413; a multipart report with a photo works.
    async fn report_bodies_and_parts_have_limits(t: TestStore) {
        let mut f = fixture(&t).await;
        app_with_limit(&mut f, 10_000).await;
        let anon = Session::default();

        // JSON stays for text (and a small photo); beyond 64 KB it is refused, pointing to multipart.
        let photo = data_encoding::BASE64.encode(PNG);
        let small = json!({ "category": "city.noise", "description": "带一张小照片", "lat": POINT_A1.1, "lng": POINT_A1.0, "photos": [photo] });
        let r = send(&f.app, &anon, "POST", "/api/v1/reports", Some(&small.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.label, r.body);
        let big_photo = data_encoding::BASE64.encode(&[0xFFu8; 70 * 1024]);
        let big = json!({ "category": "city.noise", "description": "大照片", "lat": POINT_A1.1, "lng": POINT_A1.0, "photos": [big_photo] });
        let r = send(&f.app, &anon, "POST", "/api/v1/reports", Some(&big.to_string())).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: {}", t.label, r.body);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("multipart/form-data"), "{}", r.body);

        let post = |fields: Vec<(&'static str, String)>, files: Vec<Vec<u8>>| {
            let app = f.app.clone();
            async move {
                let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let files: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
                let uploads = Upload::photos("photos", &files);
                let (content_type, body) = multipart(&refs, &uploads);
                let req = Request::builder()
                    .method("POST")
                    .uri("/api/v1/reports")
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .unwrap();
                let resp = app.oneshot(req).await.unwrap();
                let status = resp.status();
                let body = resp.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let fields = |d: &str| {
            vec![
                ("category", "city.noise".to_string()),
                ("description", d.to_string()),
                ("lat", POINT_A1.1.to_string()),
                ("lng", POINT_A1.0.to_string()),
            ]
        };
        // A good multipart report: created, with its photo.
        let (status, body) = post(fields("楼道灯坏了（多部分表单）"), vec![PNG.to_vec(), PNG.to_vec()]).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {body}", t.label);
        let code: serde_json::Value = serde_json::from_str(&body).unwrap();
        let id = code["id"].as_i64().unwrap();
        assert_eq!(f.store.case_photo_counts(id).await.unwrap().report, 2, "{}", t.label);

        // Text parts skip the JSON reader: a NUL in a looked-up token is refused before the database.
        let mut with_building = fields("扫码反映");
        with_building.push(("building", "qr-1\0x".to_string()));
        let (status, body) = post(with_building, vec![]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {body}", t.label);
        assert!(body.contains("空字符"), "{body}");

        // A photo part one byte over 10 MB; ten photos; a text part over its limit.
        let mut huge = PNG.to_vec();
        huge.resize(10 * 1024 * 1024 + 1, 0);
        for (what, (status, body)) in [
            ("photo over 10 MB", post(fields("超大照片"), vec![huge]).await),
            ("ten photos", post(fields("十张照片"), vec![PNG.to_vec(); 10]).await),
            ("a 40 KB text part", post(fields(&"长".repeat(14 * 1024)), vec![]).await),
        ] {
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}: {what}: {body}", t.label);
            assert!(body.contains("\"message\"") && body.contains("multipart"), "{what}: {body}");
        }
    }
}

/// Where a text goes in.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// `POST /api/v1/reports` (JSON), this key.
    Report(&'static str),
    /// `POST /api/v1/reports` (multipart), this field.
    ReportForm(&'static str),
    /// `POST /api/v1/cases` (staff entry), this key.
    Enter(&'static str),
    /// `POST /open311/v2/requests.json`, this parameter.
    Open311(&'static str),
    /// `POST /api/v1/cases/import` (12345 CSV), this column.
    Hotline(&'static str),
    /// `PUT /api/v1/categories/{code}` name.
    CategoryName,
    /// `POST /api/v1/users` display name.
    UserName,
    /// `POST /api/v1/residents`, this key.
    Resident(&'static str),
}

async fn submit(f: &Fixture, admin: &Session, key: &str, entry: Entry, value: &str, n: usize) -> (StatusCode, String) {
    // Each request's other texts differ, so none is a duplicate of another.
    let desc = format!("第 {n} 号测试诉求");
    let base = json!({ "category": "city.noise", "description": desc, "lat": POINT_A1.1, "lng": POINT_A1.0 });
    let r = match entry {
        Entry::Report(k) => {
            let mut b = base;
            b[k] = json!(value);
            send(&f.app, &Session::default(), "POST", "/api/v1/reports", Some(&b.to_string())).await
        }
        Entry::ReportForm(k) => {
            let (lat, lng) = (POINT_A1.1.to_string(), POINT_A1.0.to_string());
            let mut fields =
                vec![("category", "city.noise"), ("description", desc.as_str()), ("lat", &lat), ("lng", &lng)];
            fields.retain(|(name, _)| *name != k);
            fields.push((k, value));
            let (content_type, body) = multipart(&fields, &[]);
            let req = Request::builder()
                .method("POST")
                .uri("/api/v1/reports")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap();
            reply(f, req).await
        }
        Entry::Enter(k) => {
            let mut b = base;
            b["channel"] = json!("hotline");
            b[k] = json!(value);
            send(&f.app, admin, "POST", "/api/v1/cases", Some(&b.to_string())).await
        }
        Entry::Open311(k) => {
            let (lat, lng) = (POINT_A1.1.to_string(), POINT_A1.0.to_string());
            let mut fields = vec![
                ("api_key", key),
                ("service_code", "city.noise"),
                ("lat", &lat),
                ("long", &lng),
                ("description", &desc),
            ];
            fields.retain(|(name, _)| *name != k);
            fields.push((k, value));
            let body = serde_urlencoded::to_string(&fields).unwrap();
            let req = Request::builder()
                .method("POST")
                .uri("/open311/v2/requests.json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            reply(f, req).await
        }
        Entry::Hotline(column) => {
            let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let (content, address, contact) = match column {
                "诉求内容" => (value.to_string(), String::new(), String::new()),
                "地址" => (desc.clone(), value.to_string(), String::new()),
                _ => (desc.clone(), String::new(), value.to_string()),
            };
            let csv = format!(
                "工单编号,来电时间,诉求类别,诉求内容,地址,网格编码,联系人\nT-{n},2020-01-01 08:00,city.noise,{},{},{GRID_A1},{}\n",
                quoted(&content),
                quoted(&address),
                quoted(&contact)
            );
            let mut req = Request::builder()
                .method("POST")
                .uri("/api/v1/cases/import")
                .header(header::CONTENT_TYPE, "text/csv")
                .header(header::COOKIE, admin.cookie.as_deref().unwrap())
                .header("x-csrf-token", admin.csrf.as_deref().unwrap());
            req = req.header(header::CONTENT_LENGTH, csv.len());
            reply(f, req.body(Body::from(csv)).unwrap()).await
        }
        Entry::CategoryName => {
            let b = json!({ "code": "", "name": value, "parent_code": null, "urgency": "general", "kind": "complaint", "active": true, "sort": n });
            send(&f.app, admin, "PUT", &format!("/api/v1/categories/test{n}"), Some(&b.to_string())).await
        }
        Entry::UserName => {
            let b = json!({ "username": format!("user{n}"), "display_name": value, "password": "Tongxin@2026-long", "role": "admin" });
            send(&f.app, admin, "POST", "/api/v1/users", Some(&b.to_string())).await
        }
        Entry::Resident(k) => {
            // A valid ID number per request (the check digit computed).
            let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
            let id = tongxin_domain::people::idcard::IdNumber::compose("330702", birth, 100 + n as u16);
            let mut b =
                json!({ "name": "测试居民", "id_number": id.as_str(), "grid_code": GRID_A1, "relation": "本人" });
            b[k] = json!(value);
            send(&f.app, admin, "POST", "/api/v1/residents", Some(&b.to_string())).await
        }
    };
    (r.status, r.body)
}

/// Item 4 and 13: every text field × (one over the limit, NUL, a control character, exactly at
/// the limit), through the route a client uses.
#[tokio::test]
async fn every_text_field_is_bounded_on_every_entry_point() {
    use Entry::*;
    // (entry, its bound in characters, multi-line)
    let table: [(Entry, usize, bool); 20] = [
        (Report("title"), 100, false),
        (Report("description"), 4000, true),
        (Report("address"), 200, false),
        (Report("name"), 50, false),
        (ReportForm("title"), 100, false),
        (ReportForm("address"), 200, false),
        (ReportForm("name"), 50, false),
        (Enter("title"), 100, false),
        (Enter("description"), 4000, true),
        (Enter("address"), 200, false),
        (Enter("name"), 50, false),
        (Open311("description"), 4000, true),
        (Open311("address_string"), 200, false),
        (Open311("first_name"), 50, false),
        (Hotline("诉求内容"), 4000, true),
        (Hotline("地址"), 200, false),
        (Hotline("联系人"), 50, false),
        (CategoryName, 30, false),
        (UserName, 50, false),
        (Resident("name"), 50, false),
    ];
    for t in all_stores().await {
        let mut f = fixture(&t).await;
        app_with_limit(&mut f, 100_000).await;
        let admin = login(&f, Who::Admin).await;
        let key = f.store.open311().create_client(&Actor::system("test"), "测试").await.unwrap().api_key;
        let mut n = 0usize;
        let mut failures = Vec::new();
        for (entry, max, multiline) in table {
            let mut cases = vec![
                ("over the limit", "超".repeat(max + 1), false),
                ("NUL", "有\0空字符".to_string(), false),
                ("a control character", "响铃\u{7}字符".to_string(), false),
                ("a right-to-left override", "反向\u{202E}文字".to_string(), false),
                ("at the limit", format!("{:0>width$}", n, width = max).replace('0', "满"), true),
            ];
            if !multiline {
                cases.push(("a line break in a one-line text", "两\n行".to_string(), false));
            }
            for (what, value, accepted) in cases {
                n += 1;
                let (status, body) = submit(&f, &admin, &key, entry, &value, n).await;
                let ok = if accepted {
                    status.is_success()
                } else {
                    status.is_client_error()
                        && ["不能超过", "空字符", "控制字符"].iter().any(|m| body.contains(m))
                        && body.len() < 20_000
                };
                if !ok {
                    failures.push(format!(
                        "{entry:?} with {what}: {status} {}",
                        body.chars().take(300).collect::<String>()
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}:\n{}", t.label, failures.join("\n"));
        t.cleanup().await;
    }
}

both_backends! {
    /// Item 13: a NUL in a path or a query string is refused before any handler, for every route.
    async fn nul_in_paths_and_queries_is_refused(t: TestStore) {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        for uri in [
            "/api/v1/cases?q=%E5%99%AA%00%E9%9F%B3",
            "/api/v1/cases?category=city.noise%00",
            "/api/v1/residents?q=%00",
            "/api/v1/reports/A%00B?token=x",
            "/cases?q=%00",
            "/open311/v2/requests.json?service_code=%00",
        ] {
            let r = send(&f.app, &admin, "GET", uri, None).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {uri}: {}", t.label, r.body);
            assert!(r.json()["error"]["message"].as_str().unwrap().contains("空字符"), "{}", r.body);
        }
        // A search box's words: bounded and printable (items 4 and 13).
        let long = "噪".repeat(201);
        for (q, expected) in [(long.as_str(), "搜索词不能超过 200 字"), ("噪\u{7}音", "控制字符")] {
            let uri = format!("/api/v1/cases?{}", serde_urlencoded::to_string([("q", q)]).unwrap());
            let r = send(&f.app, &admin, "GET", &uri, None).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", t.label, r.body);
            assert!(r.body.contains(expected), "{}", r.body);
        }
        let short = send(&f.app, &admin, "GET", "/api/v1/cases?q=%E5%99%AA", None).await;
        assert_eq!(short.status, StatusCode::OK, "{}", short.body);
    }
}

/// Item 5: hostile and randomly damaged 12345 CSV files through `POST /api/v1/cases/import`:
/// each ends in a result or a Chinese error of bounded size — never a 500, never a panic.
#[tokio::test]
async fn hostile_and_damaged_hotline_csv_is_refused() {
    use tongxin_testkit::RngExt;
    let t = sqlite_store().await;
    let f = fixture(&t).await;
    let admin = login(&f, Who::Admin).await;
    let post = |csv: Vec<u8>| {
        let app = f.app.clone();
        let admin = admin.clone();
        async move {
            let req = Request::builder()
                .method("POST")
                .uri("/api/v1/cases/import")
                .header(header::CONTENT_TYPE, "text/csv")
                .header(header::COOKIE, admin.cookie.unwrap())
                .header("x-csrf-token", admin.csrf.unwrap())
                .body(Body::from(csv))
                .unwrap();
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            (status, body.len(), String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned())
        }
    };
    let header = "工单编号,来电时间,诉求类别,诉求内容,地址,网格编码,联系人\n";
    let row = |i: usize| format!("T-{i},2020-01-01 08:00,city.noise,第{i}件,,{GRID_A1},\n");
    let mut hostile: Vec<(&str, Vec<u8>)> = vec![
        ("too many rows", format!("{header}{}", (0..10_001).map(row).collect::<String>()).into_bytes()),
        ("a million columns", format!("{}\n", ",".repeat(1_000_000)).into_bytes()),
        ("four million blank lines", "\n".repeat(4_000_000).into_bytes()),
        ("an unclosed quote", format!("{header}T-1,2020-01-01,city.noise,\"没有结尾").into_bytes()),
        (
            "a 5 MB cell",
            format!("{header}T-1,2020-01-01 08:00,city.noise,{},,{GRID_A1},\n", "长".repeat(5_000_000 / 3))
                .into_bytes(),
        ),
        ("a 1 MB time", format!("{header}T-1,{},city.noise,x,,{GRID_A1},\n", "9".repeat(1_000_000)).into_bytes()),
        ("NUL everywhere", format!("{header}T-1\0,2020\0,city\0,\0,\0,\0,\0\n").into_bytes()),
        ("invalid UTF-8", b"\xff\xfe\x00\x00".to_vec()),
        ("a byte-order mark only", "\u{FEFF}".as_bytes().to_vec()),
        (
            "every row bad",
            format!("{header}{}", (0..5_000).map(|i| format!("{i},x,y,z,,,\n")).collect::<String>()).into_bytes(),
        ),
    ];
    // Random damage to a good file.
    let good = format!("{header}{}{}", row(1), row(2));
    let pieces = ["\"", ",", "\n", "\r", "\0", "\u{202E}", "99999999999999", "-", "2099-01-01", "；"];
    let mut rng = tongxin_testkit::seeded_rng(3);
    for _ in 0..120 {
        let mut text = good.clone();
        for _ in 0..1 + rng.random::<u64>() % 4 {
            let at = (rng.random::<u64>() as usize) % text.len();
            let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            let piece: &&str = &pieces[rng.random_range(0..pieces.len())];
            text.insert_str(at, piece);
        }
        hostile.push(("damaged", text.into_bytes()));
    }
    for (what, csv) in hostile {
        let (status, len, start) = post(csv).await;
        assert!(status != StatusCode::INTERNAL_SERVER_ERROR, "{what}: {status} {start}");
        assert!(len < 256 * 1024, "{what}: an answer of {len} bytes");
        if what != "damaged" {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {start}");
        }
    }
    t.cleanup().await;
}
