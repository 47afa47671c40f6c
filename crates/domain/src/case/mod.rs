//! The pure rules of the 接诉即办 case loop (DESIGN §2.4): statuses and the state machine,
//! routing rules, the 三率 evaluation, tracking codes and the category tree.
//!
//! The store loads a case's [`CaseState`], calls [`decide`] with the actor and the action, and
//! saves the returned state, events and notices in one transaction, guarded by the version it
//! loaded (optimistic concurrency). Deadline arithmetic is in `crate::case::deadline`; a decision
//! only says whether the clock starts, extends or stops ([`ClockChange`]).

mod action;
mod category;
mod code;
pub mod contact;
pub mod deadline;
mod decision;
mod error;
mod evaluation;
pub mod follow;
mod machine;
mod merge;
pub mod photo;
mod routing;
mod state;
mod status;
mod unit;
mod urge;

#[cfg(test)]
mod tests;

pub use action::{Action, ActionKind, Actor};
pub use category::{CaseKind, Category, CategoryError, default_categories, validate_categories};
pub use code::{CODE_PREFIX, MAX_DAILY_SEQ, code_for, format_code, parse_code};
pub use decision::{ClockChange, Decision, Event, EventKind, Notice, Recipient, supervision_label};
pub use error::{MAX_TEXT_CHARS, TransitionError};
pub use evaluation::{EvaluationError, Rates, Response, UnitCounts, Weights, rank, rates, response_of};
pub use machine::{DISPATCH_ROLES, ON_SPOT_ROLES, SUPERVISOR_ROLES, VERIFIER_ROLES, decide};
pub use merge::{MergeTarget, check_merge};
pub use routing::{Candidate, RouteChoice, RoutingError, RoutingRule, RuleArea, route};
pub use state::{CaseState, ExtensionRequest, MAX_SUPERVISION_LEVEL, Participant, Rating};
pub use status::{Channel, Satisfaction, Status};
pub use unit::Unit;
pub use urge::{MAX_NOTE_PHOTOS, urge_day};
