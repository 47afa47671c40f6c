//! What the mediation pages share: who the caller is to the use-cases and the store, how a
//! refusal is shown, a dispute as one row of a list, names of places and risk levels.

use crate::AppState;
use crate::ui::error::PageError;
use crate::ui::staff::Staff;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use tongxin_app::mediation::{DisputeError, Who};
use tongxin_domain::kernel::mask::mask_name;
use tongxin_domain::mediation::clock::{DEFAULT_WARN_DAYS, LimitState, limit_state};
use tongxin_domain::mediation::risk::RiskLevel;
use tongxin_domain::mediation::{DisputeState, Status};
use tongxin_store::StoreError;
use tongxin_store::mediation::{DisputeView, Viewer};

/// The caller as the use-cases know them.
pub(super) fn who(staff: &Staff) -> Who {
    Who::Staff(staff.user.clone())
}

/// The caller as the store filters disputes for them.
pub(super) fn viewer(staff: &Staff) -> Viewer {
    Viewer::of_user(&staff.user)
}

/// A refusal the person can act on: the form field it concerns (if any) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub field: Option<&'static str>,
    pub message: String,
}

/// What to show for a use-case's refusal; a dispute out of reach is the 404 page, an outage or a
/// bug the error page.
pub(super) fn refusal(e: DisputeError) -> Result<Refusal, PageError> {
    match e {
        DisputeError::Invalid { field, message } => Ok(Refusal { field: Some(field), message }),
        DisputeError::Rule(r) => Ok(Refusal { field: None, message: r.to_string() }),
        DisputeError::Store(StoreError::NotFound) => Err(PageError::NotFound),
        DisputeError::Store(StoreError::Conflict(m) | StoreError::Invalid(m)) => {
            Ok(Refusal { field: None, message: m })
        }
        DisputeError::Store(e) => Err(e.into()),
    }
}

/// A store read that may not reach the dispute: the 404 page.
pub(super) fn not_found(e: StoreError) -> PageError {
    match e {
        StoreError::NotFound => PageError::NotFound,
        e => e.into(),
    }
}

/// The parties as a shared screen shows them: surnames only (`张* 与 李*`, `张* 与 李* 等 3 方`).
pub(super) fn masked_parties(state: &DisputeState) -> String {
    let names: Vec<String> = state.parties.iter().take(2).map(|p| mask_name(&p.name)).collect();
    let more = if state.parties.len() > 2 { format!(" 等 {} 方", state.parties.len()) } else { String::new() };
    format!("{}{more}", names.join(" 与 "))
}

/// Where the mediation limit stands: a light (`green`, `yellow`, `red`, `grey`) and its words.
pub(super) fn limit_light(d: &DisputeView, now: DateTime<Utc>) -> (&'static str, String) {
    match (d.status, d.deadline_at) {
        (Status::Accepted | Status::Mediating, Some(deadline)) => match limit_state(deadline, now, DEFAULT_WARN_DAYS) {
            LimitState::Running => ("green", LimitState::Running.label().to_string()),
            LimitState::Warning { days_left: 0 } => ("yellow", "今日到期".to_string()),
            LimitState::Warning { days_left } => ("yellow", format!("还剩 {days_left} 天")),
            LimitState::Overdue => ("red", LimitState::Overdue.label().to_string()),
        },
        (Status::Registered, _) => ("grey", "待受理".to_string()),
        _ if !d.open => ("grey", "已结束".to_string()),
        _ => ("grey", "期限已停止".to_string()),
    }
}

/// A risk level's name and colour as configured now (an assessment keeps the name it had).
pub(super) struct RiskBadge {
    pub name: String,
    pub colour: String,
}

pub(super) fn risk_badge(state: &DisputeState, levels: &[RiskLevel]) -> Option<RiskBadge> {
    let r = state.risk.as_ref()?;
    let colour = levels.iter().find(|l| l.code == r.code).map(|l| l.colour.clone()).unwrap_or_else(|| "#9e9e9e".into());
    Some(RiskBadge { name: r.name.clone(), colour })
}

/// One row of a list of disputes.
pub(super) struct Row {
    pub id: i64,
    pub code: String,
    pub parties: String,
    pub dispute_type: &'static str,
    pub place: String,
    pub org: String,
    pub level: &'static str,
    pub risk: Option<RiskBadge>,
    pub light: &'static str,
    pub limit: String,
    pub deadline: String,
    pub status: &'static str,
    pub overdue: bool,
    pub supervisions: u32,
}

