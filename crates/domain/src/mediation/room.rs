//! 在线调解室: the online room of one dispute, where its mediators and parties talk — "especially
//! those living in two places" (seeds; issue 12) — and where the draft agreement is confirmed.
//!
//! - Who is in it: the dispute's assigned mediators and its parties. A party joins through a
//!   private invitation link and a one-time SMS code; nobody else reads it (a party sees only
//!   their own disputes).
//! - 背靠背: besides the messages to everyone, the mediators may talk with one party alone
//!   (a [`Audience::Private`] message); the other parties never see it. A party's private
//!   message goes to the mediators only.
//! - The room is open while the dispute is being mediated (accepted, mediating, an agreement
//!   awaiting signatures); afterwards it is kept, read-only, as part of the 调解工作档案
//!   (人民调解法 art 27).
//! - The draft agreement is shared: the mediators write it (each save is a new version), each
//!   party confirms the version they read with a one-time code. A new version asks everyone again.
//!   The confirmation records who agreed to what and when; the legal signature still happens on
//!   paper (art 29) or at the court (司法确认, art 33).

use super::status::Status;
use crate::kernel::text::{Lines, TextError, required};
use serde::{Deserialize, Serialize};

/// The largest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// The largest attachment (a photo or a document), in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Attachments a room accepts, by content type: photos and the documents people send.
pub const ATTACHMENT_TYPES: [(&str, &str); 4] =
    [("image/jpeg", "照片"), ("image/png", "照片"), ("image/webp", "照片"), ("application/pdf", "文件")];

/// A member of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Member {
    /// An assigned mediator of the dispute (or the desk of the organisation holding it).
    Mediator,
    /// The party at this position of the dispute's list.
    Party { idx: u16 },
}

/// Who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Audience {
    /// Everyone in the room.
    All,
    /// 背靠背: the mediators and this party only.
    Private { idx: u16 },
}

impl Audience {
    /// The stored form: `all` or `party:N`.
    pub fn key(self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Private { idx } => format!("party:{idx}"),
        }
    }

    pub fn parse_key(s: &str) -> Option<Audience> {
        match s {
            "all" => Some(Audience::All),
            _ => s.strip_prefix("party:").and_then(|n| n.parse().ok()).map(|idx| Audience::Private { idx }),
        }
    }
}

/// Why a room refused something, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("调解已结束，调解室只能查看，不能再发言")]
    Closed,
    #[error("该纠纷尚未受理，调解室还未开放")]
    NotOpenYet,
    #[error("没有这位当事人")]
    NoSuchParty,
    #[error("只能私下联系调解员，不能私信其他当事人")]
    NotYourPrivateLine,
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("附件不能超过 10 MB")]
    AttachmentTooLarge,
    #[error("只能发送照片（JPEG、PNG、WebP）或 PDF 文件")]
    AttachmentType,
    #[error("协议草稿已更新为第 {current} 版，请阅读新版后再确认")]
    StaleDraft { current: u32 },
    #[error("还没有协议草稿")]
    NoDraft,
    #[error("您已确认过这一版协议草稿")]
    AlreadyConfirmed,
}

/// Whether members may speak in a dispute of this status (see the module's notes).
pub fn room_state(status: Status) -> Result<(), RoomError> {
    match status {
        Status::Accepted | Status::Mediating | Status::Agreed => Ok(()),
        Status::Registered => Err(RoomError::NotOpenYet),
        _ => Err(RoomError::Closed),
    }
}

/// Whether `member` reads a message for `audience`.
pub fn reads(member: Member, audience: Audience) -> bool {
    match (member, audience) {
        (Member::Mediator, _) | (_, Audience::All) => true,
        (Member::Party { idx }, Audience::Private { idx: to }) => idx == to,
    }
}

/// Checks that `member` may post to `audience` in a dispute of `status` with `parties` parties,
/// and bounds the text. A party's private line is their own (to the mediators).
pub fn check_post(
    member: Member,
    audience: Audience,
    status: Status,
    parties: usize,
    text: &str,
) -> Result<String, RoomError> {
    room_state(status)?;
    if let Audience::Private { idx } = audience {
        if usize::from(idx) >= parties {
            return Err(RoomError::NoSuchParty);
        }
        if let Member::Party { idx: me } = member
            && me != idx
        {
            return Err(RoomError::NotYourPrivateLine);
        }
    }
    if let Member::Party { idx } = member
        && usize::from(idx) >= parties
    {
        return Err(RoomError::NoSuchParty);
    }
    Ok(required("消息", text, MAX_MESSAGE_CHARS, Lines::Many)?)
}

/// Checks an attachment's size and declared content type; returns the label (照片/文件).
pub fn check_attachment(content_type: &str, len: usize) -> Result<&'static str, RoomError> {
    if len > MAX_ATTACHMENT_BYTES {
        return Err(RoomError::AttachmentTooLarge);
    }
    ATTACHMENT_TYPES.iter().find(|(t, _)| *t == content_type).map(|(_, l)| *l).ok_or(RoomError::AttachmentType)
}

/// The content type of an attachment from its first bytes (a client's claim is not trusted):
/// JPEG, PNG, WebP or PDF, anything else `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Checks that `party` may confirm version `read` of the draft whose current version is
/// `current` (`None`: no draft yet), having confirmed `confirmed` before.
pub fn check_confirmation(status: Status, current: Option<u32>, read: u32, confirmed: &[u32]) -> Result<(), RoomError> {
    room_state(status)?;
    let current = current.ok_or(RoomError::NoDraft)?;
    if read != current {
        return Err(RoomError::StaleDraft { current });
    }
    if confirmed.contains(&current) {
        return Err(RoomError::AlreadyConfirmed);
    }
    Ok(())
}

