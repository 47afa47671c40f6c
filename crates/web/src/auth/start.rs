//! The start page (工作台) with the role's entry points, and the password change form.

use crate::AppState;
use crate::auth::PendingCaller;
use crate::ui::error::{PageResult, render};
use crate::ui::form::CsrfForm;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/home.html")]
struct Home {
    shell: Shell,
    name: String,
    role: &'static str,
    second_factor_ok: bool,
}

/// `GET /`: the 工作台 for a session (even one still owing its second factor), else login.
pub async fn home(State(s): State<AppState>, caller: Option<PendingCaller>, headers: HeaderMap) -> Response {
    let Some(c) = caller else {
        return Redirect::to("/login").into_response();
    };
    // The bell, once the second factor is done (a failed count only hides it).
    let inboxes = crate::notices::inboxes(&s.store, &c.user).await.unwrap_or_default();
    let unread_notices = if c.second_factor_ok && !inboxes.is_empty() {
        s.store.cases().unread_notices(&inboxes).await.ok()
    } else {
        None
    };
    let flash = crate::ui::flash::read(&headers);
    let staff = Staff { user: c.user, csrf: c.csrf, flash, unread_notices, inboxes };
    let mut shell = Shell::staff("工作台", &staff, "/");
    if !c.second_factor_ok {
        shell.nav.clear();
    }
    render(&Home {
        shell,
        name: staff.user.display_name.clone(),
        role: staff.user.role.label(),
        second_factor_ok: c.second_factor_ok,
    })
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    shell: Shell,
    error: Option<String>,
    /// The user's API tokens, revocable here (issue 9 item 10).
    tokens: Vec<crate::auth::tokens::TokenView>,
    token_action: &'static str,
}

/// `GET /password`
pub async fn password_page(State(state): State<AppState>, staff: Staff) -> PageResult {
    let tokens = crate::auth::tokens::views(&state, staff.user.id).await?;
    let shell = Shell::staff("修改密码", &staff, "/password").narrow();
    Ok(render(&PasswordPage { shell, error: None, tokens, token_action: "/password/tokens/" }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// `POST /password`: ends every session of the user, then to the login page.
pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult {
    let tokens = crate::auth::tokens::views(&state, staff.user.id).await?;
    let again = |error: &str| {
        let page = PasswordPage {
            shell: Shell::staff("修改密码", &staff, "/password").narrow(),
            error: Some(error.into()),
            tokens: tokens.clone(),
            token_action: "/password/tokens/",
        };
        Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
    };
    let change = tongxin_app::accounts::PasswordChange {
        current_password: form.current_password,
        new_password: form.new_password,
    };
    match tongxin_app::accounts::change_own_password(&state.store, &staff.user, &change, state.config.hash_cost).await {
        Ok(()) => {}
        Err(tongxin_app::AppError::Invalid { message, .. }) => return again(&message),
        Err(e) => return Err(e.into()),
    }
    let mut resp = crate::ui::flash::redirect("/login", "ok", "密码已修改，请用新密码重新登录");
    resp.headers_mut().append(axum::http::header::SET_COOKIE, crate::auth::login::session_cookie(&state, "", 0));
    Ok(resp)
}
