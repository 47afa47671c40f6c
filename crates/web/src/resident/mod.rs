//! Residents, without an account: report a problem (`/report`, also from a building's QR code),
//! then follow it, confirm and rate the answer through the private link (`/track/{code}?t=…`).
//! What they may see of a case is decided once, in `crate::cases::public`. A lost link is found
//! again by tracking code + phone + a one-time SMS code (`follow`, `/track`), which also opens
//! 我的诉求; the follow page offers 催办 and 补充信息.

pub mod follow;
pub mod pages;

pub use follow::{FOLLOW_CODES_PER_PHONE_PER_HOUR, FOLLOW_TRIES_PER_IP_PER_HOUR};

use crate::AppState;
use crate::routes::RouteSpec;
use axum::routing::MethodRouter;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let mut all = pages::routes();
    all.extend(follow::routes());
    all
}
