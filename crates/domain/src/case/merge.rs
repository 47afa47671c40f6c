//! Which case a duplicate may be merged into (合并, issue 9 item 11). [`super::decide`] sees one
//! case only; the caller loads the proposed parent and the cases already merged into this one
//! and asks [`check_merge`] first.
//!
//! The rule keeps merges a forest that cannot loop:
//! - never into itself;
//! - never into a case already merged into this one, directly or through others (a cycle);
//! - never into a case that is itself merged: merge into the case it was merged into instead,
//!   so a parent is always a case still being worked on;
//! - never into a case that is finished (不予立案, 已结案, 已评价): its requester would hear no
//!   outcome from it.
//!
//! A case that has duplicates merged into it may itself be merged; its duplicates then follow
//! it, and their reporters hear the outcome of the case at the root.

use super::error::TransitionError;
use super::status::Status;

/// What the caller knows about the proposed parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeTarget {
    pub id: i64,
    pub status: Status,
    /// The case it was merged into, if it was.
    pub merged_into: Option<i64>,
}

/// Checks that the case `case_id`, into which the cases `descendants` were merged (directly or
/// through one another), may be merged into `target`.
pub fn check_merge(case_id: i64, descendants: &[i64], target: &MergeTarget) -> Result<(), TransitionError> {
    if target.id <= 0 {
        return Err(TransitionError::InvalidMergeTarget);
    }
    if target.id == case_id {
        return Err(TransitionError::MergeIntoSelf);
    }
    if descendants.contains(&target.id) || target.merged_into == Some(case_id) {
        return Err(TransitionError::MergeCycle);
    }
    if target.status == Status::Merged || target.merged_into.is_some() {
        return Err(TransitionError::MergeTargetMerged);
    }
    if !target.status.is_open() {
        return Err(TransitionError::MergeTargetFinished { status: target.status });
    }
    Ok(())
}
