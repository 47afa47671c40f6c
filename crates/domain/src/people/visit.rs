//! The rules of a grid worker's visit record (走访记录), shared by the use-case (which reports
//! them per form field) and the store (which refuses a row that breaks them).

use chrono::{DateTime, Duration, Utc};

/// The kinds of visit a grid worker records.
pub const VISIT_KINDS: [&str; 3] = ["走访", "排查", "信息采集"];
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// How far ahead of the server's clock a visit time may be (phones' clocks drift).
pub const CLOCK_SLACK_MINUTES: i64 = 5;

/// A broken rule and the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitProblem {
    pub field: &'static str,
    pub message: String,
}

/// Checks a visit's kind, note and time, in that order; returns the trimmed note.
pub fn check(kind: &str, note: &str, visited_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<String, VisitProblem> {
    if !VISIT_KINDS.contains(&kind) {
        return Err(VisitProblem {
            field: "kind", message: "走访类型应为 走访、排查 或 信息采集".into()
        });
    }
    // Bounded, without NUL or control characters (issue 9, items 4 and 13).
    let note = crate::kernel::text::check("走访情况", note, MAX_NOTE_CHARS, crate::kernel::text::Lines::Many)
        .map_err(|e| VisitProblem { field: "note", message: e.to_string() })?;
    if visited_at > now + Duration::minutes(CLOCK_SLACK_MINUTES) {
        return Err(VisitProblem { field: "visited_at", message: "走访时间不能晚于现在".into() });
    }
    Ok(note)
}
