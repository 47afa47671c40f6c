//! Reading and writing boundary polygons as GeoJSON.

use ::geo::{Coord, LineString, Polygon};
use geojson::{GeoJson, Geometry, GeometryValue, PolygonType};

use super::GeometryError;

/// Parses GeoJSON text holding one polygon (see [`polygon_from_geojson`]).
pub fn polygon_from_geojson_str(text: &str) -> Result<Polygon<f64>, GeometryError> {
    let gj: GeoJson =
        serde_json::from_str(text).map_err(|e| GeometryError::BadGeoJson { line: e.line(), column: e.column() })?;
    polygon_from_geojson(&gj)
}

/// The one polygon in `gj`: a Polygon geometry, a MultiPolygon with exactly one part, or a
/// Feature (or a FeatureCollection of exactly one Feature) holding one of these. The polygon is
/// not validated; call [`super::validate_polygon`] next.
pub fn polygon_from_geojson(gj: &GeoJson) -> Result<Polygon<f64>, GeometryError> {
    match gj {
        GeoJson::Geometry(g) => from_geometry(g),
        GeoJson::Feature(f) => match &f.geometry {
            Some(g) => from_geometry(g),
            None => Err(GeometryError::NotAPolygon("空要素（Feature 无几何）".into())),
        },
        GeoJson::FeatureCollection(fc) => match fc.features.as_slice() {
            [one] => polygon_from_geojson(&GeoJson::Feature(one.clone())),
            many => Err(GeometryError::NotAPolygon(format!("FeatureCollection（含 {} 个要素）", many.len()))),
        },
    }
}

/// The polygon as a GeoJSON geometry.
pub fn polygon_to_geojson(p: &Polygon<f64>) -> Geometry {
    Geometry::new(GeometryValue::from(p))
}

fn from_geometry(g: &Geometry) -> Result<Polygon<f64>, GeometryError> {
    match &g.value {
        GeometryValue::Polygon { coordinates } => to_polygon(coordinates),
        GeometryValue::MultiPolygon { coordinates } if coordinates.len() == 1 => to_polygon(&coordinates[0]),
        GeometryValue::MultiPolygon { coordinates } => {
            Err(GeometryError::NotAPolygon(format!("MultiPolygon（含 {} 个面）", coordinates.len())))
        }
        other => Err(GeometryError::NotAPolygon(other.type_name().to_owned())),
    }
}

fn to_polygon(rings: &PolygonType) -> Result<Polygon<f64>, GeometryError> {
    let mut rings = rings.iter().map(|ring| {
        ring.iter()
            .map(|pos| match pos.as_slice() {
                [x, y, ..] => Ok(Coord { x: *x, y: *y }),
                _ => Err(GeometryError::BadPosition),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(LineString)
    });
    let exterior = rings.next().transpose()?.unwrap_or(LineString(Vec::new()));
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_polygon_feature_and_refuses_others() {
        let text = r#"{"type":"Feature","properties":{"name":"一网格"},"geometry":
            {"type":"Polygon","coordinates":[[[119.66,29.08],[119.67,29.08],[119.67,29.09],[119.66,29.08]]]}}"#;
        let p = polygon_from_geojson_str(text).unwrap();
        assert_eq!(p.exterior().0.len(), 4);
        let back = polygon_from_geojson(&GeoJson::Geometry(polygon_to_geojson(&p))).unwrap();
        assert_eq!(back, p);

        let point = r#"{"type":"Point","coordinates":[119.66,29.08]}"#;
        let e = polygon_from_geojson_str(point).unwrap_err();
        assert_eq!(e, GeometryError::NotAPolygon("Point".into()));
        assert_eq!(e.to_string(), "几何类型应为 Polygon（面），实际为 Point");

        let short = r#"{"type":"Polygon","coordinates":[[[119.66],[119.67,29.08],[119.67,29.09]]]}"#;
        assert_eq!(polygon_from_geojson_str(short), Err(GeometryError::BadPosition));
        assert!(matches!(polygon_from_geojson_str("{oops"), Err(GeometryError::BadGeoJson { line: 1, .. })));
    }
}
