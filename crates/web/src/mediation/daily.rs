//! `GET /mediation/daily?day=&area=&format=`: the 矛调中心's daily list (default: today,
//! Shanghai) — disputes registered that day, sessions held, agreements, failures and violence
//! reports (人民调解法 art 25), then, as of now, the mediation limits passed or ending within
//! three days, the agreement items not performed past or near their due day (art 31), the
//! petitions received that day and those whose earliest duty is overdue or due within three
//! days. Codes, types, places and organisations only — no party's name or number, no notes.
//! `format=xlsx` downloads every section as a sheet.

use super::reach::{Reach, reach, wants_xlsx};
use crate::AppState;
use crate::ui::xlsx::{Cell, Sheet, download, failed, workbook};
use crate::ui::{PageError, PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Days, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_app::mediation::stats::{Daily, Section, daily, past_limit};
use tongxin_domain::case::deadline::shanghai_date;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::kernel::period::parse_day;
use tongxin_store::mediation::DailyLine;
use tongxin_store::petitions::PetitionView;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    day: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    format: String,
}

/// One line as shown (and exported).
struct Line {
    href: String,
    code: String,
    kind: String,
    place: String,
    holder: String,
    when: String,
    note: String,
    /// Overdue (or a violence report): shown in red.
    urgent: bool,
}

struct SectionView {
    id: &'static str,
    title: &'static str,
    /// What the section lists, for the empty case too.
    hint: String,
    lines: Vec<Line>,
    more: bool,
}

#[derive(Template)]
#[template(path = "mediation/daily.html")]
struct DailyPage {
    shell: Shell,
    area_name: String,
    area_query: String,
    /// The narrower area asked for, or empty.
    area: String,
    day: String,
    previous: String,
    next: String,
    due_by: String,
    counts: Vec<(&'static str, &'static str, usize)>,
    sections: Vec<SectionView>,
}

/// The names of the places of these lines ("桃园社区 · 桃园一网格").
async fn places(s: &AppState, d: &Daily) -> PageResult<HashMap<String, String>> {
    let lines = [&d.registered, &d.sessions, &d.agreements, &d.failures, &d.violence, &d.limits, &d.items];
    let mut codes: Vec<String> = Vec::new();
    for l in lines.iter().flat_map(|s| s.lines.iter()).map(|l| &l.dispute) {
        codes
            .extend([Some(l.street_code.clone()), l.community_code.clone(), l.grid_code.clone()].into_iter().flatten());
    }
    for p in [&d.petitions_received, &d.petitions_due].into_iter().flatten().flat_map(|s| s.lines.iter()) {
        codes
            .extend([Some(p.street_code.clone()), p.community_code.clone(), p.grid_code.clone()].into_iter().flatten());
    }
    Ok(s.store.cases().region_names(&codes).await?)
}

fn place(names: &HashMap<String, String>, street: &str, community: Option<&str>, grid: Option<&str>) -> String {
    let name = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    match (community, grid) {
        (Some(c), Some(g)) => format!("{} · {}", name(c), name(g)),
        (Some(c), None) => name(c),
        _ => name(street),
    }
}

fn dispute_line(l: &DailyLine, names: &HashMap<String, String>, when: String, note: String, urgent: bool) -> Line {
    let d = &l.dispute;
    Line {
        href: format!("/mediation/disputes/{}", d.id),
        code: d.code.clone(),
        kind: d.dispute_type.label().to_string(),
        place: place(names, &d.street_code, d.community_code.as_deref(), d.grid_code.as_deref()),
        holder: format!("{}（{}）", d.org_name, d.level.label()),
        when,
        note,
        urgent,
    }
}

fn at(t: Option<DateTime<Utc>>) -> String {
    t.map(local_minute).unwrap_or_default()
}

fn events(
    id: &'static str,
    title: &'static str,
    hint: &str,
    s: &Section<DailyLine>,
    names: &HashMap<String, String>,
) -> SectionView {
    let urgent = id == "violence";
    SectionView {
        id,
        title,
        hint: hint.to_string(),
        lines: s
            .lines
            .iter()
            .map(|l| dispute_line(l, names, at(l.at), l.dispute.status.label().to_string(), urgent))
            .collect(),
        more: s.more,
    }
}

fn petition_line(p: &PetitionView, names: &HashMap<String, String>, when: String, note: String, urgent: bool) -> Line {
    Line {
        href: format!("/petitions/{}", p.id),
        code: p.code.clone(),
        kind: format!("{}（{}）", p.kind.label(), p.channel.label()),
        place: place(names, &p.street_code, p.community_code.as_deref(), p.grid_code.as_deref()),
        holder: p.status.label().to_string(),
        when,
        note,
        urgent,
    }
}

