//! Buildings with the tokens of their QR codes, for the printable QR sheets of a grid (staff
//! within scope). The token is what a resident's report link carries.

use crate::error::StoreError;
use crate::{Page, Paged, on_read};
use serde::Serialize;
use tongxin_domain::kernel::access::Scope;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct BuildingQr {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub qr_token: String,
}

impl super::Places<'_> {
    /// The buildings of one grid with their QR tokens, by id; a grid outside the scope has none
    /// to show (`NotFound`).
    pub async fn qr_sheet(&self, scope: &Scope, grid: &str, page: Page) -> Result<Paged<BuildingQr>, StoreError> {
        if !scope.covers_place(grid) {
            return Err(StoreError::NotFound);
        }
        let sql =
            "SELECT id, name, address, qr_token FROM buildings WHERE grid_code = $1 ORDER BY id LIMIT $2 OFFSET $3";
        let items = on_read!(&self.store.db, |p| sqlx::query_as(sql)
            .bind(grid)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(p)
            .await)?;
        let count = "SELECT COUNT(*) FROM buildings WHERE grid_code = $1";
        let total: i64 = on_read!(&self.store.db, |p| sqlx::query_scalar(count).bind(grid).fetch_one(p).await)?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }
}
