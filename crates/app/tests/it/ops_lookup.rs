//! The stored reads behind the staff operations of issue 11, on both backends: a requester's
//! cases by full phone number (blind index, scope, audit, merged duplicates), region names, the
//! building register's address search, and the notices (inboxes per role, unread count, open,
//! mark all read, the 催办 flag).

use crate::common::{self, GRID, STREET};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::cases::notices::NoticeInboxes;
use tongxin_store::cases::outbox::NoticeDelivery;
use tongxin_store::residents::{SearchRefused, Searcher};
use tongxin_store::{Actor, Page};
use tongxin_testkit::{TestStore, both_backends};

fn region(code: &str) -> Scope {
    Scope::Region { code: RegionCode::parse(code).unwrap() }
}

async fn unread(t: &TestStore, inboxes: &NoticeInboxes) -> i64 {
    t.store.cases().unread_notices(inboxes).await.unwrap()
}

async fn notice(t: &TestStore, outbox_id: i64, unit: &str, case_id: Option<i64>, kind: &str) {
    let n = NoticeDelivery {
        outbox_id,
        unit: unit.into(),
        case_id,
        dispute_id: None,
        petition_id: None,
        kind: kind.into(),
        text: format!("通知 {outbox_id}"),
    };
    t.store.outbox().deliver_notices(&[n]).await.unwrap();
}

