//! `GET /admin/deadlines`: the time limit of each urgency and the working calendar (the years
//! it covers, the holidays and 调休 working days of a year); `POST /admin/deadlines` changes the
//! limits, checked by `DeadlinePolicy::validate` and stored as `PUT /api/v1/settings/deadlines`
//! does (audited). `POST /admin/deadlines/calendar` replaces the calendar file with an upload
//! in the format `PUT /api/v1/settings/calendar` takes, checked by the same
//! `WorkingCalendar::parse` (a bad file names its line and changes nothing);
//! `GET /admin/deadlines/calendar.txt` downloads the file in force, to edit and upload again.

use super::admin_only;
use crate::AppState;
use crate::ui::{CsrfForm, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;
use tongxin_app::cases::config::{CALENDAR_KEY, DEADLINE_KEY};
use tongxin_domain::case::deadline::{DeadlinePolicy, TimeLimit, Urgency};
use tongxin_domain::kernel::calendar::{DayKind, WorkingCalendar};

#[derive(Deserialize)]
pub struct Params {
    year: Option<i32>,
}

pub struct LimitRow {
    pub key: &'static str,
    pub label: &'static str,
    pub amount: u32,
    pub working_days: bool,
}

pub struct DayRow {
    pub date: String,
    pub weekday: &'static str,
    pub kind: &'static str,
    pub name: String,
    pub off: bool,
}

/// One year of the calendar in force.
pub struct YearRow {
    pub year: i32,
    pub holidays: usize,
    pub workdays: usize,
    pub provisional: bool,
}

#[derive(Template)]
#[template(path = "admin/deadlines.html")]
struct DeadlinesPage {
    shell: Shell,
    limits: Vec<LimitRow>,
    warn_percent: u32,
    years: Vec<i32>,
    year: i32,
    provisional: bool,
    days: Vec<DayRow>,
    /// The years the calendar covers, with their counts.
    year_rows: Vec<YearRow>,
    /// Whether an admin has uploaded a calendar (otherwise the built-in one is in force).
    uploaded: bool,
    /// Why an uploaded calendar was refused.
    calendar_error: Option<String>,
}

fn split(limit: TimeLimit) -> (u32, bool) {
    match limit {
        TimeLimit::Hours(n) => (n, false),
        TimeLimit::WorkingDays(n) => (n, true),
    }
}

fn weekday(d: chrono::NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][d.weekday().num_days_from_monday() as usize]
}

pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    admin_only(&staff)?;
    render_page(&s, &staff, p.year, None).await
}

async fn render_page(
    s: &AppState,
    staff: &Staff,
    year: Option<i32>,
    calendar_error: Option<String>,
) -> PageResult<Response> {
    let cfg = s.cases.config();
    let policy = &cfg.policy;
    let mut limits: Vec<LimitRow> = Urgency::ALL
        .iter()
        .map(|&u| {
            let (amount, working_days) = split(policy.limit(u));
            LimitRow { key: u.as_str(), label: u.label(), amount, working_days }
        })
        .collect();
    let (amount, working_days) = split(policy.contact);
    limits.push(LimitRow { key: "contact", label: "联系诉求人", amount, working_days });
    let years = cfg.calendar.years();
    let this_year = tongxin_domain::case::deadline::shanghai_date(s.store.now()).year();
    let year = year
        .filter(|y| years.contains(y))
        .or_else(|| years.contains(&this_year).then_some(this_year))
        .or_else(|| years.last().copied())
        .unwrap_or(this_year);
    let days = cfg
        .calendar
        .entries()
        .filter(|(d, _)| d.year() == year)
        .map(|(d, kind)| {
            let name = match &kind {
                DayKind::Holiday(n) | DayKind::AdjustedWorkday(n) => n.clone(),
                _ => String::new(),
            };
            DayRow {
                date: d.format("%Y-%m-%d").to_string(),
                weekday: weekday(d),
                kind: kind.label(),
                off: !kind.is_working_day(),
                name,
            }
        })
        .collect();
    let provisional_years = cfg.calendar.provisional_years();
    let year_rows = years
        .iter()
        .map(|&y| {
            let (mut holidays, mut workdays) = (0, 0);
            for (_, kind) in cfg.calendar.entries().filter(|(d, _)| d.year() == y) {
                if kind.is_working_day() {
                    workdays += 1;
                } else {
                    holidays += 1;
                }
            }
            YearRow { year: y, holidays, workdays, provisional: provisional_years.contains(&y) }
        })
        .collect();
    let failed = calendar_error.is_some();
    let page = DeadlinesPage {
        shell: Shell::staff("期限与日历", staff, "/admin/deadlines"),
        limits,
        warn_percent: (policy.warn_ratio * 100.0).round() as u32,
        provisional: provisional_years.contains(&year),
        years,
        year,
        days,
        year_rows,
        uploaded: s.store.settings().get(CALENDAR_KEY).await?.is_some(),
        calendar_error,
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/deadlines/calendar.txt`: the calendar file in force (as `GET
/// /api/v1/settings/calendar` gives its text).
pub async fn calendar_file(State(s): State<AppState>, staff: Staff) -> PageResult<Response> {
    admin_only(&staff)?;
    let text =
        s.store.settings().get(CALENDAR_KEY).await?.unwrap_or_else(|| WorkingCalendar::builtin_text().to_string());
    let disposition = crate::ui::download::attachment("working-calendar.txt", "工作日历.txt");
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        text,
    )
        .into_response())
}

