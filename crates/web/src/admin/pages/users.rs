//! `GET /admin/users`: accounts with their roles and scopes, page by page, and a form to create
//! one; `POST /admin/users` goes through `POST /api/v1/users`'s handler (the same checks, the
//! password strength rule, an audited insert). A refused form comes back with the error next to
//! its field and the entered values kept (never the password).
//!
//! `GET /admin/users/{id}`: one account, with a form to change its role, scope, unmask
//! permission and whether it may log in (`POST /admin/users/{id}`, the scope checked as at
//! creation, stored by `store.accounts().update_access`, audited; a disabled account's sessions and
//! tokens stop working at once) and one to set a new password (`POST
//! /admin/users/{id}/password`: the strength rule, `store.accounts().set_password`, which is audited and
//! ends the account's sessions). An admin changes neither their own role or status nor their
//! own password here (that is `/password`), so the last admin cannot lock themselves out.

use super::{admin_only, department_labels, page_of};
use crate::AppState;
use crate::admin::api::CreateUser;
use crate::extract::J;
use crate::ui::pager::Pager;
use crate::ui::{CsrfForm, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_store::Page;
use tongxin_store::accounts::User;

#[derive(Deserialize)]
pub struct Params {
    page: Option<u32>,
}

pub struct UserRow {
    pub id: i64,
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

/// A scope by name, never by code: a grid with its community ("丹溪社区 · 第3网格").
fn scope_label(scope: &Scope, region_names: &HashMap<String, String>, dept_names: &HashMap<i64, &str>) -> String {
    match scope {
        Scope::All => "全部".into(),
        Scope::Region { code } => {
            let code = code.as_str();
            let name = |c: &str| region_names.get(c).cloned();
            match (name(code), code.len()) {
                (Some(grid), 15) => match name(&code[..12]) {
                    Some(community) => format!("{community} · {grid}"),
                    None => grid,
                },
                (Some(n), _) => n,
                (None, _) => "（区域已撤销）".into(),
            }
        }
        Scope::Department { id, .. } => match dept_names.get(id) {
            Some(name) => name.to_string(),
            None => "（部门已撤销）".into(),
        },
    }
}

/// The names of the regions these scopes name, with the communities of grids.
async fn scope_names<'a>(
    s: &AppState,
    scopes: impl Iterator<Item = &'a Scope>,
) -> Result<HashMap<String, String>, tongxin_store::StoreError> {
    let codes: Vec<String> = scopes
        .filter_map(|scope| match scope {
            Scope::Region { code } => Some(code.as_str().to_string()),
            _ => None,
        })
        .flat_map(|c| {
            let community = (c.len() == 15).then(|| c[..12].to_string());
            std::iter::once(c).chain(community)
        })
        .collect();
    s.store.cases().region_names(&codes).await
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
    let all = s.store.accounts().users().await?;
    let depts = department_labels(s, staff.scope()).await?;
    let dept_names: HashMap<i64, &str> = depts.iter().map(|(id, name)| (*id, name.as_str())).collect();
    let regions = s.store.regions().in_scope(staff.scope(), false).await?;
    let paged = page_of(&all, page);
    let scope_names = scope_names(s, paged.items.iter().map(|u| &u.scope)).await?;
    let users = paged
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label(),
            scope: scope_label(&u.scope, &scope_names, &dept_names),
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
        pager: Pager::new(&paged, "/admin/users", "page", &[]),
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
        match crate::admin::api::create_user(State(s.clone()), staff.caller(), J(req)).await {
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

// ---- one account ----

/// The access form as typed (or filled from the account).
#[derive(Deserialize, Default)]
pub struct AccessForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope_region: String,
    #[serde(default)]
    scope_department: String,
    #[serde(default)]
    can_unmask: Option<String>,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    shell: Shell,
    user: User,
    role_label: &'static str,
    scope: String,
    /// The admin looking at their own account.
    own: bool,
    form: AccessForm,
    roles: Vec<(&'static str, &'static str)>,
    regions: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    /// field → message (`password` for the password form)
    errors: HashMap<String, String>,
    form_error: Option<String>,
    password_rule: &'static str,
    /// The account's API tokens, revocable here (issue 9 item 10).
    tokens: Vec<crate::auth::tokens::TokenView>,
    token_action: String,
}

impl UserPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

impl AccessForm {
    fn of(u: &User) -> AccessForm {
        let (scope_region, scope_department) = match &u.scope {
            Scope::All => (String::new(), String::new()),
            Scope::Region { code } => (code.as_str().to_string(), String::new()),
            Scope::Department { id, .. } => (String::new(), id.to_string()),
        };
        AccessForm {
            role: u.role.as_str().to_string(),
            scope_region,
            scope_department,
            can_unmask: u.can_unmask.then(|| "1".to_string()),
            active: u.active.then(|| "1".to_string()),
        }
    }
}

async fn user_page(
    s: &AppState,
    staff: &Staff,
    user: User,
    form: Option<AccessForm>,
    errors: HashMap<String, String>,
    form_error: Option<String>,
) -> PageResult<Response> {
    let depts = department_labels(s, staff.scope()).await?;
    let dept_names: HashMap<i64, &str> = depts.iter().map(|(id, name)| (*id, name.as_str())).collect();
    let regions = s.store.regions().in_scope(staff.scope(), false).await?;
    let region_names = scope_names(s, std::iter::once(&user.scope)).await?;
    let failed = !errors.is_empty() || form_error.is_some();
    let tokens = crate::auth::tokens::views(s, user.id).await?;
    let token_action = format!("/admin/users/{}/tokens/", user.id);
    let page = UserPage {
        tokens,
        token_action,
        shell: Shell::staff(&format!("账号 {}", user.username), staff, "/admin/users"),
        role_label: user.role.label(),
        scope: scope_label(&user.scope, &region_names, &dept_names),
        own: user.id == staff.user.id,
        form: form.unwrap_or_else(|| AccessForm::of(&user)),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        regions: regions.iter().filter(|r| r.level != "district").map(|r| (r.code.clone(), r.name.clone())).collect(),
        departments: depts.clone(),
        errors,
        form_error,
        password_rule: PASSWORD_RULE,
        user,
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn find_user(s: &AppState, id: i64) -> PageResult<User> {
    match s.store.accounts().user(id).await {
        Ok(u) => Ok(u),
        Err(tongxin_store::StoreError::NotFound) => Err(crate::ui::PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/users/{id}`
pub async fn show(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    admin_only(&staff)?;
    let user = find_user(&s, id).await?;
    user_page(&s, &staff, user, None, HashMap::new(), None).await
}

/// `POST /admin/users/{id}`: role, scope, unmask permission, active.
pub async fn update(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AccessForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    let user = find_user(&s, id).await?;
    let mut errors = HashMap::new();
    let role = Role::parse(&f.role);
    if role.is_none() {
        errors.insert("role".to_string(), "未知角色".to_string());
    }
    let (mut scope_region, mut scope_department) = (None, None);
    match role {
        Some(r) if r.is_department_role() => match f.scope_department.trim() {
            "" => {
                errors.insert("scope_department".to_string(), "职能部门人员须指定部门".to_string());
            }
            d => match d.parse::<i64>() {
                Ok(dept) if s.store.departments().get(dept).await.is_ok() => scope_department = Some(dept),
                _ => {
                    errors.insert("scope_department".to_string(), "部门不存在".to_string());
                }
            },
        },
        Some(Role::Admin) | None => {}
        Some(_) => match f.scope_region.trim() {
            "" => {
                errors.insert("scope_region".to_string(), "请填写管辖区域代码".to_string());
            }
            code => match s.store.regions().get(staff.scope(), code).await {
                Ok(_) => scope_region = Some(code.to_string()),
                Err(_) => {
                    errors.insert("scope_region".to_string(), "管辖区域不存在".to_string());
                }
            },
        },
    }
    let own = user.id == staff.user.id;
    if own && (role != Some(Role::Admin) || f.active.is_none()) {
        let message = "不能停用自己的账号或取消自己的管理员角色，请由另一位管理员操作".to_string();
        return user_page(&s, &staff, user, Some(f), errors, Some(message)).await;
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return user_page(&s, &staff, user, Some(f), errors, None).await;
    };
    let access = tongxin_store::accounts::UserAccess {
        role,
        scope_region,
        scope_department,
        can_unmask: f.can_unmask.is_some(),
        active: f.active.is_some(),
    };
    let updated = match tongxin_app::accounts::update_access(&s.store, &staff.actor(), id, &access).await {
        Ok(u) => u,
        Err(
            tongxin_app::AppError::Invalid { message: m, .. }
            | tongxin_app::AppError::Store(tongxin_store::StoreError::Invalid(m)),
        ) => {
            return user_page(&s, &staff, user, Some(f), errors, Some(m)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let status = match (user.active, updated.active) {
        (true, false) => "，账号已停用（已登录的会话立即失效）",
        (false, true) => "，账号已启用",
        _ if user.role != updated.role => "，角色已变更，本人须重新登录",
        _ => "",
    };
    let text = format!("已保存账号 {}：{}{status}", updated.username, updated.role.label());
    Ok(flash::redirect(&format!("/admin/users/{id}"), "ok", &text))
}

/// `POST /admin/users/{id}/password`: a new password set by the admin (someone else's).
pub async fn reset_password(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    let user = find_user(&s, id).await?;
    match tongxin_app::accounts::reset_password(&s.store, &staff.actor(), &user, &f.password, s.config.hash_cost).await
    {
        Ok(()) => {}
        // One's own password is not set here at all: said above the form, not on its field.
        Err(tongxin_app::AppError::Invalid { message, .. }) if user.id == staff.user.id => {
            return user_page(&s, &staff, user, None, HashMap::new(), Some(message)).await;
        }
        Err(tongxin_app::AppError::Invalid { field, message }) => {
            let errors = HashMap::from([(field.to_string(), message)]);
            return user_page(&s, &staff, user, None, errors, None).await;
        }
        Err(e) => return Err(e.into()),
    }
    let text = format!("已为 {} 设置新密码，其已登录的会话均已退出；请当面告知本人并提醒登录后修改", user.username);
    Ok(flash::redirect(&format!("/admin/users/{id}"), "ok", &text))
}