/// Whether every party confirmed the current version of the draft.
pub fn all_confirmed(parties: usize, current: Option<u32>, confirmations: &[(u16, u32)]) -> bool {
    let Some(current) = current else { return false };
    parties > 0 && (0..parties).all(|i| confirmations.iter().any(|&(p, v)| usize::from(p) == i && v == current))
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Member = Member::Mediator;
    const P0: Member = Member::Party { idx: 0 };
    const P1: Member = Member::Party { idx: 1 };

    #[test]
    fn a_private_message_reaches_the_mediators_and_its_party_only() {
        // (reader, audience, reads)
        let table = [
            (M, Audience::All, true),
            (P0, Audience::All, true),
            (M, Audience::Private { idx: 1 }, true),
            (P1, Audience::Private { idx: 1 }, true),
            (P0, Audience::Private { idx: 1 }, false),
            (P1, Audience::Private { idx: 0 }, false),
        ];
        for (member, audience, want) in table {
            assert_eq!(reads(member, audience), want, "{member:?} reading {audience:?}");
        }
    }

    #[test]
    fn who_may_post_where() {
        let ok = |m, a| check_post(m, a, Status::Mediating, 2, "您好");
        assert!(ok(M, Audience::All).is_ok());
        assert!(ok(M, Audience::Private { idx: 1 }).is_ok());
        assert!(ok(P0, Audience::Private { idx: 0 }).is_ok(), "a party's own private line");
        assert_eq!(ok(P0, Audience::Private { idx: 1 }), Err(RoomError::NotYourPrivateLine));
        assert_eq!(ok(M, Audience::Private { idx: 2 }), Err(RoomError::NoSuchParty));
        assert_eq!(ok(Member::Party { idx: 5 }, Audience::All), Err(RoomError::NoSuchParty));
    }

    #[test]
    fn the_room_is_open_while_mediating_and_read_only_after() {
        for &s in Status::ALL {
            let got = check_post(M, Audience::All, s, 2, "您好");
            let open = matches!(s, Status::Accepted | Status::Mediating | Status::Agreed);
            assert_eq!(got.is_ok(), open, "{s:?}");
        }
        assert_eq!(room_state(Status::Registered), Err(RoomError::NotOpenYet));
        assert_eq!(room_state(Status::Closed), Err(RoomError::Closed));
    }

    #[test]
    fn messages_are_bounded_texts() {
        assert!(matches!(check_post(M, Audience::All, Status::Mediating, 2, "  "), Err(RoomError::Text(_))));
        let long = "字".repeat(MAX_MESSAGE_CHARS + 1);
        assert!(matches!(check_post(M, Audience::All, Status::Mediating, 2, &long), Err(RoomError::Text(_))));
        assert!(matches!(check_post(M, Audience::All, Status::Mediating, 2, "a\u{0}b"), Err(RoomError::Text(_))));
        assert_eq!(check_post(M, Audience::All, Status::Mediating, 2, " 第一行\n第二行 ").unwrap(), "第一行\n第二行");
    }

    #[test]
    fn attachments_are_photos_or_pdfs_up_to_ten_megabytes() {
        assert_eq!(check_attachment("image/jpeg", 1000), Ok("照片"));
        assert_eq!(check_attachment("application/pdf", MAX_ATTACHMENT_BYTES), Ok("文件"));
        assert_eq!(check_attachment("application/pdf", MAX_ATTACHMENT_BYTES + 1), Err(RoomError::AttachmentTooLarge));
        assert_eq!(check_attachment("text/html", 10), Err(RoomError::AttachmentType));
        assert_eq!(check_attachment("image/svg+xml", 10), Err(RoomError::AttachmentType));
    }

    #[test]
    fn attachments_are_known_by_their_bytes() {
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"RIFF"), None);
    }

    #[test]
    fn a_party_confirms_the_current_draft_once_and_a_new_version_asks_again() {
        let s = Status::Mediating;
        assert_eq!(check_confirmation(s, None, 1, &[]), Err(RoomError::NoDraft));
        assert_eq!(check_confirmation(s, Some(2), 1, &[]), Err(RoomError::StaleDraft { current: 2 }));
        assert_eq!(check_confirmation(s, Some(2), 2, &[1]), Ok(()));
        assert_eq!(check_confirmation(s, Some(2), 2, &[1, 2]), Err(RoomError::AlreadyConfirmed));
        assert_eq!(check_confirmation(Status::Failed, Some(2), 2, &[]), Err(RoomError::Closed));
        assert!(!all_confirmed(2, Some(2), &[(0, 2), (1, 1)]), "party 1 confirmed an old version");
        assert!(all_confirmed(2, Some(2), &[(0, 2), (1, 1), (1, 2)]));
        assert!(!all_confirmed(2, None, &[]));
        assert!(!all_confirmed(0, Some(1), &[]));
    }

    #[test]
    fn audiences_round_trip_their_stored_form() {
        for a in [Audience::All, Audience::Private { idx: 0 }, Audience::Private { idx: 12 }] {
            assert_eq!(Audience::parse_key(&a.key()), Some(a));
        }
        assert_eq!(Audience::parse_key("party:x"), None);
        assert_eq!(Audience::parse_key("everyone"), None);
    }
}
