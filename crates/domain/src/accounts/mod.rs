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

/// Minimum rules for a staff password.
pub fn check_password_strength(password: &str) -> Result<(), &'static str> {
    let long = password.chars().count() >= 10;
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if long && classes.iter().filter(|c| **c).count() >= 3 {
        Ok(())
    } else {
        Err("密码至少 10 位，并包含大写字母、小写字母、数字、符号中的三类")
    }
}

#[cfg(test)]
mod tests {
    use super::check_password_strength;

    #[test]
    fn a_password_needs_ten_characters_of_three_kinds() {
        assert!(check_password_strength("Tongxin@2026").is_ok());
        assert!(check_password_strength("short1A!").is_err(), "too short");
        assert!(check_password_strength("alllowercaseletters").is_err(), "one kind");
        assert!(check_password_strength("lowercase2026").is_err(), "two kinds");
        assert!(check_password_strength("lowercase2026!").is_ok(), "three kinds");
    }
}
