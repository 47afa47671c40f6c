//! A dispute's page (`GET /mediation/disputes/{id}`): the parties (ID numbers and phones
//! masked), the clocks (the mediation limit with its warning, the risk level's response time,
//! the 司法确认 window and the court's periods), the agreement and its performance, the sessions
//! (调解记录, 人民调解法 art 27) and the whole history, and a form for every step the caller
//! may take now — asked of the rules themselves: each step is tried with `decide` on the
//! dispute's state (nothing is written), and only the forms the rules would accept are shown.
//! `GET /mediation/code/{code}` opens a dispute by its code (the 调解协议书's QR code).

use super::fields::ITEM_ROWS;
use super::views::{RiskBadge, Typed, limit_light, not_found, place_names, render_form, risk_badge, viewer, who};
use crate::AppState;
use crate::cases::pages::{Choice, choices};
use crate::ui::{CsrfForm, PageError, PageResult, Shell, Staff, flash};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::HashMap;
use tongxin_domain::case::deadline::shanghai_date;
use tongxin_domain::kernel::access::{Action as Permission, Role, role_may};
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::mediation::agreement::{AgreementForm, OralDraft, PerformanceTerm};
use tongxin_domain::mediation::kinds::Level;
use tongxin_domain::mediation::mediator::MediatorRef;
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::risk::RiskLevel;
use tongxin_domain::mediation::{
    Action, Actor, ConfirmationAction, ConfirmationStatus, Consent, ConsentForm, DisputeState, EventKind,
    MediationError, OrgRef, PerformanceResult, Route, SessionPlace, VisitForm, confirmation_view, decide,
    decide_confirmation,
};
use tongxin_store::StoreError;
use tongxin_store::mediation::{DisputeEvent, DisputeView};

/// Forms by how likely they are the next step, most likely first.
const FORM_ORDER: [&str; 24] = [
    "accept",
    "consent",
    "assign",
    "session",
    "written",
    "oral",
    "sign",
    "performance",
    "follow_up",
    "close",
    "apply",
    "court_accept",
    "confirm",
    "extend",
    "terminate",
    "assess",
    "escalate",
    "transfer",
    "supervise",
    "withdraw",
    "court_decline",
    "extend_ruling",
    "reject",
    "violence",
];

pub(super) struct PartyLine {
    pub number: usize,
    pub side: &'static str,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub consent: String,
    pub refused: bool,
    pub resident: Option<i64>,
    /// Its index (the unmask form's path).
    pub idx: i64,
    /// The caller holds the unmask permission and there is a number to show.
    pub may_unmask: bool,
    /// Shown in clear after an audited unmask (this response only).
    pub unmasked: Option<(Option<String>, Option<String>)>,
}

pub(super) struct ItemLine {
    pub number: usize,
    pub party: String,
    pub content: String,
    pub method: String,
    pub place: String,
    pub due: String,
    pub result: String,
    pub overdue: bool,
}

pub(super) struct SessionLine {
    pub held_on: String,
    pub place: String,
    pub attendees: String,
    pub notes: String,
    pub by: String,
}

pub(super) struct HistoryLine {
    pub at: String,
    pub label: &'static str,
    pub actor: String,
    pub note: String,
    pub detail: String,
}

pub(super) struct ConfirmLine {
    pub status: &'static str,
    pub court: String,
    pub window_end: String,
    pub applied: String,
    pub acceptance_due: String,
    pub accepted: String,
    pub ruling_due: String,
    pub extended: bool,
    pub decided: String,
    pub reason: String,
    pub court_late: bool,
    pub window_missed: bool,
}

/// A 司法确认 step the desk records from the court's papers: a date, and a reason for a refusal.
pub(super) struct ConfirmStep {
    /// The form's id, also the step's name.
    pub id: &'static str,
    pub title: &'static str,
    pub date_label: &'static str,
    pub reason: Option<&'static str>,
    pub hint: &'static str,
}

