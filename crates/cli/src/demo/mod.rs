//! Demo data: a realistic street (or the whole 婺城区) generated deterministically from a seed,
//! and a fast bulk loader.
//!
//! [`generate`] is pure: the same [`DemoOptions`] always give the same [`World`]. Regions are
//! the real 2023 divisions of 婺城区 (`crates/cli/data/wucheng-2023.csv`); everything below
//! community level — grid boundaries, buildings, households, residents, party members, grid
//! teams — is synthetic. [`load`] writes a world into an empty database with multi-row inserts.

mod divisions;
mod generate;
pub mod history;
mod layout;
mod load;
pub mod mediation;
pub mod mediation_year;
mod names;
mod organisation;
pub mod past;
pub mod petition_year;
pub mod routing;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_domain::places::Polygon;

pub use generate::generate;
pub use load::load;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// 城东街道 (330702001): 5 communities, 75 grids, about 30,000 residents.
    Street,
    /// All 26 streets, towns and townships of 婺城区 with their 436 communities and villages,
    /// about 300,000 residents.
    District,
    /// Two communities of 城东街道 with a few hundred residents, for tests.
    #[doc(hidden)]
    Tiny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    pub seed: u64,
    pub scale: Scale,
}

impl Default for DemoOptions {
    fn default() -> DemoOptions {
        DemoOptions { seed: 2026, scale: Scale::Street }
    }
}

/// A staff account to create; the password is in clear (demo data) and hashed by the loader.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope_region: Option<String>,
    /// A department NAME within the demo street (城东街道), resolved to its id by [`load`].
    pub scope_department: Option<String>,
    pub can_unmask: bool,
    pub password: String,
    pub totp_secret: Option<Vec<u8>>,
}

/// A region with its boundary (none for the district).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoRegion {
    pub code: RegionCode,
    pub name: String,
    pub polygon: Option<Polygon<f64>>,
}

// Rows below refer to each other by index into the World's vectors; the loader turns indices
// into database ids.

#[derive(Debug, Clone, PartialEq)]
pub struct DemoBuilding {
    pub grid: String,
    pub name: String,
    pub address: String,
    pub lng: f64,
    pub lat: f64,
    pub floors: i64,
    pub units: i64,
    pub qr_token: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoHousehold {
    pub building: usize,
    pub grid: String,
    pub unit_no: i64,
    pub room_no: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoResident {
    pub household: usize,
    pub grid: String,
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
    /// 户主, 配偶, 子女, 父母, 孙子女 or 其他.
    pub relation: &'static str,
    pub tags: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoOrg {
    pub parent: Option<usize>,
    /// One of `tongxin_store::party::ORG_KINDS`.
    pub kind: &'static str,
    pub name: String,
    pub region: String,
    pub building: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoMember {
    pub resident: usize,
    pub org: usize,
    /// The member's home grid.
    pub region: String,
    pub name: String,
    pub status: &'static str,
    pub employment: &'static str,
    pub work_unit: String,
    pub joined_on: NaiveDate,
    pub dual_report_community: Option<String>,
    pub dual_report_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoCenter {
    pub member: usize,
    pub household: usize,
    pub org: usize,
    pub region: String,
    pub linked: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoDepartment {
    pub street: String,
    pub name: String,
    pub kind: &'static str,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoTeamMember {
    pub grid: String,
    /// One of `tongxin_store::party::TEAM_ROLES`.
    pub role: &'static str,
    pub name: String,
    pub phone: Option<Phone>,
    /// The demo user this team member is (linked after the user is created).
    pub username: Option<String>,
}

/// Everything generated, in memory. Regions are ordered parents first (by code length, then
/// code); buildings, households and residents grid by grid.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    pub seed: u64,
    pub scale: Scale,
    pub district_name: String,
    pub street_count: usize,
    pub regions: Vec<DemoRegion>,
    pub buildings: Vec<DemoBuilding>,
    pub households: Vec<DemoHousehold>,
    pub residents: Vec<DemoResident>,
    pub orgs: Vec<DemoOrg>,
    pub members: Vec<DemoMember>,
    pub centers: Vec<DemoCenter>,
    pub departments: Vec<DemoDepartment>,
    pub team: Vec<DemoTeamMember>,
    pub users: Vec<DemoUser>,
}

impl World {
    pub fn users(&self) -> &[DemoUser] {
        &self.users
    }

    /// Regions of one level (`RegionCode` length 6, 9, 12 or 15).
    pub fn count_level(&self, code_len: usize) -> usize {
        self.regions.iter().filter(|r| r.code.as_str().len() == code_len).count()
    }

    /// The code of the street the demo users work in (城东街道).
    pub fn demo_street(&self) -> &'static str {
        divisions::DEMO_STREET
    }

    /// One paragraph of counts, in Chinese.
    pub fn summary(&self) -> String {
        let streets = self.count_level(9);
        let communities = self.count_level(12);
        let grids = self.count_level(15);
        let place = if streets == 1 {
            let street =
                self.regions.iter().find(|r| r.code.as_str().len() == 9).map(|r| r.name.as_str()).unwrap_or_default();
            format!("{}{street}（{communities} 个社区、{grids} 个网格）", self.district_name)
        } else {
            format!("{}全域（{streets} 个街道/乡镇、{communities} 个社区/村、{grids} 个网格）", self.district_name)
        };
        let dual = self.members.iter().filter(|m| m.dual_report_community.is_some()).count();
        format!(
            "演示数据（随机种子 {}）：{place}，楼栋 {} 栋、住户 {} 户、居民 {} 人；\
             党组织 {} 个、党员 {} 名（其中双报到 {} 名）、党员中心户 {} 户；\
             职能部门 {} 个、网格队伍 {} 人、工作人员账号 {} 个。",
            self.seed,
            self.buildings.len(),
            self.households.len(),
            self.residents.len(),
            self.orgs.len(),
            self.members.len(),
            dual,
            self.centers.len(),
            self.departments.len(),
            self.team.len(),
            self.users.len(),
        )
    }
}
