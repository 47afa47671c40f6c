//! Deterministic lattices of grid cells that tile a rectangle exactly: benchmark data and demo
//! grids (communities are blocks of cells, the street is the whole lattice).
//!
//! Layout: `origin` is the **north-west** corner; columns run west → east, rows north → south,
//! so row-major order (`row * cols + col`) is the DB11 grid numbering order. Interior lattice
//! nodes are jittered by up to 12 % of a cell; every cell edge is split into 3 or 4 segments
//! whose inner vertices wiggle by up to 4 % of a cell. Neighbours share edge vertices bit for
//! bit and the outline of the whole lattice is an exact rectangle, so cells never overlap and
//! never leave gaps.

use std::ops::Range;

use ::geo::{Coord, LineString, Polygon};

use super::{LngLat, LocalProjection};

const NODE_JITTER: f64 = 0.12;
const WIGGLE: f64 = 0.04;
const ALONG_JITTER: f64 = 0.25;

/// A lattice of `cols × rows` cells with shared, jittered boundaries.
#[derive(Debug, Clone)]
pub struct Lattice {
    cols: usize,
    rows: usize,
    /// `(rows + 1) × (cols + 1)` corner nodes, index `row * (cols + 1) + col`.
    nodes: Vec<LngLat>,
    /// Inner vertices of the horizontal edge from node `(col, row)` to `(col + 1, row)`, west →
    /// east; index `row * cols + col`, rows `0..=rows`.
    h_edges: Vec<Vec<LngLat>>,
    /// Inner vertices of the vertical edge from node `(col, row)` to `(col, row + 1)`, north →
    /// south; index `row * (cols + 1) + col`, cols `0..=cols`.
    v_edges: Vec<Vec<LngLat>>,
}

impl Lattice {
    /// Builds the lattice; the same arguments always give the same vertices.
    ///
    /// # Panics
    /// If `cols` or `rows` is zero or `cell_m` is not a positive finite number.
    pub fn new(origin: LngLat, cols: usize, rows: usize, cell_m: f64, seed: u64) -> Self {
        assert!(cols > 0 && rows > 0, "a lattice needs at least one cell");
        assert!(cell_m.is_finite() && cell_m > 0.0, "cell size must be positive");
        let proj = LocalProjection::new(origin);
        let jitter = |kind: u64, col: usize, row: usize, k: u64| unit(hash(&[seed, kind, col as u64, row as u64, k]));

        // Corner nodes in metres (x east, y north; rows go south so y = -row * cell).
        let mut nodes_m = Vec::with_capacity((rows + 1) * (cols + 1));
        for row in 0..=rows {
            for col in 0..=cols {
                let dx = if col == 0 || col == cols { 0.0 } else { NODE_JITTER * cell_m * jitter(1, col, row, 0) };
                let dy = if row == 0 || row == rows { 0.0 } else { NODE_JITTER * cell_m * jitter(2, col, row, 0) };
                nodes_m.push(Coord { x: col as f64 * cell_m + dx, y: -(row as f64) * cell_m + dy });
            }
        }
        let node_m = |col: usize, row: usize| nodes_m[row * (cols + 1) + col];

        // Inner vertices of an edge from a to b: 2 or 3 of them, moved along the edge a little
        // and across it (along the axis it does not run on) unless the edge is on the outline.
        let split = |kind: u64, col: usize, row: usize, a: Coord<f64>, b: Coord<f64>, border: bool| {
            let inner = 2 + (hash(&[seed, kind, col as u64, row as u64, 99]) % 2) as usize;
            (1..=inner)
                .map(|k| {
                    let t = (k as f64 + ALONG_JITTER * jitter(kind, col, row, 2 * k as u64)) / (inner + 1) as f64;
                    let off = if border { 0.0 } else { WIGGLE * cell_m * jitter(kind, col, row, 2 * k as u64 + 1) };
                    let mut c = Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
                    if kind == 3 {
                        c.y += off; // horizontal edge wiggles north-south
                    } else {
                        c.x += off; // vertical edge wiggles east-west
                    }
                    proj.to_lnglat(c)
                })
                .collect::<Vec<_>>()
        };
        let mut h_edges = Vec::with_capacity((rows + 1) * cols);
        for row in 0..=rows {
            for col in 0..cols {
                let border = row == 0 || row == rows;
                h_edges.push(split(3, col, row, node_m(col, row), node_m(col + 1, row), border));
            }
        }
        let mut v_edges = Vec::with_capacity(rows * (cols + 1));
        for row in 0..rows {
            for col in 0..=cols {
                let border = col == 0 || col == cols;
                v_edges.push(split(4, col, row, node_m(col, row), node_m(col, row + 1), border));
            }
        }
        let nodes = nodes_m.iter().map(|&m| proj.to_lnglat(m)).collect();
        Self { cols, rows, nodes, h_edges, v_edges }
    }

