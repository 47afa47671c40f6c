//! The starting world of a test: a region tree (district → street → community → grid) with
//! optional boundaries, departments, buildings and households, written in one transaction.
//!
//! ```ignore
//! let world = World::new(&store)
//!     .district("330702", "婺城区")
//!     .street(STREET, "城东街道")
//!     .community("330702001008", "桃园社区").bounded(square(119.66, 29.09, 0.01))
//!     .grid(GRID, "一网格").bounded(square(119.66, 29.09, 0.01))
//!     .department(1, STREET, "城管执法中队")
//!     .bump_geometry_revision()
//!     .build()
//!     .await;
//! assert_eq!(world.region("一网格"), GRID);
//! ```

use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::Store;
use tongxin_store::party::{NewDepartment, insert_departments};
use tongxin_store::places::{NewBuilding, NewHousehold, insert_buildings, insert_households};
use tongxin_store::regions::{Boundary, NewRegion, insert_regions};

/// What to write; nothing is written until [`World::build`].
pub struct World<'s> {
    store: &'s Store,
    regions: Vec<NewRegion>,
    departments: Vec<NewDepartment>,
    buildings: Vec<NewBuilding>,
    households: Vec<NewHousehold>,
    bump_geometry_revision: bool,
}

/// Named handles to what [`World::build`] wrote.
#[derive(Debug, Clone)]
pub struct Built {
    regions: Vec<(String, String)>,
    departments: Vec<(String, i64)>,
}

impl Built {
    /// The code of the region called `name`.
    pub fn region(&self, name: &str) -> &str {
        self.regions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, code)| code.as_str())
            .unwrap_or_else(|| panic!("no region named {name} in this world"))
    }

    /// The id of the department called `name`.
    pub fn department(&self, name: &str) -> i64 {
        self.departments
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no department named {name} in this world"))
    }
}

impl<'s> World<'s> {
    pub fn new(store: &'s Store) -> World<'s> {
        World {
            store,
            regions: Vec::new(),
            departments: Vec::new(),
            buildings: Vec::new(),
            households: Vec::new(),
            bump_geometry_revision: false,
        }
    }

    /// A region of any level (the code's length says which), without a boundary. Parents must
    /// come before their children.
    pub fn region(mut self, code: &str, name: &str) -> Self {
        let code = RegionCode::parse(code).unwrap_or_else(|e| panic!("region code {code}: {e:?}"));
        self.regions.push(NewRegion { code, name: name.into(), boundary: None });
        self
    }

    pub fn district(self, code: &str, name: &str) -> Self {
        self.region(code, name)
    }

    pub fn street(self, code: &str, name: &str) -> Self {
        self.region(code, name)
    }

    pub fn community(self, code: &str, name: &str) -> Self {
        self.region(code, name)
    }

    pub fn grid(self, code: &str, name: &str) -> Self {
        self.region(code, name)
    }

    /// Gives the region added last this boundary.
    pub fn bounded(mut self, boundary: Boundary) -> Self {
        self.regions.last_mut().expect("bounded() follows a region").boundary = Some(boundary);
        self
    }

    /// A department of `street`: kind 执法, no phone.
    pub fn department(self, id: i64, street: &str, name: &str) -> Self {
        self.add_department(NewDepartment {
            id,
            street_code: street.into(),
            name: name.into(),
            kind: "执法".into(),
            phone: String::new(),
        })
    }

    pub fn add_department(mut self, department: NewDepartment) -> Self {
        self.departments.push(department);
        self
    }

    pub fn building(mut self, building: NewBuilding) -> Self {
        self.buildings.push(building);
        self
    }

    pub fn household(mut self, household: NewHousehold) -> Self {
        self.households.push(household);
        self
    }

    /// Also bump the geometry revision, so locator caches reload the new boundaries.
    pub fn bump_geometry_revision(mut self) -> Self {
        self.bump_geometry_revision = true;
        self
    }

    /// Writes everything in one transaction, then moves the id sequences past the explicit
    /// ids given (PostgreSQL would otherwise hand them out again).
    pub async fn build(self) -> Built {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await.expect("begin");
        if !self.regions.is_empty() {
            insert_regions(&mut tx, &self.regions, now).await.expect("insert regions");
        }
        if !self.departments.is_empty() {
            insert_departments(&mut tx, &self.departments, now).await.expect("insert departments");
            tongxin_store::bulk::sync_id_sequence(&mut tx, "departments").await.expect("sync departments");
        }
        if !self.buildings.is_empty() {
            insert_buildings(&mut tx, &self.buildings, now).await.expect("insert buildings");
            tongxin_store::bulk::sync_id_sequence(&mut tx, "buildings").await.expect("sync buildings");
        }
        if !self.households.is_empty() {
            insert_households(&mut tx, &self.households, now).await.expect("insert households");
            tongxin_store::bulk::sync_id_sequence(&mut tx, "households").await.expect("sync households");
        }
        if self.bump_geometry_revision {
            tongxin_store::regions::bump_geometry_revision(&mut tx).await.expect("bump geometry revision");
        }
        tx.commit().await.expect("commit world");
        Built {
            regions: self.regions.iter().map(|r| (r.name.clone(), r.code.as_str().to_string())).collect(),
            departments: self.departments.iter().map(|d| (d.name.clone(), d.id)).collect(),
        }
    }
}
