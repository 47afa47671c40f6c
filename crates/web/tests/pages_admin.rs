//! The 管理 pages in-process, on both storage backends: only the admin gets them, the dry run
//! explains its choice, forms are CSRF-checked and audited, refused user forms show the error
//! next to the field, and a bad workbook lists its rows with nothing imported.

mod support;

use axum::http::{StatusCode, header};
use chrono::NaiveDate;
use support::pages::*;
use support::*;
use tongxin_domain::deadline::TimeLimit;
use tongxin_domain::idcard::IdNumber;
use tongxin_store::Page;
use tongxin_store::testing::all_stores;

const PAGES: [&str; 5] = ["/admin/regions", "/admin/categories", "/admin/deadlines", "/admin/users", "/admin/imports"];

/// Posts a multipart upload form with `_csrf` and a `file`.
async fn post_upload(f: &Fixture, s: &Session, uri: &str, csrf: &str, name: &str, file: &[u8]) -> Reply {
    let upload = Upload { field: "file", filename: name.into(), content_type: "application/octet-stream", bytes: file };
    post_multipart(f, s, uri, &[("_csrf", csrf)], &[upload]).await
}

#[tokio::test]
async fn only_the_admin_gets_the_admin_pages() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        for path in PAGES {
            let r = get(&f, &admin, path).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {path}: {}", t.label, r.body);
            assert!(r.body.contains("aria-current=\"page\""), "{path}: the nav marks the page");
            assert!(r.body.len() < 100 * 1024, "{path} is {} bytes", r.body.len());
        }
        for who in [Who::Leader, Who::Dispatcher, Who::Community, Who::Grid, Who::Party, Who::Mediator, Who::Department]
        {
            let s = login(&f, who).await;
            for path in PAGES {
                let r = get(&f, &s, path).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {who:?} {path}", t.label);
                assert!(r.body.contains("无权访问"), "{who:?} {path}: the 403 page");
            }
            let r = post_form(
                &f,
                &s,
                "/admin/users",
                &[("_csrf", &csrf(&s)), ("username", "sneaky"), ("display_name", "某"), ("role", "admin")],
            )
            .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who:?} may not create users");
        }
        let anon = get(&f, &Session::default(), "/admin/users").await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER);
        assert!(anon.headers[header::LOCATION].to_str().unwrap().starts_with("/login?next="));
        assert!(f.store.credentials("sneaky").await.is_err(), "nothing was created");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_region_page_maps_the_selected_area_and_refuses_unknown_codes() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let r = get(&f, &admin, &format!("/admin/regions?code={COMMUNITY_A}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("<svg class=\"map\""), "a map of the community");
        assert!(r.body.contains(&format!("data-code=\"{GRID_A1}\"")) && r.body.contains(GRID_A2));
        assert!(!r.body.contains(GRID_B1), "only the selected community's grids");
        assert!(r.body.contains("的网格（共 2 个）"));
        let street = get(&f, &admin, "/admin/regions").await;
        assert!(street.body.contains(&format!("/admin/regions?code={COMMUNITY_B}")), "the tree lists communities");
        let missing = get(&f, &admin, "/admin/regions?code=330702009").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_dry_run_names_the_rule_that_fires_and_why() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let r = get(&f, &admin, &format!("/admin/categories?category=city.noise&grid={GRID_A1}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains(&format!("规则 #{} →", f.ids.rule)), "{}: {}", t.label, r.body);
        assert!(r.body.contains("<ol><li>"), "the explanation is listed");
        let (lng, lat) = POINT_A1;
        let by_point = get(&f, &admin, &format!("/admin/categories?category=city.noise&lat={lat}&lng={lng}")).await;
        assert!(by_point.body.contains(&format!("规则 #{} →", f.ids.rule)), "a point finds its grid");
        assert!(by_point.body.contains(&format!("所在网格 {GRID_A1}")));
        let none = get(&f, &admin, "/admin/categories?category=city.noise").await;
        assert!(none.body.contains("没有规则生效"), "no grid: no area rule fires");
        let bad = get(&f, &admin, "/admin/categories?category=&grid=1").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("请选择诉求类别"));
        let half = get(&f, &admin, "/admin/categories?category=city.noise&lat=29.08").await;
        assert!(half.body.contains("经纬度须同时填写"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_routing_rule_is_added_through_the_form_with_csrf() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let before = f.store.routing_rules().await.unwrap().len();
        let fields = |token: String| {
            vec![
                ("_csrf".to_string(), token),
                ("category_code".into(), "city.noise".into()),
                ("area_kind".into(), "grid".into()),
                ("area_code".into(), GRID_A2.into()),
                ("target_kind".into(), "grid".into()),
                ("target_department".into(), "1".into()),
                ("target_grid".into(), GRID_A2.into()),
                ("auto_dispatch".into(), "1".into()),
            ]
        };
        let forged = fields("not-the-token".into());
        let forged: Vec<(&str, &str)> = forged.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = post_form(&f, &admin, "/admin/routing-rules", &forged).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: a forged form is refused", t.label);
        assert!(r.body.contains("CSRF"));
        assert_eq!(f.store.routing_rules().await.unwrap().len(), before);

        let good = fields(csrf(&admin));
        let good: Vec<(&str, &str)> = good.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = post_form(&f, &admin, "/admin/routing-rules", &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(flash_of(&r).starts_with("已添加派单规则"), "{}", flash_of(&r));
        assert_eq!(f.store.routing_rules().await.unwrap().len(), before + 1);
        // In force at once: the dry run for A2 now picks the grid rule.
        let dry = get(&f, &admin, &format!("/admin/categories?category=city.noise&grid={GRID_A2}")).await;
        assert!(dry.body.contains(&format!("网格队伍 {GRID_A2}（自动派单）")), "{}", dry.body);

        let mut wrong = good.clone();
        wrong[3] = ("area_code", COMMUNITY_A); // a community code for a grid rule
        let r = post_form(&f, &admin, "/admin/routing-rules", &wrong).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!flash_of(&r).is_empty() && !flash_of(&r).starts_with("已添加"), "{}", flash_of(&r));
        assert_eq!(f.store.routing_rules().await.unwrap().len(), before + 1, "the wrong rule is not stored");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn deadlines_change_through_the_form_and_are_audited() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let page = get(&f, &admin, "/admin/deadlines?year=2026").await;
        assert!(page.body.contains("2026 年工作日历") && page.body.contains("调休上班日"), "{}", page.body);
        assert!(page.body.contains("国庆节") || page.body.contains("春节"));
        let token = csrf(&admin);
        let mut fields = vec![
            ("_csrf", token.as_str()),
            ("emergency", "2"),
            ("emergency_unit", "hours"),
            ("utility", "24"),
            ("utility_unit", "hours"),
            ("general", "5"),
            ("general_unit", "working_days"),
            ("complex", "15"),
            ("complex_unit", "working_days"),
            ("contact", "12"),
            ("contact_unit", "hours"),
            ("warn_percent", "75"),
        ];
        let r = post_form(&f, &admin, "/admin/deadlines", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let policy = f.state.cases.config().policy.clone();
        assert_eq!((policy.general, policy.contact), (TimeLimit::WorkingDays(5), TimeLimit::Hours(12)));
        assert!((policy.warn_ratio - 0.75).abs() < 1e-9);
        let audit = f.store.audit_list(Some(("setting", "deadline_policy")), Page::default()).await.unwrap();
        assert_eq!(audit.len(), 1, "{}: the change is audited", t.label);
        assert_eq!(audit[0].fields.actor_name, "admin");
        let shown = get(&f, &admin, "/admin/deadlines").await;
        assert!(shown.body.contains("name=\"general\" type=\"number\" min=\"1\" max=\"10000\" required value=\"5\""));

        fields[5] = ("general", "0");
        let r = post_form(&f, &admin, "/admin/deadlines", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(flash_of(&r).contains("不能为 0"), "{}", flash_of(&r));
        assert_eq!(f.state.cases.config().policy.general, TimeLimit::WorkingDays(5), "unchanged");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn user_creation_shows_each_error_next_to_its_field() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let token = csrf(&admin);
        let form = |username: &'static str, password: &'static str, role: &'static str, region: &'static str| {
            vec![
                ("_csrf", token.clone()),
                ("username", username.to_string()),
                ("display_name", "张网格".to_string()),
                ("password", password.to_string()),
                ("role", role.to_string()),
                ("scope_region", region.to_string()),
                ("scope_department", String::new()),
            ]
        };
        let post = |v: Vec<(&'static str, String)>| {
            let f = &f;
            let admin = &admin;
            async move {
                let v: Vec<(&str, &str)> = v.iter().map(|(a, b)| (*a, b.as_str())).collect();
                post_form(f, admin, "/admin/users", &v).await
            }
        };
        let weak = post(form("zhang.grid", "short", "grid_worker", GRID_A1)).await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", weak.body);
        assert!(
            weak.body.contains("<p class=\"field-error\" id=\"u-password-err\">密码至少 10 位"),
            "{}: the strength rule sits under the password field",
            t.label
        );
        assert!(weak.body.contains("value=\"zhang.grid\""), "entered values are kept");
        assert!(!weak.body.contains("value=\"short\""), "never the password");

        let taken = post(form("admin", "Strong@Pass2026", "grid_worker", GRID_A1)).await;
        assert!(taken.body.contains("id=\"u-username-err\">用户名 admin 已存在"), "{}", taken.body);
        let bad_name = post(form("a b", "Strong@Pass2026", "grid_worker", GRID_A1)).await;
        assert!(bad_name.body.contains("id=\"u-username-err\">用户名为 3–32 位"));
        let no_scope = post(form("zhang.grid", "Strong@Pass2026", "grid_worker", "")).await;
        assert!(no_scope.body.contains("id=\"u-region-err\">"), "{}", no_scope.body);
        let no_role = post(form("zhang.grid", "Strong@Pass2026", "", GRID_A1)).await;
        assert!(no_role.body.contains("id=\"u-role-err\">未知角色"));
        let no_dept = post(form("zhang.dept", "Strong@Pass2026", "department_handler", "")).await;
        assert!(no_dept.body.contains("id=\"u-dept-err\">"));
        assert!(f.store.credentials("zhang.grid").await.is_err());

        let mut forged = form("zhang.grid", "Strong@Pass2026", "grid_worker", GRID_A1);
        forged[0].1 = "x".repeat(43);
        assert_eq!(post(forged).await.status, StatusCode::FORBIDDEN, "CSRF");

        let ok = post(form("zhang.grid", "Strong@Pass2026", "grid_worker", GRID_A1)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(flash_of(&ok), "已创建账号 zhang.grid（网格员）");
        let created = f.store.credentials("zhang.grid").await.unwrap().user;
        assert_eq!(created.role, tongxin_domain::access::Role::GridWorker);
        let list = get(&f, &admin, "/admin/users").await;
        assert!(list.body.contains("zhang.grid") && list.body.contains("张网格"));
        let audit = f.store.audit_list(Some(("user", &created.id.to_string())), Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "user.create");
        t.cleanup().await;
    }
}

/// A workbook with the export's headers and the given rows.
fn workbook(rows: &[[&str; 11]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, col) in tongxin_exchange::COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, col.header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_bad_workbook_lists_its_rows_and_imports_nothing() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let good_id = IdNumber::compose("330702", NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(), 77);
        let good = ["王导入", "男", "1980-01-01", good_id.as_str(), "", GRID_A1, "小区1幢", "1", "101", "本人", ""];
        let bad = ["李有误", "女", "", "12345", "", GRID_A1, "小区1幢", "1", "101", "", ""];
        let file = workbook(&[good, bad]);
        let r = post_upload(&f, &admin, "/admin/imports/residents", &csrf(&admin), "居民.xlsx", &file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", t.label, r.body);
        assert!(r.body.contains("导入失败，未写入任何数据"), "{}", r.body);
        assert!(r.body.contains("<td>第 3 行</td>"), "the bad row is named: {}", r.body);
        assert!(r.body.contains("身份证号"), "with its column");
        let found = send(&f.app, &admin, "GET", "/api/v1/residents?q=王导入", None).await.json();
        assert_eq!(found["total"], 0, "{}: the good row was not imported either", t.label);

        let forged = post_upload(&f, &admin, "/admin/imports/residents", "wrong", "居民.xlsx", &file).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "CSRF on multipart forms");
        let empty = post_upload(&f, &admin, "/admin/imports/residents", &csrf(&admin), "x.xlsx", b"").await;
        assert!(empty.body.contains("请选择要上传的文件"));
        let garbage = post_upload(&f, &admin, "/admin/imports/residents", &csrf(&admin), "x.xlsx", b"not a zip").await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);

        let ok =
            post_upload(&f, &admin, "/admin/imports/residents", &csrf(&admin), "居民.xlsx", &workbook(&[good])).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert!(ok.body.contains("导入成功：居民 1 人"), "{}", ok.body);
        let found = send(&f.app, &admin, "GET", "/api/v1/residents?q=王导入", None).await.json();
        assert_eq!(found["total"], 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn grids_are_imported_from_geojson_through_the_upload_form() {
    for t in all_stores().await {
        let f = fixture(&t).await;
        let admin = login(&f, Who::Admin).await;
        let geojson = GRID_A3_GEOJSON;
        let r = post_upload(&f, &admin, "/admin/imports/grids", &csrf(&admin), "g.geojson", geojson.as_bytes()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert!(r.body.contains("新建网格 1 个"));
        let overlapping = geojson.replace("330702001008003", "330702001008004");
        let r =
            post_upload(&f, &admin, "/admin/imports/grids", &csrf(&admin), "g.geojson", overlapping.as_bytes()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("330702001008003"), "the error names the grid it overlaps");
        let regions = get(&f, &admin, &format!("/admin/regions?code={COMMUNITY_A}")).await;
        assert!(regions.body.contains("的网格（共 3 个）"), "{}", t.label);
        t.cleanup().await;
    }
}
