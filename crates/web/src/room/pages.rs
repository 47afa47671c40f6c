//! The room's pages and forms, for mediators (`/rooms/{id}`) and parties (`/r/{invite}`).

use super::ROOM_COOKIE;
use crate::AppState;
use crate::auth::{ClientIp, cookie_value};
use crate::limits::{PartError, PartLimits, read_parts};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::{self, CsrfForm, check_csrf};
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tongxin_app::mediation::DisputeError;
use tongxin_app::mediation::room::{self, RoomWho};
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::kernel::mask::mask_name;
use tongxin_domain::mediation::room::{Audience, MAX_ATTACHMENT_BYTES, Member, room_state, sniff};
use tongxin_store::StoreError;
use tongxin_store::mediation::DisputeView;
use tongxin_store::mediation::room::{RoomMessage, RoomSession};

/// Messages on a room's first screen (older ones stay in the 调解工作档案).
const FIRST_SCREEN: i64 = 200;

const SCRIPT: &str = include_str!("../../static/room.js");

/// `GET /static/room.js`: the live feed and posting without a reload.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")],
        SCRIPT,
    )
}

/// Where a room's pages live: `/rooms/{id}` for mediators, `/r/{invite}` for a party.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub base: String,
    pub member: Member,
}

/// One message as a member reads it (the page and the live feed render the same).
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Line {
    pub id: i64,
    pub author: String,
    /// Written by the reader.
    pub mine: bool,
    pub system: bool,
    /// For a 背靠背 line: whose line it is, as the reader reads it.
    pub private: Option<String>,
    pub body: String,
    pub at: String,
    pub file: Option<FileLink>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct FileLink {
    pub href: String,
    pub image: bool,
    pub label: String,
}

impl Line {
    pub(super) fn of(m: &RoomMessage, place: &Place, d: &DisputeView) -> Line {
        let mine = match place.member {
            Member::Mediator => m.author_kind == "mediator",
            Member::Party { idx } => m.author_kind == "party" && m.author_idx == Some(i64::from(idx)),
        };
        let private = match (m.audience(), place.member) {
            (Some(Audience::Private { .. }), Member::Party { .. }) => Some("仅您与调解员可见".to_string()),
            (Some(Audience::Private { idx }), Member::Mediator) => Some(format!(
                "背靠背：仅调解员与当事人 {} 可见",
                d.state.parties.get(usize::from(idx)).map(|p| mask_name(&p.name)).unwrap_or_default()
            )),
            _ => None,
        };
        let file = m.file_id.map(|f| FileLink {
            href: format!("{}/files/{f}", place.base),
            image: m.file_type.as_deref().is_some_and(|t| t.starts_with("image/")),
            label: m.file_name.clone().unwrap_or_else(|| "附件".into()),
        });
        Line {
            id: m.id,
            author: m.author_name.clone(),
            mine,
            system: m.author_kind == "system",
            private,
            body: m.body.clone(),
            at: local_minute(m.at),
            file,
        }
    }
}

struct PartyLine {
    idx: u16,
    name: String,
    side: &'static str,
    confirmed: bool,
}

struct DraftView {
    version: i64,
    body: String,
    author: String,
    at: String,
}

#[derive(Template)]
#[template(path = "room/room.html")]
struct RoomPage {
    shell: Shell,
    csrf: String,
    base: String,
    code: String,
    org_name: String,
    status: &'static str,
    /// Members may still speak (the dispute is being mediated).
    open: bool,
    mediator: bool,
    lines: Vec<Line>,
    last_id: i64,
    parties: Vec<PartyLine>,
    draft: Option<DraftView>,
    /// A party who confirmed the current draft.
    confirmed_mine: bool,
    /// For mediators: the dispute's page.
    dispute_href: String,
}

#[derive(Template)]
#[template(path = "room/join.html")]
struct JoinPage {
    shell: Shell,
    csrf: String,
    base: String,
    code: String,
    org_name: String,
    sent: bool,
    error: Option<String>,
}

pub(crate) fn private(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

/// Too many code requests or tries from one address.
pub(crate) fn too_many(wait: std::time::Duration) -> String {
    format!("操作过于频繁，请 {} 分钟后再试", wait.as_secs() / 60 + 1)
}

/// A use-case's refusal: a rule (shown on the room), not found, or the store's answer.
pub(crate) fn refusal(e: DisputeError) -> Result<String, PageError> {
    match e {
        DisputeError::Invalid { message, .. } => Ok(message),
        DisputeError::Rule(r) => Ok(r.to_string()),
        DisputeError::Store(StoreError::Conflict(m)) => Ok(m),
        DisputeError::Store(e) => Err(e.into()),
    }
}

/// A mediator's account in a room it may enter.
pub(super) async fn staff_place(
    s: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<(DisputeView, RoomWho, Place), PageError> {
    if staff.user.role != Role::Mediator {
        return Err(PageError::Forbidden);
    }
    let who = RoomWho::Mediator(staff.user.clone());
    let (d, member) = room::member(&s.store, &who, id).await.map_err(|e| match e {
        DisputeError::Store(e) => PageError::from(e),
        _ => PageError::NotFound,
    })?;
    Ok((d, who, Place { base: format!("/rooms/{id}"), member }))
}

/// A party's session in the room of this invitation, if the cookie holds one.
async fn party_session(s: &AppState, headers: &HeaderMap, invite: &str) -> Result<Option<RoomSession>, PageError> {
    let (id, idx) = room::parse_invite(&s.store, invite).ok_or(PageError::NotFound)?;
    let Some(token) = cookie_value(headers, ROOM_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let session = s.store.mediation().room_session(&token).await?;
    Ok(session.filter(|x| x.dispute_id == id && x.idx == idx))
}

/// The party's room, or the join page's refusal as not found.
pub(super) async fn party_place(
    s: &AppState,
    headers: &HeaderMap,
    invite: &str,
) -> Result<(DisputeView, RoomWho, Place, RoomSession), PageError> {
    let session = party_session(s, headers, invite).await?.ok_or(PageError::NotFound)?;
    let who = RoomWho::Party(session);
    let (d, member) = room::member(&s.store, &who, session.dispute_id).await.map_err(|_| PageError::NotFound)?;
    Ok((d, who, Place { base: format!("/r/{invite}"), member }, session))
}

async fn room_page(s: &AppState, d: &DisputeView, place: &Place, shell: Shell, csrf: String) -> PageResult {
    let m = s.store.mediation();
    let messages = m.room_recent(d.id, place.member, FIRST_SCREEN).await?;
    let draft = m.room_draft(d.id).await?;
    let confirmations = m.room_confirmations(d.id).await?;
    let current = draft.as_ref().map(|x| x.version);
    let confirmed = |idx: u16| confirmations.iter().any(|c| c.idx == i64::from(idx) && Some(c.version) == current);
    let parties = d
        .state
        .parties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let idx = u16::try_from(i).ok()?;
            Some(PartyLine {
                idx,
                name: mask_name(&p.name),
                side: if p.applicant { "申请人" } else { "当事人" },
                confirmed: confirmed(idx),
            })
        })
        .collect();
    let confirmed_mine = match place.member {
        Member::Party { idx } => confirmed(idx),
        Member::Mediator => false,
    };
    let page = RoomPage {
        shell,
        csrf,
        base: place.base.clone(),
        code: d.code.clone(),
        org_name: d.org_name.clone(),
        status: d.status.label(),
        open: room_state(d.status).is_ok(),
        mediator: place.member == Member::Mediator,
        last_id: messages.last().map(|x| x.id).unwrap_or(0),
        lines: messages.iter().map(|x| Line::of(x, place, d)).collect(),
        parties,
        draft: draft.map(|x| DraftView {
            version: x.version,
            body: x.body,
            author: x.author_name,
            at: local_minute(x.at),
        }),
        confirmed_mine,
        dispute_href: format!("/mediation/disputes/{}", d.id),
    };
    Ok(private(render(&page)))
}

/// `GET /rooms/{id}`: a mediator's room.
pub async fn staff_room(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult {
    let (d, _, place) = staff_place(&s, &staff, id).await?;
    let shell = Shell::staff(&format!("在线调解室 · {}", d.code), &staff, "/mediation");
    room_page(&s, &d, &place, shell, staff.csrf.clone()).await
}

/// `GET /r/{invite}`: the party's room, or the way in.
pub async fn party_room(State(s): State<AppState>, headers: HeaderMap, Path(invite): Path<String>) -> PageResult {
    let (csrf, cookie) = form::anonymous_token(&s, &headers);
    let resp = match party_session(&s, &headers, &invite).await? {
        Some(_) => {
            let (d, _, place, _) = party_place(&s, &headers, &invite).await?;
            let shell = Shell::public(&format!("在线调解室 · {}", d.code), flash::read(&headers));
            room_page(&s, &d, &place, shell, csrf).await?
        }
        None => join_page(&s, &headers, &invite, csrf, false, None).await?,
    };
    Ok(form::with_cookie(resp, cookie))
}

async fn join_page(
    s: &AppState,
    headers: &HeaderMap,
    invite: &str,
    csrf: String,
    sent: bool,
    error: Option<String>,
) -> PageResult {
    let (id, _) = room::parse_invite(&s.store, invite).ok_or(PageError::NotFound)?;
    let d = s.store.mediation().get(&tongxin_store::mediation::Viewer::System, id).await?;
    let page = JoinPage {
        shell: Shell::public("进入在线调解室", flash::read(headers)),
        csrf,
        base: format!("/r/{invite}"),
        code: d.code,
        org_name: d.org_name,
        sent,
        error,
    };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(private((status, render(&page)).into_response()))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    otp: String,
}

/// `POST /r/{invite}/code`: the code to the party's phone on record (limited per address).
pub async fn party_code(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(invite): Path<String>,
    CsrfForm(_): CsrfForm<CodeForm>,
) -> PageResult {
    let (csrf, _) = form::anonymous_token(&s, &headers);
    // A forged link is not found before it counts against the address's budget.
    room::parse_invite(&s.store, &invite).ok_or(PageError::NotFound)?;
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        let message = too_many(wait);
        return join_page(&s, &headers, &invite, csrf, false, Some(message)).await;
    }
    match room::send_join_code(&s.store, &invite).await {
        Ok(()) => join_page(&s, &headers, &invite, csrf, true, None).await,
        Err(e) => {
            let message = refusal(e)?;
            join_page(&s, &headers, &invite, csrf, false, Some(message)).await
        }
    }
}

/// `POST /r/{invite}/join`: the code from the SMS. Right: a session and into the room.
pub async fn party_join(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(invite): Path<String>,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> PageResult {
    let (csrf, _) = form::anonymous_token(&s, &headers);
    room::parse_invite(&s.store, &invite).ok_or(PageError::NotFound)?;
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        let message = too_many(wait);
        return join_page(&s, &headers, &invite, csrf, true, Some(message)).await;
    }
    match room::join(&s.store, &s.rooms, &invite, &f.otp).await {
        Ok(Some(token)) => {
            let secure = if s.config.cookie_secure { "; Secure" } else { "" };
            let max_age = tongxin_store::mediation::room::ROOM_SESSION_HOURS * 3600;
            let cookie = format!("{ROOM_COOKIE}={token}; Path=/r/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
            let mut resp = Redirect::to(&format!("/r/{invite}")).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(private(resp))
        }
        Ok(None) => {
            let message = tongxin_domain::case::follow::CODE_REFUSED.to_string();
            join_page(&s, &headers, &invite, csrf, true, Some(message)).await
        }
        Err(e) => {
            let message = refusal(e)?;
            join_page(&s, &headers, &invite, csrf, true, Some(message)).await
        }
    }
}

/// `POST /r/{invite}/leave`: ends the party's session on this device.
pub async fn party_leave(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(invite): Path<String>,
    CsrfForm(_): CsrfForm<CodeForm>,
) -> PageResult {
    if let Some(token) = cookie_value(&headers, ROOM_COOKIE).filter(|t| !t.is_empty()) {
        s.store.mediation().room_leave(&token).await?;
    }
    let mut resp = flash::redirect(&format!("/r/{invite}"), "ok", "您已离开调解室");
    resp.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_static("tx_room=; Path=/r/; Max-Age=0; HttpOnly; SameSite=Lax"));
    Ok(private(resp))
}

const MESSAGE_PARTS: PartLimits = PartLimits {
    file_field: "file",
    max_file_bytes: MAX_ATTACHMENT_BYTES,
    max_files: 1,
    max_text_bytes: 16 * 1024,
    max_parts: 6,
};

/// A message form: the fields, checked for CSRF, and the attachment known by its bytes.
struct MessageForm {
    body: String,
    to: String,
    file: Option<(String, String, Vec<u8>)>,
}

async fn read_message(s: &AppState, headers: &HeaderMap, m: Multipart) -> Result<MessageForm, PageError> {
    let parts = read_parts(m, MESSAGE_PARTS).await.map_err(|e| match e {
        PartError::TooLarge(m) => PageError::User(StatusCode::PAYLOAD_TOO_LARGE, m),
        PartError::Bad(m) => PageError::User(StatusCode::BAD_REQUEST, m),
    })?;
    let text = |name: &str| parts.texts.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    check_csrf(s, headers, &text("_csrf")).await?;
    let file = match parts.files.into_iter().next() {
        Some(bytes) => {
            // An unknown kind is passed on as such and refused by the rule with its message.
            let kind = sniff(&bytes).unwrap_or("application/octet-stream");
            let name = if kind == "application/pdf" { "文件.pdf" } else { "照片" };
            Some((name.to_string(), kind.to_string(), bytes))
        }
        None => None,
    };
    Ok(MessageForm { body: text("body"), to: text("to"), file })
}

/// Whether the page's script posted (it wants a status, not a page).
fn scripted(headers: &HeaderMap) -> bool {
    headers.get("x-requested-with").is_some_and(|v| v == "fetch")
}

async fn post_message(
    s: &AppState,
    headers: &HeaderMap,
    who: &RoomWho,
    place: &Place,
    id: i64,
    f: MessageForm,
) -> PageResult {
    // A party's private line is their own; anything unknown is refused, never sent to everyone.
    let audience = match (f.to.as_str(), place.member) {
        ("" | "all", _) => Some(Audience::All),
        ("mine", Member::Party { idx }) => Some(Audience::Private { idx }),
        (to, _) => Audience::parse_key(to),
    };
    let Some(audience) = audience else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, "请选择发给谁").into_response());
    };
    match room::post(&s.store, &s.rooms, who, id, audience, &f.body, f.file).await {
        Ok(m) if scripted(headers) => Ok((StatusCode::CREATED, m.id.to_string()).into_response()),
        Ok(m) => Ok(Redirect::to(&format!("{}#m{}", place.base, m.id)).into_response()),
        Err(e) => {
            let message = refusal(e)?;
            if scripted(headers) {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, message).into_response())
            } else {
                Ok(flash::redirect(&place.base, "error", &message))
            }
        }
    }
}

