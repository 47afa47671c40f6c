//! The resident's pages (report form, confirmation, follow page with confirmation and rating)
//! and the QR sheets, in-process on both storage backends.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::http::{Request, header};
use support::pages::{Upload, location, multipart, reply};
use support::*;
use tongxin_app::cases::CaseActor;
use tongxin_domain::case::{Action, Unit};

/// A browser without JavaScript: cookies it was given, and what it sends.
#[derive(Default, Clone)]
pub(crate) struct Client {
    pub(crate) cookies: Vec<(String, String)>,
}

impl Client {
    pub(crate) fn with_session(s: &Session) -> Client {
        let mut c = Client::default();
        if let Some((k, v)) = s.cookie.as_deref().and_then(|c| c.split_once('=')) {
            c.cookies.push((k.into(), v.into()));
        }
        c
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub(crate) async fn request(
        &mut self,
        f: &Fixture,
        method: &str,
        uri: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri).header(header::HOST, "tongxin.example");
        if !self.cookies.is_empty() {
            req = req.header(header::COOKIE, self.cookie_header());
        }
        let body = match body {
            Some((content_type, bytes)) => {
                req = req.header(header::CONTENT_TYPE, content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let r = reply(f, req.body(body).unwrap()).await;
        for c in r.headers.get_all(header::SET_COOKIE) {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.into(), v.into()));
            }
        }
        r
    }

    pub(crate) async fn get(&mut self, f: &Fixture, uri: &str) -> Reply {
        self.request(f, "GET", uri, None).await
    }

    pub(crate) async fn post_form(&mut self, f: &Fixture, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request(f, "POST", uri, Some(("application/x-www-form-urlencoded", body.into_bytes()))).await
    }

    pub(crate) async fn post_multipart(
        &mut self,
        f: &Fixture,
        uri: &str,
        fields: &[(&str, &str)],
        photos: &[&[u8]],
    ) -> Reply {
        let (ct, body) = multipart(fields, &Upload::photos("photos", photos));
        self.request(f, "POST", uri, Some((&ct, body))).await
    }
}

/// The value of `name="…" value="…"` in a page.
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} field in:\n{page}")) + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// The rating form's fields for "resolved, satisfied".
fn rating<'a>(csrf: &'a str, token: &'a str, version: &'a str) -> [(&'static str, &'a str); 5] {
    [("_csrf", csrf), ("t", token), ("version", version), ("resolved", "yes"), ("satisfaction", "satisfied")]
}

/// Every input, select and textarea with an id has a `<label for=…>` (hidden fields excepted).
fn assert_labelled(page: &str) {
    for tag in ["<input ", "<select ", "<textarea "] {
        for part in page.split(tag).skip(1) {
            let el = part.split('>').next().unwrap();
            if el.contains("type=\"hidden\"") {
                continue;
            }
            let id = el
                .split("id=\"")
                .nth(1)
                .map(|s| s.split('"').next().unwrap())
                .unwrap_or_else(|| panic!("{tag}{el}> has no id"));
            assert!(page.contains(&format!("for=\"{id}\"")), "{tag}{el}> has no label");
        }
    }
}

/// A 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8,
    6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1,
    0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

