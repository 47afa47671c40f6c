//! Resident storage on both backends: every search mode within scope, masking, unmasking with
//! its audit record, optimistic updates, duplicate ID numbers.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::NaiveDate;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::residents::{
    FULL_NUMBER_SEARCHES_PER_HOUR, NewResident, ResidentPatch, ResidentQuery, SEARCH_FULL_ACTION, SearchRefused,
    Searcher,
};
use tongxin_store::{Actor, Page, Store, StoreError};

use common::{GRID_A, GRID_B};

fn id(seq: u16) -> IdNumber {
    IdNumber::compose("330702", NaiveDate::from_ymd_opt(1948, 3, 9).unwrap(), seq)
}

async fn seed(store: &Store) {
    let now = store.now();
    common::seed_two_grids(store, |_| String::new()).await;
    let mut tx = store.db.begin().await.unwrap();
    let r = |rid: i64, hh: i64, grid: &str, name: &str, phone: &str, tags: &[&str]| NewResident {
        id: rid,
        household_id: Some(hh),
        grid_code: grid.into(),
        name: name.into(),
        id_number: id(rid as u16),
        phone: Some(Phone::parse(phone).unwrap()),
        relation: "户主".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    };
    store
        .residents()
        .insert_many(
            &mut tx,
            &[
                r(1, 1, GRID_A, "王建国", "13800001111", &["独居老人", "高龄"]),
                r(2, 1, GRID_A, "王秀兰", "13900002222", &[]),
                r(3, 2, GRID_B, "王强", "13700003333", &["独居老人"]),
                r(4, 2, GRID_B, "李娜", "13600001111", &[]),
            ],
            now,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn names(page: &tongxin_store::Paged<tongxin_store::residents::Resident>) -> Vec<&str> {
    page.items.iter().map(|r| r.name.as_str()).collect()
}

both_backends! {
    async fn search_modes_within_scope(t: TestStore) {
        let s = &t.store;
        seed(s).await;
        let all = Scope::All;
        let grid_a = Scope::Region { code: RegionCode::parse(GRID_A).unwrap() };
        let q = |q: &str| ResidentQuery { q: q.into(), ..Default::default() };
        let p = Page::default();

        let wang = s.residents().search(&all, &q("王"), p).await.unwrap();
        assert_eq!(
            (names(&wang), wang.total),
            (vec!["王建国", "王强", "王秀兰"], 3),
            "{}: surname prefix (code-point order on both backends)",
            t.label
        );
        assert_eq!(
            names(&s.residents().search(&grid_a, &q("王"), p).await.unwrap()),
            vec!["王建国", "王秀兰"],
            "{}: scoped",
            t.label
        );
        let clerk = Actor { user_id: Some(7), name: "clerk".into() };
        let may = Searcher { actor: &clerk, can_unmask: true };
        assert_eq!(
            names(&s.residents().search_as(&all, may, &q("13700003333"), p).await.unwrap()),
            vec!["王强"],
            "{}: full phone",
            t.label
        );
        assert_eq!(
            names(&s.residents().search_as(&all, may, &q(id(4).as_str()), p).await.unwrap()),
            vec!["李娜"],
            "{}: full ID",
            t.label
        );
        // "1111" is the tail of two phones, in two grids.
        assert_eq!(s.residents().search(&all, &q("1111"), p).await.unwrap().total, 2, "{}: last four", t.label);
        assert_eq!(
            s.residents().search(&grid_a, &q("1111"), p).await.unwrap().total,
            1,
            "{}: last four, scoped",
            t.label
        );
        let alone = ResidentQuery { tag: Some("独居老人".into()), ..Default::default() };
        assert_eq!(s.residents().search(&all, &alone, p).await.unwrap().total, 2, "{}: tag", t.label);
        assert!(matches!(s.residents().search(&all, &q("12345"), p).await, Err(StoreError::Invalid(_))));
        let dept = Scope::Department { id: 1, street: RegionCode::parse("330702001").unwrap() };
        assert_eq!(
            s.residents().search(&dept, &q(""), p).await.unwrap_err(),
            StoreError::NotFound,
            "{}: departments see no one",
            t.label
        );

        let page2 = s.residents().search(&all, &q(""), Page::new(Some(2), Some(3))).await.unwrap();
        assert_eq!((page2.items.len(), page2.total), (1, 4), "{}: pagination", t.label);

        let r = s.residents().get(&all, 1).await.unwrap();
        assert_eq!(r.id_masked, format!("3307**********{}", &id(1).as_str()[14..]));
        assert_eq!(r.phone_masked.as_deref(), Some("138****1111"));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["tags"], serde_json::json!(["独居老人", "高龄"]));
        assert!(!json.to_string().contains("13800001111"), "no clear phone in the masked view");
        assert_eq!(s.residents().get(&grid_a, 3).await.unwrap_err(), StoreError::NotFound, "{}: out of scope", t.label);
    }
}

both_backends! {
    async fn unmask_is_audited_and_updates_are_optimistic(t: TestStore) {
        let s = &t.store;
        seed(s).await;
        let all = Scope::All;
        let actor = Actor { user_id: None, name: "tester".into() };
        let clear = s.residents().get_unmasked(&all, &actor, 1).await.unwrap();
        assert_eq!((clear.id_number.as_str(), clear.phone.as_deref()), (id(1).as_str(), Some("13800001111")));
        let log = s.audit().list(Some(("resident", "1")), Page::default()).await.unwrap();
        assert_eq!(log[0].fields.action, "resident.unmask", "{}", t.label);

        let patch = ResidentPatch {
            phone: Some("13511112222".into()),
            relation: Some("配偶".into()),
            tags: Some(vec!["残疾".into()]),
        };
        let updated = s.residents().update(&all, &actor, 2, 1, &patch).await.unwrap();
        assert_eq!(
            (updated.version, updated.relation.as_str(), updated.phone_masked.as_deref()),
            (2, "配偶", Some("135****2222"))
        );
        let may = Searcher { actor: &actor, can_unmask: true };
        let by_phone = ResidentQuery { q: "13511112222".into(), ..Default::default() };
        assert_eq!(s.residents().search_as(&all, may, &by_phone, Page::default()).await.unwrap().total, 1);
        assert_eq!(
            s.residents()
                .search(&all, &ResidentQuery { tag: Some("残疾".into()), ..Default::default() }, Page::default())
                .await
                .unwrap()
                .total,
            1
        );
        // The same edit from a stale copy loses, with a conflict rather than a silent overwrite.
        assert!(
            matches!(s.residents().update(&all, &actor, 2, 1, &patch).await, Err(StoreError::Conflict(_))),
            "{}",
            t.label
        );
        assert!(matches!(
            s.residents()
                .update(&all, &actor, 2, 2, &ResidentPatch { phone: Some("123".into()), ..Default::default() })
                .await,
            Err(StoreError::Invalid(_))
        ));

        let dup = NewResident {
            id: 0,
            household_id: None,
            grid_code: GRID_A.into(),
            name: "重复".into(),
            id_number: id(1),
            phone: None,
            relation: "其他".into(),
            tags: vec![],
        };
        assert_eq!(
            s.residents().create(&all, &actor, dup).await.unwrap_err(),
            StoreError::Conflict("该身份证号已登记".into()),
            "{}",
            t.label
        );
        assert_eq!(s.residents().count().await.unwrap(), 4, "{}: nothing half-written", t.label);
        // The refusal confirms the number, so it is on record (issue 9, High 1), masked.
        let dup = s.audit().list(Some(("resident", "duplicate")), Page::default()).await.unwrap();
        assert_eq!(dup.len(), 1, "{}", t.label);
        assert!(!serde_json::to_string(&dup[0]).unwrap().contains(id(1).as_str()), "{}", t.label);
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// Issue 9, High 1: every length of digit string, as the masked forms and a guess would give
    /// it. Only the last four are a search for everyone; a full phone (11) or ID (18) is an unmask;
    /// every other length is refused, with or without the permission.
    async fn digit_strings_of_every_length_are_a_tail_an_unmask_or_refused(t: TestStore) {
        let s = &t.store;
        seed(s).await;
        let all = Scope::All;
        let p = Page::default();
        let clerk = Actor { user_id: Some(7), name: "clerk".into() };
        let without = Searcher { actor: &clerk, can_unmask: false };
        let with = Searcher { actor: &clerk, can_unmask: true };
        // Digits of resident 4's phone and ID: heads (as a guess builds them up) and tails.
        let full_id = id(4).as_str().to_string();
        let mut inputs = Vec::new();
        for len in 1..=20usize {
            let src: String = full_id.chars().chain("0123456789".chars()).take(len).collect();
            inputs.push(src);
            if len <= 18 {
                inputs.push(full_id[18 - len..].to_string());
            }
            if len <= 11 {
                inputs.push("13600001111"[..len].to_string());
                inputs.push("13600001111"[11 - len..].to_string());
            }
        }
        for q in inputs {
            let query = ResidentQuery { q: q.clone(), ..Default::default() };
            let plain = s.residents().search_as(&all, without, &query, p).await;
            let allowed = s.residents().search_as(&all, with, &query, p).await;
            match q.len() {
                4 => {
                    assert!(plain.is_ok() && allowed.is_ok(), "{}: {q} is a last four", t.label);
                }
                11 | 18 => {
                    assert_eq!(plain.unwrap_err(), SearchRefused::NeedsUnmask, "{}: {q} needs the unmask", t.label);
                    // A valid full number runs for holders; an 18-digit string with a bad check digit is invalid.
                    match allowed {
                        Ok(found) => assert!(found.total <= 1, "{}: {q}", t.label),
                        Err(SearchRefused::Store(StoreError::Invalid(_))) => {
                            assert_eq!(q.len(), 18, "{}: {q}", t.label)
                        }
                        Err(e) => panic!("{}: {q}: {e:?}", t.label),
                    }
                    // Nothing is confirmed without the permission, not even through the plain search.
                    assert!(s.residents().search(&all, &query, p).await.is_err(), "{}: {q}", t.label);
                }
                _ => {
                    for r in [plain, allowed] {
                        assert!(
                            matches!(&r, Err(SearchRefused::Store(StoreError::Invalid(m))) if m.contains("后 4 位")),
                            "{}: {q} must be refused: {r:?}",
                            t.label
                        );
                    }
                }
            }
        }
    }
}

both_backends! {
    /// Issue 9, High 1: a full-number search by a holder is recorded before it runs, without the
    /// number in clear, and refused past the hourly limit (nothing recorded for the refusal).
    async fn full_number_searches_are_audited_and_limited_per_user(t: TestStore) {
        let s = &t.store;
        seed(s).await;
        let all = Scope::All;
        let p = Page::default();
        let clerk = Actor { user_id: Some(7), name: "clerk".into() };
        let other = Actor { user_id: Some(8), name: "other".into() };
        let with = Searcher { actor: &clerk, can_unmask: true };
        let full_id = id(4).as_str().to_string();
        let by_id = ResidentQuery { q: full_id.clone(), ..Default::default() };
        let by_phone = ResidentQuery { q: "13600001111".into(), ..Default::default() };
        assert_eq!(names(&s.residents().search_as(&all, with, &by_id, p).await.unwrap()), vec!["李娜"]);
        assert_eq!(names(&s.residents().search_as(&all, with, &by_phone, p).await.unwrap()), vec!["李娜"]);
        let log = s.audit().list(Some(("resident", "search")), p).await.unwrap();
        assert_eq!(log.len(), 2, "{}", t.label);
        for r in &log {
            assert_eq!((r.fields.action.as_str(), r.fields.actor_id), (SEARCH_FULL_ACTION, Some(7)));
            let text = serde_json::to_string(r).unwrap();
            assert!(!text.contains(&full_id) && !text.contains("13600001111"), "{}: no number in clear", t.label);
            assert!(r.fields.after_digest.is_some(), "{}: a keyed digest to match later", t.label);
        }
        assert!(log[0].fields.detail.contains("136****1111"), "{}: {}", t.label, log[0].fields.detail);

        // A refused search (no permission) records nothing and confirms nothing.
        let without = Searcher { actor: &other, can_unmask: false };
        assert_eq!(s.residents().search_as(&all, without, &by_id, p).await.unwrap_err(), SearchRefused::NeedsUnmask);
        assert_eq!(s.audit().list(Some(("resident", "search")), p).await.unwrap().len(), 2);

        for _ in 2..FULL_NUMBER_SEARCHES_PER_HOUR {
            s.residents().search_as(&all, with, &by_phone, p).await.unwrap();
        }
        assert_eq!(
            s.residents().search_as(&all, with, &by_id, p).await.unwrap_err(),
            SearchRefused::RateLimited,
            "{}: the limit holds",
            t.label
        );
        // Another user has their own allowance; the first gets theirs back an hour later.
        let other_may = Searcher { actor: &other, can_unmask: true };
        assert!(s.residents().search_as(&all, other_may, &by_id, p).await.is_ok(), "{}", t.label);
        t.clock.advance(chrono::Duration::minutes(61));
        assert!(s.residents().search_as(&all, with, &by_id, p).await.is_ok(), "{}", t.label);
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}
