//! The notices page, opening one notice, and marking them all read.

use crate::AppState;
use crate::ui::error::{PageResult, render};
use crate::ui::flash;
use crate::ui::form::CsrfForm;
use crate::ui::pager::Pager;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_store::Page;
use tongxin_store::cases::notices::NoticeItem;

const PER_PAGE: u32 = 20;

#[derive(Deserialize)]
pub(super) struct Params {
    /// Lenient: a mistyped page number shows the first page.
    #[serde(default)]
    page: String,
}

struct NoticeView {
    id: i64,
    kind: &'static str,
    text: String,
    /// What it is about — a case by its code and title, a dispute or a petition by its code
    /// (never an internal id).
    about: Option<String>,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notices/list.html")]
struct NoticesPage {
    shell: Shell,
    has_inbox: bool,
    notices: Vec<NoticeView>,
    unread: i64,
    pager: Pager,
}

/// What a notice is about, in a word or two.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "dispatched" => "派单",
        "withdrawn" => "撤回",
        "returned" => "退单",
        "extension_requested" => "延期申请",
        "extension_decided" => "延期审批",
        "supervised" => "督办",
        "handled" => "待核查",
        "verification_failed" => "核查未通过",
        "reopened" => "重办",
        "closed" => "结案",
        "rejected" => "不予立案",
        "merged" => "合并",
        tongxin_store::cases::notices::URGE_KIND => "居民催办",
        "warning" | "deadline_warning" => "临近期限",
        "overdue" => "已超期",
        "quarantine" | "case_quarantine" => "数据异常",
        "mediation_registered" => "新纠纷待受理",
        "mediation_assigned" => "指派调解",
        "mediation_unassigned" => "不再承办",
        "mediation_transferred" => "纠纷流转",
        "mediation_escalated" => "纠纷升级",
        "mediation_supervised" => "纠纷督办",
        "mediation_violence_risk" => "激化风险",
        "mediation_failed" => "调解终止",
        "mediation_limit_warning" => "调解临近期限",
        "mediation_overdue" => "调解超期",
        "mediation_mediator_removed" => "调解员罢免",
        "petition_registered" | "petition_intake" => "信访登记",
        "petition_repeated" => "重复信访",
        "petition_unit" => "信访交办",
        "petition_petitioner" => "书面告知",
        "petition_review" => "复查复核",
        "petition_clock_warning" => "信访临近期限",
        "petition_clock_overdue" => "信访超期",
        _ => "通知",
    }
}

fn view(n: NoticeItem) -> NoticeView {
    // The text written for a handled case addresses the resident; staff read what is asked of them.
    let text = match (n.kind.as_str(), &n.case_code) {
        ("handled", Some(code)) => format!("诉求 {code} 承办单位已办结回复，请核查。"),
        _ => n.text,
    };
    NoticeView {
        id: n.id,
        kind: kind_label(&n.kind),
        text,
        about: match (n.case_code, n.dispute_code, n.petition_code) {
            (Some(code), _, _) => Some(match n.case_title {
                Some(t) if !t.is_empty() => format!("诉求 {code} {t}"),
                _ => format!("诉求 {code}"),
            }),
            (None, Some(code), _) => Some(format!("纠纷 {code}")),
            (None, None, Some(code)) => Some(format!("信访件 {code}")),
            (None, None, None) => None,
        },
        at: local_minute(n.created_at),
        unread: n.read_at.is_none(),
    }
}

/// `GET /notices`: the notices of the user's units, newest first.
pub(super) async fn list(State(s): State<AppState>, staff: Staff, Query(p): Query<Params>) -> PageResult {
    let inboxes = staff.notice_inboxes();
    let page = Page::new(p.page.trim().parse().ok(), Some(PER_PAGE));
    let paged = s.store.cases().notices_page(&inboxes, page).await?;
    let pager = Pager::new(&paged, "/notices", "page", &[]);
    Ok(render(&NoticesPage {
        shell: Shell::staff("通知", &staff, "/notices"),
        has_inbox: !inboxes.is_empty(),
        unread: staff.unread_notices.unwrap_or(0),
        notices: paged.items.into_iter().map(view).collect(),
        pager,
    }))
}

/// `GET /notices/{id}`: marks the notice read and opens what it is about — its case, dispute or
/// petition (each page checks the reader's scope again) — or the list, for a notice about none.
/// Another unit's notice is not found.
pub(super) async fn open(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult {
    let n = s.store.cases().open_notice(&staff.notice_inboxes(), &staff.actor(), id).await?;
    let to = match (n.case_id, n.dispute_id, n.petition_id) {
        (Some(case), _, _) => format!("/cases/{case}"),
        (None, Some(dispute), _) => format!("/mediation/disputes/{dispute}"),
        (None, None, Some(petition)) => format!("/petitions/{petition}"),
        (None, None, None) => "/notices".to_string(),
    };
    Ok(axum::response::Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub(super) struct Empty {}

/// `POST /notices/read-all`: marks every notice of the user's units read.
pub(super) async fn read_all(State(s): State<AppState>, staff: Staff, CsrfForm(_): CsrfForm<Empty>) -> PageResult {
    let n = s.store.cases().mark_all_notices_read(&staff.notice_inboxes(), &staff.actor()).await?;
    let text = if n == 0 { "没有未读通知".to_string() } else { format!("已将 {n} 条通知标为已读") };
    Ok(flash::redirect("/notices", "ok", &text))
}