both_backends! {
    async fn the_report_form_works_without_javascript(t: TestStore) {
        let f = fixture(&t).await;
        let mut c = Client::default();
        let page = c.get(&f, "/report").await;
        assert_eq!(page.status, 200, "{}", t.label);
        let html = &page.body;
        assert!(html.len() < 100_000, "{}: the form is {} bytes", t.label, html.len());
        assert!(c.cookies.iter().any(|(k, _)| k == "tx_form_csrf"), "the double-submit cookie is set");
        for needle in [
            "<optgroup label=\"城市管理\">",
            "<option value=\"city.noise\">噪音扰民</option>",
            "name=\"description\" required maxlength=\"4000\"",
            "type=\"file\" accept=\"image/*\" multiple",
            "enctype=\"multipart/form-data\"",
            "id=\"address\"",
            "data-bbox=",
            "<optgroup label=\"桃园社区\">",
        ] {
            assert!(html.contains(needle), "{}: no {needle} in the form", t.label);
        }
        assert_labelled(html);

        // Without JavaScript no point is tapped: the grid and the address text locate it.
        let csrf = hidden(html, "_csrf");
        let street = hidden(html, "street");
        let r = c
            .post_form(
                &f,
                "/report",
                &[
                    ("_csrf", &csrf),
                    ("category", "city.garbage"),
                    ("description", "垃圾桶满了三天没人清运"),
                    ("street", &street),
                    ("lng", ""),
                    ("lat", ""),
                    ("grid", GRID_A1),
                    ("address", "桃园小区3幢门口"),
                    ("phone", "13900002222"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}: {}", t.label, r.body);
        let to = location(&r);
        assert!(to.starts_with("/report/done?c=TX"), "{to}");
        let done = c.get(&f, &to).await;
        assert_eq!(done.status, 200);
        assert!(done.body.contains("id=\"tracking-code\">TX"), "{}", done.body);
        // Absolute, on the configured public address, not the Host header (issue 9 item 14).
        assert!(done.body.contains("http://localhost:8080/track/TX"), "the follow link is absolute: {}", done.body);
        let follow = hidden_href(&done.body, "follow-link");
        let track = c.get(&f, &follow).await;
        assert_eq!(track.status, 200, "{}", track.body);
        assert!(track.body.contains("垃圾清运") && track.body.contains("桃园小区3幢门口"));

        // The QR link names the building and needs no map.
        let qr = c.get(&f, "/report?b=qr-1").await;
        assert!(qr.body.contains("小区1幢") && qr.body.contains("name=\"building\" value=\"qr-1\""));
        assert!(!qr.body.contains("data-bbox="), "no map when the building is known");
        assert_labelled(&qr.body);
        let bad = c.get(&f, "/report?b=forged").await;
        assert_eq!(bad.status, 200);
        assert!(bad.body.contains("二维码无效") && bad.body.contains("data-bbox="), "a bad QR falls back to the map");
    }
}

fn hidden_href(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\" href=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no #{id} in {page}")) + marker.len();
    page[start..].split('"').next().unwrap().replace("&amp;", "&")
}

