//! Demo geometry: each street is one jittered lattice ([`Lattice`]) whose cells are grouped into
//! blocks, one block per community, laid out in bands west → east, north → south. A grid is a
//! rectangle of cells inside its community's block, so grids tile their community exactly and
//! communities tile the street. In the district scale the streets are placed around 城东街道
//! near their real positions without overlapping.

use std::ops::Range;

use tongxin_domain::places::{Coord, Lattice, LngLat, LocalProjection, Polygon, block_outline};

/// Where a community's block sits and how it is cut into grids (cell ranges).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub cols: Range<usize>,
    pub rows: Range<usize>,
    /// Grids in numbering order (west → east, north → south).
    pub grids: Vec<(Range<usize>, Range<usize>)>,
}

/// What a community needs: its kind and how many grids it should get.
#[derive(Debug, Clone, Copy)]
pub struct CommunitySpec {
    pub rural: bool,
    pub grids: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StreetPlan {
    pub cols: usize,
    pub rows: usize,
    pub blocks: Vec<Block>,
}

/// Cell columns a community needs in bands `band` cells high.
fn block_width(spec: &CommunitySpec, band: usize) -> usize {
    if spec.rural {
        // About two cells per village grid.
        (2 * spec.grids).div_ceil(band).max(1)
    } else {
        // One cell per urban grid.
        ((spec.grids as f64 / band as f64).round() as usize).max(1)
    }
}

/// Packs consecutive widths into at most `bands` rows; returns the bands as index ranges.
fn pack(widths: &[usize], bands: usize) -> Vec<Range<usize>> {
    let total: usize = widths.iter().sum();
    let mut cap = total.div_ceil(bands).max(widths.iter().copied().max().unwrap_or(1));
    loop {
        let mut out = Vec::new();
        let (mut start, mut used) = (0, 0);
        for (i, w) in widths.iter().enumerate() {
            if used > 0 && used + w > cap {
                out.push(start..i);
                start = i;
                used = 0;
            }
            used += w;
        }
        out.push(start..widths.len());
        if out.len() <= bands {
            return out;
        }
        cap += 1;
    }
}

/// Chooses band height and band count so the street is compact and little space is left over,
/// then assigns blocks and cuts them into grids.
pub fn plan_street(specs: &[CommunitySpec]) -> StreetPlan {
    assert!(!specs.is_empty(), "a street needs communities");
    // (score, band height, bands as block ranges, block widths)
    type Layout = (f64, usize, Vec<Range<usize>>, Vec<usize>);
    let mut best: Option<Layout> = None;
    for band in 2..=5usize {
        let widths: Vec<usize> = specs.iter().map(|s| block_width(s, band)).collect();
        let total: usize = widths.iter().sum();
        let cells = (total * band) as f64;
        for bands in 1..=specs.len() {
            let packed = pack(&widths, bands);
            let cols = packed.iter().map(|r| widths[r.clone()].iter().sum::<usize>()).max().unwrap_or(1);
            let rows = packed.len() * band;
            let waste = (cols * rows) as f64 - cells;
            let aspect = cols as f64 / rows as f64;
            // Little wasted space, a street somewhat wider than high, squarish communities.
            let shape: f64 = widths.iter().map(|&w| (w as f64 / band as f64).ln().abs()).sum();
            let score = 3.0 * waste + 4.0 * cells.sqrt() * (aspect / 1.4).ln().abs() + 3.0 * shape;
            if best.as_ref().is_none_or(|b| score < b.0) {
                best = Some((score, band, packed, widths.clone()));
            }
        }
    }
    let (_, band, packed, mut widths) = best.expect("at least one layout");
    let cols = packed.iter().map(|r| widths[r.clone()].iter().sum::<usize>()).max().unwrap_or(1);
    // Spread each band's leftover columns over its blocks, last block first.
    for r in &packed {
        let mut spare = cols - widths[r.clone()].iter().sum::<usize>();
        let members: Vec<usize> = r.clone().rev().collect();
        let mut k = 0;
        while spare > 0 {
            widths[members[k % members.len()]] += 1;
            spare -= 1;
            k += 1;
        }
    }
    let mut blocks = Vec::with_capacity(specs.len());
    for (b, r) in packed.iter().enumerate() {
        let rows = b * band..(b + 1) * band;
        let mut col = 0;
        for i in r.clone() {
            let cols_i = col..col + widths[i];
            col += widths[i];
            let grids = if specs[i].rural {
                let mut g = partition(cols_i.clone(), rows.clone(), specs[i].grids);
                g.sort_by_key(|(c, r)| (r.start, c.start));
                g
            } else {
                rows.clone().flat_map(|row| cols_i.clone().map(move |c| (c..c + 1, row..row + 1))).collect()
            };
            blocks.push(Block { cols: cols_i, rows: rows.clone(), grids });
        }
    }
    StreetPlan { cols, rows: packed.len() * band, blocks }
}

/// Cuts a block of cells into `g` rectangles (guillotine cuts along the longer side).
fn partition(cols: Range<usize>, rows: Range<usize>, g: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let (w, h) = (cols.len(), rows.len());
    assert!(w * h >= g && g > 0, "a block of {w}×{h} cells cannot hold {g} grids");
    if g == 1 {
        return vec![(cols, rows)];
    }
    let (g1, g2) = (g / 2, g - g / 2);
    // Try splitting columns, then rows, preferring the longer side.
    let splits: [bool; 2] = if w >= h { [true, false] } else { [false, true] };
    for split_cols in splits {
        let (len, other) = if split_cols { (w, h) } else { (h, w) };
        if len < 2 {
            continue;
        }
        let ideal = ((len * g1) as f64 / g as f64).round() as usize;
        let candidates = (1..len).filter(|n| n * other >= g1 && (len - n) * other >= g2);
        let Some(n1) = candidates.min_by_key(|n| n.abs_diff(ideal)) else {
            continue;
        };
        let mut out = if split_cols {
            let mid = cols.start + n1;
            let mut a = partition(cols.start..mid, rows.clone(), g1);
            a.extend(partition(mid..cols.end, rows, g2));
            a
        } else {
            let mid = rows.start + n1;
            let mut a = partition(cols.clone(), rows.start..mid, g1);
            a.extend(partition(cols, mid..rows.end, g2));
            a
        };
        out.sort_by_key(|(c, r)| (r.start, c.start));
        return out;
    }
    unreachable!("enough cells were checked above")
}

/// Maps positions inside lattice cells to WGS84, exactly as [`Lattice`] does for its nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellFrame {
    proj: LocalProjection,
    cell_m: f64,
}

