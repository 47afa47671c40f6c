//! 风险等级 (`GET`/`POST /mediation/risk-levels`, the admin): the configurable levels — name,
//! colour, the level a dispute of this risk is handled at, the time to respond — most severe
//! first, checked as a whole by the domain (`validate_risk_levels`). No national rule defines
//! them (DOMAIN-RULES §1.6); the seed is 红/橙/黄/绿. Assessments already made keep the name
//! they had.

use super::fields::Fields;
use super::views::{Typed, refusal, render_form};
use crate::AppState;
use crate::ui::{CsrfForm, PageResult, Shell, Staff, flash};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use tongxin_domain::kernel::access::Action as Permission;
use tongxin_domain::mediation::kinds::Level;
use tongxin_domain::mediation::risk::{MAX_RISK_LEVELS, RiskLevel};

#[derive(Template)]
#[template(path = "mediation/risk_levels.html")]
struct RiskPage {
    shell: Shell,
    levels: Vec<RiskLevel>,
    rows: Vec<usize>,
    targets: Vec<(&'static str, &'static str)>,
    typed: Typed,
}

impl RiskPage {
    /// A cell: as typed after a refusal, else as stored.
    fn cell(&self, row: &usize, field: &str) -> String {
        if self.typed.0.is_some() {
            return self.typed.vi("levels", field, *row).to_string();
        }
        let Some(l) = self.levels.get(*row) else { return String::new() };
        match field {
            "code" => l.code.clone(),
            "name" => l.name.clone(),
            "colour" => l.colour.clone(),
            "escalate_to" => l.escalate_to.as_str().into(),
            "response_hours" => l.response_hours.to_string(),
            _ => String::new(),
        }
    }
}

/// `GET /mediation/risk-levels`
pub async fn page(State(s): State<AppState>, staff: Staff) -> PageResult<Response> {
    show(&s, &staff, Typed::default()).await
}

async fn show(s: &AppState, staff: &Staff, typed: Typed) -> PageResult<Response> {
    staff.require(Permission::ManageMediationConfig)?;
    let levels = s.store.mediation().risk_levels().await?;
    let page = RiskPage {
        shell: Shell::staff("风险等级", staff, "/mediation/risk-levels"),
        rows: (0..(levels.len() + 2).min(MAX_RISK_LEVELS)).collect(),
        levels,
        targets: Level::ALL.iter().map(|l| (l.as_str(), l.label())).collect(),
        typed,
    };
    Ok(render_form(&page, page.typed.0.is_some()))
}

/// `POST /mediation/risk-levels`: rows with a code become the levels, in order.
pub async fn save(
    State(s): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::ManageMediationConfig)?;
    let m = Fields::new(pairs);
    let cell = |k: &str, i: usize| m.all(k).get(i).map(|v| v.trim().to_string()).unwrap_or_default();
    let rows = m.all("code").len().min(MAX_RISK_LEVELS + 5);
    let mut levels = Vec::new();
    let mut problem = None;
    for i in 0..rows {
        let code = cell("code", i);
        if code.is_empty() && cell("name", i).is_empty() {
            continue;
        }
        let Some(escalate_to) = Level::parse(&cell("escalate_to", i)) else {
            problem = Some(format!("第{}行：请选择升级到的层级", i + 1));
            break;
        };
        let Ok(response_hours) = cell("response_hours", i).parse::<u32>() else {
            problem = Some(format!("第{}行：响应时限应为整数（小时）", i + 1));
            break;
        };
        levels.push(RiskLevel {
            code,
            name: cell("name", i),
            colour: cell("colour", i).to_uppercase(),
            escalate_to,
            response_hours,
        });
    }
    if let Some(p) = problem {
        return show(&s, &staff, Typed::refused("levels".into(), m.into_map(), p)).await;
    }
    match tongxin_app::mediation::orgs::set_risk_levels(&s.store, &staff.user, levels).await {
        Ok(saved) => Ok(flash::redirect("/mediation/risk-levels", "ok", &format!("已保存 {} 个风险等级", saved.len()))),
        Err(e) => {
            let r = refusal(e)?;
            show(&s, &staff, Typed::refused("levels".into(), m.into_map(), r.message)).await
        }
    }
}