/// `POST /rooms/{id}/messages`.
pub async fn staff_post(
    State(s): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<i64>,
    m: Multipart,
) -> PageResult {
    let (_, who, place) = staff_place(&s, &staff, id).await?;
    let f = read_message(&s, &headers, m).await?;
    post_message(&s, &headers, &who, &place, id, f).await
}

/// `POST /r/{invite}/messages`.
pub async fn party_post(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(invite): Path<String>,
    m: Multipart,
) -> PageResult {
    let (d, who, place, _) = party_place(&s, &headers, &invite).await?;
    let f = read_message(&s, &headers, m).await?;
    post_message(&s, &headers, &who, &place, d.id, f).await
}

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    draft: String,
}

/// `POST /rooms/{id}/draft`: a new version of the draft agreement.
pub async fn staff_draft(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DraftForm>,
) -> PageResult {
    let (_, _, place) = staff_place(&s, &staff, id).await?;
    Ok(match room::save_draft(&s.store, &s.rooms, &staff.user, id, &f.draft).await {
        Ok(v) => flash::redirect(&place.base, "ok", &format!("协议草稿已保存为第 {v} 版，已请各方确认")),
        Err(e) => flash::redirect(&place.base, "error", &refusal(e)?),
    })
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    party: u16,
}

/// `POST /rooms/{id}/invite`: the invitation SMS to one party.
pub async fn staff_invite(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> PageResult {
    let (d, _, place) = staff_place(&s, &staff, id).await?;
    let name = d.state.parties.get(usize::from(f.party)).map(|p| mask_name(&p.name)).unwrap_or_default();
    Ok(match room::invite(&s.store, &staff.user, id, f.party, &s.config.public_url).await {
        Ok(()) => flash::redirect(&place.base, "ok", &format!("已向当事人 {name} 发送邀请短信")),
        Err(e) => flash::redirect(&place.base, "error", &refusal(e)?),
    })
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    otp: String,
}

/// `POST /r/{invite}/confirm-code`: the code that confirms the version the party read.
pub async fn party_confirm_code(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(invite): Path<String>,
    CsrfForm(f): CsrfForm<ConfirmForm>,
) -> PageResult {
    let (_, _, place, session) = party_place(&s, &headers, &invite).await?;
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        let message = too_many(wait);
        return Ok(flash::redirect(&place.base, "error", &message));
    }
    Ok(match room::send_confirm_code(&s.store, &session, f.version).await {
        Ok(()) => flash::redirect(
            &format!("{}#draft", place.base),
            "ok",
            &format!("确认第 {} 版的验证码已发送到您的手机", f.version),
        ),
        Err(e) => flash::redirect(&place.base, "error", &refusal(e)?),
    })
}

