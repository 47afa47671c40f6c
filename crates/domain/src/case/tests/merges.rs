//! Issue 9 item 11: merges cannot loop, nor target a merged or finished case. A small forest of
//! cases is merged the way the app does it: [`check_merge`] against the proposed parent and the
//! case's descendants, then [`decide`].

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Cases by id, each with its state as the store would keep it.
struct Forest {
    cases: BTreeMap<i64, CaseState>,
}

impl Forest {
    /// Cases 1..=n in the given statuses (reached through the machine).
    fn new(statuses: &[Status]) -> Forest {
        let cases = statuses.iter().enumerate().map(|(i, s)| (i as i64 + 1, fixture(*s).state)).collect();
        Forest { cases }
    }

    /// Every case merged into `id`, directly or through others.
    fn descendants(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut todo = vec![id];
        while let Some(p) = todo.pop() {
            for (&c, s) in &self.cases {
                if s.merged_into == Some(p) && !out.contains(&c) && c != id {
                    out.push(c);
                    todo.push(c);
                }
            }
        }
        out
    }

    fn merge(&mut self, child: i64, parent: i64) -> Result<(), TransitionError> {
        let target = match self.cases.get(&parent) {
            Some(p) => MergeTarget { id: parent, status: p.status, merged_into: p.merged_into },
            None => return Err(TransitionError::InvalidMergeTarget),
        };
        check_merge(child, &self.descendants(child), &target)?;
        let state = &self.cases[&child];
        let d = decide(state, &dispatcher(), &Action::Merge { into_case_id: parent }, t0())?;
        self.cases.insert(child, d.state);
        Ok(())
    }

    /// Following `merged_into` from any case ends, within as many steps as there are cases.
    fn acyclic(&self) -> bool {
        self.cases.keys().all(|&start| {
            let mut at = start;
            for _ in 0..=self.cases.len() {
                match self.cases[&at].merged_into {
                    Some(next) if self.cases.contains_key(&next) => at = next,
                    _ => return true,
                }
            }
            false
        })
    }
}

use Status::{Accepted as A, Acknowledged as K, Closed as C, Dispatched as D, Handled as H, Received as R};
use Status::{Rated as T, Rejected as J, Verified as V};

const CYCLE: &str = "要合并到的诉求已并入本件，不能互相合并";
const MERGED: &str = "要合并到的诉求已合并到其他诉求，请合并到其主件";
const SELF: &str = "不能合并到自身";

/// A row: its name, the cases' statuses, then merges `(child, parent)` with the expected
/// outcome ("ok" or the message).
type Row = (&'static str, Vec<Status>, Vec<(i64, i64, &'static str)>);

#[test]
fn merge_rows() {
    let rows: Vec<Row> = vec![
        ("a duplicate into an open case", vec![A, D], vec![(1, 2, "ok")]),
        ("into itself", vec![A], vec![(1, 1, SELF)]),
        ("A→B then B→A", vec![A, A], vec![(1, 2, "ok"), (2, 1, CYCLE)]),
        ("A→B then C→A: A is merged, take B", vec![A, A, R], vec![(1, 2, "ok"), (3, 1, MERGED), (3, 2, "ok")]),
        // A case with duplicates may follow them into another case, never into one of them.
        ("B→A, C→B refused, A→C", vec![A, A, A], vec![(2, 1, "ok"), (3, 2, MERGED), (1, 3, "ok")]),
        ("A→B, B→C, then C→A (a longer loop)", vec![A, A, A], vec![(1, 2, "ok"), (2, 3, "ok"), (3, 1, CYCLE)]),
        ("C→B, B→A, then A→C", vec![A, A, A], vec![(3, 2, "ok"), (2, 1, "ok"), (1, 3, CYCLE)]),
        ("into a case still with the unit", vec![A, K], vec![(1, 2, "ok")]),
        ("into a handled case", vec![A, H], vec![(1, 2, "ok")]),
        ("into a verified case", vec![A, V], vec![(1, 2, "ok")]),
        ("into a rejected case", vec![A, J], vec![(1, 2, "要合并到的诉求当前状态为“不予立案”，不能作为合并目标")]),
        ("into a closed case", vec![A, C], vec![(1, 2, "要合并到的诉求当前状态为“已结案”，不能作为合并目标")]),
        ("into a rated case", vec![A, T], vec![(1, 2, "要合并到的诉求当前状态为“已评价”，不能作为合并目标")]),
        ("a missing case", vec![A], vec![(1, 9, "合并目标诉求编号无效")]),
        // The child's own status is the machine's business (合并 only up to 签收).
        ("a handled case cannot be merged", vec![H, A], vec![(1, 2, "当前状态为“已办结”，不能合并")]),
        ("twice", vec![A, A, A], vec![(1, 2, "ok"), (1, 3, "当前状态为“已合并”，不能合并")]),
    ];
    for (name, statuses, steps) in rows {
        let mut f = Forest::new(&statuses);
        for (child, parent, want) in steps {
            let before: Vec<CaseState> = f.cases.values().cloned().collect();
            let got = f.merge(child, parent);
            match want {
                "ok" => assert_eq!(got, Ok(()), "{name}: {child}→{parent}"),
                msg => {
                    assert_eq!(got.map_err(|e| e.to_string()), Err(msg.to_string()), "{name}: {child}→{parent}");
                    assert_eq!(f.cases.values().cloned().collect::<Vec<_>>(), before, "{name}: nothing changed");
                }
            }
            assert!(f.acyclic(), "{name}");
        }
    }
}

#[test]
fn a_parent_given_as_merged_is_refused_even_with_a_stale_status() {
    // The status says open but the record says merged (data from an older version).
    let t = MergeTarget { id: 2, status: Status::Accepted, merged_into: Some(3) };
    assert_eq!(check_merge(1, &[], &t), Err(TransitionError::MergeTargetMerged));
    let t = MergeTarget { id: 2, status: Status::Accepted, merged_into: Some(1) };
    assert_eq!(check_merge(1, &[], &t), Err(TransitionError::MergeCycle));
    let t = MergeTarget { id: 0, status: Status::Accepted, merged_into: None };
    assert_eq!(check_merge(1, &[], &t), Err(TransitionError::InvalidMergeTarget));
}

proptest! {
    /// Any sequence of merge attempts among a handful of cases leaves no loop, and every case
    /// merged last went into a case that was open and not merged at the time.
    #[test]
    fn random_merges_never_loop(
        statuses in prop::collection::vec(prop::sample::select(vec![R, A, D, K, H, J, C]), 2..7),
        attempts in prop::collection::vec((1i64..8, 1i64..8), 1..30),
    ) {
        let mut f = Forest::new(&statuses);
        for (child, parent) in attempts {
            if !f.cases.contains_key(&child) {
                continue;
            }
            let target = f.cases.get(&parent).map(|p| (p.status, p.merged_into));
            if f.merge(child, parent).is_ok() {
                let (status, merged_into) = target.expect("merged into an existing case");
                prop_assert!(status.is_open() && merged_into.is_none());
                prop_assert_ne!(child, parent);
            }
            prop_assert!(f.acyclic());
        }
    }
}
