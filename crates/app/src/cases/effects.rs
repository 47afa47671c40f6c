//! Turning a domain [`Decision`] into what the store writes: the case row's new state (with
//! deadlines computed on the working calendar), events, participants, outbox messages and the
//! monthly counters behind 三率.

use super::config::CaseConfig;
use chrono::{DateTime, Utc};
use serde_json::json;
use tongxin_domain::case::deadline::{Urgency, extend, warn_at};
use tongxin_domain::case::{CaseState, ClockChange, Decision, EventKind, Notice, Participant, Recipient, Status, Unit};
use tongxin_domain::kernel::clock::shanghai;
use tongxin_store::cases::write::{self, Effects, NewEvent, NewOutbox, ParticipantRow, StatDelta};

/// What the effects need to know about the case besides its state.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub code: String,
    pub street_code: String,
    pub grid_code: Option<String>,
    pub urgency: Urgency,
    pub has_phone: bool,
    pub warn_at: Option<DateTime<Utc>>,
    pub contact_deadline_at: Option<DateTime<Utc>>,
}

/// The areas a case counts for in 三率: its grid, community and street.
fn areas(f: &CaseFacts) -> Vec<String> {
    let mut out = vec![format!("area:{}", f.street_code)];
    if let Some(g) = &f.grid_code {
        out.push(format!("area:{}", &g[..g.len().min(12)]));
        out.push(format!("area:{g}"));
    }
    out
}

/// A participation's stored status. `dispatched` and `acknowledged` mean "still to work on" and
/// only while the case is being handled: a unit that never reported before its case moved on
/// (the lead replied, the case closed) stands `idle`, so that a department's open queue is a
/// walk of its open participations alone (migration `20261208000101_department_open_walk`).
fn participant_status(p: &Participant, case: Status) -> &'static str {
    let handling = matches!(case, Status::Dispatched | Status::Acknowledged);
    if p.returned {
        "returned"
    } else if p.reported_at.is_some() {
        "reported"
    } else if !handling {
        "idle"
    } else if p.acknowledged_at.is_some() {
        "acknowledged"
    } else {
        "dispatched"
    }
}

fn recipient_key(r: &Recipient, f: &CaseFacts) -> String {
    match r {
        Recipient::Unit(u) => u.key(),
        Recipient::Dispatchers => format!("dispatchers:{}", f.street_code),
        Recipient::Verifiers => format!("verifiers:{}", f.grid_code.as_deref().unwrap_or(&f.street_code)),
        Recipient::Supervisors(level) => format!("supervisors:{level}:{}", f.street_code),
        Recipient::Requester => "requester".into(),
    }
}

/// The Chinese text of a notice for staff and residents.
pub fn notice_text(n: &Notice, code: &str) -> String {
    match n {
        Notice::Dispatched { lead: true, .. } => {
            format!("诉求 {code} 已派遣给您单位牵头办理，请及时签收。")
        }
        Notice::Dispatched { lead: false, .. } => {
            format!("诉求 {code} 请您单位协同办理（吹哨报到），请及时报到。")
        }
        Notice::Withdrawn { .. } => format!("诉求 {code} 已从您单位撤回。"),
        Notice::Returned { unit } => format!("诉求 {code} 被{unit}退回，请重新派遣。"),
        Notice::ExtensionRequested { unit } => format!("{unit}申请延期办理诉求 {code}，请审批。"),
        Notice::ExtensionDecided { approved: true, .. } => {
            format!("诉求 {code} 的延期申请已同意。")
        }
        Notice::ExtensionDecided { approved: false, .. } => format!("诉求 {code} 的延期申请未同意，请按原期限办结。"),
        Notice::Supervised { level, .. } => {
            format!("诉求 {code} 已被{}督办，请加快办理。", tongxin_domain::case::supervision_label(*level))
        }
        Notice::Handled => format!("您反映的诉求 {code} 已办结，请查看答复。"),
        Notice::VerificationFailed { .. } => format!("诉求 {code} 核查未通过，请重新办理。"),
        Notice::Reopened { .. } => format!("诉求 {code} 诉求人不满意，已转为重办，请重新办理。"),
        Notice::Closed => format!("您反映的诉求 {code} 已结案，欢迎通过跟踪链接评价。"),
        Notice::Rejected => format!("您反映的诉求 {code} 不予立案，原因见跟踪页面。"),
        Notice::Merged { .. } => {
            format!("您反映的诉求 {code} 与他人反映的同一问题合并办理，结果将一并告知。")
        }
        Notice::Urged { .. } => format!("诉求 {code} 的诉求人催办，请加快办理并及时答复。"),
        Notice::RequesterNote { .. } => format!("诉求 {code} 的诉求人补充了信息，请查看。"),
        // No mediator's name or number: the organisation contacts the resident.
        Notice::ReferredToMediation => {
            format!("您反映的诉求 {code} 属于民间纠纷，已转人民调解组织免费调解，调解组织将与您联系。")
        }
    }
}

fn month_of(t: DateTime<Utc>) -> String {
    shanghai(t).format("%Y-%m").to_string()
}

