use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use tongxin_domain::case::{EventKind, Status};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::clock::shanghai;
use tongxin_store::Store;
use tongxin_testkit::{TestStore, all_stores, sqlite_store};

use super::sim::storm_week;
use super::{HistoryOptions, HistorySummary, load_history};
use crate::demo::{DemoOptions, Scale, World, generate, load, routing};

fn tiny(seed: u64) -> World {
    generate(&DemoOptions { seed, scale: Scale::Tiny })
}

/// Loads the tiny world with its categories, rules and `cases` cases over `months`.
async fn load_all(store: &Store, world: &World, months: u32, cases: usize) -> HistorySummary {
    let loaded = load(store, world, &|p: &str| format!("plain:{p}"), &mut |_| {}).await.expect("world loads");
    tongxin_app::cases::config::seed_categories(store).await.expect("categories");
    routing::seed_rules(store).await.expect("rules");
    let mut lines = Vec::new();
    let summary = load_history(store, world, loaded.first_building_id, HistoryOptions { months, cases }, &mut |l| {
        lines.push(l.to_string())
    })
    .await
    .unwrap_or_else(|e| panic!("history loads: {e:#}"));
    assert!(lines.iter().any(|l| l.starts_with("模拟近")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("写入诉求")), "{lines:?}");
    summary
}

fn month(t: DateTime<Utc>) -> String {
    shanghai(t).format("%Y-%m").to_string()
}

/// Every case, its events and the counters, as one text (the phone's ciphertext aside: its
/// nonce is random by design).
async fn digest(store: &Store) -> String {
    let mut out = String::new();
    let n = store.cases().count().await.unwrap();
    for id in 1..=n {
        let c = store.cases().get(&Scope::All, id).await.unwrap();
        out.push_str(&format!("{c:?}\n"));
        for e in store.cases().events(id).await.unwrap() {
            out.push_str(&format!("{} {} {} {:?} {} {}\n", e.kind, e.actor_name, e.at, e.unit, e.note, e.data));
        }
    }
    for m in months(store).await {
        for s in store.cases().unit_month_stats(&m, "").await.unwrap() {
            out.push_str(&format!("{s:?}\n"));
        }
    }
    out
}

