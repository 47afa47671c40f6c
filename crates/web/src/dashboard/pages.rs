//! 数据看板 for leaders, dispatchers and the admin: cases reported per day over the last 30
//! days, open cases by category, the month's 三率 ranking and a heat map of open cases on the
//! grids, all within the caller's scope (optionally narrowed with `?area=`). Every chart is an
//! SVG drawn here, with its numbers in a table under it and an xlsx download
//! (`/dashboard/export.xlsx?chart=daily|category|ranking|areas`).
//!
//! The counts come from index range reads bounded by street and date
//! (`store.case_created_times`, `store.open_case_counts`) and from the monthly unit counters
//! (the 三率 ranking), so the page stays quick with millions of cases.

use crate::AppState;
use crate::routes::{RouteSpec, r};
use crate::ui::chart::{Datum, bar_chart, line_chart};
use crate::ui::error::urlencode;
use crate::ui::map::{MapArea, heat_fill, render_map};
use crate::ui::xlsx::{Cell, download, sheet};
use crate::ui::{PageError, PageResult, Shell, Staff, render};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use tongxin_app::evaluation::{self, EvaluationError, Level, RankedUnit};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_exchange::{EvaluationRow, NO_RATE, evaluation_xlsx};
use tongxin_store::Store;
use tongxin_store::cases::dashboard::OpenCount;

/// Days on the trend chart.
pub const DAYS: i64 = 30;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/dashboard", get(page)), r("GET", "/dashboard/export.xlsx", get(export))]
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    /// A region code within the caller's scope.
    pub area: Option<String>,
    /// 三率 level: department (default), street, community, grid.
    pub level: Option<String>,
    /// Export: daily, category, ranking, areas.
    pub chart: Option<String>,
}

fn may_view(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Leader | Role::Dispatcher)
}

/// The area a dashboard or map covers: its region-code prefix (empty for the whole tree) and
/// the scope that reads it. Built only by [`area_of`], so the scope is never re-derived from a
/// string (an unparseable code once widened to "everything").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Area {
    pub code: String,
    pub scope: Scope,
}

impl std::ops::Deref for Area {
    type Target = str;

    fn deref(&self) -> &str {
        &self.code
    }
}

/// The area the page covers: the caller's own scope, or `asked` within it (else 404).
pub(crate) fn area_of(staff: &Staff, asked: Option<&str>) -> PageResult<Area> {
    let scope = staff.scope();
    if let Scope::Department { .. } = scope {
        return Err(PageError::Forbidden);
    }
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(Area { code: scope.places_prefix().to_string(), scope: scope.clone() }),
        Some(a) => {
            let code = RegionCode::parse(a).map_err(|_| PageError::NotFound)?;
            if scope.covers_place(code.as_str()) {
                Ok(Area { code: code.as_str().to_string(), scope: Scope::Region { code } })
            } else {
                Err(PageError::NotFound)
            }
        }
    }
}

/// The areas to ask the per-street queries about: `area` itself when it lies within one street,
/// else every street under it.
pub(crate) async fn street_areas(store: &Store, area: &Area) -> PageResult<Vec<String>> {
    if area.len() >= 9 {
        return Ok(vec![area.code.clone()]);
    }
    let regions = store.regions().in_scope(&area.scope, false).await?;
    Ok(regions.into_iter().filter(|r| r.level == "street").map(|r| r.code).collect())
}

/// Open cases in `area`, by category and grid, over all its streets; with the street each row
/// was read for (cases outside any grid count for their street).
pub(crate) async fn open_counts(store: &Store, area: &Area) -> PageResult<Vec<(String, OpenCount)>> {
    let mut all = Vec::new();
    for street_area in street_areas(store, area).await? {
        let street = street_area[..9].to_string();
        all.extend(store.cases().open_counts(&street_area).await?.into_iter().map(|c| (street.clone(), c)));
    }
    Ok(all)
}

/// One region on the heat map and in its table.
#[derive(Debug, Clone)]
pub struct AreaCount {
    pub code: String,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub fill: String,
}

