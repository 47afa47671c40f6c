//! The routing-rule forms: add (`POST /admin/routing-rules`), edit (`GET|POST
//! /admin/routing-rules/{id}`) and delete (`POST /admin/routing-rules/{id}/delete`, with a
//! confirmation box), checked as `POST|PUT|DELETE /api/v1/routing/rules` check them, stored
//! through the same audited calls, then put in force.

use super::categories::{area_label, target_label};
use super::{admin_only, department_labels};
use crate::AppState;
use crate::ui::{CsrfForm, PageError, PageResult, Shell, Staff, flash, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tongxin_store::cases::categories::{CategoryRow, RuleRow};

/// What the rule form sent (or shows).
#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    category_code: String,
    #[serde(default)]
    area_kind: String,
    #[serde(default)]
    area_code: String,
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_department: String,
    #[serde(default)]
    target_grid: String,
    #[serde(default)]
    auto_dispatch: Option<String>,
    /// The version read (editing).
    #[serde(default)]
    version: String,
    /// The confirmation box of the delete form.
    #[serde(default)]
    confirm: Option<String>,
}

impl RuleForm {
    fn of(r: &RuleRow) -> RuleForm {
        let dept = r.target_kind == "department";
        RuleForm {
            category_code: r.category_code.clone(),
            area_kind: r.area_kind.clone(),
            area_code: r.area_code.clone(),
            target_kind: r.target_kind.clone(),
            target_department: if dept { r.target_ref.clone() } else { String::new() },
            target_grid: if dept { String::new() } else { r.target_ref.clone() },
            auto_dispatch: r.auto_dispatch.then(|| "1".to_string()),
            version: r.version.to_string(),
            confirm: None,
        }
    }
}

/// The rule a form describes, checked as `POST|PUT /api/v1/routing/rules` check it (the same
/// messages).
async fn checked_rule(s: &AppState, f: &RuleForm, id: i64, version: i64) -> Result<RuleRow, String> {
    let target_ref = match f.target_kind.as_str() {
        "department" => f.target_department.trim().to_string(),
        _ => f.target_grid.trim().to_string(),
    };
    let area_code = if f.area_kind == "anywhere" { String::new() } else { f.area_code.trim().to_string() };
    let row = RuleRow {
        id,
        category_code: f.category_code.trim().to_string(),
        area_kind: f.area_kind.clone(),
        area_code,
        target_kind: f.target_kind.clone(),
        target_ref,
        auto_dispatch: f.auto_dispatch.is_some(),
        version,
    };
    let rule = tongxin_app::cases::config::rule(&row).ok_or("规则的区域或承办单位格式无效")?;
    rule.validate().map_err(|e| e.to_string())?;
    if !s.cases.config().categories.contains_key(&row.category_code) {
        return Err("诉求类别不存在".into());
    }
    tongxin_app::cases::config::check_unit(&s.store, "target_ref", &rule.target).await.map_err(|e| e.to_string())?;
    Ok(row)
}

/// `POST /admin/routing-rules`: checked like `POST /api/v1/routing/rules`, stored (audited),
/// and put in force.
pub async fn create_rule(
    State(s): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    const BACK: &str = "/admin/categories#rules";
    let row = match checked_rule(&s, &f, 0, 0).await {
        Ok(row) => row,
        Err(message) => return Ok(flash::redirect(BACK, "error", &message)),
    };
    let id = s.store.categories().create_rule(&staff.actor(), &row).await.map_err(PageError::from)?;
    s.cases.reload().await?;
    Ok(flash::redirect(BACK, "ok", &format!("已添加派单规则 #{id}")))
}

#[derive(Template)]
#[template(path = "admin/rule.html")]
struct RulePage {
    shell: Shell,
    id: i64,
    /// The rule as stored, in words.
    summary: String,
    form: RuleForm,
    choices: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    /// Why the edit was refused.
    error: Option<String>,
    /// Why the delete was refused.
    delete_error: Option<String>,
}

