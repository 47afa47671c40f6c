//! Tongxin's domain: the types and rules of grassroots governance, free of IO.
//!
//! Everything here is deterministic and testable without a database or a network: identity
//! numbers and their check digits, administrative codes and the region tree, grid geometry and
//! point location, roles and access scopes, masking of personal data, the audit hash chain and
//! one-time passwords.

pub mod access;
pub mod account;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod deadline;
pub mod geo;
pub mod idcard;
pub mod mask;
pub mod phone;
pub mod photo;
pub mod region;
pub mod splitmix;
pub mod text;
pub mod totp;
pub mod visit;
