//! 党组织: the party organisations of the caller's scope for 党组织书记 (and every other role
//! that may read party data: the admin, leaders, community and grid workers). `GET /party` is
//! the organisation tree (街道党工委 → 社区党委 → 网格党支部; 楼栋党小组 are listed on their
//! branch's page), optionally narrowed with `?within=` to a region in scope; `GET
//! /party/orgs/{id}` is one organisation with its sub-organisations and its members, paginated,
//! names masked.
//!
//! The reads are the JSON API's (`store.party_orgs`, `party_org`, `party_members`, see
//! `api/party.rs`) with the caller's scope, so an organisation outside it is the 404 page. The
//! platform has no write path for party data yet, so these pages only read.

use crate::AppState;
use crate::routes::{RouteSpec, r};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use tongxin_domain::kernel::access::{Action, Role, Scope};
use tongxin_domain::kernel::mask::mask_name;
use tongxin_store::Page;
use tongxin_store::party::{ORG_KINDS, PartyMember, PartyOrg};

/// Members per page on an organisation's page.
const PER_PAGE: u32 = 20;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![r("GET", "/party", get(tree)), r("GET", "/party/orgs/{id}", get(org))]
}

fn kind_label(kind: &str) -> String {
    ORG_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, l)| l.to_string()).unwrap_or_else(|| kind.to_string())
}

/// Region names of the scope, to name the places organisations and members belong to.
async fn region_names(s: &AppState, scope: &Scope) -> Result<HashMap<String, String>, PageError> {
    Ok(s.store.regions().in_scope(scope, true).await?.into_iter().map(|r| (r.code, r.name)).collect())
}

/// A line of the organisation tree.
struct TreeRow {
    id: i64,
    name: String,
    kind: String,
    place: String,
    members: i64,
    region_code: String,
    /// 楼栋党小组 under it (not drawn in the tree).
    groups: usize,
    /// Sub-organisations of its grids, folded above the community level.
    branches: usize,
    depth: usize,
}

#[derive(Template)]
#[template(path = "party/tree.html")]
struct TreePage {
    shell: Shell,
    area: String,
    within: String,
    rows: Vec<TreeRow>,
    org_total: usize,
    member_total: String,
}

#[derive(Deserialize, Default)]
struct TreeParams {
    #[serde(default)]
    within: String,
}

