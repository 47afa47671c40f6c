//! The spawned loops deliver without being asked and stop on shutdown.

use crate::common;
use tongxin_testkit::both_backends;

use common::*;
use std::sync::Arc;
use std::time::Duration;
use tongxin_jobs::{JobsConfig, SmsSender, spawn};
use tongxin_store::Page;

both_backends! {
    async fn spawned_jobs_deliver_and_shut_down(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let cfg = JobsConfig { tick: Duration::from_millis(20), ..JobsConfig::default() };
        let jobs = spawn(store.clone(), cases.clone(), sms, cfg);
        report(&cases, "楼下烧烤油烟扰民").await;
        let mut delivered = false;
        for _ in 0..250 {
            if !store.outbox().notices(DEPT, Page::default()).await.unwrap().is_empty() {
                delivered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(delivered, "{label}: the dispatch notice was delivered by the running jobs");
        tokio::time::timeout(Duration::from_secs(10), jobs.shutdown()).await.expect("shutdown finishes");
        assert_eq!(store.outbox().backlog().await.unwrap(), 0, "{label}");
    }
}
