//! Roles, scopes and what each role may do. Every read is limited to the user's scope: a region
//! subtree (by code prefix) or a department. Department staff never see residents.

use crate::kernel::region::RegionCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Leader,
    Dispatcher,
    CommunityWorker,
    GridWorker,
    PartySecretary,
    Mediator,
    DepartmentHandler,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Leader,
        Role::Dispatcher,
        Role::CommunityWorker,
        Role::GridWorker,
        Role::PartySecretary,
        Role::Mediator,
        Role::DepartmentHandler,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Dispatcher => "dispatcher",
            Role::CommunityWorker => "community_worker",
            Role::GridWorker => "grid_worker",
            Role::PartySecretary => "party_secretary",
            Role::Mediator => "mediator",
            Role::DepartmentHandler => "department_handler",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Leader => "领导",
            Role::Dispatcher => "指挥中心调度员",
            Role::CommunityWorker => "社区工作者",
            Role::GridWorker => "网格员",
            Role::PartySecretary => "党组织书记",
            Role::Mediator => "调解员",
            Role::DepartmentHandler => "职能部门办理人员",
        }
    }

    /// Admins must use a second factor.
    pub fn requires_totp(self) -> bool {
        self == Role::Admin
    }

    /// A department role is scoped to a department; every other role to a region subtree.
    pub fn is_department_role(self) -> bool {
        self == Role::DepartmentHandler
    }
}

/// Where a user's reads and writes are allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole installation (system administrators).
    All,
    /// A region and everything below it.
    Region { code: RegionCode },
    /// A department; it may see the places of its street but no personal data.
    Department { id: i64, street: RegionCode },
}

impl Scope {
    /// Code prefix bounding the places (regions, grids, buildings) this scope may read.
    pub fn places_prefix(&self) -> &str {
        match self {
            Scope::All => "",
            Scope::Region { code } => code.as_str(),
            Scope::Department { street, .. } => street.as_str(),
        }
    }

    /// Code prefix bounding the people (residents, households, members) this scope may read;
    /// `None` when it may read none.
    pub fn people_prefix(&self) -> Option<&str> {
        match self {
            Scope::All => Some(""),
            Scope::Region { code } => Some(code.as_str()),
            Scope::Department { .. } => None,
        }
    }

    pub fn covers_place(&self, code: &str) -> bool {
        code.starts_with(self.places_prefix())
    }

    pub fn covers_people_at(&self, code: &str) -> bool {
        self.people_prefix().is_some_and(|p| code.starts_with(p))
    }
}

/// Things a user can ask to do; checked against the role before any scope filter applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadPlaces,
    ManageGrids,
    ReadResidents,
    WriteResidents,
    ImportResidents,
    ExportResidents,
    ReadParty,
    WriteParty,
    ReadDepartments,
    ManageDepartments,
    ManageUsers,
    ReadAudit,
    /// Read cases in scope (queues, case pages); department staff: their own cases.
    ReadCases,
    /// Enter a case for someone (hotline operator) or from a patrol.
    EnterCases,
    /// Categories, routing rules, deadlines and the working calendar.
    ManageCaseConfig,
    /// Read disputes (矛盾纠纷) in scope; a mediator only those of the organisations they serve
    /// and those assigned to them (the store's viewer filter).
    ReadDisputes,
    /// The leaders' figures, the 矛调中心's daily list and the risk map of disputes (and the
    /// petitions' 按期率 for those who read petitions), each within the reader's reach: a
    /// mediator counts their organisations' disputes. Grid workers screen and register; the
    /// figures are the street's and the communities' management view.
    ReadDisputeStats,
    /// 调解登记: register a dispute (a grid worker's screening, the desk, a mediator).
    RegisterDisputes,
    /// Mediation organisations, committee rosters and mediators (the dispute desk).
    ManageMediation,
    /// The risk levels (风险等级) of the whole installation.
    ManageMediationConfig,
    /// Read the petitions (信访) in scope and attempt their steps; the petition rules decide who
    /// takes which step. Department staff: the petitions their department holds.
    ReadPetitions,
    /// Register a petition or escalate a case into one (登记): the registering office.
    RegisterPetitions,
    /// Read the grid screenings (网格排查) in scope: which grids are screened this month.
    ReadScreenings,
    /// Log a grid's screening: the grid's worker, and community workers for their grids.
    LogScreenings,
}

