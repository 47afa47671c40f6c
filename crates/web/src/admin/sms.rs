//! `GET /admin/sms`: 短信发件箱 (issue 11 item 5). Every text message the site queued for
//! residents — intake confirmations with the follow link, replies, invitations to rate, one-time
//! codes for finding a case again — newest first, with the number masked and the text as sent.
//! Where no SMS gateway is configured (the demo) this is how the flow is tried without a phone.
//! Administrators only.

use crate::AppState;
use crate::ui::{PageResult, Pager, Shell, Staff, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_store::Page;

/// Messages per page.
const PER_PAGE: u32 = 50;

struct SmsLine {
    id: i64,
    at: String,
    kind: &'static str,
    case_code: String,
    phone: String,
    text: String,
    status: &'static str,
    status_label: &'static str,
    error: String,
}

#[derive(Template)]
#[template(path = "admin/sms.html")]
struct SmsPage {
    shell: Shell,
    lines: Vec<SmsLine>,
    total: i64,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct SmsQuery {
    #[serde(default)]
    page: Option<u32>,
}

/// What a message is, in words.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "received" => "受理回执",
        "follow_code" => "找回诉求验证码",
        "handled" => "办结答复",
        "closed" => "结案评价邀请",
        "rejected" => "不予受理",
        "merged" => "合并办理",
        "merged_outcome" => "合并办理结果",
        _ => "通知",
    }
}

pub async fn page(State(s): State<AppState>, staff: Staff, Query(q): Query<SmsQuery>) -> PageResult<Response> {
    if staff.user.role != Role::Admin {
        return Err(crate::ui::PageError::Forbidden);
    }
    let paged = s.store.outbox().sms_page(Page::new(q.page, Some(PER_PAGE))).await?;
    let lines = paged
        .items
        .iter()
        .map(|m| {
            let status = m.status();
            SmsLine {
                id: m.id,
                at: local_minute(m.created_at),
                kind: kind_label(&m.kind),
                case_code: m.case_code.clone().unwrap_or_default(),
                phone: m.phone_masked.clone().unwrap_or_else(|| "（未留号码）".into()),
                text: m.text(),
                status,
                status_label: match status {
                    "sent" => "已发送",
                    "failed" => "发送失败",
                    _ if m.last_error.is_some() => "重试中",
                    _ => "待发送",
                },
                error: m.last_error.clone().unwrap_or_default(),
            }
        })
        .collect();
    Ok(render(&SmsPage {
        shell: Shell::staff("短信发件箱", &staff, "/admin/sms"),
        lines,
        total: paged.total,
        pager: Pager::new(&paged, "/admin/sms", "page", &[]),
    }))
}
