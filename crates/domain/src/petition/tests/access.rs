//! The kernel's petition permissions agree with the roles the machine names: whoever the rules
//! let register or act may reach the petition at all.

use super::*;
use crate::kernel::access::{Action as Permission, role_may};

#[test]
fn the_kernel_lets_in_every_role_the_machine_names() {
    for role in Role::ALL {
        assert_eq!(role_may(role, Permission::RegisterPetitions), INTAKE_ROLES.contains(&role), "{role:?}");
    }
    for role in INTAKE_ROLES.iter().chain(&HEAD_ROLES).chain(&REVIEW_ROLES) {
        assert!(role_may(*role, Permission::ReadPetitions), "{role:?}");
    }
    // Unit staff act for the unit holding a petition: departments and grid teams.
    for role in [Role::DepartmentHandler, Role::GridWorker, Role::CommunityWorker] {
        assert!(role_may(role, Permission::ReadPetitions), "{role:?}");
    }
}
