//! The stylesheet and script, compiled into the binary (no build step, no files to deploy).

use axum::http::header;
use axum::response::IntoResponse;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
/// URLs carry the version (`?v=`), so a day's caching never serves a stale file after an upgrade.
const CACHE: &str = "public, max-age=86400";

pub async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], CSS)
}

pub async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], JS)
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
