//! The queue's search box beyond keywords (issue 11 item 6): a tracking code opens its case, a
//! full phone number lists the cases of that requester. Both stay within the caller's scope; a
//! case out of scope is "not found", the same answer as an unknown code. A phone number is an
//! unmask (the permission, an audit record, the hourly limit), decided by the store.

use crate::AppState;
use crate::ui::error::PageError;
use crate::ui::staff::Staff;
use tongxin_domain::case::{format_code, parse_code};
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::StoreError;
use tongxin_store::cases::lookup::PHONE_LOOKUP_LIMIT;
use tongxin_store::cases::read::CaseView;
use tongxin_store::residents::{SearchRefused, Searcher};

/// What the search box asked for.
pub(super) enum Lookup {
    /// Words: the queue's keyword search.
    Keywords,
    /// A tracking code of a case in scope.
    Case(i64),
    /// The cases of a phone number, with a line saying what was searched.
    Cases { cases: Vec<CaseView>, note: String },
    /// Nothing to show, and why.
    Refused(String),
}

/// A full phone number as typed (spaces, dashes and +86 allowed); four digits or a name are not.
fn as_phone(q: &str) -> Option<Phone> {
    let digits = q.trim().trim_start_matches("+86").replace([' ', '-'], "");
    (digits.len() >= 10 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| Phone::parse(&digits).ok()).flatten()
}

pub(super) async fn lookup(s: &AppState, staff: &Staff, q: &str) -> Result<Lookup, PageError> {
    let q = q.trim();
    if let Some((day, seq)) = parse_code(q) {
        let code = format_code(day, seq).unwrap_or_else(|| q.to_string());
        return match s.store.case_id_by_code(staff.scope(), &code).await {
            Ok(id) => Ok(Lookup::Case(id)),
            Err(StoreError::NotFound) => Ok(Lookup::Refused(format!("没有找到编号为 {code} 的诉求"))),
            Err(e) => Err(e.into()),
        };
    }
    let Some(phone) = as_phone(q) else {
        return Ok(Lookup::Keywords);
    };
    let actor = staff.actor();
    let who = Searcher { actor: &actor, can_unmask: staff.user.can_unmask };
    match s.store.cases().by_requester_phone_in_scope(staff.scope(), who, &phone).await {
        Ok(cases) => {
            let masked = tongxin_domain::kernel::mask::mask_phone(phone.as_str());
            let note = if cases.len() == PHONE_LOOKUP_LIMIT {
                format!("手机号 {masked} 的诉求，最近 {PHONE_LOOKUP_LIMIT} 件（本次查找已记入审计日志）")
            } else {
                format!("手机号 {masked} 的诉求共 {} 件（本次查找已记入审计日志）", cases.len())
            };
            Ok(Lookup::Cases { cases, note })
        }
        Err(SearchRefused::Store(e)) => Err(e.into()),
        Err(refused) => Ok(Lookup::Refused(refused.to_string())),
    }
}
