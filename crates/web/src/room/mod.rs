//! 在线调解室 pages (issue 12; use-cases in `tongxin_app::mediation::room`).
//!
//! - Mediators: `/rooms/{id}` — the room of a dispute their account reads (another committee's
//!   is the 404 page), with the messages, a line to everyone or to one party (背靠背), the draft
//!   agreement they edit, and an SMS invitation per party.
//! - Parties: `/r/{invite}` — the private link from the invitation SMS. Without a session it asks
//!   for the code sent to the party's phone on record; the right code opens a session (an
//!   HttpOnly cookie limited to `/r/`) in that dispute's room only. A party reads the messages to
//!   everyone and their own line, confirms the draft version they read with another code, and
//!   leaves (ends the session) on a shared phone.
//! - Both: messages arrive live through `…/feed` (Server-Sent Events, see [`feed`]); without
//!   JavaScript every form posts and the page reloads with the new message.
//!
//! Attachments are known by their bytes (JPEG, PNG, WebP, PDF; ≤ 10 MB) and served only to a
//! member who reads the message carrying them, `nosniff`, never cached publicly.

mod feed;
pub(crate) mod pages;

use crate::AppState;
use crate::routes::{RouteSpec, public, r};
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};
use tongxin_domain::mediation::room::MAX_ATTACHMENT_BYTES;

/// The cookie of a party's room session.
pub const ROOM_COOKIE: &str = "tx_room";
/// A message form: one attachment and a few short fields.
const MAX_MESSAGE_BODY: usize = MAX_ATTACHMENT_BYTES + 64 * 1024;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let limited = || DefaultBodyLimit::max(MAX_MESSAGE_BODY);
    vec![
        public("GET", "/static/room.js", get(pages::script)),
        r("GET", "/rooms/{id}", get(pages::staff_room)),
        r("GET", "/rooms/{id}/feed", get(feed::staff_feed)),
        r("POST", "/rooms/{id}/messages", post(pages::staff_post).layer(limited())),
        r("POST", "/rooms/{id}/draft", post(pages::staff_draft)),
        r("POST", "/rooms/{id}/invite", post(pages::staff_invite)),
        r("GET", "/rooms/{id}/files/{file}", get(pages::staff_file)),
        public("GET", "/r/{invite}", get(pages::party_room)),
        public("POST", "/r/{invite}/code", post(pages::party_code)),
        public("POST", "/r/{invite}/join", post(pages::party_join)),
        public("GET", "/r/{invite}/feed", get(feed::party_feed)),
        public("POST", "/r/{invite}/messages", post(pages::party_post).layer(limited())),
        public("POST", "/r/{invite}/confirm-code", post(pages::party_confirm_code)),
        public("POST", "/r/{invite}/confirm", post(pages::party_confirm)),
        public("GET", "/r/{invite}/files/{file}", get(pages::party_file)),
        public("POST", "/r/{invite}/leave", post(pages::party_leave)),
    ]
}
