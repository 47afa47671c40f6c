//! A petition's page (`GET /petitions/{id}`): the petitioner and the representatives (masked),
//! the matter, every clock with its last day and state, the transfer, extension, opinions and
//! appeals, the history, and a form for every step the caller may take now.
//!
//! Which forms show is asked of the domain itself: each step is tried with `decide` on the
//! petition's state as the caller (nothing is written); a step the rules would refuse for the
//! caller or the status is not offered, one refused only for the data typed is. A refused post
//! comes back here ([`show`] with [`Posted`]) with what was typed and why.

use super::views::{ClockLine, Refusal, clock_line};
use crate::AppState;
use crate::cases::names::Names;
use crate::cases::pages::Choice;
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use tongxin_app::petitions::unit_of;
use tongxin_domain::case::Unit;
use tongxin_domain::case::deadline::shanghai_date;
use tongxin_domain::kernel::access::{Action as Permission, Scope};
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::petition::{
    Action, Actor, EventKind, FactsAndReasons, Finding, LegalBasis, Opinion, Outcome, PetitionState, Request, Route,
    TransferMode, TransitionError, clocks, decide, zh_date,
};
use tongxin_store::mediation::Viewer;
use tongxin_store::petitions::PetitionView;

/// A refused post, shown on the page it came from.
pub(crate) struct Posted {
    /// The form's action (`notify`, `transfer` … or `mediate`).
    pub form: String,
    pub fields: HashMap<String, String>,
    pub refusal: Refusal,
}

/// Whether the rules would take `action` from `actor` now; a refusal only of the data typed
/// still offers the form (the rules answer when it is posted).
fn may(state: &PetitionState, actor: &Actor, action: Action, now: DateTime<Utc>, cal: &WorkingCalendar) -> bool {
    match decide(state, actor, &action, now, cal) {
        Ok(_) => true,
        Err(
            TransitionError::Required { .. }
            | TransitionError::TooLong { .. }
            | TransitionError::BadCharacters { .. }
            | TransitionError::BadExtension { .. }
            | TransitionError::ServedOnOutOfRange { .. }
            | TransitionError::BadDisputeId
            | TransitionError::PublishWithoutHearing,
        ) => true,
        Err(_) => false,
    }
}

/// An opinion to probe the rules with.
fn probe_opinion() -> Option<Opinion> {
    Some(Opinion {
        request: Request::new("x").ok()?,
        facts_and_reasons: FactsAndReasons::new("x").ok()?,
        outcome: Outcome::Explain,
        finding: Finding::new("x").ok()?,
        legal_basis: LegalBasis::new("x").ok()?,
    })
}

/// The steps the caller may take now, by their action names.
fn offered(
    p: &PetitionView,
    actor: &Actor,
    routes: &[Route],
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> HashSet<&'static str> {
    let x = || "x".to_string();
    let today = shanghai_date(now);
    let mut steps = vec![
        Action::Notify { note: x() },
        Action::Transfer { unit: Unit::Department(i64::MAX), mode: TransferMode::Assign, note: x() },
        Action::Object { reason: x() },
        Action::DecideObjection { agree: true, note: x() },
        Action::Accept,
        Action::Extend { days: 1, reason: x() },
        Action::Reply { reply: x() },
        Action::RequestReview { body: x(), request: x() },
        Action::RequestRecheck { body: x(), request: x() },
        Action::StartHearing { note: x() },
        Action::EndHearing { note: x() },
        Action::Conclude,
        Action::Mediate { dispute_id: 1, note: x() },
        Action::Withdraw { reason: x() },
    ];
    if let Some(opinion) = probe_opinion() {
        steps.push(Action::IssueOpinion { opinion: opinion.clone(), served_on: today });
        steps.push(Action::AnswerReview { opinion: opinion.clone(), served_on: today });
        steps.push(Action::AnswerRecheck { opinion, served_on: today, publish: false });
    }
    if let Some(route) = routes.first() {
        steps.push(Action::Route { route: *route, note: x() });
    }
    steps.into_iter().filter(|a| may(&p.state, actor, a.clone(), now, cal)).map(|a| a.kind().as_str()).collect()
}

/// One line of the history.
struct HistoryLine {
    at: String,
    label: &'static str,
    unit: String,
    actor: String,
    note: String,
}

/// A person as shown: masked.
struct PersonLine {
    role: &'static str,
    name: String,
    details: String,
}

/// A written opinion on the page, with its printable page.
struct OpinionLine {
    title: &'static str,
    outcome: &'static str,
    served: String,
    href: String,
}

/// A 复查 or 复核 as asked.
struct AppealLine {
    title: &'static str,
    body: String,
    request: String,
    requested: String,
    hearing: String,
}

