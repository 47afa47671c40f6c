//! Maps drawn by the server as SVG: region polygons (grids, communities) filled by a value,
//! and point markers (cases, buildings). An equirectangular projection scaled by cos(latitude)
//! is exact enough at street scale; `data-bbox` and the `viewBox` let a small script turn a
//! tap back into longitude and latitude (the resident's report form).

use std::fmt::Write;

/// A region drawn on the map.
#[derive(Debug, Clone)]
pub struct MapArea {
    pub code: String,
    pub name: String,
    /// The boundary as stored (GeoJSON Polygon text).
    pub geometry: String,
    /// CSS colour of the fill, e.g. from [`heat_fill`].
    pub fill: String,
    /// Shown under the name (e.g. "12 件").
    pub note: String,
    pub href: Option<String>,
}

/// A marker.
#[derive(Debug, Clone)]
pub struct MapPoint {
    pub lng: f64,
    pub lat: f64,
    /// CSS class: `case`, `overdue`, `building`.
    pub class: &'static str,
    pub title: String,
    pub href: Option<String>,
}

/// Longitude/latitude bounds and the drawing size they map to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub min_lng: f64,
    pub min_lat: f64,
    pub max_lng: f64,
    pub max_lat: f64,
    pub width: f64,
    pub height: f64,
}

impl Projection {
    /// Fits the bounds into `width` units wide, keeping shapes true at their latitude.
    pub fn fit(points: impl IntoIterator<Item = (f64, f64)>, width: f64) -> Option<Projection> {
        let (mut min_lng, mut min_lat, mut max_lng, mut max_lat) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (lng, lat) in points {
            min_lng = min_lng.min(lng);
            max_lng = max_lng.max(lng);
            min_lat = min_lat.min(lat);
            max_lat = max_lat.max(lat);
        }
        if min_lng > max_lng {
            return None;
        }
        // A margin of 3 % so edge lines and markers are not cut.
        let (dx, dy) = ((max_lng - min_lng).max(1e-5) * 0.03, (max_lat - min_lat).max(1e-5) * 0.03);
        let (min_lng, max_lng, min_lat, max_lat) = (min_lng - dx, max_lng + dx, min_lat - dy, max_lat + dy);
        let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let height = width * (max_lat - min_lat) / ((max_lng - min_lng) * k);
        Some(Projection { min_lng, min_lat, max_lng, max_lat, width, height: height.clamp(width * 0.2, width * 3.0) })
    }

    pub fn xy(&self, lng: f64, lat: f64) -> (f64, f64) {
        let x = (lng - self.min_lng) / (self.max_lng - self.min_lng) * self.width;
        let y = (self.max_lat - lat) / (self.max_lat - self.min_lat) * self.height;
        (x, y)
    }

    /// The inverse of [`Projection::xy`].
    pub fn lnglat(&self, x: f64, y: f64) -> (f64, f64) {
        let lng = self.min_lng + x / self.width * (self.max_lng - self.min_lng);
        let lat = self.max_lat - y / self.height * (self.max_lat - self.min_lat);
        (lng, lat)
    }
}

/// The outer ring of a stored boundary as (lng, lat) pairs; empty if it does not parse.
pub fn outer_ring(geometry: &str) -> Vec<(f64, f64)> {
    match tongxin_domain::places::polygon_from_geojson_str(geometry) {
        Ok(p) => p.exterior().coords().map(|c| (c.x, c.y)).collect(),
        Err(_) => Vec::new(),
    }
}

