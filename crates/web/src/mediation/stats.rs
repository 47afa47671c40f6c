//! `GET /mediation/stats?from=&to=&area=&format=`: the leaders' figures of 矛盾纠纷 and 信访
//! (issue 12 "For leaders") for the disputes registered in a period (default: this year to
//! date, Shanghai days) — 化解率, 调解成功率, 协议履行率, 小事不出村, average days to agreement
//! and to 结案, by type and by risk level, the open and overdue disputes now, and the 按期率 of
//! each statutory petition duty. Every figure shows its numerator and denominator; the
//! definitions (`tongxin_domain::mediation::stats`, `tongxin_domain::petition::stats`) are
//! printed on the page. `format=xlsx` downloads the same numbers as a workbook.

use super::list::area_choices;
use super::reach::{Reach, reach, wants_xlsx};
use crate::AppState;
use crate::cases::pages::Choice;
use crate::ui::xlsx::{Cell, Sheet, download, failed, workbook};
use crate::ui::{PageError, PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tongxin_app::mediation::stats::{PetitionClocks, Report, RiskKey, Row, report};
use tongxin_domain::case::deadline::shanghai_date;
use tongxin_domain::kernel::period::Period;
use tongxin_domain::kernel::ratio::{Average, NO_RATE, Ratio};
use tongxin_domain::mediation::stats::Tally;
use tongxin_store::mediation::OpenCount;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    format: String,
}

/// A ratio as shown: the rate and its parts.
pub(super) struct Shown {
    pub value: String,
    pub parts: String,
}

fn ratio(r: Ratio) -> Shown {
    Shown { value: r.percent(), parts: r.fraction() }
}

fn average(a: Average) -> Shown {
    let value = if a.count > 0 { format!("{} 天", a.days()) } else { NO_RATE.to_string() };
    Shown { value, parts: format!("{} 天 / {} 件", a.total, a.count) }
}

/// One row of a breakdown table (or the total).
struct FigureRow {
    name: String,
    /// The risk level's colour.
    colour: Option<String>,
    registered: i64,
    resolution: Shown,
    success: Shown,
    performance: Shown,
    local: Shown,
    to_agreement: Shown,
    to_close: Shown,
    open: i64,
    overdue: i64,
}

fn figure_row(name: String, colour: Option<String>, t: &Tally, open: OpenCount) -> FigureRow {
    FigureRow {
        name,
        colour,
        registered: t.registered,
        resolution: ratio(t.resolution()),
        success: ratio(t.success()),
        performance: ratio(t.performance()),
        local: ratio(t.local_share()),
        to_agreement: average(t.to_agreement()),
        to_close: average(t.to_close()),
        open: open.open,
        overdue: open.overdue,
    }
}

fn risk_name(key: &RiskKey) -> (String, Option<String>) {
    match key {
        RiskKey::Level(l) => (l.name.clone(), Some(l.colour.clone())),
        RiskKey::Retired(code) => (format!("{code}（已停用）"), None),
        RiskKey::NotAssessed => ("未研判".to_string(), None),
    }
}

struct ClockRow {
    label: &'static str,
    span: String,
    article: &'static str,
    met: i64,
    missed: i64,
    overdue: i64,
    running: i64,
    on_time: Shown,
}

fn clock_rows(p: &PetitionClocks) -> Vec<ClockRow> {
    p.duties
        .iter()
        .map(|(k, t)| ClockRow {
            label: k.label(),
            span: k.span().label(),
            article: k.article(),
            met: t.met,
            missed: t.missed,
            overdue: t.overdue,
            running: t.running,
            on_time: ratio(t.on_time()),
        })
        .collect()
}

/// A breakdown table.
struct Table {
    id: &'static str,
    heading: &'static str,
    caption: &'static str,
    first: &'static str,
    rows: Vec<FigureRow>,
}

#[derive(Template)]
#[template(path = "mediation/stats.html")]
struct StatsPage {
    shell: Shell,
    area_name: String,
    area_query: String,
    /// The narrower area asked for, or empty.
    area: String,
    period: String,
    from: String,
    to: String,
    areas: Vec<Choice>,
    total: FigureRow,
    tables: Vec<Table>,
    petitions_received: Option<i64>,
    clocks: Vec<ClockRow>,
}

