//! Encryption of personal data at rest. 身份证号 and phone numbers are stored as
//! XChaCha20-Poly1305 ciphertext (random nonce per value) next to a keyed blind index
//! (HMAC-SHA256) for exact-match search and the masked form shown on screen. Both working keys
//! are derived from one 32-byte master key, which comes from config or a 0600 key file.

use crate::error::StoreError;
use chacha20poly1305::aead::{Aead, Generate, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

const NONCE_LEN: usize = 24;

pub struct PiiKey {
    cipher: XChaCha20Poly1305,
    index_key: [u8; 32],
    /// Keys the audit chain (issue 9, item 6): outside the database, like the others.
    chain_key: tongxin_domain::kernel::audit::ChainKey,
    /// A one-way value that identifies the master key, kept in the database (issue 9, R2).
    check_value: String,
}

impl fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PiiKey(..)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master).expect("any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl PiiKey {
    pub fn from_master(master: &[u8; 32]) -> PiiKey {
        let enc = derive(master, "tongxin/pii/encryption/v1");
        PiiKey {
            cipher: XChaCha20Poly1305::new_from_slice(&enc).expect("32-byte key"),
            index_key: derive(master, "tongxin/pii/blind-index/v1"),
            chain_key: tongxin_domain::kernel::audit::ChainKey::new(derive(master, "tongxin/audit/chain/v1")),
            check_value: data_encoding::HEXLOWER.encode(&derive(master, "tongxin/pii/key-check/v1")),
        }
    }

    pub fn chain_key(&self) -> &tongxin_domain::kernel::audit::ChainKey {
        &self.chain_key
    }

    /// HMAC of a fixed label under the master key: stored at first use, compared at every
    /// start, so a restored database never meets a different key unnoticed. It reveals nothing
    /// of the key.
    pub fn check_value(&self) -> &str {
        &self.check_value
    }

    /// Parses a master key written as 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<PiiKey, StoreError> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| StoreError::Invalid("个人信息加密密钥应为 64 位十六进制数".into()))?;
        Ok(PiiKey::from_master(&bytes))
    }

    /// A fresh random master key as hex, for first runs.
    pub fn generate_hex() -> String {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        data_encoding::HEXLOWER.encode(&key)
    }

    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let nonce = XNonce::generate();
        let mut out = nonce.to_vec();
        out.extend(self.cipher.encrypt(&nonce, plaintext.as_bytes()).expect("short plaintext"));
        out
    }

    pub fn decrypt(&self, blob: &[u8]) -> Result<String, StoreError> {
        let broken = || StoreError::unavailable("个人信息解密失败：密钥不匹配或数据已损坏");
        if blob.len() < NONCE_LEN {
            return Err(broken());
        }
        let nonce = XNonce::try_from(&blob[..NONCE_LEN]).map_err(|_| broken())?;
        let plain = self.cipher.decrypt(&nonce, &blob[NONCE_LEN..]).map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }

    /// The secret of a case's private follow link, derived from its tracking code, so the link
    /// can be given again (to a duplicate report) without storing it.
    pub fn follow_token(&self, code: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(b"follow:");
        mac.update(code.as_bytes());
        data_encoding::BASE64URL_NOPAD.encode(&mac.finalize().into_bytes()[..16])
    }

    /// The follow token of a case's `requester`-th reporter (issue 9 item 2): the first keeps the
    /// case's original token; each later reporter of the same matter (a merged duplicate) gets a
    /// token of their own, `<mac>.<n>`, so no reporter can follow with another's link.
    pub fn requester_token(&self, code: &str, requester: u32) -> String {
        if requester <= 1 {
            return self.follow_token(code);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(b"follow:");
        mac.update(code.as_bytes());
        mac.update(format!(":{requester}").as_bytes());
        format!("{}.{requester}", data_encoding::BASE64URL_NOPAD.encode(&mac.finalize().into_bytes()[..16]))
    }

    /// Keyed digest for equality search; 16 bytes keep the index small and collisions negligible.
    pub fn blind_index(&self, value: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }
}