/// The permission table: which roles may attempt which action (scope still applies).
pub fn role_may(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ReadPlaces | ReadDepartments => true,
        ManageGrids | ManageDepartments | ManageUsers | ReadAudit | ImportResidents => role == Admin,
        ReadResidents => {
            matches!(role, Admin | Leader | Dispatcher | CommunityWorker | GridWorker | PartySecretary | Mediator)
        }
        WriteResidents => matches!(role, Admin | CommunityWorker | GridWorker),
        ExportResidents => matches!(role, Admin | CommunityWorker),
        ReadParty => matches!(role, Admin | Leader | CommunityWorker | GridWorker | PartySecretary),
        WriteParty => matches!(role, Admin | PartySecretary),
        ReadCases => matches!(role, Admin | Leader | Dispatcher | CommunityWorker | GridWorker | DepartmentHandler),
        EnterCases => matches!(role, Admin | Dispatcher | CommunityWorker | GridWorker),
        ManageCaseConfig | ManageMediationConfig => role == Admin,
        ReadPetitions => matches!(role, Admin | Leader | Dispatcher | CommunityWorker | GridWorker | DepartmentHandler),
        RegisterPetitions => matches!(role, Admin | Dispatcher),
        ReadDisputes => matches!(role, Admin | Leader | Dispatcher | CommunityWorker | GridWorker | Mediator),
        RegisterDisputes => matches!(role, Admin | Dispatcher | CommunityWorker | GridWorker | Mediator),
        ReadDisputeStats => matches!(role, Admin | Leader | Dispatcher | CommunityWorker | Mediator),
        ManageMediation => matches!(role, Admin | Dispatcher | CommunityWorker),
        ReadScreenings => matches!(role, Admin | Leader | Dispatcher | CommunityWorker | GridWorker),
        LogScreenings => matches!(role, CommunityWorker | GridWorker),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_staff_never_read_people() {
        let scope = Scope::Department { id: 3, street: RegionCode::parse("330702001").unwrap() };
        assert!(scope.people_prefix().is_none());
        assert!(!scope.covers_people_at("330702001008003"));
        assert!(scope.covers_place("330702001008003"));
        assert!(!scope.covers_place("330702002001001"));
        assert!(!role_may(Role::DepartmentHandler, Action::ReadResidents));
    }

    #[test]
    fn region_scope_is_a_prefix() {
        let grid = Scope::Region { code: RegionCode::parse("330702001008003").unwrap() };
        assert!(grid.covers_people_at("330702001008003"));
        assert!(!grid.covers_people_at("330702001008004"));
        assert!(Scope::All.covers_people_at("110101001001001"));
    }

    /// Disputes hold personal data: department staff and party secretaries read none; the
    /// desk (dispatchers, community workers) manages the organisations; only the admin sets the
    /// risk levels.
    #[test]
    fn who_works_on_disputes() {
        let readers: Vec<Role> = Role::ALL.into_iter().filter(|r| role_may(*r, Action::ReadDisputes)).collect();
        assert_eq!(
            readers,
            [Role::Admin, Role::Leader, Role::Dispatcher, Role::CommunityWorker, Role::GridWorker, Role::Mediator]
        );
        for r in Role::ALL {
            // Whoever registers or manages also reads.
            for a in [
                Action::RegisterDisputes,
                Action::ManageMediation,
                Action::ManageMediationConfig,
                Action::ReadDisputeStats,
            ] {
                assert!(!role_may(r, a) || role_may(r, Action::ReadDisputes), "{r:?} {a:?}");
            }
        }
        assert!(!role_may(Role::Leader, Action::RegisterDisputes));
        assert!(
            role_may(Role::GridWorker, Action::RegisterDisputes)
                && !role_may(Role::GridWorker, Action::ManageMediation)
        );
        assert!(
            role_may(Role::Mediator, Action::RegisterDisputes) && !role_may(Role::Mediator, Action::ManageMediation)
        );
        assert!(
            !role_may(Role::DepartmentHandler, Action::ReadDisputes)
                && !role_may(Role::PartySecretary, Action::ReadDisputes)
        );
        let config: Vec<Role> = Role::ALL.into_iter().filter(|r| role_may(*r, Action::ManageMediationConfig)).collect();
        assert_eq!(config, [Role::Admin]);
    }

    /// 信访 holds personal data: party secretaries and mediators do not read petitions (a
    /// mediation is linked by the petition's handler); only the office registers them.
    #[test]
    fn petition_readers_and_registrars() {
        let readers: Vec<Role> = Role::ALL.into_iter().filter(|r| role_may(*r, Action::ReadPetitions)).collect();
        assert!(!readers.contains(&Role::PartySecretary) && !readers.contains(&Role::Mediator));
        assert_eq!(readers.len(), 6);
        let registrars: Vec<Role> = Role::ALL.into_iter().filter(|r| role_may(*r, Action::RegisterPetitions)).collect();
        assert_eq!(registrars, [Role::Admin, Role::Dispatcher]);
        assert!(registrars.iter().all(|r| role_may(*r, Action::ReadPetitions)));
    }

    /// 网格排查: grid workers (and community workers for their grids) log; the street and
    /// community read who screened; no one without a region of grids reads them.
    #[test]
    fn who_screens_grids() {
        let loggers: Vec<Role> = Role::ALL.into_iter().filter(|r| role_may(*r, Action::LogScreenings)).collect();
        assert_eq!(loggers, [Role::CommunityWorker, Role::GridWorker]);
        let readers: Vec<Role> = Role::ALL.into_iter().filter(|r| role_may(*r, Action::ReadScreenings)).collect();
        assert_eq!(readers, [Role::Admin, Role::Leader, Role::Dispatcher, Role::CommunityWorker, Role::GridWorker]);
        assert!(loggers.iter().all(|r| role_may(*r, Action::RegisterDisputes)), "who logs registers what was found");
    }

    #[test]
    fn roles_round_trip_and_only_admins_need_totp() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(r.requires_totp(), r == Role::Admin);
        }
    }
}
