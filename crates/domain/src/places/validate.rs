//! Validation of an imported grid or community boundary.

use ::geo::line_intersection::{LineIntersection, line_intersection};
use ::geo::{Coord, Line, LineString, Polygon};

use super::{GeometryError, LocalProjection};

/// Vertices closer than this to the line through the others make a ring degenerate (metres).
const COLLINEAR_TOLERANCE_M: f64 = 1e-6;

/// Checks that `p` is a usable boundary: finite WGS84 coordinates, rings with at least three
/// distinct vertices and a non-zero area, no edge crossing or touching another (except adjacent
/// edges at their shared vertex), holes inside the exterior and not inside each other.
///
/// Repeated consecutive vertices (common in digitised data) are tolerated; so is a missing
/// closing vertex. A hole touching the exterior or another hole, even at a single point, is
/// refused as a self-intersection (stricter than OGC, simpler for grids).
pub fn validate_polygon(p: &Polygon<f64>) -> Result<(), GeometryError> {
    let all_rings = std::iter::once(p.exterior()).chain(p.interiors());
    for ring in all_rings {
        for c in &ring.0 {
            check_coord(*c)?;
        }
    }

    let exterior = normalise(p.exterior());
    check_ring_shape(&exterior)?;
    let holes: Vec<Vec<Coord<f64>>> = p.interiors().iter().map(normalise).collect();
    for (hole, ring) in holes.iter().enumerate() {
        check_ring_shape(ring).map_err(|reason| GeometryError::InvalidHole { hole, reason: Box::new(reason) })?;
    }

    let rings: Vec<&[Coord<f64>]> =
        std::iter::once(exterior.as_slice()).chain(holes.iter().map(Vec::as_slice)).collect();
    if let Some(at) = find_intersection(&rings) {
        return Err(GeometryError::SelfIntersection { lng: at.x, lat: at.y });
    }

    // No two rings touch now, so a ring lies wholly inside or wholly outside another and
    // testing one vertex settles it.
    for (hole, ring) in holes.iter().enumerate() {
        if !point_in_ring(ring[0], &exterior) {
            return Err(GeometryError::HoleOutside { hole });
        }
    }
    for (first, a) in holes.iter().enumerate() {
        for (offset, b) in holes[first + 1..].iter().enumerate() {
            if point_in_ring(b[0], a) || point_in_ring(a[0], b) {
                return Err(GeometryError::HolesOverlap { first, second: first + 1 + offset });
            }
        }
    }
    Ok(())
}

fn check_coord(c: Coord<f64>) -> Result<(), GeometryError> {
    let ok = c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0;
    if ok { Ok(()) } else { Err(GeometryError::BadCoordinate { lng: c.x, lat: c.y }) }
}

/// The ring's vertices without consecutive repeats and without the closing vertex.
fn normalise(ring: &LineString<f64>) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for &c in &ring.0 {
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// At least three distinct vertices, not all on one line.
fn check_ring_shape(ring: &[Coord<f64>]) -> Result<(), GeometryError> {
    let mut distinct: Vec<(u64, u64)> = ring.iter().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(GeometryError::TooFewPoints);
    }

    let proj = LocalProjection::new(ring[0]);
    let pts: Vec<Coord<f64>> = ring.iter().map(|&c| proj.to_metres(c)).collect();
    let far = pts.iter().copied().max_by(|a, b| norm2(*a).total_cmp(&norm2(*b))).unwrap_or_default();
    let len = norm2(far).sqrt();
    let max_offset = pts.iter().map(|p| (far.x * p.y - far.y * p.x).abs() / len).fold(0.0_f64, f64::max);
    if len == 0.0 || max_offset < COLLINEAR_TOLERANCE_M {
        return Err(GeometryError::ZeroArea);
    }
    Ok(())
}

fn norm2(c: Coord<f64>) -> f64 {
    c.x * c.x + c.y * c.y
}

/// One edge of one ring, with its bounding box.
struct Edge {
    ring: usize,
    index: usize,
    line: Line<f64>,
    min: Coord<f64>,
    max: Coord<f64>,
}

/// The first point where two edges meet that should not, if any: non-adjacent edges meeting
/// anywhere, or adjacent edges overlapping along a line (a spike). A sweep over edges sorted by
/// their west end keeps this near-linear for ordinary boundaries.
fn find_intersection(rings: &[&[Coord<f64>]]) -> Option<Coord<f64>> {
    let mut edges: Vec<Edge> = Vec::new();
    for (ring, pts) in rings.iter().enumerate() {
        let n = pts.len();
        for index in 0..n {
            let (a, b) = (pts[index], pts[(index + 1) % n]);
            edges.push(Edge {
                ring,
                index,
                line: Line::new(a, b),
                min: Coord { x: a.x.min(b.x), y: a.y.min(b.y) },
                max: Coord { x: a.x.max(b.x), y: a.y.max(b.y) },
            });
        }
    }
    edges.sort_by(|a, b| a.min.x.total_cmp(&b.min.x));

    for (i, s) in edges.iter().enumerate() {
        for t in &edges[i + 1..] {
            if t.min.x > s.max.x {
                break;
            }
            if t.min.y > s.max.y || t.max.y < s.min.y {
                continue;
            }
            let adjacent = s.ring == t.ring && {
                let n = rings[s.ring].len();
                (s.index + 1) % n == t.index || (t.index + 1) % n == s.index
            };
            match line_intersection(s.line, t.line) {
                // Adjacent edges meet at their shared vertex; that is the only allowed contact.
                Some(LineIntersection::SinglePoint { intersection, .. }) if !adjacent => {
                    return Some(intersection);
                }
                // Overlapping along a line is a spike even for adjacent edges.
                Some(LineIntersection::Collinear { intersection })
                    if !adjacent || intersection.start != intersection.end =>
                {
                    return Some(intersection.start);
                }
                _ => {}
            }
        }
    }
    None
}