/// "2025、2026、2027 年（2027 年暂定）"
fn years_text(cal: &WorkingCalendar) -> String {
    let list = |ys: &[i32]| ys.iter().map(i32::to_string).collect::<Vec<_>>().join("、");
    let provisional = cal.provisional_years();
    let mut text = format!("{} 年", list(&cal.years()));
    if !provisional.is_empty() {
        text.push_str(&format!("（{} 年暂定）", list(&provisional)));
    }
    text
}

/// `POST /admin/deadlines/calendar` (multipart: `_csrf`, `file`): replaces the working
/// calendar as `PUT /api/v1/settings/calendar` does — checked whole, then stored (audited) and
/// put in force; a refused file comes back with the line and reason, and nothing changes.
pub async fn upload_calendar(State(s): State<AppState>, staff: Staff, req: Request) -> PageResult<Response> {
    admin_only(&staff)?;
    let refuse = |message: String| render_page(&s, &staff, None, Some(message));
    let Some(file) = super::imports::read_upload(&s, req).await? else {
        return refuse("请选择要上传的日历文件".into()).await;
    };
    let Ok(text) = String::from_utf8(file.to_vec()) else {
        return refuse("日历文件须为 UTF-8 编码的纯文本（.txt），未作任何更改".into()).await;
    };
    let cal = match WorkingCalendar::parse(&text) {
        Ok(cal) => cal,
        Err(e) => return refuse(format!("日历文件有误，未作任何更改。{e}")).await,
    };
    s.store.settings().set(&staff.actor(), CALENDAR_KEY, &text).await?;
    s.cases.reload().await?;
    let message = format!("工作日历已更新：含 {}，此后计算的期限按新日历", years_text(&cal));
    Ok(flash::redirect("/admin/deadlines#calendar", "ok", &message))
}

#[derive(Deserialize)]
pub struct PolicyForm {
    emergency: String,
    emergency_unit: String,
    utility: String,
    utility_unit: String,
    general: String,
    general_unit: String,
    complex: String,
    complex_unit: String,
    contact: String,
    contact_unit: String,
    warn_percent: String,
}

fn limit(label: &str, amount: &str, unit: &str) -> Result<TimeLimit, String> {
    let n: u32 = amount.trim().parse().map_err(|_| format!("“{label}”的时限应为整数"))?;
    if n > 10_000 {
        return Err(format!("“{label}”的时限过长"));
    }
    Ok(if unit == "working_days" { TimeLimit::WorkingDays(n) } else { TimeLimit::Hours(n) })
}

fn policy(f: &PolicyForm) -> Result<DeadlinePolicy, String> {
    let warn: f64 = f.warn_percent.trim().parse().map_err(|_| "预警比例应为 1–100 之间的数字".to_string())?;
    let p = DeadlinePolicy {
        emergency: limit("紧急", &f.emergency, &f.emergency_unit)?,
        utility: limit("水电气热", &f.utility, &f.utility_unit)?,
        general: limit("一般", &f.general, &f.general_unit)?,
        complex: limit("复杂", &f.complex, &f.complex_unit)?,
        contact: limit("联系诉求人", &f.contact, &f.contact_unit)?,
        warn_ratio: warn / 100.0,
    };
    p.validate().map_err(|e| e.to_string())?;
    Ok(p)
}

/// `POST /admin/deadlines`
pub async fn save(State(s): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<PolicyForm>) -> PageResult<Response> {
    admin_only(&staff)?;
    const BACK: &str = "/admin/deadlines";
    let p = match policy(&f) {
        Ok(p) => p,
        Err(message) => return Ok(flash::redirect(BACK, "error", &message)),
    };
    let json = serde_json::to_string(&p).map_err(|_| crate::ui::PageError::Internal)?;
    s.store.settings().set(&staff.actor(), DEADLINE_KEY, &json).await?;
    s.cases.reload().await?;
    Ok(flash::redirect(BACK, "ok", "办理时限已保存，新派单的诉求按新时限计算"))
}
