//! Every integration test of store in one binary: one link instead of one per file. Each former
//! `tests/<name>.rs` is the module `<name>` here; shared helpers are modules too.

// Helpers outside #[test] functions unwrap too: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

mod audit;
mod backup;
mod common;
mod key_check;
mod mediation;
mod migration_parity;
mod migrations;
mod petitions;
mod queue_filters;
mod residents;
mod search;
mod visits;
