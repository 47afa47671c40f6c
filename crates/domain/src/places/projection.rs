//! A local equirectangular projection to metres, accurate enough at street and district scale.

use ::geo::{Coord, LineString, MultiPolygon, Polygon};

use super::LngLat;

/// Metres per degree of latitude (mean value over mid latitudes).
const METRES_PER_DEG_LAT: f64 = 110_574.0;
/// Metres per degree of longitude at the equator.
const METRES_PER_DEG_LNG_EQUATOR: f64 = 111_320.0;

/// Maps WGS84 degrees to planar metres around an origin (x east, y north) and back.
///
/// The mapping is affine, so straight lines stay straight and shared vertices of neighbouring
/// polygons stay shared. Distortion grows with distance from the origin: a few tenths of a per
/// cent at 50 km, which does not matter for grids and communities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalProjection {
    origin: LngLat,
    /// Metres per degree of longitude at the origin's latitude.
    kx: f64,
    /// Metres per degree of latitude.
    ky: f64,
}

impl LocalProjection {
    /// A projection centred on `origin`.
    pub fn new(origin: LngLat) -> Self {
        let kx = METRES_PER_DEG_LNG_EQUATOR * origin.y.to_radians().cos();
        Self { origin, kx, ky: METRES_PER_DEG_LAT }
    }

    /// A projection centred on the first vertex of `p` (the origin `(0, 0)` for an empty polygon).
    pub fn for_polygon(p: &Polygon<f64>) -> Self {
        Self::new(p.exterior().0.first().copied().unwrap_or_default())
    }

    /// The origin in degrees.
    pub fn origin(&self) -> LngLat {
        self.origin
    }

    /// Degrees to metres east (`x`) and north (`y`) of the origin.
    pub fn to_metres(&self, c: LngLat) -> Coord<f64> {
        Coord { x: (c.x - self.origin.x) * self.kx, y: (c.y - self.origin.y) * self.ky }
    }

    /// Metres east and north of the origin back to degrees.
    pub fn to_lnglat(&self, m: Coord<f64>) -> LngLat {
        Coord { x: self.origin.x + m.x / self.kx, y: self.origin.y + m.y / self.ky }
    }

    /// The polygon with every vertex in metres.
    pub fn project_polygon(&self, p: &Polygon<f64>) -> Polygon<f64> {
        Polygon::new(self.project_ring(p.exterior()), p.interiors().iter().map(|r| self.project_ring(r)).collect())
    }

    /// The multi-polygon with every vertex in metres.
    pub fn project_multi_polygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(mp.0.iter().map(|p| self.project_polygon(p)).collect())
    }

    fn project_ring(&self, ring: &LineString<f64>) -> LineString<f64> {
        LineString(ring.0.iter().map(|&c| self.to_metres(c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_scale() {
        let proj = LocalProjection::new(Coord { x: 119.65, y: 29.08 });
        let c = Coord { x: 119.66, y: 29.09 };
        let m = proj.to_metres(c);
        // 0.01 degree of latitude is about 1.1 km; of longitude at 29° about 0.97 km.
        assert!((m.y - 1105.74).abs() < 0.01);
        assert!((m.x - 973.2).abs() < 1.0);
        let back = proj.to_lnglat(m);
        assert!((back.x - c.x).abs() < 1e-12 && (back.y - c.y).abs() < 1e-12);
    }
}
