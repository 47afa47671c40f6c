//! What the requester does on the follow page while the case is open: 催办 and 补充信息.

use super::Draft;
use crate::case::action::Actor;
use crate::case::decision::{Event, EventKind, Notice};
use crate::case::error::{TransitionError, optional};
use crate::case::urge::MAX_NOTE_PHOTOS;
use chrono::NaiveDate;
use serde_json::json;

fn require_requester(d: &Draft, actor: &Actor) -> Result<(), TransitionError> {
    if matches!(actor, Actor::Requester) { Ok(()) } else { Err(d.forbidden(actor)) }
}

/// 催办: once per working day; the lead unit is told.
pub(super) fn urge(d: &mut Draft, actor: &Actor, day: NaiveDate) -> Result<(), TransitionError> {
    require_requester(d, actor)?;
    if d.state.last_urge_day.is_some_and(|last| last >= day) {
        return Err(TransitionError::AlreadyUrged);
    }
    let Some(lead) = d.state.lead.clone() else {
        return Err(TransitionError::NotAllowed { status: d.state.status, action: d.kind });
    };
    d.state.last_urge_day = Some(day);
    d.event(Event::new(EventKind::Urged, Some(lead.clone()), "诉求人催办").with(json!({ "day": day })));
    d.notify(Notice::Urged { unit: lead });
    Ok(())
}

/// 补充信息: a note, photos, or both.
pub(super) fn add_note(d: &mut Draft, actor: &Actor, note: &str, photos: &[String]) -> Result<(), TransitionError> {
    require_requester(d, actor)?;
    optional("补充内容", note)?;
    if note.trim().is_empty() && photos.is_empty() {
        return Err(TransitionError::EmptyNote);
    }
    if photos.len() > MAX_NOTE_PHOTOS {
        return Err(TransitionError::TooManyPhotos { max: MAX_NOTE_PHOTOS });
    }
    let status = d.state.status;
    let unit = if status.is_with_unit() || status == crate::case::status::Status::Handled {
        d.state.lead.clone()
    } else {
        None
    };
    d.event(Event::new(EventKind::RequesterNote, unit.clone(), note.trim()).with(json!({ "photos": photos })));
    d.notify(Notice::RequesterNote { unit });
    Ok(())
}
