//! Who acts on a case ([`Actor`]) and what they ask for ([`Action`]).

use super::status::{Satisfaction, Status};
use super::unit::Unit;
use crate::case::deadline::TimeLimit;
use crate::kernel::access::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The one who performs an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A staff user with their role and, for unit staff, the unit they act for.
    Staff { role: Role, unit: Option<Unit> },
    /// The resident who raised the case, through the private follow link.
    Requester,
    /// A background job (auto-dispatch, overdue supervision).
    System,
}

impl Actor {
    /// A short Chinese name for messages.
    pub fn label(&self) -> &'static str {
        match self {
            Actor::Staff { role, .. } => role.label(),
            Actor::Requester => "诉求人",
            Actor::System => "系统",
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::Staff { role, .. } => Some(*role),
            _ => None,
        }
    }

    pub fn unit(&self) -> Option<&Unit> {
        match self {
            Actor::Staff { unit, .. } => unit.as_ref(),
            _ => None,
        }
    }

    /// The actor has one of the given roles.
    pub fn has_role(&self, roles: &[Role]) -> bool {
        self.role().is_some_and(|r| roles.contains(&r))
    }
}

/// What an actor asks to do to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 立案.
    Accept,
    /// 不予立案, with the reason told to the requester.
    Reject { reason: String },
    /// 派遣: one lead unit; with assisting units it is a joint dispatch (吹哨). `auto` when a
    /// routing rule dispatched it (only the system does that). Allowed from 受理 too (立案 and
    /// 派遣 in one step).
    Dispatch { lead: Unit, assisting: Vec<Unit>, auto: bool },
    /// 签收 / 报到 by one participant unit.
    Acknowledge { unit: Unit },
    /// 退单: the unit says the case is not its business. A dispatcher may withdraw a unit
    /// again (改派) by setting `override_by_dispatcher`.
    Return {
        unit: Unit,
        reason: String,
        #[serde(default)]
        override_by_dispatcher: bool,
    },
    /// 申请延期 by the lead unit.
    RequestExtension { unit: Unit, extra: TimeLimit, reason: String },
    /// 延期审批.
    DecideExtension { approve: bool, note: String },
    /// 督办.
    Supervise { note: String },
    /// 办理报告: an assisting unit's report is recorded; the lead's completes the handling.
    Report { unit: Unit, reply: String, evidence: Vec<String> },
    /// 核查: not ok sends the case back to the lead.
    Verify { ok: bool, note: String },
    /// 结案.
    Close,
    /// 回访评价 by the requester.
    Rate { resolved: bool, satisfaction: Satisfaction, comment: String },
    /// 合并 into another case (a duplicate).
    Merge { into_case_id: i64 },
    /// 联系诉求人 (counts for the 响应率).
    ContactRequester { note: String },
    /// 就地解决 of a grid patrol report: straight from 受理 to 结案.
    HandleOnSpot { reply: String },
    /// 催办 by the requester: at most once per working day (`day` is the working day the
    /// press counts for, [`super::urge_day`] on the working calendar).
    Urge { day: NaiveDate },
    /// 补充信息: the requester adds a note (and photos, named by reference) while the case is open.
    AddNote {
        note: String,
        #[serde(default)]
        photos: Vec<String>,
    },
    /// 转调解: a 民间纠纷 (a quarrel between neighbours …) goes to a 人民调解 organisation and the
    /// case closes; the dispute is registered in the same transaction (`tongxin_app`'s referral).
    ReferToMediation { reason: String },
}

/// An [`Action`] without its data: for tables, permission checks and buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Accept,
    Reject,
    Dispatch,
    Acknowledge,
    Return,
    RequestExtension,
    DecideExtension,
    Supervise,
    Report,
    Verify,
    Close,
    Rate,
    Merge,
    ContactRequester,
    HandleOnSpot,
    Urge,
    AddNote,
    ReferToMediation,
}

