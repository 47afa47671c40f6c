//! The resident use-cases on both backends: every refused input is reported on its own field
//! (a bad phone on `phone`, a bad ID number on `id_number`, a household outside the grid on
//! `household_id`), and what passes is saved with its audit record.

use crate::common::GRID;
use chrono::NaiveDate;
use tongxin_app::AppError;
use tongxin_app::residents::{ResidentForm, create, update};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::StoreError;
use tongxin_store::residents::ResidentPatch;
use tongxin_testkit::both_backends;

fn id(seq: u16) -> String {
    IdNumber::compose("330702", NaiveDate::from_ymd_opt(1948, 3, 9).unwrap(), seq).as_str().to_string()
}

fn form(seq: u16) -> ResidentForm {
    ResidentForm {
        name: "王秀英".into(),
        id_number: id(seq),
        grid_code: GRID.into(),
        household_id: Some(1),
        phone: Some("13812345678".into()),
        relation: String::new(),
        tags: vec!["独居老人".into()],
    }
}

fn field_of<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    match r {
        Err(AppError::Invalid { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

both_backends! {
    async fn a_resident_is_registered_and_each_bad_input_names_its_field(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        crate::common::seed(store).await;
        crate::common::seed_household(store).await;
        let me = crate::common::staff(store, "grid", Role::GridWorker, Some(GRID)).await;
        let scope = Scope::Region { code: RegionCode::parse(GRID).unwrap() };

        let created = create(store, &scope, &me, form(1)).await.unwrap();
        assert_eq!(
            (created.relation.as_str(), created.phone_masked.as_deref()),
            ("其他", Some("138****5678")),
            "{label}"
        );

        let bad_phone = ResidentForm { phone: Some("12345".into()), ..form(2) };
        assert_eq!(field_of(create(store, &scope, &me, bad_phone).await), "phone", "{label}");
        let bad_id = ResidentForm { id_number: "330702194803090000".into(), ..form(3) };
        assert_eq!(field_of(create(store, &scope, &me, bad_id).await), "id_number", "{label}");
        let bad_name = ResidentForm { name: "王\u{7}英".into(), ..form(4) };
        assert_eq!(field_of(create(store, &scope, &me, bad_name).await), "name", "{label}");
        let too_many_tags = ResidentForm { tags: (0..21).map(|i| format!("标签{i}")).collect(), ..form(5) };
        assert_eq!(field_of(create(store, &scope, &me, too_many_tags).await), "tags", "{label}");
        let nowhere = ResidentForm { household_id: Some(99), ..form(6) };
        assert_eq!(field_of(create(store, &scope, &me, nowhere).await), "household_id", "{label}");
        assert!(
            matches!(create(store, &scope, &me, form(1)).await, Err(AppError::Store(StoreError::Conflict(_)))),
            "{label}: registered twice"
        );
    }
}

both_backends! {
    async fn an_edit_reports_a_bad_phone_on_phone_and_a_stale_version_as_a_conflict(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        crate::common::seed(store).await;
        crate::common::seed_household(store).await;
        let me = crate::common::staff(store, "grid", Role::GridWorker, Some(GRID)).await;
        let scope = Scope::Region { code: RegionCode::parse(GRID).unwrap() };
        let r = create(store, &scope, &me, form(1)).await.unwrap();

        let bad = ResidentPatch { phone: Some("123".into()), ..Default::default() };
        assert_eq!(field_of(update(store, &scope, &me, r.id, r.version, &bad).await), "phone", "{label}");
        let good = ResidentPatch { relation: Some("配偶".into()), phone: Some(String::new()), tags: None };
        let after = update(store, &scope, &me, r.id, r.version, &good).await.unwrap();
        assert_eq!((after.relation.as_str(), after.phone_masked.as_deref()), ("配偶", None), "{label}");
        assert_eq!(after.version, r.version + 1, "{label}");
        assert!(
            matches!(
                update(store, &scope, &me, r.id, r.version, &good).await,
                Err(AppError::Store(StoreError::Conflict(_)))
            ),
            "{label}: stale version"
        );
    }
}
