//! Every integration test of app in one binary: one link instead of one per file. Each former
//! `tests/<name>.rs` is the module `<name>` here; shared helpers are modules too.

// Helpers outside #[test] functions unwrap too: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

mod accounts;
mod case_loop;
mod common;
mod evaluation;
mod follow;
mod geocode;
mod import;
mod integrity;
mod mediation;
mod mediation_stats;
mod on_spot;
mod ops_lookup;
mod petitions;
mod referral;
mod reliability;
mod residents;
mod visits;
