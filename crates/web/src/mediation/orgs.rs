//! Mediation organisations and their people, for the desk (`COORDINATOR_ROLES`: dispatchers,
//! community workers, the admin), through `tongxin_app::mediation::orgs`:
//!
//! - `GET /mediation/orgs`: the organisations the scope sees, the communities still without a
//!   人民调解委员会 (人民调解法 art 8: every 村/居 sets one up), and a form to create one;
//! - `GET /mediation/orgs/{id}`: one organisation — a committee's roster with what is wrong
//!   with it under arts 8–9 (shown, not refused), its mediators; forms to replace the roster
//!   (`/committee`), add a mediator with qualification, term and specialities (`/mediators`;
//!   art 14: an adult), and remove one with the art-15 reason (`/mediation/mediators/{id}/remove`:
//!   their account reads and does nothing from that moment).

use super::fields::Fields;
use super::views::{Typed, not_found, refusal, render_form};
use crate::AppState;
use crate::cases::pages::{Choice, choices};
use crate::ui::{CsrfForm, PageResult, Shell, Staff, flash};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use std::collections::HashMap;
use tongxin_app::mediation::orgs::{MAX_ROSTER, MediatorForm, OrgForm};
use tongxin_domain::kernel::access::{Action as Permission, Role};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_domain::mediation::mediator::{Appointment, MediatorInput, MediatorStatus, RemovalReason};
use tongxin_domain::mediation::org::{CommitteeMember, OrgKind, Post, communities_without_committee};
use tongxin_domain::people::idcard::Gender;

struct OrgRow {
    id: i64,
    name: String,
    kind: &'static str,
    place: String,
    field: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "mediation/orgs.html")]
struct OrgsPage {
    shell: Shell,
    rows: Vec<OrgRow>,
    missing: Vec<String>,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
    fields: Vec<Choice>,
    typed: Typed,
}

fn require(staff: &Staff) -> PageResult<()> {
    staff.require(Permission::ManageMediation)
}

/// Region names of these codes.
async fn region_names(s: &AppState, codes: Vec<String>) -> PageResult<HashMap<String, String>> {
    Ok(s.store.cases().region_names(&codes).await?)
}

/// `GET /mediation/orgs`
pub async fn list(State(s): State<AppState>, staff: Staff) -> PageResult<Response> {
    show_list(&s, &staff, Typed::default()).await
}

async fn show_list(s: &AppState, staff: &Staff, typed: Typed) -> PageResult<Response> {
    require(staff)?;
    let orgs = s.store.mediation().orgs(staff.scope()).await?;
    let regions = s.store.regions().in_scope(staff.scope(), false).await?;
    let names = region_names(s, orgs.iter().map(|o| o.region_code.clone()).collect()).await?;
    let communities: Vec<RegionCode> =
        regions.iter().filter(|r| r.level == "community").filter_map(|r| RegionCode::parse(&r.code).ok()).collect();
    let domain_orgs: Vec<_> = orgs.iter().filter(|o| o.active).filter_map(|o| o.organisation().ok()).collect();
    let region_name: HashMap<&str, &str> = regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let missing = communities_without_committee(&communities, &domain_orgs)
        .iter()
        .map(|c| region_name.get(c.as_str()).map(|n| n.to_string()).unwrap_or_else(|| "社区".into()))
        .collect();
    let rows = orgs
        .iter()
        .map(|o| OrgRow {
            id: o.id,
            name: o.name.clone(),
            kind: o.kind.label(),
            place: names.get(&o.region_code).cloned().unwrap_or_else(|| "—".into()),
            field: o.field.map(DisputeType::label).unwrap_or("—"),
            active: o.active,
        })
        .collect();
    let v = |k: &str| typed.v("org", k).to_string();
    let page = OrgsPage {
        shell: Shell::staff("调解组织", staff, "/mediation/orgs"),
        rows,
        missing,
        kinds: choices(&v("kind"), OrgKind::ALL.iter().map(|k| (k.as_str().into(), k.label().into()))),
        regions: choices(
            &v("region_code"),
            regions.iter().filter(|r| r.level != "grid").map(|r| (r.code.clone(), r.name.clone())),
        ),
        fields: choices(
            &v("field"),
            std::iter::once((String::new(), "不限（专业性调委会必选）".to_string()))
                .chain(DisputeType::ALL.iter().map(|t| (t.as_str().into(), t.label().into()))),
        ),
        typed,
    };
    Ok(render_form(&page, page.typed.0.is_some()))
}

