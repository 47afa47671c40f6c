//! Tongxin's domain: the types and rules of grassroots governance, free of IO.
//!
//! Everything here is deterministic and testable without a database or a network. It is
//! organised like every other crate, by feature, around a shared kernel:
//!
//! - [`kernel`]: roles and scopes, the region tree, phones and masking, bounded texts, the
//!   clock and UTC+8, the working calendar, the audit hash chain;
//! - [`case`]: 接诉即办 — the case state machine, categories and routing, deadlines, photos,
//!   evaluation;
//! - [`places`]: grid geometry, validation and point location;
//! - [`mediation`]: 矛盾纠纷多元化解 — mediation organisations and mediators, the dispute state
//!   machine with 司法确认, the mediation time limit, dispute codes and 调解协议书;
//! - [`people`]: identity numbers and their check digits, household visits;
//! - [`petition`]: 信访 — registration, the duplicate rule, the state machine of 《信访工作条例》
//!   and its clocks;
//! - [`accounts`]: which scope fits which role, one-time passwords for staff logins.

pub mod accounts;
pub mod case;
pub mod kernel;
pub mod mediation;
pub mod people;
pub mod petition;
pub mod places;
