//! Rebuilding the search index: once, for databases whose cases were indexed before every
//! case carried its area words (`search::area_words`). Until the rebuild has finished, searches
//! do not rely on area words, so they stay complete, only slower.

use super::search::{case_words, index_words};
use crate::bulk::insert_rows;
use crate::error::StoreError;
use crate::{on_read, on_tx};
use std::collections::HashMap;

/// Set (by the migration on an empty database, or by `store.cases().rebuild_search_index`) once
/// every indexed case carries its area words.
pub const AREA_WORDS_READY: &str = "search.area_words";

const CHUNK: i64 = 5_000;

impl super::Cases<'_> {
    /// Whether searches may narrow by area words.
    pub async fn search_has_area_words(&self) -> Result<bool, StoreError> {
        Ok(self.store.settings().get(AREA_WORDS_READY).await?.as_deref() == Some("true"))
    }

    /// Re-indexes every case (its text, event notes and area words) in chunks, one transaction
    /// each, reporting how many cases are done; then marks the index ready. Idempotent: an
    /// interrupted rebuild is simply run again. Does nothing when the index is ready.
    pub async fn rebuild_search_index(&self, progress: &mut dyn FnMut(i64, i64)) -> Result<i64, StoreError> {
        if self.store.cases().search_has_area_words().await? {
            return Ok(0);
        }
        let total: i64 =
            on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(p).await)?;
        let mut after = 0i64;
        let mut done = 0i64;
        loop {
            let sql = "SELECT id, title || ' ' || description || ' ' || address, street_code, grid_code \
                       FROM cases WHERE id > $1 ORDER BY id LIMIT $2";
            let cases: Vec<(i64, String, String, Option<String>)> =
                on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(after).bind(CHUNK).fetch_all(p).await)?;
            let (Some(first), Some(last)) = (cases.first().map(|c| c.0), cases.last().map(|c| c.0)) else {
                break;
            };
            let sql = "SELECT case_id, note FROM case_events WHERE case_id >= $1 AND case_id <= $2 AND note <> '' ORDER BY id";
            let notes: Vec<(i64, String)> =
                on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(first).bind(last).fetch_all(p).await)?;
            let mut by_case: HashMap<i64, Vec<&str>> = HashMap::new();
            for (id, note) in &notes {
                by_case.entry(*id).or_default().push(note);
            }
            let rows: Vec<Vec<crate::bulk::Val>> = cases
                .iter()
                .map(|(id, text, street, grid)| {
                    let mut texts = vec![text.as_str()];
                    texts.extend(by_case.get(id).into_iter().flatten().copied());
                    vec![(*id).into(), case_words(&index_words(&texts), street, grid.as_deref()).into()]
                })
                .collect();
            let mut tx = self.store.db.begin().await?;
            on_tx!(&mut tx, |c| sqlx::query("DELETE FROM case_fts WHERE rowid >= $1 AND rowid <= $2")
                .bind(first)
                .bind(last)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            insert_rows(&mut tx, "case_fts", &["rowid", "words"], &rows).await?;
            tx.commit().await?;
            done += cases.len() as i64;
            after = last;
            progress(done, total);
        }
        self.store.settings().set(&crate::Actor::system("search"), AREA_WORDS_READY, "true").await?;
        Ok(done)
    }
}