async fn rule_page(
    s: &AppState,
    staff: &Staff,
    rule: &RuleRow,
    form: RuleForm,
    error: Option<String>,
    delete_error: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let rows = s.store.categories().list().await?;
    let depts = department_labels(s, staff.scope()).await?;
    let dept_names: HashMap<i64, String> = depts.iter().cloned().collect();
    let names: HashMap<&str, &str> = rows.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let label = |r: &CategoryRow| match r.parent_code.as_deref().and_then(|p| names.get(p)) {
        Some(parent) => format!("{parent} / {}", r.name),
        None => r.name.clone(),
    };
    let mut choices: Vec<(String, String)> =
        rows.iter().filter(|r| r.active).map(|r| (r.code.clone(), label(r))).collect();
    if let Some(r) = rows.iter().find(|r| r.code == rule.category_code && !r.active) {
        choices.push((r.code.clone(), format!("{}（已停用）", label(r))));
    }
    let category = rows.iter().find(|r| r.code == rule.category_code).map(label).unwrap_or_default();
    let summary = format!(
        "{category}（{}）· {} → {}（{}）",
        rule.category_code,
        area_label(&rule.area_kind, &rule.area_code),
        target_label(&rule.target_kind, &rule.target_ref, &dept_names),
        if rule.auto_dispatch { "自动派单" } else { "调度员确认" }
    );
    let page = RulePage {
        shell: Shell::staff(&format!("编辑派单规则 #{}", rule.id), staff, "/admin/categories"),
        id: rule.id,
        summary,
        form,
        choices,
        departments: depts,
        error,
        delete_error,
    };
    let mut resp = render(&page);
    *resp.status_mut() = status;
    Ok(resp)
}

async fn find_rule(s: &AppState, id: i64) -> PageResult<RuleRow> {
    s.store.categories().rules().await?.into_iter().find(|r| r.id == id).ok_or(PageError::NotFound)
}

/// `GET /admin/routing-rules/{id}`: the edit form and the delete form.
pub async fn edit_rule(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    admin_only(&staff)?;
    let rule = find_rule(&s, id).await?;
    rule_page(&s, &staff, &rule, RuleForm::of(&rule), None, None, StatusCode::OK).await
}

/// `POST /admin/routing-rules/{id}`: checked like `PUT /api/v1/routing/rules/{id}`, with the
/// version read (a rule changed meanwhile is refused), stored (audited) and put in force.
pub async fn update_rule(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    let rule = find_rule(&s, id).await?;
    let Ok(version) = f.version.trim().parse::<i64>() else {
        let e = Some("表单缺少版本号，请刷新页面后重试".to_string());
        return rule_page(&s, &staff, &rule, f, e, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let row = match checked_rule(&s, &f, id, version).await {
        Ok(row) => row,
        Err(e) => return rule_page(&s, &staff, &rule, f, Some(e), None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match s.store.categories().update_rule(&staff.actor(), &row).await {
        Ok(()) => {}
        Err(tongxin_store::StoreError::Conflict(m)) => {
            let fresh = RuleForm { version: rule.version.to_string(), ..f };
            return rule_page(&s, &staff, &rule, fresh, Some(m), None, StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(e.into()),
    }
    s.cases.reload().await?;
    Ok(flash::redirect("/admin/categories#rules", "ok", &format!("已保存派单规则 #{id}")))
}

/// `POST /admin/routing-rules/{id}/delete`: only with the confirmation box ticked; audited.
pub async fn delete_rule(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> PageResult<Response> {
    admin_only(&staff)?;
    let rule = find_rule(&s, id).await?;
    if f.confirm.is_none() {
        let e = Some("请先勾选“确认删除这条规则”，再点“删除规则”".to_string());
        return rule_page(&s, &staff, &rule, RuleForm::of(&rule), None, e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    s.store.categories().delete_rule(&staff.actor(), id).await?;
    s.cases.reload().await?;
    Ok(flash::redirect("/admin/categories#rules", "ok", &format!("已删除派单规则 #{id}")))
}
