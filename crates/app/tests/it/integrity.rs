//! Issue 9 item 11 below HTTP, on both backends: a merge checked before another merge committed
//! is refused when it is written (no loop, even between two processes); a routing rule saved
//! with a unit not on record dispatches nothing.

use tongxin_app::cases::{CaseActor, Place, Report};
use tongxin_domain::case::{Action, CaseState, Satisfaction, Status, Unit};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::audit::AuditEntry;
use tongxin_store::cases::write::{CaseState as Row, Effects};
use tongxin_store::{Actor, StoreError};
use tongxin_testkit::both_backends;

use crate::common;
use common::{GRID, STREET, seed, service};

fn dispatcher() -> CaseActor {
    let street = Scope::Region { code: RegionCode::parse(STREET).unwrap() };
    CaseActor::Staff(common::staff_user(1, "dispatcher", Role::Dispatcher, street))
}

/// An anonymous noise report placed by its grid.
fn report(text: &str) -> Report {
    Report { place: Place::Grid { code: GRID.into() }, requester_name: None, ..common::noise_report(text, None) }
}

both_backends! {
    async fn a_merge_checked_before_another_committed_cannot_close_a_loop(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        let a = cases.report(report("楼下烧烤店油烟")).await.unwrap();
        let b = cases.report(report("烧烤店油烟熏到楼上")).await.unwrap();
        let b_before = store.cases().get(&Scope::All, b.id).await.unwrap();

        cases.act(&dispatcher(), a.id, 1, Action::Merge { into_case_id: b.id }).await.unwrap();
        // Another process checked B→A while A was still open, and writes it now.
        let mut state: CaseState = b_before.state.clone();
        state.status = Status::Merged;
        state.merged_into = Some(a.id);
        let row = Row {
            status: "merged".into(),
            open: false,
            lead_unit: None,
            state: serde_json::to_string(&state).unwrap(),
            deadline_at: None,
            warn_at: None,
            contact_deadline_at: None,
            parent_case_id: Some(a.id),
        };
        let audit = AuditEntry::new("case.merge", "case", b.id);
        let got = store
            .cases()
            .apply_change(b.id, b_before.version, &row, &Effects::default(), &Actor::system("other"), audit)
            .await;
        assert!(matches!(got, Err(StoreError::Conflict(_))), "{}: {got:?}", t.label);
        let b_now = store.cases().get(&Scope::All, b.id).await.unwrap();
        assert_eq!((b_now.status.as_str(), b_now.parent_case_id), ("received", None), "{}", t.label);

        // A case merged before is not held to the rule again: its requester still rates it
        // after the parent was finished.
        cases.act(&dispatcher(), b.id, b_now.version, Action::Reject { reason: "已由物业处理".into() }).await.unwrap();
        let requester = CaseActor::Requester { code: a.code.clone(), token: a.follow_token.clone() };
        let merged = store.cases().get(&Scope::All, a.id).await.unwrap();
        let rate = Action::Rate { resolved: true, satisfaction: Satisfaction::Satisfied, comment: String::new() };
        cases.act(&requester, a.id, merged.version, rate).await.unwrap();
    }
}

both_backends! {
    async fn a_rule_naming_a_unit_not_on_record_dispatches_nothing(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        // Saved before targets were checked (straight into the store).
        for (kind, target) in [("department", "999"), ("grid", "330702001008999")] {
            let rule = common::noise_rule("grid", GRID, kind, target);
            store.categories().create_rule(&Actor::system("legacy"), &rule).await.unwrap();
        }
        cases.reload().await.unwrap();
        assert!(cases.config().rules.is_empty(), "{}: {:?}", t.label, cases.config().rules);
        let c = cases.report(report("半夜有人在楼道喧哗")).await.unwrap();
        let view = store.cases().get(&Scope::All, c.id).await.unwrap();
        assert_eq!((view.status.as_str(), view.lead_unit), ("received", None), "{}", t.label);

        // A rule to a unit on record works as before.
        common::dispatch_noise_to_department_1(store, &cases).await;
        let c = cases.report(report("广场舞音响扰民")).await.unwrap();
        let view = store.cases().get(&Scope::All, c.id).await.unwrap();
        assert_eq!(view.lead_unit.map(|u| u.key()), Some(Unit::Department(1).key()), "{}", t.label);
    }
}
