//! 在线咨询 and 在线申请 (issue 12): a person's question or application, confirmed with a code
//! sent to their phone (table `mediation_requests`). The phone is kept encrypted and masked;
//! texts go out through the outbox to `mediation_request:ID`, whose number only the delivery job
//! reads (audited, as the parties' numbers are).

use super::Mediation;
use crate::audit::{AuditEntry, append_many};
use crate::error::StoreError;
use crate::pii::same_bytes;
use crate::{Actor, Page, Paged, on_read, on_tx};
use chrono::{DateTime, Utc};
use rand::RngExt;
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use tongxin_domain::case::follow::{self, CodeCheck, IssuedCode};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;

/// What a person sent online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// 在线咨询: a question.
    Consult,
    /// 在线申请: an application for mediation (its form kept as JSON until confirmed).
    Apply,
}

impl RequestKind {
    fn key(self) -> &'static str {
        match self {
            RequestKind::Consult => "consult",
            RequestKind::Apply => "apply",
        }
    }

    fn parse(s: &str) -> RequestKind {
        if s == "apply" { RequestKind::Apply } else { RequestKind::Consult }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Consult => "在线咨询",
            RequestKind::Apply => "在线申请调解",
        }
    }
}

/// A request to record; the use-case checked every field.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub street_code: String,
    pub community_code: Option<String>,
    pub name: String,
    pub phone: Phone,
    pub body: String,
}

/// A request as the desk and the person read it (the phone masked).
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineRequest {
    pub id: i64,
    pub kind: RequestKind,
    pub street_code: String,
    pub community_code: Option<String>,
    pub community_name: Option<String>,
    pub name: String,
    pub phone_masked: String,
    pub body: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub dispute_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// The outbox recipient of texts to the person behind request `id`.
pub fn request_recipient(id: i64) -> String {
    format!("mediation_request:{id}")
}

/// The request id of an outbox recipient written by [`request_recipient`].
pub fn parse_request_recipient(recipient: &str) -> Option<i64> {
    recipient.strip_prefix("mediation_request:")?.parse().ok()
}

const COLS: &str = "r.id, r.kind, r.street_code, r.community_code, g.name, r.name, r.phone_masked, r.body, \
                    r.verified_at, r.answer, u.display_name, r.answered_at, r.dispute_id, r.created_at";
const FROM: &str = "mediation_requests r LEFT JOIN regions g ON g.code = r.community_code \
                    LEFT JOIN users u ON u.id = r.answered_by";

type Row = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<i64>,
    DateTime<Utc>,
);

fn of_row(r: Row) -> OnlineRequest {
    OnlineRequest {
        id: r.0,
        kind: RequestKind::parse(&r.1),
        street_code: r.2,
        community_code: r.3,
        community_name: r.4,
        name: r.5,
        phone_masked: r.6,
        body: r.7,
        verified_at: r.8,
        answer: r.9,
        answered_by: r.10,
        answered_at: r.11,
        dispute_id: r.12,
        created_at: r.13,
    }
}

/// Queues a text to the person behind request `id`, in the caller's transaction.
async fn queue_text(
    tx: &mut crate::db::Tx,
    id: i64,
    kind: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let payload = serde_json::json!({ "code": "", "text": text }).to_string();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO outbox (channel, kind, case_id, recipient, payload, created_at, available_at) \
         VALUES ('sms', $1, NULL, $2, $3, $4, $4)"
    )
    .bind(kind)
    .bind(request_recipient(id))
    .bind(&payload)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The audit actor of the person behind a request (no account).
fn person(name: &str) -> Actor {
    Actor { user_id: None, name: format!("网上申请人 {}", tongxin_domain::kernel::mask::mask_name(name)) }
}

