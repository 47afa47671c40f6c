//! The category form: add a category (`POST /admin/categories`, from the categories page) and
//! edit one (`GET|POST /admin/categories/{code}`), checked as `PUT /api/v1/categories/{code}`
//! checks it, stored through the same audited call, then put in force.

use super::admin_only;
use super::categories::{kinds, parents, urgencies};
use crate::AppState;
use crate::ui::{CsrfForm, PageError, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_domain::case::CaseKind;
use tongxin_domain::case::deadline::Urgency;
use tongxin_store::cases::categories::CategoryRow;

/// What the category form sent (or shows): every field as typed.
#[derive(Deserialize, Default, Clone)]
pub struct CategoryForm {
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    active: Option<String>,
    /// Open311 may publish its cases (issue 9 item 8); unticked by default.
    #[serde(default)]
    public: Option<String>,
}

impl CategoryForm {
    fn of(r: &CategoryRow) -> CategoryForm {
        CategoryForm {
            parent_code: r.parent_code.clone().unwrap_or_default(),
            code: r.code.clone(),
            name: r.name.clone(),
            urgency: r.urgency.clone(),
            kind: r.kind.clone(),
            sort: r.sort.to_string(),
            active: r.active.then(|| "1".to_string()),
            public: r.public.then(|| "1".to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/category.html")]
struct CategoryPage {
    shell: Shell,
    /// The category being edited; `None` for a new one.
    editing: Option<String>,
    /// The parent's name, or that it is a top-level category (editing).
    parent_label: String,
    /// Its children (editing a top-level category).
    children: Vec<String>,
    /// How many routing rules name it.
    rule_count: usize,
    form: CategoryForm,
    parents: Vec<(String, String)>,
    urgencies: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    /// field → message
    errors: HashMap<String, String>,
}

impl CategoryPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

/// One part of a category code: a lowercase letter, then lowercase letters, digits or `_`.
fn code_part_ok(p: &str) -> bool {
    let b = p.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Checks the form as `PUT /api/v1/categories/{code}` does (name, urgency, kind), plus what
/// keeps the tree two levels deep with `parent.child` codes; `existing` when editing (its code
/// and parent do not change).
fn check_category(
    rows: &[CategoryRow],
    f: &CategoryForm,
    existing: Option<&CategoryRow>,
) -> Result<CategoryRow, HashMap<String, String>> {
    let mut errors = HashMap::new();
    let mut err = |field: &str, message: String| {
        errors.entry(field.to_string()).or_insert(message);
    };
    let (code, parent_code) = match existing {
        Some(e) => (e.code.clone(), e.parent_code.clone()),
        None => {
            let parent = match f.parent_code.trim() {
                "" => None,
                p => match rows.iter().find(|r| r.code == p) {
                    Some(r) if r.parent_code.is_none() => Some(r.code.clone()),
                    _ => {
                        err("parent_code", "上级类别不存在或不是一级类别（分类只有两级）".into());
                        None
                    }
                },
            };
            let raw = f.code.trim();
            let code = match &parent {
                Some(p) if !raw.is_empty() && !raw.contains('.') => format!("{p}.{raw}"),
                _ => raw.to_string(),
            };
            if code.is_empty() {
                err("code", "请填写类别代码".into());
            } else if f.parent_code.trim().is_empty() {
                if !code_part_ok(&code) {
                    err("code", "一级类别代码为小写字母开头的小写字母、数字或下划线，如 city".into());
                }
            } else if let Some(p) = &parent {
                match code.split_once('.') {
                    Some((head, tail)) if head == p && code_part_ok(tail) => {}
                    _ => err("code", format!("子类代码应为“上级代码.小写字母”，如 {p}.noise")),
                }
            }
            if rows.iter().any(|r| r.code == code) {
                err("code", format!("类别代码 {code} 已存在，请在列表中点“编辑”修改"));
            }
            (code, parent)
        }
    };
    let name = f.name.trim().to_string();
    if name.is_empty() {
        err("name", "类别名称不能为空".into());
    } else if name.chars().count() > 30 {
        err("name", "类别名称不超过 30 个字".into());
    } else if let Err(e) =
        tongxin_domain::kernel::text::check("类别名称", &name, 30, tongxin_domain::kernel::text::Lines::One)
    {
        // NUL and control characters (issue 9, items 4 and 13).
        err("name", e.to_string());
    }
    let urgency = Urgency::parse(f.urgency.trim());
    if urgency.is_none() {
        err("urgency", "紧急程度无效".into());
    }
    let kind = CaseKind::parse(f.kind.trim());
    if kind.is_none() {
        err("kind", "诉求性质无效".into());
    }
    let sort = match f.sort.trim() {
        "" => existing.map(|e| e.sort).unwrap_or_else(|| rows.iter().map(|r| r.sort + 1).max().unwrap_or(0)),
        v => match v.parse::<i64>() {
            Ok(n) if (-1_000_000..=1_000_000).contains(&n) => n,
            _ => {
                err("sort", "排序应为 -1000000 到 1000000 之间的整数".into());
                0
            }
        },
    };
    match (urgency, kind) {
        (Some(u), Some(k)) if errors.is_empty() => Ok(CategoryRow {
            code,
            name,
            parent_code,
            urgency: u.as_str().to_string(),
            kind: k.as_str().to_string(),
            active: f.active.is_some(),
            sort,
            public: f.public.is_some(),
        }),
        _ => Err(errors),
    }
}

async fn category_page(
    s: &AppState,
    staff: &Staff,
    editing: Option<&CategoryRow>,
    form: CategoryForm,
    errors: HashMap<String, String>,
) -> PageResult<Response> {
    let rows = s.store.categories().list().await?;
    let (title, parent_label, children, rule_count) = match editing {
        Some(e) => {
            let parent_label = match &e.parent_code {
                Some(p) => match rows.iter().find(|r| &r.code == p) {
                    Some(r) => format!("{}（{}）", r.name, r.code),
                    None => p.clone(),
                },
                None => "无（一级类别）".to_string(),
            };
            let children = rows
                .iter()
                .filter(|r| r.parent_code.as_deref() == Some(e.code.as_str()))
                .map(|r| format!("{}（{}）", r.name, r.code))
                .collect();
            let rule_count = s.store.categories().rules().await?.iter().filter(|r| r.category_code == e.code).count();
            (format!("编辑类别：{}", e.name), parent_label, children, rule_count)
        }
        None => ("新增诉求类别".to_string(), String::new(), Vec::new(), 0),
    };
    let failed = !errors.is_empty();
    let page = CategoryPage {
        shell: Shell::staff(&title, staff, "/admin/categories"),
        editing: editing.map(|e| e.code.clone()),
        parent_label,
        children,
        rule_count,
        form,
        parents: parents(&rows),
        urgencies: urgencies(),
        kinds: kinds(),
        errors,
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// Stores a checked category (audited) and puts it in force.
async fn store_category(s: &AppState, staff: &Staff, row: &CategoryRow) -> PageResult<()> {
    s.store.categories().upsert(&staff.actor(), row).await?;
    s.cases.reload().await?;
    Ok(())
}

/// `POST /admin/categories`: a new category (the form on the categories page); a refused form
/// comes back on the category form page with the errors and what was typed.
pub async fn create_category(
    State(s): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<CategoryForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    let rows = s.store.categories().list().await?;
    match check_category(&rows, &f, None) {
        Ok(row) => {
            store_category(&s, &staff, &row).await?;
            let text = format!("已添加类别 {}（{}）", row.name, row.code);
            Ok(flash::redirect("/admin/categories#categories", "ok", &text))
        }
        Err(errors) => category_page(&s, &staff, None, f, errors).await,
    }
}

/// `GET /admin/categories/{code}`: the edit form.
pub async fn edit_category(State(s): State<AppState>, staff: Staff, Path(code): Path<String>) -> PageResult<Response> {
    admin_only(&staff)?;
    let rows = s.store.categories().list().await?;
    let row = rows.into_iter().find(|r| r.code == code).ok_or(PageError::NotFound)?;
    category_page(&s, &staff, Some(&row), CategoryForm::of(&row), HashMap::new()).await
}

/// `POST /admin/categories/{code}`: name, urgency, kind, order and the active flag.
pub async fn save_category(
    State(s): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<CategoryForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    let rows = s.store.categories().list().await?;
    let existing = rows.iter().find(|r| r.code == code).cloned().ok_or(PageError::NotFound)?;
    match check_category(&rows, &f, Some(&existing)) {
        Ok(row) => {
            store_category(&s, &staff, &row).await?;
            let note = match (existing.active, row.active) {
                (true, false) => "，已停用（居民上报和新建诉求不再可选）",
                (false, true) => "，已重新启用",
                _ => "",
            };
            let text = format!("已保存类别 {}（{}）{note}", row.name, row.code);
            Ok(flash::redirect("/admin/categories#categories", "ok", &text))
        }
        Err(errors) => {
            let form = CategoryForm { code: existing.code.clone(), ..f };
            category_page(&s, &staff, Some(&existing), form, errors).await
        }
    }
}
