//! QR sheets: a printable A4 page per grid with one QR code per building. The code holds the
//! absolute address of the resident's report form for that building (`/report?b=TOKEN`), so a
//! resident who scans it reports with the building already filled in. Staff who may read the
//! grid (scope) only.

use crate::AppState;
use crate::routes::{RouteSpec, r};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{MethodRouter, get};
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;
use std::fmt::Write;
use tongxin_domain::kernel::access::Action;
use tongxin_store::Page;

/// Codes per sheet: three across and four down fill an A4 page.
const PER_SHEET: u32 = 12;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/grids", get(index)), r("GET", "/grids/{code}/qr", get(sheet))]
}

struct GridLink {
    code: String,
    name: String,
}

struct CommunityGrids {
    name: String,
    grids: Vec<GridLink>,
}

#[derive(Template)]
#[template(path = "places/grids.html")]
struct GridsPage {
    shell: Shell,
    communities: Vec<CommunityGrids>,
}

/// `GET /grids`: the grids in scope by community, each linking to its QR sheet (the community
/// worker's menu entry 楼栋二维码).
async fn index(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Action::ReadPlaces)?;
    let regions = state.store.regions().in_scope(staff.scope(), true).await?;
    let mut communities: Vec<CommunityGrids> = Vec::new();
    for r in regions {
        match r.level.as_str() {
            "community" => communities.push(CommunityGrids { name: r.name, grids: Vec::new() }),
            "grid" => {
                let link = GridLink { code: r.code, name: r.name };
                match communities.last_mut() {
                    Some(c) => c.grids.push(link),
                    // A grid worker's scope is the grid alone.
                    None => communities.push(CommunityGrids { name: String::new(), grids: vec![link] }),
                }
            }
            _ => {}
        }
    }
    Ok(render(&GridsPage { shell: Shell::staff("楼栋二维码", &staff, "/grids"), communities }))
}

/// A QR code as a small SVG: one path of horizontal runs of dark modules (a few KB each, so a
/// sheet of twelve stays well under 100 KB), with the standard quiet zone of four modules.
pub fn qr_svg(text: &str, label: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let n = code.width();
    let colors = code.to_colors();
    let size = n + 8;
    let mut d = String::with_capacity(n * n);
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if colors[y * n + x] == qrcode::Color::Dark {
                let start = x;
                while x < n && colors[y * n + x] == qrcode::Color::Dark {
                    x += 1;
                }
                let _ = write!(d, "M{} {}h{}v1h-{}z", start + 4, y + 4, x - start, x - start);
            } else {
                x += 1;
            }
        }
    }
    let label = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" role="img" aria-label="{label}"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##
    ))
}

struct Tile {
    name: String,
    address: String,
    svg: String,
}

#[derive(Template)]
#[template(path = "places/qr_sheet.html")]
struct SheetPage {
    shell: Shell,
    grid_code: String,
    grid_name: String,
    tiles: Vec<Tile>,
    total: i64,
    page: u32,
    pages: u32,
}

#[derive(Deserialize)]
pub struct SheetQuery {
    page: Option<u32>,
}

/// `GET /grids/{code}/qr[?page=N]`: the buildings of a grid, twelve QR codes per A4 sheet.
async fn sheet(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<SheetQuery>,
) -> PageResult {
    staff.require(Action::ReadPlaces)?;
    let grid = state.store.regions().get(staff.scope(), &code).await?;
    if grid.level != "grid" {
        return Err(PageError::NotFound);
    }
    let page = Page { page: q.page.unwrap_or(1).max(1), per_page: PER_SHEET };
    let buildings = state.store.places().qr_sheet(staff.scope(), &grid.code, page).await?;
    let origin = crate::resident::pages::origin(&state, &headers);
    let mut tiles = Vec::with_capacity(buildings.items.len());
    for b in buildings.items {
        let url = format!("{origin}/report?b={}", crate::ui::error::urlencode(&b.qr_token));
        let svg = qr_svg(&url, &format!("{} 的二维码", b.name)).map_err(|e| {
            tracing::error!(error = %e, building = b.id, "QR code failed");
            PageError::Internal
        })?;
        tiles.push(Tile { name: b.name, address: b.address, svg });
    }
    let pages = ((buildings.total.max(0) as u32).div_ceil(PER_SHEET)).max(1);
    let title = format!("{} 楼栋二维码", grid.name);
    Ok(render(&SheetPage {
        shell: Shell::staff(&title, &staff, ""),
        grid_code: grid.code,
        grid_name: grid.name,
        tiles,
        total: buildings.total,
        page: page.page,
        pages,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_a_compact_svg_with_an_escaped_label() {
        let svg = qr_svg("http://example.org/report?b=0123456789abcdef0123456789abcdef", "1<幢>").unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("1&lt;幢&gt;"));
        assert!(svg.len() < 8_000, "{} bytes", svg.len());
    }

    /// The dark squares of a path made of `M x y h w v1 …` runs or `M x y h1v1H…` squares.
    fn squares(path: &str) -> std::collections::BTreeSet<(u32, u32)> {
        let mut out = std::collections::BTreeSet::new();
        for part in path.split('M').skip(1) {
            let (x, rest) = part.split_once(' ').unwrap();
            let y: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let w: String = rest[y.len() + 1..].chars().take_while(char::is_ascii_digit).collect();
            let (x, y, w): (u32, u32, u32) = (x.parse().unwrap(), y.parse().unwrap(), w.parse().unwrap());
            out.extend((x..x + w).map(|i| (i, y)));
        }
        out
    }

    #[test]
    fn the_compact_code_draws_the_same_modules_as_the_crates_renderer() {
        let url = "https://tongxin.example/report?b=0123456789abcdef0123456789abcdef";
        let ours = qr_svg(url, "x").unwrap();
        let theirs = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
            .unwrap()
            .render::<qrcode::render::svg::Color>()
            .module_dimensions(1, 1)
            .build();
        let path = |svg: &str| svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        assert_eq!(squares(&path(&ours)), squares(&path(&theirs)));
        let size = |svg: &str| svg.split("viewBox=\"0 0 ").nth(1).unwrap().split('"').next().unwrap().to_string();
        assert_eq!(size(&ours), size(&theirs), "the same quiet zone");
    }
}
