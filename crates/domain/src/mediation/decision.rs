//! What a decision returns: the new state, the events to append and the notices due, for the
//! store to save in one transaction.

use super::kinds::Level;
use super::names::named_enum;
use super::state::{DisputeState, Route};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The new state; its version is the old one plus one.
    pub state: DisputeState,
    /// Events to append, in order (the store adds actor, time and dispute id).
    pub events: Vec<Event>,
    /// Notifications due (outbox rows).
    pub notices: Vec<Notice>,
}

/// One entry of the dispute's append-only history (调解工作档案, art 27).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// A human-readable note in Chinese (reason, session notes …).
    pub note: String,
    /// Structured data for the record (a JSON object, possibly empty).
    pub detail: serde_json::Value,
}

impl Event {
    pub(crate) fn new(kind: EventKind, note: impl Into<String>) -> Event {
        Event { kind, note: note.into(), detail: serde_json::Value::Object(serde_json::Map::new()) }
    }

    pub(crate) fn with(mut self, detail: serde_json::Value) -> Event {
        self.detail = detail;
        self
    }
}

named_enum! {
    EventKind {
        Registered = "registered", "登记";
        Accepted = "accepted", "受理";
        ConsentGiven = "consent_given", "同意调解";
        ConsentRefused = "consent_refused", "拒绝调解";
        MediatorsAssigned = "mediators_assigned", "指派调解员";
        SessionHeld = "session_held", "调解";
        AgreementRecorded = "agreement_recorded", "达成协议";
        AgreementEffective = "agreement_effective", "协议生效";
        Terminated = "terminated", "终止调解";
        PerformanceRecorded = "performance_recorded", "履行情况";
        FollowedUp = "followed_up", "回访";
        Closed = "closed", "结案";
        LimitExtended = "limit_extended", "延长调解期限";
        Escalated = "escalated", "升级";
        Transferred = "transferred", "流转";
        RiskAssessed = "risk_assessed", "风险研判";
        ViolenceReported = "violence_reported", "报告激化风险";
        Supervised = "supervised", "督办";
        Withdrawn = "withdrawn", "撤回";
        ConfirmationApplied = "confirmation_applied", "申请司法确认";
        CourtAccepted = "court_accepted", "法院受理";
        CourtDeclined = "court_declined", "法院不予受理";
        RulingExtended = "ruling_extended", "审查期限延长";
        Confirmed = "confirmed", "确认有效";
        ConfirmationRejected = "confirmation_rejected", "驳回申请";
        WindowLapsed = "window_lapsed", "逾期未申请";
    }
}

/// A notification due because of a decision; the store writes one outbox row per recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A mediator was assigned to the dispute.
    Assigned { mediator: i64 },
    /// A mediator was taken off it (reassignment, withdrawal, transfer).
    Unassigned { mediator: i64 },
    /// Another organisation got the dispute and must accept it.
    Transferred { org: i64 },
    /// A higher level takes charge (escalation or a risk assessment).
    Escalated { level: Level },
    /// 督办: the organisation and the assigned mediators.
    Supervised { org: i64, mediators: Vec<i64> },
    /// 人民调解法 art 25: a risk of violence — the police station and the street's 矛调中心, at once.
    ViolenceRisk,
    /// 人民调解法 art 26: mediation ended; the parties are told of these routes.
    Failed { routes: Vec<Route> },
}

/// Who a notice goes to; the store resolves the people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum Recipient {
    Organisation(i64),
    Mediator(i64),
    /// The centre of this level over the dispute's place (the street's 矛调中心 …).
    Centre(Level),
    /// The 派出所 of the dispute's place.
    PoliceStation,
    /// Every party (SMS or the online room).
    Parties,
}

impl Notice {
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::Assigned { .. } => "mediation_assigned",
            Notice::Unassigned { .. } => "mediation_unassigned",
            Notice::Transferred { .. } => "mediation_transferred",
            Notice::Escalated { .. } => "mediation_escalated",
            Notice::Supervised { .. } => "mediation_supervised",
            Notice::ViolenceRisk => "mediation_violence_risk",
            Notice::Failed { .. } => "mediation_failed",
        }
    }

    pub fn recipients(&self) -> Vec<Recipient> {
        match self {
            Notice::Assigned { mediator } | Notice::Unassigned { mediator } => vec![Recipient::Mediator(*mediator)],
            Notice::Transferred { org } => vec![Recipient::Organisation(*org)],
            Notice::Escalated { level } => vec![Recipient::Centre(*level)],
            Notice::Supervised { org, mediators } => std::iter::once(Recipient::Organisation(*org))
                .chain(mediators.iter().map(|m| Recipient::Mediator(*m)))
                .collect(),
            Notice::ViolenceRisk => vec![Recipient::PoliceStation, Recipient::Centre(Level::Street)],
            Notice::Failed { .. } => vec![Recipient::Parties],
        }
    }

    /// To be sent at once, ahead of any batching (art 25: 及时).
    pub fn is_urgent(&self) -> bool {
        matches!(self, Notice::ViolenceRisk)
    }
}
