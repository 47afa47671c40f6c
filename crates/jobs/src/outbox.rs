//! Delivering the outbox: in-app notices exactly once, text messages at least once with a
//! stable idempotency key, retried with exponential backoff until they become dead letters.
//!
//! The guarantees and why they hold are in [`tongxin_store::cases::outbox`]; in short:
//! - a claimed row is leased (`JobsConfig::lease`), so several server processes sharing one
//!   PostgreSQL database never work on the same row at the same time;
//! - a notice and the row's `sent_at` are written in one transaction, and `notices.outbox_id`
//!   is unique, so a row claimed again (after a crash, or after the lease ran out) adds no
//!   second notice;
//! - an SMS is sent before its row is marked sent. If the process dies in between, the lease
//!   expires, the row is claimed again and sent again **with the same idempotency key** (the
//!   outbox id): a gateway that honours the key delivers it once. A send may take at most
//!   [`SEND_TIMEOUT`], and a row whose lease would run out before that is given back untried,
//!   so a slow send never overlaps a second claimer's;
//! - a failed send is retried after 30 s, 1 min, 2 min … (at most 1 h between tries); after
//!   [`MAX_ATTEMPTS`] attempts the row stays unsent with its last error, a dead letter
//!   (`store.outbox().dead_letters`).

use crate::JobsConfig;
use crate::sms::{SEND_TIMEOUT, SmsSender};
use chrono::Duration;
use std::sync::Arc;
use tokio::task::JoinSet;
use tongxin_store::cases::outbox::{MAX_ATTEMPTS, NoticeDelivery, OutboxRow, parse_requester};
use tongxin_store::mediation::online::parse_request_recipient;
use tongxin_store::mediation::room::parse_party_recipient;
use tongxin_store::{Store, StoreError};

/// Text messages in flight at once.
const SMS_CONCURRENCY: usize = 8;

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub claimed: usize,
    /// Notices written (a row delivered before counts as delivered, not written).
    pub notices: usize,
    pub sms_sent: usize,
    /// Attempts that failed and will be retried.
    pub retrying: usize,
    /// Rows given up on in this pass.
    pub dead: usize,
    /// Text messages given back untried because the lease was about to run out.
    pub deferred: usize,
}

impl DeliveryReport {
    fn add(&mut self, o: DeliveryReport) {
        self.claimed += o.claimed;
        self.notices += o.notices;
        self.sms_sent += o.sms_sent;
        self.retrying += o.retrying;
        self.dead += o.dead;
        self.deferred += o.deferred;
    }
}

/// The wait before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, 4 min …
/// at most 1 h.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    Duration::seconds((30i64 << exp).min(3600))
}

/// The notice text of a row's JSON payload `{"code", "text"}`.
fn payload_text(payload: &str) -> Result<String, String> {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "消息内容格式错误（缺少 text）".to_string())
}

/// The dispute or petition a notice's payload names (`dispute_id`, `petition_id`): opening the
/// notice goes there.
fn payload_ref(payload: &str, key: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(payload).ok()?.get(key)?.as_i64()
}

/// Claims and delivers due rows until none are left (or a batch comes back short).
pub async fn deliver_due(
    store: &Store,
    sms: &Arc<dyn SmsSender>,
    cfg: &JobsConfig,
) -> Result<DeliveryReport, StoreError> {
    let mut total = DeliveryReport::default();
    let lease = cfg.lease();
    let batch = cfg.batch.max(1);
    loop {
        let rows = store.outbox().claim(lease, batch as i64).await?;
        let n = rows.len();
        total.add(deliver_claimed(store, sms, rows).await?);
        if n < batch {
            return Ok(total);
        }
    }
}

