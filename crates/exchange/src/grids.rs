//! Grid boundaries as a GeoJSON FeatureCollection: each Feature a Polygon with properties
//! `code` (15 digits), `name` and optionally `community_code`.

use crate::error::{Errors, ExportError, ImportError};
use geojson::{GeoJson, Geometry, GeometryValue};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::{RegionCode, RegionLevel};
use tongxin_domain::kernel::text::{self, Lines};
use tongxin_domain::places::{
    LocalProjection, MultiPolygon, Polygon, Tolerance, outside_area_m2, overlap_area_m2, polygon_from_geojson,
    polygon_to_geojson, validate_polygon,
};
use tongxin_store::regions::{Boundary, NewRegion, bump_geometry_revision, upsert_grid};
use tongxin_store::{Actor, Store};

/// What a grid import wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct GridImportReport {
    pub created: usize,
    pub updated: usize,
    /// The codes imported, in file order.
    pub codes: Vec<String>,
}

/// A feature that passed the checks of its own content.
struct Candidate {
    /// 1-based position in the file.
    index: usize,
    position: String,
    code: RegionCode,
    name: String,
    polygon: Polygon<f64>,
    bbox: [f64; 4],
}

const MAX_NAME_CHARS: usize = 100;
/// Budgets of one import (issue 9, item 5): the checks compare edges and polygons pairwise, so
/// the number of features and of vertices is bounded before any geometry is checked.
pub const MAX_FEATURES: usize = 5_000;
pub const MAX_POLYGON_VERTICES: usize = 5_000;
pub const MAX_FILE_VERTICES: usize = 250_000;

