//! The same matter twice (《信访工作条例》arts 19 and 36).
//!
//! The matching rule, kept deliberately plain: two petitions are the *same matter* when they
//! come from the same petitioner (the identity the store supplies — a resident id or the blind
//! index of an ID number) and their requests are equal once normalised by
//! [`normalize_request`]: full-width letters and digits made half-width, ASCII letters
//! lower-cased, and every whitespace and punctuation character dropped. Nothing fuzzier: a
//! request in other words is a new matter (staff can still link it by hand).
//!
//! Given the same person's earlier petitions with their statuses, [`check`] says:
//! - one of them on the same matter is 复核终结 → [`Verdict::Closed`]: not accepted (art 36);
//! - else one on the same matter is still open (handled, or its 复查/复核 still possible) →
//!   [`Verdict::Linked`] to the earliest such: not registered again (art 19);
//! - else (none, or all ended otherwise — answered, mediated, routed, withdrawn) →
//!   [`Verdict::New`].

use super::status::Status;
use super::text::Request;
use crate::kernel::text::{self, Lines, TextError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The longest petitioner identity the store may pass.
pub const MAX_IDENTITY_CHARS: usize = 128;

/// Punctuation a request may carry that is not ASCII: CJK and general punctuation.
const WIDE_PUNCTUATION: &str = "。，、；：？！“”‘’（）《》〈〉【】〔〕［］｛｝「」『』〖〗…—–―·・～﹏￥";

/// A request reduced to what the duplicate rule compares (see the module documentation).
pub fn normalize_request(request: &str) -> String {
    request
        .chars()
        .map(|c| match c {
            // Full-width ASCII (！ to ～) to half-width.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !WIDE_PUNCTUATION.contains(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Who asks what: the key two petitions must share to be the same matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatterKey {
    identity: String,
    request: String,
}

impl MatterKey {
    /// `identity`: 1..=[`MAX_IDENTITY_CHARS`] characters on one line.
    pub fn new(identity: &str, request: &Request) -> Result<MatterKey, TextError> {
        let identity = text::required("信访人身份标识", identity, MAX_IDENTITY_CHARS, Lines::One)?;
        Ok(MatterKey { identity, request: normalize_request(request.as_str()) })
    }

    /// The normalised request.
    pub fn request(&self) -> &str {
        &self.request
    }

    /// A stable hex digest of the key (SHA-256) for a database column: equal keys, equal
    /// fingerprints. It holds no readable personal data.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.identity.as_bytes());
        h.update([0u8]);
        h.update(self.request.as_bytes());
        data_encoding::HEXLOWER.encode(&h.finalize())
    }
}

/// One earlier petition of the same person, as the store has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Existing {
    pub id: i64,
    /// Its [`MatterKey::fingerprint`].
    pub fingerprint: String,
    pub status: Status,
}

/// What to do with a new petition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Register it.
    New,
    /// The same matter is still being handled (or awaits 复查/复核): do not register it again,
    /// link it to petition `to` (art 19).
    Linked { to: i64 },
    /// The same matter went through 复核 in petition `by`: not accepted (art 36).
    Closed { by: i64 },
}

impl Verdict {
    /// What the registrar is told, in Chinese.
    pub fn message(self) -> String {
        match self {
            Verdict::New => "新信访事项，予以登记".to_string(),
            Verdict::Linked { to } => {
                format!("同一信访事项正在办理中（第{to}号），不再重复登记，已关联到该件（《信访工作条例》第十九条）")
            }
            Verdict::Closed { by } => format!(
                "同一信访事项已经复核终结（第{by}号），以同一事实和理由提出的，不再受理（《信访工作条例》第三十六条）"
            ),
        }
    }
}

/// The duplicate rule (module documentation): `Closed` before `Linked` before `New`; among
/// several matches the smallest id (the earliest petition).
pub fn check(new: &MatterKey, existing: &[Existing]) -> Verdict {
    let fingerprint = new.fingerprint();
    let same = || existing.iter().filter(|e| e.fingerprint == fingerprint);
    if let Some(by) = same().filter(|e| e.status.is_final()).map(|e| e.id).min() {
        return Verdict::Closed { by };
    }
    if let Some(to) = same().filter(|e| e.status.is_open()).map(|e| e.id).min() {
        return Verdict::Linked { to };
    }
    Verdict::New
}
