//! Finding a case again (issue 11 item 5): one-time codes sent by SMS, the short session a right
//! code opens, and 我的诉求 — every case of one phone, found through its blind index. The rules
//! (lifetime, tries, one answer for every failure) are `tongxin_domain::case::follow`.
//!
//! Codes and session tokens are stored only as keyed digests (`PiiKey::blind_index`), so a copy
//! of the database reveals neither. Every code sent, every try and every session is audited.

use super::outbox::requester_recipient;
use crate::audit::{AuditEntry, append_many};
use crate::error::StoreError;
use crate::pii::same_bytes;
use crate::{Actor, on_read, on_tx};
use chrono::{DateTime, Utc};
use rand::RngExt;
use tongxin_domain::case::follow::{self, CodeCheck, IssuedCode};
use tongxin_domain::kernel::phone::Phone;

repository!(
    /// One-time codes and sessions of residents finding their cases again.
    Follow,
    follow
);

/// A reporter of a case: the case and the reporter's number on it (1 = the first reporter,
/// 2, 3 … the reporters of a duplicate), which picks their own follow token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reporter {
    pub case_id: i64,
    pub requester: u32,
}

/// One case of 我的诉求.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhoneCase {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// This phone's reporter number on the case (for its own follow token).
    pub requester: i64,
}

fn actor() -> Actor {
    Actor { user_id: None, name: "诉求人".into() }
}