/// Validates every feature of `geojson` and, only if all are good, creates or replaces the
/// grids in one transaction (one audit record per grid) and bumps the geometry revision.
pub async fn import_grids(
    store: &Store,
    actor: &Actor,
    scope: &Scope,
    geojson: &[u8],
) -> Result<GridImportReport, ImportError> {
    let features = read_collection(geojson)?;
    if features.len() > MAX_FEATURES {
        return Err(ImportError::Malformed(format!(
            "要素过多：共 {} 个，每次最多导入 {MAX_FEATURES} 个，请分批导入",
            features.len()
        )));
    }
    let vertices: usize = features.iter().map(|f| count_positions(f.get("geometry"))).sum();
    if vertices > MAX_FILE_VERTICES {
        return Err(ImportError::Malformed(format!(
            "边界顶点过多：共 {vertices} 个，每次最多导入 {MAX_FILE_VERTICES} 个，请简化边界或分批导入"
        )));
    }
    let tolerance = Tolerance::default();
    let mut errors = Errors::default();

    // 1. Each feature on its own: properties, geometry, duplicate codes.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, feature) in features.iter().enumerate() {
        if let Some(c) = check_feature(i + 1, feature, &mut errors) {
            if let Some(first) = seen.get(c.code.as_str()) {
                errors.push(&c.position, Some("code"), format!("网格编码与第 {first} 个要素重复"));
                continue;
            }
            seen.insert(c.code.as_str().to_string(), c.index);
            candidates.push(c);
        }
    }

    // 2. Communities: in scope, existing, and containing their grids.
    let mut communities: HashMap<String, Option<Option<MultiPolygon<f64>>>> = HashMap::new();
    let mut placed: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let community = c.code.parent().expect("grids have a community");
        let community = community.as_str();
        if !scope.covers_place(community) {
            errors.push(&c.position, Some("code"), format!("所属社区 {community} 不在您的管辖范围内"));
            continue;
        }
        if !communities.contains_key(community) {
            let boundary = match store.regions().shape(community).await? {
                Some(s) if s.level == RegionLevel::Community.as_str() => Some(s.geometry.as_deref().and_then(|g| {
                    let parsed = multi_polygon_from_text(g);
                    if parsed.is_none() {
                        tracing::warn!(community, "community boundary is not a polygon; outside check skipped");
                    }
                    parsed
                })),
                _ => None,
            };
            communities.insert(community.to_string(), boundary);
        }
        match &communities[community] {
            None => {
                errors.push(
                    &c.position,
                    Some("code"),
                    format!("所属社区 {community} 不存在（网格编码前 12 位应为已有社区的代码）"),
                );
                continue;
            }
            Some(Some(outer)) => {
                let proj = LocalProjection::for_polygon(&c.polygon);
                let outside = outside_area_m2(&c.polygon, outer, &proj);
                if outside > tolerance.max_outside_m2 {
                    errors.push(
                        &c.position,
                        Some("geometry"),
                        format!(
                            "网格超出所属社区 {community} 的边界约 {} 平方米（允许误差 {} 平方米）",
                            area_text(outside),
                            tolerance.max_outside_m2
                        ),
                    );
                    continue;
                }
            }
            Some(None) => {}
        }
        placed.push(c);
    }

    // 3. Overlaps among the file's grids (a sweep over bounding boxes sorted by west edge).
    let mut order: Vec<usize> = (0..placed.len()).collect();
    order.sort_by(|&a, &b| placed[a].bbox[0].total_cmp(&placed[b].bbox[0]));
    let mut overlapping: HashSet<usize> = HashSet::new();
    for (k, &a) in order.iter().enumerate() {
        for &b in &order[k + 1..] {
            if placed[b].bbox[0] >= placed[a].bbox[2] {
                break;
            }
            if !boxes_overlap(&placed[a].bbox, &placed[b].bbox) {
                continue;
            }
            let (first, second) =
                if placed[a].index < placed[b].index { (&placed[a], &placed[b]) } else { (&placed[b], &placed[a]) };
            let proj = LocalProjection::for_polygon(&first.polygon);
            let shared = overlap_area_m2(&first.polygon, &second.polygon, &proj);
            if shared > tolerance.max_overlap_m2 {
                errors.push(
                    &second.position,
                    Some("geometry"),
                    format!(
                        "与第 {} 个要素（code {}）重叠约 {} 平方米（允许误差 {} 平方米）",
                        first.index,
                        first.code,
                        area_text(shared),
                        tolerance.max_overlap_m2
                    ),
                );
                overlapping.insert(second.index);
            }
        }
    }

    // 4. Overlaps with grids already stored (those the file replaces excepted).
    if let Some(bbox) = union_bbox(placed.iter().map(|c| c.bbox)) {
        let stored = store.exchange().grid_shapes_in_bbox(bbox).await?;
        let others: Vec<(String, String, Polygon<f64>, [f64; 4])> = stored
            .into_iter()
            .filter(|s| !seen.contains_key(&s.code))
            .filter_map(|s| {
                let g = s.geometry.as_deref()?;
                let p = tongxin_domain::places::polygon_from_geojson_str(g).ok()?;
                let b = bbox_of(&p)?;
                Some((s.code, s.name, p, b))
            })
            .collect();
        for c in &placed {
            for (code, name, polygon, b) in &others {
                if !boxes_overlap(&c.bbox, b) {
                    continue;
                }
                let proj = LocalProjection::for_polygon(&c.polygon);
                let shared = overlap_area_m2(&c.polygon, polygon, &proj);
                if shared > tolerance.max_overlap_m2 {
                    errors.push(
                        &c.position,
                        Some("geometry"),
                        format!(
                            "与现有网格 {code}（{name}）重叠约 {} 平方米（允许误差 {} 平方米）",
                            area_text(shared),
                            tolerance.max_overlap_m2
                        ),
                    );
                }
            }
        }
    }
    errors.finish()?;

    // 5. Write everything or nothing.
    let codes: Vec<String> = placed.iter().map(|c| c.code.to_string()).collect();
    let existing: HashSet<String> =
        store.exchange().region_levels(&codes).await?.into_iter().map(|(code, _)| code).collect();
    let now = store.now();
    let mut tx = store.db.begin().await?;
    let mut report = GridImportReport::default();
    for c in &placed {
        let geojson = serde_json::to_string(&polygon_to_geojson(&c.polygon))
            .map_err(|e| ImportError::Malformed(e.to_string()))?;
        let grid = NewRegion {
            code: c.code.clone(),
            name: c.name.clone(),
            boundary: Some(Boundary { geojson, bbox: c.bbox }),
        };
        upsert_grid(&mut tx, store.pii(), &grid, now, actor).await?;
        if existing.contains(c.code.as_str()) {
            report.updated += 1;
        } else {
            report.created += 1;
        }
        report.codes.push(c.code.to_string());
    }
    bump_geometry_revision(&mut tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// The features of a FeatureCollection, or why the file is not one.
fn read_collection(bytes: &[u8]) -> Result<Vec<Value>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root: Value = serde_json::from_slice(bytes)
        .map_err(|e| ImportError::Malformed(format!("不是有效的 JSON（第 {} 行第 {} 列）", e.line(), e.column())))?;
    let kind = root.get("type").and_then(Value::as_str);
    if kind != Some("FeatureCollection") {
        let found = kind.map_or_else(|| "无 type 属性".to_string(), |k| format!("type 为 {k}"));
        return Err(ImportError::Malformed(format!("应为 GeoJSON 要素集合（FeatureCollection），实际{found}")));
    }
    match root.get("features") {
        Some(Value::Array(features)) if features.is_empty() => {
            Err(ImportError::Malformed("要素集合中没有任何要素".into()))
        }
        Some(Value::Array(features)) => Ok(features.clone()),
        _ => Err(ImportError::Malformed("要素集合缺少 features 数组".into())),
    }
}

