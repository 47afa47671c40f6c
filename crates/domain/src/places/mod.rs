//! Grid geometry: WGS84 polygons for communities and grids, their validation, spatial relations
//! measured in metres, and fast point location (which grid does a report fall in, which building
//! is nearest).
//!
//! Coordinates are [`LngLat`] (x = longitude, y = latitude, WGS84 degrees), as in GeoJSON.
//! Areas and distances are computed after a [`LocalProjection`] to metres, which is accurate
//! enough at street and district scale.

mod error;
mod gcj02;
mod geocode;
mod geojson_io;
pub mod label;
mod locator;
mod point_index;
mod projection;
mod relate;
mod tiling;
mod validate;

pub use ::geo::{Coord, LineString, MultiPolygon, Point, Polygon};

pub use error::GeometryError;
pub use gcj02::{gcj02_to_wgs84, in_china, wgs84_to_gcj02};
pub use geocode::{matching_buildings, normalize_address};
pub use geojson_io::{polygon_from_geojson, polygon_from_geojson_str, polygon_to_geojson};
pub use locator::GridLocator;
pub use point_index::PointIndex;
pub use projection::LocalProjection;
pub use relate::{Tolerance, area_m2, outside_area_m2, overlap_area_m2};
pub use tiling::{Lattice, block_outline, lattice_cells, synthetic_grid_lattice};
pub use validate::validate_polygon;

/// A WGS84 position in degrees: `x` is the longitude, `y` the latitude.
pub type LngLat = ::geo::Coord<f64>;