/// Delivers rows this process has claimed: the notices in one transaction, the text messages
/// a few at a time. Errors of the database while recording are returned; the rows' leases
/// then expire and they are delivered again.
pub async fn deliver_claimed(
    store: &Store,
    sms: &Arc<dyn SmsSender>,
    rows: Vec<OutboxRow>,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport { claimed: rows.len(), ..Default::default() };
    let mut notices = Vec::new();
    let mut texts = Vec::new();
    for row in rows {
        match row.channel.as_str() {
            "notice" => match payload_text(&row.payload) {
                Ok(text) => notices.push(NoticeDelivery {
                    outbox_id: row.id,
                    dispute_id: payload_ref(&row.payload, "dispute_id"),
                    petition_id: payload_ref(&row.payload, "petition_id"),
                    unit: row.recipient,
                    case_id: row.case_id,
                    kind: row.kind,
                    text,
                }),
                Err(e) => {
                    give_up(store, &row, &e).await?;
                    report.dead += 1;
                }
            },
            "sms" => texts.push(row),
            other => {
                give_up(store, &row, &format!("未知的发送渠道 {other}")).await?;
                report.dead += 1;
            }
        }
    }
    report.notices = store.outbox().deliver_notices(&notices).await? as usize;

    let mut running: JoinSet<Result<(i64, SmsOutcome), StoreError>> = JoinSet::new();
    let mut first_error = None;
    let mut record = |r: Result<Result<SmsOutcome, StoreError>, tokio::task::JoinError>,
                      report: &mut DeliveryReport| match r {
        Ok(Ok(SmsOutcome::Sent)) => report.sms_sent += 1,
        Ok(Ok(SmsOutcome::Retrying)) => report.retrying += 1,
        Ok(Ok(SmsOutcome::Dead)) => report.dead += 1,
        Ok(Ok(SmsOutcome::Deferred)) => report.deferred += 1,
        Ok(Err(e)) => {
            first_error.get_or_insert(e);
        }
        Err(e) => {
            first_error.get_or_insert(StoreError::unavailable(format!("短信发送任务异常：{e}")));
        }
    };
    // One audited read of the batch's numbers, and (below) one transaction marking it sent:
    // delivery must not crowd the single SQLite writer with two commits per message.
    let wanted: Vec<(i64, u32, i64)> =
        texts.iter().filter_map(|r| Some((r.case_id?, parse_requester(&r.recipient)?, r.id))).collect();
    let phones =
        Arc::new(if wanted.is_empty() { Default::default() } else { store.outbox().requester_phones(&wanted).await? });
    // Texts to a dispute's parties (the online mediation room's invitations and codes).
    let to_parties: Vec<(i64, u16, i64)> =
        texts.iter().filter_map(|r| parse_party_recipient(&r.recipient).map(|(d, i)| (d, i, r.id))).collect();
    let party_phones = Arc::new(if to_parties.is_empty() {
        Default::default()
    } else {
        store.mediation().party_phones(&to_parties).await?
    });
    // Texts to a person who asked or applied online (在线咨询, 在线申请).
    let to_requests: Vec<(i64, i64)> =
        texts.iter().filter_map(|r| parse_request_recipient(&r.recipient).map(|id| (id, r.id))).collect();
    let request_phones = Arc::new(if to_requests.is_empty() {
        Default::default()
    } else {
        store.mediation().request_phones(&to_requests).await?
    });
    let mut sent = Vec::new();
    for row in texts {
        while running.len() >= SMS_CONCURRENCY {
            if let Some(r) = running.join_next().await {
                record(note_sent(r, &mut sent), &mut report);
            }
        }
        let (store, sms, phones) = (store.clone(), sms.clone(), phones.clone());
        let (party_phones, request_phones) = (party_phones.clone(), request_phones.clone());
        running.spawn(async move {
            let who = row.case_id.zip(parse_requester(&row.recipient));
            let phone = match (parse_party_recipient(&row.recipient), parse_request_recipient(&row.recipient)) {
                (Some(party), _) => party_phones.get(&party).cloned(),
                (_, Some(id)) => request_phones.get(&id).cloned(),
                _ => who.and_then(|k| phones.get(&k).cloned()),
            };
            deliver_sms(&store, sms.as_ref(), &row, phone).await.map(|o| (row.id, o))
        });
    }
    while let Some(r) = running.join_next().await {
        record(note_sent(r, &mut sent), &mut report);
    }
    store.outbox().mark_sent_many(&sent).await?;
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

type SmsResult = Result<Result<SmsOutcome, StoreError>, tokio::task::JoinError>;

/// Notes the id of a message that went out, for the batch's one "sent" transaction.
fn note_sent(
    r: Result<Result<(i64, SmsOutcome), StoreError>, tokio::task::JoinError>,
    sent: &mut Vec<i64>,
) -> SmsResult {
    r.map(|x| {
        x.map(|(id, outcome)| {
            if matches!(outcome, SmsOutcome::Sent) {
                sent.push(id);
            }
            outcome
        })
    })
}

enum SmsOutcome {
    Sent,
    Retrying,
    Dead,
    Deferred,
}

async fn give_up(store: &Store, row: &OutboxRow, error: &str) -> Result<(), StoreError> {
    tracing::warn!(outbox_id = row.id, kind = %row.kind, channel = %row.channel, error, "消息无法投递，已转入死信");
    store.outbox().mark_failed(row.id, error, None).await
}

/// Sends one text; `phone` is the batch's lookup for its case (`None`: no such case). A sent
/// message is marked by the caller with the rest of its batch.
async fn deliver_sms(
    store: &Store,
    sms: &dyn SmsSender,
    row: &OutboxRow,
    phone: Option<Option<String>>,
) -> Result<SmsOutcome, StoreError> {
    // A send that could outlast the lease might overlap another process's claim of the row:
    // give it back untried instead.
    if let Some(until) = row.locked_until {
        let margin = Duration::from_std(SEND_TIMEOUT).unwrap_or(Duration::seconds(10)) + Duration::seconds(5);
        if store.now() + margin >= until {
            store.outbox().release(row.id, until).await?;
            return Ok(SmsOutcome::Deferred);
        }
    }
    let text = match payload_text(&row.payload) {
        Ok(t) => t,
        Err(e) => {
            give_up(store, row, &e).await?;
            return Ok(SmsOutcome::Dead);
        }
    };
    let to_party = parse_party_recipient(&row.recipient).is_some() || parse_request_recipient(&row.recipient).is_some();
    if !to_party && (row.case_id.is_none() || parse_requester(&row.recipient).is_none()) {
        give_up(store, row, "短信收件人无效（仅支持诉求人、纠纷当事人和网上申请人）").await?;
        return Ok(SmsOutcome::Dead);
    }
    let case_id = row.case_id.unwrap_or(0);
    let result = match phone.ok_or(StoreError::NotFound) {
        Ok(Some(phone)) => match tokio::time::timeout(SEND_TIMEOUT, sms.send(&phone, &text, &row.id.to_string())).await
        {
            Ok(r) => r,
            Err(_) => Err(format!("短信发送超时（{} 秒）", SEND_TIMEOUT.as_secs())),
        },
        Ok(None) => {
            give_up(store, row, if to_party { "当事人未留手机号" } else { "诉求人未留手机号" }).await?;
            return Ok(SmsOutcome::Dead);
        }
        Err(StoreError::NotFound) => {
            give_up(store, row, if to_party { "纠纷当事人不存在" } else { "诉求不存在" }).await?;
            return Ok(SmsOutcome::Dead);
        }
        Err(e) => Err(format!("读取手机号失败：{e}")),
    };
    match result {
        Ok(()) => {
            tracing::info!(outbox_id = row.id, case_id, kind = %row.kind, attempt = row.attempts, "短信已发送");
            Ok(SmsOutcome::Sent)
        }
        Err(e) if row.attempts >= MAX_ATTEMPTS => {
            tracing::warn!(outbox_id = row.id, case_id, attempts = row.attempts, error = %e, "短信多次发送失败，已转入死信");
            store.outbox().mark_failed(row.id, &e, None).await?;
            Ok(SmsOutcome::Dead)
        }
        Err(e) => {
            let wait = backoff(row.attempts);
            tracing::warn!(outbox_id = row.id, case_id, attempt = row.attempts, retry_in_s = wait.num_seconds(), error = %e, "短信发送失败，稍后重试");
            store.outbox().mark_failed(row.id, &e, Some(store.now() + wait)).await?;
            Ok(SmsOutcome::Retrying)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_seconds_up_to_an_hour() {
        let secs: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(1000).num_seconds(), 3600);
    }

    #[test]
    fn payload_text_needs_a_text() {
        assert_eq!(payload_text(r#"{"code":"TX1","text":"你好"}"#).unwrap(), "你好");
        assert!(payload_text("{}").is_err());
        assert!(payload_text("not json").is_err());
    }
}