/// A fill from pale to deep red as `value` approaches `max`; grey for zero.
pub fn heat_fill(value: f64, max: f64) -> String {
    if value <= 0.0 || max <= 0.0 {
        return "#eceff1".into();
    }
    let t = (value / max).clamp(0.0, 1.0);
    // From #ffcdd2 (255,205,210) to #b71c1c (183,28,28).
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(255.0, 183.0), mix(205.0, 28.0), mix(210.0, 28.0))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The map as an `<svg>` element (`role="img"` with `label` as its accessible name), or `None`
/// when nothing has a location. Areas are drawn first, markers on top.
pub fn render_map(label: &str, areas: &[MapArea], points: &[MapPoint], width: f64) -> Option<String> {
    let rings: Vec<Vec<(f64, f64)>> = areas.iter().map(|a| outer_ring(&a.geometry)).collect();
    let all = rings.iter().flatten().copied().chain(points.iter().map(|p| (p.lng, p.lat)));
    let proj = Projection::fit(all, width)?;
    let mut svg = String::with_capacity(256 + areas.len() * 300 + points.len() * 120);
    let _ = write!(
        svg,
        r#"<svg class="map" role="img" aria-label="{}" viewBox="0 0 {:.0} {:.0}" data-bbox="{},{},{},{}" xmlns="http://www.w3.org/2000/svg" font-size="{:.0}">"#,
        esc(label),
        proj.width,
        proj.height,
        proj.min_lng,
        proj.min_lat,
        proj.max_lng,
        proj.max_lat,
        (width / 60.0).max(10.0)
    );
    for (area, ring) in areas.iter().zip(&rings) {
        if ring.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (i, (lng, lat)) in ring.iter().enumerate() {
            let (x, y) = proj.xy(*lng, *lat);
            let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
        let (cx, cy) = centroid(ring, &proj);
        let shape = format!(
            r##"<path d="{d}" fill="{}" stroke="#37474f" stroke-width="1.5"><title>{} {}</title></path><text x="{cx:.0}" y="{cy:.0}" text-anchor="middle">{}</text><text x="{cx:.0}" y="{:.0}" text-anchor="middle" class="note">{}</text>"##,
            esc(&area.fill),
            esc(&area.name),
            esc(&area.note),
            esc(&area.name),
            cy + width / 50.0,
            esc(&area.note),
        );
        match &area.href {
            Some(h) => {
                let _ = write!(svg, r#"<a href="{}" data-code="{}">{shape}</a>"#, esc(h), esc(&area.code));
            }
            None => {
                let _ = write!(svg, r#"<g data-code="{}">{shape}</g>"#, esc(&area.code));
            }
        }
    }
    let r = (width / 120.0).max(4.0);
    for p in points {
        let (x, y) = proj.xy(p.lng, p.lat);
        let color = match p.class {
            "overdue" => "#c62828",
            "building" => "#1565c0",
            _ => "#ef6c00",
        };
        let dot = format!(
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{color}" stroke="#fff" class="{}"><title>{}</title></circle>"##,
            p.class,
            esc(&p.title)
        );
        match &p.href {
            Some(h) => {
                let _ = write!(svg, r#"<a href="{}">{dot}</a>"#, esc(h));
            }
            None => svg.push_str(&dot),
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// The mean of a ring's vertices, projected: a label position good enough for grid shapes.
fn centroid(ring: &[(f64, f64)], proj: &Projection) -> (f64, f64) {
    let pts = if ring.len() > 1 && ring.first() == ring.last() { &ring[..ring.len() - 1] } else { ring };
    let n = pts.len().max(1) as f64;
    let (lng, lat) = pts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    proj.xy(lng / n, lat / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[119.66,29.09],[119.665,29.09],[119.665,29.085],[119.66,29.085],[119.66,29.09]]]}"#;

    #[test]
    fn projection_round_trips_and_keeps_north_up() {
        let p = Projection::fit([(119.66, 29.085), (119.67, 29.09)], 600.0).unwrap();
        let (x, y) = p.xy(119.665, 29.0875);
        let (lng, lat) = p.lnglat(x, y);
        assert!((lng - 119.665).abs() < 1e-9 && (lat - 29.0875).abs() < 1e-9);
        assert!(p.xy(119.665, 29.09).1 < p.xy(119.665, 29.085).1, "north is up");
    }

    #[test]
    fn a_map_has_its_areas_markers_and_escaped_names() {
        let area = MapArea {
            code: "330702001008001".into(),
            name: "桃园<一>网格".into(),
            geometry: SQUARE.into(),
            fill: heat_fill(3.0, 6.0),
            note: "3 件".into(),
            href: Some("/cases?grid=330702001008001".into()),
        };
        let point = MapPoint { lng: 119.662, lat: 29.087, class: "overdue", title: "TX1 已超期".into(), href: None };
        let svg = render_map("街道诉求分布", &[area], &[point], 600.0).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("桃园&lt;一&gt;网格") && !svg.contains("桃园<一>"));
        assert!(svg.contains(r#"class="overdue""#) && svg.contains("data-bbox="));
        assert!(render_map("空", &[], &[], 600.0).is_none());
    }

    #[test]
    fn heat_goes_from_pale_to_deep() {
        assert_eq!(heat_fill(0.0, 5.0), "#eceff1");
        assert_eq!(heat_fill(5.0, 5.0), "#b71c1c");
        assert_ne!(heat_fill(1.0, 5.0), heat_fill(4.0, 5.0));
    }
}