/// The regions drawn for `area`: its streets when it spans several, else its grids; with the
/// open and overdue cases in each, and the map's shapes.
pub(crate) async fn area_counts(
    store: &Store,
    area: &str,
    counts: &[(String, OpenCount)],
    href: impl Fn(&str) -> Option<String>,
) -> PageResult<(Vec<AreaCount>, Vec<MapArea>, &'static str)> {
    let level = if area.len() < 9 { "street" } else { "grid" };
    let shapes = store.regions().shapes(area, level).await?;
    let mut by_code: HashMap<&str, (i64, i64)> = HashMap::new();
    for (street, c) in counts {
        let key = if level == "street" { street.as_str() } else { c.grid_code.as_deref().unwrap_or("") };
        let e = by_code.entry(key).or_default();
        e.0 += c.open;
        e.1 += c.overdue;
    }
    let max = shapes.iter().map(|s| by_code.get(s.code.as_str()).map_or(0, |v| v.0)).max().unwrap_or(0) as f64;
    let mut rows = Vec::with_capacity(shapes.len());
    let mut areas = Vec::with_capacity(shapes.len());
    for s in shapes {
        let (open, overdue) = by_code.get(s.code.as_str()).copied().unwrap_or((0, 0));
        let fill = heat_fill(open as f64, max);
        if let Some(g) = &s.geometry {
            areas.push(MapArea {
                code: s.code.clone(),
                name: s.name.clone(),
                geometry: g.clone(),
                fill: fill.clone(),
                note: format!("{open} 件"),
                href: href(&s.code),
            });
        }
        rows.push(AreaCount { code: s.code, name: s.name, open, overdue, fill });
    }
    Ok((rows, areas, if level == "street" { "街道" } else { "网格" }))
}

/// A legend of the heat fills: (colour, text) from none to the most.
pub(crate) fn legend(max: i64) -> Vec<(String, String)> {
    let mut out = vec![(heat_fill(0.0, 1.0), "0 件".to_string())];
    if max <= 0 {
        return out;
    }
    let mut steps: Vec<i64> = vec![1, (max + 2) / 3, (2 * max + 2) / 3, max];
    steps.dedup();
    let mut lo = 1;
    for s in steps.into_iter().filter(|s| *s >= 1) {
        if s < lo {
            continue;
        }
        let text = if s == lo { format!("{s} 件") } else { format!("{lo}–{s} 件") };
        out.push((heat_fill(s as f64, max as f64), text));
        lo = s + 1;
    }
    out
}

/// Cases reported per Shanghai day, the last [`DAYS`] days up to today.
pub(crate) async fn daily(store: &Store, area: &Area) -> PageResult<Vec<(NaiveDate, i64)>> {
    let now = store.now();
    let today = tongxin_domain::kernel::clock::shanghai(now).date_naive();
    let first = today - Duration::days(DAYS - 1);
    let from = tongxin_domain::kernel::clock::from_shanghai(first.and_hms_opt(0, 0, 0).expect("midnight"))
        .expect("a fixed offset is unambiguous");
    let to = from + Duration::days(DAYS);
    let mut per_day: BTreeMap<NaiveDate, i64> = (0..DAYS).map(|i| (first + Duration::days(i), 0)).collect();
    for street_area in street_areas(store, area).await? {
        for t in store.cases().created_times(&street_area, from, to).await? {
            if let Some(n) = per_day.get_mut(&tongxin_domain::kernel::clock::shanghai(t).date_naive()) {
                *n += 1;
            }
        }
    }
    Ok(per_day.into_iter().collect())
}

/// Open cases per category, most first: (code, name, open, overdue).
async fn by_category(store: &Store, counts: &[(String, OpenCount)]) -> PageResult<Vec<(String, String, i64, i64)>> {
    let names: HashMap<String, String> =
        store.categories().list().await?.into_iter().map(|c| (c.code, c.name)).collect();
    let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (_, c) in counts {
        let e = sums.entry(c.category_code.as_str()).or_default();
        e.0 += c.open;
        e.1 += c.overdue;
    }
    let mut out: Vec<_> = sums
        .into_iter()
        .map(|(code, (open, overdue))| {
            (code.to_string(), names.get(code).cloned().unwrap_or_else(|| code.to_string()), open, overdue)
        })
        .collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

pub(crate) fn evaluation_error(e: EvaluationError) -> PageError {
    match e {
        EvaluationError::Invalid { message, .. } => {
            PageError::User(axum::http::StatusCode::UNPROCESSABLE_ENTITY, message)
        }
        EvaluationError::NotPermitted(_) => PageError::Forbidden,
        EvaluationError::Store(e) => e.into(),
    }
}

fn level_of(p: &Params) -> PageResult<Level> {
    match p.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(Level::Department),
        Some(l) => Level::parse(l)
            .ok_or_else(|| PageError::User(axum::http::StatusCode::UNPROCESSABLE_ENTITY, format!("考评层级“{l}”无效"))),
    }
}

