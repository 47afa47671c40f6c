//! The register (`GET /petitions`) and the overdue lists, one per clock (`GET /petitions/overdue`).
//!
//! The register filters by status, channel, kind and the clock that is overdue (its pending duty
//! past its last day, whether or not the timers job has marked it yet). An overdue list shows,
//! earliest deadline first, the petitions whose pending duty is that clock and whose warning
//! time has come: warned first, then overdue (《信访工作条例》arts 22–23, 34–36). The windows
//! (the unit's 5 working days to object, the petitioner's 30 days to ask for 复查/复核) are
//! rights, not duties: their lists show every petition whose window is open and when it ends.

use super::views::{Row, names_of, row};
use crate::AppState;
use crate::cases::pages::{Choice, choices};
use crate::ui::error::{PageResult, render};
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use tongxin_domain::kernel::access::{Action as Permission, role_may};
use tongxin_domain::petition::{Channel, ClockKind, Kind, Status, clocks};
use tongxin_store::petitions::{PetitionFilter, PetitionView};
use tongxin_store::{Page, Paged};

const PER_PAGE: u32 = 20;

#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    /// `any`, or the clock (`notice`, `handling` …) that is overdue.
    #[serde(default)]
    overdue: String,
    /// Lenient: a mistyped page number shows the first page.
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "petitions/list.html")]
struct ListPage {
    shell: Shell,
    statuses: Vec<Choice>,
    channels: Vec<Choice>,
    kinds: Vec<Choice>,
    overdue: Vec<Choice>,
    rows: Vec<Row>,
    pager: Pager,
    total: i64,
    problem: Option<String>,
    may_register: bool,
}

fn empty() -> Paged<PetitionView> {
    Paged { items: Vec::new(), page: 1, per_page: PER_PAGE, total: 0, total_capped: false }
}

/// The duties an overdue list exists for (the windows are not overdue, they lapse).
fn duties() -> impl Iterator<Item = ClockKind> {
    ClockKind::ALL.into_iter().filter(|k| !k.is_window())
}

/// `GET /petitions`: the register of the caller's scope, newest first.
pub(crate) async fn register_list(State(s): State<AppState>, staff: Staff, Query(p): Query<ListParams>) -> PageResult {
    staff.require(Permission::ReadPetitions)?;
    let mut problem = None;
    let mut unknown = |what: &str| problem = Some(format!("未知的{what}"));
    let status = p.status.trim();
    if !matches!(status, "" | "open" | "all") && Status::parse(status).is_none() {
        unknown("状态");
    }
    let channel = Some(p.channel.trim()).filter(|c| !c.is_empty());
    if channel.is_some_and(|c| Channel::parse(c).is_none()) {
        unknown("来源");
    }
    let kind = Some(p.kind.trim()).filter(|k| !k.is_empty());
    if kind.is_some_and(|k| Kind::parse(k).is_none()) {
        unknown("类别");
    }
    let overdue = p.overdue.trim();
    let clock = ClockKind::parse(overdue).filter(|k| !k.is_window());
    if !matches!(overdue, "" | "any") && clock.is_none() {
        unknown("期限");
    }
    let now = s.store.now();
    let filter = PetitionFilter {
        open_only: matches!(status, "" | "open"),
        status: Status::parse(status),
        channel: channel.and_then(Channel::parse),
        kind: kind.and_then(Kind::parse),
        clock,
        due_before: (!overdue.is_empty()).then_some(now),
        ..PetitionFilter::default()
    };
    let page = Page::new(p.page.trim().parse().ok(), Some(PER_PAGE));
    let paged =
        if problem.is_some() { empty() } else { s.store.petitions().list(staff.scope(), &filter, page).await? };
    let names = names_of(&s, &paged.items).await;
    let cal = &s.cases.config().calendar;
    let rows = paged.items.iter().map(|x| row(x, &names, None, now, cal)).collect();
    let keep = [
        ("status", p.status.clone()),
        ("channel", p.channel.clone()),
        ("kind", p.kind.clone()),
        ("overdue", p.overdue.clone()),
    ];
    let statuses = [("open", "办理中（未结束）"), ("all", "全部")]
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .into_iter()
        .chain(Status::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())));
    let any = |label: &str| std::iter::once((String::new(), label.to_string()));
    let page = ListPage {
        shell: Shell::staff("信访登记簿", &staff, "/petitions"),
        statuses: choices(if status.is_empty() { "open" } else { status }, statuses),
        channels: choices(
            p.channel.trim(),
            any("全部来源").chain(Channel::ALL.iter().map(|c| (c.as_str().into(), c.label().into()))),
        ),
        kinds: choices(
            p.kind.trim(),
            any("全部类别").chain(Kind::ALL.iter().map(|k| (k.as_str().into(), k.label().into()))),
        ),
        overdue: choices(
            overdue,
            any("不限")
                .chain(std::iter::once(("any".to_string(), "任一期限已超期".to_string())))
                .chain(duties().map(|k| (k.as_str().to_string(), format!("{}已超期", k.label())))),
        ),
        rows,
        pager: Pager::new(&paged, "/petitions", "page", &keep),
        total: paged.total,
        problem,
        may_register: role_may(staff.user.role, Permission::RegisterPetitions),
    };
    Ok(render(&page))
}

