//! The stylesheet and scripts, compiled into the binary (no build step, no files to deploy):
//! ours (`app.css`, `app.js`, `map.js`) and the vendored map library, Leaflet, taken unchanged
//! from its npm package (`static/vendor/leaflet/VERSION` names the version and checksums).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
const MAP_JS: &str = include_str!("../../static/map.js");
/// Where the vendored Leaflet is served; the version is in the path, so it is cached for a year.
pub const LEAFLET: &str = "/static/vendor/leaflet-1.9.4";
const LEAFLET_CACHE: &str = "public, max-age=31536000, immutable";
const LEAFLET_FILES: [(&str, &str, &[u8]); 2] = [
    ("leaflet.js", "text/javascript; charset=utf-8", include_bytes!("../../static/vendor/leaflet/leaflet.js")),
    ("leaflet.css", "text/css; charset=utf-8", include_bytes!("../../static/vendor/leaflet/leaflet.css")),
];
const LEAFLET_IMAGES: [(&str, &[u8]); 5] = [
    ("marker-icon.png", include_bytes!("../../static/vendor/leaflet/images/marker-icon.png")),
    ("marker-icon-2x.png", include_bytes!("../../static/vendor/leaflet/images/marker-icon-2x.png")),
    ("marker-shadow.png", include_bytes!("../../static/vendor/leaflet/images/marker-shadow.png")),
    ("layers.png", include_bytes!("../../static/vendor/leaflet/images/layers.png")),
    ("layers-2x.png", include_bytes!("../../static/vendor/leaflet/images/layers-2x.png")),
];
/// URLs carry the version (`?v=`), so a day's caching never serves a stale file after an upgrade.
const CACHE: &str = "public, max-age=86400";

pub async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], CSS)
}

pub async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], JS)
}

pub async fn map_js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], MAP_JS)
}

/// `GET /static/vendor/leaflet-1.9.4/{file}`: one of the library's two files, nothing else.
pub async fn leaflet(Path(file): Path<String>) -> Response {
    match LEAFLET_FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, bytes)) => {
            ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, LEAFLET_CACHE)], *bytes).into_response()
        }
        None => crate::ui::error::not_found(),
    }
}

/// `GET /static/vendor/leaflet-1.9.4/images/{file}`: the library's marker and control images.
pub async fn leaflet_image(Path(file): Path<String>) -> Response {
    match LEAFLET_IMAGES.iter().find(|(name, _)| *name == file) {
        Some((_, bytes)) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, LEAFLET_CACHE)], *bytes).into_response()
        }
        None => crate::ui::error::not_found(),
    }
}

/// Whether a linked asset is the vendored map library (outside the page-weight budget).
pub fn is_vendored(url: &str) -> bool {
    url.starts_with(LEAFLET)
}

/// The value of attribute `name` in one tag's text (`<link …>`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    tag[at..].split('"').next()
}

/// The stylesheets and scripts a page links (what a browser fetches besides photos), as
/// written in the page (`&amp;` decoded): for measuring a page's weight.
pub fn linked_assets(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, want) in [("<link ", "href"), ("<script ", "src")] {
        for (i, _) in html.match_indices(open) {
            let tag = &html[i..i + html[i..].find('>').unwrap_or(html.len() - i)];
            if open == "<link " && !attr(tag, "rel").is_some_and(|r| r.split(' ').any(|r| r == "stylesheet")) {
                continue;
            }
            if let Some(url) = attr(tag, want) {
                out.push(url.replace("&amp;", "&"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::linked_assets;

    #[test]
    fn stylesheets_and_scripts_are_the_linked_assets() {
        let html = r#"<link rel="stylesheet" href="/static/app.css?v=1"><link rel="icon" href="/f.ico">
            <script src="/static/app.js?v=1&amp;x=2" defer></script><script>inline()</script><img src="/p.jpg">"#;
        assert_eq!(linked_assets(html), vec!["/static/app.css?v=1".to_string(), "/static/app.js?v=1&x=2".into()]);
    }
}
