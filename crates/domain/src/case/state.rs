//! The state of one case that the rules read and write. The store keeps the status, lead,
//! deadline and version as columns and the rest as JSON; it is serde-serialisable as a whole.

use super::status::{Channel, Satisfaction, Status};
use super::unit::Unit;
use crate::case::deadline::TimeLimit;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The highest supervision level (1 街道督办, 2 区级督办, 3 市级督办).
pub const MAX_SUPERVISION_LEVEL: u8 = 3;

/// A unit the case is dispatched to: the lead or an assisting unit (吹哨报到).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub unit: Unit,
    /// 签收/报到 time.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Time of its handling report.
    pub reported_at: Option<DateTime<Utc>>,
    /// An assisting unit that returned the case (it stays listed but takes no further part).
    pub returned: bool,
}

impl Participant {
    pub fn new(unit: Unit) -> Participant {
        Participant { unit, acknowledged_at: None, reported_at: None, returned: false }
    }
}

/// An extension asked for and not yet decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub unit: Unit,
    pub extra: TimeLimit,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
}

/// The requester's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub resolved: bool,
    pub satisfaction: Satisfaction,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
}

impl Rating {
    /// Unresolved or 不满意: the verdict that reopens a case (once).
    pub fn is_negative(&self) -> bool {
        !self.resolved || !self.satisfaction.counts_as_satisfied()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    pub status: Status,
    pub channel: Channel,
    /// The lead unit while the case is with units (and after, for the record).
    pub lead: Option<Unit>,
    /// The lead and assisting units of the current dispatch, lead first.
    pub participants: Vec<Participant>,
    /// Every unit that ever returned this case (退单); none may return it twice.
    pub returned_by: Vec<Unit>,
    /// 首接负责: the lead of the first dispatch; never changes afterwards.
    pub first_receiver: Option<Unit>,
    /// 重办: the case was reopened once after the requester's negative verdict (a failed
    /// verification does not count). A case is reopened at most once.
    pub reopened: bool,
    /// 三率: the lead's response (签收 and contact in time) has been counted for the current
    /// dispatch; another round after a reopen or a failed verification does not count again.
    #[serde(default)]
    pub response_counted: bool,
    /// 0 = never supervised; 1..=[`MAX_SUPERVISION_LEVEL`].
    pub supervision_level: u8,
    pub extension_pending: Option<ExtensionRequest>,
    pub first_contact_at: Option<DateTime<Utc>>,
    /// Set by the caller from [`super::ClockChange`] (deadline arithmetic lives in
    /// `crate::case::deadline`).
    pub deadline: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub handled_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The lead's latest reply and evidence (photo references) shown to the requester.
    pub reply: Option<String>,
    pub evidence: Vec<String>,
    /// The latest verdict (kept after a reopen, replaced by the second one).
    pub rating: Option<Rating>,
    pub merged_into: Option<i64>,
    /// The working day the requester last pressed 催办 for (once per working day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_urge_day: Option<NaiveDate>,
    /// Optimistic-concurrency version; every accepted decision adds one.
    pub version: i64,
}

impl CaseState {
    /// A case as intake creates it: 受理, version 1.
    pub fn new(channel: Channel) -> CaseState {
        CaseState {
            status: Status::Received,
            channel,
            lead: None,
            participants: Vec::new(),
            returned_by: Vec::new(),
            first_receiver: None,
            reopened: false,
            response_counted: false,
            supervision_level: 0,
            extension_pending: None,
            first_contact_at: None,
            deadline: None,
            dispatched_at: None,
            handled_at: None,
            closed_at: None,
            reply: None,
            evidence: Vec::new(),
            rating: None,
            merged_into: None,
            last_urge_day: None,
            version: 1,
        }
    }

    /// The participant entry of a unit that still takes part (not returned).
    pub fn active_participant(&self, unit: &Unit) -> Option<&Participant> {
        self.participants.iter().find(|p| &p.unit == unit && !p.returned)
    }

    pub(crate) fn active_participant_mut(&mut self, unit: &Unit) -> Option<&mut Participant> {
        self.participants.iter_mut().find(|p| &p.unit == unit && !p.returned)
    }

    /// Units still taking part, lead first.
    pub fn active_units(&self) -> impl Iterator<Item = &Unit> {
        self.participants.iter().filter(|p| !p.returned).map(|p| &p.unit)
    }

    pub fn is_lead(&self, unit: &Unit) -> bool {
        self.lead.as_ref() == Some(unit)
    }

    /// The lead's participant entry.
    pub fn lead_participant(&self) -> Option<&Participant> {
        self.lead.as_ref().and_then(|l| self.active_participant(l))
    }

    /// Past the deadline at `now` (only while a unit holds the case).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_with_unit() && self.deadline.is_some_and(|d| now > d)
    }
}
