//! What a resident may see of their case — the one place that decides it. The follow link's
//! JSON (`GET /api/v1/reports/{code}`) serializes [`PublicCase`]; the tracking page
//! (`/track/{code}`) renders the same struct.
//!
//! Public: the case's own words, its status, the steps in [`PUBLIC_EVENTS`] with their time,
//! the reply and the requester's own rating. Never: staff names, units, internal notes — only the
//! notes of a refusal and of the handling (the answer to the resident) are shown.

use super::photos::{PhotoLink, requester_links};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tongxin_domain::case::Status;
use tongxin_store::cases::read::{CaseEvent, CaseView, PhotoInfo};

/// The case as its requester sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCase {
    pub code: String,
    pub title: String,
    pub description: String,
    /// The category's code (pages show its name).
    pub category: String,
    pub address: String,
    pub status: Status,
    /// The status in Chinese.
    pub status_label: &'static str,
    pub created_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    /// Still being handled: the page shows the deadline only then.
    #[serde(skip)]
    pub open: bool,
    pub reply: Option<String>,
    pub rating: Option<PublicRating>,
    /// The unit has answered: the requester confirms (or disputes) the answer.
    pub can_confirm: bool,
    /// Closed (or merged into another case) and not rated yet.
    pub can_rate: bool,
    pub version: i64,
    pub timeline: Vec<PublicEvent>,
    /// The case's photos (the report's and the reply's evidence), each a link to the photo
    /// served without its EXIF data ([`crate::cases::photos`]); filled by
    /// [`PublicCase::with_photos`] where the follow token is known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoLink>,
}

/// One step of the case the requester may see.
#[derive(Debug, Clone, Serialize)]
pub struct PublicEvent {
    pub kind: String,
    pub label: &'static str,
    pub at: DateTime<Utc>,
    /// Only a refusal's reason and the handling's answer; empty otherwise.
    pub note: String,
}

/// The requester's own rating.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRating {
    pub resolved: bool,
    /// `satisfied`, `basically_satisfied`, … (pages show the Chinese label).
    pub satisfaction: &'static str,
    pub comment: String,
}

/// Kinds of events a requester sees, in the resident's words (not the office's: no 立案, 核查,
/// 管辖范围). Others (internal notes, supervision, extensions, returns between units) stay inside.
pub const PUBLIC_EVENTS: [(&str, &str); 16] = [
    ("received", "已受理"),
    ("accepted", "已登记，等待交办"),
    ("rejected", "不予受理"),
    ("dispatched", "已交承办单位办理"),
    ("acknowledged", "承办单位已接单"),
    ("handled", "承办单位已答复"),
    ("handled_on_spot", "已现场解决"),
    ("answered_on_call", "已在电话中答复"),
    ("verified", "办理结果已确认"),
    ("closed", "已办结"),
    ("rated", "您已评价"),
    ("reopened", "重新办理"),
    ("merged", "与同一问题的其他反映合并办理"),
    ("urged", "您催办了一次"),
    ("requester_note", "您补充了信息"),
    // The staff's reason stays inside; no mediator's name or number is shown either.
    ("referred_to_mediation", "已转人民调解组织调解"),
];

/// Events whose note is an answer to the resident or the resident's own words (a reopening's
/// note is the staff's reason, which stays inside).
const NOTE_SHOWN: [&str; 5] = ["rejected", "handled", "handled_on_spot", "answered_on_call", "requester_note"];

impl PublicEvent {
    /// The event as the requester sees it, or `None` if it is internal.
    pub fn of(e: &CaseEvent) -> Option<PublicEvent> {
        let label = PUBLIC_EVENTS.iter().find(|(kind, _)| *kind == e.kind)?.1;
        let note = if NOTE_SHOWN.contains(&e.kind.as_str()) { e.note.clone() } else { String::new() };
        Some(PublicEvent { kind: e.kind.clone(), label, at: e.at, note })
    }
}

impl PublicCase {
    /// What `c` (with its events) shows its requester.
    pub fn of(c: &CaseView, events: &[CaseEvent]) -> PublicCase {
        let status = c.status;
        let rating = c.state.rating.as_ref().map(|r| PublicRating {
            resolved: r.resolved,
            satisfaction: r.satisfaction.as_str(),
            comment: r.comment.clone(),
        });
        let unrated = c.state.rating.is_none();
        PublicCase {
            code: c.code.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            category: c.category_code.clone(),
            address: c.address.clone(),
            status,
            status_label: status.resident_label(),
            created_at: c.created_at,
            deadline_at: c.deadline_at,
            open: c.open,
            reply: c.state.reply.clone(),
            rating,
            can_confirm: status == Status::Handled,
            can_rate: status == Status::Closed || (status == Status::Merged && unrated),
            version: c.version,
            timeline: events.iter().filter_map(PublicEvent::of).collect(),
            photos: Vec::new(),
        }
    }

    /// The case with links to its photos for the requester holding `token`.
    pub fn with_photos(mut self, token: &str, photos: &[PhotoInfo]) -> PublicCase {
        self.photos = requester_links(&self.code, token, photos);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, note: &str) -> CaseEvent {
        CaseEvent {
            id: 1,
            kind: kind.into(),
            actor_name: "王科长".into(),
            unit: Some("dept:1".into()),
            note: note.into(),
            data: "{}".into(),
            at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn internal_steps_and_notes_stay_inside() {
        assert!(PublicEvent::of(&event("supervised", "请加快办理")).is_none());
        assert!(PublicEvent::of(&event("returned", "非本单位职责")).is_none());
        assert_eq!(PublicEvent::of(&event("reopened", "群众不满意，重办")).map(|e| e.note), Some(String::new()));
        assert_eq!(PublicEvent::of(&event("dispatched", "派给城管")).map(|e| e.note), Some(String::new()));
        let handled = PublicEvent::of(&event("handled", "已清理")).expect("public");
        assert_eq!((handled.label, handled.note.as_str()), ("承办单位已答复", "已清理"));
        let own = PublicEvent::of(&event("requester_note", "晚上更吵")).expect("public");
        assert_eq!((own.label, own.note.as_str()), ("您补充了信息", "晚上更吵"));
        assert_eq!(PublicEvent::of(&event("urged", "诉求人催办")).map(|e| e.note), Some(String::new()));
        let referred = PublicEvent::of(&event("referred_to_mediation", "邻里漏水，转调委会")).expect("public");
        assert_eq!((referred.label, referred.note.as_str()), ("已转人民调解组织调解", ""));
    }
}