both_backends! {
    async fn validation_errors_show_the_form_again_with_the_input(t: TestStore) {
        let f = fixture(&t).await;
        let mut c = Client::default();
        let csrf = hidden(&c.get(&f, "/report?b=qr-1").await.body, "_csrf");
        let base = |desc: &'static str, cat: &'static str, phone: &'static str| {
            vec![
                ("category", cat),
                ("description", desc),
                ("building", "qr-1"),
                ("address", "二单元"),
                ("phone", phone),
            ]
        };
        let with_csrf = |mut v: Vec<(&'static str, &'static str)>, csrf: &str| {
            let mut out: Vec<(String, String)> = vec![("_csrf".into(), csrf.into())];
            out.extend(v.drain(..).map(|(k, v)| (k.to_string(), v.to_string())));
            out
        };
        let send = |c: &mut Client, fields: Vec<(String, String)>, photos: Vec<&'static [u8]>| {
            let mut c2 = c.clone();
            let f = &f;
            async move {
                let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                c2.post_multipart(f, "/report", &refs, &photos).await
            }
        };
        // An empty description.
        let r = send(&mut c, with_csrf(base("   ", "city.noise", ""), &csrf), vec![]).await;
        assert_eq!(r.status, 422, "{}", t.label);
        assert!(r.body.contains("id=\"description-error\">请描述您反映的问题"), "{}", r.body);
        assert!(r.body.contains("value=\"二单元\""), "the input is kept");
        assert!(r.body.contains("<option value=\"city.noise\" selected>"), "the category is kept");
        // No category.
        let r = send(&mut c, with_csrf(base("井盖丢了", "", ""), &csrf), vec![]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("id=\"category-error\">请选择问题类别"), "{}", r.body);
        assert!(r.body.contains(">井盖丢了</textarea>"));
        // Every error at once: no category, no description, a bad phone (issue 11).
        let r = send(&mut c, with_csrf(base("  ", "", "12345"), &csrf), vec![PNG]).await;
        assert_eq!(r.status, 422);
        for id in ["category-error", "description-error", "phone-error"] {
            assert!(r.body.contains(&format!("id=\"{id}\"")), "{}: no {id}: {}", t.label, r.body);
        }
        assert!(r.body.contains("请重新选择照片"), "the chosen photo must be chosen again");
        // A top-level category with sub-categories is refused.
        let r = send(&mut c, with_csrf(base("井盖丢了", "city", ""), &csrf), vec![]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("是大类，请选择其下的具体类别"), "{}", r.body);
        // Too long.
        let long = "很".repeat(4001);
        let mut fields = with_csrf(base("x", "city.noise", ""), &csrf);
        fields[2].1 = long;
        let r = send(&mut c, fields, vec![]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("不能超过 4000 字"));
        // A bad phone number.
        let r = send(&mut c, with_csrf(base("楼道灯坏了", "city.noise", "12345"), &csrf), vec![]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("id=\"phone-error\""), "{}", r.body);
        // A photo that is not an image, checked from its bytes.
        let r = send(&mut c, with_csrf(base("楼道灯坏了", "city.noise", ""), &csrf), vec![b"GIF89a not really"]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("id=\"photos-error\">第 1 张照片不是 JPEG、PNG 或 WebP 图片"), "{}", r.body);
        assert!(r.body.contains("请重新选择照片"));
        // No place at all (no building, no point, no grid, no address) with two streets.
        let r = c
            .post_multipart(
                &f,
                "/report",
                &[("_csrf", &csrf), ("category", "city.noise"), ("description", "有人乱扔垃圾")],
                &[],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("id=\"location-error\""), "{}", r.body);
        // A forged or missing token.
        let r = c
            .post_multipart(
                &f,
                "/report",
                &[
                    ("_csrf", "forged-forged-forged-forged-forged"),
                    ("category", "city.noise"),
                    ("description", "x"),
                    ("building", "qr-1"),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = Client::default()
            .post_multipart(
                &f,
                "/report",
                &[("_csrf", &csrf), ("category", "city.noise"), ("description", "x"), ("building", "qr-1")],
                &[],
            )
            .await;
        assert_eq!(r.status, 403, "the token without its cookie");
        // A good one with a photo.
        let r = send(&mut c, with_csrf(base("楼道灯坏了一周", "city.noise", "13900003333"), &csrf), vec![PNG]).await;
        assert_eq!(r.status, 303, "{}: {}", t.label, r.body);
        let code = location(&r).split("c=").nth(1).unwrap().split('&').next().unwrap().to_string();
        let admin = tongxin_domain::kernel::access::Scope::All;
        let cases = f.store.cases().queue(&admin, &Default::default(), Default::default()).await.unwrap();
        let case = cases.items.iter().find(|x| x.code == code).expect("the case is stored");
        assert_eq!(case.building_id, Some(1));
        assert_eq!(case.phone_masked.as_deref(), Some("139****3333"));
    }
}