both_backends! {
    async fn a_full_phone_number_finds_its_cases_in_scope_after_an_audit_record(t: TestStore) {
        common::seed(&t.store).await;
        let cases = common::service(&t.store).await;
        let a = cases.report(common::noise_report("夜市噪音扰民", Some("13812345678"))).await.unwrap();
        let b = cases.report(common::noise_report("广场舞音响太响", Some("13812345678"))).await.unwrap();
        cases.report(common::noise_report("装修噪音", Some("13900000000"))).await.unwrap();
        // The same words at the same place from another phone: one case, a second requester.
        let dup = cases.report(common::noise_report("夜市噪音扰民", Some("13700001111"))).await.unwrap();
        assert!(dup.duplicate && dup.id == a.id, "{}", t.label);

        let actor = common::staff(&t.store, "searcher", Role::CommunityWorker, Some("330702001008")).await;
        let phone = Phone::parse("13812345678").unwrap();
        let without = Searcher { actor: &actor, can_unmask: false };
        let refused = t.store.cases().by_requester_phone_in_scope(&Scope::All, without, &phone).await.unwrap_err();
        assert_eq!(refused, SearchRefused::NeedsUnmask, "{}", t.label);
        let with = Searcher { actor: &actor, can_unmask: true };
        let found = t.store.cases().by_requester_phone_in_scope(&region("330702001008"), with, &phone).await.unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [b.id, a.id], "{}: newest first", t.label);
        // A later reporter of a merged duplicate finds the case too.
        let later = Phone::parse("13700001111").unwrap();
        let found = t.store.cases().by_requester_phone_in_scope(&Scope::All, with, &later).await.unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [a.id], "{}", t.label);
        // Out of scope: another street, a department not taking part.
        assert!(t.store.cases().by_requester_phone_in_scope(&region("330702002"), with, &phone).await.unwrap().is_empty());
        let dept = Scope::Department { id: 1, street: RegionCode::parse(STREET).unwrap() };
        assert!(t.store.cases().by_requester_phone_in_scope(&dept, with, &phone).await.unwrap().is_empty(), "{}", t.label);

        // One audit record per search (the refused one left none), with the number masked.
        let log = t.store.audit().list(None, Page::default()).await.unwrap();
        let searches: Vec<_> = log.iter().filter(|r| r.fields.action == "case.search_phone").collect();
        assert_eq!(searches.len(), 4, "{}", t.label);
        assert!(searches.iter().all(|r| !r.fields.detail.contains("13812345678")), "{}", t.label);
        assert!(searches.iter().any(|r| r.fields.detail.contains("138****5678")), "{}", t.label);
    }

    async fn region_names_and_the_address_search_stay_within_the_register(t: TestStore) {
        common::seed(&t.store).await;
        common::seed_household(&t.store).await;
        let names = t.store.cases().region_names(&[GRID.to_string(), "330702001008".into(), "999".into()]).await.unwrap();
        assert_eq!(names.get(GRID).map(String::as_str), Some("一网格"), "{}", t.label);
        assert_eq!(names.get("330702001008").map(String::as_str), Some("桃园社区"), "{}", t.label);
        assert_eq!(names.len(), 2, "{}: unknown codes are left out", t.label);

        let places = t.store.places();
        let hits = places.matching_address(&region(STREET), "1幢", 10).await.unwrap();
        assert_eq!(hits.iter().map(|b| b.id).collect::<Vec<_>>(), [1], "{}", t.label);
        assert!(places.matching_address(&region("330702002"), "1幢", 10).await.unwrap().is_empty(), "{}: scope", t.label);
        assert!(places.matching_address(&region(STREET), "%", 10).await.unwrap().is_empty(), "{}: % is literal", t.label);
        assert!(places.matching_address(&region(STREET), "_幢", 10).await.unwrap().is_empty(), "{}: _ is literal", t.label);
        assert!(places.matching_address(&region(STREET), "  ", 10).await.unwrap().is_empty(), "{}", t.label);
    }

    async fn notices_are_read_per_unit_and_counted_cheaply(t: TestStore) {
        common::seed(&t.store).await;
        let cases = common::service(&t.store).await;
        let c = cases.report(common::noise_report("夜市噪音扰民", None)).await.unwrap();
        notice(&t, 9001, "dept:1", Some(c.id), "dispatched").await;
        notice(&t, 9002, "dept:1", Some(c.id), "urge").await;
        notice(&t, 9003, "dept:2", Some(c.id), "dispatched").await;
        notice(&t, 9004, &format!("dispatchers:{STREET}"), Some(c.id), "returned").await;
        notice(&t, 9005, &format!("verifiers:{GRID}"), Some(c.id), "handled").await;
        notice(&t, 9006, &format!("supervisors:1:{STREET}"), Some(c.id), "supervised").await;

        let street = RegionCode::parse(STREET).unwrap();
        let dept1 = NoticeInboxes::of(Role::DepartmentHandler, &Scope::Department { id: 1, street: street.clone() });
        let dispatcher = NoticeInboxes::of(Role::Dispatcher, &region(STREET));
        let grid = NoticeInboxes::of(Role::GridWorker, &region(GRID));
        let community = NoticeInboxes::of(Role::CommunityWorker, &region("330702001008"));
        let leader = NoticeInboxes::of(Role::Leader, &region(STREET));
        let none = NoticeInboxes::of(Role::Mediator, &region(STREET));
        assert!(none.is_empty() && NoticeInboxes::of(Role::Admin, &Scope::All).is_empty(), "{}", t.label);
        let store = t.store.cases();
        assert_eq!(unread(&t, &dept1).await, 2, "{}: its own two, not dept:2's", t.label);
        assert_eq!(unread(&t, &dispatcher).await, 2, "{}: the centre's and the grid's verification", t.label);
        assert_eq!(unread(&t, &grid).await, 1, "{}", t.label);
        assert_eq!(unread(&t, &community).await, 1, "{}", t.label);
        assert_eq!(unread(&t, &leader).await, 2, "{}: the centre's and street supervision", t.label);
        assert_eq!(unread(&t, &none).await, 0, "{}", t.label);

        let page = store.notices_page(&dept1, Page::default()).await.unwrap();
        assert_eq!(page.total, 2, "{}", t.label);
        assert_eq!(page.items.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(), ["urge", "dispatched"], "{}: newest first", t.label);
        assert_eq!(page.items[0].case_code.as_deref(), Some(c.code.as_str()), "{}: the case by its code", t.label);

        let actor = Actor { user_id: None, name: "test".into() };
        let other = store.notices_page(&NoticeInboxes::of(Role::DepartmentHandler, &Scope::Department { id: 2, street }), Page::default()).await.unwrap();
        assert!(matches!(store.open_notice(&dept1, &actor, other.items[0].id).await, Err(tongxin_store::StoreError::NotFound)), "{}", t.label);
        let opened = store.open_notice(&dept1, &actor, page.items[1].id).await.unwrap();
        assert_eq!(opened.case_id, Some(c.id), "{}", t.label);
        assert_eq!(unread(&t, &dept1).await, 1, "{}", t.label);
        assert_eq!(store.mark_all_notices_read(&dept1, &actor).await.unwrap(), 1, "{}", t.label);
        assert_eq!(store.mark_all_notices_read(&dept1, &actor).await.unwrap(), 0, "{}", t.label);
        assert_eq!(unread(&t, &dept1).await, 0, "{}", t.label);
        assert_eq!(unread(&t, &dispatcher).await, 2, "{}: another unit's stay unread", t.label);

        let urged = store.urged_cases("dept:1", &[c.id, c.id + 1000]).await.unwrap();
        assert_eq!(urged.into_iter().collect::<Vec<_>>(), [c.id], "{}", t.label);
        assert!(store.urged_cases("dept:2", &[c.id]).await.unwrap().is_empty(), "{}", t.label);
    }
}
