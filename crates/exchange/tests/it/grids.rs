//! Grid import and export, on every backend under test.

use crate::common;
use tongxin_testkit::both_backends;

use common::*;
use serde_json::json;
use tongxin_domain::kernel::access::Scope;
use tongxin_exchange::{ExportError, ImportError, export_grids, import_grids};
use tongxin_store::Store;
use tongxin_testkit::all_stores;

/// The one error message of a refused import (asserting there is exactly one).
fn only_error(e: ImportError) -> String {
    let rows = e.rows().to_vec();
    assert_eq!(rows.len(), 1, "expected one error, got: {e}");
    rows[0].to_string()
}

async fn refused(store: &Store, file: &[u8]) -> ImportError {
    let before = snapshot(store).await;
    let e = import_grids(store, &actor(), &Scope::All, file).await.expect_err("import must be refused");
    assert_eq!(snapshot(store).await, before, "nothing written: {e}");
    e
}

both_backends! {
    async fn imports_new_grids_then_replaces_them(t: TestStore) {
        let s = &t.store;
        regions(s).await;
        let before = snapshot(s).await;
        let file = collection(vec![
            feature("330702001001001", "东风一网格", square(119.60, 29.00, 119.61, 29.02)),
            feature("330702001001002", "东风二网格", square(119.61, 29.00, 119.62, 29.02)),
        ]);
        let report = import_grids(s, &actor(), &street_scope(), &file).await.unwrap();
        assert_eq!((report.created, report.updated), (2, 0), "{}", t.label);
        assert_eq!(report.codes, ["330702001001001", "330702001001002"]);
        let after = snapshot(s).await;
        assert_eq!(after.audit, before.audit + 2, "one audit record per grid");
        assert_eq!(after.geometry_revision, before.geometry_revision + 1);
        let grid = s.regions().shape("330702001001002").await.unwrap().unwrap();
        assert_eq!(grid.name, "东风二网格");
        assert_eq!(grid.parent_code.as_deref(), Some(COMMUNITY));

        // The same codes again, renamed and with the boundary between them moved: replaced.
        let file = collection(vec![
            feature("330702001001001", "东风北网格", square(119.60, 29.00, 119.612, 29.02)),
            feature("330702001001002", "东风南网格", square(119.612, 29.00, 119.62, 29.02)),
        ]);
        let report = import_grids(s, &actor(), &Scope::All, &file).await.unwrap();
        assert_eq!((report.created, report.updated), (0, 2), "{}", t.label);
        assert_eq!(s.regions().shape("330702001001001").await.unwrap().unwrap().name, "东风北网格");
        assert_eq!(snapshot(s).await.audit, after.audit + 2);
    }
}

both_backends! {
    async fn accepts_a_single_part_multipolygon_and_a_community_without_boundary(t: TestStore) {
        let s = &t.store;
        regions(s).await;
        let multi = json!({"type": "MultiPolygon", "coordinates": [[[[119.60, 29.00], [119.61, 29.00], [119.61, 29.01], [119.60, 29.00]]]]});
        let mut open = feature("330702001003001", "无界一网格", square(119.70, 29.00, 119.71, 29.01));
        open["properties"]["community_code"] = json!(COMMUNITY_OPEN);
        let file = collection(vec![feature("330702001001001", "三角网格", multi), open]);
        let report = import_grids(s, &actor(), &Scope::All, &file).await.unwrap();
        assert_eq!(report.created, 2, "{}", t.label);
        let g = s.regions().shape("330702001001001").await.unwrap().unwrap();
        assert!(g.geometry.unwrap().contains("\"Polygon\""));
    }
}

both_backends! {
    async fn refuses_a_self_intersecting_polygon(t: TestStore) {
        regions(&t.store).await;
        // A bow tie: the edges (0,0)-(1,1) and (1,0)-(0,1) cross.
        let bow = json!({"type": "Polygon", "coordinates": [[[119.60, 29.00], [119.61, 29.01], [119.61, 29.00], [119.60, 29.01], [119.60, 29.00]]]});
        let file = collection(vec![
            feature("330702001001001", "好网格", square(119.611, 29.00, 119.62, 29.01)),
            feature("330702001001002", "蝴蝶结", bow),
        ]);
        let msg = only_error(refused(&t.store, &file).await);
        assert!(msg.starts_with("第 2 个要素（code 330702001001002）"), "{msg}");
        assert!(msg.contains("自相交"), "{msg}");
    }
}