/// `GET /mediation/stats`
pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    let r = reach(&s, &staff, &p.area).await?;
    let xlsx = wants_xlsx(&p.format)?;
    let today = shanghai_date(s.store.now());
    let period = Period::parse(&p.from, &p.to, today)
        .map_err(|e| PageError::User(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let cal = &s.cases.config().calendar;
    let data = report(&s.store, &r.viewer, r.petitions.as_ref(), r.area.as_deref(), period, cal).await?;
    if xlsx {
        return export(&r, &data);
    }
    let page = StatsPage {
        shell: Shell::staff("矛盾纠纷统计", &staff, "/mediation/stats"),
        area_name: r.name.clone(),
        area_query: r.query.clone(),
        area: r.area.clone().unwrap_or_default(),
        period: period.label(),
        from: period.from.to_string(),
        to: period.to.to_string(),
        areas: area_choices(&s, &staff, r.area.as_deref().unwrap_or("")).await?,
        total: figure_row("合计".into(), None, &data.overall.tally, data.overall.open),
        tables: vec![
            Table {
                id: "by-type",
                heading: "按纠纷类型",
                caption: "按纠纷类型统计（当前在办与超期不限登记日期）",
                first: "纠纷类型",
                rows: data
                    .by_type
                    .iter()
                    .map(|row| figure_row(row.key.label().into(), None, &row.tally, row.open))
                    .collect(),
            },
            Table {
                id: "by-risk",
                heading: "按风险等级",
                caption: "按最近一次风险研判的等级统计（当前在办与超期不限登记日期）",
                first: "风险等级",
                rows: data
                    .by_risk
                    .iter()
                    .map(|row| {
                        let (name, colour) = risk_name(&row.key);
                        figure_row(name, colour, &row.tally, row.open)
                    })
                    .collect(),
            },
        ],
        petitions_received: data.petitions.as_ref().map(|p| p.received),
        clocks: data.petitions.as_ref().map(clock_rows).unwrap_or_default(),
    };
    Ok(render(&page))
}

const FIGURE_HEADERS: [&str; 21] = [
    "分组",
    "登记件数",
    "化解件数",
    "化解率",
    "达成协议件数",
    "调解结束件数",
    "调解成功率",
    "已履行事项",
    "应履行事项",
    "协议履行率",
    "网格社区化解件数",
    "化解件数（小事不出村分母）",
    "小事不出村占比",
    "达成协议天数合计",
    "达成协议件数（计天数）",
    "平均达成协议天数",
    "结案天数合计",
    "结案件数",
    "平均结案天数",
    "当前在办",
    "其中超期",
];

fn rate_cell(r: Ratio) -> Cell {
    Cell::Text(r.percent())
}

fn figure_cells<K>(name: String, row: &Row<K>) -> Vec<Cell> {
    let t = &row.tally;
    let success = t.success();
    vec![
        name.into(),
        t.registered.into(),
        t.resolved.into(),
        rate_cell(t.resolution()),
        t.agreed.into(),
        success.den.into(),
        rate_cell(success),
        t.items_performed.into(),
        t.items_due.into(),
        rate_cell(t.performance()),
        t.resolved_locally.into(),
        t.resolved.into(),
        rate_cell(t.local_share()),
        t.agreement_days.into(),
        t.agreements_timed.into(),
        Cell::Text(t.to_agreement().days()),
        t.close_days.into(),
        t.closed.into(),
        Cell::Text(t.to_close().days()),
        row.open.open.into(),
        row.open.overdue.into(),
    ]
}

/// The report as a workbook: 概况, 按纠纷类型, 按风险等级 and (for petition readers) 信访按期率.
fn export(r: &Reach, data: &Report) -> PageResult<Response> {
    let t = &data.overall.tally;
    let summary = |name: &str, ratio: Ratio| vec![name.into(), ratio.num.into(), ratio.den.into(), rate_cell(ratio)];
    let days = |name: &str, a: Average| vec![name.into(), a.total.into(), a.count.into(), Cell::Text(a.days())];
    let mut overview = vec![
        summary("化解率", t.resolution()),
        summary("调解成功率", t.success()),
        summary("协议履行率", t.performance()),
        summary("小事不出村占比", t.local_share()),
        days("平均达成协议天数", t.to_agreement()),
        days("平均结案天数", t.to_close()),
        summary("当前超期（超期 / 在办）", Ratio::new(data.overall.open.overdue, data.overall.open.open)),
    ];
    overview.push(vec!["登记件数".into(), t.registered.into(), Cell::Text(String::new()), Cell::Text(String::new())]);
    let mut sheets = vec![
        Sheet { title: "概况", headers: &["指标", "分子", "分母", "比率或平均"], rows: overview },
        Sheet {
            title: "按纠纷类型",
            headers: &FIGURE_HEADERS,
            rows: std::iter::once(figure_cells("合计".into(), &data.overall))
                .chain(data.by_type.iter().map(|row| figure_cells(row.key.label().into(), row)))
                .collect(),
        },
        Sheet {
            title: "按风险等级",
            headers: &FIGURE_HEADERS,
            rows: data.by_risk.iter().map(|row| figure_cells(risk_name(&row.key).0, row)).collect(),
        },
    ];
    if let Some(p) = &data.petitions {
        sheets.push(Sheet {
            title: "信访按期率",
            headers: &["期限", "时长", "条例条款", "按期完成", "逾期完成", "超期未办", "计时中", "按期率"],
            rows: clock_rows(p)
                .into_iter()
                .map(|c| {
                    vec![
                        c.label.into(),
                        c.span.into(),
                        c.article.into(),
                        c.met.into(),
                        c.missed.into(),
                        c.overdue.into(),
                        c.running.into(),
                        Cell::Text(c.on_time.value),
                    ]
                })
                .collect(),
        });
    }
    let bytes = workbook(&sheets).map_err(failed)?;
    let file = format!("{}矛盾纠纷统计（{}）.xlsx", r.name, data.period.label());
    Ok(download("mediation-stats.xlsx", &file, bytes))
}
