//! Areas and spatial relations between boundaries, measured in square metres.

use ::geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Polygon, Rect};

use super::LocalProjection;

/// How much digitising slack a boundary may have: a grid may stick out of its community, or
/// overlap a neighbouring grid, by a sliver of at most this many square metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub max_outside_m2: f64,
    pub max_overlap_m2: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self { max_outside_m2: 1.0, max_overlap_m2: 1.0 }
    }
}

/// The area of `p` in square metres (holes subtracted).
pub fn area_m2(p: &Polygon<f64>, proj: &LocalProjection) -> f64 {
    proj.project_polygon(p).unsigned_area()
}

/// The area of `inner` not covered by `outer`, in square metres.
pub fn outside_area_m2(inner: &Polygon<f64>, outer: &MultiPolygon<f64>, proj: &LocalProjection) -> f64 {
    let inner_m = proj.project_polygon(inner);
    let outer_m = proj.project_multi_polygon(outer);
    match (inner_m.bounding_rect(), outer_m.bounding_rect()) {
        (None, _) => 0.0,
        (Some(_), None) => inner_m.unsigned_area(),
        (Some(a), Some(b)) if !rects_overlap(a, b) => inner_m.unsigned_area(),
        _ => inner_m.difference(&outer_m).unsigned_area(),
    }
}

/// The area shared by `a` and `b`, in square metres.
pub fn overlap_area_m2(a: &Polygon<f64>, b: &Polygon<f64>, proj: &LocalProjection) -> f64 {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) if rects_overlap(ra, rb) => {
            let (am, bm) = (proj.project_polygon(a), proj.project_polygon(b));
            am.intersection(&bm).unsigned_area()
        }
        _ => 0.0,
    }
}

/// Whether two rectangles share interior area (touching edges do not count).
fn rects_overlap(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x < b.max().x && b.min().x < a.max().x && a.min().y < b.max().y && b.min().y < a.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::geo::{Coord, LineString};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        Polygon::new(LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]), vec![])
    }

    #[test]
    fn areas_in_square_metres() {
        let proj = LocalProjection::new(Coord { x: 120.0, y: 30.0 });
        // 0.001° × 0.001° at 30° N: 96.4 m × 110.6 m.
        let a = rect(120.0, 30.0, 120.001, 30.001);
        let expected = 111_320.0 * 30f64.to_radians().cos() * 0.001 * 110_574.0 * 0.001;
        assert!((area_m2(&a, &proj) - expected).abs() < 1e-6);

        let b = rect(120.0005, 30.0, 120.0015, 30.001);
        assert!((overlap_area_m2(&a, &b, &proj) - expected / 2.0).abs() < 1e-3);
        let mp = MultiPolygon(vec![b.clone()]);
        assert!((outside_area_m2(&a, &mp, &proj) - expected / 2.0).abs() < 1e-3);

        let far = rect(121.0, 30.0, 121.001, 30.001);
        assert_eq!(overlap_area_m2(&a, &far, &proj), 0.0);
        let outside = outside_area_m2(&a, &MultiPolygon(vec![far]), &proj);
        assert!((outside - expected).abs() < 1e-6);
        assert!((outside_area_m2(&a, &MultiPolygon(vec![]), &proj) - expected).abs() < 1e-6);

        // Neighbours sharing an edge do not overlap.
        let right = rect(120.001, 30.0, 120.002, 30.001);
        assert_eq!(overlap_area_m2(&a, &right, &proj), 0.0);
        assert_eq!(Tolerance::default().max_overlap_m2, 1.0);
    }
}
