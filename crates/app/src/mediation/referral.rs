//! 转调解 (issue 12): a 民间纠纷 that came in as a 接诉即办 case — a quarrel between
//! neighbours — becomes a dispute, and the case closes as 已转调解, the link kept both ways
//! (`dispute_case_links` and the dispute's `referred_case_id`; the case's event names the
//! dispute). Both are saved in one transaction (`store.mediation().refer_case`): a failure of
//! either leaves neither.
//!
//! The dispute: source 诉求转调解, place the case's grid, type 邻里 unless chosen, the requester
//! as the applicant (by the name they gave, their number copied encrypted so the committee can
//! call them and invite them online), the other side as the requester named them; the summary
//! is the case's description with the reason. Nobody's consent is presumed (人民调解法 art 17):
//! the committee asks both sides. The organisation is the one chosen, or by default the
//! community's 人民调解委员会 (art 8: every 居委会 has one; 小事不出村), else the street's
//! 矛调中心.

use super::register::{Prepared, prepare};
use super::{DisputeError, PartyForm, Registration, Who};
use crate::cases::{CaseActor, CaseError, CaseService};
use serde::Deserialize;
use tongxin_domain::case::Action;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::text::Note;
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_store::accounts::User;
use tongxin_store::cases::read::CaseView;
use tongxin_store::mediation::{DisputeView, OrgRecord, PartySide};
use tongxin_store::{Store, StoreError};

/// 转调解 as the case page's form (or a JSON body) gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseReferral {
    /// The case's version the caller read.
    pub version: i64,
    #[serde(default = "neighbourhood")]
    pub dispute_type: DisputeType,
    /// The organisation to take it; `None`: the community's committee, else the street's centre.
    #[serde(default)]
    pub org_id: Option<i64>,
    /// 转调解理由 (the case's event note).
    pub reason: String,
    /// The requester's name as the applicant (blank: the name the case has).
    #[serde(default)]
    pub requester_name: String,
    /// The other side (被申请人), as the requester named them.
    pub other_party: String,
}

fn neighbourhood() -> DisputeType {
    DisputeType::Neighbourhood
}

/// A referral done: the case closed as 已转调解 and the dispute it became.
#[derive(Debug, Clone)]
pub struct Referred {
    pub case: CaseView,
    pub dispute: DisputeView,
}

/// The organisation a case's dispute goes to unless one is chosen: the 人民调解委员会 of the
/// case's community, else the street's 矛调中心 — active and visible to `scope`.
pub async fn default_org(store: &Store, scope: &Scope, case: &CaseView) -> Result<Option<OrgRecord>, StoreError> {
    let orgs: Vec<OrgRecord> = store.mediation().orgs(scope).await?.into_iter().filter(|o| o.active).collect();
    let community = case.grid_code.as_deref().map(|g| &g[..g.len().min(12)]);
    let committee =
        orgs.iter().find(|o| o.kind == OrgKind::PeoplesCommittee && Some(o.region_code.as_str()) == community);
    let centre = || orgs.iter().find(|o| o.kind == OrgKind::StreetCentre && o.region_code == case.street_code);
    Ok(committee.or_else(centre).cloned())
}

/// The dispute's summary: the case's words and why it was referred, within the dispute's bound
/// (the case keeps the full text; the dispute links to it).
fn summary(code: &str, description: &str, reason: &str) -> String {
    let tail = format!("\n（转自接诉即办诉求 {code}。转调解理由：{}）", reason.trim());
    let room = Note::MAX_CHARS.saturating_sub(tail.chars().count());
    let text: String = description.trim().chars().take(room).collect();
    let whole = format!("{text}{tail}");
    whole.chars().take(Note::MAX_CHARS).collect()
}

fn from_case(e: CaseError) -> DisputeError {
    match e {
        CaseError::Invalid { field, message } => DisputeError::Invalid { field, message },
        CaseError::Transition(t) => DisputeError::invalid("case", t.to_string()),
        CaseError::Store(s) => DisputeError::Store(s),
        CaseError::Busy => DisputeError::Store(StoreError::unavailable("系统繁忙，请稍后重试")),
    }
}

/// 转调解 of `case_id` by `user` (the case rules decide who: the dispatch centre, or the grid
/// team holding it). The case's decision comes first (its refusal is the clearest message), then
/// the registration's checks; then both are saved together.
pub async fn refer_case(
    cases: &CaseService,
    user: &User,
    case_id: i64,
    form: CaseReferral,
) -> Result<Referred, DisputeError> {
    let store = cases.store();
    let actor = CaseActor::Staff(user.clone());
    let reason = form.reason.clone();
    let change = cases
        .prepare(&actor, case_id, form.version, Action::ReferToMediation { reason: reason.clone() }, Vec::new())
        .await
        .map_err(from_case)?;
    let case = &change.case;
    let org_id = match form.org_id {
        Some(id) => id,
        None => match default_org(store, &user.scope, case).await? {
            Some(o) => o.id,
            None => return Err(DisputeError::invalid("org_id", "本社区尚无人民调解委员会，请选择调解组织")),
        },
    };
    let phone = store.cases().requester_phone(case.id).await?;
    let requester = match form.requester_name.trim() {
        "" => case.requester_name.clone().unwrap_or_default(),
        typed => typed.to_string(),
    };
    if requester.trim().is_empty() {
        return Err(DisputeError::invalid("requester_name", "请填写诉求人（申请人）姓名"));
    }
    if form.other_party.trim().is_empty() {
        return Err(DisputeError::invalid("other_party", "请填写对方当事人姓名"));
    }
    let party = |name: &str, side, phone: String| PartyForm {
        name: name.to_string(),
        side,
        resident_id: None,
        id_number: String::new(),
        phone,
        consent: None,
    };
    let registration = Registration {
        region: None,
        org_id,
        level: None,
        dispute_type: form.dispute_type,
        source: Source::CaseReferral,
        referred_case_id: Some(case.id),
        summary: summary(&case.code, &case.description, &reason),
        amount: String::new(),
        parties: vec![
            party(&requester, PartySide::Applicant, phone.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default()),
            party(&form.other_party, PartySide::Respondent, String::new()),
        ],
        screening_id: None,
    };
    let Prepared { new, actor: store_actor } = prepare(store, &Who::Staff(user.clone()), registration).await?;
    let dispute = store.mediation().refer_case(&store_actor, new, change.change(), phone.is_some()).await?;
    let case = store.cases().get(&Scope::All, case_id).await?;
    Ok(Referred { case, dispute })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The case's words come first; a long description gives way to the code and the reason.
    #[test]
    fn the_summary_keeps_the_reason_within_the_bound() {
        let short = summary("TX20261122-000001", " 楼上装修噪音 ", "邻里纠纷");
        assert_eq!(short, "楼上装修噪音\n（转自接诉即办诉求 TX20261122-000001。转调解理由：邻里纠纷）");
        let long = summary("TX20261122-000001", &"吵".repeat(Note::MAX_CHARS), "邻里纠纷");
        assert_eq!(long.chars().count(), Note::MAX_CHARS);
        assert!(long.ends_with("转调解理由：邻里纠纷）") && long.starts_with("吵吵"));
        assert!(Note::new(&long).is_ok());
    }
}
