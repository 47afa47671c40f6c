//! Tongxin's use-cases: every write the web, CLI and background jobs make goes through one of
//! these — load what is needed, let the domain decide (a pure rule), save the decision in one
//! atomic write of the store. Per feature: `cases` (report a case, act on it), `residents`
//! (register, edit), `accounts` (create, change access), `visits` (record a visit),
//! `evaluation` (三率 weights), `mediation` (矛盾纠纷多元化解: register a dispute, act on it,
//! organisations and mediators, the mediation timers), `petitions` (信访: register from every
//! channel with the duplicate rule, escalate a case, act, resolve by mediation, the petition timers).

pub mod accounts;
pub mod cases;
pub mod error;
pub mod evaluation;
pub mod locator;
pub mod mediation;
pub mod petitions;
pub mod residents;
pub mod visits;

pub use error::AppError;
