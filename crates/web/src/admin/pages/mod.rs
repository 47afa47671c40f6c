//! 管理: the system administrator's pages — regions and grids, categories and routing rules
//! (with the dry run), deadlines and the working calendar, the 三率 evaluation weights, users,
//! and imports. Only the Admin
//! role (whose second factor the [`Staff`] extractor already demands) may open them; every
//! change goes through the same store calls and API logic as the JSON API, which audit it.

mod categories;
mod category_form;
mod deadlines;
mod evaluation;
mod imports;
mod regions;
mod rules;
mod users;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use crate::ui::error::PageError;
use crate::ui::staff::Staff;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_store::{Page, Paged};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let upload = || DefaultBodyLimit::max(crate::exchange::api::MAX_UPLOAD);
    vec![
        r("GET", "/admin/regions", get(regions::page)),
        r("GET", "/admin/categories", get(categories::page)),
        r("POST", "/admin/categories", post(category_form::create_category)),
        r("GET", "/admin/categories/{code}", get(category_form::edit_category)),
        r("POST", "/admin/categories/{code}", post(category_form::save_category)),
        r("POST", "/admin/routing-rules", post(rules::create_rule)),
        r("GET", "/admin/routing-rules/{id}", get(rules::edit_rule)),
        r("POST", "/admin/routing-rules/{id}", post(rules::update_rule)),
        r("POST", "/admin/routing-rules/{id}/delete", post(rules::delete_rule)),
        r("GET", "/admin/deadlines", get(deadlines::page)),
        r("POST", "/admin/deadlines", post(deadlines::save)),
        r("GET", "/admin/deadlines/calendar.txt", get(deadlines::calendar_file)),
        r("POST", "/admin/deadlines/calendar", post(deadlines::upload_calendar).layer(upload())),
        r("GET", "/admin/evaluation", get(evaluation::page)),
        r("POST", "/admin/evaluation", post(evaluation::save)),
        r("GET", "/admin/users", get(users::page)),
        r("POST", "/admin/users", post(users::create)),
        r("GET", "/admin/users/{id}", get(users::show)),
        r("POST", "/admin/users/{id}", post(users::update)),
        r("POST", "/admin/users/{id}/password", post(users::reset_password)),
        r("POST", "/admin/users/{id}/tokens/{token}/revoke", post(crate::auth::tokens::revoke_for_user_form)),
        r("GET", "/admin/imports", get(imports::page)),
        r("POST", "/admin/imports/grids", post(imports::grids).layer(upload())),
        r("POST", "/admin/imports/residents", post(imports::residents).layer(upload())),
    ]
}

/// Refuses everyone but the administrator with the 403 page.
fn admin_only(staff: &Staff) -> Result<(), PageError> {
    if staff.user.role == Role::Admin { Ok(()) } else { Err(PageError::Forbidden) }
}

/// Departments as the forms and lists name them: with their street when there are several.
async fn department_labels(s: &AppState, scope: &Scope) -> Result<Vec<(i64, String)>, PageError> {
    let depts = s.store.departments().list(scope).await?;
    let streets: std::collections::HashMap<String, String> = s
        .store
        .regions()
        .in_scope(scope, false)
        .await?
        .into_iter()
        .filter(|r| r.level == "street")
        .map(|r| (r.code, r.name))
        .collect();
    let several = depts.iter().any(|d| d.street_code != depts[0].street_code);
    Ok(depts
        .into_iter()
        .map(|d| {
            let label = match streets.get(&d.street_code) {
                Some(street) if several => format!("{}（{street}）", d.name),
                _ => d.name,
            };
            (d.id, label)
        })
        .collect())
}

/// One page of a short list held in memory (users, the grids of one area).
fn page_of<T: Clone>(all: &[T], page: Page) -> Paged<T> {
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX).min(all.len());
    let end = start.saturating_add(usize::try_from(page.limit()).unwrap_or(20)).min(all.len());
    Paged {
        items: all[start..end].to_vec(),
        page: page.page,
        per_page: page.per_page,
        total: all.len() as i64,
        total_capped: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_a_list() {
        let all: Vec<u32> = (1..=45).collect();
        let p = page_of(&all, Page::new(Some(3), Some(20)));
        assert_eq!(p.items, (41..=45).collect::<Vec<_>>());
        assert_eq!(p.total, 45);
        let pager = crate::ui::pager::Pager::new(&p, "/admin/users", "page", &[]);
        assert_eq!((pager.pages.as_str(), pager.prev.as_deref(), pager.next), ("3", Some("/admin/users?page=2"), None));
        assert!(page_of(&all, Page::new(Some(9), Some(20))).items.is_empty());
    }
}
