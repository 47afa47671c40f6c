//! Why a case action was refused. Every message is shown to users as is.

use super::action::ActionKind;
use super::state::MAX_SUPERVISION_LEVEL;
use super::status::Status;
use super::unit::Unit;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("当前状态为“{}”，不能{}", .status.label(), .action.label())]
    NotAllowed { status: Status, action: ActionKind },
    #[error("“{actor}”无权{}", .action.label())]
    Forbidden { actor: &'static str, action: ActionKind },
    #[error("您不属于{unit}，不能以其名义操作")]
    NotYourUnit { unit: Unit },
    #[error("请以所属单位的身份{}", .action.label())]
    NoUnit { action: ActionKind },
    #[error("{unit}不是此件的办理单位")]
    NotParticipant { unit: Unit },
    #[error("{unit}已签收，无需重复签收")]
    AlreadyAcknowledged { unit: Unit },
    #[error("{unit}尚未签收，不能提交办理报告")]
    NotAcknowledged { unit: Unit },
    #[error("{unit}已提交过办理报告")]
    AlreadyReported { unit: Unit },
    #[error("该部门已退回过此件，不能再次退单（需指挥中心改派）")]
    ReturnedTwice { unit: Unit },
    #[error("只有指挥中心才能改派")]
    OverrideNotAllowed,
    #[error("只有牵头单位才能{}", .action.label())]
    LeadOnly { action: ActionKind },
    #[error("牵头单位不能同时作为协办单位")]
    LeadAmongAssisting,
    #[error("协办单位{unit}重复")]
    DuplicateAssisting { unit: Unit },
    #[error("自动派单只能由系统执行")]
    AutoDispatchBySystemOnly,
    #[error("已有延期申请待审批")]
    ExtensionPending,
    #[error("没有待审批的延期申请")]
    NoExtensionPending,
    #[error("延期时长必须大于零")]
    ZeroExtension,
    #[error("此件尚未超期，不能自动督办")]
    NotOverdue,
    #[error("督办已达最高级别（{}级）", MAX_SUPERVISION_LEVEL)]
    SupervisionMaxed,
    #[error("办理单位不能核查本单位办理的诉求")]
    SelfVerification,
    #[error("只有网格巡查发现的问题才能就地解决")]
    NotPatrol,
    #[error("此件已评价")]
    AlreadyRated,
    #[error("合并目标诉求编号无效")]
    InvalidMergeTarget,
    #[error("不能合并到自身")]
    MergeIntoSelf,
    #[error("要合并到的诉求已并入本件，不能互相合并")]
    MergeCycle,
    #[error("要合并到的诉求已合并到其他诉求，请合并到其主件")]
    MergeTargetMerged,
    #[error("要合并到的诉求当前状态为“{}”，不能作为合并目标", .status.label())]
    MergeTargetFinished { status: Status },
    #[error("请填写{field}")]
    Required { field: &'static str },
    #[error("{field}不能超过{max}个字")]
    TooLong { field: &'static str, max: usize },
    /// NUL or another control character (issue 9, item 13).
    #[error("{field}含有不可见的控制字符，请删除后重试")]
    BadCharacters { field: &'static str },
    #[error("已经催办过了：每个工作日只能催办一次（周末和节假日算作下一个工作日），承办单位已收到您的催办")]
    AlreadyUrged,
    #[error("请填写补充内容或选择照片")]
    EmptyNote,
    #[error("一次最多补充{max}张照片")]
    TooManyPhotos { max: usize },
    #[error("延期时长不能超过{max}")]
    ExtensionTooLong { max: crate::case::deadline::TimeLimit },
}

/// The longest free text (reason, reply, note, comment) an action may carry.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A required text: not blank, not too long.
pub(crate) fn required(field: &'static str, text: &str) -> Result<(), TransitionError> {
    if text.trim().is_empty() {
        return Err(TransitionError::Required { field });
    }
    optional(field, text)
}

/// An optional text: not too long.
pub(crate) fn optional(field: &'static str, text: &str) -> Result<(), TransitionError> {
    use crate::kernel::text::{Lines, TextError, check};
    match check(field, text, MAX_TEXT_CHARS, Lines::Many) {
        Ok(_) | Err(TextError::Required { .. }) => Ok(()),
        Err(TextError::TooLong { .. }) => Err(TransitionError::TooLong { field, max: MAX_TEXT_CHARS }),
        Err(TextError::Nul { .. } | TextError::Control { .. }) => Err(TransitionError::BadCharacters { field }),
    }
}
