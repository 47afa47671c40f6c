//! The audit trail's hash chain. Each record's hash covers its own fields and the previous
//! record's hash, so altering or deleting any row breaks every link after it; `verify_chain`
//! names the first broken one.

use chrono::{DateTime, SecondsFormat, Utc};
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

fn put(h: &mut Sha256, s: &str) {
    // Length-prefixed so that no two field sequences hash alike.
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

pub fn chain_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
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
    data_encoding::HEXLOWER.encode(&h.finalize())
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
}

/// Walks records in `seq` order from 1. `head_seq` is the count the chain's head row claims,
/// which catches deletion of the newest records. Returns how many records were verified.
pub fn verify_chain<I>(records: I, head_seq: i64) -> Result<i64, ChainBreak>
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
        if chain_hash(&r.prev_hash, &r.fields) != r.hash {
            return Err(ChainBreak::Altered { seq });
        }
        prev_hash = r.hash;
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    if last < head_seq {
        return Err(ChainBreak::Truncated { head: head_seq, last });
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
}