const CONFIRM_STEPS: [ConfirmStep; 5] = [
    ConfirmStep {
        id: "court_accept",
        title: "记录法院受理",
        date_label: "受理日期",
        reason: None,
        hint: "法院应在三日内决定是否受理（法释〔2011〕5号第四条）。",
    },
    ConfirmStep { id: "confirm", title: "记录确认有效", date_label: "裁定日期", reason: None, hint: "" },
    ConfirmStep {
        id: "court_decline",
        title: "记录法院不予受理",
        date_label: "日期",
        reason: Some("不予受理理由"),
        hint: "",
    },
    ConfirmStep {
        id: "extend_ruling",
        title: "记录延长审查期限",
        date_label: "批准日期",
        reason: None,
        hint: "经院长批准可延长十日，只能延长一次（法释〔2011〕5号第五条）。",
    },
    ConfirmStep {
        id: "reject", title: "记录驳回申请", date_label: "裁定日期", reason: Some("驳回理由"), hint: ""
    },
];

/// 升级 or 流转: where to, and why.
pub(super) struct MoveForm {
    /// The form's id, also the action's name.
    pub id: &'static str,
    pub title: &'static str,
    pub options: Vec<Choice>,
}

pub(super) struct AgreementLine {
    pub kind: &'static str,
    pub written: bool,
    pub recorded: String,
    pub effective: String,
    /// The oral agreement's record.
    pub content: String,
    pub scan: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "mediation/dispute.html")]
pub(super) struct DisputePage {
    pub shell: Shell,
    pub d: DisputeView,
    pub status: &'static str,
    pub dispute_type: &'static str,
    pub source: &'static str,
    pub level: &'static str,
    pub place: String,
    pub amount: String,
    pub registered: String,
    pub accepted: String,
    pub deadline: String,
    pub light: &'static str,
    pub limit: String,
    pub extension_days: u32,
    pub risk: Option<RiskBadge>,
    pub risk_respond_by: String,
    pub risk_late: bool,
    pub violence: String,
    pub mediators: String,
    pub chosen_by_parties: bool,
    pub referred_case: Option<(Option<i64>, String)>,
    /// The grid screening that found it: (its month's list for those who read screenings, its name).
    pub screening: Option<(Option<String>, String)>,
    pub parties: Vec<PartyLine>,
    pub consent_missing: String,
    pub agreement: Option<AgreementLine>,
    pub items: Vec<ItemLine>,
    pub failure: Option<(String, String)>,
    pub confirmation: Option<ConfirmLine>,
    pub sessions: Vec<SessionLine>,
    pub history: Vec<HistoryLine>,
    /// The forms offered, by id.
    pub offered: Vec<&'static str>,
    pub top: Vec<&'static str>,
    pub slots: Vec<&'static str>,
    pub today: String,
    pub party_names: Vec<(usize, String)>,
    pub pending: Vec<(usize, String)>,
    pub mediator_choices: Vec<Choice>,
    pub move_forms: Vec<MoveForm>,
    pub risk_choices: Vec<Choice>,
    pub item_choices: Vec<Choice>,
    pub item_rows: Vec<usize>,
    pub consent_forms: Vec<(&'static str, &'static str)>,
    pub visit_forms: Vec<(&'static str, &'static str)>,
    pub results: Vec<(&'static str, &'static str)>,
    pub routes: Vec<(&'static str, &'static str)>,
    pub confirm_steps: &'static [ConfirmStep],
    pub typed: Typed,
}

impl DisputePage {
    fn on(&self, form: &str) -> bool {
        self.offered.contains(&form)
    }

    /// Whether `form` is rendered in `slot` (`top` or `more`).
    fn at(&self, form: &str, slot: &str) -> bool {
        self.on(form) && (self.top.contains(&form) == (slot == "top"))
    }

    fn more(&self, slot: &str) -> bool {
        slot == "more"
    }

    fn today_or(&self, form: &str, field: &str) -> String {
        match self.typed.v(form, field) {
            "" => self.today.clone(),
            v => v.to_string(),
        }
    }
}

/// `GET /mediation/disputes/{id}`
pub async fn page(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    show(&s, &staff, id, Typed::default()).await
}

