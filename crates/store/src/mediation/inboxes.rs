//! The mediation notice inboxes of a staff account (issue 12): the use-cases address notices to
//! `mediator:{record}` and `mediation_org:{organisation}` (`tongxin_app::mediation::notices`);
//! these are the ones an account reads, beside its case inboxes
//! (`crate::cases::notices::NoticeInboxes::of`).

use super::{Mediation, RECORD_ACTIVE};
use crate::accounts::User;
use crate::error::StoreError;
use crate::on_read;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::{Role, Scope};

impl Mediation<'_> {
    /// A mediator's account reads `mediator:{id}` and `mediation_org:{org}` of each of its
    /// mediator records that may act today — not removed, within its term — so a removal (人民
    /// 调解法 art 15) empties the inbox at once. The desk reads its organisations': a community
    /// worker those sitting in the community, and `community:{code}` (a dispute escalated to the
    /// community); a dispatcher those sitting in the street (the 矛调中心; escalations to the
    /// street already reach `dispatchers:{street}`). Others read none.
    pub async fn notice_units(&self, user: &User) -> Result<Vec<String>, StoreError> {
        let region = match &user.scope {
            Scope::Region { code } => code.as_str().to_string(),
            _ => String::new(),
        };
        let mut units = Vec::new();
        match user.role {
            Role::Mediator => {
                let sql = format!(
                    "SELECT m.id, m.org_id FROM mediators m WHERE m.user_id = $1 AND {} ORDER BY m.id",
                    RECORD_ACTIVE.replace("$4", "$2")
                );
                let rows: Vec<(i64, i64)> = on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(user.id)
                    .bind(self.today())
                    .fetch_all(p)
                    .await)?;
                for (mediator, org) in rows {
                    units.push(format!("mediator:{mediator}"));
                    let org = format!("mediation_org:{org}");
                    if !units.contains(&org) {
                        units.push(org);
                    }
                }
            }
            Role::CommunityWorker | Role::Dispatcher
                if (user.role, region.len()) == (Role::CommunityWorker, 12)
                    || (user.role, region.len()) == (Role::Dispatcher, 9) =>
            {
                let sql = "SELECT id FROM mediation_orgs WHERE region_code = $1 ORDER BY id";
                let orgs: Vec<i64> =
                    on_read!(&self.store.db, |p| sqlx::query_scalar(sql).bind(&region).fetch_all(p).await)?;
                units.extend(orgs.into_iter().map(|o| format!("mediation_org:{o}")));
                if user.role == Role::CommunityWorker {
                    units.push(format!("community:{region}"));
                }
            }
            _ => {}
        }
        Ok(units)
    }
}