fn sections(d: &Daily, names: &HashMap<String, String>, now: DateTime<Utc>) -> Vec<SectionView> {
    let mut out = vec![
        events("registered", "登记的纠纷", "当日登记的纠纷", &d.registered, names),
        events("sessions", "调解", "当日记录的调解（一次调解一行）", &d.sessions, names),
        events("agreements", "达成协议", "当日记录的调解协议", &d.agreements, names),
        events("failures", "调解终止", "当日调解不成、终止调解的纠纷（人民调解法第二十六条）", &d.failures, names),
        events(
            "violence",
            "激化风险报告",
            "当日向派出所和街道报告的激化风险（人民调解法第二十五条）",
            &d.violence,
            names,
        ),
    ];
    let limits = d
        .limits
        .lines
        .iter()
        .map(|l| {
            let late = past_limit(l, now);
            let note = if late { "已超期".to_string() } else { "即将到期".to_string() };
            dispute_line(l, names, at(l.dispute.deadline_at), note, late)
        })
        .collect();
    out.push(SectionView {
        id: "limits",
        title: "调解期限已过或将到",
        hint: format!("现在已超过调解期限、或将于 {} 前到期的纠纷（一般一个月内调结）", d.due_by),
        lines: limits,
        more: d.limits.more,
    });
    let today = shanghai_date(now);
    let items = d
        .items
        .lines
        .iter()
        .map(|l| {
            let due = l.due_on.map(|d| d.to_string()).unwrap_or_default();
            let late = l.due_on.is_some_and(|d| d < today);
            let result = l.result.map(|r| r.label()).unwrap_or("尚未记录履行情况");
            let note = format!("第 {} 项 · {}{}", l.item.unwrap_or(0) + 1, result, if late { " · 已逾期" } else { "" });
            dispute_line(l, names, due, note, late)
        })
        .collect();
    out.push(SectionView {
        id: "items",
        title: "协议事项逾期或将到期",
        hint: format!("已生效协议中尚未全部履行、履行期限已过或在 {} 前到期的事项（人民调解法第三十一条）", d.due_by),
        lines: items,
        more: d.items.more,
    });
    if let Some(received) = &d.petitions_received {
        out.push(SectionView {
            id: "petitions-received",
            title: "收到的信访",
            hint: "当日登记的信访件".into(),
            lines: received
                .lines
                .iter()
                .map(|p| petition_line(p, names, local_minute(p.created_at), String::new(), false))
                .collect(),
            more: received.more,
        });
    }
    if let Some(due) = &d.petitions_due {
        out.push(SectionView {
            id: "petitions-due",
            title: "信访期限已过或将到",
            hint: format!("最早的一项法定期限已过、或将于 {} 前届满的在办信访件（《信访工作条例》）", d.due_by),
            lines: due
                .lines
                .iter()
                .map(|p| {
                    let late = p.next_deadline.is_some_and(|t| now > t);
                    let clock = p.next_clock.map(|c| c.label()).unwrap_or("期限");
                    let note = format!("{clock}{}", if late { " · 已超期" } else { "" });
                    petition_line(p, names, at(p.next_deadline), note, late)
                })
                .collect(),
            more: due.more,
        });
    }
    out
}

/// `GET /mediation/daily`
pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    let r = reach(&s, &staff, &p.area).await?;
    let xlsx = wants_xlsx(&p.format)?;
    let now = s.store.now();
    let day = parse_day("日期", &p.day)
        .map_err(|e| PageError::User(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?
        .unwrap_or_else(|| shanghai_date(now));
    let data = daily(&s.store, &r.viewer, r.petitions.as_ref(), r.area.as_deref(), day).await?;
    let names = places(&s, &data).await?;
    let sections = sections(&data, &names, now);
    if xlsx {
        return export(&r, &data, &sections);
    }
    let page = DailyPage {
        shell: Shell::staff("矛调中心日报", &staff, "/mediation/daily"),
        area_name: r.name.clone(),
        area_query: r.query.clone(),
        area: r.area.clone().unwrap_or_default(),
        day: day.to_string(),
        previous: day.checked_sub_days(Days::new(1)).unwrap_or(day).to_string(),
        next: day.checked_add_days(Days::new(1)).unwrap_or(day).to_string(),
        due_by: data.due_by.to_string(),
        counts: sections.iter().map(|s| (s.id, s.title, s.lines.len())).collect(),
        sections,
    };
    Ok(render(&page))
}

fn export(r: &Reach, d: &Daily, sections: &[SectionView]) -> PageResult<Response> {
    let sheets: Vec<Sheet<'_>> = sections
        .iter()
        .map(|s| Sheet {
            title: s.title,
            headers: &["编号", "类型", "地点", "调解组织或状态", "时间或期限", "说明"],
            rows: s
                .lines
                .iter()
                .map(|l| {
                    [&l.code, &l.kind, &l.place, &l.holder, &l.when, &l.note]
                        .into_iter()
                        .map(|t| Cell::from(t.as_str()))
                        .collect()
                })
                .collect(),
        })
        .collect();
    let bytes = workbook(&sheets).map_err(failed)?;
    Ok(download("mediation-daily.xlsx", &format!("{}矛调中心日报（{}）.xlsx", r.name, d.day), bytes))
}
