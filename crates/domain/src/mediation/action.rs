//! Who acts on a dispute ([`Actor`]) and what they ask for ([`Action`]). Actions carry raw
//! input (texts as typed); [`super::decide`] checks it.

use super::agreement::AgreementDraftForm;
use super::kinds::Level;
use super::mediator::MediatorRef;
use super::names::named_enum;
use super::risk::RiskLevel;
use super::state::{ConsentForm, OrgRef, PerformanceResult, Route, VisitForm};
use super::status::Status;
use crate::kernel::access::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The one who performs an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A staff user; a mediator's account carries its mediator record's standing.
    Staff {
        role: Role,
        #[serde(default)]
        mediator: Option<MediatorRef>,
    },
    /// A party of the dispute (online), by its index in the dispute's parties.
    Party { index: u8 },
    /// A background job (overdue supervision, a lapsed 司法确认 window) or the online intake.
    System,
}

impl Actor {
    /// A short Chinese name for messages.
    pub fn label(&self) -> &'static str {
        match self {
            Actor::Staff { role, .. } => role.label(),
            Actor::Party { .. } => "当事人",
            Actor::System => "系统",
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::Staff { role, .. } => Some(*role),
            _ => None,
        }
    }

    pub fn has_role(&self, roles: &[Role]) -> bool {
        self.role().is_some_and(|r| roles.contains(&r))
    }
}

/// Where a session was held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionPlace {
    Offline { address: String },
    Online,
}

/// What an actor asks to do to a dispute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 受理 by the organisation holding the dispute: the one-month limit starts.
    Accept,
    /// A party's consent to mediation, or its clear refusal (art 17).
    RecordConsent { party: u8, consent: bool, form: ConsentForm, note: String },
    /// 指派调解员: 1–5 active mediators, assigned by the organisation or chosen by the
    /// parties (art 19). Replaces the current ones.
    AssignMediators { mediators: Vec<MediatorRef>, chosen_by_parties: bool },
    /// 调解记录 (art 27): when, where (or online), who attended, what happened.
    RecordSession { held_on: NaiveDate, place: SessionPlace, attendees: Vec<String>, notes: String },
    /// 达成协议: written (awaits signatures) or oral (effective today, art 30). A written one
    /// not yet signed may be replaced.
    RecordAgreement { agreement: AgreementDraftForm },
    /// The written agreement was signed by every party, by the mediator and sealed (art 29):
    /// it takes effect today. `scan` names the uploaded signed copy.
    SignAgreement { parties_signed: bool, mediator_signed: bool, sealed: bool, scan: Option<String> },
    /// 终止调解 (art 26): the reason, and the routes the parties were told of.
    Terminate { reason: String, routes: Vec<Route> },
    /// 履行情况 of one agreement item (art 31: the organisation supervises performance).
    RecordPerformance { item: u8, result: PerformanceResult, note: String },
    /// 回访.
    FollowUp { form: VisitForm, satisfied: bool, note: String },
    /// 结案 (案结事了): every item's performance recorded; if any was not fully performed, the
    /// parties were told they may sue (art 32).
    Close { routes_told: bool, note: String },
    /// 延长调解期限 by `days` calendar days, with every party's consent (`consents`: each
    /// party's index once).
    ExtendLimit { days: u32, consents: Vec<u8>, reason: String },
    /// 升级: a higher level takes charge; mediation goes on.
    Escalate { to: Level, reason: String },
    /// 分类流转: another organisation takes the dispute and must accept it.
    Transfer { to: OrgRef, reason: String },
    /// 风险研判 with a level from the configuration; a level escalating higher raises the
    /// dispute's level.
    AssessRisk { risk: RiskLevel, note: String },
    /// A risk of violence (激化, art 25): the police station and the street are told at once.
    ReportViolence { note: String },
    /// 督办.
    Supervise { note: String },
    /// 撤回 by the applicant (art 23: a party may end mediation).
    Withdraw { reason: String },
}

named_enum! {
    /// An [`Action`] without its data: for tables, permission checks and buttons.
    ActionKind {
        Accept = "accept", "受理";
        RecordConsent = "record_consent", "记录当事人意愿";
        AssignMediators = "assign_mediators", "指派调解员";
        RecordSession = "record_session", "记录调解";
        RecordAgreement = "record_agreement", "记录调解协议";
        SignAgreement = "sign_agreement", "确认协议签署";
        Terminate = "terminate", "终止调解";
        RecordPerformance = "record_performance", "记录履行情况";
        FollowUp = "follow_up", "回访";
        Close = "close", "结案";
        ExtendLimit = "extend_limit", "延长调解期限";
        Escalate = "escalate", "升级";
        Transfer = "transfer", "流转";
        AssessRisk = "assess_risk", "风险研判";
        ReportViolence = "report_violence", "报告激化风险";
        Supervise = "supervise", "督办";
        Withdraw = "withdraw", "撤回";
    }
}

impl ActionKind {
    /// The statuses in which this action may be attempted at all (the first check of
    /// [`super::decide`]; who acts and the data are checked after).
    pub fn allowed_in(self, status: Status) -> bool {
        use Status::*;
        match self {
            ActionKind::Accept => status == Registered,
            ActionKind::RecordConsent => matches!(status, Registered | Accepted),
            ActionKind::AssignMediators | ActionKind::RecordSession | ActionKind::ExtendLimit => {
                matches!(status, Accepted | Mediating)
            }
            ActionKind::RecordAgreement => matches!(status, Mediating | Agreed),
            ActionKind::SignAgreement => status == Agreed,
            ActionKind::Terminate => matches!(status, Accepted | Mediating | Agreed),
            ActionKind::RecordPerformance | ActionKind::FollowUp => matches!(status, Performing | FollowedUp),
            ActionKind::Close => status == FollowedUp,
            ActionKind::Escalate | ActionKind::Transfer | ActionKind::Withdraw => status.is_before_agreement(),
            ActionKind::AssessRisk | ActionKind::ReportViolence | ActionKind::Supervise => status.is_open(),
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::RecordConsent { .. } => ActionKind::RecordConsent,
            Action::AssignMediators { .. } => ActionKind::AssignMediators,
            Action::RecordSession { .. } => ActionKind::RecordSession,
            Action::RecordAgreement { .. } => ActionKind::RecordAgreement,
            Action::SignAgreement { .. } => ActionKind::SignAgreement,
            Action::Terminate { .. } => ActionKind::Terminate,
            Action::RecordPerformance { .. } => ActionKind::RecordPerformance,
            Action::FollowUp { .. } => ActionKind::FollowUp,
            Action::Close { .. } => ActionKind::Close,
            Action::ExtendLimit { .. } => ActionKind::ExtendLimit,
            Action::Escalate { .. } => ActionKind::Escalate,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::AssessRisk { .. } => ActionKind::AssessRisk,
            Action::ReportViolence { .. } => ActionKind::ReportViolence,
            Action::Supervise { .. } => ActionKind::Supervise,
            Action::Withdraw { .. } => ActionKind::Withdraw,
        }
    }
}
