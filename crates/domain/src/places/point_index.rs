//! Nearest-point search over buildings (or any point features), in metres.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{LngLat, LocalProjection};

/// Points (buildings) indexed in projected metres around an origin, for "the nearest building
/// within N metres of this report".
#[derive(Debug, Clone)]
pub struct PointIndex<Id: Copy> {
    proj: LocalProjection,
    tree: RTree<GeomWithData<[f64; 2], usize>>,
    ids: Vec<Id>,
}

impl<Id: Copy> PointIndex<Id> {
    /// Indexes the points; `origin` should lie near them (the street's centre, say). Points with
    /// non-finite coordinates are kept in the count but never found.
    pub fn new(origin: LngLat, items: Vec<(Id, LngLat)>) -> Self {
        let proj = LocalProjection::new(origin);
        let mut ids = Vec::with_capacity(items.len());
        let mut points = Vec::with_capacity(items.len());
        for (index, (id, at)) in items.into_iter().enumerate() {
            ids.push(id);
            let m = proj.to_metres(at);
            if m.x.is_finite() && m.y.is_finite() {
                points.push(GeomWithData::new([m.x, m.y], index));
            }
        }
        Self { proj, tree: RTree::bulk_load(points), ids }
    }

    /// The nearest point within `max_metres` of `p` and its distance in metres.
    pub fn nearest_within(&self, p: LngLat, max_metres: f64) -> Option<(Id, f64)> {
        let m = self.proj.to_metres(p);
        if !(m.x.is_finite() && m.y.is_finite()) || max_metres.is_nan() || max_metres < 0.0 {
            return None;
        }
        let (nearest, d2) = self.tree.nearest_neighbor_iter_with_distance_2(&[m.x, m.y]).next()?;
        let d = d2.sqrt();
        (d <= max_metres).then(|| (self.ids[nearest.data], d))
    }

    /// How many points were given.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no point was given.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
