//! Who did each step of a case, for the case page to show staff by name and role (issue 11
//! minors): the events' actor ids (the events themselves carry only the login name).

use super::Cases;
use crate::error::StoreError;
use crate::on_read;

impl Cases<'_> {
    /// `(event id, actor id)` of the case's events done by an account.
    pub async fn event_actors(&self, case_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = "SELECT id, actor_id FROM case_events WHERE case_id = $1 AND actor_id IS NOT NULL ORDER BY id";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(case_id).fetch_all(p).await)?)
    }
}
