//! Resident import and export, on every backend under test.

use crate::common;
use tongxin_testkit::both_backends;

use common::*;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_exchange::{ExportError, ImportError, MAX_ERRORS, export_residents, import_residents, resident_template};
use tongxin_store::residents::ResidentQuery;
use tongxin_store::{Page, Store};
use tongxin_testkit::all_stores;

async fn refused(store: &Store, file: &[u8]) -> ImportError {
    refused_in(store, &Scope::All, file).await
}

async fn refused_in(store: &Store, scope: &Scope, file: &[u8]) -> ImportError {
    let before = snapshot(store).await;
    let e = import_residents(store, &actor(), scope, file).await.expect_err("import must be refused");
    assert_eq!(snapshot(store).await, before, "nothing written: {e}");
    e
}

/// The errors as lines, checking each expected line is there and nothing else.
fn assert_errors(e: &ImportError, expected: &[&str]) {
    let lines: Vec<String> = e.rows().iter().map(ToString::to_string).collect();
    for x in expected {
        assert!(lines.iter().any(|l| l.starts_with(x)), "missing «{x}» in:\n{}", lines.join("\n"));
    }
    assert_eq!(lines.len(), expected.len(), "{}", lines.join("\n"));
}

/// Three valid rows: two people in 1幢 1-101 (west grid), one in the east grid's 1幢.
fn three_rows() -> Vec<Vec<Cell>> {
    let a = id((1950, 3, 4), 11); // male
    let b = id((1952, 6, 7), 22); // female
    let c = id((1990, 1, 2), 33); // male
    vec![
        vec![
            txt("张建国"),
            txt("男"),
            Cell::Date(1950, 3, 4),
            txt(a.as_str()),
            txt("13812345678"),
            txt(GRID_WEST),
            txt("1幢"),
            Cell::Num(1.0),
            txt("101"),
            txt("户主"),
            txt("独居老人、高龄"),
        ],
        vec![
            txt("李秀英"),
            txt("女"),
            txt("1952/6/7"),
            txt(b.as_str()),
            Cell::Empty,
            txt(GRID_WEST),
            txt("1幢"),
            txt("1"),
            Cell::Num(101.0),
            txt("配偶"),
            txt("低保,重点关注"),
        ],
        vec![
            txt("王小明"),
            Cell::Empty,
            txt("19900102"),
            txt(c.as_str()),
            txt("+86 139-0000-1111"),
            txt(GRID_EAST),
            txt("1幢"),
            txt("2单元"),
            txt("302"),
            Cell::Empty,
            Cell::Empty,
        ],
    ]
}

both_backends! {
    async fn imports_residents_and_their_households(t: TestStore) {
        let s = &t.store;
        with_grids(s).await;
        let before = snapshot(s).await;
        let file = xlsx(&HEADERS, &three_rows());
        let report = import_residents(s, &actor(), &street_scope(), &file).await.unwrap();
        assert_eq!(report.residents, 3, "{}", t.label);
        assert_eq!(report.households_created, 2);
        assert_eq!(report.sha256.len(), 64);
        let after = snapshot(s).await;
        assert_eq!(after.residents, before.residents + 3);
        assert_eq!(after.households, before.households + 2);
        assert_eq!(after.audit, before.audit + 1, "one audit record for the import");
        let audit = s.audit().list(None, Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "resident.import");
        assert!(audit[0].fields.detail.contains("导入居民 3 人"));
        assert!(audit[0].fields.detail.contains(&report.sha256));

        let found = s.residents().search(&Scope::All, &ResidentQuery::default(), Page::default()).await.unwrap().items;
        let zhang = found.iter().find(|r| r.name == "张建国").unwrap();
        let li = found.iter().find(|r| r.name == "李秀英").unwrap();
        let wang = found.iter().find(|r| r.name == "王小明").unwrap();
        assert_eq!(zhang.household_id, li.household_id, "same building, unit and room");
        assert_ne!(zhang.household_id, wang.household_id);
        assert_eq!(zhang.tags, "独居老人,高龄");
        assert_eq!(li.tags, "低保,重点关注");
        assert_eq!(wang.relation, "其他", "the default relation");
        assert_eq!(wang.phone_masked.as_deref(), Some("139****1111"));
        let h = s.places().household(&Scope::All, wang.household_id.unwrap()).await.unwrap();
        assert_eq!((h.building_id, h.unit_no, h.room_no.as_str()), (3, 2, "302"));

        // A second import into an existing household reuses it.
        let d = id((2015, 5, 5), 44);
        let file =
            xlsx(&HEADERS, &[with(person("张小宝", &d, GRID_WEST, "1幢", 1.0, "101"), "与户主关系", txt("孙子女"))]);
        let report = import_residents(s, &actor(), &Scope::All, &file).await.unwrap();
        assert_eq!((report.residents, report.households_created), (1, 0));
        assert_eq!(snapshot(s).await.households, after.households);
    }
}

