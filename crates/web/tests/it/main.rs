//! Every integration test of web in one binary: one link instead of one per file. Each former
//! `tests/<name>.rs` is the module `<name>` here; shared helpers are modules too.

// Helpers outside #[test] functions unwrap too: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod api;
mod auth;
mod authz;
mod case_integrity;
mod case_photos_contact;
mod cases;
mod dashboard_scope;
mod evaluation;
mod extremes;
mod follow;
mod hardening;
mod limits;
mod map_layers;
mod mediation;
mod mediation_online;
mod mediation_stats;
mod open311;
mod pages_admin;
mod pages_cases;
mod pages_dashboard;
mod pages_grid;
mod pages_ops;
mod pages_party;
mod pages_resident;
mod pages_weight;
mod petitions;
mod pii_search;
mod referral;
mod room;
mod snapshots;
mod write_faults;