async fn months(store: &Store) -> Vec<String> {
    let now = store.now();
    (0..14)
        .map(|k| month(now - chrono::Duration::days(30 * k)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn same_seed_same_history_other_seed_differs() {
    let mut digests = Vec::new();
    for seed in [5, 5, 6] {
        let t: TestStore = sqlite_store().await;
        load_all(&t.store, &tiny(seed), 2, 400).await;
        digests.push(digest(&t.store).await);
        t.cleanup().await;
    }
    assert!(digests[0].len() > 10_000);
    assert_eq!(digests[0], digests[1], "the same seed gives the same cases, events and counters");
    assert_ne!(digests[0], digests[2], "another seed gives another history");
}

/// Every branch of the case loop appears; nothing contradicts the rules; the 三率 counters are
/// what the events say; the audit chain holds; units differ in their rates.
#[tokio::test]
async fn a_lived_history_covers_every_branch_and_counts_like_the_app() {
    for t in all_stores().await {
        let store = &t.store;
        let world = tiny(3);
        let summary = load_all(store, &world, 4, 3_000).await;
        assert_eq!(summary.cases, 3_000, "{}", t.label);
        assert_eq!(store.cases().count().await.unwrap(), 3_000);
        for s in [
            Status::Received,
            Status::Dispatched,
            Status::Acknowledged,
            Status::Closed,
            Status::Rated,
            Status::Merged,
            Status::Rejected,
        ] {
            assert!(summary.by_status.get(s.label()).is_some_and(|n| *n > 0), "{} missing: {summary:?}", s.label());
        }
        assert!(summary.open > 0 && summary.overdue > 0, "{summary:?}");

        let mut kinds: HashMap<String, usize> = HashMap::new();
        // (month, unit) → dispatched, from the events alone; unit → rated and reopened.
        let mut dispatched: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut rated: BTreeMap<String, i64> = BTreeMap::new();
        let mut reopened: BTreeMap<String, i64> = BTreeMap::new();
        let mut actors = HashSet::new();
        for id in 1..=3_000 {
            let events = store.cases().events(id).await.unwrap();
            let case = store.cases().get(&Scope::All, id).await.unwrap();
            assert_eq!(case.version, case.state.version, "{}", case.code);
            assert!(events.windows(2).all(|w| w[0].at <= w[1].at), "{} events out of order", case.code);
            assert!(events.last().is_some_and(|e| e.at == case.updated_at), "{}", case.code);
            assert!(case.updated_at <= store.now());
            for e in &events {
                *kinds.entry(e.kind.clone()).or_default() += 1;
                actors.insert(e.actor_name.clone());
                let unit = e.unit.clone().unwrap_or_default();
                match EventKind::parse(&e.kind) {
                    Some(EventKind::Dispatched | EventKind::HandledOnSpot) => {
                        *dispatched.entry((month(e.at), unit)).or_default() += 1
                    }
                    Some(EventKind::Rated) => *rated.entry(unit).or_default() += 1,
                    Some(EventKind::Reopened) => *reopened.entry(unit).or_default() += 1,
                    _ => {}
                }
            }
        }
        for k in [
            "received",
            "accepted",
            "rejected",
            "dispatched",
            "acknowledged",
            "returned",
            "extension_requested",
            "extension_approved",
            "extension_refused",
            "supervised",
            "reported",
            "handled",
            "verified",
            "verification_failed",
            "closed",
            "rated",
            "reopened",
            "merged",
            "contacted",
            "handled_on_spot",
        ] {
            assert!(kinds.get(k).is_some_and(|n| *n > 0), "no {k} event: {kinds:?}");
        }
        assert!(actors.contains("系统"), "{actors:?}");
        assert!(actors.contains("陈晓燕（指挥中心调度员）"), "{actors:?}");
        assert!(actors.iter().any(|a| a.ends_with("（城管执法中队）")), "{actors:?}");

        // The counters, summed over months, are what the events imply.
        let mut counted: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
        let mut by_unit: BTreeMap<String, [i64; 2]> = BTreeMap::new();
        for m in months(store).await {
            for s in store.cases().unit_month_stats(&m, "").await.unwrap() {
                if s.unit.starts_with("area:") {
                    continue;
                }
                counted.insert((s.month.clone(), s.unit.clone()), [s.dispatched, s.rated, s.reopened]);
                let u = by_unit.entry(s.unit.clone()).or_default();
                u[0] += s.rated;
                u[1] += s.reopened;
                assert!(
                    s.responded_in_time <= s.dispatched && s.resolved <= s.rated && s.satisfied <= s.rated,
                    "{s:?}"
                );
            }
        }
        for ((m, unit), n) in &dispatched {
            assert_eq!(counted.get(&(m.clone(), unit.clone())).map(|c| c[0]), Some(*n), "dispatched {m} {unit}");
        }
        for (unit, [r, reo]) in &by_unit {
            let events_reopened = reopened.get(unit).copied().unwrap_or(0);
            assert_eq!(*reo, events_reopened, "reopened {unit}");
            // A verdict that reopened a case is counted as a reopen, not as a rating.
            assert_eq!(*r, rated.get(unit).copied().unwrap_or(0) - events_reopened, "rated {unit}");
        }

        // Rates differ between units: the 三率 ranking means something.
        let mut satisfaction = Vec::new();
        for (unit, _) in by_unit.iter().filter(|(u, _)| u.starts_with("dept:")) {
            let (mut rated, mut satisfied, mut reopened) = (0, 0, 0);
            for m in months(store).await {
                for s in store.cases().unit_month_stats(&m, unit).await.unwrap().iter().filter(|s| &s.unit == unit) {
                    rated += s.rated;
                    satisfied += s.satisfied;
                    reopened += s.reopened;
                }
            }
            if rated >= 20 {
                satisfaction.push(satisfied as f64 / (rated + reopened) as f64);
            }
        }
        let best = satisfaction.iter().cloned().fold(0.0, f64::max);
        let worst = satisfaction.iter().cloned().fold(1.0, f64::min);
        assert!(satisfaction.len() >= 4 && best - worst > 0.15, "{satisfaction:?}");

        // One audit record for the history; the chain holds.
        let log = store.audit().list(None, tongxin_store::Page::default()).await.unwrap();
        assert_eq!(log[0].fields.action, "demo.history", "{}", t.label);
        assert!(store.audit().verify().await.unwrap().is_ok());
        // Delivered messages: notices for units, text messages for requesters.
        assert!(store.outbox().backlog().await.unwrap() < 10);
        t.cleanup().await;
    }
}

#[test]
fn the_storm_week_lies_in_the_last_year() {
    let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 5, 2, 0, 0).unwrap();
    let (from, to) = storm_week(now);
    assert_eq!((from.month(), from.day(), from.year()), (7, 8, 2026));
    assert_eq!((to - from).num_days(), 7);
    let early = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 7, 10, 2, 0, 0).unwrap();
    assert_eq!(storm_week(early).0.year(), 2025);
}
