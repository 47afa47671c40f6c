//! Deadline timers on every backend: one warning at the warning time, then the overdue mark,
//! its notices and the automatic 督办 after the deadline; nothing more on later ticks.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::Duration;
use common::*;
use std::sync::Arc;
use tongxin_domain::case::{Action, CaseState, Unit};
use tongxin_domain::kernel::access::Scope;
use tongxin_jobs::timers::AUTO_SUPERVISION_NOTE;
use tongxin_jobs::{JobsConfig, RunReport, SmsSender, TimerReport, run_once};
use tongxin_store::cases::timers::deadline_label;
use tongxin_store::{Page, Store, on_read};

async fn count(store: &Store, sql: &'static str) -> i64 {
    on_read!(&store.db, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

/// Kinds of a unit's notices, oldest first.
async fn notice_kinds(store: &Store, unit: &str) -> Vec<String> {
    let mut n = store.outbox().notices(unit, Page::new(Some(1), Some(200))).await.unwrap();
    n.reverse();
    n.into_iter().map(|n| n.kind).collect()
}

both_backends! {
    async fn a_dispatched_case_is_warned_once_then_marked_overdue_and_supervised(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sender = RecordingSender::failing(0);
        let sms: Arc<dyn SmsSender> = sender.clone();
        let cfg = JobsConfig::default();

        let dispatched_at = store.now();
        let late = report(&cases, "楼上噪音扰民，半夜装修").await;
        let prompt = report(&cases, "广场舞音响太吵，每晚到十点").await;
        let c = store.cases().get(&Scope::All, late.id).await.unwrap();
        assert_eq!(
            (c.status.as_str(), c.lead_unit.as_ref().map(Unit::key).as_deref()),
            ("dispatched", Some(DEPT)),
            "{label}"
        );
        let (warn_at, deadline) = (c.warn_at.unwrap(), c.deadline_at.unwrap());
        let span = (deadline - dispatched_at).num_seconds();
        let warn_after = (warn_at - dispatched_at).num_seconds();
        assert!(warn_after * 10 >= span * 8 - 10 && warn_at < deadline, "{label}: warned at ≥ 80% of the time");

        // The other case is handled at once: its clock stops, it is neither warned nor overdue.
        let dept = dept_actor();
        let p = store.cases().get(&Scope::All, prompt.id).await.unwrap();
        let p = cases.act(&dept, p.id, p.version, Action::Acknowledge { unit: Unit::Department(1) }).await.unwrap();
        let action =
            Action::Report { unit: Unit::Department(1), reply: "已劝导音量调低".into(), evidence: vec![] };
        cases.act(&dept, p.id, p.version, action).await.unwrap();

        let first = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(first.timers, TimerReport::default(), "{label}: nothing due yet");
        assert!(first.delivery.notices >= 2, "{label}: the dispatch notices went out");
        assert_eq!(sender.calls().len(), 1, "{label}: the requester of the handled case got a text");
        assert_eq!(sender.calls()[0].to, PHONE);

        t.clock.advance(warn_at - store.now() - Duration::seconds(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.timers.warned, 0, "{label}: a second before the warning time");

        t.clock.advance(Duration::seconds(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.timers, TimerReport { warned: 1, ..Default::default() }, "{label}");
        let warnings: Vec<_> = store
            .outbox()
            .notices(DEPT, Page::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == "deadline_warning")
            .collect();
        assert_eq!(warnings.len(), 1, "{label}");
        assert_eq!(warnings[0].case_id, Some(late.id));
        assert_eq!(
            warnings[0].text,
            format!("诉求 {} 将于 {} 到期，请抓紧办理。", late.code, deadline_label(deadline)),
            "{label}"
        );

        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r, RunReport::default(), "{label}: warned once only");

        t.clock.advance(deadline - store.now());
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.timers, TimerReport::default(), "{label}: at the deadline, not yet past it");

        t.clock.advance(Duration::seconds(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.timers, TimerReport { overdue: 1, supervised: 1, ..Default::default() }, "{label}");
        let c = store.cases().get(&Scope::All, late.id).await.unwrap();
        assert_eq!((c.status.as_str(), c.overdue, c.open), ("dispatched", true, true), "{label}: still with the unit");
        let state: CaseState = c.state.clone();
        assert_eq!(state.supervision_level, 1, "{label}");
        let events = store.cases().events(late.id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!((last.kind.as_str(), last.note.as_str()), ("supervised", AUTO_SUPERVISION_NOTE), "{label}");
        assert_eq!(last.actor_name, "system:jobs");

        assert_eq!(
            notice_kinds(store, DEPT).await,
            ["dispatched", "dispatched", "deadline_warning", "overdue", "supervised"],
            "{label}: the lead unit's notices"
        );
        assert_eq!(notice_kinds(store, &format!("dispatchers:{STREET}")).await, ["overdue"], "{label}");
        assert_eq!(notice_kinds(store, &format!("supervisors:1:{STREET}")).await, ["supervised"], "{label}");
        let overdue_text = &store.outbox().notices(DEPT, Page::default()).await.unwrap()[1].text;
        assert!(overdue_text.contains(&late.code) && overdue_text.contains("已超过办理期限"), "{overdue_text}");

        let p = store.cases().get(&Scope::All, prompt.id).await.unwrap();
        assert_eq!((p.status.as_str(), p.overdue), ("handled", false), "{label}: the handled case is not overdue");

        // A second tick (much later) changes nothing.
        let before = (
            count(store, "SELECT COUNT(*) FROM notices").await,
            count(store, "SELECT COUNT(*) FROM outbox").await,
            count(store, "SELECT COUNT(*) FROM case_events").await,
            store.cases().get(&Scope::All, late.id).await.unwrap().version,
        );
        t.clock.advance(Duration::hours(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r, RunReport::default(), "{label}");
        let after = (
            count(store, "SELECT COUNT(*) FROM notices").await,
            count(store, "SELECT COUNT(*) FROM outbox").await,
            count(store, "SELECT COUNT(*) FROM case_events").await,
            store.cases().get(&Scope::All, late.id).await.unwrap().version,
        );
        assert_eq!(before, after, "{label}");
        assert_eq!(sender.calls().len(), 1);
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    async fn a_timer_that_wakes_after_the_deadline_sends_no_warning_only_the_overdue_notice(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let cfg = JobsConfig::default();
        let late = report(&cases, "楼上噪音扰民，半夜装修").await;
        let deadline = store.cases().get(&Scope::All, late.id).await.unwrap().deadline_at.unwrap();

        // The jobs were down through the warning time and the deadline.
        t.clock.advance(deadline - store.now() + Duration::hours(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.timers, TimerReport { overdue: 1, supervised: 1, ..Default::default() }, "{label}");
        assert_eq!(notice_kinds(store, DEPT).await, ["dispatched", "overdue", "supervised"], "{label}");
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.timers, TimerReport::default(), "{label}: the passed warning is not retried");
    }
}

both_backends! {
    async fn a_decision_after_the_mark_settles_the_pending_escalation(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let r = report(&cases, "楼道堆放杂物").await;
        let c = store.cases().get(&Scope::All, r.id).await.unwrap();
        t.clock.advance(c.deadline_at.unwrap() - store.now() + Duration::seconds(1));
        let hits = store.cases().mark_overdue(10).await.unwrap();
        assert_eq!(hits.len(), 1, "{label}");
        assert_eq!(hits[0].version, c.version, "{label}: the mark does not change the version");
        assert!(store.cases().mark_overdue(10).await.unwrap().is_empty(), "{label}: marked once");
        let pending = store.cases().pending_supervisions(10).await.unwrap();
        assert_eq!(pending.iter().map(|p| (p.id, p.version)).collect::<Vec<_>>(), [(c.id, c.version)], "{label}");
        // The department acknowledges before the escalation runs: its decision settles the flag.
        cases.act(&dept_actor(), c.id, c.version, Action::Acknowledge { unit: Unit::Department(1) }).await.unwrap();
        assert!(store.cases().pending_supervisions(10).await.unwrap().is_empty(), "{label}");
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let run = run_once(store, &cases, &sms, &JobsConfig::default()).await.unwrap();
        assert_eq!((run.timers.overdue, run.timers.supervised), (0, 0), "{label}: nothing left to escalate");
        let c = store.cases().get(&Scope::All, r.id).await.unwrap();
        assert_eq!((c.status.as_str(), c.overdue), ("acknowledged", true), "{label}: the mark stays");
    }
}

both_backends! {
    async fn an_escalation_interrupted_by_a_crash_runs_on_the_next_pass(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let r = report(&cases, "小区路灯不亮").await;
        let c = store.cases().get(&Scope::All, r.id).await.unwrap();
        t.clock.advance(c.deadline_at.unwrap() - store.now() + Duration::seconds(1));
        // A process marks the case overdue and dies before escalating it.
        assert_eq!(store.cases().mark_overdue(10).await.unwrap().len(), 1, "{label}");
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let run = run_once(store, &cases, &sms, &JobsConfig::default()).await.unwrap();
        assert_eq!((run.timers.overdue, run.timers.supervised), (0, 1), "{label}: escalated without a new mark");
        let state: CaseState = store.cases().get(&Scope::All, r.id).await.unwrap().state;
        assert_eq!(state.supervision_level, 1, "{label}: supervised once");
        let again = run_once(store, &cases, &sms, &JobsConfig::default()).await.unwrap();
        assert_eq!(again.timers.supervised, 0, "{label}: and only once");
    }
}
