//! 信访 use-cases (issue 12, 《信访工作条例》2022). Every write loads what it needs, lets
//! `tongxin_domain::petition` decide, and saves the decision in one transaction of
//! `store.petitions()` (state, events, outbox notices, audit record; version guarded):
//!
//! - [`register()`]: 登记 from every channel (网络, 书信, 电话, 传真, 走访 with at most five
//!   representatives), after the duplicate rule: a new matter is registered; the same matter
//!   still open is linked to its petition (art 19: an event on it, no new petition); the same
//!   matter after 复核 is refused (art 36);
//! - [`escalate_case()`]: a 接诉即办 case becomes a petition, the link kept both ways;
//! - [`act()`] runs any [`Action`] through `decide`; [`mediate()`] resolves a petition by the
//!   mediation of an existing dispute (art 33);
//! - [`run_timers()`]: the job step — warn and mark overdue from the domain's `clocks`, and
//!   conclude the petitions whose 复查/复核 window lapsed.
//!
//! Reads go straight to `store.petitions()` with the reader's scope ([`Who::scope`]).

mod act;
mod notices;
mod register;
mod timers;

pub use act::{act, mediate};
pub use notices::{notices_for, timers_for};
pub use register::{PersonForm, Registered, RegistrationForm, escalate_case, identity_index, register};
pub use timers::{PetitionTimerReport, run_timers};

use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::petition::{Action, Actor, RegisterError, TransitionError};
use tongxin_store::StoreError;
use tongxin_store::accounts::User;
use tongxin_store::petitions::PetitionView;

/// Why a petition use-case refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PetitionError {
    /// The input breaks a rule; `field` is the form or JSON field to show it on.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// The same matter went through 复核: not accepted (art 36). The message says so.
    #[error("{message}")]
    Refused { by: i64, message: String },
    /// The domain refused the action (a Chinese message citing its article where there is one).
    #[error("{0}")]
    Rule(#[from] TransitionError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl PetitionError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> PetitionError {
        PetitionError::Invalid { field, message: message.into() }
    }

    pub(crate) fn register(field: &'static str, e: RegisterError) -> PetitionError {
        PetitionError::invalid(field, e.to_string())
    }
}

/// Who uses a petition use-case.
#[derive(Debug, Clone)]
pub enum Who {
    /// A staff account: the office (信访部门: the street's dispatchers), a unit's staff, leaders.
    Staff(User),
    /// A background job.
    System,
}

impl Who {
    /// Whose petitions it may read.
    pub fn scope(&self) -> Scope {
        match self {
            Who::Staff(user) => user.scope.clone(),
            Who::System => Scope::All,
        }
    }

    /// Who the audit log and the events name.
    pub fn store_actor(&self) -> tongxin_store::Actor {
        match self {
            Who::Staff(user) => tongxin_store::Actor { user_id: Some(user.id), name: user.username.clone() },
            Who::System => tongxin_store::Actor::system("petitions"),
        }
    }

    pub(crate) fn user(&self) -> Option<&User> {
        match self {
            Who::Staff(user) => Some(user),
            Who::System => None,
        }
    }
}

/// The unit a staff account acts for on a petition: its department, or the grid team holding
/// it when the account works in that grid (grid and community workers); none for the office,
/// leaders and others — the domain then judges them by their role.
pub fn unit_of(user: &User, p: &PetitionView) -> Option<Unit> {
    match (&user.scope, user.role) {
        (Scope::Department { id, .. }, _) => Some(Unit::Department(*id)),
        (Scope::Region { code }, Role::GridWorker | Role::CommunityWorker) => match &p.holder {
            Some(Unit::GridTeam(g)) if g.starts_with(code.as_str()) => Some(Unit::GridTeam(g.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// The domain's actor for `who` on `p`.
pub(crate) fn domain_actor(who: &Who, p: &PetitionView) -> Actor {
    match who {
        Who::Staff(user) => Actor::Staff { role: user.role, unit: unit_of(user, p) },
        Who::System => Actor::System,
    }
}

/// The audit action of a petition action (`petition.transfer` …).
pub(crate) fn audit_action(action: &Action) -> String {
    format!("petition.{}", action.kind().as_str())
}
