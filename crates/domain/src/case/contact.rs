//! Contacting the requester (issue 11 item 2): who may reveal the full phone number of a
//! case's requester, and which cases have a requester to contact at all.
//!
//! The lead unit (its staff acting for it) and the dispatchers may reveal the number — the
//! 12345 practice: the 承办单位 contacts the requester (北京市接诉即办工作条例 art 15,
//! DOMAIN-RULES §7.2) and the dispatcher may call back. Every reveal is audited by the store.
//! A patrol's own finding (巡查发现) has no requester: nothing to reveal or to contact.

use super::{CaseState, Channel, Unit};
use crate::kernel::access::Role;

/// The case has a requester to contact: not a patrol's finding, and a name or phone given.
pub fn has_requester(state: &CaseState, has_phone: bool, has_name: bool) -> bool {
    state.channel != Channel::Patrol && (has_phone || has_name)
}

/// Whether a staff member (`role`, acting for `own_unit`) may reveal the requester's phone.
pub fn may_reveal_phone(role: Role, own_unit: Option<&Unit>, state: &CaseState, has_phone: bool) -> bool {
    if !has_phone || state.channel == Channel::Patrol {
        return false;
    }
    role == Role::Dispatcher || own_unit.is_some_and(|u| state.lead.as_ref() == Some(u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_unit_and_dispatcher_only() {
        let lead = Unit::Department(1);
        let mut s = CaseState::new(Channel::Web);
        s.lead = Some(lead.clone());
        // (role, own unit, has phone, expected)
        let table: [(Role, Option<Unit>, bool, bool); 8] = [
            (Role::Dispatcher, None, true, true),
            (Role::DepartmentHandler, Some(lead.clone()), true, true),
            (Role::DepartmentHandler, Some(Unit::Department(2)), true, false),
            (Role::Leader, None, true, false),
            (Role::Admin, None, true, false),
            (Role::GridWorker, Some(Unit::GridTeam("330702001008001".into())), true, false),
            (Role::Dispatcher, None, false, false),
            (Role::DepartmentHandler, Some(lead.clone()), false, false),
        ];
        for (role, unit, phone, want) in table {
            assert_eq!(may_reveal_phone(role, unit.as_ref(), &s, phone), want, "{role:?} {unit:?} {phone}");
        }
        let grid = Unit::GridTeam("330702001008001".into());
        s.lead = Some(grid.clone());
        assert!(may_reveal_phone(Role::GridWorker, Some(&grid), &s, true), "a grid team leading the case");
    }

    #[test]
    fn patrol_findings_have_no_requester() {
        let mut s = CaseState::new(Channel::Patrol);
        assert!(!has_requester(&s, true, true));
        assert!(!may_reveal_phone(Role::Dispatcher, None, &s, true));
        s.channel = Channel::Hotline;
        assert!(has_requester(&s, false, true) && has_requester(&s, true, false) && !has_requester(&s, false, false));
    }
}
