//! Registering and editing residents (信息采集): the input is checked here, field by field, and
//! the store saves the resident and its audit record in one transaction.

use crate::error::AppError;
use serde::Deserialize;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::text::{Label, PersonName};
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::residents::{NewResident, Resident, ResidentPatch};
use tongxin_store::{Actor, Store, StoreError};

/// Most tags one resident carries.
pub const MAX_TAGS: usize = 20;

/// A resident as a form or JSON body submits it.
#[derive(Debug, Clone, Deserialize)]
pub struct ResidentForm {
    pub name: String,
    pub id_number: String,
    pub grid_code: String,
    pub household_id: Option<i64>,
    pub phone: Option<String>,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Every text bounded, without NUL or control characters (issue 9, items 4 and 13); the ID
/// number's check digit and the phone number's form checked.
pub fn check_new(form: ResidentForm) -> Result<NewResident, AppError> {
    let name = PersonName::new(&form.name).map_err(|e| AppError::invalid("name", e.to_string()))?.into_string();
    Label::optional_named("与户主关系", &form.relation).map_err(|e| AppError::invalid("relation", e.to_string()))?;
    tongxin_domain::kernel::text::query("grid_code", &form.grid_code)
        .map_err(|e| AppError::invalid("grid_code", e.to_string()))?;
    if form.tags.len() > MAX_TAGS {
        return Err(AppError::invalid("tags", format!("标签最多 {MAX_TAGS} 个")));
    }
    for t in &form.tags {
        Label::named("标签", t).map_err(|e| AppError::invalid("tags", e.to_string()))?;
    }
    let id_number = IdNumber::parse(&form.id_number).map_err(|e| AppError::invalid("id_number", e.to_string()))?;
    let phone = parse_phone(form.phone.as_deref())?.flatten();
    let relation =
        if form.relation.trim().is_empty() { "其他".to_string() } else { form.relation.trim().to_string() };
    Ok(NewResident {
        id: 0,
        household_id: form.household_id,
        grid_code: form.grid_code,
        name,
        id_number,
        phone,
        relation,
        tags: form.tags,
    })
}

/// `None`: not given; `Some(None)`: cleared (blank); `Some(Some(p))`: a valid number.
fn parse_phone(raw: Option<&str>) -> Result<Option<Option<Phone>>, AppError> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(p) => Phone::parse(p).map(|p| Some(Some(p))).map_err(|e| AppError::invalid("phone", e.to_string())),
    }
}

/// Registers a resident within the caller's scope.
pub async fn create(store: &Store, scope: &Scope, actor: &Actor, form: ResidentForm) -> Result<Resident, AppError> {
    let new = check_new(form)?;
    store.residents().create(scope, actor, new).await.map_err(|e| match e {
        // The one rule only the saved data can decide: the household must be in the grid.
        StoreError::Invalid(m) => AppError::invalid("household_id", m),
        e => e.into(),
    })
}

/// Edits a resident's phone, relation and tags if `version` is still current.
pub async fn update(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    version: i64,
    patch: &ResidentPatch,
) -> Result<Resident, AppError> {
    parse_phone(patch.phone.as_deref())?;
    Ok(store.residents().update(scope, actor, id, version, patch).await?)
}
