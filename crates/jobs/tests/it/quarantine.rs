//! Issue 9 R6: a case whose stored state is corrupt must not make the timer job fail every
//! pass. The pass escalates the good cases, sets the bad one aside once (a record, an audit
//! entry and a notice to the dispatchers) and later passes run clean.

use crate::common;
use tongxin_testkit::both_backends;

use common::*;
use std::sync::Arc;
use tongxin_domain::kernel::access::Scope;
use tongxin_jobs::{JobsConfig, SmsSender, run_once};
use tongxin_store::{Page, on_read};

both_backends! {
    async fn r6_a_corrupt_case_is_quarantined_once_and_the_others_are_still_supervised(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let cfg = JobsConfig::default();
        let good_a = report(&cases, "楼上噪音扰民，半夜装修").await;
        let bad = report(&cases, "广场舞音响太吵，每晚到十点").await;
        let good_b = report(&cases, "工地夜间施工，影响休息").await;
        // The empty state the probe seeded.
        let mut tx = store.db.begin().await.unwrap();
        tongxin_store::on_tx!(&mut tx, |c| sqlx::query("UPDATE cases SET state = '' WHERE id = $1")
            .bind(bad.id)
            .execute(c)
            .await
            .map(|_| ()))
        .unwrap();
        tx.commit().await.unwrap();

        let deadline = store.cases().get(&Scope::All, good_a.id).await.unwrap().deadline_at.unwrap();
        t.clock.advance(deadline - store.now() + chrono::Duration::days(30));
        let r = run_once(store, &cases, &sms, &cfg).await.expect("the pass goes on past the bad row");
        assert_eq!((r.timers.overdue, r.timers.supervised, r.timers.quarantined), (3, 2, 1), "{label}: {r:?}");
        for id in [good_a.id, good_b.id] {
            let events = store.cases().events(id).await.unwrap();
            assert_eq!(events.last().unwrap().kind, "supervised", "{label}");
        }
        let q = store.cases().quarantined().await.unwrap();
        assert_eq!(q.len(), 1, "{label}");
        assert_eq!((q[0].0.as_str(), q[0].1), ("timers", bad.id), "{label}");
        let audited: i64 = on_read!(&store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'case.quarantine' AND entity_id = $1"
        )
        .bind(bad.id.to_string())
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(audited, 1, "{label}: the admin can read it in the audit log");
        let notices =
            store.outbox().notices(&format!("dispatchers:{STREET}"), Page::new(Some(1), Some(200))).await.unwrap();
        let told: Vec<_> = notices.iter().filter(|n| n.kind == "quarantine").collect();
        assert_eq!(told.len(), 1, "{label}");
        assert!(told[0].text.contains(&bad.code) && !told[0].text.contains(PHONE), "{label}: {}", told[0].text);

        // Later passes neither fail nor record it again.
        for _ in 0..3 {
            let r = run_once(store, &cases, &sms, &cfg).await.expect("later passes run clean");
            assert_eq!(r.timers.quarantined, 0, "{label}");
        }
        assert_eq!(store.cases().quarantined().await.unwrap().len(), 1, "{label}: marked once");
    }
}
