//! 指挥中心: the case queue (`/cases`), a case's page (`/cases/{id}`) with a form for every step
//! the caller may take now, and the endpoint those forms post to (`/cases/{id}/act`; the
//! 办结回复 with its evidence photos is multipart, `/cases/{id}/reply`).
//!
//! Which forms show is asked of the domain itself: each possible step is tried with
//! [`decide`] on the case's state (nothing is written); the forms the rules would refuse are not
//! offered. Posted forms become the same [`Action`] the JSON API reads
//! ([`action_from_fields`] goes through the action's serde form) and go through
//! `CaseService::act`, which checks the version and writes the audit record.

use super::names::Names;
use super::photos::{PhotoLink, staff_links};
use super::views::{Row, light, row};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::{RouteSpec, r};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::{CsrfForm, check_csrf};
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use tongxin_app::cases::CaseActor;
use tongxin_domain::case::deadline::TimeLimit;
use tongxin_domain::case::{Action, Actor, CaseState, Channel, Status, TransitionError, Unit, contact, decide, route};
use tongxin_domain::kernel::access::{Action as Permission, Role, Scope, role_may};
use tongxin_domain::kernel::clock::{from_shanghai, local_minute};
use tongxin_store::Page;
use tongxin_store::cases::contact::RevealRefused;
use tongxin_store::cases::read::{CaseView, QueueFilter};
use tongxin_store::cases::write::{NewPhoto, photo_ref};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/cases", get(queue)),
        r("GET", "/cases/{id}", get(case_page)),
        r("POST", "/cases/{id}/act", post(act)),
        r("POST", "/cases/{id}/phone", post(reveal_phone)),
        r("POST", "/cases/{id}/reply", post(reply).layer(DefaultBodyLimit::max(MAX_REPLY_BODY))),
        r("POST", "/cases/{id}/refer", post(super::refer::refer)),
    ]
}

#[derive(Deserialize, Default)]
struct QueueParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    grid: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    q: String,
    /// Lenient: a mistyped page number shows the first page.
    #[serde(default)]
    page: String,
}

/// One option of a select (or a checkbox of a list).
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from (value, label) pairs, `current` selected.
pub(crate) fn choices(current: &str, options: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == current, value, label }).collect()
}

#[derive(Template)]
#[template(path = "cases/queue.html")]
struct QueuePage {
    shell: Shell,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    overdue: Vec<Choice>,
    channels: Vec<Choice>,
    /// Communities and grids by name, for a street or smaller scope.
    areas: Option<Vec<Choice>>,
    grid: String,
    from: String,
    to: String,
    q: String,
    rows: Vec<Row>,
    pager: Pager,
    problem: Option<String>,
    /// What a phone-number search found.
    note: Option<String>,
    /// How many, in what order and, for a long list, how far it was looked through.
    summary: String,
}

/// The line above the queue: how many, in what order, and — when the list was cut — what was
/// looked at. A plain walk counts to `COUNT_CAP` (every page is still there); a combination no
/// one index serves looks through a window of `QUEUE_WINDOW` cases (see `store::cases::read`),
/// and its total never reaches `COUNT_CAP`, which tells the two apart.
fn queue_summary<T>(f: &QueueFilter, department: bool, p: &tongxin_store::Paged<T>) -> String {
    use tongxin_store::cases::read::{COUNT_CAP, QUEUE_WINDOW, SEARCH_WINDOW};
    let newest = f.q.is_some() || (department && !f.open_only);
    let dated = f.created_from.is_some() || f.created_to.is_some();
    let order = if newest || dated { "最新的在前" } else { "按期限排序（待派单的按受理时间）" };
    if !p.total_capped {
        return format!("共 {} 件，{order}。", p.total);
    }
    if p.total >= COUNT_CAP {
        return format!("超过 {COUNT_CAP} 件（只数到 {COUNT_CAP} 件），{order}。");
    }
    let looked = if f.q.is_some() {
        format!("关键词的最新 {SEARCH_WINDOW} 条匹配")
    } else if department && f.open_only {
        // A department's open queue reads its workload up to the count's cap.
        format!("按此顺序的前 {COUNT_CAP} 件")
    } else if newest {
        format!("最近的 {QUEUE_WINDOW} 件")
    } else {
        format!("按此顺序的前 {QUEUE_WINDOW} 件")
    };
    format!("只查看了{looked}，其中 {} 件符合条件，{order}；增加日期、网格、类别等条件可以查到其余的。", p.total)
}

/// Midnight of a `YYYY-MM-DD` in Shanghai.
fn day_start(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("日期“{s}”格式应为 年-月-日"))?;
    Ok(from_shanghai(d.and_hms_opt(0, 0, 0).expect("midnight")))
}

