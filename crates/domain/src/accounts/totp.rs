//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1, 6 digits, 30 s).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// The HOTP value for one counter.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    bin % 10u32.pow(DIGITS)
}

pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    format!("{:06}", hotp(secret, step_at(unix_seconds) as u64))
}

/// Checks a code against the current step and one step either side (clock drift); returns the
/// matching step so the caller can refuse its reuse (a step not after `last_used_step`).
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    (now - 1..=now + 1)
        .filter(|s| last_used_step.is_none_or(|last| *s > last))
        .find(|s| format!("{:06}", hotp(secret, *s as u64)) == code)
}

/// Base32 without padding, as authenticator apps expect.
pub fn encode_secret(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

pub fn decode_secret(b32: &str) -> Option<Vec<u8>> {
    data_encoding::BASE32_NOPAD.decode(b32.trim().to_ascii_uppercase().as_bytes()).ok()
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode_secret(secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        // RFC 6238 Appendix B (8-digit values; the 6-digit code is their last six digits).
        let vectors = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ];
        for (t, eight) in vectors {
            assert_eq!(code_at(secret, t), eight[2..], "t={t}");
        }
    }

    #[test]
    fn verify_window_and_replay() {
        let secret = b"12345678901234567890";
        let t = 1_700_000_000;
        let code = code_at(secret, t);
        let step = verify(secret, &code, t, None).unwrap();
        assert_eq!(verify(secret, &code, t + 30, None), Some(step));
        assert_eq!(verify(secret, &code, t + 90, None), None);
        assert_eq!(verify(secret, &code, t, Some(step)), None, "a used code is refused");
        assert_eq!(verify(secret, "12345", t, None), None);
        assert_eq!(decode_secret(&encode_secret(secret)).unwrap(), secret);
    }
}