#[derive(Template)]
#[template(path = "petitions/petition.html")]
struct PetitionPage {
    shell: Shell,
    p: PetitionView,
    area: String,
    holder: String,
    transfer: Option<String>,
    objection: Option<String>,
    extension: Option<String>,
    people: Vec<PersonLine>,
    clocks: Vec<ClockLine>,
    opinions: Vec<OpinionLine>,
    appeals: Vec<AppealLine>,
    reply: Option<String>,
    history: Vec<HistoryLine>,
    cases: Vec<(i64, String)>,
    dispute: Option<String>,
    offered: HashSet<&'static str>,
    own_unit: String,
    units: Vec<Choice>,
    routes: Vec<Choice>,
    outcomes: Vec<Choice>,
    today: String,
    registered: String,
    posted: Option<Posted>,
}

impl PetitionPage {
    fn offers(&self, step: &str) -> bool {
        self.offered.contains(step)
    }

    fn has_forms(&self) -> bool {
        !self.offered.is_empty()
    }

    /// What was typed into `field` of the form `form` when it was refused, else `default`.
    fn val<'a>(&'a self, form: &str, field: &str, default: &'a str) -> &'a str {
        match &self.posted {
            Some(p) if p.form == form => p.fields.get(field).map(String::as_str).unwrap_or(default),
            _ => default,
        }
    }

    /// Whether `value` was chosen in `field` of a refused `form` (else whether it is `default`).
    fn chosen(&self, form: &str, field: &str, value: &str, default: &str) -> bool {
        self.val(form, field, default) == value
    }

    /// Why the form `form` was refused.
    fn refused(&self, form: &str) -> Option<&str> {
        self.posted.as_ref().filter(|p| p.form == form).map(|p| p.refusal.message.as_str())
    }
}

/// `GET /petitions/{id}`.
pub(crate) async fn petition_page(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    show(&s, &staff, id, None).await
}