/// Applies the clock change, then lists everything to write. `before` is the state the
/// decision was taken on.
pub fn plan(
    cfg: &CaseConfig,
    facts: &CaseFacts,
    before: &CaseState,
    decision: &mut Decision,
    now: DateTime<Utc>,
) -> (write::CaseState, Effects) {
    let state = &mut decision.state;
    let (mut warn, mut contact) = (facts.warn_at, facts.contact_deadline_at);
    match &decision.clock {
        Some(ClockChange::Start) => {
            let s = cfg.policy.schedule(facts.urgency, now, &cfg.calendar);
            state.deadline = Some(s.deadline);
            warn = Some(s.warn_at);
            if state.first_contact_at.is_none() {
                contact = Some(s.contact_by);
            }
        }
        Some(ClockChange::Extend(extra)) => {
            if let Some(d) = state.deadline {
                let later = extend(d, *extra, &cfg.calendar);
                state.deadline = Some(later);
                warn = Some(warn_at(now, later, cfg.policy.warn_ratio));
            }
        }
        Some(ClockChange::Stop) => {
            warn = None;
            contact = None;
        }
        None => {}
    }
    if state.first_contact_at.is_some() {
        contact = None;
    }
    let mut effects = Effects::default();
    for e in &decision.events {
        effects.events.push(NewEvent {
            kind: e.kind.as_str().into(),
            unit: e.unit.as_ref().map(Unit::key),
            note: e.note.clone(),
            data: e.detail.to_string(),
        });
        if matches!(
            e.kind,
            EventKind::Handled | EventKind::Reported | EventKind::HandledOnSpot | EventKind::AnsweredOnCall
        ) && !e.note.is_empty()
        {
            effects.search_texts.push(e.note.clone());
        }
    }
    let lead = state.lead.clone();
    for (i, p) in state.participants.iter().enumerate() {
        effects.participants.push(ParticipantRow {
            unit: p.unit.key(),
            role: if i == 0 && lead.as_ref() == Some(&p.unit) { "lead" } else { "assist" }.into(),
            status: participant_status(p, state.status).into(),
            deadline_at: state.deadline,
        });
    }
    for n in &decision.notices {
        for r in n.recipients() {
            if r == Recipient::Requester && !facts.has_phone {
                continue;
            }
            effects.outbox.push(NewOutbox {
                channel: if r == Recipient::Requester { "sms" } else { "notice" }.into(),
                kind: n.kind().into(),
                recipient: recipient_key(&r, facts),
                payload: json!({ "code": facts.code, "text": notice_text(n, &facts.code) }).to_string(),
                about_case: None,
            });
        }
    }
    effects.stats = stats(facts, before, state, &decision.events);
    let state = &decision.state;
    let row = write::CaseState {
        status: state.status.as_str().into(),
        open: state.status.is_open(),
        lead_unit: state.lead.as_ref().map(Unit::key),
        state: serde_json::to_string(state).expect("case state serialises"),
        deadline_at: state.deadline,
        warn_at: warn,
        contact_deadline_at: contact,
        parent_case_id: state.merged_into,
    };
    (row, effects)
}

/// Counter changes for the lead unit and the case's areas, attributed to the month of dispatch.
fn stats(
    facts: &CaseFacts,
    before: &CaseState,
    after: &mut CaseState,
    events: &[tongxin_domain::case::Event],
) -> Vec<StatDelta> {
    let Some(dispatched_at) = after.dispatched_at else {
        return Vec::new();
    };
    let month = month_of(dispatched_at);
    let mut out = Vec::new();
    let mut add = |unit: &str, field: &'static str| {
        out.push(StatDelta { month: month.clone(), unit: unit.to_string(), field, delta: 1 })
    };
    let lead = after.lead.as_ref().map(Unit::key);
    let mut targets: Vec<String> = lead.into_iter().collect();
    let first_dispatch = before.dispatched_at.is_none();
    let area_keys = areas(facts);
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    if kinds.contains(&EventKind::Dispatched) || kinds.contains(&EventKind::HandledOnSpot) {
        for t in &targets {
            add(t, "dispatched");
        }
        if first_dispatch {
            for a in &area_keys {
                add(a, "dispatched");
            }
        }
    }
    targets.extend(area_keys);
    // 响应率: counted once, when acknowledgement and first contact are both done in time.
    let responded = |s: &CaseState| {
        let acked = s.lead_participant().and_then(|p| p.acknowledged_at);
        match (acked, s.first_contact_at, s.deadline) {
            (Some(a), Some(c), Some(d)) => a <= d && facts.contact_deadline_at.is_none_or(|cd| c <= cd) && c <= d,
            _ => false,
        }
    };
    if kinds.contains(&EventKind::Dispatched) {
        after.response_counted = false;
    }
    if kinds.contains(&EventKind::HandledOnSpot) {
        // 就地解决: the patrol found and fixed it — responded in time and resolved for its
        // grid (and the grid's community and street); no requester rates it (DOMAIN-RULES §7.4).
        after.response_counted = true;
        for t in &targets {
            add(t, "responded_in_time");
            add(t, "closed_on_spot");
        }
        return out;
    }
    if responded(after) && !responded(before) && !after.response_counted {
        after.response_counted = true;
        for t in &targets {
            add(t, "responded_in_time");
        }
    }
    if kinds.contains(&EventKind::Reopened) {
        for t in &targets {
            add(t, "reopened");
        }
    } else if kinds.contains(&EventKind::Rated)
        && let Some(r) = &after.rating
    {
        for t in &targets {
            add(t, "rated");
            if r.resolved {
                add(t, "resolved");
            }
            if r.satisfaction.counts_as_satisfied() {
                add(t, "satisfied");
            }
        }
    }
    out
}
