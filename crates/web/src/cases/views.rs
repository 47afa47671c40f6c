//! View structs of the cases feature that other pages show too: a case as one row of a list
//! (the queue, a department's inbox, the grid worker's tasks).

use crate::AppState;
use chrono::{DateTime, Utc};
use tongxin_domain::case::Status;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_store::cases::read::CaseView;

/// One row of a queue or inbox table.
pub(crate) struct Row {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub category: String,
    pub grid: String,
    pub deadline: String,
    /// green, yellow, red or grey.
    pub light: &'static str,
    pub light_label: &'static str,
    pub status: &'static str,
    pub overdue: bool,
}

pub(crate) fn row(s: &AppState, c: &CaseView, now: DateTime<Utc>) -> Row {
    let cfg = s.cases.config();
    let (light, light_label) = light(c, now);
    Row {
        id: c.id,
        code: c.code.clone(),
        title: c.title.clone(),
        category: cfg
            .categories
            .get(&c.category_code)
            .map(|k| k.name.clone())
            .unwrap_or_else(|| c.category_code.clone()),
        grid: c.grid_code.clone().unwrap_or_else(|| "—".into()),
        deadline: match c.open {
            true => c.deadline_at.map(local_minute).unwrap_or_else(|| "—".into()),
            false => format!("{}结束", super::pages::deadline_cell(c).1),
        },
        light,
        light_label,
        status: status_label(c),
        overdue: light == "red",
    }
}

/// The status as a row shows it: a case back with the dispatch centre after a 退单 reads
/// 已退回 until it is dispatched again.
pub(crate) fn status_label(c: &CaseView) -> &'static str {
    if c.status == Status::Accepted && !c.state.returned_by.is_empty() { "已退回" } else { c.status.label() }
}

/// The deadline light: grey without a running deadline, red past it, yellow after the warning
/// time, green otherwise.
pub(crate) fn light(c: &CaseView, now: DateTime<Utc>) -> (&'static str, &'static str) {
    let with_unit = c.status.is_with_unit();
    match c.deadline_at {
        Some(d) if c.open && with_unit && (c.overdue || now > d) => ("red", "已超期"),
        Some(_) if c.open && with_unit && c.warn_at.is_some_and(|w| now >= w) => ("yellow", "临近期限"),
        Some(_) if c.open && with_unit => ("green", "期限内"),
        _ if !c.open => ("grey", "已结束"),
        _ => ("grey", "无期限"),
    }
}
