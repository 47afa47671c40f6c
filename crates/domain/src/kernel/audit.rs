//! The audit trail's hash chain. Each record's hash covers its own fields and the previous
//! record's hash, so altering or deleting any row breaks every link after it; `verify_chain`
//! names the first broken one.
//!
//! Keyed chain (issue 9, item 6): a plain SHA-256 chain can be recomputed by anyone who can
//! write the database, so links from `keyed_from` on are HMAC-SHA256 under a key kept outside
//! the database (derived from the personal-data master key). Records before `keyed_from` —
//! those written before the upgrade — keep their plain links and are verified the old way. The
//! head row carries a MAC over (seq, hash, keyed_from), so rolling the head back, moving the
//! point where keying begins, or cutting records off the end is detected without the key
//! holder's help; cutting the end *and* restoring an older sealed head needs an external
//! anchor (`tongxin audit anchor` / `audit verify --anchor`).

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hashed content of one audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFields {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// What was done, e.g. `resident.update`, `resident.unmask`, `grid.import`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// SHA-256 of the canonical JSON of the object before and after (never the data itself).
    pub before_digest: Option<String>,
    pub after_digest: Option<String>,
    /// A short note free of personal data.
    pub detail: String,
}

/// A stored record: the fields with the chain's two hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    #[serde(flatten)]
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

fn put(h: &mut Vec<u8>, s: &str) {
    // Length-prefixed so that no two field sequences hash alike.
    h.extend_from_slice(&(s.len() as u64).to_be_bytes());
    h.extend_from_slice(s.as_bytes());
}

fn link_bytes(prev_hash: &str, f: &AuditFields) -> Vec<u8> {
    let mut h = Vec::with_capacity(256);
    put(&mut h, prev_hash);
    put(&mut h, &f.seq.to_string());
    put(&mut h, &f.at.to_rfc3339_opts(SecondsFormat::Micros, true));
    put(&mut h, &f.actor_id.map(|a| a.to_string()).unwrap_or_default());
    put(&mut h, &f.actor_name);
    put(&mut h, &f.action);
    put(&mut h, &f.entity);
    put(&mut h, &f.entity_id);
    put(&mut h, f.before_digest.as_deref().unwrap_or(""));
    put(&mut h, f.after_digest.as_deref().unwrap_or(""));
    put(&mut h, &f.detail);
    h
}

/// The plain SHA-256 link of records written before the chain was keyed.
pub fn chain_hash(prev_hash: &str, f: &AuditFields) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(link_bytes(prev_hash, f)))
}

/// The key of the chain's links and head; never stored in the database.
#[derive(Clone)]
pub struct ChainKey([u8; 32]);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(..)")
    }
}

impl ChainKey {
    pub fn new(key: [u8; 32]) -> ChainKey {
        ChainKey(key)
    }

    fn mac(&self, domain: &str, bytes: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("any key length");
        mac.update(domain.as_bytes());
        mac.update(bytes);
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }
}

/// The keyed link: HMAC-SHA256 of the same length-prefixed fields.
pub fn chain_mac(key: &ChainKey, prev_hash: &str, f: &AuditFields) -> String {
    key.mac("tongxin/audit/link\0", &link_bytes(prev_hash, f))
}

/// The head row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
    /// The first record with a keyed link; `None` only before the upgrade migration.
    pub keyed_from: Option<i64>,
    pub mac: Option<String>,
}

/// The head's MAC over everything a rollback or downgrade would change.
pub fn head_mac(key: &ChainKey, seq: i64, hash: &str, keyed_from: i64) -> String {
    let mut b = Vec::new();
    put(&mut b, &seq.to_string());
    put(&mut b, hash);
    put(&mut b, &keyed_from.to_string());
    key.mac("tongxin/audit/head\0", &b)
}

