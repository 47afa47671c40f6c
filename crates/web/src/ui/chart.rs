//! Charts drawn by the server as SVG: a line chart (a count per day) and a horizontal bar chart
//! (a count per category), with Chinese axis titles, `role="img"` and an accessible name. The
//! numbers behind every chart are also shown as a table by the page (a `<details>`), so the
//! chart itself carries no information a screen reader would miss.

use std::fmt::Write;

/// One value on a chart: its label (a day, a category) and the number.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub label: String,
    pub value: f64,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A round upper bound for the value axis and its step (1, 2 or 5 × 10ⁿ; at least 1).
pub fn nice_max(max: f64) -> (f64, f64) {
    let max = max.max(1.0);
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag).max(1.0);
    ((max / step).ceil() * step, step)
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// A line chart of `data` in order (left to right), every `label_every`-th label shown on the
/// horizontal axis; `x_title` and `y_title` name the axes.
pub fn line_chart(label: &str, x_title: &str, y_title: &str, data: &[Datum], label_every: usize) -> String {
    let (w, h) = (720.0, 300.0);
    let (left, right, top, bottom) = (56.0, 16.0, 16.0, 56.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let (ymax, step) = nice_max(data.iter().map(|d| d.value).fold(0.0, f64::max));
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" font-size="12">"#,
        esc(label)
    );
    axes(&mut svg, left, top, pw, ph, ymax, step, x_title, y_title);
    let n = data.len().max(1);
    let x_of = |i: usize| if n == 1 { left + pw / 2.0 } else { left + pw * i as f64 / (n - 1) as f64 };
    let y_of = |v: f64| top + ph - ph * v / ymax;
    let mut d = String::new();
    for (i, p) in data.iter().enumerate() {
        let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x_of(i), y_of(p.value));
    }
    if !data.is_empty() {
        let _ = write!(svg, r##"<path d="{d}" fill="none" stroke="#1565c0" stroke-width="2.5"/>"##);
    }
    let every = label_every.max(1);
    for (i, p) in data.iter().enumerate() {
        let (x, y) = (x_of(i), y_of(p.value));
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#1565c0"><title>{}：{} 件</title></circle>"##,
            esc(&p.label),
            fmt_num(p.value)
        );
        if i % every == 0 || i + 1 == data.len() {
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#455a64">{}</text>"##,
                top + ph + 18.0,
                esc(&p.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart, one bar per datum from the top.
pub fn bar_chart(label: &str, x_title: &str, y_title: &str, data: &[Datum]) -> String {
    let bar = 26.0;
    let (left, right, top, bottom) = (140.0, 40.0, 28.0, 44.0);
    let w = 720.0;
    let pw = w - left - right;
    let ph = bar * data.len().max(1) as f64;
    let h = top + ph + bottom;
    let (xmax, step) = nice_max(data.iter().map(|d| d.value).fold(0.0, f64::max));
    let mut svg = String::with_capacity(2048 + data.len() * 300);
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" font-size="12">"#,
        esc(label)
    );
    // Vertical grid lines and the value axis at the bottom.
    let mut v = 0.0;
    while v <= xmax + 1e-9 {
        let x = left + pw * v / xmax;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="#e0e0e0"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#455a64">{}</text>"##,
            top + ph,
            top + ph + 16.0,
            fmt_num(v)
        );
        v += step;
    }
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{:.1}" stroke="#37474f"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#263238">{}</text><text x="4" y="16" fill="#263238">{}</text>"##,
        top + ph,
        left + pw / 2.0,
        top + ph + 36.0,
        esc(x_title),
        esc(y_title)
    );
    for (i, d) in data.iter().enumerate() {
        let y = top + bar * i as f64;
        let bw = pw * d.value / xmax;
        let _ = write!(
            svg,
            r##"<rect x="{left}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="#ef6c00"><title>{}：{} 件</title></rect><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#263238">{}</text><text x="{:.1}" y="{:.1}" fill="#263238">{}</text>"##,
            y + 4.0,
            bar - 8.0,
            esc(&d.label),
            fmt_num(d.value),
            left - 6.0,
            y + bar / 2.0 + 4.0,
            esc(&truncate(&d.label, 10)),
            left + bw + 4.0,
            y + bar / 2.0 + 4.0,
            fmt_num(d.value)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}

/// The value axis (left, with grid lines) and the category axis (bottom) of a line chart.
#[allow(clippy::too_many_arguments)]
fn axes(svg: &mut String, left: f64, top: f64, pw: f64, ph: f64, ymax: f64, step: f64, x_title: &str, y_title: &str) {
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        let y = top + ph - ph * v / ymax;
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#455a64">{}</text>"##,
            left + pw,
            left - 6.0,
            y + 4.0,
            fmt_num(v)
        );
        v += step;
    }
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{:.1}" stroke="#37474f"/><line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#37474f"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#263238">{}</text><text x="14" y="{:.1}" text-anchor="middle" fill="#263238" transform="rotate(-90 14 {:.1})">{}</text>"##,
        top + ph,
        top + ph,
        left + pw,
        top + ph,
        left + pw / 2.0,
        top + ph + 40.0,
        esc(x_title),
        top + ph / 2.0,
        top + ph / 2.0,
        esc(y_title)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<Datum> {
        vec![Datum { label: "11-01".into(), value: 3.0 }, Datum { label: "<b>".into(), value: 7.0 }]
    }

    #[test]
    fn axes_round_up() {
        assert_eq!(nice_max(0.0), (1.0, 1.0));
        assert_eq!(nice_max(7.0), (8.0, 2.0));
        assert_eq!(nice_max(93.0), (100.0, 50.0));
        let (m, s) = nice_max(1234.0);
        assert!(m >= 1234.0 && (m / s) <= 5.0);
    }

    #[test]
    fn charts_are_accessible_escaped_svg() {
        for svg in [line_chart("每日诉求", "日期", "件数", &data(), 1), bar_chart("分类", "件数", "分类", &data())]
        {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(svg.contains(r#"role="img""#) && svg.contains("aria-label="));
            assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
            assert!(svg.contains("件数"));
        }
    }
}
