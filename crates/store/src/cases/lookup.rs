//! The queue's search box beside the queue itself (issue 11 item 6): the cases of a requester's
//! full phone number, found through the number's blind index, and the names of the grids the
//! queue rows show; and the hotline form's address search over the building register (issue 11
//! item 7). A tracking code goes to `Store::case_id_by_code`.
//!
//! A search by a full phone number confirms who called: it is an unmask, run only after
//! `residents::record_full_number_search` (the permission, an audit record, the hourly limit
//! shared with the resident search by full number).

use crate::audit::AuditEntry;
use crate::cases::read::{CASE_COLS, CaseView};
use crate::error::StoreError;
use crate::on_read;
use crate::places::Building;
use crate::residents::{CASE_PHONE_SEARCH_ACTION, SearchRefused, Searcher, record_full_number_search};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::mask::mask_phone;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::subtree_range;

/// At most this many cases of one number are listed (newest first); a number behind more is
/// a matter for the keyword and date filters.
pub const PHONE_LOOKUP_LIMIT: usize = 100;

/// Cases of one number read before the scope is applied: the rows past this are never shown.
const PHONE_CANDIDATES: i64 = 500;

impl super::Cases<'_> {
    /// The cases whose requester (the first reporter or a later reporter of a merged duplicate)
    /// gave this phone number, within the scope, newest first, at most [`PHONE_LOOKUP_LIMIT`].
    /// Audited and limited like a resident search by full number, before anything is read.
    pub async fn by_requester_phone_in_scope(
        &self,
        scope: &Scope,
        who: Searcher<'_>,
        phone: &Phone,
    ) -> Result<Vec<CaseView>, SearchRefused> {
        let digest = self.store.pii().blind_index(phone.as_str());
        let entry = AuditEntry::new(CASE_PHONE_SEARCH_ACTION, "case", "search")
            .after(data_encoding::HEXLOWER.encode(&digest))
            .detail(format!("按诉求人完整手机号查找诉求 {}", mask_phone(phone.as_str())));
        record_full_number_search(self.store, who, entry).await?;
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases c WHERE c.phone_hmac = $1 \
             OR c.id IN (SELECT r.case_id FROM case_requesters r WHERE r.phone_hmac = $2) \
             ORDER BY c.created_at DESC, c.id DESC LIMIT $3"
        );
        let candidates: Vec<CaseView> = on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&digest)
            .bind(&digest)
            .bind(PHONE_CANDIDATES)
            .fetch_all(p)
            .await)
        .map_err(StoreError::from)?;
        let mut found = Vec::new();
        for c in candidates {
            if found.len() == PHONE_LOOKUP_LIMIT {
                break;
            }
            if self.visible(scope, &c).await? {
                found.push(c);
            }
        }
        Ok(found)
    }

    /// The names of these regions (grids, communities), by code; unknown codes are left out.
    pub async fn region_names(&self, codes: &[String]) -> Result<HashMap<String, String>, StoreError> {
        let mut codes: Vec<&String> = codes.iter().collect();
        codes.sort();
        codes.dedup();
        let mut names = HashMap::new();
        for chunk in codes.chunks(100) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT code, name FROM regions WHERE code IN ({})", list.join(", "));
            let rows: Vec<(String, String)> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
                for code in chunk {
                    q = q.bind(code.as_str());
                }
                q.fetch_all(p).await
            })?;
            names.extend(rows);
        }
        Ok(names)
    }
}

/// `%`, `_` and the escape character itself taken literally in a `LIKE … ESCAPE '\'` pattern.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

impl crate::places::Places<'_> {
    /// Buildings within the scope whose name or address contains `q` (the hotline operator's
    /// address search), by name, at most `limit`.
    pub async fn matching_address(&self, scope: &Scope, q: &str, limit: i64) -> Result<Vec<Building>, StoreError> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let (lo, hi) = subtree_range(scope.places_prefix());
        let pattern = format!("%{}%", like_literal(q));
        let sql = "SELECT id, grid_code, name, address, lng, lat, floors, units FROM buildings \
                   WHERE grid_code >= $1 AND grid_code < $2 \
                   AND (name LIKE $3 ESCAPE '\\' OR address LIKE $4 ESCAPE '\\') \
                   ORDER BY name, id LIMIT $5";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(&lo)
            .bind(&hi)
            .bind(&pattern)
            .bind(&pattern)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}