impl Mediation<'_> {
    fn request_code_hash(&self, id: i64, code: &str) -> Vec<u8> {
        self.store.pii().blind_index(&format!("mediation-request:{id}:{}", code.trim()))
    }

    /// Records a request and sends its one-time code (`text` with `{otp}` in it) in one
    /// transaction; returns its id.
    pub async fn request_create(&self, new: &NewRequest, text: &str) -> Result<i64, StoreError> {
        let now = self.store.now();
        let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let pii = self.store.pii();
        let mut tx = self.store.db.begin().await?;
        // The code's hash names the row, so the row is written first with a placeholder.
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO mediation_requests (kind, street_code, community_code, name, phone_cipher, phone_masked, body, \
             code_hash, tries, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10) RETURNING id"
        )
        .bind(new.kind.key())
        .bind(&new.street_code)
        .bind(&new.community_code)
        .bind(&new.name)
        .bind(pii.encrypt(new.phone.as_str()))
        .bind(new.phone.masked())
        .bind(&new.body)
        .bind(Vec::<u8>::new())
        .bind(follow::code_expiry(now))
        .bind(now)
        .fetch_one(c)
        .await
        })?;
        on_tx!(&mut tx, |c| sqlx::query("UPDATE mediation_requests SET code_hash = $1 WHERE id = $2")
            .bind(self.request_code_hash(id, &otp))
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        queue_text(&mut tx, id, "mediation_request_code", &text.replace("{otp}", &otp), now).await?;
        let entry = AuditEntry::new("mediation.request", "mediation_request", id)
            .detail(format!("{}：已发送验证码", new.kind.label()));
        append_many(&mut tx, pii, now, &person(&new.name), vec![entry]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Checks the code typed for request `id`: right, the request is confirmed (once) and
    /// returned; wrong, expired, used or unknown: `None` (each try audited).
    pub async fn request_verify(&self, id: i64, typed: &str) -> Result<Option<OnlineRequest>, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "SELECT code_hash, tries, expires_at, verified_at, name FROM mediation_requests WHERE id = $1";
        type Check = (Vec<u8>, i64, DateTime<Utc>, Option<DateTime<Utc>>, String);
        let row: Option<Check> = on_tx!(&mut tx, |c| sqlx::query_as(sql).bind(id).fetch_optional(c).await)?;
        let Some((stored, tries, expires_at, verified_at, name)) = row else {
            return Ok(None);
        };
        let matches = follow::is_code(typed) && same_bytes(&stored, &self.request_code_hash(id, typed));
        let issued = IssuedCode { expires_at, tries, used: verified_at.is_some() };
        let outcome = follow::check_code(&issued, matches, now);
        let detail = match outcome {
            CodeCheck::Accept => "验证码正确，已确认".to_string(),
            CodeCheck::Wrong => format!("验证码错误（第 {} 次）", tries + 1),
            CodeCheck::Dead => "验证码已失效".to_string(),
        };
        match outcome {
            CodeCheck::Accept => {
                on_tx!(&mut tx, |c| sqlx::query("UPDATE mediation_requests SET verified_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?
            }
            CodeCheck::Wrong => {
                on_tx!(&mut tx, |c| sqlx::query("UPDATE mediation_requests SET tries = tries + 1 WHERE id = $1")
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?
            }
            CodeCheck::Dead => 0,
        };
        let entry = AuditEntry::new("mediation.request_verify", "mediation_request", id).detail(detail);
        append_many(&mut tx, self.store.pii(), now, &person(&name), vec![entry]).await?;
        tx.commit().await?;
        if outcome == CodeCheck::Accept { Ok(Some(self.request(id).await?)) } else { Ok(None) }
    }

    /// One request, whoever asks (callers check the private link or the scope).
    pub async fn request(&self, id: i64) -> Result<OnlineRequest, StoreError> {
        let sql = format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1");
        let row: Option<Row> =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?;
        row.map(of_row).ok_or(StoreError::NotFound)
    }

    /// The phone of a confirmed application, for registering it (the applicant's own number,
    /// read back once by the use-case that registers the dispute).
    pub async fn request_phone(&self, id: i64) -> Result<Phone, StoreError> {
        let sql = "SELECT phone_cipher FROM mediation_requests WHERE id = $1 AND verified_at IS NOT NULL";
        let cipher: Option<Vec<u8>> =
            on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(id).fetch_optional(p).await)?;
        let plain = self.store.pii().decrypt(&cipher.ok_or(StoreError::NotFound)?)?;
        Phone::parse(&plain).map_err(|_| StoreError::Invalid("手机号有误".into()))
    }

    /// Links a confirmed application to the dispute it became.
    pub async fn request_set_dispute(&self, id: i64, dispute_id: i64) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("UPDATE mediation_requests SET dispute_id = $1 WHERE id = $2")
            .bind(dispute_id)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Confirmed questions in `scope` (a street, community or grid: the community's and the
    /// street's own), unanswered first, then newest first.
    pub async fn consultations(&self, scope: &Scope, page: Page) -> Result<Paged<OnlineRequest>, StoreError> {
        let (cond, bind) = match scope {
            Scope::All => ("$1 = $1".to_string(), String::new()),
            Scope::Region { code } if code.as_str().len() == 9 => ("r.street_code = $1".into(), code.to_string()),
            Scope::Region { code } if code.as_str().len() >= 12 => {
                ("r.community_code = $1".into(), code.as_str()[..12].to_string())
            }
            _ => {
                let (page, per_page) = (page.page, page.per_page);
                return Ok(Paged { items: Vec::new(), page, per_page, total: 0, total_capped: false });
            }
        };
        let base = format!("{FROM} WHERE r.kind = 'consult' AND r.verified_at IS NOT NULL AND {cond}");
        let count_sql = format!("SELECT COUNT(*) FROM {base}");
        let sql = format!(
            "SELECT {COLS} FROM {base} ORDER BY CASE WHEN r.answered_at IS NULL THEN 0 ELSE 1 END, r.id DESC \
             LIMIT {} OFFSET {}",
            page.limit(),
            page.offset()
        );
        let total: i64 = on_read!(&self.store.db, |p| sqlx::query_scalar(AssertSqlSafe(count_sql.as_str()))
            .bind(&bind)
            .fetch_one(p)
            .await)?;
        let rows: Vec<Row> =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(&bind).fetch_all(p).await)?;
        Ok(Paged {
            items: rows.into_iter().map(of_row).collect(),
            page: page.page,
            per_page: page.per_page,
            total,
            total_capped: false,
        })
    }

    /// Records the answer to a confirmed question and texts the person its private link
    /// (`text`), in one transaction, audited. A question is answered once.
    pub async fn answer_request(&self, actor: &Actor, id: i64, answer: &str, text: &str) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let n = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE mediation_requests SET answer = $1, answered_by = $2, answered_at = $3 \
             WHERE id = $4 AND kind = 'consult' AND verified_at IS NOT NULL AND answered_at IS NULL"
        )
        .bind(answer)
        .bind(actor.user_id)
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::Conflict("该咨询已有答复，或尚未确认".into()));
        }
        queue_text(&mut tx, id, "mediation_answer", text, now).await?;
        let entry = AuditEntry::new("mediation.consult_answer", "mediation_request", id).detail("答复在线咨询");
        append_many(&mut tx, self.store.pii(), now, actor, vec![entry]).await?;
        tx.commit().await
    }

    /// The numbers behind requests' texts, for the delivery job (one audit record each).
    pub async fn request_phones(&self, items: &[(i64, i64)]) -> Result<HashMap<i64, Option<String>>, StoreError> {
        let mut found = HashMap::new();
        for (id, _) in items {
            let sql = "SELECT phone_cipher FROM mediation_requests WHERE id = $1";
            let cipher: Option<Vec<u8>> =
                on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(*id).fetch_optional(p).await)?;
            if let Some(c) = cipher {
                found.insert(*id, Some(self.store.pii().decrypt(&c)?));
            }
        }
        let entries: Vec<AuditEntry> = items
            .iter()
            .filter(|(id, _)| found.contains_key(id))
            .map(|(id, outbox_id)| {
                AuditEntry::new("mediation.request_phone_use", "mediation_request", id)
                    .detail(format!("向网上申请人发送短信（消息 {outbox_id}）"))
            })
            .collect();
        if !entries.is_empty() {
            let now = self.store.now();
            let mut tx = self.store.db.begin().await?;
            append_many(&mut tx, self.store.pii(), now, &Actor::system("jobs"), entries).await?;
            tx.commit().await?;
        }
        Ok(found)
    }

    /// The last text queued to the person behind a request (tests read codes from it).
    pub async fn last_text_to_request(&self, id: i64) -> Result<Option<String>, StoreError> {
        let sql = "SELECT payload FROM outbox WHERE recipient = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1";
        let payload: Option<String> =
            on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(request_recipient(id)).fetch_optional(p).await)?;
        Ok(payload.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok()?["text"].as_str().map(String::from)))
    }
}