/// The settings row holding [`PiiKey::check_value`].
pub const KEY_CHECK_SETTING: &str = "pii_key_check";

/// How the key met the database at start (issue 9, R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// A database without personal data: the key's check value is now stored.
    Created,
    /// The stored check value is this key's.
    Matched,
    /// A database from before check values: this key decrypts its data, and is now recorded.
    Adopted,
    /// The database belongs to another key: nothing may be read or written with this one.
    Mismatch,
}

/// Tables with data encrypted (or follow tokens derived) under the key.
const CIPHER_SAMPLES: [&str; 4] = [
    "SELECT id_cipher FROM residents LIMIT 1",
    "SELECT phone_cipher FROM residents WHERE phone_cipher IS NOT NULL LIMIT 1",
    "SELECT phone_cipher FROM grid_team_members WHERE phone_cipher IS NOT NULL LIMIT 1",
    "SELECT phone_cipher FROM cases WHERE phone_cipher IS NOT NULL LIMIT 1",
];

/// Whether this database is bound to some key already: a stored check value or any encrypted
/// value. A missing key file must then be restored, not made anew.
pub async fn key_in_use(db: &crate::Db) -> Result<bool, StoreError> {
    Ok(stored_check_value(db).await?.is_some() || cipher_sample(db).await?.is_some())
}

async fn stored_check_value(db: &crate::Db) -> Result<Option<String>, StoreError> {
    Ok(crate::on_read!(db, |p| sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(KEY_CHECK_SETTING)
        .fetch_optional(p)
        .await)?)
}

async fn cipher_sample(db: &crate::Db) -> Result<Option<Vec<u8>>, StoreError> {
    for sql in CIPHER_SAMPLES {
        let blob: Option<Vec<u8>> = crate::on_read!(db, |p| sqlx::query_scalar(sql).fetch_optional(p).await)?;
        if blob.is_some() {
            return Ok(blob);
        }
    }
    Ok(None)
}

impl crate::Store {
    /// Compares the key with the database's check value, storing it at first use (or, for a
    /// database from before check values, once a stored value decrypts). Run at every start;
    /// [`KeyCheck::Mismatch`] must stop the process.
    pub async fn check_pii_key(&self) -> Result<KeyCheck, StoreError> {
        let mine = self.pii().check_value();
        if let Some(stored) = stored_check_value(&self.db).await? {
            return Ok(if stored == mine { KeyCheck::Matched } else { KeyCheck::Mismatch });
        }
        let outcome = match cipher_sample(&self.db).await? {
            Some(blob) if self.pii().decrypt(&blob).is_err() => return Ok(KeyCheck::Mismatch),
            Some(_) => KeyCheck::Adopted,
            None => KeyCheck::Created,
        };
        // Two processes starting at once: the first value stored wins, the other compares.
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        let mut tx = self.db.begin().await?;
        crate::on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(KEY_CHECK_SETTING)
            .bind(mine)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        match stored_check_value(&self.db).await?.as_deref() {
            Some(v) if v == mine => Ok(outcome),
            _ => Ok(KeyCheck::Mismatch),
        }
    }
}

/// Equal bytes, compared in constant time (one-time codes and session tokens).
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = PiiKey::from_hex(&PiiKey::generate_hex()).unwrap();
        let a = key.encrypt("330702199001011234");
        let b = key.encrypt("330702199001011234");
        assert_ne!(a, b, "random nonces");
        assert_eq!(key.decrypt(&a).unwrap(), "330702199001011234");
        assert_eq!(key.blind_index("13812345678"), key.blind_index("13812345678"));
        let mut bad = a.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(key.decrypt(&bad).is_err());
        let other = PiiKey::from_hex(&PiiKey::generate_hex()).unwrap();
        assert!(other.decrypt(&a).is_err());
        assert!(PiiKey::from_hex("abc").is_err());
    }
}