pub(super) fn row(d: &DisputeView, places: &HashMap<String, String>, levels: &[RiskLevel], now: DateTime<Utc>) -> Row {
    let (light, limit) = limit_light(d, now);
    Row {
        id: d.id,
        code: d.code.clone(),
        parties: masked_parties(&d.state),
        dispute_type: d.dispute_type.label(),
        place: place_name(d, places),
        org: d.org_name.clone(),
        level: d.level.label(),
        risk: risk_badge(&d.state, levels),
        light,
        limit,
        deadline: d.deadline_at.map(tongxin_domain::kernel::clock::local_minute).unwrap_or_else(|| "—".into()),
        status: d.status.label(),
        overdue: light == "red",
        supervisions: d.state.supervisions,
    }
}

/// The most specific place of a dispute by name (its grid, else its community, else its street).
pub(super) fn place_name(d: &DisputeView, places: &HashMap<String, String>) -> String {
    let code = d.grid_code.as_deref().or(d.community_code.as_deref()).unwrap_or(&d.street_code);
    places.get(code).cloned().unwrap_or_else(|| "—".into())
}

/// The names of the places of these disputes (grids with their community: "桃园社区 · 一网格").
pub(super) async fn place_names(s: &AppState, disputes: &[&DisputeView]) -> Result<HashMap<String, String>, PageError> {
    let mut codes: Vec<String> = Vec::new();
    for d in disputes {
        codes.push(d.street_code.clone());
        codes.extend(d.community_code.iter().cloned());
        codes.extend(d.grid_code.iter().cloned());
    }
    let names = s.store.cases().region_names(&codes).await?;
    let mut out = names.clone();
    for d in disputes {
        if let (Some(g), Some(c)) = (&d.grid_code, &d.community_code)
            && let (Some(grid), Some(community)) = (names.get(g), names.get(c))
        {
            out.insert(g.clone(), format!("{community} · {grid}"));
        }
    }
    Ok(out)
}

/// The organisations a caller may pick (to register with or transfer to): active ones visible to
/// their scope, by name with their kind.
pub(super) async fn org_choices(s: &AppState, staff: &Staff) -> Result<Vec<(String, String)>, PageError> {
    let orgs = s.store.mediation().orgs(staff.scope()).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| o.active)
        .map(|o| (o.id.to_string(), format!("{}（{}）", o.name, o.kind.label())))
        .collect())
}

/// A page with a form: 422 when it shows a refused form again.
pub(super) fn render_form<T: askama::Template>(page: &T, refused: bool) -> axum::response::Response {
    let mut resp = crate::ui::render(page);
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// A form posted back: its id, what was typed, and why it was refused.
pub(super) struct Kept {
    pub form: String,
    pub values: HashMap<String, Vec<String>>,
    pub error: String,
}

/// The refused form of a page, if any, for the templates to fill the form again.
#[derive(Default)]
pub(super) struct Typed(pub Option<Kept>);

impl Typed {
    pub(super) fn refused(form: String, values: HashMap<String, Vec<String>>, error: String) -> Typed {
        Typed(Some(Kept { form, values, error }))
    }

    fn of(&self, form: &str) -> Option<&Kept> {
        self.0.as_ref().filter(|k| k.form == form)
    }

    /// What was typed in `form`'s `field` (its first value), or "".
    pub(super) fn v(&self, form: &str, field: &str) -> &str {
        self.vi(form, field, 0usize)
    }

    /// The `i`-th value of a repeated field, or "".
    pub(super) fn vi(&self, form: &str, field: &str, i: impl Index) -> &str {
        let i = i.index();
        self.of(form).and_then(|k| k.values.get(field)).and_then(|v| v.get(i)).map(String::as_str).unwrap_or("")
    }

    /// Whether `value` was among `field`'s values (a ticked box); `default` for a fresh form.
    pub(super) fn has(&self, form: &str, field: &str, value: &str, default: impl std::borrow::Borrow<bool>) -> bool {
        match self.of(form) {
            Some(k) => k.values.get(field).is_some_and(|v| v.iter().any(|x| x == value)),
            None => *default.borrow(),
        }
    }

    /// Why `form` was refused.
    pub(super) fn error(&self, form: &str) -> Option<&str> {
        self.of(form).map(|k| k.error.as_str())
    }
}

/// A row number as templates hand it over (by value or by reference from a loop).
pub(super) trait Index {
    fn index(self) -> usize;
}

impl Index for usize {
    fn index(self) -> usize {
        self
    }
}

impl<T: Index + Copy> Index for &T {
    fn index(self) -> usize {
        (*self).index()
    }
}