/// `GET /cases`: the queue in scope, most urgent first. The search box also takes a tracking
/// code (opens the case) or a requester's full phone number (that requester's cases; an
/// audited unmask), answered by `search_box` before the queue itself.
async fn queue(State(s): State<AppState>, staff: Staff, Query(p): Query<QueueParams>) -> PageResult {
    staff.require(Permission::ReadCases)?;
    let mut problem = None;
    let mut note = None;
    let mut found = None;
    match super::search_box::lookup(&s, &staff, &p.q).await? {
        super::search_box::Lookup::Case(id) => {
            let to = axum::response::Redirect::to(&format!("/cases/{id}"));
            return Ok(axum::response::IntoResponse::into_response(to));
        }
        super::search_box::Lookup::Cases { cases, note: n } => {
            note = Some(n);
            found = Some(cases);
        }
        super::search_box::Lookup::Refused(m) => {
            problem = Some(m);
            found = Some(Vec::new());
        }
        super::search_box::Lookup::Keywords => {}
    }
    let status = p.status.trim().to_string();
    if !matches!(status.as_str(), "" | "open" | "all") && Status::parse(&status).is_none() {
        problem = Some("未知的状态".to_string());
    }
    let from = day_start(&p.from).unwrap_or_else(|e| {
        problem = Some(e);
        None
    });
    let to = day_start(&p.to).unwrap_or_else(|e| {
        problem = Some(e);
        None
    });
    let filter = QueueFilter {
        open_only: matches!(status.as_str(), "" | "open"),
        status: Status::parse(&status).map(|s| s.as_str().to_string()),
        category: Some(p.category.trim().to_string()).filter(|c| !c.is_empty()),
        overdue: match p.overdue.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        grid: Some(p.grid.trim().to_string()).filter(|g| !g.is_empty()),
        channel: Some(p.channel.trim().to_string()).filter(|c| !c.is_empty()),
        created_from: from,
        // The "to" day is included.
        created_to: to.map(|t| t + chrono::Duration::days(1)),
        q: Some(p.q.trim().to_string()).filter(|q| !q.is_empty()),
    };
    let page = Page::new(p.page.trim().parse().ok(), Some(20));
    let empty = || tongxin_store::Paged { items: Vec::new(), page: 1, per_page: 20, total: 0, total_capped: false };
    let paged = if let Some(cases) = found {
        // A phone number's cases (or nothing): one page, whatever the filters.
        let total = cases.len() as i64;
        tongxin_store::Paged { items: cases, page: 1, per_page: 20, total, total_capped: false }
    } else if problem.is_some() {
        empty()
    } else {
        match s.store.cases().queue(staff.scope(), &filter, page).await {
            Ok(p) => p,
            Err(tongxin_store::StoreError::Invalid(m)) => {
                problem = Some(m);
                empty()
            }
            Err(e) => return Err(e.into()),
        }
    };
    let now = s.store.now();
    let mut rows: Vec<Row> = paged.items.iter().map(|c| row(&s, c, now)).collect();
    // Grids by name, not by their 15-digit code.
    let grids = Names::load(&s, [], paged.items.iter().filter_map(|c| c.grid_code.clone()), []).await;
    for (r, c) in rows.iter_mut().zip(&paged.items) {
        if let Some(g) = &c.grid_code {
            r.grid = grids.region(g);
        }
    }
    let query = [
        ("status", status.clone()),
        ("category", p.category.clone()),
        ("overdue", p.overdue.clone()),
        ("grid", p.grid.clone()),
        ("channel", p.channel.clone()),
        ("from", p.from.clone()),
        ("to", p.to.clone()),
        ("q", p.q.clone()),
    ];
    let pager = Pager::new(&paged, "/cases", "page", &query);
    let department = matches!(staff.scope(), tongxin_domain::kernel::access::Scope::Department { .. });
    let summary = queue_summary(&filter, department, &paged);
    let cfg = s.cases.config();
    let mut cats: Vec<_> = cfg.categories.values().collect();
    cats.sort_by(|a, b| a.code.cmp(&b.code));
    let statuses = std::iter::once(("open".to_string(), "办理中（未结束）".to_string()))
        .chain(std::iter::once(("all".to_string(), "全部".to_string())))
        .chain(Status::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())));
    let areas = grid_choices(&s, &staff, p.grid.trim()).await?;
    let page = QueuePage {
        shell: Shell::staff("诉求队列", &staff, "/cases"),
        statuses: choices(if status.is_empty() { "open" } else { &status }, statuses),
        categories: choices(
            &p.category,
            std::iter::once((String::new(), "全部类别".to_string())).chain(cats.iter().map(|c| {
                let name = if c.parent.is_some() { format!("　{}", c.name) } else { c.name.clone() };
                (c.code.clone(), name)
            })),
        ),
        overdue: choices(
            &p.overdue,
            [("", "不限"), ("1", "仅超期"), ("0", "未超期")].map(|(v, l)| (v.to_string(), l.to_string())),
        ),
        channels: choices(
            &p.channel,
            std::iter::once((String::new(), "全部来源".to_string()))
                .chain(Channel::ALL.iter().map(|c| (c.as_str().to_string(), c.label().to_string()))),
        ),
        areas,
        grid: p.grid,
        from: p.from,
        to: p.to,
        q: p.q,
        rows,
        pager,
        problem,
        note,
        summary,
    };
    Ok(render(&page))
}

