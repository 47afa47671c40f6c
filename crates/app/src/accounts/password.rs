//! Password hashing with argon2id. The cost is configurable so tests can hash quickly; the
//! parameters travel inside each PHC string, so a hash made at any cost verifies. (The strength
//! rule is the domain's: `tongxin_domain::accounts::check_password_strength`.)

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP's argon2id baseline: 19 MiB, 2 passes.
    Standard,
    /// For tests only.
    Fast,
}

fn argon(cost: HashCost) -> Argon2<'static> {
    let params = match cost {
        HashCost::Standard => Params::new(19 * 1024, 2, 1, None),
        HashCost::Fast => Params::new(1024, 1, 1, None),
    }
    .expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str, cost: HashCost) -> String {
    argon(cost).hash_password(password.as_bytes()).expect("argon2 hashing").to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    // The parameters in the PHC string govern verification, not the instance's.
    argon(HashCost::Standard).verify_password(password.as_bytes(), phc).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("Tongxin@2026", HashCost::Fast);
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Tongxin@2026", &h));
        assert!(!verify("tongxin@2026", &h));
        assert!(!verify("x", "not a hash"));
    }
}
