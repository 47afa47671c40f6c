//! What [`super::decide`] returns: the new state, the events to append and the notices due,
//! for the store to save in one transaction.

use super::state::PetitionState;
use crate::case::Unit;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The new state; its version is the old one plus one.
    pub state: PetitionState,
    /// Events to append, in order (the store adds actor, time and petition id).
    pub events: Vec<Event>,
    /// Notifications due (outbox rows).
    pub notices: Vec<Notice>,
}

/// One entry of the petition's append-only history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    /// The unit concerned (transferred to, objecting …).
    pub unit: Option<Unit>,
    /// A human-readable note in Chinese.
    pub note: String,
    /// Structured data for the record (a JSON object, possibly empty).
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

macro_rules! event_kinds {
    ($($variant:ident => $name:literal, $label:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum EventKind {
            $($variant,)*
        }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }

            pub fn parse(s: &str) -> Option<EventKind> {
                EventKind::ALL.iter().copied().find(|k| k.as_str() == s)
            }

            pub fn label(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $label,)*
                }
            }
        }
    };
}

event_kinds! {
    Registered => "registered", "登记";
    Notified => "notified", "书面告知";
    Transferred => "transferred", "转送交办";
    Objected => "objected", "提出异议";
    ObjectionAgreed => "objection_agreed", "异议核实同意";
    ObjectionRefused => "objection_refused", "异议核实不同意";
    Accepted => "accepted", "受理";
    Extended => "extended", "延长办理期限";
    OpinionIssued => "opinion_issued", "出具信访处理意见书";
    Replied => "replied", "答复";
    ReviewRequested => "review_requested", "请求复查";
    Reviewed => "reviewed", "复查意见";
    RecheckRequested => "recheck_requested", "请求复核";
    HearingStarted => "hearing_started", "举行听证";
    HearingEnded => "hearing_ended", "听证结束";
    Rechecked => "rechecked", "复核意见";
    Concluded => "concluded", "办结";
    Mediated => "mediated", "调解化解";
    Routed => "routed", "转入法定途径";
    Withdrawn => "withdrawn", "撤回";
}

/// A notification due because of a decision; the store writes one outbox row for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Notice {
    /// A written notice or answer to the petitioner (书面告知/答复).
    Petitioner { about: EventKind },
    /// A unit got the petition, or learns about its objection or a withdrawal.
    Unit { unit: Unit, about: EventKind },
    /// The registering office (信访部门) has to act: verify an objection.
    Intake { about: EventKind },
    /// The 复查/复核 body got a request.
    Reviewers { about: EventKind },
}

impl Notice {
    /// The event the notice is about.
    pub fn about(&self) -> EventKind {
        match self {
            Notice::Petitioner { about }
            | Notice::Unit { about, .. }
            | Notice::Intake { about }
            | Notice::Reviewers { about } => *about,
        }
    }
}