/// The communities and grids a street's (or smaller area's) staff filter by, by name; `None`
/// for wider scopes (a district has thousands of grids: the code is typed instead).
async fn grid_choices(s: &AppState, staff: &Staff, current: &str) -> Result<Option<Vec<Choice>>, PageError> {
    let Scope::Region { code } = staff.scope() else {
        return Ok(None);
    };
    if code.as_str().len() < 9 {
        return Ok(None);
    }
    let regions = s.store.regions().in_scope(staff.scope(), true).await?;
    let options = std::iter::once((String::new(), "全部网格".to_string())).chain(
        regions.into_iter().filter(|r| matches!(r.level.as_str(), "community" | "grid")).map(|r| {
            let label = if r.level == "grid" { format!("　{}", r.name) } else { r.name };
            (r.code, label)
        }),
    );
    Ok(Some(choices(current, options)))
}

/// The unit a staff user acts for on this case: their department, or (grid and community
/// workers) the grid team of a case in their area — as the case use-case decides it.
pub(crate) fn unit_of(staff: &Staff, case: &CaseView) -> Option<Unit> {
    tongxin_app::cases::CaseService::unit_of(&staff.user, case)
}

/// Builds the domain [`Action`] of a posted form through the action's serde form, the same
/// mapping the JSON API (`POST /api/v1/cases/{id}/actions`) reads. `own_unit` is the unit the
/// caller acts for; `into_case_id` the resolved merge target.
pub fn action_from_fields(
    fields: &HashMap<String, Vec<String>>,
    own_unit: Option<&Unit>,
    into_case_id: Option<i64>,
) -> Result<Action, String> {
    let one = |k: &str| fields.get(k).and_then(|v| v.first()).map(|s| s.trim().to_string()).unwrap_or_default();
    let flag = |k: &str| matches!(one(k).as_str(), "1" | "true" | "on" | "yes");
    let unit_json = |key: &str| -> Result<Value, String> {
        let u = Unit::parse_key(key).ok_or_else(|| "请选择承办单位".to_string())?;
        Ok(serde_json::to_value(u).expect("unit serializes"))
    };
    let own = || -> Result<Value, String> {
        own_unit.map(|u| serde_json::to_value(u).expect("unit serializes")).ok_or_else(|| "您不代表任何承办单位".into())
    };
    let kind = one("action");
    let mut v = json!({ "action": kind });
    match kind.as_str() {
        "accept" | "close" => {}
        "reject" => v["reason"] = json!(one("reason")),
        "dispatch" => {
            let lead = one("lead");
            v["lead"] = unit_json(&lead)?;
            let assisting: Result<Vec<Value>, String> = fields
                .get("assisting")
                .into_iter()
                .flatten()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty() && *s != lead)
                .map(unit_json)
                .collect();
            v["assisting"] = Value::Array(assisting?);
            v["auto"] = json!(false);
        }
        "acknowledge" => v["unit"] = own()?,
        "return" => {
            let override_by_dispatcher = flag("override");
            v["unit"] = if override_by_dispatcher { unit_json(&one("unit"))? } else { own()? };
            v["reason"] = json!(one("reason"));
            v["override_by_dispatcher"] = json!(override_by_dispatcher);
        }
        "request_extension" => {
            let days: u32 = one("days").parse().map_err(|_| "延期天数应为 1 到 30 的整数".to_string())?;
            if !(1..=30).contains(&days) {
                return Err("延期天数应为 1 到 30 的整数".into());
            }
            v["unit"] = own()?;
            v["extra"] = json!({ "working_days": days });
            v["reason"] = json!(one("reason"));
        }
        "decide_extension" => {
            v["approve"] = json!(flag("approve"));
            v["note"] = json!(one("note"));
        }
        "supervise" | "contact_requester" => v["note"] = json!(one("note")),
        "report" => {
            v["unit"] = own()?;
            v["reply"] = json!(one("reply"));
            v["evidence"] = json!(fields.get("evidence").cloned().unwrap_or_default());
        }
        "verify" => {
            v["ok"] = json!(flag("ok"));
            v["note"] = json!(one("note"));
        }
        "merge" => v["into_case_id"] = json!(into_case_id.ok_or_else(|| "请填写要合并到的诉求编号".to_string())?),
        "handle_on_spot" => v["reply"] = json!(one("reply")),
        _ => return Err("未知的操作".into()),
    }
    serde_json::from_value(v).map_err(|e| format!("表单内容有误：{e}"))
}

