//! The kernel's permission table agrees with the machine's role lists: whoever the web lets
//! into the register form may register, whoever it lets manage organisations runs the desk.

use crate::kernel::access::{Action, Role, role_may};
use crate::mediation::{ALERT_ROLES, COORDINATOR_ROLES, FOLLOW_UP_ROLES, REGISTER_ROLES, SUPERVISOR_ROLES};

fn roles_with(action: Action) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| role_may(*r, action)).collect()
}

fn sorted(roles: &[Role]) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| roles.contains(r)).collect()
}

#[test]
fn the_permission_table_matches_the_machine() {
    assert_eq!(roles_with(Action::RegisterDisputes), sorted(&REGISTER_ROLES));
    assert_eq!(roles_with(Action::ManageMediation), sorted(&COORDINATOR_ROLES));
    // Every role the machine lets act on a dispute can open it.
    let readers = roles_with(Action::ReadDisputes);
    for r in REGISTER_ROLES
        .iter()
        .chain(&COORDINATOR_ROLES)
        .chain(&SUPERVISOR_ROLES)
        .chain(&FOLLOW_UP_ROLES)
        .chain(&ALERT_ROLES)
    {
        assert!(readers.contains(r), "{r:?} acts on disputes but may not read them");
    }
    assert!(readers.contains(&Role::Mediator));
}
