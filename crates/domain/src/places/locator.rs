//! Point location over grid polygons: which grid does a position fall in.

use std::ops::ControlFlow;

use ::geo::{LineString, Polygon};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::LngLat;

/// One non-horizontal edge, oriented upwards (`y0 < y1`), ready for the crossing test.
///
/// Neighbouring polygons share an edge with the same two vertices; orienting it the same way in
/// both makes the computed crossing bit-for-bit identical, so a point on the shared edge is
/// claimed by exactly one of them instead of by none.
#[derive(Debug, Clone, Copy)]
struct Edge {
    y0: f64,
    y1: f64,
    x0: f64,
    /// dx/dy.
    slope: f64,
}

/// Finds the grid polygon containing a point: an R-tree over bounding boxes, then a
/// crossing-number test over the candidates' edges (holes included).
///
/// Points on a boundary shared by two grids go to exactly one of them. Polygons are expected to
/// be valid (see [`super::validate_polygon`]) and not to overlap; where they overlap, either may
/// be returned. Empty polygons and polygons with non-finite coordinates are kept in the count
/// but never match.
#[derive(Debug, Clone)]
pub struct GridLocator<Id: Copy> {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    ids: Vec<Id>,
    /// Polygon `i` owns `edges[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    edges: Vec<Edge>,
}

impl<Id: Copy> GridLocator<Id> {
    /// Indexes the polygons, each with the id `locate` returns for it.
    pub fn new(items: Vec<(Id, Polygon<f64>)>) -> Self {
        let mut ids = Vec::with_capacity(items.len());
        let mut starts = Vec::with_capacity(items.len() + 1);
        let mut edges = Vec::new();
        let mut boxes = Vec::with_capacity(items.len());
        starts.push(0);
        for (index, (id, polygon)) in items.into_iter().enumerate() {
            ids.push(id);
            let usable = polygon
                .exterior()
                .0
                .iter()
                .chain(polygon.interiors().iter().flat_map(|r| r.0.iter()))
                .all(|c| c.x.is_finite() && c.y.is_finite());
            if usable && let Some(bbox) = bounding_box(polygon.exterior()) {
                push_edges(polygon.exterior(), &mut edges);
                for hole in polygon.interiors() {
                    push_edges(hole, &mut edges);
                }
                boxes.push(GeomWithData::new(bbox, index));
            }
            starts.push(edges.len());
        }
        Self { tree: RTree::bulk_load(boxes), ids, starts, edges }
    }

    /// The id of the polygon containing `p`, if any.
    pub fn locate(&self, p: LngLat) -> Option<Id> {
        if !(p.x.is_finite() && p.y.is_finite()) {
            return None;
        }
        let found = self.tree.locate_all_at_point_int(&[p.x, p.y], |candidate| {
            let index = candidate.data;
            let edges = &self.edges[self.starts[index]..self.starts[index + 1]];
            if contains(edges, p.x, p.y) { ControlFlow::Break(index) } else { ControlFlow::Continue(()) }
        });
        match found {
            ControlFlow::Break(index) => Some(self.ids[index]),
            ControlFlow::Continue(()) => None,
        }
    }

    /// How many polygons were given.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no polygon was given.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

fn bounding_box(ring: &LineString<f64>) -> Option<Rectangle<[f64; 2]>> {
    let first = ring.0.first()?;
    let (mut lo, mut hi) = ([first.x, first.y], [first.x, first.y]);
    for c in &ring.0 {
        lo = [lo[0].min(c.x), lo[1].min(c.y)];
        hi = [hi[0].max(c.x), hi[1].max(c.y)];
    }
    Some(Rectangle::from_corners(lo, hi))
}

fn push_edges(ring: &LineString<f64>, edges: &mut Vec<Edge>) {
    let pts = &ring.0;
    let n = pts.len();
    if n < 2 {
        return;
    }
    // An unclosed ring is closed implicitly; a closed one yields a zero-length closing edge,
    // which is horizontal and skipped.
    for i in 0..n {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        if a.y == b.y {
            continue; // never crossed by the half-open rule
        }
        let (lo, hi) = if a.y < b.y { (a, b) } else { (b, a) };
        edges.push(Edge { y0: lo.y, y1: hi.y, x0: lo.x, slope: (hi.x - lo.x) / (hi.y - lo.y) });
    }
}

/// Crossing number of a ray from `(x, y)` towards +x, with the half-open rule `y0 <= y < y1`.
#[inline]
fn contains(edges: &[Edge], x: f64, y: f64) -> bool {
    let mut inside = false;
    for e in edges {
        if e.y0 <= y && y < e.y1 && x < e.x0 + (y - e.y0) * e.slope {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::geo::Coord;

    fn square(x0: f64, y0: f64, size: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)]),
            vec![],
        )
    }

    #[test]
    fn squares_holes_and_boundaries() {
        let with_hole =
            Polygon::new(square(2.0, 0.0, 2.0).exterior().clone(), vec![square(2.5, 0.5, 1.0).exterior().clone()]);
        let loc = GridLocator::new(vec![
            ('a', square(0.0, 0.0, 2.0)),
            ('b', with_hole),
            ('h', square(2.5, 0.5, 1.0)), // fills b's hole
            ('e', Polygon::new(LineString(vec![]), vec![])),
        ]);
        assert_eq!(loc.len(), 4);
        assert!(!loc.is_empty());
        let at = |x, y| loc.locate(Coord { x, y });
        assert_eq!(at(1.0, 1.0), Some('a'));
        assert_eq!(at(2.2, 1.0), Some('b'));
        assert_eq!(at(3.0, 1.0), Some('h'));
        assert_eq!(at(5.0, 1.0), None);
        assert_eq!(at(f64::NAN, 1.0), None);
        // On shared edges and vertices: exactly one of the neighbours.
        assert!(matches!(at(2.0, 1.0), Some('a' | 'b')));
        assert!(matches!(at(2.5, 1.0), Some('b' | 'h')));
        assert!(matches!(at(2.5, 0.5), Some('b' | 'h')));
        assert!(matches!(at(2.0, 0.0), Some('a' | 'b')));
        assert!(GridLocator::<u8>::new(vec![]).is_empty());
    }
}
