//! Issue 9, item 5: hostile and randomly damaged files through the importers (xlsx residents,
//! GeoJSON grids). Each must end in a result or a Chinese error — no panic, no hang, no
//! allocation beyond the caps. Budgets are held by the importers' caps on what they read; the
//! timeout here is only a hang detector (generous, for a loaded debug build), not a measurement.

use crate::common;
use tongxin_testkit::both_backends;

use common::*;
use serde_json::json;
use std::time::Duration;
use tongxin_domain::kernel::access::Scope;
use tongxin_exchange::{ImportError, import_grids, import_residents};
use tongxin_store::Store;
use tongxin_testkit::RngExt;
use tongxin_testkit::sqlite_store;

const HANG: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// A minimal zip writer (stored entries), to make workbooks no spreadsheet program would write.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A zip of `(name, data, declared uncompressed size)` entries, stored without compression.
fn zip(entries: &[(&str, Vec<u8>, Option<u32>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, declared) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let usize_ = declared.unwrap_or(size);
        let mut local = Vec::new();
        local.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&size.to_le_bytes());
        local.extend_from_slice(&usize_.to_le_bytes());
        local.extend_from_slice(&(name.len() as u16).to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&local);
        out.extend_from_slice(data);
        central.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&usize_.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// A workbook of one sheet whose `<sheetData>` is `rows` (XML), as calamine reads them.
fn workbook(sheet_data: &str, declared_sheet_size: Option<u32>) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let book = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="居民" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let book_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    zip(&[
        ("[Content_Types].xml", content_types.as_bytes().to_vec(), None),
        ("_rels/.rels", rels.as_bytes().to_vec(), None),
        ("xl/workbook.xml", book.into_bytes(), None),
        ("xl/_rels/workbook.xml.rels", book_rels.as_bytes().to_vec(), None),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes(), declared_sheet_size),
    ])
}

