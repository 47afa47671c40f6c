//! Address-only reports are routed by the building register (issue 11, minors): the address
//! text names a building, so the case lands in that building's grid and the grid's (or else the
//! street's) routing rule applies; text naming no building stays at the street for the dispatcher.

use tongxin_app::cases::{Place, Report};
use tongxin_store::places::NewBuilding;
use tongxin_testkit::{World, both_backends, square};

use crate::common::{self, STREET};

const GRID_EAST: &str = "330702001008002";

fn building(id: i64, grid: &str, name: &str, lng: f64) -> NewBuilding {
    NewBuilding {
        id,
        grid_code: grid.into(),
        name: name.into(),
        address: format!("婺城区城东街道{name}"),
        lng,
        lat: 29.085,
        floors: 6,
        units: 2,
        qr_token: format!("qr-{id}"),
    }
}

fn address_only(address: &str) -> Report {
    Report {
        place: Place::Address,
        address: address.into(),
        ..common::noise_report("晚上十点后广场舞音响声很大", None)
    }
}

both_backends! {
    async fn an_address_naming_a_building_is_routed_by_its_grid(t: TestStore) {
        let store = &t.store;
        common::seed(store).await;
        World::new(store)
            .grid(GRID_EAST, "二网格")
            .bounded(square(119.67, 29.09, 0.01))
            .department(2, STREET, "东片执法队")
            .building(building(1, common::GRID, "桃园小区1幢", 119.665))
            .building(building(2, GRID_EAST, "桃园小区3幢", 119.675))
            .building(building(3, GRID_EAST, "杏林苑1幢", 119.676))
            .bump_geometry_revision()
            .build()
            .await;
        let cases = common::service(store).await;
        common::dispatch_noise_to_department_1(store, &cases).await;
        let grid_rule = common::noise_rule("grid", GRID_EAST, "department", "2");
        store.categories().create_rule(&tongxin_store::Actor::system("test"), &grid_rule).await.unwrap();
        cases.reload().await.unwrap();
        let scope = tongxin_domain::kernel::access::Scope::All;

        // 3号楼 is how people write 3幢: the east grid's rule sends it to department 2.
        let r = cases.report(address_only("桃园小区 3号楼 2单元门口")).await.unwrap();
        let c = store.cases().get(&scope, r.id).await.unwrap();
        assert_eq!(c.grid_code.as_deref(), Some(GRID_EAST), "{}", t.label);
        assert_eq!(c.lead_unit.map(|u| u.key()).as_deref(), Some("dept:2"), "{}: the grid's rule", t.label);
        assert_eq!((c.lng, c.lat), (Some(119.675), Some(29.085)), "{}: on the map at the building", t.label);

        // 桃园小区1幢 is in the first grid, which has no rule of its own: the street's applies.
        let r = cases.report(address_only("桃园小区1幢楼下")).await.unwrap();
        let c = store.cases().get(&scope, r.id).await.unwrap();
        assert_eq!(c.grid_code.as_deref(), Some(common::GRID), "{}", t.label);
        assert_eq!(c.lead_unit.map(|u| u.key()).as_deref(), Some("dept:1"), "{}", t.label);

        // No building named: the street, no grid, no point; it waits for the dispatcher.
        let r = cases.report(address_only("人民路与八一街交叉口")).await.unwrap();
        let c = store.cases().get(&scope, r.id).await.unwrap();
        assert_eq!((c.street_code.as_str(), c.grid_code.as_deref(), c.lng), (STREET, None, None), "{}", t.label);
        assert_eq!(c.lead_unit, None, "{}: no grid, so no grid or street rule fired", t.label);
    }
}
