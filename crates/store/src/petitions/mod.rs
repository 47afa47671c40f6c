//! 信访 (issue 12): the storage of the pure rules in `tongxin_domain::petition`.
//!
//! - [`read`]: one petition, the scoped and filtered page, its people (masked; an audited
//!   unmask), its events, the links with 接诉即办 cases and disputes, and a person's petitions
//!   for the duplicate rule (by the blind index of their identity);
//! - [`write`]: registration with the next code of the street and day
//!   (`XF330702001-20261206-0001`), the version-guarded save of a decision — state, events,
//!   outbox notices, the dispute link and the audit record in one transaction — and the link
//!   event of a repeated petition (art 19);
//! - [`stats`]: the states of a period's petitions for the leaders' 按期率, and those received
//!   on a day for the daily list;
//! - [`timers`]: what the jobs run: warning and overdue marks of the earliest pending duty, and
//!   the petitions whose 复查/复核 window lapsed.
//!
//! Who reads what is a [`Scope`]: region staff read the petitions whose place lies in their
//! region; a department reads the petitions transferred or assigned to it (it holds them now),
//! and nothing else. Personal data (name, address, ID number, phone of the petitioner and of the
//! representatives) is encrypted, with blind indexes and masked forms; views carry only the
//! masked forms. Rows decode into the domain's types here; one that does not is an error.

mod read;
mod stats;
mod timers;
mod write;

pub use read::{PersonView, PetitionEvent, PetitionFilter, PetitionView, UnmaskedPerson};
pub use stats::MAX_RATED;
pub use timers::{DuePetition, MarkedPetition, clock_text};
pub use write::{NewNotice, NewPetition, PersonData, PetitionChange, Timers};

use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::subtree_range;
use tongxin_domain::petition::ClockKind;

repository!(
    /// 信访: petitions, their people, events, links and timers.
    Petitions,
    petitions
);

/// The unit of the registering office (信访部门) of a street: its dispatch centre.
pub fn office_unit(street: &str) -> String {
    format!("dispatchers:{street}")
}

/// The unit of the bodies above (复查/复核) of a street's petitions: the district's leaders.
pub fn reviewers_unit(street: &str) -> String {
    format!("supervisors:2:{street}")
}

/// The written notices to a petition's petitioner (书面告知/答复), queued for the office to send.
pub fn petitioner_unit(id: i64) -> String {
    format!("petition_petitioner:{id}")
}

/// Whose duty a clock is: the office's, the holding unit's (the office while it keeps the
/// petition), or the 复查/复核 body's.
pub fn duty_unit(kind: ClockKind, holder: Option<&Unit>, street: &str) -> String {
    match kind {
        ClockKind::Notice => office_unit(street),
        ClockKind::ReviewAnswer | ClockKind::RecheckAnswer => reviewers_unit(street),
        _ => holder.map(Unit::key).unwrap_or_else(|| office_unit(street)),
    }
}

/// The visibility filter on `petitions p`, binding `$1`/`$2` (the area range) and `$3` (the
/// unit key a department reads by; empty for none).
const VISIBLE: &str = "((p.area_code >= $1 AND p.area_code < $2) OR p.holder_unit = $3)";

/// The values [`VISIBLE`] binds for a scope.
#[derive(Debug, Clone)]
struct Visible {
    lo: String,
    hi: String,
    unit: String,
}

fn visible(scope: &Scope) -> Visible {
    match scope {
        Scope::Department { id, .. } => {
            Visible { lo: String::new(), hi: String::new(), unit: Unit::Department(*id).key() }
        }
        other => {
            let (lo, hi) = subtree_range(other.people_prefix().unwrap_or_default());
            Visible { lo, hi, unit: String::new() }
        }
    }
}