impl Follow<'_> {
    fn code_hash(&self, phone_hmac: &[u8], code: &str) -> Vec<u8> {
        let key = data_encoding::HEXLOWER.encode(phone_hmac);
        self.store.pii().blind_index(&format!("follow-code:{key}:{}", code.trim()))
    }

    fn token_hash(&self, token: &str) -> Vec<u8> {
        self.store.pii().blind_index(&format!("follow-session:{token}"))
    }

    /// The reporter of the case with this tracking code whose number is `phone`, if any.
    pub async fn reporter(&self, code: &str, phone: &Phone) -> Result<Option<Reporter>, StoreError> {
        let hmac = self.store.pii().blind_index(phone.as_str());
        let sql = "SELECT id, 1 AS n FROM cases WHERE code = $1 AND phone_hmac = $2 \
                   UNION ALL SELECT r.case_id, r.n FROM case_requesters r JOIN cases c ON c.id = r.case_id \
                   WHERE c.code = $1 AND r.phone_hmac = $2 ORDER BY n LIMIT 1";
        let row: Option<(i64, i64)> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(code).bind(&hmac).fetch_optional(p).await)?;
        Ok(row.map(|(case_id, n)| Reporter { case_id, requester: u32::try_from(n).unwrap_or(1) }))
    }

    /// Issues a fresh one-time code for `phone` on the reporter's case (earlier unused ones die)
    /// and queues the SMS carrying it, `text` with `{otp}` replaced — in one transaction, audited.
    pub async fn issue_code(
        &self,
        who: Reporter,
        case_code: &str,
        phone: &Phone,
        text: &str,
    ) -> Result<(), StoreError> {
        let now = self.store.now();
        let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let hmac = self.store.pii().blind_index(phone.as_str());
        let hash = self.code_hash(&hmac, &otp);
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE follow_codes SET used_at = $1 WHERE phone_hmac = $2 AND case_id = $3 AND used_at IS NULL"
        )
        .bind(now)
        .bind(&hmac)
        .bind(who.case_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO follow_codes (phone_hmac, case_id, requester, code_hash, tries, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6)"
        )
        .bind(&hmac)
        .bind(who.case_id)
        .bind(i64::from(who.requester))
        .bind(&hash)
        .bind(now)
        .bind(follow::code_expiry(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let payload = serde_json::json!({ "code": case_code, "text": text.replace("{otp}", &otp) }).to_string();
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO outbox (channel, kind, case_id, recipient, payload, created_at, available_at) \
             VALUES ('sms', 'follow_code', $1, $2, $3, $4, $4)"
        )
        .bind(who.case_id)
        .bind(requester_recipient(who.requester))
        .bind(&payload)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let entry = AuditEntry::new("case.follow_code_sent", "case", who.case_id)
            .detail(format!("找回诉求：向第 {} 位反映人发送验证码", who.requester));
        append_many(&mut tx, self.store.pii(), now, &actor(), vec![entry]).await?;
        tx.commit().await
    }

    /// Checks a typed code for `phone` on the case with this tracking code. A right, live code
    /// is used up and opens a session (its token returned); any failure is `None` — the same for
    /// a wrong code, a dead one, or no code at all — and a wrong try counts against the code.
    pub async fn verify_code(&self, case_code: &str, phone: &Phone, typed: &str) -> Result<Option<String>, StoreError> {
        let now = self.store.now();
        let hmac = self.store.pii().blind_index(phone.as_str());
        let mut tx = self.store.db.begin().await?;
        let sql = "SELECT f.id, f.case_id, f.code_hash, f.tries, f.expires_at, f.used_at FROM follow_codes f \
                   JOIN cases c ON c.id = f.case_id WHERE f.phone_hmac = $1 AND c.code = $2 ORDER BY f.id DESC LIMIT 1";
        type Row = (i64, i64, Vec<u8>, i64, DateTime<Utc>, Option<DateTime<Utc>>);
        let row: Option<Row> =
            on_tx!(&mut tx, |c| sqlx::query_as(sql).bind(&hmac).bind(case_code).fetch_optional(c).await)?;
        let Some((id, case_id, stored, tries, expires_at, used_at)) = row else {
            return Ok(None);
        };
        let matches = follow::is_code(typed) && same_bytes(&stored, &self.code_hash(&hmac, typed));
        let issued = IssuedCode { expires_at, tries, used: used_at.is_some() };
        let (entry, token) = match follow::check_code(&issued, matches, now) {
            CodeCheck::Dead => {
                (AuditEntry::new("case.follow_code_refused", "case", case_id).detail("验证码已失效"), None)
            }
            CodeCheck::Wrong => {
                on_tx!(&mut tx, |c| sqlx::query("UPDATE follow_codes SET tries = tries + 1 WHERE id = $1")
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                let detail = format!("验证码错误（第 {} 次）", tries + 1);
                (AuditEntry::new("case.follow_code_refused", "case", case_id).detail(detail), None)
            }
            CodeCheck::Accept => {
                on_tx!(&mut tx, |c| sqlx::query("UPDATE follow_codes SET used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                let mut bytes = [0u8; 24];
                rand::fill(&mut bytes);
                let token = data_encoding::BASE64URL_NOPAD.encode(&bytes);
                on_tx!(&mut tx, |c| {
                    sqlx::query(
                    "INSERT INTO follow_sessions (token_hash, phone_hmac, created_at, expires_at) VALUES ($1, $2, $3, $4)"
                )
                .bind(self.token_hash(&token))
                .bind(&hmac)
                .bind(now)
                .bind(follow::session_expiry(now))
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                })?;
                (
                    AuditEntry::new("case.follow_code_used", "case", case_id)
                        .detail("找回诉求：验证码正确，查看我的诉求"),
                    Some(token),
                )
            }
        };
        append_many(&mut tx, self.store.pii(), now, &actor(), vec![entry]).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The cases of the phone whose live session this token is (`None`: no such session, or it
    /// ended), newest first, at most `limit`.
    pub async fn session_cases(&self, token: &str, limit: i64) -> Result<Option<Vec<PhoneCase>>, StoreError> {
        if token.is_empty() || token.len() > 64 {
            return Ok(None);
        }
        let now = self.store.now();
        let sql = "SELECT phone_hmac FROM follow_sessions WHERE token_hash = $1 AND expires_at > $2";
        let hmac: Option<Vec<u8>> = on_read!(&self.store.db, |p| sqlx::query_scalar(sql)
            .bind(self.token_hash(token))
            .bind(now)
            .fetch_optional(p)
            .await)?;
        let Some(hmac) = hmac else {
            return Ok(None);
        };
        let sql = "SELECT id, code, title, status, created_at, 1 AS requester FROM cases WHERE phone_hmac = $1 \
                   UNION ALL SELECT c.id, c.code, c.title, c.status, c.created_at, r.n FROM case_requesters r \
                   JOIN cases c ON c.id = r.case_id WHERE r.phone_hmac = $1 \
                   ORDER BY created_at DESC, id DESC LIMIT $2";
        let rows: Vec<PhoneCase> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(&hmac).bind(limit).fetch_all(p).await)?;
        Ok(Some(rows))
    }

    /// Ends a session (the resident signs out).
    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM follow_sessions WHERE token_hash = $1")
            .bind(self.token_hash(token))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }
}
