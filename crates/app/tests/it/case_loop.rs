//! The case loop end to end through the use-cases, on both backends.

use tongxin_app::cases::{CaseActor, CaseError, Place, Report};
use tongxin_domain::case::{Action, Satisfaction, Status, Unit};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::Page;
use tongxin_store::cases::read::QueueFilter;
use tongxin_testkit::both_backends;

use crate::common;
use common::{seed, service, staff_user as staff};

/// A noise report with a photo.
fn noise_report(text: &str) -> Report {
    Report { photos: vec![b"\x89PNG\r\n\x1a\n....".to_vec()], ..common::noise_report(text, Some("13812345678")) }
}

both_backends! {
    async fn a_report_runs_the_whole_loop_and_counts_for_the_three_rates(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        assert!(cases.config().categories.contains_key("city.noise"), "default categories seeded");
        common::dispatch_noise_to_department_1(store, &cases).await;

        let bad = cases.report(Report { description: "  ".into(), ..noise_report("") }).await.unwrap_err();
        assert!(matches!(bad, CaseError::Invalid { field: "description", .. }), "{}", t.label);
        let outside = cases
            .report(Report { place: Place::Point { lng: 100.0, lat: 30.0 }, ..noise_report("噪音") })
            .await
            .unwrap_err();
        assert!(matches!(outside, CaseError::Invalid { field: "location", .. }));

        let reported = cases.report(noise_report("楼上噪音扰民，半夜装修")).await.unwrap();
        assert!(reported.code.starts_with("TX20261122-"), "{}", reported.code);
        assert!(!reported.duplicate);
        let again = cases.report(noise_report("楼上噪音扰民，半夜装修！")).await.unwrap();
        assert_eq!((again.id, again.duplicate), (reported.id, true), "{}: same text, same place", t.label);
        // The second reporter follows with a token of their own (issue 9 item 2).
        assert_ne!(again.follow_token, reported.follow_token, "{}", t.label);

        let dept_user = staff(
            10,
            "chengguan",
            Role::DepartmentHandler,
            Scope::Department { id: 1, street: RegionCode::parse("330702001").unwrap() },
        );
        let dispatcher =
            staff(11, "dispatcher", Role::Dispatcher, Scope::Region { code: RegionCode::parse("330702001").unwrap() });
        let dept = CaseActor::Staff(dept_user.clone());
        let c = store.cases().get(&dept_user.scope, reported.id).await.unwrap();
        assert_eq!(
            (c.status.as_str(), c.lead_unit.as_ref().map(|u| u.key()).as_deref()),
            ("dispatched", Some("dept:1")),
            "{}: auto-dispatched by the rule",
            t.label
        );
        assert!(c.deadline_at.is_some() && c.contact_deadline_at.is_some());
        let inbox = store
            .cases()
            .queue(&dept_user.scope, &QueueFilter { open_only: true, ..Default::default() }, Page::default())
            .await
            .unwrap();
        assert_eq!(inbox.total, 1);

        let unit = Unit::Department(1);
        let c = cases.act(&dept, c.id, c.version, Action::Acknowledge { unit: unit.clone() }).await.unwrap();
        let stale = cases
            .act(&dept, c.id, c.version - 1, Action::ContactRequester { note: "已电话联系".into() })
            .await
            .unwrap_err();
        assert!(
            matches!(stale, CaseError::Store(tongxin_store::StoreError::Conflict(_))),
            "{}: stale version",
            t.label
        );
        let c =
            cases.act(&dept, c.id, c.version, Action::ContactRequester { note: "已电话联系".into() }).await.unwrap();
        let c = cases
            .act(
                &dept,
                c.id,
                c.version,
                Action::Report { unit, reply: "已责令施工方停止夜间施工".into(), evidence: vec![] },
            )
            .await
            .unwrap();
        assert_eq!(c.status.as_str(), Status::Handled.as_str());
        let c = cases
            .act(
                &CaseActor::Staff(dispatcher.clone()),
                c.id,
                c.version,
                Action::Verify { ok: true, note: "现场核实".into() },
            )
            .await
            .unwrap();
        let c = cases.act(&CaseActor::Staff(dispatcher.clone()), c.id, c.version, Action::Close).await.unwrap();
        let requester = CaseActor::Requester { code: reported.code.clone(), token: reported.follow_token.clone() };
        let wrong = CaseActor::Requester { code: reported.code.clone(), token: "guess".into() };
        // The duplicate's reporter may act with their own token too (issue 9 item 2): it passes
        // the token check, so a stale version is a conflict rather than "not found".
        let second = CaseActor::Requester { code: again.code.clone(), token: again.follow_token.clone() };
        let rate = Action::Rate { resolved: true, satisfaction: Satisfaction::Satisfied, comment: String::new() };
        let stale = cases.act(&second, c.id, c.version - 1, rate.clone()).await.unwrap_err();
        assert!(matches!(stale, CaseError::Store(tongxin_store::StoreError::Conflict(_))), "{stale:?}");
        let stale = cases.act(&wrong, c.id, c.version - 1, rate).await.unwrap_err();
        assert!(matches!(stale, CaseError::Store(tongxin_store::StoreError::NotFound)), "{stale:?}");
        assert!(
            cases
                .act(
                    &wrong,
                    c.id,
                    c.version,
                    Action::Rate { resolved: true, satisfaction: Satisfaction::Satisfied, comment: String::new() }
                )
                .await
                .is_err()
        );
        let c = cases
            .act(
                &requester,
                c.id,
                c.version,
                Action::Rate { resolved: true, satisfaction: Satisfaction::Satisfied, comment: "很快".into() },
            )
            .await
            .unwrap();
        assert_eq!((c.status.as_str(), c.open), ("rated", false), "{}", t.label);

        let events: Vec<String> = store.cases().events(c.id).await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(
            events,
            [
                "received",
                "accepted",
                "dispatched",
                "acknowledged",
                "contacted",
                "handled",
                "verified",
                "closed",
                "rated"
            ],
            "{}",
            t.label
        );
        let month = tongxin_domain::kernel::clock::shanghai(store.now()).format("%Y-%m").to_string();
        let stats = store.cases().unit_month_stats(&month, "dept:1").await.unwrap();
        let s = &stats[0];
        assert_eq!(
            (s.dispatched, s.responded_in_time, s.rated, s.resolved, s.satisfied),
            (1, 1, 1, 1, 1),
            "{}: 三率 counters",
            t.label
        );
        let area = store.cases().unit_month_stats(&month, "area:330702001008001").await.unwrap();
        assert_eq!(area[0].satisfied, 1, "{}: the grid counts too", t.label);
        let outbox = store.outbox().backlog().await.unwrap();
        assert!(outbox >= 3, "{}: dispatched, handled, closed notices queued ({outbox})", t.label);

        let admin = Scope::All;
        let found = store
            .cases()
            .queue(&admin, &QueueFilter { q: Some("噪音".into()), ..Default::default() }, Page::default())
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{}: two-character word found", t.label);
        let reply_word = store
            .cases()
            .queue(&admin, &QueueFilter { q: Some("施工".into()), ..Default::default() }, Page::default())
            .await
            .unwrap();
        assert_eq!(reply_word.total, 1, "{}: words of the reply are searchable", t.label);
        let none = store
            .cases()
            .queue(&admin, &QueueFilter { q: Some("漏水".into()), ..Default::default() }, Page::default())
            .await
            .unwrap();
        assert_eq!(none.total, 0);
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// An assisting department that had not reported when the lead's report moved the case on
    /// stands idle: the case leaves its open queue ("待办" is what it still has to work on) but it
    /// still reads the case, and the lead's open queue empties the same way.
    async fn an_assisting_unit_without_a_report_leaves_its_open_queue_when_the_case_moves_on(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        tongxin_testkit::World::new(store).department(2, common::STREET, "住建所").build().await;
        let cases = service(store).await;
        let reported = cases.report(noise_report("楼下烧烤油烟噪音")).await.unwrap();
        let street = RegionCode::parse(common::STREET).unwrap();
        let dispatcher = staff(11, "dispatcher", Role::Dispatcher, Scope::Region { code: street.clone() });
        let lead_user = staff(10, "chengguan", Role::DepartmentHandler, Scope::Department { id: 1, street: street.clone() });
        let assist_user = staff(12, "zhujian", Role::DepartmentHandler, Scope::Department { id: 2, street });
        let open = QueueFilter { open_only: true, ..Default::default() };
        let c = store.cases().get(&dispatcher.scope, reported.id).await.unwrap();
        let c = cases
            .act(
                &CaseActor::Staff(dispatcher.clone()),
                c.id,
                c.version,
                Action::Dispatch { lead: Unit::Department(1), assisting: vec![Unit::Department(2)], auto: false },
            )
            .await
            .unwrap();
        let assist = CaseActor::Staff(assist_user.clone());
        let c = cases.act(&assist, c.id, c.version, Action::Acknowledge { unit: Unit::Department(2) }).await.unwrap();
        for user in [&lead_user, &assist_user] {
            let q = store.cases().queue(&user.scope, &open, Page::default()).await.unwrap();
            assert_eq!(q.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c.id], "{}: in its open queue", t.label);
        }
        let lead = CaseActor::Staff(lead_user.clone());
        let c = cases.act(&lead, c.id, c.version, Action::Acknowledge { unit: Unit::Department(1) }).await.unwrap();
        let c = cases
            .act(
                &lead,
                c.id,
                c.version,
                Action::Report { unit: Unit::Department(1), reply: "已责令店主整改".into(), evidence: vec![] },
            )
            .await
            .unwrap();
        assert_eq!(c.status, Status::Handled, "{}", t.label);
        for user in [&lead_user, &assist_user] {
            let q = store.cases().queue(&user.scope, &open, Page::default()).await.unwrap();
            assert_eq!(q.total, 0, "{}: nothing left to work on", t.label);
            assert!(store.cases().get(&user.scope, c.id).await.is_ok(), "{}: still readable", t.label);
            let all = store.cases().queue(&user.scope, &QueueFilter::default(), Page::default()).await.unwrap();
            assert_eq!(all.items.len(), 1, "{}: in its list of every case", t.label);
        }
    }
}