fn inline(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn header_row() -> String {
    let cols = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"];
    let cells: String = HEADERS.iter().zip(cols).map(|(h, c)| inline(&format!("{c}1"), h)).collect();
    format!(r#"<row r="1">{cells}</row>"#)
}

/// Runs the resident import under the hang detector; the outcome, which must not be a panic.
async fn import_xlsx(store: &Store, file: &[u8]) -> Result<(), ImportError> {
    tokio::time::timeout(HANG, import_residents(store, &actor(), &Scope::All, file))
        .await
        .expect("the resident import hung")
        .map(|_| ())
}

async fn import_geojson(store: &Store, file: &[u8]) -> Result<(), ImportError> {
    tokio::time::timeout(HANG, import_grids(store, &actor(), &Scope::All, file))
        .await
        .expect("the grid import hung")
        .map(|_| ())
}

fn malformed(r: Result<(), ImportError>, what: &str) -> String {
    match r {
        Err(ImportError::Malformed(m)) => m,
        other => panic!("{what}: expected a refusal of the whole file, got {other:?}"),
    }
}

both_backends! {
    /// The 1.6 KB workbook that asked for 549 GB, and its relatives: refused before the grid is built.
    async fn hostile_workbooks_are_refused(t: TestStore) {
        let store = &t.store;
        regions(store).await;
        let before = snapshot(store).await;

        let corner =
            workbook(&format!(r#"{}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#, header_row()), None);
        assert!(corner.len() < 4096, "a small file: {} bytes", corner.len());
        let m = malformed(import_xlsx(store, &corner).await, "A1 and XFD1048576");
        assert!(m.contains("工作表过大") && m.contains("1048576"), "{m}");

        // Just past each cap, written by a real spreadsheet library.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in HEADERS.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(tongxin_exchange::MAX_SHEET_ROWS, 0, "远处").unwrap();
        let far_row = book.save_to_buffer().unwrap();
        assert!(malformed(import_xlsx(store, &far_row).await, "far row").contains("工作表过大"));
        let far_column = workbook(&format!(r#"{}<row r="2">{}</row>"#, header_row(), inline("CW2", "x")), None);
        assert!(malformed(import_xlsx(store, &far_column).await, "column 101").contains("列"));

        // A zip entry declaring 3 GB unpacked (a zip bomb's signature).
        let bomb = workbook(&header_row(), Some(3_000_000_000));
        assert!(malformed(import_xlsx(store, &bomb).await, "bomb").contains("解压后"));

        // Coordinates no sheet has, deep nesting, and plain garbage: refused, not a panic.
        for (what, data) in [
            ("row number beyond u32", format!(r#"<row r="99999999999">{}</row>"#, inline("A99999999999", "x"))),
            ("column letters beyond u32", format!(r#"<row r="2">{}</row>"#, inline("ZZZZZZZZZZ2", "x"))),
            ("negative row", format!(r#"<row r="-1">{}</row>"#, inline("A-1", "x"))),
            ("deep nesting", format!("{}{}", "<x>".repeat(50_000), "</x>".repeat(50_000))),
            ("unclosed", "<row r=\"1\"><c r=\"A1\"><v>".to_string()),
        ] {
            let r = import_xlsx(store, &workbook(&data, None)).await;
            assert!(r.is_err(), "{what}: accepted");
        }
        for (what, file) in [
            ("empty", Vec::new()),
            ("not a zip", b"PK\x03\x04 not really".to_vec()),
            ("cut in half", corner[..corner.len() / 2].to_vec()),
        ] {
            assert!(matches!(import_xlsx(store, &file).await, Err(ImportError::Malformed(_))), "{what}");
        }
        assert_eq!(snapshot(store).await, before, "{}: nothing written", t.label);
    }
}

/// Random damage to a good workbook, in its XML and in its zip bytes: a result or an error.
#[tokio::test]
async fn damaged_workbooks_never_panic() {
    let t = sqlite_store().await;
    let store = &t.store;
    with_grids(store).await;
    let good_rows = format!(
        r#"{}<row r="2">{}{}{}{}{}{}{}</row>"#,
        header_row(),
        inline("A2", "张三"),
        inline("D2", id((1990, 1, 2), 1).as_str()),
        inline("F2", GRID_WEST),
        inline("G2", "1幢"),
        inline("H2", "1"),
        inline("I2", "101"),
        inline("J2", "户主")
    );
    let pieces: Vec<&str> =
        vec!["<", ">", "r=\"", "XFD", "1048576", "99999", "\"", "/", "<c>", "</row>", "t=\"s\"", "\0", "&#0;", "-"];
    let mut rng = tongxin_testkit::seeded_rng(9);
    for round in 0..150 {
        let file = if round % 2 == 0 {
            // Damage the sheet's XML text, then pack it properly.
            let mut xml = good_rows.clone();
            for _ in 0..1 + rng.random::<u64>() % 4 {
                let at = (rng.random::<u64>() as usize) % xml.len();
                let at = (0..=at).rev().find(|i| xml.is_char_boundary(*i)).unwrap_or(0);
                let piece: &&str = &pieces[rng.random_range(0..pieces.len())];
                xml.insert_str(at, piece);
            }
            workbook(&xml, None)
        } else {
            // Damage the packed bytes.
            let mut bytes = workbook(&good_rows, None);
            for _ in 0..1 + rng.random::<u64>() % 8 {
                let at = (rng.random::<u64>() as usize) % bytes.len();
                bytes[at] = rng.random::<u64>() as u8;
            }
            if rng.random::<u64>().is_multiple_of(4) {
                bytes.truncate((rng.random::<u64>() as usize) % bytes.len());
            }
            bytes
        };
        let _ = import_xlsx(store, &file).await;
    }
    t.cleanup().await;
}

both_backends! {
    /// GeoJSON: deep nesting, absurd numbers, too many features or vertices, and random damage.
    async fn hostile_and_damaged_geojson_is_refused(t: TestStore) {
        let store = &t.store;
        regions(store).await;
        let grid = |i: usize| format!("330702001001{:03}", i % 999 + 1);

        let deep =
            format!(r#"{{"type":"FeatureCollection","features":[{}1{}]}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(malformed(import_geojson(store, deep.as_bytes()).await, "deep").contains("JSON"));
        let huge_number = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330702001001001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1e999,0],[1,0],[1,1],[0,0]]]}}]}"#;
        assert!(import_geojson(store, huge_number.as_bytes()).await.is_err());
        let gigantic = collection(vec![feature(
            &grid(1),
            "巨大",
            json!({"type": "Polygon", "coordinates": [[[1e308, 1e308], [-1e308, 1e308], [-1e308, -1e308], [1e308, 1e308]]]}),
        )]);
        assert!(matches!(import_geojson(store, &gigantic).await, Err(ImportError::Rows(_))));
        let nan = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330702001001001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[["NaN",0],[1,0],[1,1],["NaN",0]]]}}]}"#;
        assert!(import_geojson(store, nan).await.is_err());

        let many = collection(
            (0..tongxin_exchange::MAX_GRID_FEATURES + 1)
                .map(|i| feature(&grid(i), "多", json!({"type": "Point", "coordinates": [0, 0]})))
                .collect(),
        );
        assert!(malformed(import_geojson(store, &many).await, "features").contains("要素过多"));

        // A comb: a ring whose edges all overlap in longitude, the worst case of the edge sweep.
        let comb = |teeth: usize| {
            let mut ring = Vec::new();
            for k in 0..teeth {
                let y = 29.0 + k as f64 * 1e-5;
                ring.push(json!([119.0, y]));
                ring.push(json!([119.1, y + 5e-6]));
            }
            ring.push(ring[0].clone());
            json!({"type": "Polygon", "coordinates": [ring]})
        };
        let one_big = collection(vec![feature(&grid(1), "梳子", comb(tongxin_exchange::MAX_POLYGON_VERTICES))]);
        let e = import_geojson(store, &one_big).await.unwrap_err();
        assert!(e.to_string().contains("顶点过多"), "{e}");
        let per_feature = tongxin_exchange::MAX_POLYGON_VERTICES / 2 - 2;
        let n = tongxin_exchange::MAX_FILE_VERTICES / per_feature + 2;
        let many_big_vertices = collection((0..n).map(|i| feature(&grid(i), "梳", comb(per_feature))).collect());
        assert!(malformed(import_geojson(store, &many_big_vertices).await, "vertices").contains("顶点过多"));

        // Random damage to a good collection.
        let good =
            String::from_utf8(collection(vec![feature(&grid(5), "好", square(119.0, 29.0, 119.001, 29.001))])).unwrap();
        let pieces = ["[", "]", "{", "}", "1e308", "-", ",", "\"", "null", "NaN", "\\u0000", "99999999999999999999"];
        let mut rng = tongxin_testkit::seeded_rng(7);
        for _ in 0..150 {
            let mut text = good.clone();
            for _ in 0..1 + rng.random::<u64>() % 4 {
                let at = (rng.random::<u64>() as usize) % text.len();
                let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                let piece: &&str = &pieces[rng.random_range(0..pieces.len())];
                text.insert_str(at, piece);
            }
            let _ = import_geojson(store, text.as_bytes()).await;
        }
    }
}

both_backends! {
    /// Items 4 and 13: every text cell of a resident row and a grid's name are bounded and hold no
    /// NUL or control character; the refusal names the column and does not quote the bad value.
    async fn resident_cells_and_grid_names_are_bounded_and_printable(t: TestStore) {
        let store = &t.store;
        with_grids(store).await;
        let before = snapshot(store).await;
        let good = person("张三", &id((1990, 1, 2), 5), GRID_WEST, "1幢", 1.0, "101");
        let long = "长".repeat(201);
        for header in ["姓名", "楼栋", "房号", "与户主关系", "标签", "性别", "手机号"] {
            for (what, value) in [
                ("NUL", "有\0空"),
                ("a control character", "响\u{7}铃"),
                ("a line break", "两\n行"),
                ("201 characters", long.as_str()),
            ] {
                let file = xlsx(&HEADERS, &[with(good.clone(), header, txt(value))]);
                let e = import_xlsx(store, &file).await.expect_err(what);
                let lines: Vec<String> = e.rows().iter().map(ToString::to_string).collect();
                assert!(
                    lines.iter().any(|l| l.contains(header)
                        && (l.contains("控制字符") || l.contains("空字符") || l.contains("不能超过"))),
                    "{header} with {what}: {lines:?}"
                );
                assert!(
                    lines.iter().all(|l| l.len() < 400),
                    "{header} with {what}: the value is not quoted: {lines:?}"
                );
            }
        }
        for name in ["有\0空", "响\u{7}铃", "两\n行"] {
            let file = collection(vec![feature("330702001001009", name, square(119.0, 29.0, 119.001, 29.001))]);
            let e = import_geojson(store, &file).await.expect_err(name);
            assert!(e.to_string().contains("网格名称") && e.to_string().contains("字符"), "{e}");
        }
        assert_eq!(snapshot(store).await, before, "{}: nothing written", t.label);
    }
}