#[derive(Deserialize, Default)]
pub(crate) struct OverdueParams {
    #[serde(default)]
    clock: String,
    #[serde(default)]
    page: String,
}

/// A tab of the overdue lists.
struct Tab {
    value: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

#[derive(Template)]
#[template(path = "petitions/overdue.html")]
struct OverduePage {
    shell: Shell,
    tabs: Vec<Tab>,
    label: &'static str,
    article: &'static str,
    span: String,
    window: bool,
    rows: Vec<Row>,
    pager: Pager,
}

/// What a clock's list shows: a duty's petitions in their warning time or overdue, earliest
/// deadline first; a window's petitions whose window is open (the status that opens it).
fn filter_for(kind: ClockKind, now: chrono::DateTime<chrono::Utc>) -> PetitionFilter {
    let window_status = match kind {
        ClockKind::Objection => Some(Status::Transferred),
        ClockKind::ReviewRequest => Some(Status::OpinionIssued),
        ClockKind::RecheckRequest => Some(Status::Reviewed),
        _ => None,
    };
    match window_status {
        Some(status) => PetitionFilter { status: Some(status), ..PetitionFilter::default() },
        None => PetitionFilter {
            open_only: true,
            clock: Some(kind),
            warned_before: Some(now),
            by_deadline: true,
            ..PetitionFilter::default()
        },
    }
}

/// `GET /petitions/overdue?clock=`: one list per clock with the number in each.
pub(crate) async fn overdue(State(s): State<AppState>, staff: Staff, Query(p): Query<OverdueParams>) -> PageResult {
    staff.require(Permission::ReadPetitions)?;
    let kind = ClockKind::parse(p.clock.trim()).unwrap_or(ClockKind::Notice);
    let now = s.store.now();
    let mut tabs = Vec::with_capacity(ClockKind::ALL.len());
    for k in ClockKind::ALL {
        let count =
            s.store.petitions().list(staff.scope(), &filter_for(k, now), Page::new(Some(1), Some(1))).await?.total;
        tabs.push(Tab { value: k.as_str(), label: k.label(), count, current: k == kind });
    }
    let page = Page::new(p.page.trim().parse().ok(), Some(PER_PAGE));
    let paged = s.store.petitions().list(staff.scope(), &filter_for(kind, now), page).await?;
    let names = names_of(&s, &paged.items).await;
    let cal = &s.cases.config().calendar;
    let rows = paged
        .items
        .iter()
        .map(|x| {
            let all = clocks(&x.state, now, cal);
            row(x, &names, all.iter().find(|c| c.kind == kind), now, cal)
        })
        .collect();
    let page = OverduePage {
        shell: Shell::staff("信访期限", &staff, "/petitions"),
        tabs,
        label: kind.label(),
        article: kind.article(),
        span: kind.span().label(),
        window: kind.is_window(),
        rows,
        pager: Pager::new(&paged, "/petitions/overdue", "page", &[("clock", kind.as_str().to_string())]),
    };
    Ok(render(&page))
}
