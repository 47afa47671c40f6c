//! 热线登记 (issue 11 item 7): the hotline operator's call-registration page. One form — caller,
//! phone, category (a leaf), the place found in the building register by address (or a map
//! point), urgency, description, and for a question "answered on the phone" — creates the case
//! in one step through the same use-case as `POST /api/v1/cases` (`CaseService::report` with
//! the hotline channel). Keyboard first: the caller's name has the focus, the fields follow in
//! the order of the call, Enter submits, accesskeys reach the main fields. Every error is shown
//! at once; a created case opens with a flash naming its code.
//!
//! The place: with JavaScript, typing an address lists matching buildings
//! (`GET /hotline/places?q=`, within the operator's scope) in the select below it; without, the
//! form comes back with that select filled when the address matched several buildings.

use crate::AppState;
use crate::error::ApiError;
use crate::routes::{RouteSpec, r};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::CsrfForm;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tongxin_app::cases::CaseError;
use tongxin_app::cases::{Place, Report, Reporter};
use tongxin_domain::case::deadline::Urgency;
use tongxin_domain::case::{CaseKind, Channel};
use tongxin_domain::kernel::access::{Action as Permission, Role};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::text::{Address, Description, PersonName};
use tongxin_store::places::Building;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/hotline", get(form)), r("POST", "/hotline", post(submit)), r("GET", "/hotline/places", get(places))]
}

/// Buildings listed for one address search.
const MATCHES: i64 = 10;

/// Only the dispatch centre (指挥中心, where the hotline is answered) and admins register calls.
fn require_operator(staff: &Staff) -> Result<(), PageError> {
    staff.require(Permission::EnterCases)?;
    if matches!(staff.user.role, Role::Dispatcher | Role::Admin) { Ok(()) } else { Err(PageError::Forbidden) }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct CallForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    category: String,
    /// The address as said by the caller (searched in the building register).
    #[serde(default)]
    place: String,
    /// The building chosen among the matches.
    #[serde(default)]
    building: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    description: String,
    /// 咨询 answered during the call: closes at once.
    #[serde(default)]
    answered: String,
    #[serde(default)]
    answer: String,
}

impl CallForm {
    fn answered(&self) -> bool {
        matches!(self.answered.as_str(), "1" | "on" | "true")
    }
}

/// A message next to each field that can be wrong.
#[derive(Debug, Default)]
struct Errors {
    name: Option<String>,
    phone: Option<String>,
    category: Option<String>,
    place: Option<String>,
    urgency: Option<String>,
    description: Option<String>,
    answer: Option<String>,
    general: Option<String>,
}

impl Errors {
    fn set(&mut self, field: &str, message: String) {
        let slot = match field {
            "name" => &mut self.name,
            "phone" => &mut self.phone,
            "category" => &mut self.category,
            "location" | "building" | "grid_code" | "address" | "place" => &mut self.place,
            "urgency" => &mut self.urgency,
            "description" | "title" => &mut self.description,
            "answered" | "answer" | "on_spot_reply" => &mut self.answer,
            _ => &mut self.general,
        };
        slot.get_or_insert(message);
    }

    fn count(&self) -> usize {
        [
            &self.name,
            &self.phone,
            &self.category,
            &self.place,
            &self.urgency,
            &self.description,
            &self.answer,
            &self.general,
        ]
        .iter()
        .filter(|e| e.is_some())
        .count()
    }
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

struct Group {
    name: String,
    options: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "cases/hotline.html")]
struct HotlinePage {
    shell: Shell,
    f: CallForm,
    errors: Errors,
    error_count: usize,
    categories: Vec<Group>,
    urgencies: Vec<Opt>,
    /// Buildings matching the address, to choose from (after a submit without JavaScript).
    buildings: Vec<Opt>,
    question_codes: String,
}

