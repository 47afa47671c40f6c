//! The clocks of a petition, exactly as 《信访工作条例》 sets them:
//!
//! | clock                 | whose     | length                | from                           | met by            | article |
//! |-----------------------|-----------|-----------------------|--------------------------------|-------------------|---------|
//! | 书面告知              | office    | 15 日                 | receipt (registration)         | 告知              | 22, 23  |
//! | 异议期                | unit      | 5 个工作日            | the unit's receipt (transfer)  | 异议 (window)     | 23      |
//! | 承办单位告知          | unit      | 15 日                 | the unit's receipt (transfer)  | 受理 / 转入法定途径 | 23    |
//! | 办理期限              | handler   | 60 日 (+ ≤ 30 日 once) | 受理 (申诉求决类 only)          | 意见书 / 调解 / 转入 | 34   |
//! | 复查申请期            | petitioner| 30 日                 | receipt of the written opinion | 请求复查 (window) | 35      |
//! | 复查答复              | 复查 body | 30 日                 | the 复查 request               | 复查意见          | 35      |
//! | 复核申请期            | petitioner| 30 日                 | receipt of the 复查 opinion    | 请求复核 (window) | 36      |
//! | 复核答复              | 复核 body | 30 日 (听证 not counted) | the 复核 request            | 复核意见          | 36      |
//!
//! Counting: 日 are calendar days, 工作日 working days on the [`WorkingCalendar`]. The day a
//! period starts is not counted (民法典 art 201); the period ends with its last day, 24:00
//! Shanghai time. So "15 日 from 3 March" ends on 18 March; "5 个工作日 from a Friday" ends
//! on the fifth working day after it, weekends and holidays not counted. A 听证 stops the
//! 复核 clock: each calendar day it runs on (from the day it starts to the day it ends, both
//! counted) moves the end one day later — unless the 30 days had already run out before it
//! began, when there was nothing left to stop.
//!
//! Each clock warns [`WARN_DAYS`] days (the objection window [`WARN_WORKING_DAYS`] working day)
//! before its last day. A duty not done by its last day is overdue; a window not used by its
//! last day has lapsed (shown as missed). Done by the last day is met, later is missed.

use super::register::Kind;
use super::state::{Appeal, PetitionState};
use super::status::Status;
use crate::case::deadline::{end_of_shanghai_day, latest_deadline, shanghai_date};
use crate::kernel::calendar::WorkingCalendar;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// 15 日 to tell the petitioner (arts 22–23).
pub const NOTICE_DAYS: u32 = 15;
/// 5 个工作日 for a unit to object to a transfer (art 23).
pub const OBJECTION_WORKING_DAYS: u32 = 5;
/// 60 日 to handle an art 31(6) matter from 受理 (art 34) …
pub const HANDLING_DAYS: u32 = 60;
/// … extended once by at most 30 日 (art 34).
pub const MAX_EXTENSION_DAYS: u32 = 30;
/// 30 日 to ask for 复查 or 复核, and 30 日 to answer it (arts 35–36).
pub const APPEAL_DAYS: u32 = 30;
/// Warn this many calendar days before the last day …
pub const WARN_DAYS: u32 = 3;
/// … or, for the objection window, this many working days.
pub const WARN_WORKING_DAYS: u32 = 1;

/// A length of time as the regulation states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// 日: calendar days.
    Days(u32),
    /// 工作日.
    WorkingDays(u32),
}

impl Span {
    /// The last day of the span started on `start` (which is not counted): `start` + n calendar
    /// days, or the n-th working day after `start`. Saturates at chrono's last date.
    pub fn due_on(self, start: NaiveDate, cal: &WorkingCalendar) -> NaiveDate {
        match self {
            Span::Days(n) => start.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX),
            Span::WorkingDays(n) => cal.add_working_days(start, n),
        }
    }

    /// The first day of the warning period before `due_on`, never before `start`.
    fn warn_on(self, start: NaiveDate, due_on: NaiveDate, cal: &WorkingCalendar) -> NaiveDate {
        match self {
            Span::Days(_) => due_on.checked_sub_days(Days::new(u64::from(WARN_DAYS))).unwrap_or(start).max(start),
            Span::WorkingDays(n) => cal.add_working_days(start, n.saturating_sub(WARN_WORKING_DAYS)),
        }
    }

    /// In Chinese: “15日”, “5个工作日”.
    pub fn label(self) -> String {
        match self {
            Span::Days(n) => format!("{n}日"),
            Span::WorkingDays(n) => format!("{n}个工作日"),
        }
    }
}

/// Which clock (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Notice,
    Objection,
    UnitNotice,
    Handling,
    ReviewRequest,
    ReviewAnswer,
    RecheckRequest,
    RecheckAnswer,
}