impl ActionKind {
    pub const ALL: [ActionKind; 18] = [
        ActionKind::Accept,
        ActionKind::Reject,
        ActionKind::Dispatch,
        ActionKind::Acknowledge,
        ActionKind::Return,
        ActionKind::RequestExtension,
        ActionKind::DecideExtension,
        ActionKind::Supervise,
        ActionKind::Report,
        ActionKind::Verify,
        ActionKind::Close,
        ActionKind::Rate,
        ActionKind::Merge,
        ActionKind::ContactRequester,
        ActionKind::HandleOnSpot,
        ActionKind::Urge,
        ActionKind::AddNote,
        ActionKind::ReferToMediation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Accept => "accept",
            ActionKind::Reject => "reject",
            ActionKind::Dispatch => "dispatch",
            ActionKind::Acknowledge => "acknowledge",
            ActionKind::Return => "return",
            ActionKind::RequestExtension => "request_extension",
            ActionKind::DecideExtension => "decide_extension",
            ActionKind::Supervise => "supervise",
            ActionKind::Report => "report",
            ActionKind::Verify => "verify",
            ActionKind::Close => "close",
            ActionKind::Rate => "rate",
            ActionKind::Merge => "merge",
            ActionKind::ContactRequester => "contact_requester",
            ActionKind::HandleOnSpot => "handle_on_spot",
            ActionKind::Urge => "urge",
            ActionKind::AddNote => "add_note",
            ActionKind::ReferToMediation => "refer_to_mediation",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The verb shown to users ("不能{label}").
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Accept => "立案",
            ActionKind::Reject => "不予立案",
            ActionKind::Dispatch => "派遣",
            ActionKind::Acknowledge => "签收",
            ActionKind::Return => "退单",
            ActionKind::RequestExtension => "申请延期",
            ActionKind::DecideExtension => "审批延期",
            ActionKind::Supervise => "督办",
            ActionKind::Report => "提交办理报告",
            ActionKind::Verify => "核查",
            ActionKind::Close => "结案",
            ActionKind::Rate => "评价",
            ActionKind::Merge => "合并",
            ActionKind::ContactRequester => "联系诉求人",
            ActionKind::HandleOnSpot => "就地解决",
            ActionKind::Urge => "催办",
            ActionKind::AddNote => "补充信息",
            ActionKind::ReferToMediation => "转调解",
        }
    }

    /// The statuses in which this action may be attempted at all (the first check of
    /// [`super::decide`]; role, unit and data checks follow).
    pub fn allowed_in(self, status: Status) -> bool {
        use Status::*;
        match self {
            ActionKind::Accept | ActionKind::HandleOnSpot => status == Received,
            ActionKind::Reject | ActionKind::Dispatch => matches!(status, Received | Accepted),
            ActionKind::Acknowledge
            | ActionKind::Return
            | ActionKind::RequestExtension
            | ActionKind::DecideExtension
            | ActionKind::Report => status.is_with_unit(),
            ActionKind::Supervise => status.is_open(),
            ActionKind::Verify => status == Handled,
            ActionKind::Close => status == Verified,
            // A merged case's requester rates too (once); see `decide`.
            ActionKind::Rate => matches!(status, Closed | Merged),
            ActionKind::Merge => matches!(status, Received | Accepted | Dispatched | Acknowledged),
            ActionKind::ContactRequester => matches!(status, Dispatched | Acknowledged | Handled),
            // 催办 reaches the lead unit: only while a unit holds the case.
            ActionKind::Urge => status.is_with_unit(),
            ActionKind::AddNote => status.is_open(),
            // Before a unit answered: once handled, the answer is the case's outcome.
            ActionKind::ReferToMediation => matches!(status, Received | Accepted | Dispatched | Acknowledged),
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::Reject { .. } => ActionKind::Reject,
            Action::Dispatch { .. } => ActionKind::Dispatch,
            Action::Acknowledge { .. } => ActionKind::Acknowledge,
            Action::Return { .. } => ActionKind::Return,
            Action::RequestExtension { .. } => ActionKind::RequestExtension,
            Action::DecideExtension { .. } => ActionKind::DecideExtension,
            Action::Supervise { .. } => ActionKind::Supervise,
            Action::Report { .. } => ActionKind::Report,
            Action::Verify { .. } => ActionKind::Verify,
            Action::Close => ActionKind::Close,
            Action::Rate { .. } => ActionKind::Rate,
            Action::Merge { .. } => ActionKind::Merge,
            Action::ContactRequester { .. } => ActionKind::ContactRequester,
            Action::HandleOnSpot { .. } => ActionKind::HandleOnSpot,
            Action::Urge { .. } => ActionKind::Urge,
            Action::AddNote { .. } => ActionKind::AddNote,
            Action::ReferToMediation { .. } => ActionKind::ReferToMediation,
        }
    }
}
