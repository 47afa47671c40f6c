//! 升级, 风险研判, 激化风险报告 (art 25) and 督办.

use super::{ALERT_ROLES, COORDINATOR_ROLES, Draft, SUPERVISOR_ROLES};
use crate::kernel::text::Note;
use crate::mediation::action::Actor;
use crate::mediation::decision::{Event, EventKind, Notice};
use crate::mediation::error::MediationError;
use crate::mediation::kinds::Level;
use crate::mediation::risk::RiskLevel;
use crate::mediation::state::RiskAssessment;
use chrono::Duration;
use serde_json::json;

pub(super) fn escalate(d: &mut Draft, actor: &Actor, to: Level, reason: &str) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, true)?;
    if to <= d.state.level {
        return Err(MediationError::NotHigher(d.state.level));
    }
    let reason = Note::named("升级原因", reason)?.into_string();
    raise(d, to, reason);
    Ok(())
}

/// A higher level takes charge; the status (and the mediation) stays.
fn raise(d: &mut Draft, to: Level, reason: String) {
    let from = d.state.level;
    d.state.level = to;
    d.event(Event::new(EventKind::Escalated, reason).with(json!({ "from": from.as_str(), "to": to.as_str() })));
    d.notify(Notice::Escalated { level: to });
}

pub(super) fn assess_risk(d: &mut Draft, actor: &Actor, risk: &RiskLevel, note: &str) -> Result<(), MediationError> {
    d.allow(actor, &COORDINATOR_ROLES, true)?;
    risk.validate()?;
    let note = Note::optional_named("研判意见", note)?.map(Note::into_string).unwrap_or_default();
    let respond_by = d.now.checked_add_signed(Duration::hours(i64::from(risk.response_hours))).unwrap_or(d.now);
    d.state.risk =
        Some(RiskAssessment { code: risk.code.clone(), name: risk.name.clone(), assessed_at: d.now, respond_by });
    let detail = json!({ "risk": risk.code, "respond_by": respond_by, "escalate_to": risk.escalate_to.as_str() });
    d.event(Event::new(EventKind::RiskAssessed, note).with(detail));
    if risk.escalate_to > d.state.level && d.state.status.is_before_agreement() {
        raise(d, risk.escalate_to, format!("风险研判为“{}”", risk.name));
    }
    Ok(())
}

pub(super) fn report_violence(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), MediationError> {
    d.allow(actor, &ALERT_ROLES, true)?;
    // 人民调解法 art 25: report promptly to the police and the departments concerned.
    let note = Note::named("风险情况", note)?.into_string();
    d.state.violence_reported_at = Some(d.now);
    d.event(Event::new(EventKind::ViolenceReported, note));
    d.notify(Notice::ViolenceRisk);
    Ok(())
}

pub(super) fn supervise(d: &mut Draft, actor: &Actor, note: &str) -> Result<(), MediationError> {
    let by_system = *actor == Actor::System;
    if by_system {
        if !(d.state.is_overdue(d.now) || d.state.is_risk_response_overdue(d.now)) {
            return Err(MediationError::NotOverdue);
        }
    } else {
        d.allow(actor, &SUPERVISOR_ROLES, false)?;
    }
    let note = Note::optional_named("督办意见", note)?.map(Note::into_string).unwrap_or_default();
    d.state.supervisions = d.state.supervisions.saturating_add(1);
    d.state.last_supervised_at = Some(d.now);
    d.event(
        Event::new(EventKind::Supervised, note).with(json!({ "by_system": by_system, "count": d.state.supervisions })),
    );
    d.notify(Notice::Supervised { org: d.state.org.id, mediators: d.state.mediators.clone() });
    Ok(())
}
