//! Properties of the grid geometry: lattices tile exactly, point location agrees with the
//! polygons, nearest-building search.

use geo::{Contains, Coord, Intersects, MultiPolygon, Point, Polygon};
use proptest::prelude::*;
use tongxin_domain::places::{
    GridLocator, Lattice, LocalProjection, PointIndex, area_m2, block_outline, lattice_cells, outside_area_m2,
    overlap_area_m2, synthetic_grid_lattice, validate_polygon,
};

const ORIGIN: Coord<f64> = Coord { x: 119.64, y: 29.09 };

fn bbox(p: &Polygon<f64>) -> (Coord<f64>, Coord<f64>) {
    let mut lo = Coord { x: f64::INFINITY, y: f64::INFINITY };
    let mut hi = Coord { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY };
    for c in &p.exterior().0 {
        lo = Coord { x: lo.x.min(c.x), y: lo.y.min(c.y) };
        hi = Coord { x: hi.x.max(c.x), y: hi.y.max(c.y) };
    }
    (lo, hi)
}

fn lerp(lo: Coord<f64>, hi: Coord<f64>, fx: f64, fy: f64) -> Coord<f64> {
    Coord { x: lo.x + fx * (hi.x - lo.x), y: lo.y + fy * (hi.y - lo.y) }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_cell_is_valid(seed in any::<u64>(), cols in 1usize..8, rows in 1usize..8) {
        let lattice = Lattice::new(ORIGIN, cols, rows, 250.0, seed);
        for ((col, row), cell) in lattice_cells(&lattice) {
            prop_assert_eq!(validate_polygon(&cell), Ok(()), "cell ({}, {})", col, row);
        }
        prop_assert_eq!(validate_polygon(&lattice.outline()), Ok(()));
    }

    #[test]
    fn interior_points_locate_to_their_cell(
        seed in any::<u64>(),
        picks in proptest::collection::vec((0usize..6, 0usize..5, 0.0..1.0f64, 0.0..1.0f64), 40),
    ) {
        let cells = synthetic_grid_lattice(ORIGIN, 6, 5, 400.0, seed);
        let locator = GridLocator::new(cells.iter().cloned().enumerate().collect());
        for (col, row, fx, fy) in picks {
            let index = row * 6 + col;
            let (lo, hi) = bbox(&cells[index]);
            let p = lerp(lo, hi, fx, fy);
            if cells[index].contains(&Point(p)) {
                prop_assert_eq!(locator.locate(p), Some(index));
            }
        }
    }

    #[test]
    fn whole_rectangle_is_covered_and_outside_is_not(
        seed in any::<u64>(),
        fx in 0.0..1.0f64,
        fy in 0.0..1.0f64,
        out in 0.001..2.0f64,
        side in 0usize..4,
    ) {
        let lattice = Lattice::new(ORIGIN, 5, 4, 300.0, seed);
        let cells = lattice.cells();
        let locator = GridLocator::new(cells.iter().cloned().enumerate().collect());
        let (lo, hi) = bbox(&lattice.outline());

        // Any point of the rectangle (outer north and east edges excluded) has a cell, and that
        // cell's polygon holds it (on its boundary at worst).
        let p = lerp(lo, hi, fx, fy);
        let found = locator.locate(p);
        prop_assert!(found.is_some(), "{:?} not located", p);
        prop_assert!(cells[found.unwrap()].intersects(&Point(p)));

        // Outside the bounding box: nothing.
        let q = match side {
            0 => lerp(lo, hi, fx, -out),
            1 => lerp(lo, hi, fx, 1.0 + out),
            2 => lerp(lo, hi, -out, fy),
            _ => lerp(lo, hi, 1.0 + out, fy),
        };
        prop_assert_eq!(locator.locate(q), None);
    }

    #[test]
    fn shared_vertices_locate_to_a_neighbour(seed in any::<u64>()) {
        let (cols, rows) = (4, 3);
        let lattice = Lattice::new(ORIGIN, cols, rows, 300.0, seed);
        let cells = lattice.cells();
        let locator = GridLocator::new(cells.iter().cloned().enumerate().collect());
        // Every vertex of an interior cell lies inside the lattice (or on the south/west outline,
        // which the half-open rule includes), so it must go to a cell touching it.
        for (index, cell) in cells.iter().enumerate() {
            for &v in &cell.exterior().0 {
                let (lo, hi) = bbox(&lattice.outline());
                let on_north_or_east = v.y == hi.y || v.x == hi.x;
                let _ = lo;
                match locator.locate(v) {
                    Some(found) => prop_assert!(cells[found].intersects(&Point(v))),
                    None => prop_assert!(on_north_or_east, "vertex {:?} of cell {} lost", v, index),
                }
            }
        }
    }

    #[test]
    fn cells_tile_their_blocks(
        seed in any::<u64>(),
        c0 in 0usize..4, cw in 1usize..3,
        r0 in 0usize..3, rh in 1usize..3,
    ) {
        let (cols, rows) = (5, 4);
        let lattice = Lattice::new(ORIGIN, cols, rows, 200.0, seed);
        let proj = LocalProjection::new(ORIGIN);
        let cells = lattice_cells(&lattice);

        for (i, (_, a)) in cells.iter().enumerate() {
            for (_, b) in &cells[i + 1..] {
                let overlap = overlap_area_m2(a, b, &proj);
                prop_assert!(overlap < 0.01, "overlap {}", overlap);
            }
        }
        let sum: f64 = cells.iter().map(|(_, c)| area_m2(c, &proj)).sum();
        let whole = area_m2(&lattice.outline(), &proj);
        prop_assert!((sum - whole).abs() < whole * 1e-3, "sum {} whole {}", sum, whole);

        let (c1, r1) = ((c0 + cw).min(cols), (r0 + rh).min(rows));
        let block = block_outline(&lattice, c0..c1, r0..r1);
        prop_assert_eq!(validate_polygon(&block), Ok(()));
        let block_mp = MultiPolygon(vec![block.clone()]);
        let mut block_sum = 0.0;
        for ((col, row), cell) in &cells {
            let inside = (c0..c1).contains(col) && (r0..r1).contains(row);
            let outside = outside_area_m2(cell, &block_mp, &proj);
            if inside {
                block_sum += area_m2(cell, &proj);
                prop_assert!(outside < 0.01, "cell ({}, {}) sticks out by {}", col, row, outside);
            } else {
                let area = area_m2(cell, &proj);
                prop_assert!((outside - area).abs() < 0.01, "cell ({}, {}) overlaps the block", col, row);
            }
        }
        let block_area = area_m2(&block, &proj);
        prop_assert!((block_sum - block_area).abs() < block_area * 1e-9);
    }
}

