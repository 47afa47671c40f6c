//! `GET /admin/deadlines`: the time limit of each urgency and the working calendar (holidays
//! and 调休 working days of a year); `POST /admin/deadlines` changes the limits, checked by
//! `DeadlinePolicy::validate` and stored as `PUT /api/v1/settings/deadlines` does (audited).

use super::admin_only;
use crate::AppState;
use crate::pages::{CsrfForm, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use tongxin_app::cases::config::DEADLINE_KEY;
use tongxin_domain::calendar::DayKind;
use tongxin_domain::deadline::{DeadlinePolicy, TimeLimit, Urgency};

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
    let this_year = tongxin_domain::deadline::shanghai_date(s.store.now()).year();
    let year = p
        .year
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
    let page = DeadlinesPage {
        shell: Shell::staff("期限与日历", &staff, "/admin/deadlines"),
        limits,
        warn_percent: (policy.warn_ratio * 100.0).round() as u32,
        provisional: cfg.calendar.provisional_years().contains(&year),
        years,
        year,
        days,
    };
    Ok(render(&page))
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
    let json = serde_json::to_string(&p).map_err(|_| crate::pages::PageError::Internal)?;
    s.store.set_setting(&staff.actor(), DEADLINE_KEY, &json).await?;
    s.cases.reload().await?;
    Ok(flash::redirect(BACK, "ok", "办理时限已保存，新派单的诉求按新时限计算"))
}