both_backends! {
    async fn refuses_an_invalid_check_digit(t: TestStore) {
        with_grids(&t.store).await;
        let good = id((1980, 8, 9), 55);
        let mut bad = good.as_str().to_string();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        let mut rows = three_rows();
        rows[1] = with(rows[1].clone(), "身份证号", txt(&bad));
        rows[1] = with(rows[1].clone(), "出生日期", Cell::Empty);
        rows[1] = with(rows[1].clone(), "性别", Cell::Empty);
        let e = refused(&t.store, &xlsx(&HEADERS, &rows)).await;
        assert_errors(&e, &["第 3 行【身份证号】：身份证号校验位错误：应为"]);
    }
}

both_backends! {
    async fn refuses_an_id_number_twice_in_the_file(t: TestStore) {
        with_grids(&t.store).await;
        let mut rows = three_rows();
        let dup = id((1950, 3, 4), 11);
        rows.push(person("张冒名", &dup, GRID_EAST, "1幢", 1.0, "201"));
        let e = refused(&t.store, &xlsx(&HEADERS, &rows)).await;
        assert_errors(&e, &["第 5 行【身份证号】：身份证号与第 2 行重复"]);
    }
}

both_backends! {
    async fn refuses_an_id_number_already_registered(t: TestStore) {
        let s = &t.store;
        with_grids(s).await;
        import_residents(s, &actor(), &Scope::All, &xlsx(&HEADERS, &three_rows())).await.unwrap();
        let fresh = id((1970, 1, 1), 66);
        let again = id((1990, 1, 2), 33);
        let file = xlsx(
            &HEADERS,
            &[
                person("新居民", &fresh, GRID_WEST, "2幢", 1.0, "101"),
                person("王小明", &again, GRID_EAST, "1幢", 2.0, "302"),
            ],
        );
        let e = refused(s, &file).await;
        assert_errors(&e, &["第 3 行【身份证号】：该身份证号已登记"]);
    }
}

both_backends! {
    async fn refuses_a_malformed_date_and_data_disagreeing_with_the_id_number(t: TestStore) {
        with_grids(&t.store).await;
        let mut rows = three_rows();
        rows[0] = with(rows[0].clone(), "出生日期", txt("1950年3月4日"));
        rows[1] = with(rows[1].clone(), "出生日期", txt("1952-06-08"));
        rows[2] = with(rows[2].clone(), "性别", txt("女"));
        let e = refused(&t.store, &xlsx(&HEADERS, &rows)).await;
        assert_errors(
            &e,
            &[
                "第 2 行【出生日期】：出生日期格式错误",
                "第 3 行【出生日期】：出生日期与身份证号不符（身份证号中为 1952-06-07）",
                "第 4 行【性别】：性别与身份证号不符（身份证号显示为男）",
            ],
        );
    }
}

both_backends! {
    async fn refuses_missing_and_unknown_columns(t: TestStore) {
        with_grids(&t.store).await;
        let headers = ["姓名", "籍贯", "网格编码", "楼栋", "单元", "房号", "姓名"];
        let rows = vec![vec![txt("张三"), txt("浙江"), txt(GRID_WEST), txt("1幢"), txt("1"), txt("101"), txt("张三")]];
        let e = refused(&t.store, &xlsx(&headers, &rows)).await;
        assert_errors(
            &e,
            &[
                "第 1 行【籍贯】：无法识别的列：籍贯",
                "第 1 行【姓名】：列重复：姓名",
                "第 1 行【身份证号】：缺少列：身份证号",
            ],
        );
    }
}

