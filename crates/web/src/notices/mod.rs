//! Notices for staff (issue 11 item 8): the bell in every staff page's header counts the unread
//! notices of the user's units (`ui::staff::Staff::unread_notices`); `/notices` lists them,
//! newest first, each opening its case and marking it read; "全部标为已读" marks them all.
//! Which units a user reads is `tongxin_store::cases::notices::NoticeInboxes::of`.

mod pages;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get, post};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/notices", get(pages::list)),
        r("GET", "/notices/{id}", get(pages::open)),
        r("POST", "/notices/read-all", post(pages::read_all)),
    ]
}