impl ClockKind {
    pub const ALL: [ClockKind; 8] = [
        ClockKind::Notice,
        ClockKind::Objection,
        ClockKind::UnitNotice,
        ClockKind::Handling,
        ClockKind::ReviewRequest,
        ClockKind::ReviewAnswer,
        ClockKind::RecheckRequest,
        ClockKind::RecheckAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::Notice => "notice",
            ClockKind::Objection => "objection",
            ClockKind::UnitNotice => "unit_notice",
            ClockKind::Handling => "handling",
            ClockKind::ReviewRequest => "review_request",
            ClockKind::ReviewAnswer => "review_answer",
            ClockKind::RecheckRequest => "recheck_request",
            ClockKind::RecheckAnswer => "recheck_answer",
        }
    }

    pub fn parse(s: &str) -> Option<ClockKind> {
        ClockKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClockKind::Notice => "书面告知",
            ClockKind::Objection => "异议期",
            ClockKind::UnitNotice => "承办单位告知",
            ClockKind::Handling => "办理期限",
            ClockKind::ReviewRequest => "复查申请期",
            ClockKind::ReviewAnswer => "复查答复",
            ClockKind::RecheckRequest => "复核申请期",
            ClockKind::RecheckAnswer => "复核答复",
        }
    }

    /// The article of 《信访工作条例》 that sets it.
    pub fn article(self) -> &'static str {
        match self {
            ClockKind::Notice => "第二十二条、第二十三条",
            ClockKind::Objection | ClockKind::UnitNotice => "第二十三条",
            ClockKind::Handling => "第三十四条",
            ClockKind::ReviewRequest | ClockKind::ReviewAnswer => "第三十五条",
            ClockKind::RecheckRequest | ClockKind::RecheckAnswer => "第三十六条",
        }
    }

    /// Its length before any extension or hearing.
    pub fn span(self) -> Span {
        match self {
            ClockKind::Notice | ClockKind::UnitNotice => Span::Days(NOTICE_DAYS),
            ClockKind::Objection => Span::WorkingDays(OBJECTION_WORKING_DAYS),
            ClockKind::Handling => Span::Days(HANDLING_DAYS),
            ClockKind::ReviewRequest
            | ClockKind::ReviewAnswer
            | ClockKind::RecheckRequest
            | ClockKind::RecheckAnswer => Span::Days(APPEAL_DAYS),
        }
    }

    /// A right to act by a date (the unit's objection, the petitioner's 复查/复核 request) rather
    /// than a duty: unused by its last day it lapses instead of going overdue.
    pub fn is_window(self) -> bool {
        matches!(self, ClockKind::Objection | ClockKind::ReviewRequest | ClockKind::RecheckRequest)
    }
}

/// Where a clock stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    /// In its warning period.
    Warned,
    /// Stopped by a 听证 (复核 only); the last day shown is where it would be if the hearing
    /// ended today.
    Paused,
    /// A duty past its last day and not done.
    Overdue,
    /// Done by its last day.
    Met,
    /// Done after its last day, or a window that lapsed unused.
    Missed,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Warned => "warned",
            ClockState::Paused => "paused",
            ClockState::Overdue => "overdue",
            ClockState::Met => "met",
            ClockState::Missed => "missed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClockState::Running => "计时中",
            ClockState::Warned => "即将到期",
            ClockState::Paused => "听证暂停计时",
            ClockState::Overdue => "已超期",
            ClockState::Met => "按期完成",
            ClockState::Missed => "逾期",
        }
    }

    /// Still counting (not met or missed).
    pub fn is_pending(self) -> bool {
        matches!(self, ClockState::Running | ClockState::Warned | ClockState::Paused | ClockState::Overdue)
    }
}

/// One clock of a petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub kind: ClockKind,
    /// The day it started (not counted).
    pub started_on: NaiveDate,
    /// Days added to its length: the extension (办理期限) or the hearing days (复核答复).
    pub extra_days: u32,
    /// The first day of the warning period.
    pub warn_on: NaiveDate,
    /// Its last day.
    pub due_on: NaiveDate,
    /// The end of its last day (24:00 Shanghai time, as 23:59:59), in UTC.
    pub due: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub state: ClockState,
}

impl Clock {
    /// For the overdue list and the leader view: warned or overdue.
    pub fn needs_attention(&self) -> bool {
        matches!(self.state, ClockState::Warned | ClockState::Overdue)
    }
}