async fn ranking(s: &AppState, area: &Area, level: Level) -> PageResult<(String, Vec<RankedUnit>)> {
    let month = evaluation::current_month(&s.store);
    let units = evaluation::ranking(&s.cases, &area.scope, &month, level).await.map_err(evaluation_error)?;
    Ok((month, units))
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| NO_RATE.to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// A ranked unit as the table shows it.
pub struct RankRow {
    pub rank: usize,
    pub name: String,
    pub dispatched: u64,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub score: String,
    /// What the unit's 响应率 is made of (`/evaluation/units/{key}`).
    pub explain: String,
}

pub struct DayRow {
    pub date: String,
    pub count: i64,
}

pub struct CategoryRow {
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(askama::Template)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    shell: Shell,
    area_name: String,
    /// `area=…&` to carry the narrowed area into links, or empty.
    area_query: String,
    today: i64,
    last30: i64,
    open_total: i64,
    overdue_total: i64,
    daily_svg: String,
    days: Vec<DayRow>,
    category_svg: String,
    categories: Vec<CategoryRow>,
    month: String,
    level: &'static str,
    level_label: &'static str,
    levels: Vec<(&'static str, &'static str)>,
    ranks: Vec<RankRow>,
    map_svg: Option<String>,
    map_attrs: String,
    map_level: &'static str,
    areas: Vec<AreaCount>,
    legend: Vec<(String, String)>,
}

/// The name of the area (404 when no such region exists).
pub(crate) async fn area_name(store: &Store, area: &Area) -> PageResult<String> {
    if area.is_empty() {
        return Ok("全部辖区".into());
    }
    store.regions().get(&area.scope, area).await.map(|r| r.name).map_err(|_| PageError::NotFound)
}

/// `GET /dashboard?area=&level=`
pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    if !may_view(staff.user.role) {
        return Err(PageError::Forbidden);
    }
    let area = area_of(&staff, p.area.as_deref())?;
    let level = level_of(&p)?;
    let name = area_name(&s.store, &area).await?;
    let days = daily(&s.store, &area).await?;
    let counts = open_counts(&s.store, &area).await?;
    let cats = by_category(&s.store, &counts).await?;
    let (month, units) = ranking(&s, &area, level).await?;
    let (areas, map_areas, map_level) =
        area_counts(&s.store, &area, &counts, |code| Some(format!("/cases?grid={}", urlencode(code)))).await?;

    let day_data: Vec<Datum> =
        days.iter().map(|(d, n)| Datum { label: d.format("%m-%d").to_string(), value: *n as f64 }).collect();
    let daily_svg = line_chart(&format!("{name}近{DAYS}天每日诉求件数折线图"), "日期", "诉求件数（件）", &day_data, 5);
    let cat_data: Vec<Datum> =
        cats.iter().take(15).map(|(_, name, open, _)| Datum { label: name.clone(), value: *open as f64 }).collect();
    let category_svg = bar_chart(&format!("{name}在办诉求分类条形图"), "在办件数（件）", "诉求分类", &cat_data);
    let max = areas.iter().map(|a| a.open).max().unwrap_or(0);
    let map_svg = render_map(&format!("{name}在办诉求热力图"), &map_areas, &[], 720.0);
    let area_query = if p.area.as_deref().is_some_and(|a| !a.trim().is_empty()) {
        format!("area={}&", urlencode(&area))
    } else {
        String::new()
    };
    let mut levels = vec![("department", "部门"), ("community", "社区"), ("grid", "网格")];
    if area.len() < 9 {
        levels.insert(1, ("street", "街道"));
    }
    let page = DashboardPage {
        shell: Shell::staff("数据看板", &staff, "/dashboard"),
        area_name: name,
        area_query,
        today: days.last().map_or(0, |d| d.1),
        last30: days.iter().map(|d| d.1).sum(),
        open_total: counts.iter().map(|c| c.1.open).sum(),
        overdue_total: counts.iter().map(|c| c.1.overdue).sum(),
        daily_svg,
        days: days.iter().rev().map(|(d, n)| DayRow { date: d.format("%Y-%m-%d").to_string(), count: *n }).collect(),
        category_svg,
        categories: cats.into_iter().map(|(_, name, open, overdue)| CategoryRow { name, open, overdue }).collect(),
        month: month.clone(),
        level: level.as_str(),
        level_label: level.label(),
        levels,
        ranks: units
            .iter()
            .map(|u| RankRow {
                rank: u.rank,
                name: u.name.clone(),
                dispatched: u.counts.dispatched,
                response: percent(u.rates.response),
                resolution: percent(u.rates.resolution),
                satisfaction: percent(u.rates.satisfaction),
                score: u.rates.score.map_or_else(|| NO_RATE.to_string(), |s| format!("{s:.1}")),
                explain: crate::evaluation::pages::explain_url(&u.key, &month),
            })
            .collect(),
        map_svg,
        map_attrs: s.config.map.box_attrs(
            "areas",
            &crate::places::map::layers_url(&area, false),
            if area.len() < 9 { "/dashboard?area=" } else { "/cases?grid=" },
        ),
        map_level,
        areas,
        legend: legend(max),
    };
    Ok(render(&page))
}

