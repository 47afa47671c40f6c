//! What [`super::decide`] returns: the new state, the events to append and the notices due,
//! so the store can save all of them in one transaction.

use super::state::CaseState;
use super::unit::Unit;
use crate::case::deadline::TimeLimit;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The new state; its version is the old one plus one.
    pub state: CaseState,
    /// Events to append, in order (the store adds actor, time and case id).
    pub events: Vec<Event>,
    /// Notifications due (outbox rows).
    pub notices: Vec<Notice>,
    /// What the caller must do with the deadline, if anything.
    pub clock: Option<ClockChange>,
}

/// The deadline work left to the caller (deadline arithmetic lives in `crate::case::deadline`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "extra", rename_all = "snake_case")]
pub enum ClockChange {
    /// (Re)start the handling clock from now: set `deadline` from the category's time limit.
    Start,
    /// Move the current deadline later by this much (an approved extension).
    Extend(TimeLimit),
    /// The handling clock stops (handled, withdrawn or merged): no more warnings or overdue
    /// marks. The deadline stays for the record.
    Stop,
}

/// One entry of the case's append-only history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// The unit concerned (who acknowledged, returned, reported, was reopened against …).
    pub unit: Option<Unit>,
    /// A human-readable note in Chinese (reason, reply, comment …).
    pub note: String,
    /// Structured data for the record (JSON object, possibly empty).
    pub detail: serde_json::Value,
}

impl Event {
    pub(crate) fn new(kind: EventKind, unit: Option<Unit>, note: impl Into<String>) -> Event {
        Event { kind, unit, note: note.into(), detail: serde_json::Value::Object(serde_json::Map::new()) }
    }

    pub(crate) fn with(mut self, detail: serde_json::Value) -> Event {
        self.detail = detail;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Accepted,
    Rejected,
    Dispatched,
    Acknowledged,
    Returned,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRefused,
    Supervised,
    /// An assisting unit's report.
    Reported,
    /// The lead's report: the case is handled.
    Handled,
    Verified,
    VerificationFailed,
    Closed,
    Rated,
    /// 重办: counts against `unit`.
    Reopened,
    Merged,
    Contacted,
    HandledOnSpot,
    /// 催办 by the requester.
    Urged,
    /// The requester added information.
    RequesterNote,
    /// A hotline question (咨询) answered during the call and closed at once.
    AnsweredOnCall,
    /// 转调解: closed by referral to a 人民调解 organisation.
    ReferredToMediation,
}

impl EventKind {
    pub const ALL: [EventKind; 23] = [
        EventKind::Accepted,
        EventKind::Rejected,
        EventKind::Dispatched,
        EventKind::Acknowledged,
        EventKind::Returned,
        EventKind::ExtensionRequested,
        EventKind::ExtensionApproved,
        EventKind::ExtensionRefused,
        EventKind::Supervised,
        EventKind::Reported,
        EventKind::Handled,
        EventKind::Verified,
        EventKind::VerificationFailed,
        EventKind::Closed,
        EventKind::Rated,
        EventKind::Reopened,
        EventKind::Merged,
        EventKind::Contacted,
        EventKind::HandledOnSpot,
        EventKind::Urged,
        EventKind::RequesterNote,
        EventKind::AnsweredOnCall,
        EventKind::ReferredToMediation,
    ];

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Accepted => "accepted",
            EventKind::Rejected => "rejected",
            EventKind::Dispatched => "dispatched",
            EventKind::Acknowledged => "acknowledged",
            EventKind::Returned => "returned",
            EventKind::ExtensionRequested => "extension_requested",
            EventKind::ExtensionApproved => "extension_approved",
            EventKind::ExtensionRefused => "extension_refused",
            EventKind::Supervised => "supervised",
            EventKind::Reported => "reported",
            EventKind::Handled => "handled",
            EventKind::Verified => "verified",
            EventKind::VerificationFailed => "verification_failed",
            EventKind::Closed => "closed",
            EventKind::Rated => "rated",
            EventKind::Reopened => "reopened",
            EventKind::Merged => "merged",
            EventKind::Contacted => "contacted",
            EventKind::HandledOnSpot => "handled_on_spot",
            EventKind::Urged => "urged",
            EventKind::RequesterNote => "requester_note",
            EventKind::AnsweredOnCall => "answered_on_call",
            EventKind::ReferredToMediation => "referred_to_mediation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Accepted => "立案",
            EventKind::Rejected => "不予立案",
            EventKind::Dispatched => "派遣",
            EventKind::Acknowledged => "签收",
            EventKind::Returned => "退单",
            EventKind::ExtensionRequested => "申请延期",
            EventKind::ExtensionApproved => "同意延期",
            EventKind::ExtensionRefused => "不同意延期",
            EventKind::Supervised => "督办",
            EventKind::Reported => "协办报告",
            EventKind::Handled => "办结",
            EventKind::Verified => "核查通过",
            EventKind::VerificationFailed => "核查未通过",
            EventKind::Closed => "结案",
            EventKind::Rated => "评价",
            EventKind::Reopened => "重办",
            EventKind::Merged => "合并",
            EventKind::Contacted => "联系诉求人",
            EventKind::HandledOnSpot => "就地解决",
            EventKind::Urged => "诉求人催办",
            EventKind::RequesterNote => "诉求人补充信息",
            EventKind::AnsweredOnCall => "电话答复",
            EventKind::ReferredToMediation => "转调解",
        }
    }
}

