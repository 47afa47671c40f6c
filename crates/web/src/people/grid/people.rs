//! `GET /grid/households`: the households of my area with their residents, or residents found
//! by name / number; `GET /grid/residents/{id}`: one resident. ID and phone numbers are always
//! the stored masked forms (never decrypted here); a resident outside the scope is the 404 page.
//!
//! For a grid worker the area is their grid (住户信息, with links to record a visit); every
//! other role that may read residents (调解员 and 党组织书记 among them) gets the same pages over
//! their own scope (居民查询) — the store calls bound every read by the scope, as the API's do.

use super::{grid_name, page_no};
use crate::AppState;
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use tongxin_domain::kernel::access::{Action, Role, Scope};
use tongxin_store::residents::{KNOWN_TAGS, Resident, ResidentQuery, SearchRefused, Searcher};
use tongxin_store::{Page, Paged, StoreError};

const PER_PAGE: u32 = 10;

#[derive(Deserialize, Default)]
pub(super) struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tag: String,
    page: Option<String>,
}

/// A resident as listed: masked numbers only.
pub(super) struct Person {
    pub id: i64,
    pub name: String,
    pub gender: &'static str,
    pub age: i32,
    pub relation: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub tags: Vec<String>,
}

pub(super) fn person(r: &Resident, today: chrono::NaiveDate) -> Person {
    use chrono::Datelike;
    let mut age = today.year() - r.birth_date.year();
    if (today.month(), today.day()) < (r.birth_date.month(), r.birth_date.day()) {
        age -= 1;
    }
    Person {
        id: r.id,
        name: r.name.clone(),
        gender: if r.gender == "female" { "女" } else { "男" },
        age,
        relation: r.relation.clone(),
        id_masked: r.id_masked.clone(),
        phone_masked: r.phone_masked.clone().unwrap_or_else(|| "—".into()),
        tags: r.tags.split(',').filter(|t| !t.is_empty()).map(String::from).collect(),
    }
}

pub(super) struct HouseholdCard {
    pub id: i64,
    pub address: String,
    pub members: Vec<Person>,
}

struct TagChoice {
    value: &'static str,
    selected: bool,
}

/// Whose residents the pages show: the caller's scope.
struct Area {
    /// The scope's region code; `None` for the whole installation.
    code: Option<String>,
    name: String,
    /// A grid worker on their own grid: 住户信息 with visit links; anyone else: 居民查询.
    grid_worker: bool,
}

impl Area {
    fn title(&self) -> &'static str {
        if self.grid_worker { "住户信息" } else { "居民查询" }
    }
}

/// Any role that may read residents, over its region scope; department staff never.
async fn reader_area(s: &AppState, staff: &Staff) -> Result<Area, PageError> {
    staff.require(Action::ReadResidents)?;
    match staff.scope() {
        Scope::All => Ok(Area { code: None, name: "全部辖区".into(), grid_worker: false }),
        Scope::Region { code } => {
            let code = code.as_str().to_string();
            let grid_worker = staff.user.role == Role::GridWorker && code.len() == 15;
            Ok(Area { name: grid_name(s, staff, &code).await, code: Some(code), grid_worker })
        }
        Scope::Department { .. } => Err(PageError::Forbidden),
    }
}

#[derive(Template)]
#[template(path = "people/households.html")]
struct HouseholdsPage {
    shell: Shell,
    title: &'static str,
    grid_worker: bool,
    grid_name: String,
    q: String,
    /// Full-number search is offered (and audited) only to holders of the unmask permission.
    can_unmask: bool,
    tags: Vec<TagChoice>,
    searching: bool,
    problem: Option<String>,
    households: Vec<HouseholdCard>,
    people: Vec<Person>,
    pager: Pager,
}

fn today(s: &AppState) -> chrono::NaiveDate {
    tongxin_domain::kernel::clock::shanghai(s.store.now()).date_naive()
}