/// The forms the caller may use on this case now.
#[derive(Default)]
struct Forms {
    accept: bool,
    reject: bool,
    dispatch: bool,
    acknowledge: bool,
    ret: bool,
    /// Units a dispatcher may withdraw (改派).
    withdraw: Vec<Choice>,
    extension: bool,
    decide_extension: bool,
    supervise: bool,
    report: bool,
    verify: bool,
    close: bool,
    merge: bool,
    contact: bool,
    on_spot: bool,
    /// 转调解 (with the dispute's registration).
    refer: bool,
    /// The one or two next steps, shown first; the others are folded (a phone shows the
    /// next step without scrolling past every form).
    top: Vec<&'static str>,
}

/// Forms by how likely they are the next step, most likely first.
const FORM_ORDER: [&str; 16] = [
    "acknowledge",
    "dispatch",
    "report",
    "verify",
    "decide_extension",
    "close",
    "handle_on_spot",
    "contact_requester",
    "accept",
    "reject",
    "merge",
    "request_extension",
    "return",
    "supervise",
    "withdraw",
    "refer_to_mediation",
];

impl Forms {
    /// The forms offered, in [`FORM_ORDER`].
    fn offered(&self) -> Vec<&'static str> {
        let on = [
            self.acknowledge,
            self.dispatch,
            self.report,
            self.verify,
            self.decide_extension,
            self.close,
            self.on_spot,
            self.contact,
            self.accept,
            self.reject,
            self.merge,
            self.extension,
            self.ret,
            self.supervise,
            !self.withdraw.is_empty(),
            self.refer,
        ];
        FORM_ORDER.iter().zip(on).filter(|(_, on)| *on).map(|(name, _)| *name).collect()
    }

    fn count(&self) -> usize {
        self.offered().len()
    }

    /// Picks the forms shown first: the first two offered.
    fn rank(&mut self) {
        self.top = self.offered().into_iter().take(2).collect();
    }
}

/// Asks the rules whether `action` would be accepted (errors about the data typed in do not
/// count: the form is offered and the rules answer when it is posted).
fn may(state: &CaseState, actor: &Actor, action: Action, now: DateTime<Utc>) -> bool {
    match decide(state, actor, &action, now) {
        Ok(_) => true,
        Err(
            TransitionError::Required { .. }
            | TransitionError::TooLong { .. }
            | TransitionError::BadCharacters { .. }
            | TransitionError::ExtensionTooLong { .. }
            | TransitionError::ZeroExtension
            | TransitionError::InvalidMergeTarget,
        ) => true,
        Err(_) => false,
    }
}

fn forms(state: &CaseState, actor: &Actor, own: Option<&Unit>, names: &Names, now: DateTime<Utc>) -> Forms {
    let x = || "x".to_string();
    let probe_unit = Unit::Department(i64::MAX);
    let mut f = Forms {
        accept: may(state, actor, Action::Accept, now),
        reject: may(state, actor, Action::Reject { reason: x() }, now),
        dispatch: may(state, actor, Action::Dispatch { lead: probe_unit, assisting: Vec::new(), auto: false }, now),
        decide_extension: may(state, actor, Action::DecideExtension { approve: true, note: x() }, now),
        supervise: may(state, actor, Action::Supervise { note: x() }, now),
        verify: may(state, actor, Action::Verify { ok: true, note: x() }, now),
        close: may(state, actor, Action::Close, now),
        merge: may(state, actor, Action::Merge { into_case_id: i64::MAX }, now),
        contact: may(state, actor, Action::ContactRequester { note: x() }, now),
        on_spot: may(state, actor, Action::HandleOnSpot { reply: x() }, now),
        refer: may(state, actor, Action::ReferToMediation { reason: x() }, now),
        ..Forms::default()
    };
    if let Some(u) = own {
        f.acknowledge = may(state, actor, Action::Acknowledge { unit: u.clone() }, now);
        f.ret = may(state, actor, Action::Return { unit: u.clone(), reason: x(), override_by_dispatcher: false }, now);
        f.extension = may(
            state,
            actor,
            Action::RequestExtension { unit: u.clone(), extra: TimeLimit::WorkingDays(1), reason: x() },
            now,
        );
        f.report = may(state, actor, Action::Report { unit: u.clone(), reply: x(), evidence: Vec::new() }, now);
    }
    for u in state.active_units() {
        let withdraw = Action::Return { unit: u.clone(), reason: x(), override_by_dispatcher: true };
        if may(state, actor, withdraw, now) {
            f.withdraw.push(Choice { value: u.key(), label: names.unit(u), selected: false });
        }
    }
    f
}

struct TimelineItem {
    at: String,
    label: &'static str,
    actor: String,
    unit: String,
    note: String,
}

