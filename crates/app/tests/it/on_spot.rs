//! Issue 11 item 3: a patrol case closed on the spot (就地解决) counts for its grid as
//! responded and resolved, and leaves 满意率 alone (no resident rates it).

use crate::common::{GRID, STREET, seed, service, staff, staff_user};
use tongxin_app::cases::{Place, Report, Reporter};
use tongxin_app::evaluation::{self, Level};
use tongxin_domain::case::{Channel, Weights};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_testkit::both_backends;

both_backends! {
    async fn a_patrol_case_closed_on_the_spot_is_responded_and_resolved_for_its_grid(t: TestStore) {
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        let account = staff(store, "grid1", Role::GridWorker, Some(GRID)).await;
        let scope = Scope::Region { code: RegionCode::parse(GRID).unwrap() };
        let worker = staff_user(account.user_id.unwrap(), "grid1", Role::GridWorker, scope);
        let reported = cases
            .report(Report {
                channel: Channel::Patrol,
                category: "city.noise".into(),
                urgency: None,
                title: None,
                description: "巡查发现楼道堆放杂物，已当场清理".into(),
                place: Place::Point { lng: 119.665, lat: 29.085 },
                address: String::new(),
                requester_name: None,
                phone: None,
                photos: vec![],
                reporter: Reporter::Staff(worker),
                on_spot_reply: Some("已当场清理完毕".into()),
            })
            .await
            .unwrap();
        let c = store.cases().get(&Scope::All, reported.id).await.unwrap();
        assert_eq!(c.status.as_str(), "closed");

        let month = evaluation::current_month(store);
        for key in [format!("area:{GRID}"), format!("area:{}", &GRID[..12]), format!("area:{STREET}")] {
            let rows = store.cases().unit_month_stats(&month, &key).await.unwrap();
            let s = rows.iter().find(|r| r.unit == key).unwrap_or_else(|| panic!("{key} counted"));
            assert_eq!(
                (s.dispatched, s.responded_in_time, s.closed_on_spot, s.rated, s.satisfied),
                (1, 1, 1, 0, 0),
                "{key}"
            );
        }
        let grids = evaluation::monthly(store, &Scope::All, &month, Level::Grid, &Weights::default()).await.unwrap();
        let g = grids.iter().find(|u| u.key == format!("area:{GRID}")).unwrap();
        assert_eq!((g.rates.response, g.rates.resolution, g.rates.satisfaction), (Some(1.0), Some(1.0), None));
    }
}
