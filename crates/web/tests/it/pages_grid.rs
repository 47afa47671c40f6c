//! The 网格员 pages in-process, on both storage backends: only a grid worker's grid is shown
//! (another grid's resident or household is the 404 page), personal numbers stay masked, lists
//! are paginated, forms are CSRF-checked, refused forms say why next to the field, a patrol
//! report may close on the spot, and visits are recorded with an audit record.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use chrono::NaiveDate;
use support::pages::*;
use support::*;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::Page;
use tongxin_store::cases::read::QueueFilter;
use tongxin_store::places::{NewHousehold, insert_households};

/// The patrol form's one `photo`.
fn photo(bytes: &[u8]) -> Upload<'_> {
    Upload { field: "photo", filename: "p.png".into(), content_type: "image/png", bytes }
}

async fn patrol_cases(f: &Fixture) -> Vec<tongxin_store::cases::read::CaseView> {
    let filter = QueueFilter { channel: Some("patrol".into()), ..QueueFilter::default() };
    f.store.cases().queue(&Scope::All, &filter, Page::new(Some(1), Some(200))).await.unwrap().items
}

both_backends! {
    async fn grid_pages_belong_to_grid_workers(t: TestStore) {
        let f = fixture(&t).await;
        let anon = Session::default();
        for path in ["/grid", "/grid/patrol", "/grid/households", "/grid/visits", "/grid/residents/1"] {
            let r = get(&f, &anon, path).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{} {path}", t.label);
            assert!(location(&r).starts_with("/login?next="), "{path}");
        }
        // Staff whose scope is not one grid are refused (in Chinese).
        for who in [Who::Dispatcher, Who::Community, Who::Department, Who::Admin] {
            let s = login(&f, who).await;
            let r = get(&f, &s, "/grid").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {who:?}", t.label);
            assert!(r.body.contains("本页面供网格员使用"), "{who:?}");
        }
        let s = login(&f, Who::Grid).await;
        let r = get(&f, &s, "/grid").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert!(r.body.contains("我的网格") && r.body.contains("桃园一网格"));
        assert!(r.body.len() < 100_000);
    }
}

both_backends! {
    async fn my_grid_shows_my_teams_tasks_and_the_open_cases_of_my_grid_paginated(t: TestStore) {
        let f = fixture(&t).await;
        // Garbage in grid A1 goes straight to the A1 grid team.
        let rule = tongxin_store::cases::categories::RuleRow {
            id: 0,
            category_code: "city.garbage".into(),
            area_kind: "grid".into(),
            area_code: GRID_A1.into(),
            target_kind: "grid".into(),
            target_ref: GRID_A1.into(),
            auto_dispatch: true,
            version: 1,
        };
        f.store.categories().create_rule(&tongxin_store::Actor::system("test"), &rule).await.unwrap();
        f.state.cases.reload().await.unwrap();
        for i in 0..12 {
            let r = tongxin_app::cases::Report {
                channel: tongxin_domain::case::Channel::Web,
                category: "city.garbage".into(),
                urgency: None,
                title: Some(format!("垃圾堆积第{i:02}处")),
                description: format!("小区垃圾堆积第{i}处"),
                place: tongxin_app::cases::Place::Grid { code: GRID_A1.into() },
                address: format!("小区{i}号"),
                requester_name: None,
                phone: None,
                photos: Vec::new(),
                reporter: tongxin_app::cases::Reporter::System("test".into()),
                on_spot_reply: None,
            };
            f.state.cases.report(r).await.unwrap();
        }
        let s = login(&f, Who::Grid).await;
        let r = get(&f, &s, "/grid").await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        let tasks = r.body.split("id=\"open-h\"").next().unwrap();
        assert_eq!(tasks.matches("垃圾堆积第").count(), 10, "{}: first page of tasks", t.label);
        assert!(tasks.contains("href=\"/grid?page=1&#38;tpage=2\""), "{}", tasks);
        // The department's noise case is open in my grid but not my team's task.
        assert!(!tasks.contains("楼下烧烤店噪音扰民"));
        assert!(r.body.contains("/cases/"));
        assert!(r.body.contains("light green") || r.body.contains("light yellow"));
        let open = r.body.split("id=\"open-h\"").nth(1).unwrap();
        assert!(open.contains("<span class=\"badge\">13</span>"), "{}: 12 tasks and the noise case", t.label);
        assert!(!r.body.contains("广场舞噪音扰民"), "another street's case");

        let r2 = get(&f, &s, "/grid?tpage=2").await;
        let tasks2 = r2.body.split("id=\"open-h\"").next().unwrap();
        assert_eq!(tasks2.matches("垃圾堆积第").count(), 2, "{}", t.label);
        let r3 = get(&f, &s, "/grid?page=2").await;
        let open2 = r3.body.split("id=\"open-h\"").nth(1).unwrap();
        assert_eq!(open2.matches("<li class=\"card\">").count(), 3, "{}", t.label);
        // Garbage page numbers are the first page, not an error.
        assert_eq!(get(&f, &s, "/grid?page=abc&tpage=-1").await.status, StatusCode::OK);
    }
}