/// Crossing-number test; only used for points known not to lie on the ring.
fn point_in_ring(p: Coord<f64>, ring: &[Coord<f64>]) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::geo::{LineString, Polygon};

    fn poly(pts: &[(f64, f64)]) -> Polygon<f64> {
        Polygon::new(LineString::from(pts.to_vec()), vec![])
    }

    fn with_holes(ext: &[(f64, f64)], holes: &[&[(f64, f64)]]) -> Polygon<f64> {
        Polygon::new(LineString::from(ext.to_vec()), holes.iter().map(|h| LineString::from(h.to_vec())).collect())
    }

    const SQUARE: &[(f64, f64)] = &[(119.660, 29.080), (119.670, 29.080), (119.670, 29.090), (119.660, 29.090)];

    #[test]
    fn table() {
        use GeometryError::*;
        let cases: Vec<(&str, Polygon<f64>, Result<(), GeometryError>)> = vec![
            ("valid square", poly(SQUARE), Ok(())),
            (
                "square with repeated vertex",
                poly(&[(119.660, 29.080), (119.670, 29.080), (119.670, 29.080), (119.670, 29.090), (119.660, 29.090)]),
                Ok(()),
            ),
            (
                "collinear extra vertex",
                poly(&[(119.660, 29.080), (119.665, 29.080), (119.670, 29.080), (119.670, 29.090), (119.660, 29.090)]),
                Ok(()),
            ),
            (
                "bow-tie",
                poly(&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)]),
                Err(SelfIntersection { lng: 1.0, lat: 1.0 }),
            ),
            (
                "touching at a non-adjacent vertex",
                poly(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 0.0), (0.0, 4.0)]),
                Err(SelfIntersection { lng: 2.0, lat: 0.0 }),
            ),
            (
                "spike going back along an edge",
                poly(&[(0.0, 0.0), (4.0, 0.0), (6.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]),
                Err(SelfIntersection { lng: 4.0, lat: 0.0 }),
            ),
            ("too few points", poly(&[(0.0, 0.0), (1.0, 1.0)]), Err(TooFewPoints)),
            ("empty", poly(&[]), Err(TooFewPoints)),
            ("two points repeated", poly(&[(0.0, 0.0), (1.0, 1.0), (0.0, 0.0), (1.0, 1.0)]), Err(TooFewPoints)),
            ("NaN", poly(&[(0.0, 0.0), (1.0, f64::NAN), (1.0, 1.0)]), Err(BadCoordinate { lng: 1.0, lat: f64::NAN })),
            ("latitude 95", poly(&[(0.0, 0.0), (1.0, 95.0), (1.0, 1.0)]), Err(BadCoordinate { lng: 1.0, lat: 95.0 })),
            (
                "longitude 181",
                poly(&[(181.0, 0.0), (1.0, 5.0), (1.0, 1.0)]),
                Err(BadCoordinate { lng: 181.0, lat: 0.0 }),
            ),
            ("zero area", poly(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]), Err(ZeroArea)),
            (
                "valid hole",
                with_holes(
                    &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],
                    &[&[(2.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 2.0)]],
                ),
                Ok(()),
            ),
            (
                "hole outside",
                with_holes(
                    &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],
                    &[&[(12.0, 2.0), (12.0, 4.0), (14.0, 4.0), (14.0, 2.0)]],
                ),
                Err(HoleOutside { hole: 0 }),
            ),
            (
                "hole crossing the exterior",
                with_holes(
                    &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],
                    &[&[(8.0, 2.0), (8.0, 4.0), (12.0, 4.0), (12.0, 2.0)]],
                ),
                Err(SelfIntersection { lng: 10.0, lat: 4.0 }),
            ),
            (
                "hole inside hole",
                with_holes(
                    &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],
                    &[
                        &[(1.0, 1.0), (1.0, 9.0), (9.0, 9.0), (9.0, 1.0)],
                        &[(2.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 2.0)],
                    ],
                ),
                Err(HolesOverlap { first: 0, second: 1 }),
            ),
            (
                "degenerate hole",
                with_holes(
                    &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],
                    &[&[(2.0, 2.0), (3.0, 3.0), (4.0, 4.0)]],
                ),
                Err(InvalidHole { hole: 0, reason: Box::new(ZeroArea) }),
            ),
        ];
        for (name, p, want) in cases {
            let got = validate_polygon(&p);
            // NaN != NaN, so compare the Debug text.
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "case {name}");
        }
    }

    #[test]
    fn messages_are_chinese() {
        let e = GeometryError::SelfIntersection { lng: 119.661_234, lat: 29.080_123 };
        assert_eq!(e.to_string(), "多边形自相交（约在 119.66123, 29.08012 附近）");
        let e = GeometryError::InvalidHole { hole: 0, reason: Box::new(GeometryError::ZeroArea) };
        assert_eq!(e.to_string(), "第 1 个内洞无效：多边形面积为零");
    }
}
