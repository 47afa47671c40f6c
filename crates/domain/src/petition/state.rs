//! The state of one petition that the rules read and write. The store keeps the status, kind,
//! holder and version as columns and the whole as JSON.

use super::action::TransferMode;
use super::opinion::Opinion;
use super::register::{Kind, Registration, Route};
use super::status::Status;
use crate::case::Unit;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The current 转送/交办 (art 22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub unit: Unit,
    pub mode: TransferMode,
    /// When the unit received it: its 5 working days to object and 15 days to tell the
    /// petitioner start here (art 23).
    pub at: DateTime<Utc>,
    /// The unit's objection to this transfer, if any (one per transfer).
    pub objection: Option<Objection>,
}

/// A unit's objection (art 23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The one extension of the handling time (art 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub days: u32,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A written opinion and when the petitioner received it (their time to challenge it starts
/// the day after, arts 35–36).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Served {
    pub opinion: Opinion,
    pub issued_at: DateTime<Utc>,
    pub served_on: NaiveDate,
}

/// A 听证 (art 36); its days are not counted in the 复核 time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hearing {
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A 复查 (art 35) or 复核 (art 36): the request and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    /// The body asked (the level above the one that decided).
    pub body: String,
    /// Why the petitioner disagrees (may be empty).
    pub request: String,
    pub requested_at: DateTime<Utc>,
    /// 复核 only.
    pub hearing: Option<Hearing>,
    pub answer: Option<Served>,
    /// 复核 only: the opinion, reached after a hearing, is to be made public (art 36).
    #[serde(default)]
    pub publish: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionState {
    pub status: Status,
    pub kind: Kind,
    /// 收到之日: registration is on receipt (art 22/23); the 15 days to tell the petitioner
    /// start here.
    pub registered_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    /// The unit holding the petition; `None` while the registering office keeps it.
    pub transfer: Option<Transfer>,
    /// Units whose objection was agreed: not transferred to again.
    pub released: Vec<Unit>,
    /// 受理.
    pub accepted_at: Option<DateTime<Utc>>,
    pub extension: Option<Extension>,
    /// The 信访处理意见书 (art 32).
    pub opinion: Option<Served>,
    /// The answer to a 建议意见类 or 检举控告类 matter (arts 29–30).
    pub reply: Option<String>,
    pub review: Option<Appeal>,
    pub recheck: Option<Appeal>,
    /// The statutory route it was closed into.
    pub route: Option<Route>,
    /// The dispute (矛盾纠纷) whose mediation resolved it (art 33).
    pub dispute_id: Option<i64>,
    /// The 接诉即办 case it was escalated from.
    pub from_case: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version; every accepted decision adds one.
    pub version: i64,
}

impl PetitionState {
    /// A petition as registration creates it: 已登记, version 1.
    pub fn new(registration: &Registration, now: DateTime<Utc>) -> PetitionState {
        PetitionState {
            status: Status::Registered,
            kind: registration.kind(),
            registered_at: now,
            notified_at: None,
            transfer: None,
            released: Vec::new(),
            accepted_at: None,
            extension: None,
            opinion: None,
            reply: None,
            review: None,
            recheck: None,
            route: None,
            dispute_id: None,
            from_case: registration.from_case(),
            closed_at: None,
            version: 1,
        }
    }

    /// The unit holding the petition (`None`: the registering office itself).
    pub fn holder(&self) -> Option<&Unit> {
        self.transfer.as_ref().map(|t| &t.unit)
    }
}