/// The petition page, with a refused post's message and what was typed.
pub(crate) async fn show(s: &AppState, staff: &Staff, id: i64, posted: Option<Posted>) -> PageResult<Response> {
    staff.require(Permission::ReadPetitions)?;
    let store = s.store.petitions();
    let p = store.get(staff.scope(), id).await?;
    let people = store.people(staff.scope(), id).await?;
    let events = store.events(staff.scope(), id).await?;
    let case_ids = store.cases_of_petition(staff.scope(), id).await?;
    let now = s.store.now();
    let config = s.cases.config();
    let cal = &config.calendar;

    let street = RegionCode::parse(&p.street_code).map_err(|_| PageError::Internal)?;
    let street_scope = Scope::Region { code: street };
    let departments = s.store.departments().list(&street_scope).await?;
    let state = &p.state;
    let codes = [Some(p.street_code.clone()), p.community_code.clone(), p.grid_code.clone()].into_iter().flatten();
    let units = events
        .iter()
        .filter_map(|e| e.unit.clone())
        .chain(p.holder.iter().map(Unit::key))
        .chain(state.released.iter().map(Unit::key));
    let departments_named = departments.iter().map(|d| (d.id, d.name.clone()));
    let names = Names::load(s, departments_named, codes.collect::<Vec<_>>(), units.collect::<Vec<_>>()).await;

    // The rules' messages name units by id ("部门#1"): by name here.
    let posted = posted.map(|mut x| {
        x.refusal.message = names.text(&x.refusal.message);
        x
    });
    let own = unit_of(&staff.user, &p);
    let actor = Actor::Staff { role: staff.user.role, unit: own.clone() };
    let fitting: Vec<Route> = Route::ALL.into_iter().filter(|r| r.is_statutory() && r.fits(p.kind)).collect();
    let offered = offered(&p, &actor, &fitting, now, cal);

    // Transfer targets: the street's departments and the petition's grid team, less any whose
    // objection was agreed (art 23).
    let mut unit_options: Vec<Unit> = departments.iter().map(|d| Unit::Department(d.id)).collect();
    if let Some(g) = &p.grid_code {
        unit_options.push(Unit::GridTeam(g.clone()));
    }
    let units =
        std::iter::once(Choice { value: String::new(), label: "请选择承办单位".into(), selected: false })
            .chain(unit_options.into_iter().filter(|u| !state.released.contains(u)).map(|u| {
                let value = u.key();
                Choice { selected: posted_is(&posted, "transfer", "unit", &value), label: names.unit(&u), value }
            }))
            .collect();
    let routes = fitting
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: format!("{}（{}）", r.label(), r.article()),
            selected: posted_is(&posted, "route", "route", r.as_str()),
        })
        .collect();
    let outcomes = Outcome::ALL
        .iter()
        .map(|o| Choice { value: o.as_str().into(), label: o.label().into(), selected: false })
        .collect();

    let mut cases = Vec::new();
    for cid in case_ids {
        if let Ok(c) = s.store.cases().get(staff.scope(), cid).await {
            cases.push((c.id, c.code));
        }
    }
    let dispute = match p.dispute_id {
        Some(d) => Some(match s.store.mediation().get(&Viewer::Staff(street_scope.clone()), d).await {
            Ok(v) => v.code,
            Err(_) => "（矛盾纠纷）".into(),
        }),
        None => None,
    };

    // Staff by name and role, as on a case's timeline.
    let mut people_by_id: HashMap<i64, String> = HashMap::new();
    for user in events.iter().filter_map(|e| e.actor_id) {
        if !people_by_id.contains_key(&user)
            && let Ok(u) = s.store.accounts().user(user).await
        {
            people_by_id.insert(user, format!("{}（{}）", u.display_name, u.role.label()));
        }
    }
    let history = events
        .iter()
        .map(|e| HistoryLine {
            at: local_minute(e.at),
            label: match e.kind.as_str() {
                "linked" => "同一事项再次提出（已关联）",
                k => EventKind::parse(k).map(EventKind::label).unwrap_or("记录"),
            },
            unit: e.unit.as_deref().map(|k| names.key(k)).unwrap_or_default(),
            actor: e.actor_id.and_then(|u| people_by_id.get(&u).cloned()).unwrap_or_else(|| actor_label(&e.actor_name)),
            note: names.text(&e.note),
        })
        .collect();
    let people = people
        .iter()
        .map(|x| PersonLine {
            role: if x.idx == 0 { "信访人" } else { "代表" },
            name: x.name_masked.clone(),
            details: [x.address_masked.as_deref(), x.id_masked.as_deref(), x.phone_masked.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect();
    let clock_lines = clocks(state, now, cal).iter().map(clock_line).collect();
    let page = PetitionPage {
        shell: Shell::staff(&format!("信访件 {}", p.code), staff, "/petitions"),
        area: names.region(super::views::area_code(&p)),
        holder: p.holder.as_ref().map(|u| names.unit(u)).unwrap_or_else(|| "信访部门（本机关）".into()),
        transfer: state
            .transfer
            .as_ref()
            .map(|t| format!("{}至{}（{}）", t.mode.label(), names.unit(&t.unit), local_minute(t.at))),
        objection: state
            .transfer
            .as_ref()
            .and_then(|t| t.objection.as_ref())
            .map(|o| format!("{}：{}", local_minute(o.at), o.reason)),
        extension: state
            .extension
            .as_ref()
            .map(|e| format!("延长{}日（{}）：{}", e.days, local_minute(e.at), e.reason)),
        people,
        clocks: clock_lines,
        opinions: opinion_lines(&p),
        appeals: appeal_lines(state),
        reply: state.reply.clone(),
        history,
        cases,
        dispute,
        offered,
        own_unit: own.as_ref().map(|u| names.unit(u)).unwrap_or_default(),
        units,
        routes,
        outcomes,
        today: shanghai_date(now).to_string(),
        registered: local_minute(p.created_at),
        posted,
        p,
    };
    let status = page.posted.as_ref().map(|x| x.refusal.status).unwrap_or(axum::http::StatusCode::OK);
    Ok((status, render(&page)).into_response())
}

fn posted_is(posted: &Option<Posted>, form: &str, field: &str, value: &str) -> bool {
    posted.as_ref().is_some_and(|p| p.form == form && p.fields.get(field).map(String::as_str) == Some(value))
}

/// The written opinions served so far, each with its printable page.
fn opinion_lines(p: &PetitionView) -> Vec<OpinionLine> {
    let s = &p.state;
    let answer = |a: &Option<tongxin_domain::petition::Appeal>| a.as_ref().and_then(|a| a.answer.clone());
    [
        ("opinion", "信访处理意见书", s.opinion.clone()),
        ("review", "复查意见书", answer(&s.review)),
        ("recheck", "复核意见书", answer(&s.recheck)),
    ]
    .into_iter()
    .filter_map(|(stage, title, served)| {
        served.map(|o| OpinionLine {
            title,
            outcome: o.opinion.outcome.label(),
            served: zh_date(o.served_on),
            href: format!("/petitions/{}/opinion?stage={stage}", p.id),
        })
    })
    .collect()
}

fn appeal_lines(s: &PetitionState) -> Vec<AppealLine> {
    [("复查", &s.review), ("复核", &s.recheck)]
        .into_iter()
        .filter_map(|(title, a)| {
            a.as_ref().map(|a| AppealLine {
                title,
                body: a.body.clone(),
                request: a.request.clone(),
                requested: local_minute(a.requested_at),
                hearing: a
                    .hearing
                    .as_ref()
                    .map(|h| match h.ended_at {
                        Some(end) => format!("听证 {} 至 {}", local_minute(h.started_at), local_minute(end)),
                        None => format!("听证自 {} 起（复核期限暂停计算）", local_minute(h.started_at)),
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// An actor without an account: the system's jobs by what they are.
fn actor_label(name: &str) -> String {
    if name.starts_with("system") { "系统".to_string() } else { name.to_string() }
}
