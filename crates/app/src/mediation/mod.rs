//! 矛盾纠纷多元化解 / 人民调解 use-cases (issue 12). Every write loads what it needs, lets
//! `tongxin_domain::mediation` decide, and saves the decision in one transaction of
//! `store.mediation()` (state, events, outbox notices, audit record; version guarded):
//!
//! - [`register()`]: 调解登记 from a walk-in, an online application, grid screening, or a
//!   referral from a 接诉即办 case (the link is kept both ways; see [`register()`] for the case
//!   itself);
//! - [`refer_case()`]: 转调解 — a case becomes a dispute and closes as 已转调解, in one
//!   transaction;
//! - [`screenings`]: 网格排查, one record per grid and month;
//! - [`act()`] runs any [`Action`] through `decide`, [`confirm()`] any 司法确认 step through
//!   `decide_confirmation`; [`sign_with_scan()`] makes a written agreement effective with the
//!   signed paper's scan; [`report_violence()`] is the art-25 alert (the 派出所 and the
//!   street's 矛调中心, through the outbox);
//! - [`orgs`]: organisations, committee rosters, mediators and their removal (access ends at
//!   once: the domain's `standing`), risk levels;
//! - [`room`]: the online room (在线调解室) — messages, 背靠背 lines, the draft agreement and the
//!   parties' confirmations, invitations and SMS codes, and the hub waking live feeds;
//! - [`stats`]: the leaders' figures, the 矛调中心's daily list (reads composed from the
//!   store's tallies and the domain's definitions);
//! - [`run_timers()`]: the job step — the one-month limit's warnings, overdue marks and
//!   automatic 督办, and lapsing missed 司法确认 windows.
//!
//! Reads go straight to `store.mediation()` with a [`Viewer`] ([`Who::viewer`]).

mod act;
mod notices;
pub mod online;
pub mod orgs;
mod referral;
mod register;
pub mod room;
pub mod screenings;
pub mod stats;
mod timers;

pub use act::{Signatures, act, confirm, report_violence, sign_with_scan};
pub use notices::{notices_for, timers_for, unit_of};
pub use referral::{CaseReferral, Referred, default_org, refer_case};
pub use register::{Assignment, PartyForm, Registered, Registration, register, register_and_assign};
pub use timers::{AUTO_SUPERVISION_NOTE, MediationTimerReport, run_timers};

use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::mediation::mediator::MediatorRef;
use tongxin_domain::mediation::{Action, Actor, DisputeState, MediationError};
use tongxin_store::accounts::User;
use tongxin_store::mediation::Viewer;
use tongxin_store::{Store, StoreError};

/// Why a mediation use-case refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DisputeError {
    /// The input breaks a rule; `field` is the form or JSON field to show it on.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// The domain refused the action (a Chinese message citing its article where there is one).
    #[error("{0}")]
    Rule(#[from] MediationError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl DisputeError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> DisputeError {
        DisputeError::Invalid { field, message: message.into() }
    }
}

/// Who uses a mediation use-case.
#[derive(Debug, Clone)]
pub enum Who {
    /// A staff account (a mediator's account acts with its mediator record's standing).
    Staff(User),
    /// A party online, known by their (verified) phone number.
    Party(Phone),
    /// A background job.
    System,
}

impl Who {
    /// Whom the store lets read what.
    pub fn viewer(&self) -> Viewer {
        match self {
            Who::Staff(user) => Viewer::of_user(user),
            Who::Party(phone) => Viewer::Party(phone.clone()),
            Who::System => Viewer::System,
        }
    }

    /// Who the audit log and the events name.
    pub fn store_actor(&self) -> tongxin_store::Actor {
        match self {
            Who::Staff(user) => tongxin_store::Actor { user_id: Some(user.id), name: user.username.clone() },
            Who::Party(_) => tongxin_store::Actor { user_id: None, name: "当事人".into() },
            Who::System => tongxin_store::Actor::system("mediation"),
        }
    }

    pub(crate) fn user(&self) -> Option<&User> {
        match self {
            Who::Staff(user) => Some(user),
            _ => None,
        }
    }
}

/// Today in Shanghai by the store's clock.
pub(crate) fn today(store: &Store) -> chrono::NaiveDate {
    tongxin_domain::case::deadline::shanghai_date(store.now())
}

/// The working calendar the admin keeps (the built-in one if none is stored): the 司法确认
/// periods run on it.
pub async fn calendar(store: &Store) -> Result<WorkingCalendar, StoreError> {
    Ok(match store.settings().get(crate::cases::config::CALENDAR_KEY).await? {
        Some(text) => WorkingCalendar::parse(&text).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored working calendar is invalid; using the built-in one");
            WorkingCalendar::builtin()
        }),
        None => WorkingCalendar::builtin(),
    })
}

/// The standing of the mediator record a staff account acts with on `state` (none to register):
/// the record assigned to the dispute, else one of its organisation, else any — each as the
/// domain's `standing` today, so a removed mediator or one outside their term may not act. A
/// mediator's account always acts as its record (a removed one is refused); another role only
/// carries a record that may act, so a removed mediator who is also a community worker keeps
/// that work.
pub(crate) async fn mediator_standing(
    store: &Store,
    user: &User,
    state: Option<&DisputeState>,
) -> Result<Option<MediatorRef>, StoreError> {
    let today = today(store);
    let records = store.mediation().mediators_of_user(user.id).await?;
    let refs: Vec<(MediatorRef, i64)> =
        records.iter().map(|r| (r.mediator.standing(today), r.mediator.org_id)).collect();
    let pick = state
        .and_then(|s| {
            refs.iter()
                .find(|(m, _)| s.is_assigned(m.id) && m.active)
                .or_else(|| refs.iter().find(|(m, org)| *org == s.org.id && m.active))
        })
        .or_else(|| refs.iter().find(|(m, _)| m.active))
        .or_else(|| refs.first())
        .map(|(m, _)| *m);
    Ok(match pick {
        Some(m) if m.active || user.role == Role::Mediator => Some(m),
        _ => None,
    })
}

/// The domain's actor for `who` on `state` (`None`: registration): what a page asks the rules
/// with to offer only the steps they would allow.
pub async fn domain_actor(
    store: &Store,
    who: &Who,
    dispute_id: i64,
    state: Option<&DisputeState>,
) -> Result<Actor, DisputeError> {
    Ok(match who {
        Who::Staff(user) => Actor::Staff { role: user.role, mediator: mediator_standing(store, user, state).await? },
        Who::Party(phone) => match store.mediation().party_index(dispute_id, phone).await? {
            Some(index) => Actor::Party { index },
            None => return Err(StoreError::NotFound.into()),
        },
        Who::System => Actor::System,
    })
}

/// The audit action of a dispute action (`dispute.accept` …).
pub(crate) fn audit_action(action: &Action) -> String {
    format!("dispute.{}", action.kind().as_str())
}
