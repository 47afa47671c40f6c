//! 在线调解室 (domain `mediation::room`): its messages and attachments, the shared draft
//! agreement by version, the parties' confirmations, and the one-time codes and sessions of
//! parties who join by SMS.
//!
//! What a member reads is decided here in SQL by the domain's rule ([`room::reads`]): the
//! mediators every message, a party the messages to everyone and their own private line. An
//! attachment is served only to a member who reads the message carrying it. The callers (app
//! use-cases) check who may post and the dispute's status with the domain first; the room keeps
//! no state that a decision could contradict, so each write is one statement or one
//! transaction.

use super::Mediation;
use crate::audit::{AuditEntry, append_many};
use crate::error::StoreError;
use crate::pii::same_bytes;
use crate::{Actor, on_read, on_tx};
use chrono::{DateTime, Utc};
use rand::RngExt;
use tongxin_domain::case::follow::{self, CodeCheck, IssuedCode};
use tongxin_domain::mediation::room::{self, Audience, Member};

/// One message as a member reads it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct RoomMessage {
    pub id: i64,
    pub dispute_id: i64,
    /// `mediator`, `party` or `system`.
    pub author_kind: String,
    pub author_idx: Option<i64>,
    pub author_name: String,
    /// `all` or `party:N` (domain `Audience::key`).
    pub audience: String,
    pub body: String,
    pub file_id: Option<i64>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub at: DateTime<Utc>,
}

impl RoomMessage {
    /// The audience, decoded (a stored value that does not decode reads as private to nobody).
    pub fn audience(&self) -> Option<Audience> {
        Audience::parse_key(&self.audience)
    }
}

/// Who writes a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomAuthor {
    /// `None`: the room itself (a new draft, a confirmation, someone joining).
    pub member: Option<Member>,
    /// The mediator's or the party's name as the room shows it (a party's name masked by the
    /// caller where others read it).
    pub name: String,
}

/// An attachment to store with a message (checked by the domain before).
#[derive(Debug, Clone)]
pub struct NewRoomFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A stored attachment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoomFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The current draft agreement.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct RoomDraft {
    pub version: i64,
    pub body: String,
    pub author_name: String,
    pub at: DateTime<Utc>,
}

/// One party's confirmation of one version.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct RoomConfirmation {
    pub idx: i64,
    pub version: i64,
    pub at: DateTime<Utc>,
}

/// What a one-time code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// To join the room (opens a party session).
    Join,
    /// To confirm this version of the draft agreement.
    Confirm { version: i64 },
}

impl CodePurpose {
    fn key(self) -> &'static str {
        match self {
            CodePurpose::Join => "join",
            CodePurpose::Confirm { .. } => "confirm",
        }
    }

    fn version(self) -> Option<i64> {
        match self {
            CodePurpose::Join => None,
            CodePurpose::Confirm { version } => Some(version),
        }
    }
}

/// A party's live session in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomSession {
    pub dispute_id: i64,
    pub idx: u16,
}

/// How long a party's room session lasts (a mediation session is an afternoon, not a week).
pub const ROOM_SESSION_HOURS: i64 = 8;

/// The SMS recipient key of a dispute's party (resolved to the party's number at delivery).
pub fn party_recipient(dispute_id: i64, idx: u16) -> String {
    format!("dispute_party:{dispute_id}:{idx}")
}

const MESSAGE_COLS: &str = "m.id, m.dispute_id, m.author_kind, m.author_idx, m.author_name, m.audience, m.body, \
     m.file_id, f.name AS file_name, f.content_type AS file_type, m.at";

/// The audiences `member` reads, as the SQL list bound at `$n` (mediators: every audience).
fn audience_filter(member: Member, n: usize) -> (String, Option<String>) {
    match member {
        Member::Mediator => ("TRUE".into(), None),
        Member::Party { idx } => (format!("m.audience IN ('all', ${n})"), Some(Audience::Private { idx }.key())),
    }
}