/// An operator's record of one link (`SEQ:HASH`), printed by `tongxin audit anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl std::str::FromStr for Anchor {
    type Err = String;
    fn from_str(s: &str) -> Result<Anchor, String> {
        let bad = || "锚点格式应为 序号:哈希（如 1234:3f2a…，共 64 位十六进制）".to_string();
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.trim().parse().map_err(|_| bad())?;
        let hash = hash.trim().to_ascii_lowercase();
        if seq < 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Anchor { seq, hash })
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Digest of an object's state for the before/after columns: SHA-256 of its JSON with keys
/// sorted (serde_json's map is ordered), so equal states give equal digests.
pub fn digest_of<T: Serialize>(value: &T) -> String {
    let canonical = serde_json::to_value(value).map(|v| v.to_string()).unwrap_or_default();
    data_encoding::HEXLOWER.encode(&Sha256::digest(canonical.as_bytes()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("第 {seq} 条记录的内容与其哈希不符（记录被修改）")]
    Altered { seq: i64 },
    #[error("第 {seq} 条记录之前缺少第 {expected} 条（记录被删除）")]
    Missing { seq: i64, expected: i64 },
    #[error("第 {seq} 条记录的前序哈希与第 {prev} 条不衔接")]
    Unlinked { seq: i64, prev: i64 },
    #[error("链尾记录缺失：链头登记到第 {head} 条，实际只到第 {last} 条")]
    Truncated { head: i64, last: i64 },
    #[error("链头与最后一条记录不符（链头登记第 {head} 条，实际最后一条为第 {last} 条或其哈希不同）：链头或链尾被改动")]
    HeadMismatch { head: i64, last: i64 },
    #[error("链头的密钥校验值不符：链头被改动，或使用的密钥不是写入审计日志时的密钥")]
    HeadForged,
    #[error("审计链尚未启用密钥保护（请先运行一次 tongxin migrate 或启动服务）")]
    NotKeyed,
    #[error("锚点第 {seq} 条已不在链中或其哈希已变（链被截断或改写）")]
    AnchorMissing { seq: i64 },
}

/// Walks records in `seq` order from 1 with plain links only (chains written before keying).
/// `head_seq` is the count the chain's head row claims, which catches deletion of the newest
/// records. Returns how many records were verified.
pub fn verify_chain<I>(records: I, head_seq: i64) -> Result<i64, ChainBreak>
where
    I: IntoIterator<Item = AuditRecord>,
{
    let (last, _) = walk(records, None, i64::MAX)?;
    if last < head_seq {
        return Err(ChainBreak::Truncated { head: head_seq, last });
    }
    Ok(last)
}

/// Walks the records: plain links before `keyed_from`, keyed links from it on. Returns the last
/// seq and its hash.
fn walk<I>(records: I, key: Option<&ChainKey>, keyed_from: i64) -> Result<(i64, String), ChainBreak>
where
    I: IntoIterator<Item = AuditRecord>,
{
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_string();
    for r in records {
        let seq = r.fields.seq;
        if seq != expected_seq {
            return Err(ChainBreak::Missing { seq, expected: expected_seq });
        }
        if r.prev_hash != prev_hash {
            return Err(ChainBreak::Unlinked { seq, prev: seq - 1 });
        }
        let expected = match key {
            Some(key) if seq >= keyed_from => chain_mac(key, &r.prev_hash, &r.fields),
            _ => chain_hash(&r.prev_hash, &r.fields),
        };
        if expected != r.hash {
            return Err(ChainBreak::Altered { seq });
        }
        prev_hash = r.hash;
        expected_seq += 1;
    }
    Ok((expected_seq - 1, prev_hash))
}

/// Verifies a keyed chain against its head: every link, the head's MAC, that the head names
/// exactly the last record (seq and hash), and, given anchors an operator kept, that each
/// anchored link is still in the chain with the same hash (so the head has not moved back).
/// `anchor_hash` looks up the stored hash of an anchored seq (the walk already checked it).
pub fn verify_keyed_chain<I>(
    records: I,
    head: &ChainHead,
    key: &ChainKey,
    anchors: &[Anchor],
) -> Result<i64, ChainBreak>
where
    I: IntoIterator<Item = AuditRecord>,
{
    let keyed_from = head.keyed_from.ok_or(ChainBreak::NotKeyed)?;
    let mut seen: Vec<Option<String>> = vec![None; anchors.len()];
    let records = records.into_iter().inspect(|r| {
        for (i, a) in anchors.iter().enumerate() {
            if a.seq == r.fields.seq {
                seen[i] = Some(r.hash.clone());
            }
        }
    });
    let (last, last_hash) = walk(records, Some(key), keyed_from)?;
    // An untouched fresh chain has no MAC yet; anything else must carry a valid one.
    match &head.mac {
        None if head.seq == 0 && head.hash == GENESIS_HASH => {}
        None => return Err(ChainBreak::HeadForged),
        Some(mac) => {
            if *mac != head_mac(key, head.seq, &head.hash, keyed_from) {
                return Err(ChainBreak::HeadForged);
            }
        }
    }
    if last < head.seq {
        return Err(ChainBreak::Truncated { head: head.seq, last });
    }
    if last != head.seq || last_hash != head.hash {
        return Err(ChainBreak::HeadMismatch { head: head.seq, last });
    }
    for (a, found) in anchors.iter().zip(seen) {
        let genesis = a.seq == 0 && a.hash == GENESIS_HASH;
        if !genesis && found.as_deref() != Some(a.hash.as_str()) {
            return Err(ChainBreak::AnchorMissing { seq: a.seq });
        }
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let fields = AuditFields {
                    seq,
                    at: Utc.timestamp_opt(1_790_000_000 + seq, 0).unwrap(),
                    actor_id: Some(7),
                    actor_name: "admin".into(),
                    action: "resident.update".into(),
                    entity: "resident".into(),
                    entity_id: seq.to_string(),
                    before_digest: Some(digest_of(&seq)),
                    after_digest: Some(digest_of(&(seq + 1))),
                    detail: String::new(),
                };
                let hash = chain_hash(&prev, &fields);
                let r = AuditRecord { fields, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                r
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(chain(5), 5), Ok(5));
        assert_eq!(verify_chain(Vec::new(), 0), Ok(0));
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let mut altered = chain(5);
        altered[2].fields.detail = "改过".into();
        assert_eq!(verify_chain(altered, 5), Err(ChainBreak::Altered { seq: 3 }));

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(verify_chain(deleted, 5), Err(ChainBreak::Missing { seq: 3, expected: 2 }));

        let mut truncated = chain(5);
        truncated.pop();
        assert_eq!(verify_chain(truncated, 5), Err(ChainBreak::Truncated { head: 5, last: 4 }));

        // Rewriting a record and recomputing its own hash still breaks the next link.
        let mut rehashed = chain(5);
        rehashed[1].fields.detail = "改过".into();
        rehashed[1].hash = chain_hash(&rehashed[1].prev_hash, &rehashed[1].fields);
        assert_eq!(verify_chain(rehashed, 5), Err(ChainBreak::Unlinked { seq: 3, prev: 2 }));
    }

    /// Seals plain records 1..=plain, then keyed ones, like an upgraded database.
    fn keyed(n: i64, plain: i64, key: &ChainKey) -> (Vec<AuditRecord>, ChainHead) {
        let mut records = chain(n);
        let mut prev = GENESIS_HASH.to_string();
        for r in &mut records {
            r.prev_hash = prev.clone();
            r.hash = if r.fields.seq > plain { chain_mac(key, &prev, &r.fields) } else { chain_hash(&prev, &r.fields) };
            prev = r.hash.clone();
        }
        let head = ChainHead { seq: n, hash: prev.clone(), keyed_from: Some(plain + 1), mac: None };
        let mac = head_mac(key, n, &prev, plain + 1);
        (records, ChainHead { mac: Some(mac), ..head })
    }

    #[test]
    fn keyed_chain_detects_rewrites_rollbacks_and_downgrades() {
        let key = ChainKey::new([9; 32]);
        let (records, head) = keyed(6, 2, &key);
        assert_eq!(verify_keyed_chain(records.clone(), &head, &key, &[]), Ok(6));

        // Issue 9 (6): edit a keyed row and recompute every later link with plain SHA-256.
        let mut forged = records.clone();
        forged[3].fields.detail = "改过".into();
        let mut prev = forged[2].hash.clone();
        for r in &mut forged[3..] {
            r.prev_hash = prev.clone();
            r.hash = chain_hash(&prev, &r.fields);
            prev = r.hash.clone();
        }
        let forged_head = ChainHead { hash: prev, ..head.clone() };
        assert_eq!(verify_keyed_chain(forged, &forged_head, &key, &[]), Err(ChainBreak::Altered { seq: 4 }));

        // Delete the last row and decrement the head's seq (hash and MAC left, or MAC dropped).
        let cut = records[..5].to_vec();
        let rolled = ChainHead { seq: 5, ..head.clone() };
        assert_eq!(verify_keyed_chain(cut.clone(), &rolled, &key, &[]), Err(ChainBreak::HeadForged));
        let rolled = ChainHead { seq: 5, hash: records[4].hash.clone(), mac: None, ..head.clone() };
        assert_eq!(verify_keyed_chain(cut.clone(), &rolled, &key, &[]), Err(ChainBreak::HeadForged));
        // Moving the point where keying starts and re-hashing the keyed rows plainly breaks the MAC.
        let (plain, plain_head) = keyed(6, 6, &key);
        let moved = ChainHead { keyed_from: Some(7), hash: plain_head.hash.clone(), ..head.clone() };
        assert_eq!(verify_keyed_chain(plain, &moved, &key, &[]), Err(ChainBreak::HeadForged));
        let unkeyed = ChainHead { keyed_from: None, ..head.clone() };
        assert_eq!(verify_keyed_chain(records.clone(), &unkeyed, &key, &[]), Err(ChainBreak::NotKeyed));
        // A different key verifies nothing keyed.
        let other = ChainKey::new([8; 32]);
        assert_eq!(verify_keyed_chain(records.clone(), &head, &other, &[]), Err(ChainBreak::Altered { seq: 3 }));

        // Anchors: kept at 6; a truncation to 4 with a correctly sealed head (as an older
        // backup's head would be) is caught only by the anchor.
        let anchor = Anchor { seq: 6, hash: head.hash.clone() };
        assert_eq!(verify_keyed_chain(records.clone(), &head, &key, std::slice::from_ref(&anchor)), Ok(6));
        let (short, short_head) = keyed(4, 2, &key);
        assert_eq!(verify_keyed_chain(short.clone(), &short_head, &key, &[]), Ok(4));
        assert_eq!(
            verify_keyed_chain(short, &short_head, &key, std::slice::from_ref(&anchor)),
            Err(ChainBreak::AnchorMissing { seq: 6 })
        );
        assert!("6:".parse::<Anchor>().is_err());
        assert_eq!(anchor.to_string().parse::<Anchor>(), Ok(anchor));
    }
}