both_backends! {
    async fn refuses_a_grid_outside_its_community(t: TestStore) {
        regions(&t.store).await;
        // Half of it lies in 西湖社区, east of 东风社区.
        let file = collection(vec![feature("330702001001001", "越界网格", square(119.61, 29.00, 119.63, 29.01))]);
        let msg = only_error(refused(&t.store, &file).await);
        assert!(msg.starts_with("第 1 个要素（code 330702001001001）"), "{msg}");
        assert!(msg.contains("超出所属社区 330702001001 的边界"), "{msg}");
    }
}

both_backends! {
    async fn refuses_overlapping_grids_in_the_file_and_with_stored_grids(t: TestStore) {
        let s = &t.store;
        with_grids(s).await;
        // Within the file (in 西湖社区, where no grid is stored yet).
        let file = collection(vec![
            feature("330702001002001", "甲", square(119.62, 29.00, 119.632, 29.02)),
            feature("330702001002002", "乙", square(119.628, 29.00, 119.64, 29.02)),
        ]);
        let msg = only_error(refused(s, &file).await);
        assert!(msg.starts_with("第 2 个要素（code 330702001002002）"), "{msg}");
        assert!(msg.contains("与第 1 个要素（code 330702001002001）重叠"), "{msg}");

        // With a stored grid (东风一网格 covers 119.60–119.61).
        let file = collection(vec![feature("330702001001003", "丙", square(119.605, 29.00, 119.61, 29.01))]);
        let msg = only_error(refused(s, &file).await);
        assert!(msg.starts_with("第 1 个要素（code 330702001001003）"), "{msg}");
        assert!(msg.contains("与现有网格 330702001001001（东风一网格）重叠"), "{msg}");

        // Replacing the stored grid under its own code is no overlap.
        let file = collection(vec![feature(GRID_WEST, "东风一网格", square(119.60, 29.00, 119.609, 29.02))]);
        let report = import_grids(s, &actor(), &Scope::All, &file).await.unwrap();
        assert_eq!(report.updated, 1, "{}", t.label);
    }
}

both_backends! {
    async fn refuses_an_unknown_community_and_one_outside_the_scope(t: TestStore) {
        let s = &t.store;
        regions(s).await;
        let file = collection(vec![feature("330702001009001", "无主网格", square(119.60, 29.00, 119.61, 29.01))]);
        let msg = only_error(refused(s, &file).await);
        assert!(msg.starts_with("第 1 个要素（code 330702001009001）"), "{msg}");
        assert!(msg.contains("所属社区 330702001009 不存在"), "{msg}");

        let file = collection(vec![feature("330702002001001", "城西网格", square(119.50, 29.00, 119.51, 29.01))]);
        let before = snapshot(s).await;
        let e = import_grids(s, &actor(), &street_scope(), &file).await.unwrap_err();
        assert_eq!(snapshot(s).await, before);
        let msg = only_error(e);
        assert!(msg.contains("所属社区 330702002001 不在您的管辖范围内"), "{msg}");
    }
}

