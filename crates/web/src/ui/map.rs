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

impl MapArea {
    /// A region drawn plain (the resident's and the grid worker's maps: no counts, no link);
    /// `None` without a boundary.
    pub fn plain(shape: tongxin_store::regions::RegionShape) -> Option<MapArea> {
        Some(MapArea {
            code: shape.code,
            name: shape.name,
            geometry: shape.geometry?,
            fill: "#e8f0e8".into(),
            note: String::new(),
            href: None,
        })
    }
}

/// A marker.
#[derive(Debug, Clone)]
pub struct MapPoint {
    pub lng: f64,
    pub lat: f64,
    /// CSS class: `case`, `overdue`, `building`, `dispute`.
    pub class: &'static str,
    /// The fill, when not the class's own (a dispute's risk colour).
    pub fill: Option<String>,
    pub title: String,
    pub href: Option<String>,
}

/// The flattest and the tallest drawing (height / width); beyond, blank margins are added.
const MIN_ASPECT: f64 = 0.45;
const MAX_ASPECT: f64 = 1.4;

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
    /// Fits the bounds into `width` units wide, keeping shapes true at their latitude (a degree
    /// of longitude is cos(latitude) of a degree of latitude). A region far wider than tall (or
    /// taller than wide) gets blank margins rather than a squeezed or stretched drawing.
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
        let (mut min_lng, mut max_lng, mut min_lat, mut max_lat) =
            (min_lng - dx, max_lng + dx, min_lat - dy, max_lat + dy);
        let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let aspect = (max_lat - min_lat) / ((max_lng - min_lng) * k);
        if aspect < MIN_ASPECT {
            let grow = ((max_lng - min_lng) * k * MIN_ASPECT - (max_lat - min_lat)) / 2.0;
            (min_lat, max_lat) = (min_lat - grow, max_lat + grow);
        } else if aspect > MAX_ASPECT {
            let grow = ((max_lat - min_lat) / MAX_ASPECT / k - (max_lng - min_lng)) / 2.0;
            (min_lng, max_lng) = (min_lng - grow, max_lng + grow);
        }
        let height = width * (max_lat - min_lat) / ((max_lng - min_lng) * k);
        Some(Projection { min_lng, min_lat, max_lng, max_lat, width, height })
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
    render_map_sized(label, areas, points, width, (width / 60.0).max(10.0))
}

/// A label's box in map units: CJK characters are one em wide, others about 0.6 em; one line
/// for the name, a second for the note.
fn label_size(name: &str, note: &str, font: f64) -> (f64, f64) {
    let em = |t: &str| t.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f64>();
    let lines = if note.is_empty() { 1.0 } else { 2.0 };
    (em(name).max(em(note)) * font + font * 0.4, lines * font * 1.25)
}

/// Where each area's label goes, if anywhere: at the pole of inaccessibility, only when the box
/// fits inside the area, larger areas first, never over another label. `(x, y, with_note)`
/// with `y` the first line's baseline.
fn place_labels(areas: &[MapArea], rings: &[Vec<(f64, f64)>], font: f64) -> Vec<Option<(f64, f64, bool)>> {
    use tongxin_domain::places::label::{LabelBox, box_inside, keep_non_overlapping, pole_of_inaccessibility};
    let mut candidates: Vec<(usize, f64, LabelBox, bool)> = Vec::new();
    for (i, (area, ring)) in areas.iter().zip(rings).enumerate() {
        let Some(((x, y), room)) = pole_of_inaccessibility(ring, 0.5) else {
            continue;
        };
        let fits = |note: &str| {
            let (w, h) = label_size(&area.name, note, font);
            let b = LabelBox { x, y, w, h };
            box_inside(ring, &b).then_some(b)
        };
        if let Some(b) = fits(&area.note) {
            candidates.push((i, room, b, !area.note.is_empty()));
        } else if let Some(b) = fits("") {
            candidates.push((i, room, b, false));
        }
    }
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
    let kept = keep_non_overlapping(&candidates.iter().map(|c| c.2).collect::<Vec<_>>());
    let mut out = vec![None; areas.len()];
    for ((i, _, b, with_note), keep) in candidates.into_iter().zip(kept) {
        if keep {
            // The box is centred on the pole; the first baseline sits a line below its top.
            out[i] = Some((b.x, b.y - b.h / 2.0 + font * 1.0, with_note));
        }
    }
    out
}