both_backends! {
    async fn refuses_an_unknown_grid_and_one_outside_the_scope(t: TestStore) {
        let s = &t.store;
        with_grids(s).await;
        let mut rows = three_rows();
        rows[0] = with(rows[0].clone(), "网格编码", txt("330702001001009"));
        rows[1] = with(rows[1].clone(), "网格编码", txt(GRID_OTHER));
        rows[2] = with(rows[2].clone(), "网格编码", txt("33070200100100"));
        let e = refused_in(s, &street_scope(), &xlsx(&HEADERS, &rows)).await;
        assert_errors(
            &e,
            &[
                "第 2 行【网格编码】：网格 330702001001009 不存在",
                "第 3 行【网格编码】：网格 330702002001001 不在您的管辖范围内",
                "第 4 行【网格编码】：网格编码“33070200100100”无效",
            ],
        );
        // A department may not touch residents at all.
        let dept = Scope::Department { id: 1, street: RegionCode::parse(STREET).unwrap() };
        let e = refused_in(s, &dept, &xlsx(&HEADERS, &three_rows()[..1])).await;
        assert_errors(&e, &["第 2 行【网格编码】：网格 330702001001001 不在您的管辖范围内"]);
    }
}

both_backends! {
    async fn refuses_an_unknown_building(t: TestStore) {
        with_grids(&t.store).await;
        let mut rows = three_rows();
        // 2幢 exists, but in the west grid, not the east one.
        rows[2] = with(rows[2].clone(), "楼栋", txt("2幢"));
        let e = refused(&t.store, &xlsx(&HEADERS, &rows)).await;
        assert_errors(&e, &["第 4 行【楼栋】：网格 330702001001002 中没有名为“2幢”的楼栋"]);
    }
}

