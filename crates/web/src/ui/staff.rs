//! The signed-in staff member behind a page request. Without a session the browser is sent to
//! the login page (and back here afterwards); an expired session says so.

use super::error::PageError;
use super::flash::{self, Flash};
use crate::AppState;
use crate::auth::next::next_or_start;
use crate::auth::{Caller, SESSION_COOKIE, cookie_value};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tongxin_domain::kernel::access::{Action, Scope, role_may};
use tongxin_store::Actor;
use tongxin_store::accounts::User;
use tongxin_store::cases::notices::NoticeInboxes;

#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    /// The session's CSRF token, put in every form.
    pub csrf: String,
    pub flash: Vec<Flash>,
    /// Unread notices of the user's units for the bell (up to `UNREAD_CAP` + 1); `None` for a
    /// user without a notice inbox.
    pub unread_notices: Option<i64>,
    /// The notice inboxes the user reads (`crate::notices::inboxes`).
    pub inboxes: NoticeInboxes,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user.id), name: self.user.username.clone() }
    }

    pub fn scope(&self) -> &Scope {
        &self.user.scope
    }

    /// The notice inboxes this user reads.
    pub fn notice_inboxes(&self) -> NoticeInboxes {
        self.inboxes.clone()
    }

    /// The same caller as the JSON API sees, to reuse its use-cases.
    pub fn caller(&self) -> Caller {
        Caller { user: self.user.clone(), csrf: Some(self.csrf.clone()) }
    }

    /// Refuses with the 403 page unless the role may attempt `action`.
    pub fn require(&self, action: Action) -> Result<(), PageError> {
        if role_may(self.user.role, action) { Ok(()) } else { Err(PageError::Forbidden) }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, PageError> {
        // Only a safe local path is carried to the login page (issue 9 item 7).
        let next =
            parts.uri.path_and_query().map(|p| next_or_start(p.as_str()).to_string()).unwrap_or_else(|| "/".into());
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(PageError::Login { next, expired: false });
        };
        let Some(session) = state.store.accounts().session(&token).await? else {
            return Err(PageError::Login { next, expired: true });
        };
        if !session.second_factor_ok {
            // The start page explains how to finish the second factor.
            return Err(PageError::SecondFactor);
        }
        // The bell on every staff page: one count over the `notices_unread` index.
        let inboxes = crate::notices::inboxes(&state.store, &session.user).await?;
        let unread_notices =
            if inboxes.is_empty() { None } else { Some(state.store.cases().unread_notices(&inboxes).await?) };
        let flash = flash::read(&parts.headers);
        Ok(Staff { user: session.user, csrf: session.csrf_token, flash, unread_notices, inboxes })
    }
}
