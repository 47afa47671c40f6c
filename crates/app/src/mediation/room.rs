//! 在线调解室 use-cases (domain `mediation::room`): who is in a dispute's room, posting (text,
//! a photo or a document; 背靠背 lines), reading, the mediators' draft agreement, and a party's
//! way in — a private invitation link, a one-time code by SMS — and their confirmation of a
//! draft version with another code.
//!
//! Every message that is stored is also handed to the [`RoomHub`], which wakes the room's open
//! live feeds (Server-Sent Events in `web`) in this process; a feed also re-reads the store from
//! the last message it sent, so a reload — or a message written by another server process —
//! is never missed.

use super::DisputeError;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::broadcast;
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::mask::mask_name;
use tongxin_domain::kernel::text::{Lines, required};
use tongxin_domain::mediation::room::{self, Audience, Member, RoomError};
use tongxin_store::accounts::User;
use tongxin_store::mediation::room::{CodePurpose, NewRoomFile, RoomAuthor, RoomDraft, RoomMessage, RoomSession};
use tongxin_store::mediation::{DisputeView, Viewer};
use tongxin_store::{Store, StoreError};

/// The largest draft agreement, in characters.
pub const MAX_DRAFT_CHARS: usize = 8000;
/// Messages a live feed keeps for a slow reader before it must re-read the store.
const FEED_BUFFER: usize = 256;

/// Who is in a room.
#[derive(Debug, Clone)]
pub enum RoomWho {
    /// A mediator's account that reads the dispute (its organisation's, or assigned to it).
    Mediator(User),
    /// A party who joined with a code.
    Party(RoomSession),
}

/// The live side of the rooms: one broadcast channel per room with open feeds.
#[derive(Debug, Default)]
pub struct RoomHub {
    rooms: Mutex<HashMap<i64, broadcast::Sender<RoomMessage>>>,
}