impl Mediation<'_> {
    /// Posts a message (and its attachment) in one transaction; returns it as stored.
    pub async fn room_post(
        &self,
        dispute_id: i64,
        author: &RoomAuthor,
        audience: Audience,
        body: &str,
        file: Option<NewRoomFile>,
    ) -> Result<RoomMessage, StoreError> {
        let now = self.store.now();
        let (kind, idx) = match author.member {
            None => ("system", None),
            Some(Member::Mediator) => ("mediator", None),
            Some(Member::Party { idx }) => ("party", Some(i64::from(idx))),
        };
        let mut tx = self.store.db.begin().await?;
        let file_id: Option<i64> = match &file {
            Some(f) => Some(on_tx!(&mut tx, |c| sqlx::query_scalar(
                "INSERT INTO room_files (dispute_id, name, content_type, size, bytes, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
            )
            .bind(dispute_id)
            .bind(&f.name)
            .bind(&f.content_type)
            .bind(i64::try_from(f.bytes.len()).unwrap_or(i64::MAX))
            .bind(&f.bytes)
            .bind(now)
            .fetch_one(c)
            .await)?),
            None => None,
        };
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO room_messages (dispute_id, author_kind, author_idx, author_name, audience, body, file_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(dispute_id)
        .bind(kind)
        .bind(idx)
        .bind(&author.name)
        .bind(audience.key())
        .bind(body)
        .bind(file_id)
        .bind(now)
        .fetch_one(c)
        .await
        })?;
        tx.commit().await?;
        Ok(RoomMessage {
            id,
            dispute_id,
            author_kind: kind.into(),
            author_idx: idx,
            author_name: author.name.clone(),
            audience: audience.key(),
            body: body.into(),
            file_id,
            file_name: file.as_ref().map(|f| f.name.clone()),
            file_type: file.map(|f| f.content_type),
            at: now,
        })
    }

    /// The messages `member` reads after message `after`, oldest first, at most `limit`.
    pub async fn room_messages(
        &self,
        dispute_id: i64,
        member: Member,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RoomMessage>, StoreError> {
        let (filter, private) = audience_filter(member, 4);
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM room_messages m LEFT JOIN room_files f ON f.id = m.file_id \
             WHERE m.dispute_id = $1 AND m.id > $2 AND {filter} ORDER BY m.id LIMIT $3"
        );
        Ok(on_read!(&self.store.db, |p| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(dispute_id).bind(after).bind(limit);
            match &private {
                Some(a) => q.bind(a.clone()),
                None => q,
            }
            .fetch_all(p)
            .await
        })?)
    }

    /// The latest `limit` messages `member` reads, oldest first (a room's first screen).
    pub async fn room_recent(
        &self,
        dispute_id: i64,
        member: Member,
        limit: i64,
    ) -> Result<Vec<RoomMessage>, StoreError> {
        let (filter, private) = audience_filter(member, 3);
        let sql = format!(
            "SELECT * FROM (SELECT {MESSAGE_COLS} FROM room_messages m LEFT JOIN room_files f ON f.id = m.file_id \
             WHERE m.dispute_id = $1 AND {filter} ORDER BY m.id DESC LIMIT $2) recent ORDER BY id"
        );
        Ok(on_read!(&self.store.db, |p| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(dispute_id).bind(limit);
            match &private {
                Some(a) => q.bind(a.clone()),
                None => q,
            }
            .fetch_all(p)
            .await
        })?)
    }

    /// An attachment, for a member who reads the message carrying it; otherwise `NotFound`.
    pub async fn room_file(&self, dispute_id: i64, file_id: i64, member: Member) -> Result<RoomFile, StoreError> {
        let (filter, private) = audience_filter(member, 3);
        let sql = format!(
            "SELECT f.name, f.content_type, f.bytes FROM room_files f JOIN room_messages m ON m.file_id = f.id \
             WHERE f.dispute_id = $1 AND f.id = $2 AND {filter} LIMIT 1"
        );
        let row: Option<RoomFile> = on_read!(&self.store.db, |p| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(dispute_id).bind(file_id);
            match &private {
                Some(a) => q.bind(a.clone()),
                None => q,
            }
            .fetch_optional(p)
            .await
        })?;
        row.ok_or(StoreError::NotFound)
    }

    /// Saves a new version of the draft agreement (audited); returns its version.
    pub async fn room_save_draft(
        &self,
        actor: &Actor,
        dispute_id: i64,
        code: &str,
        body: &str,
    ) -> Result<i64, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let version: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO room_drafts (dispute_id, version, body, author_name, at) \
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM room_drafts WHERE dispute_id = $1 \
             RETURNING version"
        )
        .bind(dispute_id)
        .bind(body)
        .bind(&actor.name)
        .bind(now)
        .fetch_one(c)
        .await)?;
        let entry = AuditEntry::new("dispute.room_draft", "dispute", dispute_id)
            .detail(format!("{code}：协议草稿第 {version} 版"));
        append_many(&mut tx, self.store.pii(), now, actor, vec![entry]).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The current draft agreement, if any.
    pub async fn room_draft(&self, dispute_id: i64) -> Result<Option<RoomDraft>, StoreError> {
        let sql = "SELECT version, body, author_name, at FROM room_drafts WHERE dispute_id = $1 \
                   ORDER BY version DESC LIMIT 1";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(dispute_id).fetch_optional(p).await)?)
    }

    /// Every confirmation of every version, in order.
    pub async fn room_confirmations(&self, dispute_id: i64) -> Result<Vec<RoomConfirmation>, StoreError> {
        let sql = "SELECT idx, version, at FROM room_confirmations WHERE dispute_id = $1 ORDER BY at, idx";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(dispute_id).fetch_all(p).await)?)
    }

    fn room_code_hash(&self, dispute_id: i64, idx: u16, code: &str) -> Vec<u8> {
        self.store.pii().blind_index(&format!("room-code:{dispute_id}:{idx}:{}", code.trim()))
    }

    fn room_token_hash(&self, token: &str) -> Vec<u8> {
        self.store.pii().blind_index(&format!("room-session:{token}"))
    }

    /// Issues a fresh one-time code for a party (earlier unused ones of the same purpose die)
    /// and queues the SMS carrying it — `text` with `{otp}` replaced — to the party's number,
    /// in one transaction, audited.
    pub async fn room_issue_code(
        &self,
        dispute_id: i64,
        code: &str,
        idx: u16,
        purpose: CodePurpose,
        text: &str,
    ) -> Result<(), StoreError> {
        let now = self.store.now();
        let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE room_codes SET used_at = $1 WHERE dispute_id = $2 AND idx = $3 AND purpose = $4 AND used_at IS NULL"
        )
        .bind(now)
        .bind(dispute_id)
        .bind(i64::from(idx))
        .bind(purpose.key())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO room_codes (dispute_id, idx, purpose, version, code_hash, tries, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7)"
        )
        .bind(dispute_id)
        .bind(i64::from(idx))
        .bind(purpose.key())
        .bind(purpose.version())
        .bind(self.room_code_hash(dispute_id, idx, &otp))
        .bind(now)
        .bind(follow::code_expiry(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let payload = serde_json::json!({ "code": code, "text": text.replace("{otp}", &otp) }).to_string();
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO outbox (channel, kind, case_id, recipient, payload, created_at, available_at) \
             VALUES ('sms', 'room_code', NULL, $1, $2, $3, $3)"
        )
        .bind(party_recipient(dispute_id, idx))
        .bind(&payload)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let what = match purpose {
            CodePurpose::Join => "进入在线调解室".to_string(),
            CodePurpose::Confirm { version } => format!("确认协议草稿第 {version} 版"),
        };
        let entry = AuditEntry::new("dispute.room_code_sent", "dispute", dispute_id)
            .detail(format!("{code}：向第 {} 位当事人发送验证码（{what}）", idx + 1));
        append_many(&mut tx, self.store.pii(), now, &party_actor(idx), vec![entry]).await?;
        tx.commit().await
    }

    /// The newest message id of every room (a live feed opened "from now" starts after it).
    pub async fn room_last_message_id(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COALESCE(MAX(id), 0) FROM room_messages";
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar(sql).fetch_one(p).await)?)
    }

    /// The text of the latest SMS queued to a party (the demo's 短信发件箱 shows the same; the
    /// room benchmark reads its codes from here, as a party reads them from the phone).
    pub async fn last_text_to_party(&self, dispute_id: i64, idx: u16) -> Result<Option<String>, StoreError> {
        let sql = "SELECT payload FROM outbox WHERE recipient = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1";
        let payload: Option<String> = on_read!(&self.store.db, |p| sqlx::query_scalar(sql)
            .bind(party_recipient(dispute_id, idx))
            .fetch_optional(p)
            .await)?;
        Ok(payload.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok()?["text"].as_str().map(String::from)))
    }

    /// Queues the invitation SMS (carrying the party's private link) to a party, audited.
    pub async fn room_invite(
        &self,
        dispute_id: i64,
        code: &str,
        idx: u16,
        text: &str,
        by: &crate::accounts::User,
    ) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let payload = serde_json::json!({ "code": code, "text": text }).to_string();
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO outbox (channel, kind, case_id, recipient, payload, created_at, available_at) \
             VALUES ('sms', 'room_invite', NULL, $1, $2, $3, $3)"
        )
        .bind(party_recipient(dispute_id, idx))
        .bind(&payload)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let entry = AuditEntry::new("dispute.room_invited", "dispute", dispute_id)
            .detail(format!("{code}：邀请第 {} 位当事人进入在线调解室", idx + 1));
        let actor = Actor { user_id: Some(by.id), name: by.username.clone() };
        append_many(&mut tx, self.store.pii(), now, &actor, vec![entry]).await?;
        tx.commit().await
    }

    /// Checks a typed code against the party's latest code of that purpose, counting a wrong
    /// try: `true` for a right, live one, used up here; every failure — wrong, dead, another
    /// version's, or no code — is `false`, and audited.
    async fn room_use_code(
        &self,
        tx: &mut crate::db::Tx,
        dispute_id: i64,
        code: &str,
        idx: u16,
        purpose: CodePurpose,
        typed: &str,
    ) -> Result<bool, StoreError> {
        let now = self.store.now();
        let sql = "SELECT id, code_hash, tries, expires_at, used_at, version FROM room_codes \
                   WHERE dispute_id = $1 AND idx = $2 AND purpose = $3 ORDER BY id DESC LIMIT 1";
        type Row = (i64, Vec<u8>, i64, DateTime<Utc>, Option<DateTime<Utc>>, Option<i64>);
        let row: Option<Row> = on_tx!(tx, |c| sqlx::query_as(sql)
            .bind(dispute_id)
            .bind(i64::from(idx))
            .bind(purpose.key())
            .fetch_optional(c)
            .await)?;
        let refused = |detail: String| {
            AuditEntry::new("dispute.room_code_refused", "dispute", dispute_id)
                .detail(format!("{code}：第 {} 位当事人{detail}", idx + 1))
        };
        let Some((id, stored, tries, expires_at, used_at, version)) = row else {
            append_many(tx, self.store.pii(), now, &party_actor(idx), vec![refused("未获取验证码".into())]).await?;
            return Ok(false);
        };
        // A confirmation code is for one version only.
        let matches = follow::is_code(typed)
            && version == purpose.version()
            && same_bytes(&stored, &self.room_code_hash(dispute_id, idx, typed));
        let issued = IssuedCode { expires_at, tries, used: used_at.is_some() };
        match follow::check_code(&issued, matches, now) {
            CodeCheck::Dead => {
                append_many(tx, self.store.pii(), now, &party_actor(idx), vec![refused("验证码已失效".into())]).await?;
                Ok(false)
            }
            CodeCheck::Wrong => {
                on_tx!(tx, |c| sqlx::query("UPDATE room_codes SET tries = tries + 1 WHERE id = $1")
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                let entry = refused(format!("验证码错误（第 {} 次）", tries + 1));
                append_many(tx, self.store.pii(), now, &party_actor(idx), vec![entry]).await?;
                Ok(false)
            }
            CodeCheck::Accept => {
                on_tx!(tx, |c| sqlx::query("UPDATE room_codes SET used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                Ok(true)
            }
        }
    }

    /// A party joins with the code sent to their phone: a right code opens a session in this
    /// dispute's room (its token returned, for a cookie); any failure is `None`.
    pub async fn room_join(
        &self,
        dispute_id: i64,
        code: &str,
        idx: u16,
        typed: &str,
    ) -> Result<Option<String>, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        if !self.room_use_code(&mut tx, dispute_id, code, idx, CodePurpose::Join, typed).await? {
            tx.commit().await?;
            return Ok(None);
        }
        let mut bytes = [0u8; 24];
        rand::fill(&mut bytes);
        let token = data_encoding::BASE64URL_NOPAD.encode(&bytes);
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO room_sessions (token_hash, dispute_id, idx, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(self.room_token_hash(&token))
        .bind(dispute_id)
        .bind(i64::from(idx))
        .bind(now)
        .bind(now + chrono::Duration::hours(ROOM_SESSION_HOURS))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        let entry = AuditEntry::new("dispute.room_joined", "dispute", dispute_id)
            .detail(format!("{code}：第 {} 位当事人凭短信验证码进入在线调解室", idx + 1));
        append_many(&mut tx, self.store.pii(), now, &party_actor(idx), vec![entry]).await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// The live room session of this token, if any.
    pub async fn room_session(&self, token: &str) -> Result<Option<RoomSession>, StoreError> {
        if token.is_empty() || token.len() > 64 {
            return Ok(None);
        }
        let sql = "SELECT dispute_id, idx FROM room_sessions WHERE token_hash = $1 AND expires_at > $2";
        let row: Option<(i64, i64)> = on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(self.room_token_hash(token))
            .bind(self.store.now())
            .fetch_optional(p)
            .await)?;
        Ok(row.and_then(|(dispute_id, idx)| Some(RoomSession { dispute_id, idx: u16::try_from(idx).ok()? })))
    }

    /// Ends a room session (leaving the room on a shared phone).
    pub async fn room_leave(&self, token: &str) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM room_sessions WHERE token_hash = $1")
            .bind(self.room_token_hash(token))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// A party confirms `version` of the draft with the code sent for it. Recorded only while
    /// that version is still the current one (checked in the same transaction as the write):
    /// `Ok(true)` when recorded, `Ok(false)` for a wrong or dead code; a newer draft is a conflict.
    pub async fn room_confirm(
        &self,
        dispute_id: i64,
        code: &str,
        idx: u16,
        version: i64,
        typed: &str,
    ) -> Result<bool, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        if !self.room_use_code(&mut tx, dispute_id, code, idx, CodePurpose::Confirm { version }, typed).await? {
            tx.commit().await?;
            return Ok(false);
        }
        let recorded = on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO room_confirmations (dispute_id, idx, version, at) \
             SELECT $1, $2, $3, $4 WHERE $3 = (SELECT MAX(version) FROM room_drafts WHERE dispute_id = $1) \
             ON CONFLICT DO NOTHING"
        )
        .bind(dispute_id)
        .bind(i64::from(idx))
        .bind(version)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if recorded == 0 {
            // The code is spent either way: a newer version asks for a new one.
            tx.commit().await?;
            return Err(StoreError::Conflict("协议草稿已更新，请阅读新版后重新确认".into()));
        }
        let entry = AuditEntry::new("dispute.room_confirmed", "dispute", dispute_id)
            .detail(format!("{code}：第 {} 位当事人以短信验证码确认协议草稿第 {version} 版", idx + 1));
        append_many(&mut tx, self.store.pii(), now, &party_actor(idx), vec![entry]).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The dispute and party of an SMS recipient key written by [`party_recipient`].
pub fn parse_party_recipient(recipient: &str) -> Option<(i64, u16)> {
    let rest = recipient.strip_prefix("dispute_party:")?;
    let (d, i) = rest.split_once(':')?;
    Some((d.parse().ok()?, i.parse().ok()?))
}

impl Mediation<'_> {
    /// Dispute parties' numbers in clear for a batch of text messages (`(dispute, party,
    /// outbox_id)`), keyed by `(dispute, party)`; `None` where the party left no number, absent
    /// where there is no such party. Every use is audited first, in one transaction.
    pub async fn party_phones(
        &self,
        items: &[(i64, u16, i64)],
    ) -> Result<std::collections::HashMap<(i64, u16), Option<String>>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for (dispute_id, idx, _) in items {
            let sql = "SELECT phone_cipher FROM dispute_parties WHERE dispute_id = $1 AND idx = $2";
            let row: Option<(Option<Vec<u8>>,)> = on_read!(&self.store.db, |p| sqlx::query_as(sql)
                .bind(*dispute_id)
                .bind(i64::from(*idx))
                .fetch_optional(p)
                .await)?;
            if let Some((cipher,)) = row {
                found.insert((*dispute_id, *idx), cipher);
            }
        }
        let entries: Vec<AuditEntry> = items
            .iter()
            .filter(|(d, i, _)| matches!(found.get(&(*d, *i)), Some(Some(_))))
            .map(|(d, i, outbox_id)| {
                AuditEntry::new("dispute.phone_use", "dispute", d)
                    .detail(format!("向第 {} 位当事人发送短信（消息 {outbox_id}）", i + 1))
            })
            .collect();
        if !entries.is_empty() {
            let now = self.store.now();
            let mut tx = self.store.db.begin().await?;
            append_many(&mut tx, self.store.pii(), now, &Actor::system("jobs"), entries).await?;
            tx.commit().await?;
        }
        found.into_iter().map(|(k, c)| Ok((k, c.map(|c| self.store.pii().decrypt(&c)).transpose()?))).collect()
    }
}

/// The audit actor of a party (no account).
fn party_actor(idx: u16) -> Actor {
    Actor { user_id: None, name: format!("第 {} 位当事人", idx + 1) }
}

/// Whether `member` reads a stored message (the same rule as the SQL filter, for the live feed).
pub fn member_reads(member: Member, message: &RoomMessage) -> bool {
    message.audience().is_some_and(|a| room::reads(member, a))
}