/// A notification due because of a decision; the store writes one outbox row per recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A unit got the case (as lead or assisting) or got it back after a failed verification.
    Dispatched {
        unit: Unit,
        lead: bool,
    },
    /// The case was taken away from a unit (the lead returned it, or it was merged).
    Withdrawn {
        unit: Unit,
    },
    /// A unit returned the case: the dispatchers must re-route it.
    Returned {
        unit: Unit,
    },
    ExtensionRequested {
        unit: Unit,
    },
    ExtensionDecided {
        unit: Unit,
        approved: bool,
    },
    /// 督办 at `level`: the lead unit and the level above are told.
    Supervised {
        unit: Option<Unit>,
        level: u8,
    },
    /// The lead replied: the requester is told and verifiers are asked to check.
    Handled,
    VerificationFailed {
        unit: Unit,
    },
    /// 重办 after the requester's negative verdict.
    Reopened {
        unit: Unit,
    },
    /// Closed: the requester is invited to rate.
    Closed,
    Rejected,
    Merged {
        into_case_id: i64,
    },
    /// 催办: the requester pressed 催办; the lead unit is told (notice kind `urge`).
    Urged {
        unit: Unit,
    },
    /// The requester added information: the lead unit is told, or the dispatch centre while no
    /// unit holds the case (notice kind `requester_note`).
    RequesterNote {
        unit: Option<Unit>,
    },
    /// 转调解: the requester is told the matter went to a 人民调解 organisation.
    ReferredToMediation,
}

/// Who a notice goes to; the store resolves the people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum Recipient {
    Unit(Unit),
    /// The dispatch centre (指挥中心) of the case's street.
    Dispatchers,
    /// Whoever verifies: the grid workers of the case's grid and the dispatchers.
    Verifiers,
    /// The supervisors one level up at this supervision level (1 街道, 2 区, 3 市).
    Supervisors(u8),
    /// The resident (SMS or the follow page).
    Requester,
}

impl Notice {
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::Dispatched { .. } => "dispatched",
            Notice::Withdrawn { .. } => "withdrawn",
            Notice::Returned { .. } => "returned",
            Notice::ExtensionRequested { .. } => "extension_requested",
            Notice::ExtensionDecided { .. } => "extension_decided",
            Notice::Supervised { .. } => "supervised",
            Notice::Handled => "handled",
            Notice::VerificationFailed { .. } => "verification_failed",
            Notice::Reopened { .. } => "reopened",
            Notice::Closed => "closed",
            Notice::Rejected => "rejected",
            Notice::Merged { .. } => "merged",
            Notice::Urged { .. } => "urge",
            Notice::RequesterNote { .. } => "requester_note",
            Notice::ReferredToMediation => "referred_to_mediation",
        }
    }

    pub fn recipients(&self) -> Vec<Recipient> {
        match self {
            Notice::Dispatched { unit, .. }
            | Notice::Withdrawn { unit }
            | Notice::ExtensionDecided { unit, .. }
            | Notice::VerificationFailed { unit }
            | Notice::Reopened { unit }
            | Notice::Urged { unit } => vec![Recipient::Unit(unit.clone())],
            Notice::RequesterNote { unit: Some(unit) } => vec![Recipient::Unit(unit.clone())],
            Notice::RequesterNote { unit: None } => vec![Recipient::Dispatchers],
            Notice::Returned { .. } | Notice::ExtensionRequested { .. } => {
                vec![Recipient::Dispatchers]
            }
            Notice::Supervised { unit, level } => {
                unit.iter().map(|u| Recipient::Unit(u.clone())).chain([Recipient::Supervisors(*level)]).collect()
            }
            Notice::Handled => vec![Recipient::Requester, Recipient::Verifiers],
            Notice::Closed | Notice::Rejected | Notice::Merged { .. } | Notice::ReferredToMediation => {
                vec![Recipient::Requester]
            }
        }
    }
}

/// The name of a supervision level.
pub fn supervision_label(level: u8) -> &'static str {
    match level {
        0 => "未督办",
        1 => "街道督办",
        2 => "区级督办",
        _ => "市级督办",
    }
}