/// A property as text: strings trimmed, integers as their digits.
fn text_property(props: &Map<String, Value>, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(match n.as_u64() {
            Some(u) => u.to_string(),
            None => n.to_string(),
        }),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn check_feature(index: usize, feature: &Value, errors: &mut Errors) -> Option<Candidate> {
    let empty = Map::new();
    let props = feature.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let raw_code = text_property(props, "code").filter(|c| !c.is_empty());
    let position = match &raw_code {
        Some(code) => format!("第 {index} 个要素（code {}）", shown(code)),
        None => format!("第 {index} 个要素"),
    };
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        errors.push(&position, None, "不是 GeoJSON 要素（Feature）");
        return None;
    }
    let mut ok = true;

    let code = match raw_code.as_deref() {
        None => {
            errors.push(&position, Some("code"), "缺少网格编码");
            None
        }
        Some(raw) => match RegionCode::parse(raw) {
            Ok(c) if c.level() == RegionLevel::Grid && !raw.ends_with("000") => Some(c),
            _ => {
                errors.push(
                    &position,
                    Some("code"),
                    format!("网格编码“{}”无效：应为 15 位数字（12 位社区代码 + 3 位序号 001–999）", shown(raw)),
                );
                None
            }
        },
    };
    if let (Some(code), Some(community)) = (&code, text_property(props, "community_code"))
        && !community.is_empty()
        && Some(community.as_str()) != code.parent().as_ref().map(RegionCode::as_str)
    {
        errors.push(
            &position,
            Some("community_code"),
            format!("所属社区代码 {} 与网格编码的前 12 位 {} 不一致", shown(&community), &code.as_str()[..12]),
        );
        ok = false;
    }

    let name = text_property(props, "name").unwrap_or_default();
    if name.is_empty() {
        errors.push(&position, Some("name"), "缺少网格名称");
        ok = false;
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(&position, Some("name"), format!("网格名称过长（最多 {MAX_NAME_CHARS} 个字）"));
        ok = false;
    } else if let Err(e) = text::check("网格名称", &name, MAX_NAME_CHARS, Lines::One) {
        errors.push(&position, Some("name"), e.to_string());
        ok = false;
    }

    let polygon = match feature.get("geometry") {
        None | Some(Value::Null) => {
            errors.push(&position, Some("geometry"), "缺少几何（geometry）");
            None
        }
        Some(g) => match read_polygon(g) {
            Ok(p) => Some(p),
            Err(message) => {
                errors.push(&position, Some("geometry"), message);
                None
            }
        },
    };

    let (Some(code), Some(polygon), true) = (code, polygon, ok) else {
        return None;
    };
    let bbox = bbox_of(&polygon)?;
    Some(Candidate { index, position, code, name, polygon, bbox })
}

/// A valid polygon from a GeoJSON geometry object, or the reason in Chinese.
fn read_polygon(g: &Value) -> Result<Polygon<f64>, String> {
    let geometry: Geometry = serde_json::from_value(g.clone())
        .map_err(|_| "几何不是有效的 GeoJSON 几何对象（应含 type 和 coordinates）".to_string())?;
    let polygon = polygon_from_geojson(&GeoJson::Geometry(geometry)).map_err(|e| e.to_string())?;
    let n = polygon.exterior().0.len() + polygon.interiors().iter().map(|r| r.0.len()).sum::<usize>();
    if n > MAX_POLYGON_VERTICES {
        return Err(format!("边界顶点过多：{n} 个，最多 {MAX_POLYGON_VERTICES} 个，请简化边界"));
    }
    validate_polygon(&polygon).map_err(|e| format!("边界无效：{e}"))?;
    Ok(polygon)
}

