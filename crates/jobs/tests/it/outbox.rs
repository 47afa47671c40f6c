//! Outbox delivery on every backend: notices exactly once across crashes and overlapping
//! claims, text messages retried with backoff into a dead letter, the same idempotency key on
//! every attempt, and concurrent claimers (separate pools on PostgreSQL) never sharing a row.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::Duration;
use common::*;
use std::collections::HashSet;
use std::sync::Arc;
use tongxin_domain::case::{Action, Unit};
use tongxin_domain::kernel::access::Scope;
use tongxin_jobs::{JobsConfig, SmsSender, backoff, deliver_claimed, run_once};
use tongxin_store::bulk::{Val, insert_rows};
use tongxin_store::cases::outbox::MAX_ATTEMPTS;
use tongxin_store::{Db, Page, Store, on_read};

async fn count(store: &Store, sql: &'static str) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

/// Reports a case and has department 1 reply to it, which queues a text to the requester.
async fn handled_case(cases: &tongxin_app::cases::CaseService, text: &str) -> i64 {
    let r = report(cases, text).await;
    let c = cases.store().cases().get(&Scope::All, r.id).await.unwrap();
    let dept = dept_actor();
    let c = cases.act(&dept, c.id, c.version, Action::Acknowledge { unit: Unit::Department(1) }).await.unwrap();
    let action = Action::Report { unit: Unit::Department(1), reply: "已处理完毕".into(), evidence: vec![] };
    cases.act(&dept, c.id, c.version, action).await.unwrap();
    c.id
}

async fn sms_outbox_id(store: &Store, case_id: i64) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar("SELECT id FROM outbox WHERE channel = 'sms' AND case_id = $1")
        .bind(case_id)
        .fetch_one(p)
        .await)
    .unwrap()
}

both_backends! {
    async fn notices_are_delivered_exactly_once_after_a_crash_and_overlapping_claims(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let cfg = JobsConfig::default();
        for text in ["楼上噪音扰民", "工地夜间施工", "酒吧音乐太吵"] {
            report(&cases, text).await;
        }
        assert_eq!(store.outbox().backlog().await.unwrap(), 3, "{label}: one dispatch notice each");

        // A process claims them and dies before delivering.
        let claimed = store.outbox().claim(Duration::seconds(60), 100).await.unwrap();
        assert_eq!(claimed.len(), 3, "{label}");
        assert!(claimed.iter().all(|r| r.attempts == 1 && r.channel == "notice"));
        drop(claimed);
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.delivery.claimed, 0, "{label}: still leased");
        t.clock.advance(Duration::seconds(61));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!((r.delivery.claimed, r.delivery.notices), (3, 3), "{label}: delivered after the lease expired");
        assert_eq!(count(store, "SELECT COUNT(*) FROM notices").await, 3);

        // A claimer outlives its lease: a second claims the same rows, both deliver.
        for text in ["广场舞音响", "空调外机噪音"] {
            report(&cases, text).await;
        }
        let a = store.outbox().claim(Duration::seconds(60), 100).await.unwrap();
        t.clock.advance(Duration::seconds(61));
        let b = store.outbox().claim(Duration::seconds(60), 100).await.unwrap();
        assert_eq!(
            a.iter().map(|r| r.id).collect::<Vec<_>>(),
            b.iter().map(|r| r.id).collect::<Vec<_>>(),
            "{label}: the expired lease let the rows be claimed again"
        );
        assert!(b.iter().all(|r| r.attempts == 2));
        assert_eq!(deliver_claimed(store, &sms, a).await.unwrap().notices, 2, "{label}");
        assert_eq!(deliver_claimed(store, &sms, b).await.unwrap().notices, 0, "{label}: no second notice");
        assert_eq!(count(store, "SELECT COUNT(*) FROM notices").await, 5, "{label}");
        assert_eq!(count(store, "SELECT COUNT(DISTINCT outbox_id) FROM notices").await, 5);
        assert_eq!(store.outbox().backlog().await.unwrap(), 0, "{label}");
        assert_eq!(store.outbox().notices(DEPT, Page::default()).await.unwrap().len(), 5);

        t.clock.advance(Duration::hours(2));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.delivery.claimed, 0, "{label}: sent rows are never claimed again");
    }
}

