//! 信访: the pure rules of petitions under 《信访工作条例》 (2022, DOMAIN-RULES §2, DESIGN §2.5).
//!
//! - Register ([`Registration`]): channel (art 17), petitioner and matter as bounded texts
//!   (art 19), a group visit with at most five representatives (art 20), the kind (arts 29–31)
//!   and the routes of a 申诉求决类 matter (art 31).
//! - Duplicates ([`check`]): the same person with the same normalised request is linked to the
//!   open petition (art 19) or refused after 复核 (art 36).
//! - The state machine ([`decide`]): 登记 → 告知 → 转送交办 (异议) → 受理 → 办理 (延期) →
//!   意见书 → 复查 → 复核 (听证) → 终结, with mediation, statutory routes and withdrawal.
//! - The clocks ([`clocks`]): 15 日, 5 个工作日, 60 (+30) 日, and the 30 日 of 复查 and 复核, on
//!   the working calendar, each with its state for the overdue list.
//!
//! How the layers use it: at intake, build a [`Registration`], compute the [`MatterKey`] and
//! run [`check`] against the person's petitions; on [`Verdict::New`] save [`register`]'s
//! decision. Then for every action load the [`PetitionState`], call [`decide`] with the actor,
//! `now` and the calendar, and save the state (guarded by its version), events and notices in
//! one transaction. Pages and jobs call [`clocks`]; a job concludes petitions whose window
//! lapsed ([`Action::Conclude`] as [`Actor::System`]).
//!
//! Handling units are the case module's [`Unit`](crate::case::Unit)s; the day arithmetic is the
//! kernel's [`WorkingCalendar`](crate::kernel::calendar::WorkingCalendar) with the case
//! module's Shanghai-day helpers.

mod action;
mod clock;
mod decision;
mod duplicate;
mod error;
mod machine;
mod opinion;
mod register;
mod state;
pub mod stats;
mod status;
mod text;

#[cfg(test)]
mod tests;

pub use action::{Action, ActionKind, Actor, TransferMode};
pub use clock::{
    APPEAL_DAYS, Clock, ClockKind, ClockState, HANDLING_DAYS, MAX_EXTENSION_DAYS, NOTICE_DAYS, OBJECTION_WORKING_DAYS,
    Span, WARN_DAYS, WARN_WORKING_DAYS, clocks, earliest_pending,
};
pub use decision::{Decision, Event, EventKind, Notice};
pub use duplicate::{Existing, MAX_IDENTITY_CHARS, MatterKey, Verdict, check, normalize_request};
pub use error::{MAX_BODY_CHARS, MAX_NOTE_CHARS, TransitionError, zh_date};
pub use machine::{HEAD_ROLES, INTAKE_ROLES, REVIEW_ROLES, decide, register};
pub use opinion::{Opinion, Outcome};
pub use register::{
    Channel, GroupVisit, Kind, MAX_HEADCOUNT, MAX_REPRESENTATIVES, Matter, Petitioner, RegisterError, Registration,
    Representatives, Route,
};
pub use state::{Appeal, Extension, Hearing, Objection, PetitionState, Served, Transfer};
pub use status::Status;
pub use text::{Facts, FactsAndReasons, Finding, LegalBasis, PetitionerAddress, PetitionerName, Reasons, Request};