/// `POST /mediation/orgs`
pub async fn create(
    State(s): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    require(&staff)?;
    let m = Fields::new(pairs);
    let Some(kind) = OrgKind::parse(&m.one("kind")) else {
        return show_list(&s, &staff, Typed::refused("org".into(), m.into_map(), "请选择组织类型".into())).await;
    };
    let field = match m.one("field").as_str() {
        "" => None,
        f => DisputeType::parse(f),
    };
    let form = OrgForm {
        kind,
        name: m.one("name"),
        region_code: m.one("region_code"),
        field,
        multi_ethnic: m.one("multi_ethnic") == "1",
    };
    match tongxin_app::mediation::orgs::create_org(&s.store, &staff.user, form).await {
        Ok(o) => Ok(flash::redirect(&format!("/mediation/orgs/{}", o.id), "ok", &format!("已创建{}", o.name))),
        Err(e) => {
            let r = refusal(e)?;
            show_list(&s, &staff, Typed::refused("org".into(), m.into_map(), r.message)).await
        }
    }
}

struct MemberRow {
    name: String,
    gender: &'static str,
    post: &'static str,
    minority: bool,
    term: String,
}

struct MediatorRow {
    id: i64,
    /// The id of its removal form.
    form: String,
    version: i64,
    name: String,
    appointment: &'static str,
    qualification: String,
    term: String,
    specialities: String,
    account: String,
    removed: Option<String>,
}

#[derive(Template)]
#[template(path = "mediation/org.html")]
struct OrgPage {
    shell: Shell,
    id: i64,
    version: i64,
    name: String,
    kind: &'static str,
    place: String,
    field: &'static str,
    committee: bool,
    multi_ethnic: bool,
    members: Vec<MemberRow>,
    problems: Vec<String>,
    mediators: Vec<MediatorRow>,
    roster_rows: Vec<usize>,
    genders: Vec<(&'static str, &'static str)>,
    posts: Vec<(&'static str, &'static str)>,
    appointments: Vec<(&'static str, &'static str)>,
    specialities: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    accounts: Vec<Choice>,
    /// The roster as stored, for the form (name, gender, post, minority, start, end).
    roster: Vec<[String; 6]>,
    typed: Typed,
}

impl OrgPage {
    /// A roster cell: as typed after a refusal, else as stored.
    fn cell(&self, row: &usize, col: usize, field: &str) -> String {
        if self.typed.0.as_ref().is_some_and(|k| k.form == "committee") {
            return self.typed.vi("committee", field, *row).to_string();
        }
        self.roster.get(*row).map(|r| r[col].clone()).unwrap_or_default()
    }
}

/// `GET /mediation/orgs/{id}`
pub async fn detail(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    show_org(&s, &staff, id, Typed::default()).await
}

