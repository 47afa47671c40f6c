//! Reads added for 考评 and the 12345 work-order import. (Rankings themselves read the monthly
//! counters through `store.cases().unit_month_stats`: one primary-key range per level.)

use crate::error::StoreError;
use crate::on_read;
use sqlx::AssertSqlSafe;
use std::collections::HashSet;

/// Keys per query (well under both backends' parameter limits).
const KEYS_PER_QUERY: usize = 500;

impl super::Cases<'_> {
    /// Which of `keys` are the dedupe key of some case, at any time — e.g. the `12345:{工单编号}`
    /// keys of work orders imported before. Index range reads on `cases_dedupe`.
    pub async fn existing_dedupe_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in keys.chunks(KEYS_PER_QUERY) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT DISTINCT dedupe_key FROM cases WHERE dedupe_key IN ({})", marks.join(", "));
            let rows: Vec<String> = on_read!(&self.store.db, |p| {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str()));
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(p).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }
}
