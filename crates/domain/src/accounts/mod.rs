//! Staff accounts: the second factor of a login.

pub mod totp;