/// `GET /dashboard/export.xlsx?chart=daily|category|ranking|areas&area=&level=`: the numbers
/// behind one chart as an xlsx workbook with Chinese headers.
pub async fn export(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    if !may_view(staff.user.role) {
        return Err(PageError::Forbidden);
    }
    let area = area_of(&staff, p.area.as_deref())?;
    let name = area_name(&s.store, &area).await?;
    let chart = p.chart.as_deref().map(str::trim).unwrap_or("");
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "dashboard export failed");
        PageError::Internal
    };
    let (title, bytes) = match chart {
        "daily" => {
            let days = daily(&s.store, &area).await?;
            let rows: Vec<Vec<Cell>> = days
                .iter()
                .map(|(d, n)| vec![Cell::Text(d.format("%Y-%m-%d").to_string()), Cell::Num(*n as f64)])
                .collect();
            let title = format!("近{DAYS}天每日诉求");
            (title.clone(), sheet(&title, &["日期", "诉求件数"], rows).map_err(|e| failed(&e))?)
        }
        "category" => {
            let counts = open_counts(&s.store, &area).await?;
            let rows: Vec<Vec<Cell>> = by_category(&s.store, &counts)
                .await?
                .into_iter()
                .map(|(code, name, open, overdue)| {
                    vec![Cell::Text(name), Cell::Text(code), Cell::Num(open as f64), Cell::Num(overdue as f64)]
                })
                .collect();
            let title = "在办诉求分类".to_string();
            (title.clone(), sheet(&title, &["分类", "分类代码", "在办件数", "其中超期"], rows).map_err(|e| failed(&e))?)
        }
        "areas" => {
            let counts = open_counts(&s.store, &area).await?;
            let (areas, _, level) = area_counts(&s.store, &area, &counts, |_| None).await?;
            let rows: Vec<Vec<Cell>> = areas
                .into_iter()
                .map(|a| {
                    vec![Cell::Text(a.name), Cell::Text(a.code), Cell::Num(a.open as f64), Cell::Num(a.overdue as f64)]
                })
                .collect();
            let title = format!("各{level}在办诉求");
            (title.clone(), sheet(&title, &[level, "区划代码", "在办件数", "其中超期"], rows).map_err(|e| failed(&e))?)
        }
        "ranking" => {
            let level = level_of(&p)?;
            let (month, units) = ranking(&s, &area, level).await?;
            let rows: Vec<EvaluationRow<'_>> = units
                .iter()
                .map(|u| EvaluationRow { rank: u.rank, unit: &u.name, counts: &u.counts, rates: &u.rates })
                .collect();
            let title = format!("{month} {}考评", level.label());
            let bytes = evaluation_xlsx(&title, &rows).map_err(|e| failed(&e))?;
            (title, bytes)
        }
        other => {
            return Err(PageError::User(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("图表“{other}”无效，应为 daily、category、ranking 或 areas"),
            ));
        }
    };
    Ok(download(&format!("dashboard-{chart}.xlsx"), &format!("{name}{title}.xlsx"), bytes))
}
