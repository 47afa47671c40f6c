//! Notices for staff (issue 11 item 8): the bell in every staff page's header counts the unread
//! notices of the user's units (`ui::staff::Staff::unread_notices`); `/notices` lists them,
//! newest first, each opening its case and marking it read; "全部标为已读" marks them all.
//! Which units a user reads is [`inboxes`]: `tongxin_store::cases::notices::NoticeInboxes::of`
//! (the case units) with the mediation units of `store.mediation().notice_units` (a mediator's
//! `mediator:N` and `mediation_org:N`, the desk's organisations). A notice about a dispute or a
//! petition opens its page.

mod pages;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get, post};

/// The notice inboxes of a staff account: its case units and its mediation units.
pub async fn inboxes(
    store: &tongxin_store::Store,
    user: &tongxin_store::accounts::User,
) -> Result<tongxin_store::cases::notices::NoticeInboxes, tongxin_store::StoreError> {
    let units = store.mediation().notice_units(user).await?;
    Ok(tongxin_store::cases::notices::NoticeInboxes::of(user.role, &user.scope).with_units(units))
}

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/notices", get(pages::list)),
        r("GET", "/notices/{id}", get(pages::open)),
        r("POST", "/notices/read-all", post(pages::read_all)),
    ]
}