both_backends! {
    async fn the_follow_page_confirms_and_rates_and_a_wrong_token_is_404(t: TestStore) {
        let f = fixture(&t).await;
        let mut c = Client::default();
        let case = f.ids.case_a1.clone();
        let wrong = c.get(&f, &format!("/track/{}?t=forged", case.code)).await;
        assert_eq!(wrong.status, 404, "{}", t.label);
        assert!(wrong.body.contains("页面不存在"));
        assert!(!wrong.body.contains("烧烤"), "nothing of the case leaks");
        assert_eq!(c.get(&f, &format!("/track/{}", case.code)).await.status, 404);
        assert_eq!(c.get(&f, &format!("/report/done?c={}&t=forged", case.code)).await.status, 404);

        let url = format!("/track/{}?t={}", case.code, case.follow_token);
        let page = c.get(&f, &url).await;
        assert_eq!(page.status, 200);
        assert!(page.body.len() < 100_000);
        assert!(page.body.contains("已交承办单位") && page.body.contains("<time>2026-"), "{}", page.body);
        assert!(!page.body.contains("rate-form") && !page.body.contains("confirm-form"));
        assert_labelled(&page.body);

        // The department handles it.
        let dept = f.store.accounts().user(f.ids.users[&Who::Department]).await.unwrap();
        let staff = CaseActor::Staff(dept);
        let unit = Unit::Department(1);
        let v = f.store.cases().get(&tongxin_domain::kernel::access::Scope::All, case.id).await.unwrap().version;
        f.state.cases.act(&staff, case.id, v, Action::Acknowledge { unit: unit.clone() }).await.unwrap();
        let reply = "已约谈店主，晚十点后停止营业";
        f.state
            .cases
            .act(&staff, case.id, v + 1, Action::Report { unit, reply: reply.into(), evidence: vec![] })
            .await
            .unwrap();

        // The resident confirms the reply on the follow page.
        let page = c.get(&f, &url).await;
        assert!(page.body.contains(reply) && page.body.contains("confirm-form"), "{}", page.body);
        let csrf = hidden(&page.body, "_csrf");
        let version = hidden(&page.body, "version");
        let r = c
            .post_form(
                &f,
                &format!("/track/{}/confirm", case.code),
                &[("_csrf", &csrf), ("t", &case.follow_token), ("version", &version), ("ok", "yes")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(location(&r), url);
        let page = c.get(&f, &url).await;
        assert!(page.body.contains("已确认办理结果"), "the flash: {}", page.body);
        assert!(page.body.contains("办理结果已确认"));

        // The dispatcher closes it; the resident rates.
        let dispatcher = CaseActor::Staff(f.store.accounts().user(f.ids.users[&Who::Dispatcher]).await.unwrap());
        let v = f.store.cases().get(&tongxin_domain::kernel::access::Scope::All, case.id).await.unwrap().version;
        f.state.cases.act(&dispatcher, case.id, v, Action::Close).await.unwrap();
        let page = c.get(&f, &url).await;
        assert!(page.body.contains("rate-form") && page.body.contains("基本满意"), "{}", page.body);
        assert_labelled(&page.body);
        let csrf = hidden(&page.body, "_csrf");
        let version = hidden(&page.body, "version");
        let rate = format!("/track/{}/rate", case.code);
        // Without the token of this case: 404; with a forged CSRF token: 403; a stale version: a message.
        let r = c.post_form(&f, &rate, &rating(&csrf, "forged", &version)).await;
        assert_eq!(r.status, 404);
        let r = c.post_form(&f, &rate, &rating("x", &case.follow_token, &version)).await;
        assert_eq!(r.status, 403);
        let r = c.post_form(&f, &rate, &rating(&csrf, &case.follow_token, "1")).await;
        assert_eq!(r.status, 303);
        assert!(c.get(&f, &url).await.body.contains("刷新后重试"), "a stale form says so");
        let r = c
            .post_form(
                &f,
                &rate,
                &[
                    ("_csrf", &csrf),
                    ("t", &case.follow_token),
                    ("version", &version),
                    ("resolved", "yes"),
                    ("satisfaction", "basically_satisfied"),
                    ("comment", "处理及时"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = c.get(&f, &url).await;
        assert!(page.body.contains("感谢您的评价"));
        assert!(
            page.body.contains("id=\"rating\"") && page.body.contains("基本满意") && page.body.contains("处理及时")
        );
        assert!(!page.body.contains("rate-form"), "rated once");
        assert!(page.body.contains("已评价"));
        let stored = f.store.cases().get(&tongxin_domain::kernel::access::Scope::All, case.id).await.unwrap();
        assert_eq!(stored.status.as_str(), "rated");
    }
}

both_backends! {
    async fn a_signed_in_staff_member_may_report_too(t: TestStore) {
        let f = fixture(&t).await;
        let s = login(&f, Who::Grid).await;
        let mut c = Client::with_session(&s);
        let csrf = hidden(&c.get(&f, "/report?b=qr-1").await.body, "_csrf");
        assert_eq!(Some(csrf.as_str()), s.csrf.as_deref(), "the session's token, which check_csrf expects");
        let r = c
            .post_multipart(
                &f,
                "/report",
                &[("_csrf", &csrf), ("category", "city.road"), ("description", "路面塌陷"), ("building", "qr-1")],
                &[],
            )
            .await;
        assert_eq!(r.status, 303, "{}: {}", t.label, r.body);
    }
}

both_backends! {
    async fn the_qr_sheet_is_for_staff_within_scope(t: TestStore) {
        let f = fixture(&t).await;
        let grid = Client::with_session(&login(&f, Who::Grid).await);
        let mut g = grid.clone();
        let page = g.get(&f, &format!("/grids/{GRID_A1}/qr")).await;
        assert_eq!(page.status, 200, "{}: {}", t.label, page.body);
        assert!(page.body.len() < 100_000);
        assert!(page.body.contains("小区1幢") && page.body.contains("桃园一网格"));
        assert!(page.body.contains("@page{size:A4"), "print CSS");
        // The code holds the absolute report link of the building, on the configured public address.
        let expected =
            tongxin_web::pages::qr::qr_svg("http://localhost:8080/report?b=qr-1", "小区1幢 的二维码").unwrap();
        assert!(page.body.contains(&expected), "the QR code of /report?b=qr-1");
        assert_eq!(page.body.matches("<svg").count(), 1, "one building in A1");
        assert!(!page.body.contains("小区2幢"), "A2's building is not on A1's sheet");

        assert_eq!(g.get(&f, &format!("/grids/{GRID_C1}/qr")).await.status, 404, "out of scope");
        assert_eq!(g.get(&f, &format!("/grids/{GRID_A2}/qr")).await.status, 404, "the neighbouring grid");
        assert_eq!(g.get(&f, &format!("/grids/{COMMUNITY_A}/qr")).await.status, 404, "a community is not a grid");
        let mut anon = Client::default();
        let r = anon.get(&f, &format!("/grids/{GRID_A1}/qr")).await;
        assert_eq!(r.status, 303);
        assert!(location(&r).starts_with("/login"));
        let mut admin = Client::with_session(&login(&f, Who::Admin).await);
        let r = admin.get(&f, &format!("/grids/{GRID_C1}/qr")).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("小区3幢"));
    }
}

both_backends! {
    async fn a_long_grid_prints_twelve_codes_a_page(t: TestStore) {
        let f = fixture(&t).await;
        let mut tx = f.store.db.begin().await.unwrap();
        let many: Vec<_> = (100..130)
            .map(|id| tongxin_store::places::NewBuilding {
                id,
                grid_code: GRID_A1.into(),
                name: format!("新村{id}幢"),
                address: format!("新村{id}幢"),
                lng: 119.6601,
                lat: 29.0899,
                floors: 6,
                units: 2,
                qr_token: format!("{:032x}", id * 7919),
            })
            .collect();
        tongxin_store::places::insert_buildings(&mut tx, &many, f.store.now()).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = Client::with_session(&login(&f, Who::Community).await);
        let first = c.get(&f, &format!("/grids/{GRID_A1}/qr")).await;
        assert_eq!(first.body.matches("<figure").count(), 12);
        assert!(first.body.len() < 100_000, "{}: a sheet is {} bytes", t.label, first.body.len());
        assert!(first.body.contains("第 1 / 3 页") && first.body.contains("?page=2"));
        let last = c.get(&f, &format!("/grids/{GRID_A1}/qr?page=3")).await;
        assert_eq!(last.body.matches("<figure").count(), 7, "31 buildings: 12 + 12 + 7");
    }
}

both_backends! {
    async fn the_form_keeps_the_per_phone_and_per_address_limits(t: TestStore) {
        let mut f = fixture(&t).await;
        let config = tongxin_web::WebConfig {
            hash_cost: tongxin_app::accounts::password::HashCost::Fast,
            reports_per_ip_per_hour: 3,
            reports_per_phone_per_hour: 1,
            ..tongxin_web::WebConfig::default()
        };
        f.app = tongxin_web::app(tongxin_web::AppState::new(f.store.clone(), config).await.unwrap());
        let mut c = Client::default();
        let csrf = hidden(&c.get(&f, "/report?b=qr-1").await.body, "_csrf");
        let report = |desc: &'static str, phone: &'static str| {
            vec![
                ("_csrf", csrf.clone()),
                ("category", "city.noise".into()),
                ("description", desc.into()),
                ("building", "qr-1".into()),
                ("phone", phone.into()),
            ]
        };
        let post = |fields: Vec<(&'static str, String)>| {
            let mut c = c.clone();
            let f = &f;
            async move {
                let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                c.post_form(f, "/report", &refs).await
            }
        };
        assert_eq!(post(report("第一次反映", "13900007777")).await.status, 303, "{}", t.label);
        let again = post(report("第二次反映", "13900007777")).await;
        assert_eq!(again.status, 429);
        assert!(again.body.contains("提交过于频繁") && again.body.contains(">第二次反映</textarea>"), "{}", again.body);
        assert_eq!(post(report("另一个号码", "13900008888")).await.status, 303);
        let third = post(report("第四次反映", "")).await;
        assert_eq!(third.status, 429, "the address allows three an hour");
    }
}