/// `POST /r/{invite}/confirm`: the party confirms the version with its code.
pub async fn party_confirm(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(invite): Path<String>,
    CsrfForm(f): CsrfForm<ConfirmForm>,
) -> PageResult {
    let (_, _, place, session) = party_place(&s, &headers, &invite).await?;
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        let message = too_many(wait);
        return Ok(flash::redirect(&place.base, "error", &message));
    }
    Ok(match room::confirm_draft(&s.store, &s.rooms, &session, f.version, &f.otp).await {
        Ok(true) => flash::redirect(&place.base, "ok", &format!("您已确认协议草稿第 {} 版", f.version)),
        Ok(false) => flash::redirect(&place.base, "error", tongxin_domain::case::follow::CODE_REFUSED),
        Err(e) => flash::redirect(&place.base, "error", &refusal(e)?),
    })
}

fn file_response(f: tongxin_store::mediation::room::RoomFile) -> Response {
    let disposition = if f.content_type.starts_with("image/") { "inline" } else { "attachment" };
    (
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"room-file\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        f.bytes,
    )
        .into_response()
}

/// `GET /rooms/{id}/files/{file}`.
pub async fn staff_file(State(s): State<AppState>, staff: Staff, Path((id, file)): Path<(i64, i64)>) -> PageResult {
    let (_, _, place) = staff_place(&s, &staff, id).await?;
    Ok(file_response(s.store.mediation().room_file(id, file, place.member).await?))
}

/// `GET /r/{invite}/files/{file}`.
pub async fn party_file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((invite, file)): Path<(String, i64)>,
) -> PageResult {
    let (d, _, place, _) = party_place(&s, &headers, &invite).await?;
    Ok(file_response(s.store.mediation().room_file(d.id, file, place.member).await?))
}