pub(super) async fn households(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    let area = reader_area(&s, &staff).await?;
    let page = Page::new(Some(page_no(&p.page)), Some(PER_PAGE));
    let q = p.q.trim().to_string();
    let tag = p.tag.trim().to_string();
    let searching = !q.is_empty() || !tag.is_empty();
    let today = today(&s);
    let keep = [("q", q.clone()), ("tag", tag.clone())];
    let mut problem = None;
    let (households, people, pager) = if searching {
        let query =
            ResidentQuery { q: q.clone(), tag: Some(tag.clone()).filter(|t| !t.is_empty()), grid: area.code.clone() };
        let actor = staff.actor();
        let who = Searcher { actor: &actor, can_unmask: staff.user.can_unmask };
        // A refusal (a partial number, a full number without the unmask permission, the hourly
        // limit) is said on the page and finds no one, so nothing is confirmed (issue 9, High 1).
        let found = match s.store.residents().search_as(staff.scope(), who, &query, page).await {
            Ok(found) => found,
            Err(SearchRefused::Store(StoreError::Invalid(m))) => {
                problem = Some(m);
                Paged { items: Vec::new(), page: 1, per_page: PER_PAGE, total: 0, total_capped: false }
            }
            Err(SearchRefused::Store(e)) => return Err(e.into()),
            Err(refused) => {
                problem = Some(refused.to_string());
                Paged { items: Vec::new(), page: 1, per_page: PER_PAGE, total: 0, total_capped: false }
            }
        };
        let people = found.items.iter().map(|r| person(r, today)).collect();
        (Vec::new(), people, Pager::new(&found, "/grid/households", "page", &keep).labelled("住户"))
    } else {
        let listed = s.store.places().households(staff.scope(), None, area.code.as_deref(), page).await?;
        let mut cards = Vec::with_capacity(listed.items.len());
        for h in &listed.items {
            let members = s.store.residents().in_household(staff.scope(), h.id).await?;
            cards.push(HouseholdCard {
                id: h.id,
                address: h.address.clone(),
                members: members.iter().map(|r| person(r, today)).collect(),
            });
        }
        (cards, Vec::new(), Pager::new(&listed, "/grid/households", "page", &keep).labelled("住户"))
    };
    let view = HouseholdsPage {
        shell: Shell::staff(area.title(), &staff, "/grid/households"),
        title: area.title(),
        grid_worker: area.grid_worker,
        grid_name: area.name,
        tags: KNOWN_TAGS.iter().map(|&t| TagChoice { value: t, selected: t == tag }).collect(),
        q,
        can_unmask: staff.user.can_unmask,
        searching,
        problem,
        households,
        people,
        pager,
    };
    Ok(render(&view))
}

#[derive(Template)]
#[template(path = "people/resident.html")]
struct ResidentPage {
    shell: Shell,
    title: &'static str,
    grid_worker: bool,
    /// 登记矛盾纠纷 with this resident as a party (those who register disputes).
    may_register_dispute: bool,
    person: Person,
    household: Option<HouseholdCard>,
}

pub(super) async fn resident(State(s): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let area = reader_area(&s, &staff).await?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let r = s.store.residents().get(staff.scope(), id).await?;
    let today = today(&s);
    let household = match r.household_id {
        Some(h) => {
            let hh = s.store.places().household(staff.scope(), h).await?;
            let members = s.store.residents().in_household(staff.scope(), h).await?;
            Some(HouseholdCard {
                id: hh.id,
                address: hh.address,
                members: members.iter().filter(|m| m.id != r.id).map(|m| person(m, today)).collect(),
            })
        }
        None => None,
    };
    let view = ResidentPage {
        shell: Shell::staff(&format!("居民 {}", r.name), &staff, "/grid/households"),
        title: area.title(),
        grid_worker: area.grid_worker,
        may_register_dispute: tongxin_domain::kernel::access::role_may(
            staff.user.role,
            tongxin_domain::kernel::access::Action::RegisterDisputes,
        ),
        person: person(&r, today),
        household,
    };
    Ok(render(&view))
}
