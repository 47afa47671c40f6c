//! Issue 9 item 11 below HTTP, on both backends: a merge checked before another merge committed
//! is refused when it is written (no loop, even between two processes); a routing rule saved
//! with a unit not on record dispatches nothing.

use tongxin_app::cases::{CaseActor, Place, Report, Reporter};
use tongxin_domain::case::{Action, CaseState, Channel, Satisfaction, Status, Unit};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::accounts::User;
use tongxin_store::audit::AuditEntry;
use tongxin_store::cases::categories::RuleRow;
use tongxin_store::cases::write::{CaseState as Row, Effects};
use tongxin_store::{Actor, StoreError};
use tongxin_testkit::both_backends;

use crate::common;
use common::{GRID, STREET, seed, service};

fn dispatcher() -> CaseActor {
    CaseActor::Staff(User {
        id: 1,
        username: "dispatcher".into(),
        display_name: "dispatcher".into(),
        role: Role::Dispatcher,
        scope: Scope::Region { code: RegionCode::parse(STREET).unwrap() },
        can_unmask: false,
        totp_enabled: false,
        active: true,
    })
}

fn report(text: &str) -> Report {
    Report {
        channel: Channel::Web,
        category: "city.noise".into(),
        urgency: None,
        title: None,
        description: text.into(),
        place: Place::Grid { code: GRID.into() },
        address: "桃园小区3幢".into(),
        requester_name: None,
        phone: None,
        photos: vec![],
        reporter: Reporter::Resident,
        on_spot_reply: None,
    }
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
            let rule = RuleRow {
                id: 0,
                category_code: "city.noise".into(),
                area_kind: "grid".into(),
                area_code: GRID.into(),
                target_kind: kind.into(),
                target_ref: target.into(),
                auto_dispatch: true,
                version: 1,
            };
            store.categories().create_rule(&Actor::system("legacy"), &rule).await.unwrap();
        }
        cases.reload().await.unwrap();
        assert!(cases.config().rules.is_empty(), "{}: {:?}", t.label, cases.config().rules);
        let c = cases.report(report("半夜有人在楼道喧哗")).await.unwrap();
        let view = store.cases().get(&Scope::All, c.id).await.unwrap();
        assert_eq!((view.status.as_str(), view.lead_unit), ("received", None), "{}", t.label);

        // A rule to a unit on record works as before.
        let rule = RuleRow {
            id: 0,
            category_code: "city.noise".into(),
            area_kind: "street".into(),
            area_code: STREET.into(),
            target_kind: "department".into(),
            target_ref: "1".into(),
            auto_dispatch: true,
            version: 1,
        };
        store.categories().create_rule(&Actor::system("test"), &rule).await.unwrap();
        cases.reload().await.unwrap();
        let c = cases.report(report("广场舞音响扰民")).await.unwrap();
        let view = store.cases().get(&Scope::All, c.id).await.unwrap();
        assert_eq!(view.lead_unit.map(|u| u.key()), Some(Unit::Department(1).key()), "{}", t.label);
    }
}