/// `GET /mediation/code/{code}`: the dispute with this code (the QR code of its 调解协议书).
pub async fn by_code(State(s): State<AppState>, staff: Staff, Path(code): Path<String>) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    if code.len() > 40 {
        return Err(PageError::NotFound);
    }
    let d = s.store.mediation().get_by_code(&viewer(&staff), &code).await.map_err(not_found)?;
    Ok(Redirect::to(&format!("/mediation/disputes/{}", d.id)).into_response())
}

/// The page, with a refused form shown again (status 422) when `kept` is given.
pub(super) async fn show(s: &AppState, staff: &Staff, id: i64, kept: Typed) -> PageResult<Response> {
    show_unmasked(s, staff, id, kept, None).await
}

/// `POST /mediation/disputes/{id}/parties/{idx}/unmask`: the page with one party's full ID
/// number and phone, for holders of the unmask permission in scope (audited, within the hourly
/// budget of such looks); nothing is kept in the address or a cookie.
pub async fn unmask(
    State(s): State<AppState>,
    staff: Staff,
    Path((id, idx)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    if !staff.user.can_unmask {
        return Err(PageError::Forbidden);
    }
    let m = s.store.mediation();
    match m.unmask_party(staff.scope(), &staff.actor(), true, id, idx).await {
        Ok(u) => show_unmasked(&s, &staff, id, Typed::default(), Some(u)).await,
        Err(StoreError::Conflict(message)) => {
            Ok(flash::redirect(&format!("/mediation/disputes/{id}"), "error", &message))
        }
        Err(e) => Err(not_found(e)),
    }
}

async fn show_unmasked(
    s: &AppState,
    staff: &Staff,
    id: i64,
    kept: Typed,
    unmasked: Option<tongxin_store::mediation::UnmaskedParty>,
) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    let v = viewer(staff);
    let d = s.store.mediation().get(&v, id).await.map_err(not_found)?;
    let store_parties = s.store.mediation().parties(&v, id).await?;
    let events = s.store.mediation().events(&v, id).await?;
    let levels = s.store.mediation().risk_levels().await?;
    let cal = tongxin_app::mediation::calendar(&s.store).await?;
    let now = s.store.now();
    let today = shanghai_date(now);
    let state = &d.state;
    let actor =
        tongxin_app::mediation::domain_actor(&s.store, &who(staff), id, Some(state)).await.map_err(|e| match e {
            tongxin_app::mediation::DisputeError::Store(e) => not_found(e),
            _ => PageError::Internal,
        })?;

    // Organisations and mediators the forms may name, and names for the history.
    let orgs = s.store.mediation().orgs(staff.scope()).await?;
    let mut org_names: HashMap<i64, String> = orgs.iter().map(|o| (o.id, o.name.clone())).collect();
    org_names.insert(d.org_id, d.org_name.clone());
    let mut mediator_names: HashMap<i64, String> = HashMap::new();
    let mut mediator_choices = Vec::new();
    for o in orgs.iter().filter(|o| o.active) {
        for m in s.store.mediation().mediators(staff.scope(), o.id).await? {
            mediator_names.insert(m.mediator.id, m.mediator.name.clone());
            if m.mediator.can_act(today).is_ok() {
                let value = m.mediator.id.to_string();
                let own = o.id == d.org_id;
                let label = if own { m.mediator.name.clone() } else { format!("{}（{}）", m.mediator.name, o.name) };
                mediator_choices
                    .push((own, Choice { selected: state.mediators.contains(&m.mediator.id), value, label }));
            }
        }
    }
    mediator_choices.sort_by_key(|(own, _)| !*own);
    let mediator_choices: Vec<Choice> = mediator_choices.into_iter().map(|(_, c)| c).collect();
    for m in &state.mediators {
        if !mediator_names.contains_key(m)
            && let Ok(r) = s.store.mediation().mediator(*m).await
        {
            mediator_names.insert(*m, r.mediator.name);
        }
    }

    let offered = forms(state, &actor, now, &cal, &levels);
    let mut top: Vec<&'static str> = offered.iter().copied().filter(|f| *f != "violence").take(2).collect();
    if offered.contains(&"violence") {
        top.push("violence");
    }
    if let Some(k) = &kept.0
        && let Some(f) = FORM_ORDER.iter().find(|f| **f == k.form)
        && !top.contains(f)
    {
        top.push(f);
    }
    let slots = if offered.iter().any(|f| !top.contains(f)) { vec!["top", "more"] } else { vec!["top"] };

    let places = place_names(s, &[&d]).await?;
    let (light, limit) = limit_light(&d, now);
    let party_names: Vec<(usize, String)> =
        state.parties.iter().enumerate().map(|(i, p)| (i, p.name.clone())).collect();
    let parties = store_parties
        .iter()
        .map(|p| {
            let consent = state.parties.get(usize::try_from(p.idx).unwrap_or(usize::MAX)).map(|x| &x.consent);
            PartyLine {
                number: usize::try_from(p.idx).unwrap_or(0) + 1,
                side: match p.side.as_str() {
                    "applicant" => "申请人",
                    "respondent" => "被申请人",
                    _ => "当事人",
                },
                name: p.name.clone(),
                id_masked: p.id_masked.clone().unwrap_or_else(|| "—".into()),
                phone_masked: p.phone_masked.clone().unwrap_or_else(|| "—".into()),
                consent: consent_label(consent),
                refused: matches!(consent, Some(Consent::Refused { .. })),
                resident: p.resident_id.filter(|_| role_may(staff.user.role, Permission::ReadResidents)),
                idx: p.idx,
                may_unmask: staff.user.can_unmask && (p.id_masked.is_some() || p.phone_masked.is_some()),
                unmasked: unmasked.as_ref().filter(|u| u.idx == p.idx).map(|u| (u.id_number.clone(), u.phone.clone())),
            }
        })
        .collect();
    let consent_missing: Vec<&str> =
        state.parties.iter().filter(|p| p.consent == Consent::Pending).map(|p| p.name.as_str()).collect();
    let referred_case = match d.referred_case_id {
        Some(case_id) if role_may(staff.user.role, Permission::ReadCases) => {
            Some(match s.store.cases().get(staff.scope(), case_id).await {
                Ok(c) => (Some(c.id), c.code),
                Err(_) => (None, "（不在您的管辖范围内）".into()),
            })
        }
        Some(_) => Some((None, "接诉即办诉求".into())),
        None => None,
    };
    let screening = match s.store.mediation().screening_of_dispute(d.id).await? {
        Some((_, grid, period)) => {
            let grid_name = s
                .store
                .regions()
                .get(&tongxin_domain::kernel::access::Scope::All, &grid)
                .await
                .map(|r| r.name)
                .unwrap_or_else(|_| "网格".into());
            let label =
                tongxin_domain::mediation::screening::Period::parse(&period).map(|p| p.label()).unwrap_or_default();
            let href = role_may(staff.user.role, Permission::ReadScreenings)
                .then(|| format!("/mediation/screenings?period={period}&area={grid}"));
            Some((href, format!("{grid_name}{label}排查")))
        }
        None => None,
    };
    let names = Names {
        users: actor_names(s, &events).await,
        orgs: org_names,
        mediators: mediator_names,
        risks: levels.iter().map(|l| (l.code.clone(), l.name.clone())).collect(),
    };
    let history = events.iter().map(|e| history_line(e, &names, state)).collect();
    let sessions = events
        .iter()
        .filter(|e| e.kind == EventKind::SessionHeld.as_str())
        .map(|e| {
            let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
            let attendees: Vec<&str> =
                data["attendees"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            SessionLine {
                held_on: data["held_on"].as_str().unwrap_or("").to_string(),
                place: data["place"].as_str().unwrap_or("").to_string(),
                attendees: attendees.join("、"),
                notes: e.note.clone(),
                by: e.actor_id.and_then(|u| names.users.get(&u).cloned()).unwrap_or_else(|| e.actor_name.clone()),
            }
        })
        .collect();
    let agreement = state.agreement.as_ref().map(|a| AgreementLine {
        kind: a.agreement.label(),
        written: a.agreement.is_written(),
        recorded: local_minute(a.recorded_at),
        effective: a.effective_on.map(|d| d.to_string()).unwrap_or_default(),
        content: match &a.agreement {
            AgreementForm::Oral(o) => o.content.clone(),
            AgreementForm::Written(_) => String::new(),
        },
        scan: a.scan.as_ref().map(|_| "已上传"),
    });
    let items = state
        .performance
        .iter()
        .enumerate()
        .map(|(i, p)| ItemLine {
            number: i + 1,
            party: party_name(state, p.term.party),
            content: p.term.content.clone(),
            method: p.term.method.clone(),
            place: p.term.place.clone().unwrap_or_default(),
            due: p.term.due.to_string(),
            result: match (p.result, p.recorded_on) {
                (Some(r), Some(on)) => format!("{}（{on}记录）", r.label()),
                (Some(r), None) => r.label().to_string(),
                _ => "未记录".into(),
            },
            overdue: p.result != Some(PerformanceResult::Performed)
                && tongxin_domain::mediation::clock::performance_overdue(p.term.due, today),
        })
        .collect();
    let failure = state.failure.as_ref().map(|f| {
        let routes: Vec<&str> = f.routes.iter().map(|r| r.label()).collect();
        (f.reason.clone(), routes.join("、"))
    });
    let confirmation = state.effective_on().map(|_| {
        let view = confirmation_view(state, today, &cal);
        let c = &state.confirmation;
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        ConfirmLine {
            status: view.status.label(),
            court: c.court.clone().unwrap_or_default(),
            window_end: day(view.window_end),
            applied: day(c.applied_on),
            acceptance_due: day(view.acceptance_due),
            accepted: day(c.accepted_on),
            ruling_due: day(view.ruling_due),
            extended: c.ruling_extended,
            decided: day(c.decided_on),
            reason: c.reason.clone().unwrap_or_default(),
            court_late: view.court_late,
            window_missed: view.status == ConfirmationStatus::WindowMissed,
        }
    });
    let levels_above: Vec<Choice> = Level::ALL
        .iter()
        .filter(|l| **l > state.level)
        .map(|l| Choice { value: l.as_str().into(), label: l.label().into(), selected: false })
        .collect();
    let current_risk = state.risk.as_ref().map(|r| r.code.clone()).unwrap_or_default();
    let page = DisputePage {
        shell: Shell::staff(&format!("纠纷 {}", d.code), staff, "/mediation"),
        status: d.status.label(),
        dispute_type: d.dispute_type.label(),
        source: d.source.label(),
        level: d.level.label(),
        place: super::views::place_name(&d, &places),
        amount: state.amount.map(|a| a.label()).unwrap_or_else(|| "—".into()),
        registered: local_minute(state.registered_at),
        accepted: state.accepted_at.map(local_minute).unwrap_or_else(|| "—".into()),
        deadline: d.deadline_at.map(local_minute).unwrap_or_else(|| "—".into()),
        light,
        limit,
        extension_days: state.extension_days,
        risk: risk_badge(state, &levels),
        risk_respond_by: state.risk.as_ref().map(|r| local_minute(r.respond_by)).unwrap_or_default(),
        risk_late: state.is_risk_response_overdue(now),
        violence: state.violence_reported_at.map(local_minute).unwrap_or_default(),
        mediators: {
            let list: Vec<String> = state
                .mediators
                .iter()
                .map(|m| names.mediators.get(m).cloned().unwrap_or_else(|| "调解员".into()))
                .collect();
            if list.is_empty() { "尚未指派".into() } else { list.join("、") }
        },
        chosen_by_parties: state.chosen_by_parties,
        referred_case,
        screening,
        parties,
        consent_missing: consent_missing.join("、"),
        agreement,
        items,
        failure,
        confirmation,
        sessions,
        history,
        top,
        slots,
        today: today.to_string(),
        pending: state
            .parties
            .iter()
            .enumerate()
            .filter(|(_, p)| p.consent == Consent::Pending)
            .map(|(i, p)| (i, p.name.clone()))
            .collect(),
        party_names,
        mediator_choices,
        move_forms: vec![
            MoveForm { id: "escalate", title: "升级", options: levels_above },
            MoveForm {
                id: "transfer",
                title: "流转",
                options: orgs
                    .iter()
                    .filter(|o| o.active && o.id != d.org_id)
                    .map(|o| Choice {
                        value: o.id.to_string(),
                        label: format!("{}（{}）", o.name, o.kind.label()),
                        selected: false,
                    })
                    .collect(),
            },
        ],
        risk_choices: choices(&current_risk, levels.iter().map(|l| (l.code.clone(), l.name.clone()))),
        item_choices: state
            .performance
            .iter()
            .enumerate()
            .filter(|(_, p)| p.result.is_none())
            .chain(state.performance.iter().enumerate().filter(|(_, p)| p.result.is_some()))
            .map(|(i, p)| Choice {
                value: i.to_string(),
                label: format!("第{}项：{}", i + 1, p.term.content.chars().take(30).collect::<String>()),
                selected: false,
            })
            .collect(),
        item_rows: (0..ITEM_ROWS).collect(),
        consent_forms: ConsentForm::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        visit_forms: VisitForm::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        results: PerformanceResult::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        routes: Route::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        confirm_steps: &CONFIRM_STEPS,
        offered,
        typed: kept,
        d,
    };
    Ok(render_form(&page, page.typed.0.is_some()))
}

fn consent_label(c: Option<&Consent>) -> String {
    match c {
        Some(Consent::Given { form, at }) => format!("同意调解（{}，{}）", form.label(), local_minute(*at)),
        Some(Consent::Refused { form, at }) => format!("拒绝调解（{}，{}）", form.label(), local_minute(*at)),
        _ => "尚未表态".into(),
    }
}

fn party_name(state: &DisputeState, idx: u8) -> String {
    state.parties.get(usize::from(idx)).map(|p| p.name.clone()).unwrap_or_else(|| format!("第{}方", u16::from(idx) + 1))
}

/// The forms the rules would accept from `actor` now, in [`FORM_ORDER`].
fn forms(
    state: &DisputeState,
    actor: &Actor,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
    levels: &[RiskLevel],
) -> Vec<&'static str> {
    let today = shanghai_date(now);
    let x = || "x".to_string();
    let all: Vec<u8> = (0..state.parties.len()).filter_map(|i| u8::try_from(i).ok()).collect();
    let pending = state.parties.iter().position(|p| p.consent == Consent::Pending).and_then(|i| u8::try_from(i).ok());
    let item = PerformanceTerm { party: 0, content: x(), method: x(), place: None, due: today };
    let oral = Action::RecordAgreement {
        agreement: tongxin_domain::mediation::agreement::AgreementDraftForm::Oral(OralDraft {
            content: x(),
            items: vec![item],
        }),
    };
    let may = |a: Action| may(state, actor, &a, now);
    let mut on: Vec<(&'static str, bool)> = vec![
        ("accept", may(Action::Accept)),
        (
            "consent",
            pending.is_some_and(|party| {
                may(Action::RecordConsent { party, consent: true, form: ConsentForm::Written, note: String::new() })
            }),
        ),
        (
            "assign",
            may(Action::AssignMediators {
                mediators: vec![MediatorRef { id: i64::MAX, active: true }],
                chosen_by_parties: false,
            }),
        ),
        (
            "session",
            may(Action::RecordSession {
                held_on: today,
                place: SessionPlace::Online,
                attendees: vec![x()],
                notes: x(),
            }),
        ),
        ("written", may(oral.clone())),
        ("oral", may(oral)),
        ("sign", may(Action::SignAgreement { parties_signed: true, mediator_signed: true, sealed: true, scan: None })),
        (
            "performance",
            may(Action::RecordPerformance { item: 0, result: PerformanceResult::Performed, note: String::new() }),
        ),
        ("follow_up", may(Action::FollowUp { form: VisitForm::Phone, satisfied: true, note: x() })),
        ("close", may(Action::Close { routes_told: true, note: String::new() })),
        ("extend", may(Action::ExtendLimit { days: 1, consents: all.clone(), reason: x() })),
        ("terminate", may(Action::Terminate { reason: x(), routes: vec![Route::Litigation] })),
        ("assess", levels.first().is_some_and(|l| may(Action::AssessRisk { risk: l.clone(), note: String::new() }))),
        ("escalate", state.level.above().is_some_and(|to| may(Action::Escalate { to, reason: x() }))),
        (
            "transfer",
            may(Action::Transfer {
                to: OrgRef { id: i64::MAX, kind: OrgKind::PeoplesCommittee, level: Level::Community },
                reason: x(),
            }),
        ),
        ("supervise", may(Action::Supervise { note: String::new() })),
        ("withdraw", may(Action::Withdraw { reason: String::new() })),
        ("violence", may(Action::ReportViolence { note: x() })),
    ];
    let confirm = |a: ConfirmationAction| may_confirm(state, actor, &a, now, cal);
    on.extend([
        ("apply", confirm(ConfirmationAction::Apply { on: today, court: x(), applicants: all })),
        ("court_accept", confirm(ConfirmationAction::CourtAccept { on: today })),
        ("court_decline", confirm(ConfirmationAction::CourtDecline { on: today, reason: x() })),
        ("extend_ruling", confirm(ConfirmationAction::ExtendRuling { on: today })),
        ("confirm", confirm(ConfirmationAction::Confirm { on: today })),
        ("reject", confirm(ConfirmationAction::Reject { on: today, reason: x() })),
    ]);
    FORM_ORDER.iter().copied().filter(|f| on.iter().any(|(name, ok)| name == f && *ok)).collect()
}