/// [`render_map`] with the labels' font size in map units (a map drawn 600 units wide and shown
/// 360 px wide on a phone needs larger letters than one shown at full size).
pub fn render_map_sized(label: &str, areas: &[MapArea], points: &[MapPoint], width: f64, font: f64) -> Option<String> {
    let rings: Vec<Vec<(f64, f64)>> = areas.iter().map(|a| outer_ring(&a.geometry)).collect();
    let all = rings.iter().flatten().copied().chain(points.iter().map(|p| (p.lng, p.lat)));
    let proj = Projection::fit(all, width)?;
    let projected: Vec<Vec<(f64, f64)>> =
        rings.iter().map(|r| r.iter().map(|&(lng, lat)| proj.xy(lng, lat)).collect()).collect();
    let labels = place_labels(areas, &projected, font);
    let mut svg = String::with_capacity(256 + areas.len() * 300 + points.len() * 120);
    let _ = write!(
        svg,
        r#"<svg class="map" role="img" aria-label="{}" viewBox="0 0 {:.0} {:.0}" data-bbox="{},{},{},{}" xmlns="http://www.w3.org/2000/svg" font-size="{font:.0}">"#,
        esc(label),
        proj.width,
        proj.height,
        proj.min_lng,
        proj.min_lat,
        proj.max_lng,
        proj.max_lat,
    );
    let mut texts = String::new();
    for ((area, ring), place) in areas.iter().zip(&projected).zip(&labels) {
        if ring.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (i, (x, y)) in ring.iter().enumerate() {
            let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
        let shape = format!(
            r##"<path d="{d}" fill="{}" stroke="#37474f" stroke-width="1.5"><title>{} {}</title></path>"##,
            esc(&area.fill),
            esc(&area.name),
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
        // Labels go on top of every area, so a neighbour's fill never covers one.
        if let Some((x, y, with_note)) = place {
            let _ =
                write!(texts, r#"<text x="{x:.0}" y="{y:.0}" text-anchor="middle" class="label">{}"#, esc(&area.name));
            if *with_note {
                let _ = write!(texts, r#"<tspan x="{x:.0}" dy="1.25em" class="note">{}</tspan>"#, esc(&area.note));
            }
            texts.push_str("</text>");
        }
    }
    if !texts.is_empty() {
        let _ = write!(svg, r#"<g class="labels" pointer-events="none">{texts}</g>"#);
    }
    let r = (width / 120.0).max(4.0);
    for p in points {
        let (x, y) = proj.xy(p.lng, p.lat);
        let color = p.fill.as_deref().unwrap_or(match p.class {
            "overdue" => "#c62828",
            "building" => "#1565c0",
            _ => "#ef6c00",
        });
        let dot = format!(
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{}" stroke="#fff" class="{}"><title>{}</title></circle>"##,
            esc(color),
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

/// Where an area's label goes on an interactive map: the pole of inaccessibility of its outer
/// ring, computed in a local metric frame (so it is true at any zoom), as (lng, lat).
pub fn label_point(geometry: &str) -> Option<(f64, f64)> {
    let ring = outer_ring(geometry);
    let first = *ring.first()?;
    let k = first.1.to_radians().cos();
    let local: Vec<(f64, f64)> = ring.iter().map(|&(lng, lat)| ((lng - first.0) * k, lat - first.1)).collect();
    let ((x, y), _) = tongxin_domain::places::label::pole_of_inaccessibility(&local, 1e-6)?;
    Some((first.0 + x / k, first.1 + y))
}

/// Where the interactive map's background comes from (`[map]` in the configuration).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Tiles {
    /// No background: the vector layers on a plain ground; nothing is fetched from elsewhere.
    #[default]
    None,
    /// 天地图 WMTS (vector map and its Chinese annotation), with the site's key.
    Tianditu { key: String },
    /// Any `{z}/{x}/{y}` template (`{s}` for subdomains a, b, c).
    Xyz { url: String },
}

/// The interactive map's settings: the tile source, its credit line, and whether its tiles are
/// drawn in GCJ-02 (高德, 腾讯 …), so our WGS-84 layers must be shifted before drawing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapConfig {
    pub tiles: Tiles,
    pub attribution: String,
    pub gcj02: bool,
}

const TIANDITU: &str = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=";

impl MapConfig {
    /// From the configuration's words; a Chinese message naming the setting at fault.
    pub fn parse(
        tiles: &str,
        tianditu_key: &str,
        xyz_url: &str,
        attribution: &str,
        coords: &str,
    ) -> Result<MapConfig, String> {
        let gcj02 = match coords.trim() {
            "" | "wgs84" => false,
            "gcj02" => true,
            other => return Err(format!("[map] coords 须为 wgs84 或 gcj02，现为 “{other}”")),
        };
        let tiles = match tiles.trim() {
            "" | "none" => Tiles::None,
            "tianditu" => {
                let key = tianditu_key.trim();
                if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err("[map] tiles = \"tianditu\" 需要 tianditu_key（天地图开发者密钥，字母和数字）".into());
                }
                Tiles::Tianditu { key: key.to_string() }
            }
            "xyz" => {
                let url = xyz_url.trim();
                let ok = (url.starts_with("https://") || url.starts_with("http://"))
                    && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p))
                    && !url.contains(['"', '\'', '<', '>', ' ']);
                if !ok {
                    return Err(format!("[map] xyz_url 须为含 {{z}}、{{x}}、{{y}} 的 http(s) 地址模板，现为 “{url}”"));
                }
                Tiles::Xyz { url: url.to_string() }
            }
            other => return Err(format!("[map] tiles 须为 none、tianditu 或 xyz，现为 “{other}”")),
        };
        let attribution = match (&tiles, attribution.trim()) {
            (Tiles::Tianditu { .. }, "") => "© 天地图 国家地理信息公共服务平台".to_string(),
            (_, a) => a.to_string(),
        };
        Ok(MapConfig { tiles, attribution, gcj02 })
    }

    /// The tile layers' URL templates for Leaflet (base map first), empty without tiles.
    pub fn tile_urls(&self) -> Vec<String> {
        match &self.tiles {
            Tiles::None => Vec::new(),
            Tiles::Tianditu { key } => {
                ["vec", "cva"].iter().map(|l| format!("{}{key}", TIANDITU.replace("{layer}", l))).collect()
            }
            Tiles::Xyz { url } => vec![url.clone()],
        }
    }

    /// The tile host as a CSP source (`https://*.tianditu.gov.cn`; a `{s}` label becomes `*`).
    pub fn tile_source(&self) -> Option<String> {
        let url = self.tile_urls().into_iter().next()?;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split(['/', '?']).next()?;
        let host = match host.split_once('.') {
            Some((first, tail)) if first.contains('{') => format!("*.{tail}"),
            _ => host.to_string(),
        };
        (!host.contains(['{', '}'])).then(|| format!("{scheme}://{host}"))
    }

    /// The Content-Security-Policy: [`crate::middleware::CONTENT_SECURITY_POLICY`] with the tile
    /// host added to `img-src` only.
    pub fn content_security_policy(&self) -> String {
        let base = crate::middleware::CONTENT_SECURITY_POLICY;
        match self.tile_source() {
            Some(src) => base.replacen("img-src 'self' data: blob:", &format!("img-src 'self' data: blob: {src}"), 1),
            None => base.to_string(),
        }
    }

    /// The attributes of a map box (`<div class="map-box" …>`) that `static/map.js` reads to
    /// draw the interactive map over the SVG: what it is for (`report` places a point,
    /// `areas` links each area to `href` + its code), where its layers come from, the tiles.
    pub fn box_attrs(&self, purpose: &str, layers_url: &str, href: &str) -> String {
        let urls = self.tile_urls().join(" ");
        format!(
            r#"data-map="{}" data-layers="{}" data-href="{}" data-tiles="{}" data-attribution="{}" data-coords="{}""#,
            esc(purpose),
            esc(layers_url),
            esc(href),
            esc(&urls),
            esc(&self.attribution),
            if self.gcj02 { "gcj02" } else { "wgs84" },
        )
    }
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
        let point = MapPoint {
            lng: 119.662,
            lat: 29.087,
            class: "overdue",
            fill: None,
            title: "TX1 已超期".into(),
            href: None,
        };
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

    /// Squares side by side in a strip, each 0.002° — the shape of a street of many grids.
    fn strip(n: usize) -> Vec<MapArea> {
        (0..n)
            .map(|i| {
                let x = 119.6 + i as f64 * 0.002;
                MapArea {
                    code: format!("g{i}"),
                    name: format!("第{i}网格"),
                    geometry: format!(
                        r#"{{"type":"Polygon","coordinates":[[[{x},29.09],[{},29.09],[{},29.088],[{x},29.088],[{x},29.09]]]}}"#,
                        x + 0.002,
                        x + 0.002
                    ),
                    fill: "#fff".into(),
                    note: String::new(),
                    href: None,
                }
            })
            .collect()
    }

    /// The boxes of the drawn labels, read back from the SVG text (x, baseline y, text).
    fn drawn_labels(svg: &str) -> Vec<(f64, f64, String)> {
        let num = |tag: &str, a: &str| -> f64 {
            let k = format!(" {a}=\"");
            let at = tag.find(&k).unwrap() + k.len();
            tag[at..].split('"').next().unwrap().parse().unwrap()
        };
        svg.match_indices("<text ")
            .map(|(i, _)| {
                let tag = &svg[i..];
                let text = tag[tag.find('>').unwrap() + 1..].split('<').next().unwrap().to_string();
                (num(tag, "x"), num(tag, "y"), text)
            })
            .collect()
    }

    #[test]
    fn a_strip_of_grids_keeps_its_true_shape_and_its_labels_do_not_overlap() {
        let areas = strip(75);
        let svg = render_map("街道", &areas, &[], 720.0).unwrap();
        // 75 squares in a row: true shape means the drawing is 75 times wider than a square is
        // tall; the margin keeps the picture readable instead of squeezing it.
        let p = Projection::fit(areas.iter().flat_map(|a| outer_ring(&a.geometry)), 720.0).unwrap();
        let (x0, y0) = p.xy(119.6, 29.09);
        let (x1, y1) = p.xy(119.602, 29.088);
        let k = 29.089f64.to_radians().cos();
        assert!(
            ((x1 - x0) / (y1 - y0) - k).abs() < 1e-6,
            "a square of 0.002° is drawn true: {}",
            (x1 - x0) / (y1 - y0)
        );
        assert!((p.height / p.width - MIN_ASPECT).abs() < 1e-9, "margins, not squeezing: {}", p.height);
        // Each square is ~8 units wide: no name of 4 CJK characters fits, none is drawn.
        assert!(drawn_labels(&svg).is_empty(), "{:?}", drawn_labels(&svg));
        // Five wide squares: every name fits, and no two overlap.
        let five = strip(5);
        let svg = render_map("街道", &five, &[], 720.0).unwrap();
        let labels = drawn_labels(&svg);
        assert_eq!(labels.len(), 5, "{labels:?}");
        let font = 12.0;
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                let (w, _) = label_size(&a.2, "", font);
                assert!((a.0 - b.0).abs() >= w || (a.1 - b.1).abs() >= font * 1.25, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_label_point_of_an_l_shaped_grid_lies_inside_it() {
        let l = r#"{"type":"Polygon","coordinates":[[[119.60,29.08],[119.62,29.08],[119.62,29.082],[119.602,29.082],[119.602,29.10],[119.60,29.10],[119.60,29.08]]]}"#;
        let (lng, lat) = label_point(l).unwrap();
        let ring = outer_ring(l);
        assert!(tongxin_domain::places::label::inside(&ring, (lng, lat)), "{lng},{lat}");
    }

    #[test]
    fn the_tile_source_is_checked_and_only_its_host_enters_the_policy() {
        let none = MapConfig::parse("none", "", "", "", "wgs84").unwrap();
        assert!(none.tile_urls().is_empty() && none.tile_source().is_none());
        assert_eq!(none.content_security_policy(), crate::middleware::CONTENT_SECURITY_POLICY);
        let tdt = MapConfig::parse("tianditu", "abc123", "", "", "").unwrap();
        assert_eq!(tdt.tile_urls().len(), 2, "the base map and its annotation");
        assert!(tdt.tile_urls()[0].ends_with("tk=abc123") && tdt.tile_urls()[1].contains("LAYER=cva"));
        let csp = tdt.content_security_policy();
        assert!(csp.contains("img-src 'self' data: blob: https://*.tianditu.gov.cn;"), "{csp}");
        assert!(csp.contains("connect-src 'self';") && csp.contains("script-src 'self';"), "img-src only: {csp}");
        let amap = MapConfig::parse(
            "xyz",
            "",
            "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
            "© 高德地图",
            "gcj02",
        )
        .unwrap();
        assert!(amap.gcj02);
        assert_eq!(amap.tile_source().as_deref(), Some("https://*.is.autonavi.com"));
        let osm = MapConfig::parse("xyz", "", "https://tile.example.org/{z}/{x}/{y}.png", "", "").unwrap();
        assert_eq!(osm.tile_source().as_deref(), Some("https://tile.example.org"));
        for (tiles, key, url, coords) in [
            ("tianditu", "", "", ""),
            ("tianditu", "k\"y", "", ""),
            ("xyz", "", "ftp://x/{z}/{x}/{y}", ""),
            ("xyz", "", "https://x/{z}/{x}.png", ""),
            ("google", "", "", ""),
            ("none", "", "", "bd09"),
        ] {
            let e = MapConfig::parse(tiles, key, url, "", coords).unwrap_err();
            assert!(e.starts_with("[map]"), "{e}");
        }
        let attrs = amap.box_attrs("areas", "/map/layers.json?area=1&x=2", "/cases?grid=");
        assert!(attrs.contains(r#"data-coords="gcj02""#) && attrs.contains("area=1&amp;x=2"), "{attrs}");
    }
}
