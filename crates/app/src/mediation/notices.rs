//! What a decision sends and the timers it sets: each domain notice becomes in-app notices to
//! units (the outbox delivers them), and the state's clocks become the row's timer columns.
//!
//! Units: `mediator:N` and `mediation_org:N` (the mediation inboxes), the street's 矛调中心 is its
//! dispatch centre (`dispatchers:STREET`, read today), a district is its leaders
//! (`supervisors:2:STREET`), a community `community:CODE`, a grid its team (`grid:CODE`), the
//! 派出所 its department (`dept:N`), and the parties `dispute_parties:ID` (the online room).

use chrono::{DateTime, NaiveTime, Utc};
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::clock::from_shanghai;
use tongxin_domain::mediation::clock::{DEFAULT_WARN_DAYS, confirmation_window_end};
use tongxin_domain::mediation::kinds::Level;
use tongxin_domain::mediation::{Decision, DisputeState, EventKind, Notice, Recipient, Status};
use tongxin_store::mediation::{DisputeView, NewNotice, Timers};
use tongxin_store::{Store, StoreError};

/// The unit a recipient of a dispute's notice reads it in; `police` is the street's 派出所
/// department, when on record.
pub fn unit_of(recipient: &Recipient, d: &DisputeView, police: Option<i64>) -> String {
    match recipient {
        Recipient::Organisation(id) => format!("mediation_org:{id}"),
        Recipient::Mediator(id) => format!("mediator:{id}"),
        Recipient::Centre(level) => centre(*level, d),
        Recipient::PoliceStation => match police {
            Some(id) => format!("dept:{id}"),
            None => format!("dispatchers:{}", d.street_code),
        },
        Recipient::Parties => format!("dispute_parties:{}", d.id),
    }
}

/// The centre of a level over the dispute's place (the nearest known one below the street).
fn centre(level: Level, d: &DisputeView) -> String {
    match (level, &d.grid_code, &d.community_code) {
        (Level::Grid, Some(g), _) => format!("grid:{g}"),
        (Level::Grid | Level::Community, _, Some(c)) => format!("community:{c}"),
        (Level::District, _, _) => format!("supervisors:2:{}", d.street_code),
        _ => format!("dispatchers:{}", d.street_code),
    }
}

/// The note of the decision's first event of `kind`.
fn note_of(decision: &Decision, kind: EventKind) -> &str {
    decision.events.iter().find(|e| e.kind == kind).map(|e| e.note.as_str()).unwrap_or_default()
}

/// The in-app notices of a decision on `d` (its state before the decision). `{code}` becomes the
/// dispute's code when written.
pub async fn notices_for(store: &Store, d: &DisputeView, decision: &Decision) -> Result<Vec<NewNotice>, StoreError> {
    let mut out = Vec::new();
    let mut police = None;
    if decision.notices.contains(&Notice::ViolenceRisk) {
        police = store.mediation().police_station(&d.street_code).await?;
    }
    for n in &decision.notices {
        let text = match n {
            Notice::Assigned { .. } => "您已被指派调解纠纷 {code}，请及时联系当事人。".to_string(),
            Notice::Unassigned { .. } => "您已不再承办纠纷 {code}。".to_string(),
            Notice::Transferred { .. } => "纠纷 {code} 已流转至本组织，请及时受理。".to_string(),
            Notice::Escalated { level } => format!("纠纷 {{code}} 已升级由{}处理，请跟进。", level.label()),
            Notice::Supervised { .. } => {
                let note = note_of(decision, EventKind::Supervised);
                if note.is_empty() {
                    "纠纷 {code} 被督办，请抓紧调处。".into()
                } else {
                    format!("纠纷 {{code}} 被督办：{note}")
                }
            }
            Notice::ViolenceRisk => {
                let note = note_of(decision, EventKind::ViolenceReported);
                let missing =
                    if police.is_none() { "（本街道未登记派出所，请立即通知派出所）" } else { "" };
                format!(
                    "【紧急】纠纷 {{code}} 有激化风险，可能引发治安或刑事案件，请立即采取预防措施（人民调解法第二十五条）：{note}{missing}"
                )
            }
            Notice::Failed { routes } => {
                let routes: Vec<&str> = routes.iter().map(|r| r.label()).collect();
                format!(
                    "纠纷 {{code}} 调解终止。您可以依法通过{}等途径维护自己的权利（人民调解法第二十六条）。",
                    routes.join("、")
                )
            }
        };
        for r in n.recipients() {
            out.push(NewNotice { kind: n.kind().into(), unit: unit_of(&r, d, police), text: text.clone() });
        }
    }
    Ok(out)
}

/// The timer columns of a state: the limit's warning (while the limit runs:
/// [`DEFAULT_WARN_DAYS`] calendar days before its last day, from 00:00 Shanghai time) and the
/// last day to apply for 司法确认 (once the agreement took effect).
pub fn timers_for(state: &DisputeState, cal: &WorkingCalendar) -> Timers {
    let warn_at = match (state.status, state.deadline) {
        (Status::Accepted | Status::Mediating, Some(deadline)) => warn_at(deadline),
        _ => None,
    };
    let window_end = state.effective_on().map(|d| confirmation_window_end(d, cal));
    Timers { warn_at, window_end }
}

fn warn_at(deadline: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let last = tongxin_domain::case::deadline::shanghai_date(deadline);
    let day = last.checked_sub_days(chrono::Days::new(u64::from(DEFAULT_WARN_DAYS)))?;
    from_shanghai(day.and_time(NaiveTime::MIN))
}