impl RoomHub {
    /// A receiver of the room's new messages (every audience: the feed filters by member).
    pub fn subscribe(&self, dispute_id: i64) -> broadcast::Receiver<RoomMessage> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms.entry(dispute_id).or_insert_with(|| broadcast::channel(FEED_BUFFER).0).subscribe()
    }

    /// Wakes the room's feeds; a room nobody watches is forgotten.
    pub fn publish(&self, message: &RoomMessage) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = rooms.get(&message.dispute_id)
            && tx.send(message.clone()).is_err()
        {
            rooms.remove(&message.dispute_id);
        }
    }

    /// Rooms with open feeds.
    pub fn watched(&self) -> usize {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn refused(e: RoomError) -> DisputeError {
    let field = match e {
        RoomError::AttachmentTooLarge | RoomError::AttachmentType => "file",
        RoomError::StaleDraft { .. } | RoomError::NoDraft | RoomError::AlreadyConfirmed => "version",
        _ => "message",
    };
    DisputeError::invalid(field, e.to_string())
}

/// The dispute and who `who` is in its room; a room `who` may not enter is `NotFound`.
pub async fn member(store: &Store, who: &RoomWho, dispute_id: i64) -> Result<(DisputeView, Member), DisputeError> {
    match who {
        RoomWho::Mediator(user) if user.role == Role::Mediator => {
            Ok((store.mediation().get(&Viewer::of_user(user), dispute_id).await?, Member::Mediator))
        }
        RoomWho::Party(s) if s.dispute_id == dispute_id => {
            Ok((store.mediation().get(&Viewer::System, dispute_id).await?, Member::Party { idx: s.idx }))
        }
        _ => Err(StoreError::NotFound.into()),
    }
}

/// The name a member's messages carry: a mediator's own, a party's masked (the other side reads it).
fn author_name(who: &RoomWho, d: &DisputeView) -> String {
    match who {
        RoomWho::Mediator(user) => format!("调解员 {}", user.display_name),
        RoomWho::Party(s) => format!("当事人 {}", party_name(d, s.idx)),
    }
}

/// A party's name as the room shows it: masked.
fn party_name(d: &DisputeView, idx: u16) -> String {
    d.state.parties.get(usize::from(idx)).map(|p| mask_name(&p.name)).unwrap_or_default()
}

/// Posts a message (and an attachment: `(file name, content type, bytes)`) and wakes the room.
pub async fn post(
    store: &Store,
    hub: &RoomHub,
    who: &RoomWho,
    dispute_id: i64,
    audience: Audience,
    text: &str,
    file: Option<(String, String, Vec<u8>)>,
) -> Result<RoomMessage, DisputeError> {
    let (d, member) = member(store, who, dispute_id).await?;
    let body = room::check_post(member, audience, d.status, d.state.parties.len(), text).map_err(refused)?;
    let file = match file {
        Some((name, content_type, bytes)) => {
            room::check_attachment(&content_type, bytes.len()).map_err(refused)?;
            let name =
                required("文件名", &name, 100, Lines::One).map_err(|e| DisputeError::invalid("file", e.to_string()))?;
            Some(NewRoomFile { name, content_type, bytes })
        }
        None => None,
    };
    let author = RoomAuthor { member: Some(member), name: author_name(who, &d) };
    let message = store.mediation().room_post(dispute_id, &author, audience, &body, file).await?;
    hub.publish(&message);
    Ok(message)
}

/// The messages `who` reads after `after`, oldest first.
pub async fn messages(
    store: &Store,
    who: &RoomWho,
    dispute_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<RoomMessage>, DisputeError> {
    let (_, member) = member(store, who, dispute_id).await?;
    Ok(store.mediation().room_messages(dispute_id, member, after, limit.clamp(1, 500)).await?)
}

/// A mediator saves a new version of the draft agreement; the room is told.
pub async fn save_draft(
    store: &Store,
    hub: &RoomHub,
    user: &User,
    dispute_id: i64,
    text: &str,
) -> Result<i64, DisputeError> {
    let who = RoomWho::Mediator(user.clone());
    let (d, _) = member(store, &who, dispute_id).await?;
    room::room_state(d.status).map_err(refused)?;
    let body = required("协议草稿", text, MAX_DRAFT_CHARS, Lines::Many)
        .map_err(|e| DisputeError::invalid("draft", e.to_string()))?;
    let actor = tongxin_store::Actor { user_id: Some(user.id), name: user.username.clone() };
    let version = store.mediation().room_save_draft(&actor, dispute_id, &d.code, &body).await?;
    let note = format!("调解员更新了协议草稿（第 {version} 版），请各方阅读后确认");
    system_message(store, hub, dispute_id, &note).await?;
    Ok(version)
}

async fn system_message(store: &Store, hub: &RoomHub, dispute_id: i64, text: &str) -> Result<(), DisputeError> {
    let author = RoomAuthor { member: None, name: "调解室".into() };
    let m = store.mediation().room_post(dispute_id, &author, Audience::All, text, None).await?;
    hub.publish(&m);
    Ok(())
}

/// A party's private invitation: `{dispute}-{party}-{mac}`, the mac keyed by the site's key,
/// so the link names one party of one dispute and cannot be guessed or altered. It only
/// leads to the page asking for the code sent to that party's phone on record.
pub fn invite_token(store: &Store, dispute_id: i64, idx: u16) -> String {
    let mac = store.pii().blind_index(&format!("room-invite:{dispute_id}:{idx}"));
    format!("{dispute_id}-{idx}-{}", data_encoding::HEXLOWER.encode(&mac[..12]))
}

/// The dispute and party of an invitation token, if it is one of ours.
pub fn parse_invite(store: &Store, token: &str) -> Option<(i64, u16)> {
    if token.len() > 64 {
        return None;
    }
    let mut parts = token.splitn(3, '-');
    let dispute_id: i64 = parts.next()?.parse().ok()?;
    let idx: u16 = parts.next()?.parse().ok()?;
    (invite_token(store, dispute_id, idx) == token).then_some((dispute_id, idx))
}

/// The party of an invitation, if the dispute has such a party with a phone on record.
async fn invited(store: &Store, token: &str) -> Result<(DisputeView, u16), DisputeError> {
    let (id, idx) = parse_invite(store, token).ok_or(StoreError::NotFound)?;
    let d = store.mediation().get(&Viewer::System, id).await?;
    if usize::from(idx) >= d.state.parties.len() {
        return Err(StoreError::NotFound.into());
    }
    Ok((d, idx))
}

/// A mediator invites a party: the link goes by SMS to the party's phone on record.
pub async fn invite(store: &Store, user: &User, dispute_id: i64, idx: u16, base_url: &str) -> Result<(), DisputeError> {
    let (d, _) = member(store, &RoomWho::Mediator(user.clone()), dispute_id).await?;
    room::room_state(d.status).map_err(refused)?;
    if usize::from(idx) >= d.state.parties.len() {
        return Err(refused(RoomError::NoSuchParty));
    }
    let link = format!("{}/r/{}", base_url.trim_end_matches('/'), invite_token(store, dispute_id, idx));
    let text =
        format!("【同心】{}邀请您参加纠纷 {} 的在线调解，请打开 {link} 并用短信验证码进入。", d.org_name, d.code);
    store.mediation().room_invite(dispute_id, &d.code, idx, &text, user).await?;
    Ok(())
}

/// A party on the invitation page asks for the code that lets them in.
pub async fn send_join_code(store: &Store, token: &str) -> Result<(), DisputeError> {
    let (d, idx) = invited(store, token).await?;
    room::room_state(d.status).map_err(refused)?;
    let text = format!("【同心】您进入纠纷 {} 在线调解室的验证码是 {{otp}}，10 分钟内有效。请勿告诉他人。", d.code);
    Ok(store.mediation().room_issue_code(d.id, &d.code, idx, CodePurpose::Join, &text).await?)
}

/// The party types the code: a session token (for a cookie), or `None` for any failure.
pub async fn join(store: &Store, hub: &RoomHub, token: &str, typed: &str) -> Result<Option<String>, DisputeError> {
    let (d, idx) = invited(store, token).await?;
    let Some(session) = store.mediation().room_join(d.id, &d.code, idx, typed).await? else {
        return Ok(None);
    };
    system_message(store, hub, d.id, &format!("当事人 {} 进入了调解室", party_name(&d, idx))).await?;
    Ok(Some(session))
}

/// The draft as a member reads it, with who confirmed its current version.
pub async fn draft(
    store: &Store,
    who: &RoomWho,
    dispute_id: i64,
) -> Result<(Option<RoomDraft>, Vec<tongxin_store::mediation::room::RoomConfirmation>), DisputeError> {
    member(store, who, dispute_id).await?;
    let m = store.mediation();
    Ok((m.room_draft(dispute_id).await?, m.room_confirmations(dispute_id).await?))
}

/// A party asks for the code that confirms the version of the draft they read.
pub async fn send_confirm_code(store: &Store, session: &RoomSession, version: i64) -> Result<(), DisputeError> {
    let who = RoomWho::Party(*session);
    let (d, _) = member(store, &who, session.dispute_id).await?;
    let m = store.mediation();
    let current = m.room_draft(d.id).await?.map(|x| x.version);
    let mine = confirmed_by(&m.room_confirmations(d.id).await?, session.idx);
    room::check_confirmation(d.status, current.and_then(|v| u32::try_from(v).ok()), version_u32(version), &mine)
        .map_err(refused)?;
    let text = format!(
        "【同心】您正在确认纠纷 {} 的调解协议草稿第 {version} 版，验证码 {{otp}}，10 分钟内有效。确认只表示您同意草稿内容，正式协议仍需签字。",
        d.code
    );
    Ok(m.room_issue_code(d.id, &d.code, session.idx, CodePurpose::Confirm { version }, &text).await?)
}

/// A party confirms the version they read with its code; the room is told. `Ok(false)`: a
/// wrong or dead code.
pub async fn confirm_draft(
    store: &Store,
    hub: &RoomHub,
    session: &RoomSession,
    version: i64,
    typed: &str,
) -> Result<bool, DisputeError> {
    let who = RoomWho::Party(*session);
    let (d, _) = member(store, &who, session.dispute_id).await?;
    let m = store.mediation();
    let current = m.room_draft(d.id).await?.map(|x| x.version);
    let mine = confirmed_by(&m.room_confirmations(d.id).await?, session.idx);
    room::check_confirmation(d.status, current.and_then(|v| u32::try_from(v).ok()), version_u32(version), &mine)
        .map_err(refused)?;
    if !m.room_confirm(d.id, &d.code, session.idx, version, typed).await? {
        return Ok(false);
    }
    let name = party_name(&d, session.idx);
    let all = m.room_confirmations(d.id).await?;
    let pairs: Vec<(u16, u32)> =
        all.iter().filter_map(|c| Some((u16::try_from(c.idx).ok()?, u32::try_from(c.version).ok()?))).collect();
    let mut note = format!("当事人 {name} 已确认协议草稿第 {version} 版");
    if room::all_confirmed(d.state.parties.len(), Some(version_u32(version)), &pairs) {
        note.push_str("；各方均已确认，请调解员安排签字");
    }
    system_message(store, hub, d.id, &note).await?;
    Ok(true)
}

fn confirmed_by(all: &[tongxin_store::mediation::room::RoomConfirmation], idx: u16) -> Vec<u32> {
    all.iter().filter(|c| c.idx == i64::from(idx)).filter_map(|c| u32::try_from(c.version).ok()).collect()
}

fn version_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}