/// Leaf categories under their top-level category; a top-level one is never a choice.
fn category_groups(s: &AppState, current: &str) -> (Vec<Group>, Vec<String>) {
    let cfg = s.cases.config();
    let mut all: Vec<_> = cfg.categories.values().collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    let mut questions = Vec::new();
    let mut groups = Vec::new();
    for top in all.iter().filter(|c| c.parent.is_none()) {
        let options: Vec<Opt> = all
            .iter()
            .filter(|c| c.parent.as_deref() == Some(top.code.as_str()))
            .map(|c| {
                if c.kind == CaseKind::Question {
                    questions.push(c.code.clone());
                }
                Opt { value: c.code.clone(), label: c.name.clone(), selected: c.code == current }
            })
            .collect();
        if !options.is_empty() {
            groups.push(Group { name: top.name.clone(), options });
        }
    }
    (groups, questions)
}

fn is_leaf(s: &AppState, code: &str) -> bool {
    let cfg = s.cases.config();
    cfg.categories.contains_key(code) && !cfg.categories.values().any(|c| c.parent.as_deref() == Some(code))
}

fn urgency_options(current: &str) -> Vec<Opt> {
    std::iter::once(Opt { value: String::new(), label: "按类别默认".into(), selected: current.is_empty() })
        .chain(Urgency::ALL.iter().map(|u| Opt {
            value: u.as_str().to_string(),
            label: u.label().to_string(),
            selected: u.as_str() == current,
        }))
        .collect()
}

fn building_label(b: &Building) -> String {
    format!("{}（{}）", b.name, b.address)
}

fn page(s: &AppState, staff: &Staff, f: CallForm, errors: Errors, buildings: Vec<Building>) -> HotlinePage {
    let (categories, questions) = category_groups(s, &f.category);
    let buildings = buildings
        .iter()
        .map(|b| Opt { value: b.id.to_string(), label: building_label(b), selected: f.building == b.id.to_string() })
        .collect();
    HotlinePage {
        shell: Shell::staff("热线登记", staff, "/hotline"),
        urgencies: urgency_options(&f.urgency),
        error_count: errors.count(),
        f,
        errors,
        categories,
        buildings,
        question_codes: questions.join(" "),
    }
}

/// `GET /hotline`: an empty call form.
async fn form(State(s): State<AppState>, staff: Staff) -> PageResult {
    require_operator(&staff)?;
    Ok(render(&page(&s, &staff, CallForm::default(), Errors::default(), Vec::new())))
}

#[derive(Deserialize)]
struct PlacesQuery {
    #[serde(default)]
    q: String,
}

/// `GET /hotline/places?q=`: buildings in the operator's scope whose name or address contains
/// the words, as `{"items":[{"id","label"}]}`, for the form's list as one types.
async fn places(
    State(s): State<AppState>,
    staff: Staff,
    Query(p): Query<PlacesQuery>,
) -> Result<Json<Value>, ApiError> {
    if require_operator(&staff).is_err() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, crate::error::Code::Forbidden, "您无权登记热线来电"));
    }
    tongxin_domain::kernel::text::query("q", &p.q).map_err(|e| ApiError::invalid("q", e.to_string()))?;
    let found = s.store.places().matching_address(staff.scope(), &p.q, MATCHES).await?;
    let items: Vec<Value> = found.iter().map(|b| json!({ "id": b.id, "label": building_label(b) })).collect();
    Ok(Json(json!({ "items": items })))
}

/// Where the call is about, or the error to show on the place field; `matches` gets the
/// buildings to choose from when the address named several.
async fn place_of(
    s: &AppState,
    staff: &Staff,
    f: &CallForm,
    matches: &mut Vec<Building>,
) -> Result<(Place, String), String> {
    let typed = f.place.trim();
    if let Ok(id) = f.building.trim().parse::<i64>() {
        let b = s.store.places().building(staff.scope(), id).await.map_err(|_| "所选楼栋不存在".to_string())?;
        let address = if typed.is_empty() { b.address.clone() } else { typed.to_string() };
        return Ok((Place::Point { lng: b.lng, lat: b.lat }, address));
    }
    match (f.lat.trim(), f.lng.trim()) {
        ("", "") => {}
        (lat, lng) => {
            let (Ok(lat), Ok(lng)) = (lat.parse::<f64>(), lng.parse::<f64>()) else {
                return Err("坐标应为数字：纬度如 29.0859，经度如 119.6379".into());
            };
            return Ok((Place::Point { lng, lat }, typed.to_string()));
        }
    }
    if typed.is_empty() {
        return Err("请填写事发地址（可按楼栋名称或门牌查找）".into());
    }
    tongxin_domain::kernel::text::query("事发地址", typed).map_err(|e| e.to_string())?;
    let found = s.store.places().matching_address(staff.scope(), typed, MATCHES).await.map_err(|e| e.to_string())?;
    match found.len() {
        // Not in the register (a road, a square): the address text, routed by street.
        0 => Ok((Place::Address, typed.to_string())),
        1 => Ok((Place::Point { lng: found[0].lng, lat: found[0].lat }, typed.to_string())),
        n => {
            *matches = found;
            Err(format!("有 {n} 处楼栋与“{typed}”相符，请在下方选择一处"))
        }
    }
}

