//! Every integration test of jobs in one binary: one link instead of one per file. Each former
//! `tests/<name>.rs` is the module `<name>` here; shared helpers are modules too.

// Helpers outside #[test] functions unwrap too: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

mod common;
mod disk_full;
mod http_sender;
mod mediation;
mod outbox;
mod petition_timers;
mod quarantine;
mod runner;
mod timers;
