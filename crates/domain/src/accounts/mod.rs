//! Staff accounts: which scope fits which role, and the second factor of a login.

pub mod totp;

use crate::kernel::access::Role;

/// What a role/scope mismatch is called on every path.
pub const SCOPE_MISMATCH: &str = "职能部门人员须指定部门，其他角色须指定管辖区域";

/// A department role is scoped to a department, every other role to a region, except an admin,
/// who may have neither (the whole installation).
pub fn scope_fits_role(role: Role, region: Option<&str>, department: Option<i64>) -> bool {
    role.is_department_role() == department.is_some()
        && (role == Role::Admin || region.is_some() || department.is_some())
}

/// An existing account's new access: as [`scope_fits_role`], and never both a region and a department.
pub fn access_fits_role(role: Role, region: Option<&str>, department: Option<i64>) -> bool {
    scope_fits_role(role, region, department) && !(region.is_some() && department.is_some())
}