impl CellFrame {
    /// The point at fraction `(u, v)` of cell `(col, row)`, `u` east and `v` south.
    pub fn point(&self, col: usize, row: usize, u: f64, v: f64) -> LngLat {
        self.proj.to_lnglat(Coord { x: (col as f64 + u) * self.cell_m, y: -(row as f64 + v) * self.cell_m })
    }
}

/// One street's polygons: outline, communities in the order of the specs, their grids.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetGeometry {
    pub outline: Polygon<f64>,
    pub frame: CellFrame,
    pub communities: Vec<CommunityGeometry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommunityGeometry {
    pub outline: Polygon<f64>,
    pub grids: Vec<GridGeometry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridGeometry {
    pub polygon: Polygon<f64>,
    /// The lattice cells `(col, row)` the grid covers, row-major.
    pub cells: Vec<(usize, usize)>,
}

/// Builds the lattice of a planned street with its north-west corner at `origin`.
pub fn street_geometry(plan: &StreetPlan, origin: LngLat, cell_m: f64, seed: u64) -> StreetGeometry {
    let lattice = Lattice::new(origin, plan.cols, plan.rows, cell_m, seed);
    let communities = plan
        .blocks
        .iter()
        .map(|b| CommunityGeometry {
            outline: block_outline(&lattice, b.cols.clone(), b.rows.clone()),
            grids: b
                .grids
                .iter()
                .map(|(c, r)| GridGeometry {
                    polygon: block_outline(&lattice, c.clone(), r.clone()),
                    cells: r.clone().flat_map(|row| c.clone().map(move |col| (col, row))).collect(),
                })
                .collect(),
        })
        .collect();
    StreetGeometry {
        outline: lattice.outline(),
        frame: CellFrame { proj: LocalProjection::new(origin), cell_m },
        communities,
    }
}

/// The centre of 城东街道, the demo street (its real location).
pub const CENTRE: LngLat = Coord { x: 119.66, y: 29.08 };

/// Approximate real centres of 婺城区's streets and towns, for the district layout.
pub fn desired_centre(code: &str) -> LngLat {
    let (x, y) = match &code[6..9] {
        "001" => (119.660, 29.080),
        "002" => (119.640, 29.085),
        "003" => (119.615, 29.095),
        "004" => (119.650, 29.110),
        "005" => (119.645, 29.060),
        "006" => (119.675, 29.055),
        "007" => (119.615, 29.070),
        "008" => (119.590, 29.085),
        "009" => (119.700, 29.045),
        "100" => (119.650, 29.190),
        "101" => (119.670, 28.990),
        "102" => (119.620, 28.940),
        "103" => (119.550, 29.070),
        "104" => (119.520, 28.980),
        "105" => (119.470, 29.060),
        "106" => (119.410, 29.050),
        "107" => (119.420, 29.110),
        "108" => (119.400, 29.160),
        "201" => (119.580, 29.130),
        "202" => (119.720, 29.010),
        "203" => (119.560, 29.010),
        "204" => (119.560, 28.860),
        "205" => (119.500, 28.900),
        "206" => (119.660, 28.900),
        "208" => (119.380, 28.960),
        "209" => (119.740, 29.070),
        _ => (CENTRE.x, CENTRE.y),
    };
    Coord { x, y }
}

/// Places rectangles (`width × height` metres, in the order given) as near their desired
/// centres as possible without overlapping, at least `gap` metres apart; returns each one's
/// north-west corner.
pub fn place(items: &[(LngLat, f64, f64)], gap: f64) -> Vec<LngLat> {
    let proj = LocalProjection::new(CENTRE);
    let step = 300.0;
    let mut placed: Vec<[f64; 4]> = Vec::new(); // min_x, min_y, max_x, max_y
    let mut out = Vec::with_capacity(items.len());
    for &(centre, w, h) in items {
        let c = proj.to_metres(centre);
        let fits = |x: f64, y: f64, placed: &[[f64; 4]]| {
            let r = [x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0];
            placed.iter().all(|p| r[2] + gap <= p[0] || p[2] + gap <= r[0] || r[3] + gap <= p[1] || p[3] + gap <= r[1])
        };
        let mut spot = None;
        'rings: for k in 0i64..10_000 {
            // The square ring at Chebyshev distance k, walked in a fixed order.
            let ring: Vec<(i64, i64)> = if k == 0 {
                vec![(0, 0)]
            } else {
                let mut v = Vec::new();
                for i in -k..=k {
                    v.extend([(i, -k), (i, k)]);
                }
                for j in -k + 1..k {
                    v.extend([(-k, j), (k, j)]);
                }
                // Nearest first within the ring.
                v.sort_by_key(|(i, j)| (i * i + j * j, *i, *j));
                v
            };
            for (i, j) in ring {
                let (x, y) = (c.x + i as f64 * step, c.y + j as f64 * step);
                if fits(x, y, &placed) {
                    spot = Some((x, y));
                    break 'rings;
                }
            }
        }
        let (x, y) = spot.expect("the plane has room");
        placed.push([x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0]);
        out.push(proj.to_lnglat(Coord { x: x - w / 2.0, y: y + h / 2.0 }));
    }
    out
}

