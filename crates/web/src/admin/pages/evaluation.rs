//! `GET /admin/evaluation`: the weights of the 三率 composite score (响应率, 解决率, 满意率) in
//! force; `POST /admin/evaluation` changes them through `PUT
//! /api/v1/settings/evaluation-weights`'s handler (the same check — each ≥ 0, summing to 1 —
//! and message, an audited setting, in force at once). A refused form comes back with the
//! API's message and the values typed.

use super::admin_only;
use crate::AppState;
use crate::extract::J;
use crate::ui::{CsrfForm, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tongxin_domain::case::Weights;

/// The three weights as typed (decimals such as 0.30).
#[derive(Deserialize, Default)]
pub struct WeightsForm {
    #[serde(default)]
    response: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    satisfaction: String,
}

#[derive(Template)]
#[template(path = "admin/evaluation.html")]
struct EvaluationPage {
    shell: Shell,
    /// The weights in force, as percentages for reading: (label, percent).
    current: Vec<(&'static str, String)>,
    form: WeightsForm,
    error: Option<String>,
}

/// 0.3 → "0.3", 0.35 → "0.35" (no float noise).
fn decimal(w: f64) -> String {
    let s = format!("{:.4}", w);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.to_string() }
}

fn percent(w: f64) -> String {
    format!("{}%", decimal(w * 100.0))
}

fn show(s: &AppState, staff: &Staff, form: Option<WeightsForm>, error: Option<String>) -> Response {
    let w = tongxin_app::evaluation::weights(&s.cases);
    let form = form.unwrap_or_else(|| WeightsForm {
        response: decimal(w.response),
        resolution: decimal(w.resolution),
        satisfaction: decimal(w.satisfaction),
    });
    let failed = error.is_some();
    let page = EvaluationPage {
        shell: Shell::staff("考评权重", staff, "/admin/evaluation"),
        current: vec![
            ("响应率", percent(w.response)),
            ("解决率", percent(w.resolution)),
            ("满意率", percent(w.satisfaction)),
        ],
        form,
        error,
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

pub async fn page(State(s): State<AppState>, staff: Staff) -> PageResult<Response> {
    admin_only(&staff)?;
    Ok(show(&s, &staff, None, None))
}

fn number(label: &str, v: &str) -> Result<f64, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(format!("请填写{label}权重"));
    }
    v.parse::<f64>().map_err(|_| format!("{label}权重应为小数，如 0.30"))
}

/// `POST /admin/evaluation`
pub async fn save(State(s): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<WeightsForm>) -> PageResult<Response> {
    admin_only(&staff)?;
    let parsed = (|| -> Result<Weights, String> {
        Ok(Weights {
            response: number("响应率", &f.response)?,
            resolution: number("解决率", &f.resolution)?,
            satisfaction: number("满意率", &f.satisfaction)?,
        })
    })();
    let w = match parsed {
        Ok(w) => w,
        Err(message) => return Ok(show(&s, &staff, Some(f), Some(message))),
    };
    match crate::evaluation::api::set_weights(State(s.clone()), staff.caller(), J(w)).await {
        Ok(axum::Json(w)) => {
            let text = format!(
                "考评权重已保存：响应率 {}、解决率 {}、满意率 {}，排名即按新权重计算",
                percent(w.response),
                percent(w.resolution),
                percent(w.satisfaction)
            );
            Ok(flash::redirect("/admin/evaluation", "ok", &text))
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => Ok(show(&s, &staff, Some(f), Some(e.message))),
        Err(e) => Err(e.into()),
    }
}
