//! Why a petition action was refused. Every message is shown to users as is.

use super::action::ActionKind;
use super::register::{Kind, Route};
use super::status::Status;
use crate::case::Unit;
use chrono::{Datelike, NaiveDate};

/// A date as people write it: 2026年3月9日.
pub fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("当前状态为“{}”，不能{}", .status.label(), .action.label())]
    NotAllowed { status: Status, action: ActionKind },
    #[error("“{actor}”无权{}", .action.label())]
    Forbidden { actor: &'static str, action: ActionKind },
    #[error("此件由{unit}办理，您不能以其名义操作")]
    NotYourUnit { unit: Unit },
    #[error("请填写{field}")]
    Required { field: &'static str },
    #[error("{field}不能超过{max}个字")]
    TooLong { field: &'static str, max: usize },
    #[error("{field}含有不可见的控制字符，请删除后重试")]
    BadCharacters { field: &'static str },
    #[error("提出异议的期限已于{}届满（收到之日起5个工作日内，《信访工作条例》第二十三条），请依法办理", zh_date(*.expired))]
    ObjectionExpired { expired: NaiveDate },
    #[error("本单位已就此次转送交办提出过异议")]
    AlreadyObjected,
    #[error("{unit}对此件的异议已核实同意，不能再转送交办给该单位")]
    Released { unit: Unit },
    #[error("只有申诉求决类事项才能{}（《信访工作条例》第{}条）", .action.label(), .article)]
    ClaimOnly { action: ActionKind, article: &'static str },
    #[error("申诉求决类事项应出具《信访处理意见书》（《信访工作条例》第三十二条），不能以答复办结")]
    OpinionRequired,
    #[error("办理期限只能延长一次（《信访工作条例》第三十四条）")]
    AlreadyExtended,
    #[error("延长期限应为1至{max}日（《信访工作条例》第三十四条）")]
    BadExtension { max: u32 },
    #[error("办理期限已于{}届满，不能再延长", zh_date(*.expired))]
    HandlingExpired { expired: NaiveDate },
    #[error("送达日期应在{}至{}之间", zh_date(*.earliest), zh_date(*.latest))]
    ServedOnOutOfRange { earliest: NaiveDate, latest: NaiveDate },
    #[error("请求复查的期限已于{}届满（自收到书面答复之日起30日内，《信访工作条例》第三十五条）", zh_date(*.expired))]
    ReviewExpired { expired: NaiveDate },
    #[error("请求复核的期限已于{}届满（自收到复查意见之日起30日内，《信访工作条例》第三十六条）", zh_date(*.expired))]
    RecheckExpired { expired: NaiveDate },
    #[error("信访人可在{}前（含当日）{what}，期限届满后才能办结", zh_date(*.until))]
    WindowOpen { what: &'static str, until: NaiveDate },
    #[error("本次复核已举行过听证")]
    HearingHeld,
    #[error("只有经过听证的复核意见才能向社会公示（《信访工作条例》第三十六条）")]
    PublishWithoutHearing,
    #[error("矛盾纠纷编号无效")]
    BadDisputeId,
    #[error("“出具信访处理意见书”不是法定途径，请受理后办理（《信访工作条例》第三十一条第六项）")]
    RouteNotStatutory,
    #[error("{}事项不能转入“{}”", .kind.label(), .route.label())]
    RouteMisfit { kind: Kind, route: Route },
}

/// The longest free text (note, reason, reply, body) an action may carry.
pub const MAX_NOTE_CHARS: usize = 4000;

/// A required text: not blank, not too long, no control characters.
pub(crate) fn required(field: &'static str, text: &str) -> Result<String, TransitionError> {
    match optional(field, text)? {
        t if t.is_empty() => Err(TransitionError::Required { field }),
        t => Ok(t),
    }
}

/// An optional text, trimmed: not too long, no control characters.
pub(crate) fn optional(field: &'static str, text: &str) -> Result<String, TransitionError> {
    use crate::kernel::text::{Lines, TextError, check};
    check(field, text, MAX_NOTE_CHARS, Lines::Many).map_err(|e| match e {
        TextError::TooLong { .. } => TransitionError::TooLong { field, max: MAX_NOTE_CHARS },
        TextError::Required { .. } => TransitionError::Required { field },
        TextError::Nul { .. } | TextError::Control { .. } => TransitionError::BadCharacters { field },
    })
}

/// The longest name of a 复查/复核 body.
pub const MAX_BODY_CHARS: usize = 100;

/// A body's name: required, one line, at most [`MAX_BODY_CHARS`] characters.
pub(crate) fn body_name(field: &'static str, text: &str) -> Result<String, TransitionError> {
    use crate::kernel::text::{Lines, TextError};
    crate::kernel::text::required(field, text, MAX_BODY_CHARS, Lines::One).map_err(|e| match e {
        TextError::TooLong { .. } => TransitionError::TooLong { field, max: MAX_BODY_CHARS },
        TextError::Required { .. } => TransitionError::Required { field },
        TextError::Nul { .. } | TextError::Control { .. } => TransitionError::BadCharacters { field },
    })
}