/// Evenly spread, distinct positions for `n` points in the cores of `cells` (the middle of
/// each cell, clear of the jittered edges), in numbering order (north → south, west → east).
/// `pick` supplies randomness: `pick(k)` returns a number in `0..k`, `jitter()` one in `[-1, 1)`.
pub fn slots(
    cells: &[(usize, usize)],
    n: usize,
    pick: &mut dyn FnMut(usize) -> usize,
    jitter: &mut dyn FnMut() -> f64,
) -> Vec<(usize, usize, f64, f64)> {
    // Cell edges move by at most 16 % of a cell; keep points within 22 %–78 %.
    const LO: f64 = 0.22;
    const SPAN: f64 = 0.56;
    let per_cell = n.div_ceil(cells.len().max(1));
    let k = ((per_cell as f64 * 1.6).sqrt().ceil() as usize).max(2);
    let total = cells.len() * k * k;
    let mut idx: Vec<usize> = (0..total).collect();
    let take = n.min(total);
    for i in 0..take {
        let j = i + pick(total - i);
        idx.swap(i, j);
    }
    let mut chosen: Vec<(usize, usize, usize, usize)> = idx[..take]
        .iter()
        .map(|&s| {
            let (cell, slot) = (s / (k * k), s % (k * k));
            let (col, row) = cells[cell];
            (row, slot / k, col, slot % k)
        })
        .collect();
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|(row, sy, col, sx)| {
            let slot = SPAN / k as f64;
            let u = LO + (sx as f64 + 0.5 + 0.3 * jitter()) * slot;
            let v = LO + (sy as f64 + 0.5 + 0.3 * jitter()) * slot;
            (col, row, u, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cover_the_block() {
        for (w, h, g) in [(1, 3, 2), (2, 3, 4), (2, 2, 3), (3, 5, 4), (1, 5, 2), (4, 2, 4)] {
            let parts = partition(0..w, 0..h, g);
            assert_eq!(parts.len(), g);
            let cells: usize = parts.iter().map(|(c, r)| c.len() * r.len()).sum();
            assert_eq!(cells, w * h);
        }
    }

    #[test]
    fn plans_fill_the_lattice() {
        let specs: Vec<CommunitySpec> = (0..11)
            .map(|i| CommunitySpec { rural: i % 3 == 0, grids: if i % 3 == 0 { 2 + i % 3 } else { 15 } })
            .collect();
        let plan = plan_street(&specs);
        let covered: usize = plan.blocks.iter().map(|b| b.cols.len() * b.rows.len()).sum();
        assert_eq!(covered, plan.cols * plan.rows);
        for (b, s) in plan.blocks.iter().zip(&specs) {
            let cells: usize = b.grids.iter().map(|(c, r)| c.len() * r.len()).sum();
            assert_eq!(cells, b.cols.len() * b.rows.len());
            if s.rural {
                assert_eq!(b.grids.len(), s.grids);
            }
        }
    }
}
