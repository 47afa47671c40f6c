//! Issue 9, High 1: masking was defeated by search. A full ID or phone number in a resident
//! search confirms a guess, so it is an unmask: permission, audit record, hourly limit — on the
//! JSON API and on the pages alike; partial numbers other than the last four are refused; the
//! birth date is not sent beside the masked ID.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use chrono::NaiveDate;
use support::*;
use tongxin_domain::people::idcard::IdNumber;

fn id_of(resident: i64) -> String {
    IdNumber::compose("330702", NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(), resident as u16).as_str().to_string()
}

both_backends! {
    async fn full_number_search_is_an_unmask_on_every_path(t: TestStore) {
        let f = fixture(&t).await;
        let grid = login(&f, Who::Grid).await;
        let full_id = id_of(f.ids.resident_a1);
        let phone = format!("1380000{:04}", f.ids.resident_a1);

        // What the masked view gives: no birth date beside the masked ID.
        let one = send(&f.app, &grid, "GET", &format!("/api/v1/residents/{}", f.ids.resident_a1), None).await.json();
        assert!(one.get("birth_date").is_none(), "{}: {one}", t.label);
        let list = send(&f.app, &grid, "GET", "/api/v1/residents?q=王", None).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.body.contains("birth_date") && !list.body.contains("1950-01-01"), "{}", t.label);

        // The two-search ID attack's confirming search, and a full-phone search, are refused
        // alike for a right and a wrong guess: nothing is confirmed.
        let mut wrong_id = IdNumber::compose("330702", NaiveDate::from_ymd_opt(1950, 1, 2).unwrap(), 1);
        if wrong_id.as_str() == full_id {
            wrong_id = IdNumber::compose("330702", NaiveDate::from_ymd_opt(1950, 1, 3).unwrap(), 1);
        }
        for (right, wrong) in [(full_id.clone(), wrong_id.as_str().to_string()), (phone.clone(), "13800009999".into())]
        {
            let a = send(&f.app, &grid, "GET", &format!("/api/v1/residents?q={right}"), None).await;
            let b = send(&f.app, &grid, "GET", &format!("/api/v1/residents?q={wrong}"), None).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{}: {}", t.label, a.body);
            assert_eq!((a.status, &a.body), (b.status, &b.body), "{}: same answer for right and wrong", t.label);
            assert!(a.json()["error"]["message"].as_str().unwrap().contains("权限"));
            let page = send(&f.app, &grid, "GET", &format!("/grid/households?q={right}"), None).await;
            assert_eq!(page.status, StatusCode::OK, "{}", t.label);
            assert!(page.body.contains("没有该权限") && !page.body.contains("王建国"), "{}: page refuses", t.label);
        }

        // With the permission the same searches work and leave records without the number.
        let community = login(&f, Who::Community).await;
        for q in [&full_id, &phone] {
            let found = send(&f.app, &community, "GET", &format!("/api/v1/residents?q={q}"), None).await;
            assert_eq!(found.status, StatusCode::OK, "{}: {}", t.label, found.body);
            assert_eq!(found.json()["items"][0]["name"], "王建国");
        }
        let page = send(&f.app, &community, "GET", &format!("/grid/households?q={phone}"), None).await;
        assert!(page.body.contains("王建国"), "{}: page search for holders", t.label);
        let admin = login(&f, Who::Admin).await;
        let log = send(&f.app, &admin, "GET", "/api/v1/audit?entity=resident&entity_id=search", None).await;
        let log = log.json();
        let entries = log.as_array().unwrap();
        assert_eq!(entries.len(), 3, "{}: {log}", t.label);
        assert!(entries.iter().all(|e| e["action"] == "resident.search_full" && e["actor_name"] == "community"));
        assert!(!log.to_string().contains(&full_id) && !log.to_string().contains(&phone), "{}", t.label);
        assert_eq!(send(&f.app, &admin, "GET", "/api/v1/audit/verify", None).await.json()["ok"], true);

        // The class of digit strings: only 4, 11 and 18 are searches; the rest are refused.
        for len in 1..=19usize {
            let q: String = full_id.chars().chain("12".chars()).take(len).collect();
            let reply = send(&f.app, &grid, "GET", &format!("/api/v1/residents?q={q}"), None).await;
            let expected = match len {
                4 => StatusCode::OK,
                11 | 18 => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            assert_eq!(reply.status, expected, "{}: {len} digits: {}", t.label, reply.body);
            if expected == StatusCode::UNPROCESSABLE_ENTITY {
                assert_eq!(reply.json()["error"]["field"], "q");
                assert!(reply.json()["error"]["message"].as_str().unwrap().contains("后 4 位"));
            }
        }
    }
}
