//! Where a region's name goes on a map, and which names are drawn at all: at the polygon's pole
//! of inaccessibility (the inside point farthest from its edges, so a label of an L-shaped or
//! thin grid sits inside it, unlike the centroid), only when the label's box fits inside the
//! polygon, and never over another label (larger regions keep theirs). Planar coordinates: the
//! caller projects first (the SVG map's units, or metres).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A label's box: its centre and size, in the map's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl LabelBox {
    pub fn overlaps(&self, o: &LabelBox) -> bool {
        (self.x - o.x).abs() * 2.0 < self.w + o.w && (self.y - o.y).abs() * 2.0 < self.h + o.h
    }
}

/// Whether `(x, y)` lies inside the ring (even–odd rule; the ring may or may not repeat its
/// first vertex).
pub fn inside(ring: &[(f64, f64)], (x, y): (f64, f64)) -> bool {
    let mut c = false;
    let n = ring.len();
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let ((xi, yi), (xj, yj)) = (ring[i], ring[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            c = !c;
        }
        j = i;
    }
    c
}

fn segment_distance((px, py): (f64, f64), (ax, ay): (f64, f64), (bx, by): (f64, f64)) -> f64 {
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (qx, qy) = (ax + t * dx, ay + t * dy);
    ((px - qx).powi(2) + (py - qy).powi(2)).sqrt()
}

/// Distance from a point to the ring's edges, negative outside.
fn signed_distance(ring: &[(f64, f64)], p: (f64, f64)) -> f64 {
    let n = ring.len();
    let mut best = f64::INFINITY;
    for i in 0..n {
        best = best.min(segment_distance(p, ring[i], ring[(i + 1) % n]));
    }
    if inside(ring, p) { best } else { -best }
}

struct Cell {
    x: f64,
    y: f64,
    half: f64,
    d: f64,
    /// The best distance any point of the cell could have.
    max: f64,
}

impl Cell {
    fn new(ring: &[(f64, f64)], x: f64, y: f64, half: f64) -> Cell {
        let d = signed_distance(ring, (x, y));
        Cell { x, y, half, d, max: d + half * std::f64::consts::SQRT_2 }
    }
}