both_backends! {
    async fn a_failing_sms_is_retried_with_growing_backoff_then_dead_lettered(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sender = RecordingSender::failing(usize::MAX);
        let sms: Arc<dyn SmsSender> = sender.clone();
        let cfg = JobsConfig::default();
        let case_id = handled_case(&cases, "小区路灯不亮").await;
        let id = sms_outbox_id(store, case_id).await;

        let mut waits = Vec::new();
        for n in 1..=MAX_ATTEMPTS {
            let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
            assert_eq!(sender.calls().len() as i64, n, "{label}: attempt {n}");
            let (attempts, sent_at, last_error, available_at) = store.outbox().status(id).await.unwrap();
            assert_eq!((attempts, sent_at), (n, None), "{label}");
            assert!(last_error.unwrap().contains("网关暂不可用"), "{label}");
            if n == MAX_ATTEMPTS {
                assert_eq!(r.delivery.dead, 1, "{label}");
                break;
            }
            assert_eq!(r.delivery.retrying, 1, "{label}");
            let wait = available_at - store.now();
            assert_eq!(wait, backoff(n), "{label}");
            waits.push(wait.num_seconds());
            t.clock.advance(wait - Duration::seconds(1));
            run_once(store, &cases, &sms, &cfg).await.unwrap();
            assert_eq!(sender.calls().len() as i64, n, "{label}: not before the backoff is over");
            t.clock.advance(Duration::seconds(1));
        }
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600], "{label}");

        let dead = store.outbox().dead_letters(Page::default()).await.unwrap();
        assert_eq!(dead.len(), 1, "{label}");
        assert_eq!((dead[0].id, dead[0].channel.as_str(), dead[0].attempts), (id, "sms", MAX_ATTEMPTS));
        assert!(dead[0].last_error.as_deref().unwrap().contains("第 10 次"), "{label}: the final error is kept");
        t.clock.advance(Duration::days(1));
        run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(sender.calls().len() as i64, MAX_ATTEMPTS, "{label}: a dead letter is not retried");
        let calls = sender.calls();
        assert!(calls.iter().all(|c| c.to == PHONE && c.key == id.to_string()), "{label}: one idempotency key");
        assert!(calls[0].text.contains("已办结"), "{}", calls[0].text);
        assert_eq!(store.outbox().backlog().await.unwrap(), 1, "{label}: the dead letter is still unsent");
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    async fn an_sms_that_fails_once_is_sent_again_with_the_same_key(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sender = RecordingSender::failing(1);
        let sms: Arc<dyn SmsSender> = sender.clone();
        let cfg = JobsConfig::default();
        let case_id = handled_case(&cases, "垃圾桶满了没人清运").await;
        let id = sms_outbox_id(store, case_id).await;

        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!((r.delivery.retrying, r.delivery.sms_sent), (1, 0), "{label}");
        t.clock.advance(backoff(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.delivery.sms_sent, 1, "{label}");
        let calls = sender.calls();
        assert_eq!(calls.len(), 2, "{label}");
        assert_eq!(calls[0], calls[1], "{label}: same number, text and idempotency key");
        assert_eq!(calls[1].key, id.to_string());
        let (attempts, sent_at, last_error, _) = store.outbox().status(id).await.unwrap();
        assert_eq!((attempts, sent_at.is_some(), last_error), (2, true, None), "{label}");

        t.clock.advance(Duration::hours(2));
        run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(sender.calls().len(), 2, "{label}: sent once, never again");
        // Each send decrypted the number once, and each such read is audited.
        let uses = store
            .audit()
            .list(Some(("case", &case_id.to_string())), Page::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.fields.action == "case.phone_use")
            .count();
        assert_eq!(uses, 2, "{label}");
    }
}

both_backends! {
    async fn a_claimer_with_too_little_lease_left_gives_the_sms_back_untried(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sender = RecordingSender::failing(0);
        let sms: Arc<dyn SmsSender> = sender.clone();
        let case_id = handled_case(&cases, "井盖松动有响声").await;
        let id = sms_outbox_id(store, case_id).await;
        let rows: Vec<_> = store
            .outbox()
            .claim(Duration::seconds(60), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.id == id)
            .collect();
        t.clock.advance(Duration::seconds(50));
        let r = deliver_claimed(store, &sms, rows).await.unwrap();
        assert_eq!((r.deferred, r.sms_sent), (1, 0), "{label}");
        assert!(sender.calls().is_empty());
        assert_eq!(store.outbox().status(id).await.unwrap().0, 0, "{label}: the attempt does not count");
        let r = run_once(store, &cases, &sms, &JobsConfig::default()).await.unwrap();
        assert_eq!(r.delivery.sms_sent, 1, "{label}: claimed again at once and sent");
    }
}

both_backends! {
    async fn concurrent_claimers_never_get_the_same_row(t: TestStore) {
        let label = t.label;
        const ROWS: usize = 600;
        let now = t.store.now();
        let rows: Vec<Vec<Val>> = (0..ROWS)
            .map(|i| {
                vec![
                    "notice".into(),
                    "test".into(),
                    Val::I64(None),
                    format!("dept:{}", i % 7).into(),
                    r#"{"code":"TX","text":"测试"}"#.into(),
                    now.into(),
                    now.into(),
                ]
            })
            .collect();
        let mut tx = t.store.db.begin().await.unwrap();
        let cols = ["channel", "kind", "case_id", "recipient", "payload", "created_at", "available_at"];
        insert_rows(&mut tx, "outbox", &cols, &rows).await.unwrap();
        tx.commit().await.unwrap();

        // A second Store with its own pool onto the same database, like a second server process.
        let other = match &t.store.db {
            Db::Sqlite { .. } => t.store.clone(),
            Db::Postgres(pool) => {
                let opts = pool.connect_options().as_ref().clone();
                let pool2 = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_with(opts).await.unwrap();
                Store::new(Db::Postgres(pool2), tongxin_testkit::test_key(), t.clock.clone())
            }
        };
        let mut tasks = Vec::new();
        for w in 0..6 {
            let s = if w % 2 == 0 { t.store.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = s.outbox().claim(Duration::seconds(60), 25).await.unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch.into_iter().map(|r| r.id));
                }
            }));
        }
        let mut all = Vec::new();
        let mut per_worker = Vec::new();
        for task in tasks {
            let got = task.await.unwrap();
            per_worker.push(got.len());
            all.extend(got);
        }
        let distinct: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(distinct.len(), all.len(), "{label}: a row was claimed twice ({per_worker:?})");
        assert_eq!(all.len(), ROWS, "{label}: every row claimed ({per_worker:?})");
        assert_eq!(count(&t.store, "SELECT COUNT(*) FROM outbox WHERE attempts <> 1").await, 0, "{label}");
        if let Db::Postgres(_) = &other.db {
            other.db.close().await;
        }
    }
}