/// The clocks of a petition at `now`: every clock its history has started, with its last day
/// and state, in the order of the module table. A clock the petition left behind before its
/// last day without needing it (say, withdrawn before the unit objected) is not listed.
pub fn clocks(s: &PetitionState, now: DateTime<Utc>, cal: &WorkingCalendar) -> Vec<Clock> {
    let today = shanghai_date(now);
    let closed = s.closed_at;
    let closed_as = |statuses: &[Status]| closed.filter(|_| statuses.contains(&s.status));
    let mut out = Vec::new();
    let mut add = |kind, started_on, extra, paused, done, ended| {
        out.extend(clock(kind, started_on, extra, paused, done, ended, today, cal));
    };
    let day = shanghai_date;
    add(ClockKind::Notice, day(s.registered_at), 0, false, s.notified_at, closed);
    if let Some(t) = &s.transfer {
        let objected = t.objection.as_ref().map(|o| o.at);
        add(ClockKind::Objection, day(t.at), 0, false, objected, s.accepted_at.or(closed));
        let told = s.accepted_at.or(closed_as(&[Status::Routed]));
        add(ClockKind::UnitNotice, day(t.at), 0, false, told, closed);
    }
    if let (Kind::Claim, Some(accepted)) = (s.kind, s.accepted_at) {
        let extra = s.extension.as_ref().map_or(0, |e| e.days);
        let done = s.opinion.as_ref().map(|o| o.issued_at).or(closed_as(&[Status::Mediated, Status::Routed]));
        add(ClockKind::Handling, day(accepted), extra, false, done, closed);
    }
    if let Some(opinion) = &s.opinion {
        let asked = s.review.as_ref().map(|r| r.requested_at);
        add(ClockKind::ReviewRequest, opinion.served_on, 0, false, asked, closed);
    }
    if let Some(review) = &s.review {
        let answered = review.answer.as_ref().map(|a| a.issued_at);
        add(ClockKind::ReviewAnswer, day(review.requested_at), 0, false, answered, closed);
        if let Some(answer) = &review.answer {
            let asked = s.recheck.as_ref().map(|r| r.requested_at);
            add(ClockKind::RecheckRequest, answer.served_on, 0, false, asked, closed);
        }
    }
    if let Some(recheck) = &s.recheck {
        let started_on = day(recheck.requested_at);
        let (extra, paused) = hearing_days(recheck, started_on, today, cal);
        let answered = recheck.answer.as_ref().map(|a| a.issued_at);
        add(ClockKind::RecheckAnswer, started_on, extra, paused, answered, closed);
    }
    out.sort_by_key(|c| ClockKind::ALL.iter().position(|k| *k == c.kind));
    out
}

/// The pending duty (not a window) that ends first, if any: a column for the overdue list.
pub fn earliest_pending(clocks: &[Clock]) -> Option<&Clock> {
    clocks.iter().filter(|c| c.state.is_pending() && !c.kind.is_window()).min_by_key(|c| c.due_on)
}

/// The days a 复核's hearing adds to its 30 days, and whether it is still running (then the
/// days so far, counting today). Days before the request's next day are not counted anyway; a
/// hearing begun after the 30 days ran out adds nothing.
fn hearing_days(recheck: &Appeal, started_on: NaiveDate, today: NaiveDate, cal: &WorkingCalendar) -> (u32, bool) {
    let Some(h) = &recheck.hearing else {
        return (0, false);
    };
    let base_due = ClockKind::RecheckAnswer.span().due_on(started_on, cal);
    let first = shanghai_date(h.started_at).max(started_on.succ_opt().unwrap_or(NaiveDate::MAX));
    if first > base_due {
        return (0, false);
    }
    let (last, running) = match h.ended_at {
        Some(end) => (shanghai_date(end), false),
        None => (today, true),
    };
    let days = (last - first).num_days().saturating_add(1).clamp(0, i64::from(u32::MAX));
    (u32::try_from(days).unwrap_or(u32::MAX), running && recheck.answer.is_none())
}

/// One clock, or `None` when the petition left it behind before its last day without it.
#[allow(clippy::too_many_arguments)]
fn clock(
    kind: ClockKind,
    started_on: NaiveDate,
    extra_days: u32,
    paused: bool,
    done_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Option<Clock> {
    let span = match kind.span() {
        Span::Days(n) => Span::Days(n.saturating_add(extra_days)),
        other => other,
    };
    let due_on = span.due_on(started_on, cal);
    let warn_on = span.warn_on(started_on, due_on, cal);
    let in_time = |t: DateTime<Utc>| shanghai_date(t) <= due_on;
    let state = match (done_at, ended_at) {
        (Some(t), _) if in_time(t) => ClockState::Met,
        (Some(_), _) => ClockState::Missed,
        (None, Some(t)) if in_time(t) => return None,
        (None, Some(_)) => ClockState::Missed,
        (None, None) if paused => ClockState::Paused,
        (None, None) if today > due_on && kind.is_window() => ClockState::Missed,
        (None, None) if today > due_on => ClockState::Overdue,
        (None, None) if today >= warn_on => ClockState::Warned,
        (None, None) => ClockState::Running,
    };
    Some(Clock { kind, started_on, extra_days, warn_on, due_on, due: end_of_day(due_on), done_at, state })
}

/// 23:59:59 Shanghai time on `date`, saturating at the latest instant the case deadlines use.
fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    if date >= latest_deadline().date_naive() { latest_deadline() } else { end_of_shanghai_day(date) }
}