#[test]
fn lattice_outline_is_the_exact_rectangle() {
    let lattice = Lattice::new(ORIGIN, 4, 3, 500.0, 42);
    let proj = LocalProjection::new(ORIGIN);
    let expected = 4.0 * 500.0 * 3.0 * 500.0;
    assert!((area_m2(&lattice.outline(), &proj) - expected).abs() < 1e-6 * expected);
    let (lo, hi) = bbox(&lattice.outline());
    assert_eq!(Coord { x: lo.x, y: hi.y }, ORIGIN);
}

#[test]
fn nearest_within_table() {
    let proj = LocalProjection::new(ORIGIN);
    let at = |east: f64, north: f64| proj.to_lnglat(Coord { x: east, y: north });
    let index = PointIndex::new(
        ORIGIN,
        vec![("A", at(0.0, 0.0)), ("B", at(100.0, 0.0)), ("C", at(0.0, 250.0)), ("bad", Coord { x: f64::NAN, y: 0.0 })],
    );
    assert_eq!(index.len(), 4);
    type Case = (&'static str, (f64, f64), f64, Option<(&'static str, f64)>);
    let cases: &[Case] = &[
        ("on A", (0.0, 0.0), 10.0, Some(("A", 0.0))),
        ("near A", (30.0, 40.0), 60.0, Some(("A", 50.0))),
        ("near A but limit too small", (30.0, 40.0), 49.0, None),
        ("between A and B, nearer B", (60.0, 0.0), 100.0, Some(("B", 40.0))),
        ("nearer C", (0.0, 200.0), 100.0, Some(("C", 50.0))),
        ("far away", (5_000.0, 5_000.0), 100.0, None),
        ("limit just above the distance", (100.0, 30.0), 30.001, Some(("B", 30.0))),
        ("limit just below the distance", (100.0, 30.0), 29.999, None),
        ("negative limit", (0.0, 0.0), -1.0, None),
    ];
    for (name, (e, n), max, want) in cases {
        let got = index.nearest_within(at(*e, *n), *max);
        match (got, want) {
            (Some((id, d)), Some((want_id, want_d))) => {
                assert_eq!(id, *want_id, "{name}");
                assert!((d - want_d).abs() < 1e-6, "{name}: {d} vs {want_d}");
            }
            (None, None) => {}
            _ => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
    assert!(PointIndex::<u32>::new(ORIGIN, vec![]).nearest_within(ORIGIN, 1e9).is_none());
}

/// Not a test: prints the locator's throughput. Run with
/// `cargo test --release -p tongxin-domain --test it geo -- --ignored --nocapture`.
#[test]
#[ignore]
fn locate_throughput_report() {
    use std::time::Instant;
    let (cols, rows, cell) = (100, 100, 250.0);
    let build = Instant::now();
    let cells = synthetic_grid_lattice(ORIGIN, cols, rows, cell, 1);
    let vertices: usize = cells.iter().map(|c| c.exterior().0.len() - 1).sum();
    let validating = Instant::now();
    assert!(cells.iter().all(|c| validate_polygon(c).is_ok()));
    println!("validated {} cells in {:?}", cells.len(), validating.elapsed());
    let locator = GridLocator::new(cells.into_iter().enumerate().collect());
    let built = build.elapsed();

    let proj = LocalProjection::new(ORIGIN);
    let mut state = 0x1234_5678_u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let points: Vec<Coord<f64>> = (0..2_000_000)
        .map(|_| {
            // 95 % inside the lattice, 5 % around it.
            let x = (next() * 1.1 - 0.05) * cols as f64 * cell;
            let y = -(next() * 1.1 - 0.05) * rows as f64 * cell;
            proj.to_lnglat(Coord { x, y })
        })
        .collect();

    let start = Instant::now();
    let mut hits = 0usize;
    for p in &points {
        if locator.locate(*p).is_some() {
            hits += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} cells, {:.1} vertices/cell, built in {:?}; {} lookups ({} hits) in {:.3} s = {:.0} lookups/s",
        cols * rows,
        vertices as f64 / (cols * rows) as f64,
        built,
        points.len(),
        hits,
        secs,
        points.len() as f64 / secs
    );
}
