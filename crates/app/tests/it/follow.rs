//! Finding a case again (issue 11 item 5) through the use-cases and the store, on both
//! backends: one-time codes stored keyed-hashed, expiring, single use, five wrong tries; 我的诉求
//! per phone with each reporter's own token; 催办 once per working day; 补充信息; follow links in
//! the text messages.

use chrono::Duration;
use tongxin_app::cases::{CaseActor, CaseError};
use tongxin_domain::case::follow::CODE_REFUSED;
use tongxin_domain::case::{Action, TransitionError};
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::Page;
use tongxin_store::cases::outbox::SmsRow;
use tongxin_testkit::both_backends;

use crate::common;
use common::{seed, service};

const PHONE: &str = "13812345678";
const OTHER: &str = "13987654321";

/// The text messages queued so far, newest first.
async fn texts(store: &tongxin_store::Store) -> Vec<SmsRow> {
    store.outbox().sms_page(Page::new(Some(1), Some(200))).await.unwrap().items
}

/// The six digits of the newest one-time code message.
async fn last_code(store: &tongxin_store::Store) -> String {
    let m = texts(store).await.into_iter().find(|m| m.kind == "follow_code").expect("a code message");
    let text = m.text();
    let start = text.find(|c: char| c.is_ascii_digit()).unwrap();
    text[start..start + 6].to_string()
}

both_backends! {
    async fn a_code_goes_only_to_the_cases_phone_and_opens_my_cases_once(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        cases.set_public_url("https://tongxin.example.gov.cn/");
        let first = cases.report(common::noise_report("楼上噪音扰民，半夜装修", Some(PHONE))).await.unwrap();
        let second = cases.report(common::noise_report("小区门口垃圾没人清运", Some(PHONE))).await.unwrap();
        cases.report(common::noise_report("路灯不亮", Some(OTHER))).await.unwrap();

        // The intake message carries the reporter's absolute follow link.
        let received: Vec<SmsRow> = texts(store).await.into_iter().filter(|m| m.kind == "received").collect();
        assert_eq!(received.len(), 3, "{}", t.label);
        let link = format!("https://tongxin.example.gov.cn/track/{}?t={}", first.code, first.follow_token);
        assert!(received.iter().any(|m| m.text().contains(&link)), "{}: {:?}", t.label, received[2].text());
        assert_eq!(received[2].phone_masked.as_deref(), Some("138****5678"));

        // Wrong phone, unknown code: the same Ok, and nothing is sent.
        cases.request_follow_code(&first.code, OTHER).await.unwrap();
        cases.request_follow_code("TX20991231-9999", PHONE).await.unwrap();
        assert!(texts(store).await.iter().all(|m| m.kind != "follow_code"), "{}", t.label);
        let bad = cases.request_follow_code(&first.code, "12").await.unwrap_err();
        assert!(matches!(bad, CaseError::Invalid { field: "phone", .. }));

        cases.request_follow_code(&first.code.to_lowercase(), PHONE).await.unwrap();
        let code = last_code(store).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let e = cases.verify_follow_code(&first.code, PHONE, wrong).await.unwrap_err();
        assert_eq!(e, CaseError::Invalid { field: "otp", message: CODE_REFUSED.into() });
        // The right code, but not the phone's own: same answer.
        let e = cases.verify_follow_code(&first.code, OTHER, &code).await.unwrap_err();
        assert_eq!(e.to_string(), CODE_REFUSED);
        let session = cases.verify_follow_code(&first.code, PHONE, &code).await.unwrap();
        let mine = cases.phone_cases(&session).await.unwrap().expect("a live session");
        let codes: Vec<&str> = mine.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, [second.code.as_str(), first.code.as_str()], "{}: this phone's cases, newest first", t.label);
        assert_eq!(cases.requester_token(&mine[1].code, mine[1].requester), first.follow_token);
        // Single use.
        assert_eq!(cases.verify_follow_code(&first.code, PHONE, &code).await.unwrap_err().to_string(), CODE_REFUSED);
        // The session ends after 30 minutes.
        t.clock.advance(Duration::minutes(31));
        assert!(cases.phone_cases(&session).await.unwrap().is_none(), "{}", t.label);
        assert!(cases.phone_cases("forged").await.unwrap().is_none());
    }
}

