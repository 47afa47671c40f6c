//! `GET /admin/users`: accounts with their roles and scopes, page by page, and a form to create
//! one; `POST /admin/users` goes through `POST /api/v1/users`'s handler (the same checks, the
//! password strength rule, an audited insert). A refused form comes back with the error next to
//! its field and the entered values kept (never the password).

use super::{Pager, admin_only, department_labels, page_of};
use crate::AppState;
use crate::api::admin::CreateUser;
use crate::api::extract::J;
use crate::pages::{CsrfForm, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_domain::access::{Role, Scope};
use tongxin_store::Page;

#[derive(Deserialize)]
pub struct Params {
    page: Option<u32>,
}

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub scope: String,
    pub can_unmask: bool,
    pub totp: bool,
    pub active: bool,
}

/// What the form showed, to fill it again after an error.
#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope_region: String,
    #[serde(default)]
    scope_department: String,
    #[serde(default)]
    can_unmask: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<UserRow>,
    total: i64,
    pager: Pager,
    roles: Vec<(&'static str, &'static str)>,
    regions: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    form: UserForm,
    /// field → message
    errors: HashMap<String, String>,
    /// An error that names no field.
    form_error: Option<String>,
    password_rule: &'static str,
}

impl UsersPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

const PASSWORD_RULE: &str = "密码至少 10 位，并包含大写字母、小写字母、数字、符号中的三类";

async fn render_page(
    s: &AppState,
    staff: &Staff,
    page: Page,
    form: UserForm,
    errors: HashMap<String, String>,
    form_error: Option<String>,
) -> PageResult<Response> {
    let all = s.store.users().await?;
    let depts = department_labels(s, staff.scope()).await?;
    let dept_names: HashMap<i64, &str> = depts.iter().map(|(id, name)| (*id, name.as_str())).collect();
    let regions = s.store.regions_in_scope(staff.scope(), false).await?;
    let region_names: HashMap<&str, &str> = regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let paged = page_of(&all, page);
    let users = paged
        .items
        .iter()
        .map(|u| UserRow {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label(),
            scope: match &u.scope {
                Scope::All => "全部".into(),
                Scope::Region { code } => match region_names.get(code.as_str()) {
                    Some(name) => format!("{name}（{code}）", code = code.as_str()),
                    None => code.as_str().to_string(),
                },
                Scope::Department { id, .. } => match dept_names.get(id) {
                    Some(name) => name.to_string(),
                    None => format!("部门 {id}"),
                },
            },
            can_unmask: u.can_unmask,
            totp: u.totp_enabled,
            active: u.active,
        })
        .collect();
    let failed = !errors.is_empty() || form_error.is_some();
    let page = UsersPage {
        shell: Shell::staff("用户与角色", staff, "/admin/users"),
        users,
        total: paged.total,
        pager: Pager::new(&paged, "/admin/users?"),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        regions: regions.iter().filter(|r| r.level != "district").map(|r| (r.code.clone(), r.name.clone())).collect(),
        departments: depts.clone(),
        form: UserForm { password: String::new(), ..form },
        errors,
        form_error,
        password_rule: PASSWORD_RULE,
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn page(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult<Response> {
    admin_only(&staff)?;
    render_page(&s, &staff, Page::new(p.page, Some(20)), UserForm::default(), HashMap::new(), None).await
}

/// `POST /admin/users`
pub async fn create(State(s): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<UserForm>) -> PageResult<Response> {
    admin_only(&staff)?;
    let mut errors = HashMap::new();
    let scope_department = match f.scope_department.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert("scope_department".to_string(), "请选择部门".to_string());
                None
            }
        },
    };
    let role = Role::parse(&f.role);
    // The form offers both scope fields; keep the one the role uses.
    let (scope_region, scope_department) = match role {
        Some(r) if r.is_department_role() => (None, scope_department),
        Some(Role::Admin) => (None, None),
        _ => (Some(f.scope_region.trim().to_string()).filter(|c| !c.is_empty()), None),
    };
    if role.is_some_and(|r| r.is_department_role()) && scope_department.is_none() && errors.is_empty() {
        errors.insert("scope_department".to_string(), "职能部门人员须指定部门".to_string());
    }
    if role.is_some_and(|r| r != Role::Admin && !r.is_department_role()) && scope_region.is_none() {
        errors.insert("scope_region".to_string(), "请填写管辖区域代码".to_string());
    }
    if errors.is_empty() {
        let req = CreateUser {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            password: f.password.clone(),
            role: f.role.clone(),
            scope_region,
            scope_department,
            can_unmask: f.can_unmask.is_some(),
        };
        match crate::api::admin::create_user(State(s.clone()), staff.caller(), J(req)).await {
            Ok((_, axum::Json(user))) => {
                let text = format!("已创建账号 {}（{}）", user.username, user.role.label());
                return Ok(flash::redirect("/admin/users", "ok", &text));
            }
            Err(e) => match (e.field.clone(), e.status) {
                (Some(field), _) => {
                    errors.insert(field, e.message);
                }
                (None, StatusCode::CONFLICT) => {
                    errors.insert("username".to_string(), e.message);
                }
                (None, StatusCode::UNPROCESSABLE_ENTITY) => {
                    return render_page(&s, &staff, Page::default(), f, errors, Some(e.message)).await;
                }
                _ => return Err(e.into()),
            },
        }
    }
    render_page(&s, &staff, Page::default(), f, errors, None).await
}
