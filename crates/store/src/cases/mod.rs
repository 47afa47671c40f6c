//! The 接诉即办 case loop's storage.

pub mod actors;
pub mod categories;
pub mod contact;
pub mod dashboard;
pub mod evaluation;
pub mod follow;
pub mod history;
pub mod lookup;
pub mod notices;
pub mod open311;
pub mod outbox;
pub mod read;
pub mod response;
pub mod search;
pub mod search_rebuild;
pub mod stats;
pub mod synthetic;
pub mod timers;
pub mod write;

repository!(
    /// The 接诉即办 cases: intake, changes, reads, queues, timers and statistics.
    Cases,
    cases
);
