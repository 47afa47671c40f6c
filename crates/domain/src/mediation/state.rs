//! The state of one dispute that the rules read and write. The store keeps the code, status,
//! level, organisation, deadline and version as columns and the rest as JSON. Long texts
//! (session notes, follow-up notes) live in the events, not here.

use super::agreement::{AgreementForm, PerformanceTerm};
use super::code::DisputeCode;
use super::confirmation::Confirmation;
use super::kinds::{DisputeType, Level, Source};
use super::names::named_enum;
use super::org::OrgKind;
use super::status::Status;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The most parties a dispute may have.
pub const MAX_PARTIES: usize = 20;
/// The most mediators assigned at once.
pub const MAX_MEDIATORS: usize = 5;

named_enum! {
    /// How a consent (or a refusal) was given.
    ConsentForm {
        Written = "written", "书面";
        Oral = "oral", "口头";
        Online = "online", "线上确认";
    }
}

named_enum! {
    /// The routes a party is told of when mediation fails (人民调解法 art 26).
    Route {
        Arbitration = "arbitration", "仲裁";
        Administrative = "administrative", "行政途径";
        Litigation = "litigation", "诉讼";
    }
}

named_enum! {
    /// How an agreement's item was performed.
    PerformanceResult {
        Performed = "performed", "已履行";
        Partly = "partly", "部分履行";
        NotPerformed = "not_performed", "未履行";
    }
}

named_enum! {
    /// How a follow-up visit was made.
    VisitForm {
        InPerson = "in_person", "上门回访";
        Phone = "phone", "电话回访";
        Online = "online", "线上回访";
    }
}

/// A party's answer to mediation (人民调解法 art 17: 一方明确拒绝的，不得调解).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "consent", rename_all = "snake_case")]
pub enum Consent {
    Pending,
    Given { form: ConsentForm, at: DateTime<Utc> },
    Refused { form: ConsentForm, at: DateTime<Utc> },
}

/// A party to the dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// The party who applied (申请人); none for a dispute found by screening.
    pub applicant: bool,
    /// The resident record, when the party lives in the street.
    pub resident_id: Option<i64>,
    pub consent: Consent,
}

/// The organisation holding the dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRef {
    pub id: i64,
    pub kind: OrgKind,
    pub level: Level,
}

/// The latest risk assessment (风险研判).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// The risk level's code and name at the time.
    pub code: String,
    pub name: String,
    pub assessed_at: DateTime<Utc>,
    /// Respond by (assessment time + the level's response hours).
    pub respond_by: DateTime<Utc>,
}

/// The agreement reached and whether it took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementRecord {
    pub agreement: AgreementForm,
    pub recorded_at: DateTime<Utc>,
    /// The day it took effect: an oral one the day it was reached (art 30), a written one the
    /// day the signatures and seal were recorded (art 29).
    pub effective_on: Option<NaiveDate>,
    /// The signed scan's file reference.
    pub scan: Option<String>,
}

/// One performance item and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformanceItem {
    pub term: PerformanceTerm,
    pub result: Option<PerformanceResult>,
    pub recorded_on: Option<NaiveDate>,
}

/// Why mediation ended without agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub reason: String,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisputeState {
    pub code: DisputeCode,
    pub status: Status,
    pub dispute_type: DisputeType,
    pub source: Source,
    /// The 接诉即办 case it was referred from (source `case_referral`).
    pub referred_case_id: Option<i64>,
    /// The level handling it (raised by escalation and by risk assessment).
    pub level: Level,
    pub org: OrgRef,
    pub parties: Vec<Party>,
    /// The dispute in a few lines, as registered.
    pub summary: String,
    /// 争议金额, when money is in dispute (recorded at registration).
    #[serde(default)]
    pub amount: Option<super::amount::Amount>,
    /// Assigned mediators' ids (1–5 once assigned).
    pub mediators: Vec<i64>,
    /// The parties chose the mediators (art 19) rather than the organisation.
    pub chosen_by_parties: bool,
    pub risk: Option<RiskAssessment>,
    pub registered_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The end of the mediation limit (set at acceptance, moved by extensions).
    pub deadline: Option<DateTime<Utc>>,
    /// Calendar days the limit was extended by, in all.
    pub extension_days: u32,
    pub sessions: u32,
    pub last_session_on: Option<NaiveDate>,
    pub agreement: Option<AgreementRecord>,
    pub performance: Vec<PerformanceItem>,
    pub follow_ups: u32,
    /// 督办: how often, and when last.
    pub supervisions: u32,
    pub last_supervised_at: Option<DateTime<Utc>>,
    /// The latest art-25 report to the police and the street.
    pub violence_reported_at: Option<DateTime<Utc>>,
    pub failure: Option<Failure>,
    pub closed_at: Option<DateTime<Utc>>,
    /// 司法确认 (its own small machine: [`super::decide_confirmation`]).
    pub confirmation: Confirmation,
    /// Optimistic-concurrency version; every accepted decision adds one.
    pub version: i64,
}

impl DisputeState {
    /// The mediator with this id is assigned.
    pub fn is_assigned(&self, mediator_id: i64) -> bool {
        self.mediators.contains(&mediator_id)
    }

    /// Every party consented.
    pub fn all_consented(&self) -> bool {
        self.parties.iter().all(|p| matches!(p.consent, Consent::Given { .. }))
    }

    /// The agreement's effective day, if it took effect.
    pub fn effective_on(&self) -> Option<NaiveDate> {
        self.agreement.as_ref().and_then(|a| a.effective_on)
    }

    /// Past the mediation limit at `now` (only while accepted or mediating).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        matches!(self.status, Status::Accepted | Status::Mediating) && self.deadline.is_some_and(|d| now > d)
    }

    /// Past the risk level's response time at `now` (before any agreement).
    pub fn is_risk_response_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_before_agreement() && self.risk.as_ref().is_some_and(|r| now > r.respond_by)
    }

    /// The agreement's items not performed (or only partly) that are past their due date.
    pub fn overdue_items(&self, today: NaiveDate) -> Vec<usize> {
        self.performance
            .iter()
            .enumerate()
            .filter(|(_, p)| p.result != Some(PerformanceResult::Performed))
            .filter(|(_, p)| super::clock::performance_overdue(p.term.due, today))
            .map(|(i, _)| i)
            .collect()
    }
}
