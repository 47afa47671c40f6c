//! What several petition pages show: a petition as one row of a list, a clock as one line, the
//! names of places and units, and a refused use-case as the message a form shows.

use crate::AppState;
use crate::cases::names::Names;
use crate::error::ApiError;
use crate::ui::error::PageError;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use tongxin_app::petitions::PetitionError;
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::petition::{Clock, ClockState, clocks, earliest_pending, zh_date};
use tongxin_store::StoreError;
use tongxin_store::petitions::PetitionView;

/// The longest request a list row shows.
const EXCERPT_CHARS: usize = 40;

/// One petition in a list: no personal data but the masked name.
pub(crate) struct Row {
    pub id: i64,
    pub code: String,
    pub channel: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub petitioner: String,
    pub request: String,
    pub area: String,
    pub holder: String,
    /// The clock the row is about (its pending duty, or the one a list is for) …
    pub clock: String,
    /// … its last day …
    pub due: String,
    /// … and its light: green, yellow, red or grey, with words.
    pub light: &'static str,
    pub light_label: &'static str,
    pub registered: String,
}

/// A clock as a line of the petition page or of a list.
pub(crate) struct ClockLine {
    pub label: &'static str,
    pub article: &'static str,
    /// “15日”, “60日（延长30日）”, “30日（听证3日不计入）”.
    pub span: String,
    pub started: String,
    pub due: String,
    pub state: &'static str,
    pub light: &'static str,
    pub done: String,
}

/// The light of a clock's state.
pub(crate) fn light(state: ClockState) -> &'static str {
    match state {
        ClockState::Overdue | ClockState::Missed => "red",
        ClockState::Warned => "yellow",
        ClockState::Running | ClockState::Met => "green",
        ClockState::Paused => "grey",
    }
}

pub(crate) fn clock_line(c: &Clock) -> ClockLine {
    let base = c.kind.span();
    let span = match (c.extra_days, c.kind) {
        (0, _) => base.label(),
        (n, tongxin_domain::petition::ClockKind::Handling) => format!("{}（延长{n}日）", base.label()),
        (n, _) => format!("{}（听证{n}日不计入）", base.label()),
    };
    ClockLine {
        label: c.kind.label(),
        article: c.kind.article(),
        span,
        started: zh_date(c.started_on),
        due: zh_date(c.due_on),
        state: c.state.label(),
        light: light(c.state),
        done: c.done_at.map(local_minute).unwrap_or_default(),
    }
}

/// The names of the places and holding units of `items`.
pub(crate) async fn names_of(s: &AppState, items: &[PetitionView]) -> Names {
    let codes = items.iter().map(area_code);
    let units = items.iter().filter_map(|p| p.holder.as_ref().map(|u| u.key()));
    Names::load(s, [], codes.map(str::to_string).collect::<Vec<_>>(), units.collect::<Vec<_>>()).await
}

/// The most specific place of a petition: its grid, community or street.
pub(crate) fn area_code(p: &PetitionView) -> &str {
    p.grid_code.as_deref().or(p.community_code.as_deref()).unwrap_or(&p.street_code)
}

/// A petition as a row; `about` is the clock the row shows (else its earliest pending duty).
pub(crate) fn row(
    p: &PetitionView,
    names: &Names,
    about: Option<&Clock>,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Row {
    let all = clocks(&p.state, now, cal);
    // The clock asked about, else the pending duty, else a window still open (复查/复核).
    let window = || all.iter().filter(|c| c.state.is_pending() && c.kind.is_window()).min_by_key(|c| c.due_on);
    let shown = about.or_else(|| earliest_pending(&all)).or_else(window);
    let (clock, due, light_class, light_label) = match shown {
        Some(c) => (c.kind.label().to_string(), zh_date(c.due_on), light(c.state), c.state.label()),
        None if p.open => (String::new(), "—".to_string(), "grey", "无待办期限"),
        None => (String::new(), "—".to_string(), "grey", "已结束"),
    };
    Row {
        id: p.id,
        code: p.code.clone(),
        channel: p.channel.label(),
        kind: p.kind.label(),
        status: p.status.label(),
        petitioner: p.petitioner_masked.clone(),
        request: excerpt(&p.request),
        area: names.region(area_code(p)),
        holder: p.holder.as_ref().map(|u| names.unit(u)).unwrap_or_else(|| "信访部门".into()),
        clock,
        due,
        light: light_class,
        light_label,
        registered: local_minute(p.created_at),
    }
}

fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

/// A date typed in a form (`YYYY-MM-DD`).
pub(crate) fn parse_day(raw: &str, field: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| format!("请填写{field}（年-月-日）"))
}

/// A refused use-case as a form shows it.
pub(crate) struct Refusal {
    pub status: StatusCode,
    /// The form field to show it at (empty: above the form).
    pub field: &'static str,
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, field: &'static str, message: impl Into<String>) -> Refusal {
        Refusal { status, field, message: message.into() }
    }
}

/// What a form says when a use-case refused; what no one can correct (an outage, a bug) and a
/// petition outside the scope are the error pages.
pub(crate) fn refusal(e: PetitionError) -> Result<Refusal, PageError> {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(match e {
        PetitionError::Invalid { field, message } => Refusal::new(unprocessable, field, message),
        PetitionError::Refused { message, .. } => Refusal::new(unprocessable, "", message),
        PetitionError::Rule(e) => Refusal::new(unprocessable, "", e.to_string()),
        PetitionError::Store(StoreError::Conflict(m)) => Refusal::new(StatusCode::CONFLICT, "", m),
        PetitionError::Store(StoreError::Invalid(m)) => Refusal::new(unprocessable, "", m),
        PetitionError::Store(StoreError::NotFound) => return Err(PageError::NotFound),
        PetitionError::Store(e) => return Err(ApiError::from(e).into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_bounded_and_marked() {
        assert_eq!(excerpt("要求补发补偿款"), "要求补发补偿款");
        let long = "字".repeat(EXCERPT_CHARS + 5);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt(&long).ends_with('…'));
    }

    #[test]
    fn a_typed_date_or_its_message() {
        assert_eq!(parse_day(" 2026-12-01 ", "送达日期"), Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
        assert_eq!(parse_day("明天", "送达日期"), Err("请填写送达日期（年-月-日）".to_string()));
    }
}
