//! Larger files: hundreds of grids and thousands of residents (beyond one batch of lookups).

use crate::common;
use tongxin_testkit::both_backends;

use common::*;
use serde_json::Value;
use std::time::Instant;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::places::{Coord, Lattice, polygon_to_geojson};
use tongxin_exchange::{export_grids, import_grids, import_residents};
use tongxin_store::regions::Boundary;
use tongxin_testkit::World;

both_backends! {
    async fn imports_a_lattice_of_four_hundred_grids(t: TestStore) {
        let s = &t.store;
        let lattice = Lattice::new(Coord { x: 119.60, y: 29.04 }, 20, 20, 120.0, 7);
        let outline = lattice.outline();
        World::new(s)
            .district(DISTRICT, "婺城区")
            .street(STREET, "城东街道")
            .community("330702001004", "格子社区")
            .bounded(Boundary {
                geojson: serde_json::to_string(&polygon_to_geojson(&outline)).unwrap(),
                bbox: [119.0, 28.0, 120.0, 30.0],
            })
            .build()
            .await;

        let features: Vec<Value> = lattice
            .cells()
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                feature(
                    &format!("330702001004{:03}", i + 1),
                    &format!("第{}网格", i + 1),
                    serde_json::to_value(polygon_to_geojson(cell)).unwrap(),
                )
            })
            .collect();
        let file = collection(features);
        let started = Instant::now();
        let report = import_grids(s, &actor(), &Scope::All, &file).await.unwrap();
        assert_eq!(report.created, 400, "{}", t.label);
        let exported = export_grids(s, &Scope::All, None).await.unwrap();
        let report = import_grids(s, &actor(), &Scope::All, exported.as_bytes()).await.unwrap();
        assert_eq!(report.updated, 400);
        eprintln!("{}: 400 grids imported twice in {:?}", t.label, started.elapsed());
    }
}

both_backends! {
    async fn imports_thousands_of_residents_and_finds_a_registered_one_late_in_the_file(t: TestStore) {
        let s = &t.store;
        with_grids(s).await;
        let people = |from: u16, n: u16| -> Vec<Vec<Cell>> {
            (from..from + n)
                .map(|i| {
                    let birth = (1940 + i32::from(i % 60), 1 + u32::from(i % 12), 1 + u32::from(i % 28));
                    let grid = if i % 2 == 0 { GRID_WEST } else { GRID_EAST };
                    person(
                        &format!("居民{i}"),
                        &id(birth, i),
                        grid,
                        "1幢",
                        f64::from(1 + i % 3),
                        &format!("{}", 101 + i / 3),
                    )
                })
                .collect()
        };
        let started = Instant::now();
        let report = import_residents(s, &actor(), &Scope::All, &xlsx(&HEADERS, &people(0, 2000))).await.unwrap();
        assert_eq!(report.residents, 2000, "{}", t.label);
        eprintln!("{}: 2000 residents imported in {:?}", t.label, started.elapsed());

        // 1,200 new people and, on row 1,102, one already registered.
        let mut rows = people(2000, 1200);
        rows[1100] = people(1999, 1).remove(0);
        let before = snapshot(s).await;
        let e = import_residents(s, &actor(), &Scope::All, &xlsx(&HEADERS, &rows)).await.unwrap_err();
        assert_eq!(snapshot(s).await, before);
        let lines: Vec<String> = e.rows().iter().map(ToString::to_string).collect();
        assert_eq!(lines, ["第 1102 行【身份证号】：该身份证号已登记，不能重复导入"]);
    }
}