async fn show_org(s: &AppState, staff: &Staff, id: i64, typed: Typed) -> PageResult<Response> {
    require(staff)?;
    let detail = s.store.mediation().org_detail(staff.scope(), id).await.map_err(not_found)?;
    let o = &detail.org;
    let names = region_names(s, vec![o.region_code.clone()]).await?;
    let users = s.store.accounts().users().await?;
    let user_names: HashMap<i64, String> = users.iter().map(|u| (u.id, u.display_name.clone())).collect();
    let mediators = detail
        .mediators
        .iter()
        .map(|r| {
            let m = &r.mediator;
            MediatorRow {
                id: m.id,
                form: format!("remove-{}", m.id),
                version: r.version,
                name: m.name.clone(),
                appointment: m.appointment.label(),
                qualification: r.qualification.clone(),
                term: match m.term_end {
                    Some(end) => format!("{} 至 {end}", m.term_start),
                    None => format!("{} 起", m.term_start),
                },
                specialities: m.specialities.iter().map(|t| t.label()).collect::<Vec<_>>().join("、"),
                account: r.user_id.and_then(|u| user_names.get(&u).cloned()).unwrap_or_else(|| "—".into()),
                removed: match &m.status {
                    MediatorStatus::Active => None,
                    MediatorStatus::Removed(x) => Some(match &x.text {
                        Some(t) if !t.is_empty() => format!("{} 罢免或解聘：{}（{t}）", x.on, x.reason.label()),
                        _ => format!("{} 罢免或解聘：{}", x.on, x.reason.label()),
                    }),
                },
            }
        })
        .collect();
    let roster: Vec<[String; 6]> = detail
        .committee
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                match c.gender {
                    Gender::Male => "male".into(),
                    Gender::Female => "female".into(),
                },
                c.post.as_str().into(),
                if c.minority { "1".into() } else { String::new() },
                c.term_start.to_string(),
                c.term_end.to_string(),
            ]
        })
        .collect();
    let typed_rows =
        typed.0.as_ref().filter(|k| k.form == "committee").and_then(|k| k.values.get("m_name")).map_or(0, Vec::len);
    let rows = (roster.len() + 2).max(typed_rows).clamp(3, MAX_ROSTER);
    let selected = typed.v("mediator", "user_id").to_string();
    let accounts = std::iter::once(Choice { value: String::new(), label: "不关联账号".into(), selected: false })
        .chain(choices(
            &selected,
            users
                .iter()
                .filter(|u| u.active && u.role == Role::Mediator && u.scope.covers_place(&o.region_code))
                .map(|u| (u.id.to_string(), u.display_name.clone())),
        ))
        .collect();
    let page = OrgPage {
        shell: Shell::staff(&o.name, staff, "/mediation/orgs"),
        id: o.id,
        version: o.version,
        name: o.name.clone(),
        kind: o.kind.label(),
        place: names.get(&o.region_code).cloned().unwrap_or_else(|| "—".into()),
        field: o.field.map(DisputeType::label).unwrap_or("—"),
        committee: o.is_committee(),
        multi_ethnic: o.multi_ethnic,
        members: detail
            .committee
            .iter()
            .map(|c| MemberRow {
                name: c.name.clone(),
                gender: c.gender.label(),
                post: c.post.label(),
                minority: c.minority,
                term: format!("{} 至 {}", c.term_start, c.term_end),
            })
            .collect(),
        problems: detail.problems.clone(),
        mediators,
        roster_rows: (0..rows).collect(),
        genders: vec![("female", "女"), ("male", "男")],
        posts: Post::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
        appointments: Appointment::ALL.iter().map(|a| (a.as_str(), a.label())).collect(),
        specialities: DisputeType::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        reasons: RemovalReason::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        accounts,
        roster,
        typed,
    };
    Ok(render_form(&page, page.typed.0.is_some()))
}

fn date(v: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| format!("请填写正确的{what}（年-月-日）"))
}

/// The roster as typed: rows with a name; each cell read or the row's problem said.
fn members(m: &Fields) -> Result<Vec<CommitteeMember>, String> {
    let col = |k: &str| m.all(k);
    let (names, genders, posts, minority, starts, ends) =
        (col("m_name"), col("m_gender"), col("m_post"), col("m_minority"), col("m_start"), col("m_end"));
    let cell = |c: &Vec<String>, i: usize| c.get(i).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut out = Vec::new();
    for i in 0..names.len().min(MAX_ROSTER + 5) {
        let name = cell(&names, i);
        if name.is_empty() {
            continue;
        }
        let n = i + 1;
        let row = |e: String| format!("第{n}行：{e}");
        out.push(CommitteeMember {
            gender: Gender::parse_label(&cell(&genders, i)).ok_or_else(|| row("请选择性别".into()))?,
            post: Post::parse(&cell(&posts, i)).ok_or_else(|| row("请选择职务".into()))?,
            minority: cell(&minority, i) == "1",
            term_start: date(&cell(&starts, i), "任期开始日期").map_err(row)?,
            term_end: date(&cell(&ends, i), "任期结束日期").map_err(row)?,
            name,
        });
    }
    Ok(out)
}