both_backends! {
    async fn codes_expire_and_die_after_five_wrong_tries(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        let r = cases.report(common::noise_report("楼道灯坏了", Some(PHONE))).await.unwrap();

        cases.request_follow_code(&r.code, PHONE).await.unwrap();
        let code = last_code(store).await;
        t.clock.advance(Duration::minutes(10));
        assert_eq!(cases.verify_follow_code(&r.code, PHONE, &code).await.unwrap_err().to_string(), CODE_REFUSED, "{}: expired", t.label);

        cases.request_follow_code(&r.code, PHONE).await.unwrap();
        let code = last_code(store).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            assert!(cases.verify_follow_code(&r.code, PHONE, wrong).await.is_err());
        }
        assert_eq!(cases.verify_follow_code(&r.code, PHONE, &code).await.unwrap_err().to_string(), CODE_REFUSED, "{}: out of tries", t.label);

        // A fresh code replaces the older one, which stops working.
        cases.request_follow_code(&r.code, PHONE).await.unwrap();
        let older = last_code(store).await;
        cases.request_follow_code(&r.code, PHONE).await.unwrap();
        let newer = last_code(store).await;
        if older != newer {
            assert!(cases.verify_follow_code(&r.code, PHONE, &older).await.is_err());
        }
        assert!(cases.verify_follow_code(&r.code, PHONE, &newer).await.is_ok(), "{}", t.label);

        // Every step is in the audit trail.
        let actions: Vec<String> = store.audit().list(None, Page::new(Some(1), Some(200))).await.unwrap().into_iter().map(|a| a.fields.action).collect();
        for a in ["case.follow_code_sent", "case.follow_code_refused", "case.follow_code_used"] {
            assert!(actions.iter().any(|x| x == a), "{}: no {a}", t.label);
        }
    }
}

both_backends! {
    async fn a_duplicates_reporter_sees_only_their_own_link(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        let first = cases.report(common::noise_report("楼上噪音扰民，半夜装修", Some(PHONE))).await.unwrap();
        let dup = cases.report(common::noise_report("楼上噪音扰民，半夜装修", Some(OTHER))).await.unwrap();
        assert!(dup.duplicate && dup.id == first.id, "{}", t.label);

        cases.request_follow_code(&first.code, OTHER).await.unwrap();
        let m = texts(store).await.into_iter().find(|m| m.kind == "follow_code").unwrap();
        assert_eq!(m.phone_masked.as_deref(), Some("139****4321"), "{}: sent to the second reporter", t.label);
        let session = cases.verify_follow_code(&first.code, OTHER, &last_code(store).await).await.unwrap();
        let mine = cases.phone_cases(&session).await.unwrap().unwrap();
        assert_eq!(mine.len(), 1);
        let token = cases.requester_token(&mine[0].code, mine[0].requester);
        assert_eq!(token, dup.follow_token, "{}", t.label);
        assert_ne!(token, first.follow_token);
        assert!(store.follow().reporter(&first.code, &Phone::parse(OTHER).unwrap()).await.unwrap().is_some());
    }
}

both_backends! {
    async fn urge_once_per_working_day_and_notes_reach_the_lead_unit(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        cases.set_public_url("https://tongxin.example.gov.cn");
        common::dispatch_noise_to_department_1(store, &cases).await;
        let r = cases.report(common::noise_report("楼上噪音扰民，半夜装修", Some(PHONE))).await.unwrap();
        let me = CaseActor::Requester { code: r.code.clone(), token: r.follow_token.clone() };
        let version = |c: &tongxin_store::cases::read::CaseView| c.version;

        let c = store.cases().get(&tongxin_domain::kernel::access::Scope::All, r.id).await.unwrap();
        let c = cases.urge(&me, r.id, version(&c)).await.unwrap();
        let again = cases.urge(&me, r.id, version(&c)).await.unwrap_err();
        assert_eq!(again, CaseError::Transition(TransitionError::AlreadyUrged), "{}", t.label);
        // The next working day it may urge again (2026-11-22 is a Sunday: Monday counts; Tuesday is next).
        t.clock.advance(Duration::days(2));
        let c = cases.urge(&me, r.id, version(&c)).await.unwrap();

        let photo = b"\x89PNG\r\n\x1a\n....".to_vec();
        let c = cases.add_note(&me, r.id, version(&c), "晚上十点以后最吵", vec![photo]).await.unwrap();
        let events = store.cases().events(r.id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "urged").count(), 2, "{}: {kinds:?}", t.label);
        assert!(events.iter().any(|e| e.kind == "requester_note" && e.note == "晚上十点以后最吵"));
        assert_eq!(store.cases().photo_refs(r.id).await.unwrap().len(), 1, "the note's photo is kept with the case");
        let e = cases.add_note(&me, r.id, version(&c), "  ", vec![]).await.unwrap_err();
        assert_eq!(e, CaseError::Transition(TransitionError::EmptyNote));
        // Staff cannot urge in the resident's name.
        let staff = CaseActor::Staff(common::staff_user(1, "d", tongxin_domain::kernel::access::Role::Dispatcher, tongxin_domain::kernel::access::Scope::All));
        assert!(cases.act(&staff, r.id, version(&c), Action::Urge { day: chrono::NaiveDate::MAX }).await.is_err());
    }
}