both_backends! {
    async fn collects_every_error_of_the_file(t: TestStore) {
        let s = &t.store;
        regions(s).await;
        let point = json!({"type": "Point", "coordinates": [119.6, 29.0]});
        let mut mismatch = feature("330702001001004", "错社区", square(119.60, 29.015, 119.605, 29.02));
        mismatch["properties"]["community_code"] = json!("330702001002");
        let file = collection(vec![
            feature("33070200100100", "短编码", square(119.60, 29.00, 119.601, 29.001)),
            feature("330702001001002", "", square(119.60, 29.002, 119.601, 29.003)),
            feature("330702001001003", "点", point),
            json!({"type": "Feature", "properties": {"code": "330702001001005", "name": "无几何"}, "geometry": null}),
            mismatch,
            feature("330702001001006", "甲", square(119.61, 29.00, 119.611, 29.001)),
            feature("330702001001006", "甲二", square(119.612, 29.00, 119.613, 29.001)),
        ]);
        let e = refused(s, &file).await;
        let text = e.to_string();
        assert_eq!(e.rows().len(), 6, "{text}");
        for expected in [
            "第 1 个要素（code 33070200100100）【code】：网格编码“33070200100100”无效",
            "第 2 个要素（code 330702001001002）【name】：缺少网格名称",
            "第 3 个要素（code 330702001001003）【geometry】：几何类型应为 Polygon（面），实际为 Point",
            "第 4 个要素（code 330702001001005）【geometry】：缺少几何",
            "第 5 个要素（code 330702001001004）【community_code】：所属社区代码 330702001002 与网格编码的前 12 位 330702001001 不一致",
            "第 7 个要素（code 330702001001006）【code】：网格编码与第 6 个要素重复",
        ] {
            assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
        }

        for (file, expected) in [
            (&b"not json"[..], "不是有效的 JSON"),
            (br#"{"type":"Feature","properties":{}}"#, "FeatureCollection"),
            (br#"{"type":"FeatureCollection","features":[]}"#, "没有任何要素"),
        ] {
            match refused(s, file).await {
                ImportError::Malformed(m) => assert!(m.contains(expected), "{m}"),
                other => panic!("{other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn exported_grids_import_back_unchanged() {
    for t in all_stores().await {
        let s = &t.store;
        regions(s).await;
        let file = collection(vec![
            feature("330702001001001", "东风一网格", square(119.60, 29.00, 119.61, 29.02)),
            feature("330702001001002", "东风二网格", square(119.61, 29.00, 119.62, 29.02)),
            feature(
                "330702001002001",
                "西湖一网格",
                json!({"type": "Polygon", "coordinates": [
                    [[119.62, 29.00], [119.64, 29.00], [119.64, 29.02], [119.62, 29.02], [119.62, 29.00]],
                    [[119.63, 29.01], [119.631, 29.01], [119.631, 29.011], [119.63, 29.011], [119.63, 29.01]]
                ]}),
            ),
        ]);
        import_grids(s, &actor(), &Scope::All, &file).await.unwrap();
        let exported = export_grids(s, &Scope::All, None).await.unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&exported).unwrap();
        assert_eq!(parsed["features"].as_array().unwrap().len(), 3);
        assert_eq!(parsed["features"][0]["properties"]["community_code"], COMMUNITY);

        // Narrowed to one community.
        let one = export_grids(s, &street_scope(), Some(COMMUNITY_EAST)).await.unwrap();
        let one: serde_json::Value = serde_json::from_str(&one).unwrap();
        assert_eq!(one["features"].as_array().unwrap().len(), 1);
        assert_eq!(
            export_grids(s, &street_scope(), Some(OTHER_COMMUNITY)).await,
            Err(ExportError::OutOfScope(OTHER_COMMUNITY.into()))
        );

        // Back into the same database: every grid replaced by itself.
        let report = import_grids(s, &actor(), &Scope::All, exported.as_bytes()).await.unwrap();
        assert_eq!((report.created, report.updated), (0, 3), "{}", t.label);

        // Into an empty database with the same regions: the same grids.
        let fresh = tongxin_testkit::sqlite_store().await;
        regions(&fresh.store).await;
        let report = import_grids(&fresh.store, &actor(), &Scope::All, exported.as_bytes()).await.unwrap();
        assert_eq!(report.created, 3);
        assert_eq!(
            fresh.store.regions().shapes("", "grid").await.unwrap(),
            s.regions().shapes("", "grid").await.unwrap()
        );
        assert_eq!(export_grids(&fresh.store, &Scope::All, None).await.unwrap(), exported);
        fresh.cleanup().await;
        t.cleanup().await;
    }
}