struct ParticipantView {
    name: String,
    lead: bool,
    acknowledged: String,
    reported: String,
    returned: bool,
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    shell: Shell,
    c: CaseView,
    status: &'static str,
    category: String,
    urgency: &'static str,
    channel: &'static str,
    light: &'static str,
    light_label: &'static str,
    created: String,
    /// The deadline while the case runs; its closing time once finished.
    deadline_label: &'static str,
    deadline: String,
    grid: String,
    photos_report: i64,
    photos_evidence: i64,
    photos: Vec<PhotoLink>,
    supervision: &'static str,
    lead: String,
    participants: Vec<ParticipantView>,
    extension: Option<String>,
    reply: Option<String>,
    merged_into: Option<String>,
    timeline: Vec<TimelineItem>,
    forms: Forms,
    has_forms: bool,
    /// The forms shown first ("top"), then the rest folded ("more"); see [`Forms::slots`].
    slots: Vec<&'static str>,
    own_unit: String,
    units: Vec<Choice>,
    assisting: Vec<Choice>,
    route_lines: Vec<String>,
    suggested: Option<String>,
    /// The requester may be contacted (not a patrol's finding).
    has_requester: bool,
    /// 查看完整号码 is offered (the lead unit or a dispatcher, a phone on file).
    may_reveal: bool,
    /// The full number, after an audited reveal.
    phone_full: Option<String>,
    /// The petitions (信访) the case was escalated to: (id, code).
    petitions: Vec<(i64, String)>,
    /// 升级为信访 is offered (the registering office; no open petition of the case yet).
    may_escalate: bool,
    /// The disputes the case was referred to (转调解): a link for those who read disputes.
    mediation: Vec<super::refer::DisputeLink>,
    /// The 转调解 form's choices.
    refer: super::refer::ReferChoices,
}

impl CasePage {
    /// Whether the form `name` is rendered in `slot`.
    fn at(&self, name: &str, slot: &str) -> bool {
        let top = self.forms.top.contains(&name);
        if slot == "top" { top } else { !top }
    }

    fn more(&self, slot: &str) -> bool {
        slot == "more"
    }
}

/// `GET /cases/{id}`: details, timeline and the forms of the steps the caller may take.
async fn case_page(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    show(&s, &staff, id, None).await
}