/// Depth-first order of `orgs` under their parents (an organisation whose parent is outside
/// the list is a root); each with its depth.
fn walk(orgs: &[PartyOrg]) -> Vec<(&PartyOrg, usize)> {
    let ids: HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let mut children: HashMap<i64, Vec<&PartyOrg>> = HashMap::new();
    let mut roots = Vec::new();
    for o in orgs {
        match o.parent_id.filter(|p| ids.contains(p)) {
            Some(p) => children.entry(p).or_default().push(o),
            None => roots.push(o),
        }
    }
    let mut out = Vec::with_capacity(orgs.len());
    let mut stack: Vec<(&PartyOrg, usize)> = roots.into_iter().rev().map(|o| (o, 0)).collect();
    while let Some((o, depth)) = stack.pop() {
        out.push((o, depth));
        if let Some(kids) = children.get(&o.id) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// `GET /party?within=`: the organisation tree of the scope.
async fn tree(State(s): State<AppState>, staff: Staff, Query(p): Query<TreeParams>) -> PageResult {
    staff.require(Action::ReadParty)?;
    let within = p.within.trim().to_string();
    let within_opt = Some(within.as_str()).filter(|w| !w.is_empty());
    if within_opt.is_some_and(|w| w.len() > 15 || !w.bytes().all(|b| b.is_ascii_digit())) {
        return Err(PageError::NotFound);
    }
    let orgs = s.store.party().orgs(staff.scope(), within_opt).await?;
    let names = region_names(&s, staff.scope()).await?;
    let members = s.store.party().members(staff.scope(), None, within_opt, Page::new(Some(1), Some(1))).await?;
    // The area shown: `within` when it narrows the scope (a broader one keeps the scope).
    let scope_prefix = staff.scope().places_prefix();
    let area_code = match within_opt {
        Some(w) if w.len() > scope_prefix.len() => w.to_string(),
        _ => scope_prefix.to_string(),
    };
    // Building groups are many (one per building with enough members): listed on their branch's
    // page. Above a community, grid branches fold into their community's line (a street has
    // hundreds); the line links to the community's own tree.
    let fold_grids = area_code.len() < 12;
    let folded = |o: &PartyOrg| o.kind == "building_group" || (fold_grids && o.region_code.len() > 12);
    let mut groups: HashMap<i64, usize> = HashMap::new();
    let mut branches: HashMap<i64, usize> = HashMap::new();
    for o in orgs.iter().filter(|o| folded(o)) {
        if let Some(p) = o.parent_id {
            let counter = if o.kind == "building_group" { &mut groups } else { &mut branches };
            *counter.entry(p).or_default() += 1;
        }
    }
    let shown: Vec<PartyOrg> = orgs.iter().filter(|o| !folded(o)).cloned().collect();
    let rows = walk(&shown)
        .into_iter()
        .map(|(o, depth)| TreeRow {
            id: o.id,
            name: o.name.clone(),
            kind: kind_label(&o.kind),
            place: names.get(&o.region_code).cloned().unwrap_or_else(|| o.region_code.clone()),
            region_code: o.region_code.clone(),
            members: o.members,
            groups: groups.get(&o.id).copied().unwrap_or(0),
            branches: branches.get(&o.id).copied().unwrap_or(0),
            depth: depth.min(4),
        })
        .collect();
    let area = if area_code.is_empty() {
        "全部辖区".to_string()
    } else {
        names.get(&area_code).cloned().unwrap_or(area_code)
    };
    let view = TreePage {
        shell: Shell::staff("党组织", &staff, "/party"),
        area,
        within,
        rows,
        org_total: orgs.len(),
        member_total: members.total.to_string(),
    };
    Ok(render(&view))
}

/// A party member as listed: the name in full for the party secretary of their organisation
/// (members are read within the caller's scope), masked to the surname for everyone else.
struct MemberRow {
    name: String,
    status: &'static str,
    employment: &'static str,
    work_unit: String,
    place: String,
    joined_on: String,
    dual_report: Option<String>,
    center_household: bool,
}

fn member_row(m: &PartyMember, names: &HashMap<String, String>, full_names: bool) -> MemberRow {
    let place = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    MemberRow {
        name: if full_names { m.name.clone() } else { mask_name(&m.name) },
        status: if m.status == "probationary" { "预备党员" } else { "正式党员" },
        employment: if m.employment == "retired" { "离退休" } else { "在职" },
        work_unit: m.work_unit.clone(),
        place: place(&m.region_code),
        joined_on: m.joined_on.map(|d| d.format("%Y-%m").to_string()).unwrap_or_else(|| "—".into()),
        dual_report: m.dual_report_community.as_deref().map(|c| {
            let on = m.dual_report_on.map(|d| format!("（{}）", d.format("%Y-%m-%d"))).unwrap_or_default();
            format!("{}{on}", place(c))
        }),
        center_household: m.center_household,
    }
}

struct OrgLink {
    id: i64,
    name: String,
    kind: String,
    members: i64,
}

fn link(o: &PartyOrg) -> OrgLink {
    OrgLink { id: o.id, name: o.name.clone(), kind: kind_label(&o.kind), members: o.members }
}

#[derive(Template)]
#[template(path = "party/org.html")]
struct OrgPage {
    shell: Shell,
    org: OrgLink,
    place: String,
    region_code: String,
    parent: Option<OrgLink>,
    children: Vec<OrgLink>,
    members: Vec<MemberRow>,
    /// Members' names shown in full (the party secretary).
    full_names: bool,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct OrgParams {
    page: Option<String>,
}

/// A page number from the query string (absent or garbage: the first page).
fn page_no(raw: &Option<String>) -> u32 {
    raw.as_deref().and_then(|s| s.trim().parse::<u32>().ok()).filter(|p| (1..=100_000).contains(p)).unwrap_or(1)
}

/// `GET /party/orgs/{id}?page=`: one organisation, its sub-organisations and its members.
async fn org(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(p): Query<OrgParams>,
) -> PageResult {
    staff.require(Action::ReadParty)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let scope = staff.scope();
    let org = s.store.party().org(scope, id).await?;
    let parent = match org.parent_id {
        Some(pid) => match s.store.party().org(scope, pid).await {
            Ok(p) => Some(link(&p)),
            // The parent lies above the scope: this organisation is one of its roots.
            Err(tongxin_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let children: Vec<OrgLink> = s
        .store
        .party()
        .orgs(scope, Some(&org.region_code))
        .await?
        .iter()
        .filter(|o| o.parent_id == Some(org.id))
        .map(link)
        .collect();
    let page = Page::new(Some(page_no(&p.page)), Some(PER_PAGE));
    let found = s.store.party().members(scope, Some(org.id), None, page).await?;
    let names = region_names(&s, scope).await?;
    let path = format!("/party/orgs/{}", org.id);
    // A party secretary keeps the roster of the organisations in their scope (issue 11).
    let full_names = staff.user.role == Role::PartySecretary;
    let view = OrgPage {
        shell: Shell::staff(&org.name, &staff, "/party"),
        place: names.get(&org.region_code).cloned().unwrap_or_else(|| org.region_code.clone()),
        region_code: org.region_code.clone(),
        org: link(&org),
        parent,
        children,
        members: found.items.iter().map(|m| member_row(m, &names, full_names)).collect(),
        full_names,
        pager: Pager::new(&found, &path, "page", &[]),
    };
    Ok(render(&view))
}