    /// Number of columns (west → east).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of rows (north → south).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The cell at `(col, row)`, an exterior ring wound counter-clockwise.
    ///
    /// # Panics
    /// If the cell is outside the lattice.
    pub fn cell(&self, col: usize, row: usize) -> Polygon<f64> {
        self.block(col..col + 1, row..row + 1)
    }

    /// All cells in row-major order (index `row * cols + col`).
    pub fn cells(&self) -> Vec<Polygon<f64>> {
        (0..self.rows)
            .flat_map(|row| (0..self.cols).map(move |col| (col, row)))
            .map(|(col, row)| self.cell(col, row))
            .collect()
    }

    /// The outline of the whole lattice (a rectangle with extra vertices on its sides).
    pub fn outline(&self) -> Polygon<f64> {
        self.block(0..self.cols, 0..self.rows)
    }

    fn node(&self, col: usize, row: usize) -> LngLat {
        self.nodes[row * (self.cols + 1) + col]
    }

    fn h_edge(&self, col: usize, row: usize) -> &[LngLat] {
        &self.h_edges[row * self.cols + col]
    }

    fn v_edge(&self, col: usize, row: usize) -> &[LngLat] {
        &self.v_edges[row * (self.cols + 1) + col]
    }

    /// Walks the boundary of a block of cells counter-clockwise from its north-west corner:
    /// down the west side, east along the south side, up the east side, west along the north.
    fn block(&self, cols: Range<usize>, rows: Range<usize>) -> Polygon<f64> {
        assert!(cols.start < cols.end && cols.end <= self.cols, "column range {cols:?} outside the lattice");
        assert!(rows.start < rows.end && rows.end <= self.rows, "row range {rows:?} outside the lattice");
        let (c0, c1, r0, r1) = (cols.start, cols.end, rows.start, rows.end);
        let mut ring = Vec::new();
        for row in r0..r1 {
            ring.push(self.node(c0, row));
            ring.extend_from_slice(self.v_edge(c0, row));
        }
        for col in c0..c1 {
            ring.push(self.node(col, r1));
            ring.extend_from_slice(self.h_edge(col, r1));
        }
        for row in (r0..r1).rev() {
            ring.push(self.node(c1, row + 1));
            ring.extend(self.v_edge(c1, row).iter().rev());
        }
        for col in (c0..c1).rev() {
            ring.push(self.node(col + 1, r0));
            ring.extend(self.h_edge(col, r0).iter().rev());
        }
        ring.push(self.node(c0, r0));
        Polygon::new(LineString(ring), vec![])
    }
}

/// Every cell of `lattice` with its `(col, row)`, in row-major order.
pub fn lattice_cells(lattice: &Lattice) -> Vec<((usize, usize), Polygon<f64>)> {
    (0..lattice.rows)
        .flat_map(|row| (0..lattice.cols).map(move |col| (col, row)))
        .map(|(col, row)| ((col, row), lattice.cell(col, row)))
        .collect()
}

/// The outline of the block of cells `col_range × row_range`; it follows the cells' shared
/// jittered boundary vertex for vertex, so it equals the union of those cells exactly.
///
/// # Panics
/// If a range is empty or reaches outside the lattice.
pub fn block_outline(lattice: &Lattice, col_range: Range<usize>, row_range: Range<usize>) -> Polygon<f64> {
    lattice.block(col_range, row_range)
}

/// `cols × rows` cells of about `cell_m` metres tiling a rectangle whose north-west corner is
/// `origin`, in row-major order, each with 12–16 vertices. Deterministic in `seed`.
pub fn synthetic_grid_lattice(origin: LngLat, cols: usize, rows: usize, cell_m: f64, seed: u64) -> Vec<Polygon<f64>> {
    Lattice::new(origin, cols, rows, cell_m, seed).cells()
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn hash(parts: &[u64]) -> u64 {
    parts.iter().fold(0, |h, &p| splitmix64(h ^ p))
}

/// A hash mapped to `[-1, 1)`.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_determinism() {
        let origin = Coord { x: 119.64, y: 29.09 };
        let a = synthetic_grid_lattice(origin, 3, 2, 300.0, 7);
        let b = synthetic_grid_lattice(origin, 3, 2, 300.0, 7);
        let c = synthetic_grid_lattice(origin, 3, 2, 300.0, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 6);
        for cell in &a {
            // 4 corners + 4 edges × (2..=3) inner vertices + closing vertex.
            let n = cell.exterior().0.len();
            assert!((13..=17).contains(&n), "{n} vertices");
        }
        let lattice = Lattice::new(origin, 3, 2, 300.0, 7);
        assert_eq!(lattice.cell(0, 0).exterior().0[0], origin);
        assert_eq!(lattice_cells(&lattice)[4].0, (1, 1));
        assert_eq!(lattice_cells(&lattice)[4].1, a[4]);
    }
}
