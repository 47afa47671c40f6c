//! The browser tests (headless Chromium over WebDriver) in one binary. `chrome` drives the
//! browser; each other module was a `tests/browser_<name>.rs` file.

// Helpers outside #[test] functions unwrap too: a panic is how a test fails.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod case_photos;
mod cases;
mod chrome;
mod dashboard;
mod grid;
mod hotline;
mod login;
mod lost_link;
mod map;
mod resident;
mod room;
