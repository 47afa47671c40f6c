//! Who acts on a petition ([`Actor`]) and what they do ([`Action`]). Actions carry their data;
//! [`super::decide`] checks it.

use super::opinion::Opinion;
use super::register::Route;
use super::status::Status;
use crate::case::Unit;
use crate::kernel::access::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The one who performs an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A staff user with their role and, for unit staff, the unit they act for.
    Staff { role: Role, unit: Option<Unit> },
    /// The petitioner (信访人), through the private follow link.
    Petitioner,
    /// A background job (closing a petition whose time for 复查/复核 has passed).
    System,
}

impl Actor {
    /// A short Chinese name for messages.
    pub fn label(&self) -> &'static str {
        match self {
            Actor::Staff { role, .. } => role.label(),
            Actor::Petitioner => "信访人",
            Actor::System => "系统",
        }
    }

    pub fn has_role(&self, roles: &[Role]) -> bool {
        matches!(self, Actor::Staff { role, .. } if roles.contains(role))
    }
}

/// 转送 to a competent body, or 交办 to a lower one with a time to report back (art 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    Forward,
    Assign,
}

impl TransferMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferMode::Forward => "forward",
            TransferMode::Assign => "assign",
        }
    }

    pub fn parse(s: &str) -> Option<TransferMode> {
        [TransferMode::Forward, TransferMode::Assign].into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TransferMode::Forward => "转送",
            TransferMode::Assign => "交办",
        }
    }
}

/// What an actor asks to do to a petition. Free texts are checked by [`super::decide`]
/// (required where the rule asks for a reason, at most [`super::MAX_NOTE_CHARS`] characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 书面告知 the petitioner of its receipt and of the route and procedure (art 22/23).
    Notify { note: String },
    /// 转送/交办 to a unit (art 22).
    Transfer { unit: Unit, mode: TransferMode, note: String },
    /// 异议: the unit says the matter is not its business, with reasons, within 5 working days
    /// of receiving it (art 23).
    Object { reason: String },
    /// The transferring office verifies the objection (art 23: 核实同意): agreed, the petition
    /// comes back to be transferred elsewhere; not agreed (reason required), the unit keeps it.
    DecideObjection { agree: bool, note: String },
    /// 受理 by the unit holding the petition, or by the office itself when it keeps it; the
    /// petitioner is told (art 23). Starts the 60 days of an art 31(6) matter (art 34).
    Accept,
    /// 延长办理期限: once, at most 30 days, approved by the head of the body, the reason told
    /// to the petitioner (art 34).
    Extend { days: u32, reason: String },
    /// 出具《信访处理意见书》 (art 31(6), 32), served on the petitioner on `served_on`.
    IssueOpinion { opinion: Opinion, served_on: NaiveDate },
    /// 答复 a 建议意见类 or 检举控告类 matter (arts 29–30).
    Reply { reply: String },
    /// 请求复查 at the body above the one that handled it, within 30 days of receiving the
    /// written reply (art 35). `body`: the 复查 body's name; `request`: why (optional).
    RequestReview { body: String, request: String },
    /// The 复查 opinion, served on `served_on` (art 35: within 30 days).
    AnswerReview { opinion: Opinion, served_on: NaiveDate },
    /// 请求复核 at the body above the 复查 body, within 30 days of receiving the 复查 opinion
    /// (art 36).
    RequestRecheck { body: String, request: String },
    /// 举行听证 in the 复核 (art 36): the 复核 clock stops.
    StartHearing { note: String },
    /// The hearing is over: the 复核 clock runs again.
    EndHearing { note: String },
    /// The 复核 opinion, served on `served_on` (art 36: within 30 days, hearing time not
    /// counted). `publish`: a 复核 opinion reached after a hearing may be made public.
    AnswerRecheck { opinion: Opinion, served_on: NaiveDate, publish: bool },
    /// 办结: the time to ask for 复查 (or 复核) has passed without a request; the opinion stands.
    Conclude,
    /// Resolved by mediation or settlement (art 33), recorded in dispute `dispute_id`.
    Mediate { dispute_id: i64, note: String },
    /// 转入法定途径 (arts 30, 31(1)–(5)); `note`: where and how, as told to the petitioner.
    Route { route: Route, note: String },
    /// 撤回 by the petitioner (or recorded by staff on the petitioner's word).
    Withdraw { reason: String },
}

/// An [`Action`] without its data: for tables, permission checks and buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Notify,
    Transfer,
    Object,
    DecideObjection,
    Accept,
    Extend,
    IssueOpinion,
    Reply,
    RequestReview,
    AnswerReview,
    RequestRecheck,
    StartHearing,
    EndHearing,
    AnswerRecheck,
    Conclude,
    Mediate,
    Route,
    Withdraw,
}