both_backends! {
    async fn refuses_empty_required_cells_and_bad_values(t: TestStore) {
        with_grids(&t.store).await;
        let mut rows = three_rows();
        rows[0] = with(rows[0].clone(), "姓名", txt("  "));
        rows[0] = with(rows[0].clone(), "房号", Cell::Empty);
        rows[1] = with(rows[1].clone(), "手机号", txt("12345"));
        rows[1] = with(rows[1].clone(), "单元", txt("一"));
        rows[2] = with(rows[2].clone(), "身份证号", Cell::Num(330702199001020331.0));
        let e = refused(&t.store, &xlsx(&HEADERS, &rows)).await;
        assert_errors(
            &e,
            &[
                "第 2 行【姓名】：姓名不能为空",
                "第 2 行【房号】：房号不能为空",
                "第 3 行【手机号】：手机号应为 11 位数字",
                "第 3 行【单元】：单元“一”无效",
                "第 4 行【身份证号】：身份证号须以文本格式填写",
            ],
        );
        match refused(&t.store, b"PK not really a zip").await {
            ImportError::Malformed(m) => assert!(m.contains("xlsx"), "{m}"),
            other => panic!("{other:?}"),
        }
        match refused(&t.store, &xlsx(&HEADERS, &[])).await {
            ImportError::Malformed(m) => assert!(m.contains("没有数据行"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn exports_masked_by_default_and_audits_unmasked_exports() {
    for t in all_stores().await {
        let s = &t.store;
        with_grids(s).await;
        import_residents(s, &actor(), &Scope::All, &xlsx(&HEADERS, &three_rows())).await.unwrap();
        let audit_before = snapshot(s).await.audit;

        let masked = export_residents(s, &street_scope(), &actor(), false).await.unwrap();
        assert_eq!(snapshot(s).await.audit, audit_before, "masked export is not audited");
        let sheet = read_sheet(&masked);
        assert_eq!(sheet[0], HEADERS);
        assert_eq!(sheet.len(), 4);
        let zhang = sheet.iter().find(|r| r[0] == "张建国").unwrap();
        let a = id((1950, 3, 4), 11);
        assert_eq!(zhang[3], a.masked());
        assert_eq!(zhang[4], "138****5678");
        assert_eq!(zhang[1], "男");
        assert_eq!(zhang[2], "", "no birth date beside a masked ID (issue 9, High 1)");
        assert_eq!(zhang[10], "独居老人、高龄");

        // A masked file does not import back: the numbers are not numbers.
        let other = tongxin_testkit::sqlite_store().await;
        with_grids(&other.store).await;
        let e = refused(&other.store, &masked).await;
        assert!(e.to_string().contains("身份证号"), "{e}");
        other.cleanup().await;

        let unmasked = export_residents(s, &street_scope(), &actor(), true).await.unwrap();
        assert_eq!(snapshot(s).await.audit, audit_before + 1);
        let audit = s.audit().list(None, Page::default()).await.unwrap();
        assert_eq!(audit[0].fields.action, "resident.export_unmasked");
        assert!(audit[0].fields.detail.contains("3 人"));
        let sheet = read_sheet(&unmasked);
        let zhang = sheet.iter().find(|r| r[0] == "张建国").unwrap();
        assert_eq!(zhang[3], a.as_str());
        assert_eq!(zhang[4], "13812345678");

        // Out of the people scope: a grid scope sees its own residents only, a department none.
        let grid_scope = Scope::Region { code: RegionCode::parse(GRID_EAST).unwrap() };
        let east = export_residents(s, &grid_scope, &actor(), false).await.unwrap();
        assert_eq!(read_sheet(&east).len(), 2);
        let dept = Scope::Department { id: 1, street: RegionCode::parse(STREET).unwrap() };
        assert_eq!(export_residents(s, &dept, &actor(), false).await, Err(ExportError::NoPeopleScope));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_unmasked_export_imports_back_into_an_empty_database() {
    for t in all_stores().await {
        let s = &t.store;
        with_grids(s).await;
        import_residents(s, &actor(), &Scope::All, &xlsx(&HEADERS, &three_rows())).await.unwrap();
        let exported = export_residents(s, &Scope::All, &actor(), true).await.unwrap();

        for fresh in all_stores().await {
            let f = &fresh.store;
            with_grids(f).await;
            let report = import_residents(f, &actor(), &Scope::All, &exported).await.unwrap();
            assert_eq!((report.residents, report.households_created), (3, 2));
            let list = |st: &Store| {
                let st = st.clone();
                async move {
                    let mut v: Vec<_> = st
                        .residents()
                        .search(&Scope::All, &ResidentQuery::default(), Page::default())
                        .await
                        .unwrap()
                        .items
                        .into_iter()
                        .map(|r| {
                            (
                                r.name,
                                r.gender,
                                r.birth_date,
                                r.relation,
                                r.id_masked,
                                r.phone_masked,
                                r.tags,
                                r.grid_code,
                            )
                        })
                        .collect();
                    v.sort();
                    v
                }
            };
            assert_eq!(list(f).await, list(s).await, "{} → {}", t.label, fresh.label);
            let again = export_residents(f, &Scope::All, &actor(), true).await.unwrap();
            assert_eq!(read_sheet(&again), read_sheet(&exported));
            fresh.cleanup().await;
        }
        t.cleanup().await;
    }
}

both_backends! {
    async fn lists_at_most_two_hundred_errors_and_counts_the_rest(t: TestStore) {
        with_grids(&t.store).await;
        let rows: Vec<Vec<Cell>> = (0..250)
            .map(|i| {
                let mut row = person("某人", &id((1960, 1, 1), i), GRID_WEST, "1幢", 1.0, "101");
                row[3] = txt("123");
                row
            })
            .collect();
        let e = refused(&t.store, &xlsx(&HEADERS, &rows)).await;
        assert_eq!(e.rows().len(), MAX_ERRORS + 1);
        assert_eq!(e.rows()[0].to_string(), "第 2 行【身份证号】：身份证号应为 18 位，实为 3 位");
        assert_eq!(e.rows()[MAX_ERRORS].to_string(), "其余：另有 50 处错误未列出，请改正以上错误后重新导入");
        assert!(e.to_string().starts_with("导入失败，未写入任何数据：\n第 2 行"));
    }
}

#[test]
fn the_template_holds_the_headers_only() {
    assert_eq!(read_sheet(&resident_template().unwrap()), [HEADERS]);
}
