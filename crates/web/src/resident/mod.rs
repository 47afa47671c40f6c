//! Residents, without an account: report a problem (`/report`, also from a building's QR code),
//! then follow it, confirm and rate the answer through the private link (`/track/{code}?t=…`).
//! What they may see of a case is decided once, in `crate::cases::public`.

pub mod pages;

pub use pages::routes;