impl PartialEq for Cell {
    fn eq(&self, o: &Cell) -> bool {
        self.max == o.max
    }
}
impl Eq for Cell {}
impl PartialOrd for Cell {
    fn partial_cmp(&self, o: &Cell) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cell {
    fn cmp(&self, o: &Cell) -> Ordering {
        self.max.total_cmp(&o.max)
    }
}

/// The pole of inaccessibility of a ring to within `precision`, with its distance to the
/// nearest edge (the radius of the largest circle inside). `None` for fewer than three vertices.
pub fn pole_of_inaccessibility(ring: &[(f64, f64)], precision: f64) -> Option<((f64, f64), f64)> {
    let ring = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    if ring.len() < 3 {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in ring {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let size = (x1 - x0).min(y1 - y0);
    if size.is_nan() || size <= 0.0 {
        return Some((ring[0], 0.0));
    }
    let precision = precision.max(size * 1e-4);
    let half = size / 2.0;
    let mut queue = BinaryHeap::new();
    let mut x = x0;
    while x < x1 {
        let mut y = y0;
        while y < y1 {
            queue.push(Cell::new(ring, x + half, y + half, half));
            y += size;
        }
        x += size;
    }
    // The vertex mean is a good first guess for convex shapes.
    let n = ring.len() as f64;
    let (sx, sy) = ring.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let mut best = Cell::new(ring, sx / n, sy / n, 0.0);
    let bbox_centre = Cell::new(ring, (x0 + x1) / 2.0, (y0 + y1) / 2.0, 0.0);
    if bbox_centre.d > best.d {
        best = bbox_centre;
    }
    let mut budget = 10_000;
    while let Some(cell) = queue.pop() {
        if cell.d > best.d {
            best = Cell::new(ring, cell.x, cell.y, 0.0);
        }
        if cell.max - best.d <= precision || budget == 0 {
            continue;
        }
        budget -= 1;
        let h = cell.half / 2.0;
        for (dx, dy) in [(-h, -h), (h, -h), (-h, h), (h, h)] {
            queue.push(Cell::new(ring, cell.x + dx, cell.y + dy, h));
        }
    }
    Some(((best.x, best.y), best.d.max(0.0)))
}

/// Whether the box lies inside the ring: its corners and edge midpoints do.
pub fn box_inside(ring: &[(f64, f64)], b: &LabelBox) -> bool {
    let (hw, hh) = (b.w / 2.0, b.h / 2.0);
    [(-hw, -hh), (0.0, -hh), (hw, -hh), (hw, 0.0), (hw, hh), (0.0, hh), (-hw, hh), (-hw, 0.0)]
        .iter()
        .all(|(dx, dy)| inside(ring, (b.x + dx, b.y + dy)))
}

/// Which labels to draw: candidates are tried in the given order (most important first) and a
/// label is kept unless it overlaps one kept before it.
pub fn keep_non_overlapping(boxes: &[LabelBox]) -> Vec<bool> {
    let mut kept: Vec<LabelBox> = Vec::new();
    boxes
        .iter()
        .map(|b| {
            let ok = kept.iter().all(|k| !k.overlaps(b));
            if ok {
                kept.push(*b);
            }
            ok
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pole_of_an_l_shape_lies_inside_it_where_the_centroid_does_not() {
        // An L: a 100×10 bar along the bottom and a 10×100 bar up the left side.
        let l = [(0.0, 0.0), (100.0, 0.0), (100.0, 10.0), (10.0, 10.0), (10.0, 100.0), (0.0, 100.0), (0.0, 0.0)];
        let n = 6.0;
        let mean = (l[..6].iter().map(|p| p.0).sum::<f64>() / n, l[..6].iter().map(|p| p.1).sum::<f64>() / n);
        assert!(!inside(&l, mean), "the vertex mean {mean:?} is outside the L");
        let (p, r) = pole_of_inaccessibility(&l, 0.1).unwrap();
        assert!(inside(&l, p), "{p:?}");
        // In the corner the circle touches both outer sides and the inner corner: r = 10·(2 − √2).
        let want = 10.0 * (2.0 - std::f64::consts::SQRT_2);
        assert!((r - want).abs() < 0.1, "the largest circle has radius {want}: {r}");
    }

    #[test]
    fn the_pole_of_a_rectangle_is_its_centre() {
        let rect = [(0.0, 0.0), (40.0, 0.0), (40.0, 20.0), (0.0, 20.0)];
        let ((x, y), r) = pole_of_inaccessibility(&rect, 0.01).unwrap();
        assert!((y - 10.0).abs() < 0.05 && (r - 10.0).abs() < 0.05 && (10.0..=30.0).contains(&x), "{x},{y},{r}");
        assert!(pole_of_inaccessibility(&[(0.0, 0.0), (1.0, 1.0)], 0.1).is_none());
    }

    #[test]
    fn a_label_is_drawn_only_where_it_fits() {
        let rect = [(0.0, 0.0), (40.0, 0.0), (40.0, 20.0), (0.0, 20.0)];
        assert!(box_inside(&rect, &LabelBox { x: 20.0, y: 10.0, w: 30.0, h: 10.0 }));
        assert!(!box_inside(&rect, &LabelBox { x: 20.0, y: 10.0, w: 50.0, h: 10.0 }), "too wide");
        assert!(!box_inside(&rect, &LabelBox { x: 20.0, y: 10.0, w: 30.0, h: 24.0 }), "too tall");
    }

    #[test]
    fn overlapping_labels_after_the_first_are_dropped() {
        let b = |x: f64, y: f64| LabelBox { x, y, w: 10.0, h: 4.0 };
        // Side by side touching is fine; the third overlaps the first; the fourth is far away.
        assert_eq!(
            keep_non_overlapping(&[b(0.0, 0.0), b(10.0, 0.0), b(5.0, 2.0), b(50.0, 50.0)]),
            vec![true, true, false, true]
        );
    }
}