/// `POST /hotline`: checks every field, then creates the case in one step (and, for a question
/// answered during the call, closes it).
async fn submit(State(s): State<AppState>, staff: Staff, CsrfForm(f): CsrfForm<CallForm>) -> PageResult {
    require_operator(&staff)?;
    let mut errors = Errors::default();
    let name = PersonName::optional(&f.name).map_err(|e| errors.set("name", e.to_string())).ok().flatten();
    let phone = match f.phone.trim() {
        "" => None,
        p => Phone::parse(p).map_err(|e| errors.set("phone", e.to_string())).ok(),
    };
    let category = f.category.trim().to_string();
    let kind = s.cases.config().categories.get(&category).map(|c| c.kind);
    if category.is_empty() || kind.is_none() {
        errors.set("category", "请选择诉求类别".into());
    } else if !is_leaf(&s, &category) {
        errors.set("category", "请选择具体的小类，而不是大类".into());
    }
    let urgency = match f.urgency.trim() {
        "" => None,
        u => Urgency::parse(u).or_else(|| {
            errors.set("urgency", "紧急程度应为 紧急、水电气热、一般 或 复杂".into());
            None
        }),
    };
    if let Err(e) = Description::new(&f.description) {
        errors.set("description", e.to_string());
    }
    let answer = if f.answered() {
        if kind.is_some_and(|k| k != CaseKind::Question) {
            errors.set("answered", "只有咨询类诉求可以在电话中直接答复，其他诉求请登记后派单".into());
        }
        match Description::optional_named("答复内容", &f.answer) {
            Ok(Some(a)) => Some(a.into_string()),
            Ok(None) => {
                errors.set("answer", "请填写在电话中给出的答复".into());
                None
            }
            Err(e) => {
                errors.set("answer", e.to_string());
                None
            }
        }
    } else {
        None
    };
    let mut matches = Vec::new();
    let place = match place_of(&s, &staff, &f, &mut matches).await {
        Ok((place, address)) => match Address::optional(&address) {
            Ok(_) => Some((place, address)),
            Err(e) => {
                errors.set("place", e.to_string());
                None
            }
        },
        Err(m) => {
            errors.set("place", m);
            None
        }
    };
    let again = |f: CallForm, errors: Errors, matches: Vec<Building>| {
        (StatusCode::UNPROCESSABLE_ENTITY, render(&page(&s, &staff, f, errors, matches))).into_response()
    };
    let Some((place, address)) = place.filter(|_| errors.count() == 0) else {
        return Ok(again(f, errors, matches));
    };
    let report = Report {
        channel: Channel::Hotline,
        category,
        urgency,
        title: None,
        description: f.description.clone(),
        place,
        address,
        requester_name: name.map(String::from),
        phone,
        photos: Vec::new(),
        reporter: Reporter::Staff(staff.user.clone()),
        on_spot_reply: answer,
    };
    match s.cases.report(report).await {
        Ok(r) => {
            let text = if f.answered() {
                format!("已登记诉求 {}，已在电话中答复并结案", r.code)
            } else if r.duplicate {
                format!("与已有诉求 {} 相同，已并入该诉求", r.code)
            } else {
                format!("已登记诉求 {}", r.code)
            };
            Ok(flash::redirect(&format!("/cases/{}", r.id), "ok", &text))
        }
        Err(CaseError::Invalid { field, message }) => {
            errors.set(field, message);
            Ok(again(f, errors, matches))
        }
        Err(CaseError::Transition(e)) => {
            errors.set("general", e.to_string());
            Ok(again(f, errors, matches))
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
