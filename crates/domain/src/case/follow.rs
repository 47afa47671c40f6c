//! Finding a case again (issue 11 item 5): a resident who lost the private follow link gives the
//! tracking code and their phone; if the phone is the case's, a one-time code goes out by SMS,
//! and the right code opens a short session showing every case of that phone (我的诉求).
//!
//! The rules here: a code is six digits, lives [`CODE_TTL_MINUTES`], is used once and allows
//! [`MAX_CODE_TRIES`] wrong tries; every failure gives the same answer, so nobody learns whether a
//! tracking code exists or which phone it belongs to.

use chrono::{DateTime, Duration, Utc};

/// How long a one-time code is valid.
pub const CODE_TTL_MINUTES: i64 = 10;
/// Wrong tries after which a code is dead.
pub const MAX_CODE_TRIES: i64 = 5;
/// How long the session opened by a code lasts.
pub const SESSION_MINUTES: i64 = 30;
/// Digits of a one-time code.
pub const CODE_DIGITS: usize = 6;

/// The one answer to every failed try (wrong, used, expired, too many tries, or no code at all).
pub const CODE_REFUSED: &str = "验证码不正确或已失效（10 分钟内有效，只能使用一次，输错 5 次后作废），请重新获取";

/// When a code issued at `now` expires.
pub fn code_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::minutes(CODE_TTL_MINUTES)
}

/// When a session opened at `now` ends.
pub fn session_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::minutes(SESSION_MINUTES)
}

/// What a resident typed is shaped like a code: six ASCII digits (spaces around are ignored).
pub fn is_code(text: &str) -> bool {
    let t = text.trim();
    t.len() == CODE_DIGITS && t.bytes().all(|b| b.is_ascii_digit())
}

/// A stored code as the check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedCode {
    pub expires_at: DateTime<Utc>,
    /// Wrong tries so far.
    pub tries: i64,
    pub used: bool,
}

/// What a try does to the stored code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right and still valid: mark it used and open a session.
    Accept,
    /// Wrong while still valid: count the try.
    Wrong,
    /// Used, expired or out of tries: nothing to count.
    Dead,
}

/// Checks a try against the latest code issued (`matches`: the typed code is that code).
pub fn check_code(code: &IssuedCode, matches: bool, now: DateTime<Utc>) -> CodeCheck {
    if code.used || now >= code.expires_at || code.tries >= MAX_CODE_TRIES {
        CodeCheck::Dead
    } else if matches {
        CodeCheck::Accept
    } else {
        CodeCheck::Wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_checks() {
        let t0 = DateTime::UNIX_EPOCH;
        let fresh = IssuedCode { expires_at: code_expiry(t0), tries: 0, used: false };
        let table = [
            (fresh, true, t0, CodeCheck::Accept),
            (fresh, false, t0, CodeCheck::Wrong),
            (fresh, true, t0 + Duration::minutes(9), CodeCheck::Accept),
            (fresh, true, t0 + Duration::minutes(10), CodeCheck::Dead),
            (IssuedCode { tries: 4, ..fresh }, true, t0, CodeCheck::Accept),
            (IssuedCode { tries: 4, ..fresh }, false, t0, CodeCheck::Wrong),
            (IssuedCode { tries: 5, ..fresh }, true, t0, CodeCheck::Dead),
            (IssuedCode { used: true, ..fresh }, true, t0, CodeCheck::Dead),
        ];
        for (code, matches, now, want) in table {
            assert_eq!(check_code(&code, matches, now), want, "{code:?} {matches} {now}");
        }
    }

    #[test]
    fn code_shape() {
        for (text, ok) in [
            ("123456", true),
            (" 012345 ", true),
            ("12345", false),
            ("1234567", false),
            ("12345a", false),
            ("１２３４５６", false),
        ] {
            assert_eq!(is_code(text), ok, "{text}");
        }
    }
}