/// The rules' answer leaves the form worth offering: accepted, or refused only for the data
/// typed into it (which the person can correct once they post it).
fn data_only(e: &MediationError) -> bool {
    use MediationError::*;
    matches!(
        e,
        Text(_)
            | Agreement(_)
            | Risk(_)
            | Attendees { .. }
            | DateInFuture(_)
            | DateTooEarly { .. }
            | UnknownParty(_)
            | UnknownItem(_)
            | NoRoutes
            | DuplicateRoute(_)
            | ExtensionDays
            | ExtensionConsent(_)
            | MediatorCount
            | DuplicateMediator(_)
            | MediatorNotActive(_)
            | NotHigher(_)
            | SameOrg
            | RoutesNotTold
            | NotSigned(_)
            | AgreementParties(_)
            | AlreadyAnswered(_)
            | PerformancePending(_)
            | NotJoint(_)
    )
}

fn may(state: &DisputeState, actor: &Actor, action: &Action, now: DateTime<Utc>) -> bool {
    match decide(state, actor, action, now) {
        Ok(_) => true,
        Err(e) => data_only(&e),
    }
}

fn may_confirm(
    state: &DisputeState,
    actor: &Actor,
    action: &ConfirmationAction,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> bool {
    match decide_confirmation(state, actor, action, now, cal) {
        Ok(_) => true,
        Err(e) => data_only(&e),
    }
}

/// Staff in the history by name and role, not by account name.
async fn actor_names(s: &AppState, events: &[DisputeEvent]) -> HashMap<i64, String> {
    let mut out = HashMap::new();
    for id in events.iter().filter_map(|e| e.actor_id) {
        if out.contains_key(&id) {
            continue;
        }
        if let Ok(u) = s.store.accounts().user(id).await {
            let role = if u.role == Role::Mediator { "调解员" } else { u.role.label() };
            out.insert(id, format!("{}（{role}）", u.display_name));
        }
    }
    out
}

/// Names the history shows instead of ids and codes.
struct Names {
    /// Staff accounts: "王芳（社区工作者）".
    users: HashMap<i64, String>,
    orgs: HashMap<i64, String>,
    mediators: HashMap<i64, String>,
    /// Risk level codes → names.
    risks: HashMap<String, String>,
}

fn history_line(e: &DisputeEvent, names: &Names, state: &DisputeState) -> HistoryLine {
    let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
    let actor = match e.actor_id {
        Some(id) => names.users.get(&id).cloned().unwrap_or_else(|| "工作人员".into()),
        None if e.actor_name.starts_with("system") => "系统".into(),
        None => e.actor_name.clone(),
    };
    HistoryLine {
        at: local_minute(e.at),
        label: EventKind::parse(&e.kind).map(EventKind::label).unwrap_or("记录"),
        actor,
        note: e.note.clone(),
        detail: detail_line(&e.kind, &data, names, state),
    }
}

/// The event's structured data in words: names instead of ids, labels instead of codes.
fn detail_line(kind: &str, data: &Value, names: &Names, state: &DisputeState) -> String {
    let s = |k: &str| data[k].as_str().unwrap_or("").to_string();
    let org =
        |k: &str| data[k].as_i64().and_then(|id| names.orgs.get(&id).cloned()).unwrap_or_else(|| "调解组织".into());
    let level = |k: &str| Level::parse(&s(k)).map(Level::label).unwrap_or("");
    let party = |k: &str| data[k].as_u64().and_then(|i| u8::try_from(i).ok()).map(|i| party_name(state, i));
    match EventKind::parse(kind) {
        Some(EventKind::Registered) => format!("交{}（{}）", org("org"), level("level")),
        Some(EventKind::Accepted) => match data["deadline"].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok()) {
            Some(t) => format!("调解期限至 {}", local_minute(t)),
            None => String::new(),
        },
        Some(EventKind::ConsentGiven | EventKind::ConsentRefused) => {
            let form = ConsentForm::parse(&s("form")).map(ConsentForm::label).unwrap_or("");
            format!("{}（{form}）", party("party").unwrap_or_default())
        }
        Some(EventKind::MediatorsAssigned) => {
            let names: Vec<String> = data["mediators"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_i64)
                        .map(|m| names.mediators.get(&m).cloned().unwrap_or_else(|| "调解员".into()))
                        .collect()
                })
                .unwrap_or_default();
            names.join("、")
        }
        Some(EventKind::SessionHeld) => format!("{} · {}", s("held_on"), s("place")),
        Some(EventKind::Terminated) => {
            let routes: Vec<&str> = data["routes"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).filter_map(Route::parse).map(Route::label).collect())
                .unwrap_or_default();
            if routes.is_empty() { String::new() } else { format!("已告知：{}", routes.join("、")) }
        }
        Some(EventKind::PerformanceRecorded) => {
            let n = data["item"].as_u64().map(|i| i.saturating_add(1)).unwrap_or(0);
            let r = PerformanceResult::parse(&s("result")).map(PerformanceResult::label).unwrap_or("");
            let late = if data["late"].as_bool() == Some(true) { "（已过履行期限）" } else { "" };
            format!("第{n}项：{r}{late}")
        }
        Some(EventKind::FollowedUp) => {
            let form = VisitForm::parse(&s("form")).map(VisitForm::label).unwrap_or("");
            let satisfied =
                if data["satisfied"].as_bool() == Some(true) { "当事人满意" } else { "当事人不满意" };
            format!("{form}，{satisfied}")
        }
        Some(EventKind::LimitExtended) => format!("延长 {} 天，累计 {} 天", data["days"], data["total"]),
        Some(EventKind::Escalated) => format!("{} → {}", level("from"), level("to")),
        Some(EventKind::Transferred) => format!("{} → {}", org("from"), org("to")),
        Some(EventKind::RiskAssessed) => {
            let name = names.risks.get(&s("risk")).cloned().unwrap_or_else(|| "风险等级".into());
            let by = data["respond_by"].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok());
            match by {
                Some(t) => format!("{name}，应于 {} 前响应", local_minute(t)),
                None => name,
            }
        }
        Some(EventKind::AgreementEffective) => format!("生效日期 {}", s("effective_on")),
        Some(EventKind::Supervised) if data["by_system"].as_bool() == Some(true) => "超过调解期限，系统自动督办".into(),
        Some(
            EventKind::ConfirmationApplied
            | EventKind::CourtAccepted
            | EventKind::CourtDeclined
            | EventKind::RulingExtended
            | EventKind::Confirmed
            | EventKind::ConfirmationRejected,
        ) => s("on"),
        _ => String::new(),
    }
}