impl ActionKind {
    pub const ALL: [ActionKind; 18] = [
        ActionKind::Notify,
        ActionKind::Transfer,
        ActionKind::Object,
        ActionKind::DecideObjection,
        ActionKind::Accept,
        ActionKind::Extend,
        ActionKind::IssueOpinion,
        ActionKind::Reply,
        ActionKind::RequestReview,
        ActionKind::AnswerReview,
        ActionKind::RequestRecheck,
        ActionKind::StartHearing,
        ActionKind::EndHearing,
        ActionKind::AnswerRecheck,
        ActionKind::Conclude,
        ActionKind::Mediate,
        ActionKind::Route,
        ActionKind::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Notify => "notify",
            ActionKind::Transfer => "transfer",
            ActionKind::Object => "object",
            ActionKind::DecideObjection => "decide_objection",
            ActionKind::Accept => "accept",
            ActionKind::Extend => "extend",
            ActionKind::IssueOpinion => "issue_opinion",
            ActionKind::Reply => "reply",
            ActionKind::RequestReview => "request_review",
            ActionKind::AnswerReview => "answer_review",
            ActionKind::RequestRecheck => "request_recheck",
            ActionKind::StartHearing => "start_hearing",
            ActionKind::EndHearing => "end_hearing",
            ActionKind::AnswerRecheck => "answer_recheck",
            ActionKind::Conclude => "conclude",
            ActionKind::Mediate => "mediate",
            ActionKind::Route => "route",
            ActionKind::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The verb shown to users ("不能{label}").
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Notify => "书面告知",
            ActionKind::Transfer => "转送交办",
            ActionKind::Object => "提出异议",
            ActionKind::DecideObjection => "核实异议",
            ActionKind::Accept => "受理",
            ActionKind::Extend => "延长办理期限",
            ActionKind::IssueOpinion => "出具信访处理意见书",
            ActionKind::Reply => "答复",
            ActionKind::RequestReview => "请求复查",
            ActionKind::AnswerReview => "出具复查意见",
            ActionKind::RequestRecheck => "请求复核",
            ActionKind::StartHearing => "举行听证",
            ActionKind::EndHearing => "结束听证",
            ActionKind::AnswerRecheck => "出具复核意见",
            ActionKind::Conclude => "办结",
            ActionKind::Mediate => "调解化解",
            ActionKind::Route => "转入法定途径",
            ActionKind::Withdraw => "撤回",
        }
    }

    /// The statuses in which this action may be attempted at all (the first check of
    /// [`super::decide`]; who acts and the data are checked next).
    pub fn allowed_in(self, status: Status) -> bool {
        use Status::*;
        match self {
            ActionKind::Notify => status == Registered,
            ActionKind::Transfer => status == Notified,
            ActionKind::Object => status == Transferred,
            ActionKind::DecideObjection => status == Objected,
            ActionKind::Accept => matches!(status, Notified | Transferred),
            ActionKind::Extend | ActionKind::IssueOpinion | ActionKind::Reply | ActionKind::Mediate => {
                status == Handling
            }
            ActionKind::RequestReview => status == OpinionIssued,
            ActionKind::AnswerReview => status == ReviewRequested,
            ActionKind::RequestRecheck => status == Reviewed,
            ActionKind::StartHearing | ActionKind::AnswerRecheck => status == RecheckRequested,
            ActionKind::EndHearing => status == Hearing,
            ActionKind::Conclude => matches!(status, OpinionIssued | Reviewed),
            ActionKind::Route => matches!(status, Notified | Transferred | Handling),
            ActionKind::Withdraw => status.is_open(),
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Notify { .. } => ActionKind::Notify,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Object { .. } => ActionKind::Object,
            Action::DecideObjection { .. } => ActionKind::DecideObjection,
            Action::Accept => ActionKind::Accept,
            Action::Extend { .. } => ActionKind::Extend,
            Action::IssueOpinion { .. } => ActionKind::IssueOpinion,
            Action::Reply { .. } => ActionKind::Reply,
            Action::RequestReview { .. } => ActionKind::RequestReview,
            Action::AnswerReview { .. } => ActionKind::AnswerReview,
            Action::RequestRecheck { .. } => ActionKind::RequestRecheck,
            Action::StartHearing { .. } => ActionKind::StartHearing,
            Action::EndHearing { .. } => ActionKind::EndHearing,
            Action::AnswerRecheck { .. } => ActionKind::AnswerRecheck,
            Action::Conclude => ActionKind::Conclude,
            Action::Mediate { .. } => ActionKind::Mediate,
            Action::Route { .. } => ActionKind::Route,
            Action::Withdraw { .. } => ActionKind::Withdraw,
        }
    }
}