/// The case page, with the requester's full number when it was just revealed.
async fn show(s: &AppState, staff: &Staff, id: i64, phone_full: Option<String>) -> PageResult<Response> {
    staff.require(Permission::ReadCases)?;
    let c = s.store.cases().get(staff.scope(), id).await?;
    let mut state: CaseState = c.state.clone();
    state.version = c.version;
    let events = s.store.cases().events(id).await?;
    let photos = s.store.case_photo_counts(id).await?;
    let photo_list = s.store.cases().photos(id).await?;
    let now = s.store.now();
    let cfg = s.cases.config();

    // Departments a dispatcher may choose (of the case's street), and the case's grid team.
    let street = Scope::Region {
        code: tongxin_domain::kernel::region::RegionCode::parse(&c.street_code).map_err(|_| PageError::Internal)?,
    };
    let departments = s.store.departments().list(&street).await?;
    let mentioned = state
        .participants
        .iter()
        .map(|p| p.unit.key())
        .chain(events.iter().filter_map(|e| e.unit.clone()))
        .chain(state.lead.iter().map(Unit::key))
        .chain(state.returned_by.iter().map(Unit::key))
        .collect::<Vec<_>>();
    let codes = [
        Some(c.street_code.clone()),
        c.grid_code.as_ref().map(|g| g[..g.len().min(12)].to_string()),
        c.grid_code.clone(),
    ];
    let names =
        Names::load(s, departments.iter().map(|d| (d.id, d.name.clone())), codes.into_iter().flatten(), mentioned)
            .await;

    let own = unit_of(staff, &c);
    let actor = Actor::Staff { role: staff.user.role, unit: own.clone() };
    let has_requester = contact::has_requester(&state, c.phone_masked.is_some(), c.requester_name.is_some());
    let mut forms = forms(&state, &actor, own.as_ref(), &names, now);
    forms.contact &= has_requester;
    // 转调解 registers a dispute too: only for those who may register one.
    forms.refer &= role_may(staff.user.role, Permission::RegisterDisputes);
    forms.rank();
    let mediation = super::refer::links(s, staff, c.id).await?;
    let refer = if forms.refer { super::refer::choices(s, staff, &c).await? } else { Default::default() };

    // After a 退单 the unit that returned it is not proposed again.
    let choice = route(&cfg.rules, &c.category_code, c.grid_code.as_deref());
    let mut route_lines: Vec<String> = choice.explanation().iter().map(|l| names.text(l)).collect();
    let suggested = match choice.winner.map(|w| &w.target) {
        Some(t) if state.returned_by.contains(t) => {
            route_lines.insert(0, format!("规则建议的{}已退单，请另选承办单位", names.unit(t)));
            None
        }
        t => t.map(Unit::key),
    };
    let mut unit_options: Vec<(String, String)> =
        departments.iter().map(|d| (Unit::Department(d.id).key(), d.name.clone())).collect();
    if let Some(g) = &c.grid_code {
        let u = Unit::GridTeam(g.clone());
        unit_options.push((u.key(), names.unit(&u)));
    }
    if let Some(sug) = &suggested
        && !unit_options.iter().any(|(k, _)| k == sug)
    {
        unit_options.insert(0, (sug.clone(), names.key(sug)));
    }
    let lead_default = suggested.clone().unwrap_or_default();
    let units =
        std::iter::once(Choice { value: String::new(), label: "请选择牵头单位".into(), selected: false })
            .chain(choices(&lead_default, unit_options.clone()))
            .collect();
    let assisting = choices("", unit_options);

    let (light, light_label) = light(&c, now);
    let timeline = timeline(s, &c, &events, &names).await?;
    let participants = state
        .participants
        .iter()
        .map(|p| ParticipantView {
            name: names.unit(&p.unit),
            lead: state.lead.as_ref() == Some(&p.unit),
            acknowledged: p.acknowledged_at.map(local_minute).unwrap_or_default(),
            reported: p.reported_at.map(local_minute).unwrap_or_default(),
            returned: p.returned,
        })
        .collect();
    let merged_into = match state.merged_into {
        Some(pid) => Some(match s.store.cases().get(staff.scope(), pid).await {
            Ok(p) => p.code,
            Err(_) => "（不在您的管辖范围内）".into(),
        }),
        None => None,
    };
    let petitions = s.store.petitions().petitions_of_case(staff.scope(), c.id).await?;
    let may_escalate = role_may(staff.user.role, Permission::RegisterPetitions) && petitions.iter().all(|p| !p.open);
    let (deadline_label, deadline) = deadline_cell(&c);
    let current = if staff.user.role == Role::DepartmentHandler { "/inbox" } else { "/cases" };
    let slots = if forms.count() > forms.top.len() { vec!["top", "more"] } else { vec!["top"] };
    let page = CasePage {
        shell: Shell::staff(&format!("诉求 {}", c.code), staff, current),
        status: super::views::status_label(&c),
        category: cfg
            .categories
            .get(&c.category_code)
            .map(|k| k.name.clone())
            .unwrap_or_else(|| c.category_code.clone()),
        urgency: c.urgency.label(),
        channel: Channel::parse(&c.channel).map(Channel::label).unwrap_or(""),
        light,
        light_label,
        created: local_minute(c.created_at),
        deadline_label,
        deadline,
        grid: c.grid_code.as_deref().map(|g| names.region(g)).unwrap_or_else(|| "—".into()),
        photos_report: photos.report,
        photos_evidence: photos.evidence,
        photos: staff_links(c.id, &photo_list),
        supervision: tongxin_domain::case::supervision_label(state.supervision_level),
        lead: state.lead.as_ref().map(|u| names.unit(u)).unwrap_or_else(|| "—".into()),
        participants,
        extension: state
            .extension_pending
            .as_ref()
            .map(|x| format!("{}申请延期{}：{}", names.unit(&x.unit), x.extra.label(), x.reason)),
        reply: state.reply.clone(),
        merged_into,
        timeline,
        has_forms: forms.count() > 0,
        forms,
        slots,
        own_unit: own.as_ref().map(|u| names.unit(u)).unwrap_or_default(),
        units,
        assisting,
        route_lines,
        suggested: suggested.map(|k| names.key(&k)),
        has_requester,
        may_reveal: phone_full.is_none()
            && contact::may_reveal_phone(staff.user.role, own.as_ref(), &state, c.phone_masked.is_some()),
        phone_full,
        petitions: petitions.into_iter().map(|p| (p.id, p.code)).collect(),
        may_escalate,
        mediation,
        refer,
        c,
    };
    let mut resp = render(&page);
    // A revealed number is not kept in any cache.
    if page.phone_full.is_some() {
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}

/// The time row of a case: its deadline while it runs, its closing (or handling) time once
/// finished — a finished case never reads "无期限".
pub(crate) fn deadline_cell(c: &CaseView) -> (&'static str, String) {
    if !c.open {
        let done = c.state.closed_at.or(c.state.handled_at).unwrap_or(c.updated_at);
        return ("结束时间", local_minute(done));
    }
    ("办理期限", c.deadline_at.map(local_minute).unwrap_or_else(|| "—".into()))
}

/// The timeline with names: notes the domain wrote with ids get names, automatic dispatches
/// are the system's, staff are shown by name and role.
async fn timeline(
    s: &AppState,
    c: &CaseView,
    events: &[tongxin_store::cases::read::CaseEvent],
    names: &Names,
) -> PageResult<Vec<TimelineItem>> {
    let actors: HashMap<i64, i64> = s.store.cases().event_actors(c.id).await?.into_iter().collect();
    let mut people: HashMap<i64, String> = HashMap::new();
    for user in actors.values() {
        if people.contains_key(user) {
            continue;
        }
        if let Ok(u) = s.store.accounts().user(*user).await {
            people.insert(*user, format!("{}（{}）", u.display_name, u.role.label()));
        }
    }
    Ok(events
        .iter()
        .map(|e| {
            let auto = e.kind == "dispatched"
                && serde_json::from_str::<Value>(&e.data).ok().and_then(|d| d["auto"].as_bool()) == Some(true);
            let actor = if auto {
                "系统（自动派单）".to_string()
            } else {
                actors.get(&e.id).and_then(|u| people.get(u)).cloned().unwrap_or_else(|| e.actor_name.clone())
            };
            TimelineItem {
                at: local_minute(e.at),
                label: event_label(&e.kind),
                actor,
                unit: e.unit.as_deref().map(|k| names.key(k)).unwrap_or_default(),
                note: names.text(&e.note),
            }
        })
        .collect())
}

/// `POST /cases/{id}/phone` (查看完整号码): the lead unit or a dispatcher sees the requester's
/// full number — audited before it is shown, limited per hour — as a `tel:` link on the case
/// page. The page is the answer (no redirect: the number is never in a URL or a cookie).
async fn reveal_phone(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::ReadCases)?;
    let c = s.store.cases().get(staff.scope(), id).await?;
    let own = unit_of(&staff, &c);
    if !contact::may_reveal_phone(staff.user.role, own.as_ref(), &c.state, c.phone_masked.is_some()) {
        return Err(PageError::Forbidden);
    }
    let back = format!("/cases/{id}");
    match s.store.cases().reveal_phone(staff.scope(), &staff.actor(), id).await {
        Ok(Some(phone)) => show(&s, &staff, id, Some(phone)).await,
        Ok(None) => Ok(flash::redirect(&back, "error", "该诉求没有留下手机号")),
        Err(e @ RevealRefused::RateLimited) => Ok(flash::redirect(&back, "error", &e.to_string())),
        Err(RevealRefused::Store(e)) => Err(e.into()),
    }
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "received" => "受理",
        "reported_by_staff" => "录入",
        other => tongxin_domain::case::EventKind::parse(other).map(|k| k.label()).unwrap_or("记录"),
    }
}

