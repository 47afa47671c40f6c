//! 矛盾纠纷多元化解 / 人民调解 (issue 12): the storage of the pure rules in
//! `tongxin_domain::mediation`.
//!
//! - [`orgs`]: mediation organisations, the roster of a 人民调解委员会 with the domain's
//!   composition problems (人民调解法 arts 8–9), the configurable risk levels;
//! - [`mediators`]: mediators, linked to a staff account when they have one, and their removal;
//! - [`read`]: one dispute, the scoped and filtered list, its parties (ID and phone masked), its
//!   events and its links to 接诉即办 cases;
//! - [`write`]: registration with the next code of the street and day, and the version-guarded
//!   save of a decision — state, events, current mediators, outbox notices and the audit
//!   record in one transaction;
//! - [`files`]: the signed agreement's scan, written with the decision that names it;
//! - [`referral`]: 转调解 — the dispute a case becomes and the closed case in one transaction;
//! - [`screenings`]: 网格排查, one record per grid and month, and the disputes each found;
//! - [`Mediation::notice_units`]: the mediation notice inboxes of a staff account;
//! - [`room`]: the online room's messages, attachments, draft agreement, confirmations and the
//!   one-time codes and sessions of parties;
//! - [`stats`]: the leaders' figures added up in SQL, the 矛调中心's daily list and the open
//!   disputes of the risk map, within the viewer's reach;
//! - [`timers`]: the queries the jobs run: the one-month limit's warnings and overdue marks,
//!   disputes awaiting automatic 督办, 司法确认 windows to lapse.
//!
//! Who reads what is a [`Viewer`]: staff read the disputes whose place lies in their region
//! scope; a mediator's account reads, within its scope, the disputes of the organisations its
//! mediator records serve and those assigned to them — only while a record may act (not removed,
//! within its term), so a removal ends access at once; a party reads the disputes naming their
//! phone number. Rows decode into the domain's types here; one that does not is an error.

mod files;
mod inboxes;
mod mediators;
pub mod online;
mod orgs;
mod read;
mod referral;
pub mod room;
mod screenings;
mod stats;
mod timers;
mod write;

pub use files::{DisputeFileBytes, DisputeFileInfo, NewDisputeFile, file_ref};
pub use mediators::{MediatorRecord, NewMediator};
pub use orgs::{OrgDetail, OrgRecord};
pub use read::{DisputeEvent, DisputeFilter, DisputeView, PartyView, UnmaskedParty};
pub use screenings::{ScreeningLog, ScreeningRow};
pub use stats::{DAILY_EVENTS, DailyLine, DisputeLine, Group, OpenCount};
pub use timers::{DueDispute, MarkedDispute, limit_text};
pub use write::{DisputeChange, NewDispute, NewNotice, NewParty, PartySide, Timers};

use crate::error::StoreError;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::subtree_range;

repository!(
    /// Mediation: organisations, mediators, risk levels, disputes and their timers.
    Mediation,
    mediation
);

/// Who reads disputes (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Staff other than mediators: the disputes in their region scope (department staff: none).
    Staff(Scope),
    /// A mediator's account: within its scope, the disputes of its organisations and those
    /// assigned to it, while one of its mediator records may act.
    Mediator { scope: Scope, user_id: i64 },
    /// A party online, known by their phone number.
    Party(Phone),
    /// Background jobs.
    System,
}

impl Viewer {
    /// The viewer a staff account is: a mediator's account reads as a mediator.
    pub fn of_user(user: &crate::accounts::User) -> Viewer {
        if user.role == Role::Mediator {
            Viewer::Mediator { scope: user.scope.clone(), user_id: user.id }
        } else {
            Viewer::Staff(user.scope.clone())
        }
    }
}

/// A mediator's record may act: not removed and within its term on `$4` (the SQL of the
/// visibility filter; `m` is the mediators row).
const RECORD_ACTIVE: &str = "m.status = 'active' AND m.term_start <= $4 AND (m.term_end IS NULL OR m.term_end >= $4)";

/// The visibility filter on `disputes d`, binding `$1`/`$2` (the area range), `$3` (a
/// mediator's user id, 0 for none), `$4` (today, Shanghai) and `$5` (a party's phone blind
/// index, empty for none).
fn visible_sql() -> String {
    format!(
        "d.area_code >= $1 AND d.area_code < $2 \
         AND ($3 = 0 OR d.org_id IN (SELECT m.org_id FROM mediators m WHERE m.user_id = $3 AND {RECORD_ACTIVE}) \
              OR d.id IN (SELECT dm.dispute_id FROM dispute_mediators dm JOIN mediators m ON m.id = dm.mediator_id \
                          WHERE m.user_id = $3 AND {RECORD_ACTIVE})) \
         AND (length($5) = 0 OR d.id IN (SELECT p.dispute_id FROM dispute_parties p WHERE p.phone_hmac = $5))"
    )
}

/// The values [`visible_sql`] binds.
#[derive(Debug, Clone)]
struct Visible {
    lo: String,
    hi: String,
    mediator_user: i64,
    today: chrono::NaiveDate,
    phone_hmac: Vec<u8>,
}

impl Mediation<'_> {
    /// Today in Shanghai, by the store's clock.
    fn today(&self) -> chrono::NaiveDate {
        tongxin_domain::case::deadline::shanghai_date(self.store.now())
    }

    /// The binds of a viewer's filter; department staff read no disputes (personal data).
    fn visible(&self, viewer: &Viewer) -> Result<Visible, StoreError> {
        let today = self.today();
        let range = |scope: &Scope| scope.people_prefix().map(subtree_range).ok_or(StoreError::NotFound);
        let (lo, hi, mediator_user, phone_hmac) = match viewer {
            Viewer::Staff(scope) => {
                let (lo, hi) = range(scope)?;
                (lo, hi, 0, Vec::new())
            }
            Viewer::Mediator { scope, user_id } => {
                let (lo, hi) = range(scope)?;
                (lo, hi, *user_id, Vec::new())
            }
            Viewer::Party(phone) => {
                let (lo, hi) = subtree_range("");
                (lo, hi, 0, self.store.pii().blind_index(phone.as_str()))
            }
            Viewer::System => {
                let (lo, hi) = subtree_range("");
                (lo, hi, 0, Vec::new())
            }
        };
        Ok(Visible { lo, hi, mediator_user, today, phone_hmac })
    }

    /// [`Mediation::visible`] narrowed to `area` (a region code), which must lie within the
    /// viewer's range: a wider or another area is not found.
    fn visible_in(&self, viewer: &Viewer, area: Option<&str>) -> Result<Visible, StoreError> {
        let mut v = self.visible(viewer)?;
        if let Some(area) = area.map(str::trim).filter(|a| !a.is_empty()) {
            if !area.starts_with(v.lo.as_str()) {
                return Err(StoreError::NotFound);
            }
            (v.lo, v.hi) = subtree_range(area);
        }
        Ok(v)
    }
}