/// `POST /mediation/orgs/{id}/committee`: the roster replaced; its problems are shown.
pub async fn committee(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    require(&staff)?;
    let m = Fields::new(pairs);
    let version = m.required_version()?;
    let list = match members(&m) {
        Ok(l) => l,
        Err(e) => return show_org(&s, &staff, id, Typed::refused("committee".into(), m.into_map(), e)).await,
    };
    match tongxin_app::mediation::orgs::set_committee(&s.store, &staff.user, id, version, list).await {
        Ok(d) if d.problems.is_empty() => {
            Ok(flash::redirect(&format!("/mediation/orgs/{id}"), "ok", "已保存委员会组成，符合人民调解法第八、九条"))
        }
        Ok(d) => Ok(flash::redirect(
            &format!("/mediation/orgs/{id}"),
            "error",
            &format!("已保存委员会组成，但有 {} 处不符合人民调解法，请见页面提示", d.problems.len()),
        )),
        Err(e) => {
            let r = refusal(e)?;
            show_org(&s, &staff, id, Typed::refused("committee".into(), m.into_map(), r.message)).await
        }
    }
}

/// `POST /mediation/orgs/{id}/mediators`
pub async fn add_mediator(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    require(&staff)?;
    let m = Fields::new(pairs);
    let refused = |e: String, m: Fields| show_org(&s, &staff, id, Typed::refused("mediator".into(), m.into_map(), e));
    let input = (|| -> Result<MediatorInput, String> {
        let mut specialities = Vec::new();
        for t in m.all("specialities") {
            specialities.push(DisputeType::parse(&t).ok_or("请从列表中选择擅长的纠纷类型")?);
        }
        let end = m.one("term_end");
        Ok(MediatorInput {
            org_id: id,
            name: m.one("name"),
            birth_date: date(&m.one("birth_date"), "出生日期")?,
            appointment: Appointment::parse(&m.one("appointment")).ok_or("请选择调解员类别")?,
            term_start: date(&m.one("term_start"), "任期开始日期")?,
            term_end: if end.is_empty() { None } else { Some(date(&end, "任期结束日期")?) },
            specialities,
        })
    })();
    let input = match input {
        Ok(i) => i,
        Err(e) => return refused(e, m).await,
    };
    let user_id = match m.one("user_id").as_str() {
        "" => None,
        u => match u.parse::<i64>() {
            Ok(u) => Some(u),
            Err(_) => return refused("请从列表中选择账号".into(), m).await,
        },
    };
    let form = MediatorForm { input, user_id, qualification: m.one("qualification") };
    match tongxin_app::mediation::orgs::create_mediator(&s.store, &staff.user, form).await {
        Ok(r) => {
            Ok(flash::redirect(&format!("/mediation/orgs/{id}"), "ok", &format!("已添加调解员{}", r.mediator.name)))
        }
        Err(e) => {
            let r = refusal(e)?;
            refused(r.message, m).await
        }
    }
}

/// `POST /mediation/mediators/{id}/remove`: 罢免或解聘 (人民调解法 art 15); access ends at once.
pub async fn remove_mediator(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    require(&staff)?;
    let m = Fields::new(pairs);
    let version = m.required_version()?;
    let record = s.store.mediation().mediator(id).await.map_err(not_found)?;
    let org = record.mediator.org_id;
    // Only an organisation the caller sees (another's mediator is not found).
    s.store.mediation().org(staff.scope(), org).await.map_err(not_found)?;
    let form = format!("remove-{id}");
    let Some(reason) = RemovalReason::parse(&m.one("reason")) else {
        return show_org(&s, &staff, org, Typed::refused(form, m.into_map(), "请选择罢免或解聘的原因".into())).await;
    };
    let text = m.one("text");
    match tongxin_app::mediation::orgs::remove_mediator(&s.store, &staff.user, id, version, reason, &text).await {
        Ok(r) => Ok(flash::redirect(
            &format!("/mediation/orgs/{org}"),
            "ok",
            &format!("已罢免或解聘调解员{}，其账号即刻不能再查看和办理纠纷", r.mediator.name),
        )),
        Err(e) => {
            let r = refusal(e)?;
            show_org(&s, &staff, org, Typed::refused(form, m.into_map(), r.message)).await
        }
    }
}
