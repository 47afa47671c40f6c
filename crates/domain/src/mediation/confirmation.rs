//! 司法确认: the parties may jointly ask the court to confirm an effective agreement
//! (人民调解法 art 33; 民诉法 arts 205–206; 法释〔2011〕5号 arts 4–5). It is optional and runs
//! beside the dispute's own status, as a small machine of its own:
//!
//! ```text
//! not_applied ──apply (jointly, ≤ 30 days after the agreement took effect)──▶ applied
//! not_applied ──lapse (the 30 days passed)──────────────────────────────────▶ window_missed
//! applied ──court_accept (due ≤ 3 days)──▶ accepted      applied ──court_decline──▶ not_accepted
//! accepted ──confirm (due ≤ 15 days, +10 once: extend_ruling)──▶ confirmed
//! accepted ──reject──▶ rejected
//! ```
//!
//! The court is not a user of the platform: its steps are recorded by the mediator or the
//! desk with the dates they happened on. A court late on its own clock is shown, not refused.
//! [`super::decide_confirmation`] decides; [`confirmation_view`] shows where it stands.

use super::clock::{confirmation_window_end, court_acceptance_due, ruling_due};
use super::names::named_enum;
use super::state::DisputeState;
use crate::kernel::calendar::WorkingCalendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

named_enum! {
    ConfirmationStatus {
        NotApplied = "not_applied", "未申请";
        Applied = "applied", "已申请";
        /// The court accepted the application (立案, a 调确字 number).
        Accepted = "accepted", "法院已受理";
        /// 裁定调解协议有效: enforceable (民诉法 art 206).
        Confirmed = "confirmed", "确认有效";
        /// 裁定驳回申请: the parties may mediate again or sue (art 33; 民诉法 art 206).
        Rejected = "rejected", "驳回申请";
        /// 不予受理 (法释〔2011〕5号 art 4: outside the court's remit, 身份关系 …).
        NotAccepted = "not_accepted", "不予受理";
        /// The 30 days passed without an application.
        WindowMissed = "window_missed", "逾期未申请";
    }
}

named_enum! {
    ConfirmationActionKind {
        Apply = "apply", "申请司法确认";
        CourtAccept = "court_accept", "记录法院受理";
        CourtDecline = "court_decline", "记录不予受理";
        ExtendRuling = "extend_ruling", "记录延长审查期限";
        Confirm = "confirm", "记录确认有效";
        Reject = "reject", "记录驳回申请";
        Lapse = "lapse", "标记逾期未申请";
    }
}

impl ConfirmationActionKind {
    /// The 司法确认 statuses in which this action may be attempted.
    pub fn allowed_in(self, status: ConfirmationStatus) -> bool {
        use ConfirmationStatus::*;
        match self {
            ConfirmationActionKind::Apply | ConfirmationActionKind::Lapse => status == NotApplied,
            ConfirmationActionKind::CourtAccept | ConfirmationActionKind::CourtDecline => status == Applied,
            ConfirmationActionKind::ExtendRuling | ConfirmationActionKind::Confirm | ConfirmationActionKind::Reject => {
                status == Accepted
            }
        }
    }
}

/// A 司法确认 step, with the day it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ConfirmationAction {
    /// The joint application (书面或口头: 民诉解释 art 353) to `court`; `applicants` lists
    /// every party's index.
    Apply {
        on: NaiveDate,
        court: String,
        applicants: Vec<u8>,
    },
    CourtAccept {
        on: NaiveDate,
    },
    CourtDecline {
        on: NaiveDate,
        reason: String,
    },
    /// The court president approved 10 more days (法释〔2011〕5号 art 5), once.
    ExtendRuling {
        on: NaiveDate,
    },
    Confirm {
        on: NaiveDate,
    },
    Reject {
        on: NaiveDate,
        reason: String,
    },
    /// The window passed without an application.
    Lapse,
}

impl ConfirmationAction {
    pub fn kind(&self) -> ConfirmationActionKind {
        match self {
            ConfirmationAction::Apply { .. } => ConfirmationActionKind::Apply,
            ConfirmationAction::CourtAccept { .. } => ConfirmationActionKind::CourtAccept,
            ConfirmationAction::CourtDecline { .. } => ConfirmationActionKind::CourtDecline,
            ConfirmationAction::ExtendRuling { .. } => ConfirmationActionKind::ExtendRuling,
            ConfirmationAction::Confirm { .. } => ConfirmationActionKind::Confirm,
            ConfirmationAction::Reject { .. } => ConfirmationActionKind::Reject,
            ConfirmationAction::Lapse => ConfirmationActionKind::Lapse,
        }
    }
}

/// The 司法确认 record of a dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub status: ConfirmationStatus,
    pub court: Option<String>,
    pub applied_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    /// The 10 extra days were approved.
    pub ruling_extended: bool,
    /// The day of the ruling or of the refusal to accept.
    pub decided_on: Option<NaiveDate>,
    /// The court's reason for 驳回 or 不予受理.
    pub reason: Option<String>,
}

impl Default for Confirmation {
    /// Not applied for.
    fn default() -> Confirmation {
        Confirmation {
            status: ConfirmationStatus::NotApplied,
            court: None,
            applied_on: None,
            accepted_on: None,
            ruling_extended: false,
            decided_on: None,
            reason: None,
        }
    }
}

/// Where 司法确认 stands on a day, with its clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfirmationView {
    /// The stored status, except that an unapplied one past its window shows as missed.
    pub status: ConfirmationStatus,
    /// The last day to apply (once the agreement is effective).
    pub window_end: Option<NaiveDate>,
    /// The last day for the court to accept (once applied).
    pub acceptance_due: Option<NaiveDate>,
    /// The last day for the ruling (once accepted).
    pub ruling_due: Option<NaiveDate>,
    /// The court is (or was) past one of its days.
    pub court_late: bool,
}

/// Where 司法确认 stands on `today`.
pub fn confirmation_view(state: &DisputeState, today: NaiveDate, cal: &WorkingCalendar) -> ConfirmationView {
    let c = &state.confirmation;
    let window_end = state.effective_on().map(|d| confirmation_window_end(d, cal));
    let acceptance_due = c.applied_on.map(|d| court_acceptance_due(d, cal));
    let ruling_due = c.accepted_on.map(|d| ruling_due(d, c.ruling_extended, cal));
    let status = match (c.status, window_end) {
        (ConfirmationStatus::NotApplied, Some(end)) if today > end => ConfirmationStatus::WindowMissed,
        (s, _) => s,
    };
    let late = |due: Option<NaiveDate>, done: Option<NaiveDate>| due.is_some_and(|due| done.unwrap_or(today) > due);
    let court_late = match c.status {
        ConfirmationStatus::Applied => late(acceptance_due, None),
        ConfirmationStatus::NotAccepted => late(acceptance_due, c.decided_on),
        ConfirmationStatus::Accepted => late(acceptance_due, c.accepted_on) || late(ruling_due, None),
        ConfirmationStatus::Confirmed | ConfirmationStatus::Rejected => {
            late(acceptance_due, c.accepted_on) || late(ruling_due, c.decided_on)
        }
        ConfirmationStatus::NotApplied | ConfirmationStatus::WindowMissed => false,
    };
    ConfirmationView { status, window_end, acceptance_due, ruling_due, court_late }
}