/// `POST /cases/{id}/act`: one step on the case, then back to the case page with a flash.
async fn act(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::ReadCases)?;
    let mut fields: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        fields.entry(k).or_default().push(v);
    }
    if fields.get("action").and_then(|v| v.first()).is_some_and(|a| a == "report") {
        // Replies go through the multipart form (with photos).
        return Ok(flash::redirect(&format!("/cases/{id}"), "error", "请使用办结回复表单提交"));
    }
    let case = s.store.cases().get(staff.scope(), id).await?;
    let version = version_of(&fields)?;
    let done = perform(&s, &staff, &case, version, &fields, Vec::new()).await?;
    Ok(outcome(&format!("/cases/{id}"), done))
}

/// Resolves the form into an [`Action`] and runs it through the use-case: `Ok(message)` when
/// done, `Err(message)` when refused (a stale version, a rule, a missing field).
pub(crate) async fn perform(
    s: &AppState,
    staff: &Staff,
    case: &CaseView,
    version: i64,
    fields: &HashMap<String, Vec<String>>,
    photos: Vec<NewPhoto>,
) -> PageResult<Result<String, String>> {
    let into = match fields.get("action").and_then(|v| v.first()).map(String::as_str) {
        Some("merge") => {
            let code = fields.get("into_code").and_then(|v| v.first()).map(|c| c.trim()).unwrap_or("");
            if code.is_empty() {
                return Ok(Err("请填写要合并到的诉求编号".into()));
            }
            match s.store.case_id_by_code(staff.scope(), code).await {
                Ok(pid) => Some(pid),
                Err(tongxin_store::StoreError::NotFound) => {
                    return Ok(Err(format!("诉求编号 {code} 不存在或不在您的管辖范围内")));
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let own = unit_of(staff, case);
    let action = match action_from_fields(fields, own.as_ref(), into) {
        Ok(a) => a,
        Err(m) => return Ok(Err(m)),
    };
    let label = action.kind().label();
    match s.cases.act_with_photos(&CaseActor::Staff(staff.user.clone()), case.id, version, action, photos).await {
        Ok(_) => Ok(Ok(format!("已{label}"))),
        Err(e) => {
            let e = ApiError::from(e);
            if e.status.is_server_error() {
                return Err(e.into());
            }
            if e.status == axum::http::StatusCode::NOT_FOUND {
                return Err(PageError::NotFound);
            }
            Ok(Err(e.message))
        }
    }
}

fn outcome(back: &str, r: Result<String, String>) -> Response {
    match r {
        Ok(m) => flash::redirect(back, "ok", &m),
        Err(m) => flash::redirect(back, "error", &m),
    }
}

fn version_of(fields: &HashMap<String, Vec<String>>) -> PageResult<i64> {
    fields
        .get("version")
        .and_then(|v| v.first())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| PageError::User(axum::http::StatusCode::BAD_REQUEST, "表单缺少版本号，请刷新后重试".into()))
}

/// Photos of a reply: nine of 10 MB and the form around them.
const MAX_REPLY_BODY: usize = crate::cases::api::MAX_REPORT_MULTIPART;

/// `POST /cases/{id}/reply` (multipart): 办结回复 — the reply text and optional evidence photos.
async fn reply(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: HeaderMap,
    req: Request,
) -> PageResult<Response> {
    staff.require(Permission::ReadCases)?;
    let unreadable = || PageError::User(axum::http::StatusCode::BAD_REQUEST, "上传的表单无法读取，请返回重试".into());
    // Each part is read with its own limit, refused as soon as it passes it (issue 9, item 3).
    let form = Multipart::from_request(req, &s).await.map_err(|_| unreadable())?;
    let parts = crate::limits::read_parts(form, crate::cases::api::REPORT_PARTS).await.map_err(|e| match e {
        crate::limits::PartError::TooLarge(m) => PageError::User(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!("提交的内容过大：{m}（照片每张不超过 10 MB）"),
        ),
        crate::limits::PartError::Bad(_) => unreadable(),
    })?;
    let mut fields: HashMap<String, Vec<String>> = HashMap::new();
    for (name, text) in parts.texts {
        if matches!(name.as_str(), "_csrf" | "version" | "reply") {
            fields.entry(name).or_default().push(text);
        }
    }
    let photos = parts.files;
    let csrf = fields.get("_csrf").and_then(|v| v.first()).cloned().unwrap_or_default();
    check_csrf(&s, &headers, &csrf).await?;
    let back = format!("/cases/{id}");
    let case = s.store.cases().get(staff.scope(), id).await?;
    let version = version_of(&fields)?;
    let types = match tongxin_domain::case::photo::check_photos(&photos) {
        Ok(t) => t,
        Err(e) => return Ok(flash::redirect(&back, "error", &e.to_string())),
    };
    let evidence: Vec<NewPhoto> = photos
        .into_iter()
        .zip(types)
        .map(|(bytes, t)| NewPhoto { purpose: "evidence".into(), content_type: t.mime().to_string(), bytes })
        .collect();
    let count = evidence.len();
    fields.insert("action".into(), vec!["report".into()]);
    fields.insert("evidence".into(), evidence.iter().map(|p| photo_ref(&p.bytes)).collect());
    // The reply and its photos are written in one transaction.
    let done = perform(&s, &staff, &case, version, &fields, evidence).await?;
    Ok(outcome(&back, done.map(|m| if count == 0 { m } else { format!("{m}（佐证照片 {count} 张）") })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paged(total: i64, capped: bool) -> tongxin_store::Paged<()> {
        tongxin_store::Paged { items: Vec::new(), page: 1, per_page: 20, total, total_capped: capped }
    }

    /// The line above the queue says what a dispatcher is looking at: a counted list, a count
    /// that stopped at 10,000 (every page still there), or a window that may hide matches.
    #[test]
    fn the_queue_summary_tells_a_full_count_from_a_window() {
        let open = QueueFilter { open_only: true, ..Default::default() };
        let search = QueueFilter { q: Some("噪音".into()), ..Default::default() };
        let all = QueueFilter::default();
        let cases: [(&QueueFilter, bool, tongxin_store::Paged<()>, &str); 6] = [
            (
                &open,
                true,
                paged(37, true),
                "只查看了按此顺序的前 10000 件，其中 37 件符合条件，按期限排序（待派单的按受理时间）；增加日期、网格、类别等条件可以查到其余的。",
            ),
            (&open, false, paged(42, false), "共 42 件，按期限排序（待派单的按受理时间）。"),
            (&all, false, paged(10_000, true), "超过 10000 件（只数到 10000 件），按期限排序（待派单的按受理时间）。"),
            (
                &all,
                false,
                paged(3, true),
                "只查看了按此顺序的前 1000 件，其中 3 件符合条件，按期限排序（待派单的按受理时间）；增加日期、网格、类别等条件可以查到其余的。",
            ),
            (
                &search,
                false,
                paged(0, true),
                "只查看了关键词的最新 200 条匹配，其中 0 件符合条件，最新的在前；增加日期、网格、类别等条件可以查到其余的。",
            ),
            (
                &all,
                true,
                paged(1000, true),
                "只查看了最近的 1000 件，其中 1000 件符合条件，最新的在前；增加日期、网格、类别等条件可以查到其余的。",
            ),
        ];
        for (f, department, p, want) in cases {
            assert_eq!(queue_summary(f, department, &p), want);
        }
    }
}