both_backends! {
    async fn a_patrol_report_can_close_on_the_spot_and_bad_reports_are_refused_by_field(t: TestStore) {
        let f = fixture(&t).await;
        let s = login(&f, Who::Grid).await;
        let form = get(&f, &s, "/grid/patrol").await;
        assert_eq!(form.status, StatusCode::OK, "{}", t.label);
        assert!(form.body.contains("小区1幢"), "my grid's building");
        assert!(!form.body.contains("小区2幢") && !form.body.contains("小区3幢"), "other grids' buildings");
        assert!(form.body.contains("已就地解决") && form.body.contains("enctype=\"multipart/form-data\""));
        assert!(form.body.contains(&format!("value=\"{}\"", csrf(&s))));

        let token = csrf(&s);
        let b1 = f.ids.building_a1.to_string();
        let r = post_form(
            &f,
            &s,
            "/grid/patrol",
            &[
                ("_csrf", &token),
                ("category", "city.garbage"),
                ("description", "单元门口堆放杂物"),
                ("building", &b1),
                ("address", ""),
                ("on_spot", "1"),
                ("on_spot_reply", "已联系住户清理完毕"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        assert!(flash_of(&r).contains("已上报并就地解决"), "{}", flash_of(&r));
        let cases = patrol_cases(&f).await;
        assert_eq!(cases.len(), 1);
        let c = &cases[0];
        assert_eq!(c.grid_code.as_deref(), Some(GRID_A1));
        assert_eq!(c.building_id, Some(f.ids.building_a1));
        assert!(!c.open, "{}: closed on the spot, status {}", t.label, c.status.as_str());
        let events = f.store.cases().events(c.id).await.unwrap();
        assert!(events.iter().any(|e| e.kind == "handled_on_spot" && e.note.contains("已联系住户清理完毕")));

        // With an address only and a photo (multipart), left open for dispatch.
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
        let r = post_multipart(
            &f,
            &s,
            "/grid/patrol",
            &[
                ("_csrf", &token),
                ("category", "city.road"),
                ("description", "路面坑洼"),
                ("address", "桃园路 12 号门口"),
            ],
            &[photo(png)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        assert!(flash_of(&r).contains("已上报"));
        let cases = patrol_cases(&f).await;
        let road = cases.iter().find(|c| c.category_code == "city.road").unwrap();
        assert!(road.open && road.address == "桃园路 12 号门口" && road.grid_code.as_deref() == Some(GRID_A1));

        // Refused, each with the reason next to its field, and nothing written.
        let b3 = f.ids.building_c1.to_string();
        for (fields, says) in [
            (
                vec![("category", "city.garbage"), ("description", "x"), ("on_spot", "1"), ("building", b1.as_str())],
                "请填写处理情况",
            ),
            (vec![("category", "city.garbage"), ("description", "x")], "请选择楼栋或填写地址"),
            (vec![("category", "city.garbage"), ("description", "x"), ("building", b3.as_str())], "所选楼栋不在本网格"),
            (vec![("category", "nope"), ("description", "x"), ("address", "某处")], "请选择有效的诉求类别"),
            (vec![("category", "city.garbage"), ("description", "  "), ("address", "某处")], "请描述您反映的问题"),
        ] {
            let mut all = vec![("_csrf", token.as_str())];
            all.extend(fields);
            let r = post_form(&f, &s, "/grid/patrol", &all).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {says}", t.label);
            assert!(r.body.contains("class=\"field-error\"") && r.body.contains(says), "{says}: {}", r.body);
        }
        let r = post_multipart(
            &f,
            &s,
            "/grid/patrol",
            &[("_csrf", &token), ("category", "city.road"), ("description", "假照片"), ("address", "某处")],
            &[photo(b"GIF89a not a photo")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        // A wrong or missing token: the 403 page.
        let r = post_form(
            &f,
            &s,
            "/grid/patrol",
            &[("_csrf", "wrong"), ("category", "city.garbage"), ("description", "x"), ("address", "y")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("CSRF"));
        let r = post_multipart(
            &f,
            &s,
            "/grid/patrol",
            &[("category", "city.road"), ("description", "y"), ("address", "z")],
            &[photo(png)],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(patrol_cases(&f).await.len(), 2, "{}", t.label);
    }
}

both_backends! {
    async fn households_and_residents_are_masked_scoped_searchable_and_paginated(t: TestStore) {
        let f = fixture(&t).await;
        // Eleven more households in A1: two pages of ten.
        let mut tx = f.store.db.begin().await.unwrap();
        let more: Vec<NewHousehold> = (0..11)
            .map(|i| NewHousehold {
                id: 100 + i,
                building_id: f.ids.building_a1,
                grid_code: GRID_A1.into(),
                unit_no: 2,
                room_no: format!("{}", 201 + i),
                address: format!("小区1幢2单元{}室", 201 + i),
            })
            .collect();
        insert_households(&mut tx, &more, f.store.now()).await.unwrap();
        tongxin_store::bulk::sync_id_sequence(&mut tx, "households").await.unwrap();
        tx.commit().await.unwrap();

        let s = login(&f, Who::Grid).await;
        let full_id = IdNumber::compose("330702", NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(), 1);
        let r = get(&f, &s, "/grid/households").await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert!(r.body.contains("王建国") && r.body.contains("12 户"), "{}", t.label);
        assert!(r.body.contains("138****0001"), "masked phone");
        assert!(r.body.contains(&format!("{}**********{}", &full_id.as_str()[..4], &full_id.as_str()[14..])));
        assert!(!r.body.contains(full_id.as_str()) && !r.body.contains("13800000001"), "no full numbers");
        assert!(!r.body.contains("李秀英") && !r.body.contains("张伟"), "other grids' residents");
        assert_eq!(r.body.matches("记录走访").count(), 10, "first page of households");
        assert!(r.body.contains("href=\"/grid/households?page=2\""));
        let r2 = get(&f, &s, "/grid/households?page=2").await;
        assert_eq!(r2.body.matches("记录走访").count(), 2, "{}", t.label);

        // Search: by name, by the last four digits; a bad query is explained, not a 500.
        for q in ["%E7%8E%8B", "0001"] {
            let r = get(&f, &s, &format!("/grid/households?q={q}")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.body.contains("王建国") && r.body.contains("查找结果"), "{q}");
        }
        let r = get(&f, &s, "/grid/households?q=%E6%9D%8E").await;
        assert!(!r.body.contains("李秀英"), "a search never leaves my grid");
        let r = get(&f, &s, "/grid/households?q=123").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("class=\"error\""));
        let r = get(&f, &s, "/grid/households?tag=%E7%8B%AC%E5%B1%85%E8%80%81%E4%BA%BA").await;
        assert!(r.body.contains("王建国"));

        let r = get(&f, &s, &format!("/grid/residents/{}", f.ids.resident_a1)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert!(r.body.contains("王建国") && r.body.contains("138****0001") && r.body.contains("独居老人"));
        assert!(!r.body.contains(full_id.as_str()) && !r.body.contains("13800000001"));
        for id in [f.ids.resident_a2.to_string(), f.ids.resident_c1.to_string(), "999999".into(), "abc".into()] {
            let r = get(&f, &s, &format!("/grid/residents/{id}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {id}", t.label);
            assert!(r.body.contains("页面不存在") && !r.body.contains("李秀英") && !r.body.contains("张伟"));
        }
    }
}

both_backends! {
    async fn visits_are_recorded_validated_scoped_and_paginated(t: TestStore) {
        let f = fixture(&t).await;
        let s = login(&f, Who::Grid).await;
        let token = csrf(&s);
        let form = get(&f, &s, "/grid/visits").await;
        assert_eq!(form.status, StatusCode::OK, "{}", t.label);
        assert!(form.body.contains("小区1幢1单元101室") && !form.body.contains("小区3幢"));
        let h1 = f.ids.household_a1.to_string();
        let now = f.store.now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
        let at = (now - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M").to_string();
        let r = post_form(
            &f,
            &s,
            "/grid/visits",
            &[("_csrf", &token), ("household", &h1), ("kind", "走访"), ("visited_at", &at), ("note", "老人身体良好")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        assert_eq!(location(&r), format!("/grid/visits?household={h1}"));
        assert!(flash_of(&r).contains("已记录走访"));
        let list = get(&f, &s, &location(&r)).await;
        assert!(list.body.contains("老人身体良好") && list.body.contains("Grid"), "{}", list.body);
        let audit = f.store.audit().list(Some(("visit", "1")), Page::default()).await.unwrap();
        assert_eq!(audit.len(), 1, "{}", t.label);

        let h3 = f.ids.household_c1.to_string();
        let later = (now + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M").to_string();
        for (fields, says) in [
            (
                vec![("household", h3.as_str()), ("kind", "走访"), ("visited_at", at.as_str()), ("note", "x")],
                "住户不存在或不在本网格",
            ),
            (vec![("household", ""), ("kind", "走访"), ("visited_at", at.as_str()), ("note", "x")], "请选择走访的住户"),
            (
                vec![("household", h1.as_str()), ("kind", "闲聊"), ("visited_at", at.as_str()), ("note", "x")],
                "请选择走访类型",
            ),
            (
                vec![("household", h1.as_str()), ("kind", "排查"), ("visited_at", "昨天"), ("note", "x")],
                "请填写走访时间",
            ),
            (
                vec![("household", h1.as_str()), ("kind", "排查"), ("visited_at", later.as_str()), ("note", "x")],
                "走访时间不能晚于现在",
            ),
            (
                vec![("household", h1.as_str()), ("kind", "排查"), ("visited_at", at.as_str()), ("note", " ")],
                "请填写走访情况",
            ),
        ] {
            let mut all = vec![("_csrf", token.as_str())];
            all.extend(fields);
            let r = post_form(&f, &s, "/grid/visits", &all).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {says}", t.label);
            assert!(r.body.contains("class=\"field-error\"") && r.body.contains(says), "{says}");
        }
        let r = post_form(
            &f,
            &s,
            "/grid/visits",
            &[("_csrf", "nope"), ("household", &h1), ("kind", "走访"), ("visited_at", &at), ("note", "x")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(f.store.visits().list(&Scope::All, None, Page::default()).await.unwrap().total, 1, "{}", t.label);
        // Another grid's household: its visit list is the 404 page.
        assert_eq!(get(&f, &s, &format!("/grid/visits?household={h3}")).await.status, StatusCode::NOT_FOUND);

        for i in 0..11 {
            let note = format!("第{i:02}次排查");
            let r = post_form(
                &f,
                &s,
                "/grid/visits",
                &[("_csrf", &token), ("household", &h1), ("kind", "排查"), ("visited_at", &at), ("note", &note)],
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let p1 = get(&f, &s, "/grid/visits").await;
        assert_eq!(p1.body.matches("<li class=\"card\"><span class=\"badge\">").count(), 10, "{}", t.label);
        assert!(p1.body.contains("href=\"/grid/visits?page=2\""));
        let p2 = get(&f, &s, "/grid/visits?page=2").await;
        assert_eq!(p2.body.matches("<li class=\"card\"><span class=\"badge\">").count(), 2, "{}", t.label);
    }
}