/// The number of positions (arrays of numbers) in a geometry's coordinates, counted without
/// recursion past a polygon's depth (deeper nesting is not a polygon and fails later anyway).
fn count_positions(geometry: Option<&Value>) -> usize {
    fn walk(v: &Value, depth: usize) -> usize {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_number) => 1,
            Value::Array(items) if depth < 4 => items.iter().map(|i| walk(i, depth + 1)).sum(),
            Value::Array(items) => items.len(),
            _ => 0,
        }
    }
    geometry.and_then(|g| g.get("coordinates")).map_or(0, |c| walk(c, 0))
}

/// A value quoted in a message: at most 40 characters, control characters replaced.
fn shown(raw: &str) -> String {
    let mut out: String = raw.chars().take(40).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if raw.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// A stored boundary (Polygon or MultiPolygon of any number of parts) as a multi-polygon.
fn multi_polygon_from_text(text: &str) -> Option<MultiPolygon<f64>> {
    let geometry: Geometry = serde_json::from_str(text).ok()?;
    let parts: Vec<Geometry> = match geometry.value {
        GeometryValue::Polygon { .. } => vec![geometry],
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.into_iter().map(|coordinates| Geometry::new(GeometryValue::Polygon { coordinates })).collect()
        }
        _ => return None,
    };
    parts
        .into_iter()
        .map(|g| polygon_from_geojson(&GeoJson::Geometry(g)).ok())
        .collect::<Option<Vec<_>>>()
        .map(MultiPolygon)
}

fn bbox_of(p: &Polygon<f64>) -> Option<[f64; 4]> {
    let mut it = p.exterior().0.iter();
    let first = it.next()?;
    let mut b = [first.x, first.y, first.x, first.y];
    for c in it {
        b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
    }
    Some(b)
}

fn boxes_overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn union_bbox(boxes: impl Iterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    boxes.reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

fn area_text(m2: f64) -> String {
    if m2 >= 10.0 { format!("{m2:.0}") } else { format!("{m2:.1}") }
}

/// The grids in scope (optionally only those under `within`) as a GeoJSON FeatureCollection,
/// one feature per line, which [`import_grids`] accepts back unchanged. Grids without a stored
/// boundary are left out (a feature needs a polygon to be imported).
pub async fn export_grids(store: &Store, scope: &Scope, within: Option<&str>) -> Result<String, ExportError> {
    let prefix = narrow(scope.places_prefix(), within)?;
    let shapes = store.regions().shapes(&prefix, RegionLevel::Grid.as_str()).await?;
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    let mut first = true;
    for s in shapes {
        let Some(geometry) = s.geometry.as_deref().and_then(|g| serde_json::from_str::<Value>(g).ok()) else {
            continue;
        };
        let community = s.parent_code.clone().unwrap_or_else(|| s.code.get(..12).unwrap_or("").to_string());
        let feature = json!({
            "type": "Feature",
            "properties": { "code": s.code, "name": s.name, "community_code": community },
            "geometry": geometry,
        });
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        out.push_str(&feature.to_string());
    }
    out.push_str("\n]}\n");
    Ok(out)
}

/// The scope's prefix narrowed to `within`; a `within` outside the scope is refused.
pub(crate) fn narrow(scope_prefix: &str, within: Option<&str>) -> Result<String, ExportError> {
    match within.map(str::trim) {
        None | Some("") => Ok(scope_prefix.to_string()),
        Some(w) if w.starts_with(scope_prefix) => Ok(w.to_string()),
        Some(w) if scope_prefix.starts_with(w) => Ok(scope_prefix.to_string()),
        Some(w) => Err(ExportError::OutOfScope(w.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_keeps_to_the_scope() {
        assert_eq!(narrow("330702", None).unwrap(), "330702");
        assert_eq!(narrow("330702", Some("330702001")).unwrap(), "330702001");
        assert_eq!(narrow("330702001", Some("330702")).unwrap(), "330702001");
        assert_eq!(narrow("330702001", Some("330703")), Err(ExportError::OutOfScope("330703".into())));
    }

    #[test]
    fn collection_shape_errors() {
        assert!(matches!(read_collection(b"{oops"), Err(ImportError::Malformed(m)) if m.contains("不是有效的 JSON")));
        assert!(
            matches!(read_collection(br#"{"type":"Feature"}"#), Err(ImportError::Malformed(m)) if m.contains("FeatureCollection"))
        );
        assert!(
            matches!(read_collection(br#"{"type":"FeatureCollection","features":[]}"#), Err(ImportError::Malformed(m)) if m.contains("没有任何要素"))
        );
    }
}
