//! Why a dispute action was refused. Every message is shown to users as is.

use super::action::ActionKind;
use super::agreement::AgreementError;
use super::clock::{MAX_EXTENSION_DAYS, MAX_TOTAL_EXTENSION_DAYS};
use super::confirmation::{ConfirmationActionKind, ConfirmationStatus};
use super::kinds::Level;
use super::risk::RiskLevelError;
use super::state::{MAX_MEDIATORS, MAX_PARTIES};
use super::status::Status;
use crate::kernel::text::TextError;
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediationError {
    #[error("当前状态为“{}”，不能{}", .status.label(), .action.label())]
    NotAllowed { status: Status, action: ActionKind },
    #[error("司法确认当前为“{}”，不能{}", .status.label(), .action.label())]
    ConfirmationNotAllowed { status: ConfirmationStatus, action: ConfirmationActionKind },
    #[error("“{actor}”无权{action}")]
    Forbidden { actor: &'static str, action: &'static str },
    #[error("您的调解员资格已被罢免、解聘或不在任期内，不能从事调解工作（人民调解法第十五条）")]
    MediatorInactive,
    #[error("只有本纠纷指派的调解员才能{0}")]
    NotAssigned(&'static str),
    #[error("当事人应为2至{MAX_PARTIES}方（现有{0}方）")]
    PartyCount(usize),
    #[error("第{0}方当事人不存在")]
    UnknownParty(u8),
    #[error("当事人“{0}”已表明是否同意调解")]
    AlreadyAnswered(String),
    #[error("以下当事人尚未同意调解：{0}（人民调解法第十七条）")]
    ConsentMissing(String),
    #[error("诉求转调解须注明原诉求编号")]
    NoReferredCase,
    #[error("只有诉求转调解才注明原诉求编号")]
    UnexpectedReferredCase,
    #[error("尚未指派调解员")]
    NoMediator,
    #[error("调解员应为1至{MAX_MEDIATORS}名")]
    MediatorCount,
    #[error("调解员（编号{0}）重复")]
    DuplicateMediator(i64),
    #[error("调解员（编号{0}）已被罢免、解聘或不在任期内，不能指派（人民调解法第十五条）")]
    MediatorNotActive(i64),
    #[error("{0}不能晚于今天")]
    DateInFuture(&'static str),
    #[error("{field}不能早于{earlier}（{date}）")]
    DateTooEarly { field: &'static str, earlier: &'static str, date: NaiveDate },
    #[error("请填写参加人员（1至{max}人）")]
    Attendees { max: usize },
    #[error("调解协议所列当事人应与纠纷当事人一致：{0}")]
    AgreementParties(String),
    #[error("协议尚未生效：还需{0}（人民调解法第二十九条）")]
    NotSigned(String),
    #[error("请选择已告知当事人的途径：仲裁、行政途径或诉讼（人民调解法第二十六条）")]
    NoRoutes,
    #[error("途径“{}”重复", .0.label())]
    DuplicateRoute(super::state::Route),
    #[error("协议中没有第{0}项履行内容")]
    UnknownItem(u8),
    #[error("尚有履行内容未记录履行情况：第{0}项")]
    PerformancePending(String),
    #[error("有未完全履行的协议内容，结案前须告知当事人可以向人民法院提起诉讼（人民调解法第三十二条）")]
    RoutesNotTold,
    #[error("延长天数应为1至{MAX_EXTENSION_DAYS}天")]
    ExtensionDays,
    #[error("调解期限累计延长不能超过{MAX_TOTAL_EXTENSION_DAYS}天")]
    ExtensionTotal,
    #[error("延长调解期限须经各方当事人同意：{0}尚未同意")]
    ExtensionConsent(String),
    #[error("只能升级到比“{}”更高的层级", .0.label())]
    NotHigher(Level),
    #[error("纠纷已在该调解组织，无需流转")]
    SameOrg,
    #[error("此纠纷尚未超期，不能自动督办")]
    NotOverdue,
    #[error("只有申请人才能撤回")]
    NotApplicant,
    #[error("调解协议尚未生效，不能申请司法确认")]
    AgreementNotEffective,
    #[error("司法确认须由各方当事人共同申请（人民调解法第三十三条）：{0}未列为申请人")]
    NotJoint(String),
    #[error("已超过申请期限：应自调解协议生效之日起三十日内申请，截至{0}（人民调解法第三十三条）")]
    WindowMissed(NaiveDate),
    #[error("申请期限至{0}，尚未届满")]
    WindowOpen(NaiveDate),
    #[error("审查期限只能延长一次（法释〔2011〕5号第五条）")]
    RulingExtendedTwice,
    #[error("审查期限延长须在原期限（{0}）届满前经院长批准")]
    ExtensionTooLate(NaiveDate),
    #[error(transparent)]
    Agreement(#[from] AgreementError),
    #[error(transparent)]
    Risk(#[from] RiskLevelError),
    #[error(transparent)]
    Text(#[from] TextError),
}
