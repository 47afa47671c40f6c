//! The dashboard and the street map fail closed on the area asked for: a code that does not
//! parse, or lies outside the caller's scope, is refused — never read as "everything" (issue 10:
//! `scope_of` once turned an unparseable code into `Scope::All`). Both backends.

use crate::support::*;
use axum::http::StatusCode;
use tongxin_testkit::both_backends;

both_backends! {
    async fn an_unparseable_or_foreign_area_is_refused_not_widened(t: TestStore) {
        let f = fixture(&t).await;
        for who in [Who::Leader, Who::Dispatcher, Who::Admin] {
            let s = login(&f, who).await;
            for page in ["/dashboard", "/map", "/dashboard/export.xlsx?chart=areas"] {
                if send(&f.app, &s, "GET", page, None).await.status != StatusCode::OK {
                    continue; // the role may not see this page at all
                }
                for area in ["zzz", "33070200", "3307020019999", "330702001'--", "%20"] {
                    let sep = if page.contains('?') { '&' } else { '?' };
                    let uri = format!("{page}{sep}area={area}");
                    let r = send(&f.app, &s, "GET", &uri, None).await;
                    if area == "%20" {
                        // A blank area is no area: the caller's own scope.
                        assert_eq!(r.status, StatusCode::OK, "{}: {who:?} {uri}", t.label);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {who:?} {uri}", t.label);
                    assert!(!r.body.contains("城中街道"), "{}: {who:?} {uri} shows street 2", t.label);
                }
            }
        }
        // The caller's own scope when no area is asked: street 1 only for its leader.
        let leader = login(&f, Who::Leader).await;
        let own = send(&f.app, &leader, "GET", "/dashboard", None).await;
        assert_eq!(own.status, StatusCode::OK, "{}", t.label);
        assert!(own.body.contains("城东街道") && !own.body.contains("城中街道"), "{}", t.label);
        let dispatcher = login(&f, Who::Dispatcher).await;
        let foreign = send(&f.app, &dispatcher, "GET", &format!("/map?area={STREET2}"), None).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", t.label);
    }
}
