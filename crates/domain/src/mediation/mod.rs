//! 矛盾纠纷多元化解 / 人民调解 (DESIGN §2.5; rules with articles in DOMAIN-RULES §1): the pure
//! rules of a dispute from registration to 案结事了.
//!
//! - [`org`], [`mediator`]: mediation organisations, the 人民调解委员会 composition check
//!   (人民调解法 arts 8–9), mediators' qualification and removal (arts 13–15);
//! - [`kinds`], [`risk`], [`amount`]: dispute types, sources, levels; configurable risk levels
//!   (红橙黄绿); the amount in dispute;
//! - the state machine: [`register`] a dispute, then [`decide`] each [`Action`] by an
//!   [`Actor`] at `now`, which returns a [`Decision`] (new [`DisputeState`], events, notices) or
//!   a [`MediationError`] in Chinese; [`decide_confirmation`] runs the 司法确认 sub-machine;
//! - [`clock`]: the one-month mediation limit and its consented extensions, the 司法确认
//!   periods on the working calendar, performance due dates;
//! - [`code`], [`agreement`]: 一案一编码 (`TJ330702001-20261206-0001`) and the 调解协议书;
//!   [`scan`]: the signed copy uploaded back;
//! - [`screening`]: 网格排查, one record per grid and month.
//!
//! Mediation is free of charge (人民调解法 art 4): nothing here has a fee.
//!
//! The store loads a dispute's state, calls [`decide`] and saves the new state, the events and
//! the notices in one transaction, guarded by the version it loaded.

mod names;

mod action;
pub mod agreement;
pub mod amount;
pub mod clock;
pub mod code;
mod confirmation;
mod decision;
mod error;
pub mod kinds;
mod machine;
pub mod mediator;
pub mod online;
pub mod org;
pub mod risk;
pub mod room;
pub mod scan;
pub mod screening;
mod state;
pub mod stats;
mod status;

#[cfg(test)]
mod tests;

pub use action::{Action, ActionKind, Actor, SessionPlace};
pub use confirmation::{
    Confirmation, ConfirmationAction, ConfirmationActionKind, ConfirmationStatus, ConfirmationView, confirmation_view,
};
pub use decision::{Decision, Event, EventKind, Notice, Recipient};
pub use error::MediationError;
pub use machine::{
    ALERT_ROLES, COORDINATOR_ROLES, FOLLOW_UP_ROLES, Intake, PartyInput, REGISTER_ROLES, SUPERVISOR_ROLES, decide,
    decide_confirmation, register,
};
pub use state::{
    AgreementRecord, Consent, ConsentForm, DisputeState, Failure, MAX_MEDIATORS, MAX_PARTIES, OrgRef, Party,
    PerformanceItem, PerformanceResult, RiskAssessment, Route, VisitForm,
};
pub use status::Status;
