//! 在线咨询 and 在线评估 (issue 12): the first two of the seeds' "在线咨询、在线评估、在线调解、
//! 在线仲裁、在线诉讼" — "最多跑一次" for people, "especially those living in two places".
//!
//! - **在线评估** ([`suggest`]): a short structured assessment — the type, the amount, where the
//!   other side lives, whether it is heating up — names the organisation that should take the
//!   dispute, with the reason and what else the person may do. The rules, in order:
//!   1. a 专业性人民调解委员会 of the dispute's field over the place (人民调解法 art 34; 司法部
//!      《关于推进行业性专业性人民调解工作的指导意见》): it knows the field;
//!   2. the street's 矛调中心 when the matter is beyond one community — the other side lives in
//!      another community or elsewhere, the amount is large ([`LARGE_AMOUNT_FEN`]), it is
//!      heating up, or its type belongs to the centre's professional desks (劳动争议, 交通事故,
//!      医患, 征地拆迁) — "大事不出镇" (信访工作条例 art 15);
//!   3. otherwise the community's 人民调解委员会 (art 8): "小事不出村".
//! - **在线咨询** ([`Question`], [`Answer`]): a question to the centre, answered by a mediator or
//!   the legal adviser on duty; the answer reaches the person by a private link sent by SMS.

use super::amount::Amount;
use super::kinds::{DisputeType, Level};
use super::names::named_enum;
use super::org::OrgKind;
use crate::kernel::text::{Lines, TextError, bounded, optional, required};
use std::fmt;

bounded!(
    /// 在线咨询: the question as the person wrote it.
    Question,
    "咨询内容",
    1000,
    Lines::Many
);
bounded!(
    /// The answer of a mediator or legal adviser.
    Answer,
    "答复内容",
    2000,
    Lines::Many
);

/// At or above this amount (100,000 元, in 分) a dispute goes to the street's centre: a
/// community committee's mediators take the everyday ones.
pub const LARGE_AMOUNT_FEN: i64 = 100_000 * 100;

named_enum! {
    /// Where the other side lives, as the person says.
    Apart {
        SameCommunity = "same_community", "同一社区（村）";
        SameStreet = "same_street", "本街道的其他社区（村）";
        Elsewhere = "elsewhere", "外地（两地）";
    }
}

/// An 在线评估 as answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub dispute_type: DisputeType,
    pub amount: Option<Amount>,
    pub apart: Apart,
    /// The person sees signs of it turning violent (人民调解法 art 25).
    pub heating_up: bool,
}

/// An organisation the assessment may name: active, sitting over the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgOption {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub level: Level,
    pub field: Option<DisputeType>,
}

/// What the assessment suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The organisation to apply to; `None` when none sits over the place.
    pub org: Option<OrgOption>,
    /// Why, in a sentence, with the rule.
    pub why: String,
    /// What else the person may do or should know, one line each.
    pub notes: Vec<&'static str>,
}

/// Types the street's centre takes from the start (its professional desks).
fn centre_type(t: DisputeType) -> bool {
    matches!(
        t,
        DisputeType::Labour | DisputeType::TrafficAccident | DisputeType::Medical | DisputeType::LandRequisition
    )
}

/// Names the organisation for an assessment among `orgs` (those over the place).
pub fn suggest(a: &Assessment, orgs: &[OrgOption]) -> Suggestion {
    let mut notes = vec!["人民调解不收取任何费用（《人民调解法》第四条）。"];
    match a.dispute_type {
        DisputeType::Labour => {
            notes.push("劳动争议也可向劳动人事争议仲裁委员会申请仲裁（《劳动争议调解仲裁法》第五条）。")
        }
        DisputeType::TrafficAccident => {
            notes.push("交通事故损害赔偿也可请公安交通管理部门调解（《道路交通安全法》第七十四条）。")
        }
        DisputeType::MarriageFamily => {
            notes.push("离婚须到婚姻登记机关或人民法院办理，调解可解决财产、抚养、赡养等争议。")
        }
        _ => {}
    }
    if a.heating_up {
        notes.push("如有人身危险，请立即拨打 110；调解组织会同时报告派出所（《人民调解法》第二十五条）。");
    }
    notes.push("达成调解协议后，双方可在 30 日内共同申请司法确认（《人民调解法》第三十三条）。");

    let professional =
        orgs.iter().find(|o| o.kind == OrgKind::ProfessionalCommittee && o.field == Some(a.dispute_type));
    if let Some(o) = professional {
        let why = format!("{}专门调解{}纠纷（《人民调解法》第三十四条）。", o.name, a.dispute_type.label());
        return Suggestion { org: Some(o.clone()), why, notes };
    }
    let large = a.amount.is_some_and(|m| m.fen() >= LARGE_AMOUNT_FEN);
    let reasons: Vec<&str> = [
        (a.apart != Apart::SameCommunity, "双方不在同一社区"),
        (large, "争议金额较大"),
        (a.heating_up, "有激化苗头"),
        (centre_type(a.dispute_type), "属于矛调中心的专业调解范围"),
    ]
    .into_iter()
    .filter_map(|(yes, why)| yes.then_some(why))
    .collect();
    let centre = orgs.iter().find(|o| o.kind == OrgKind::StreetCentre);
    let committee = orgs.iter().find(|o| o.kind == OrgKind::PeoplesCommittee && o.level <= Level::Community);
    match (reasons.is_empty(), centre, committee) {
        (false, Some(c), _) | (true, Some(c), None) => {
            let because = if reasons.is_empty() {
                "本社区尚未设立调解委员会".to_string()
            } else {
                reasons.join("、")
            };
            let why = format!("{because}，建议由{}调处（大事不出镇，《信访工作条例》第十五条）。", c.name);
            Suggestion { org: Some(c.clone()), why, notes }
        }
        (_, _, Some(c)) => {
            let why = format!("邻里身边的纠纷，由{}就地调解（小事不出村，《人民调解法》第八条）。", c.name);
            Suggestion { org: Some(c.clone()), why, notes }
        }
        (_, None, None) => {
            Suggestion {
                org: None, why: "纠纷发生地尚无可在线申请的调解组织，请到街道矛调中心来访。".into(), notes
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, kind: OrgKind, level: Level, field: Option<DisputeType>) -> OrgOption {
        OrgOption { id, name: format!("组织{id}"), kind, level, field }
    }

    fn orgs() -> Vec<OrgOption> {
        vec![
            org(1, OrgKind::StreetCentre, Level::Street, None),
            org(2, OrgKind::PeoplesCommittee, Level::Community, None),
            org(3, OrgKind::ProfessionalCommittee, Level::Street, Some(DisputeType::PropertyManagement)),
        ]
    }

    fn yuan(n: i64) -> Option<Amount> {
        Amount::from_fen(n * 100)
    }

    /// Every rule as a row: (type, amount, apart, heating up) → the organisation's id.
    #[test]
    fn the_assessment_names_the_organisation_by_the_rules_in_order() {
        use Apart::*;
        use DisputeType::*;
        let table: [(DisputeType, Option<Amount>, Apart, bool, i64); 10] = [
            // 小事不出村: a neighbour's matter stays in the community.
            (Neighbourhood, None, SameCommunity, false, 2),
            (Contract, yuan(3_000), SameCommunity, false, 2),
            (Contract, yuan(99_999), SameCommunity, false, 2),
            // The field's professional committee first, whatever else (art 34).
            (PropertyManagement, yuan(500_000), Elsewhere, true, 3),
            // Beyond one community: the centre.
            (Contract, yuan(100_000), SameCommunity, false, 1),
            (Neighbourhood, None, SameStreet, false, 1),
            (MarriageFamily, None, Elsewhere, false, 1),
            (Neighbourhood, None, SameCommunity, true, 1),
            (Labour, yuan(8_000), SameCommunity, false, 1),
            (TrafficAccident, yuan(2_000), SameCommunity, false, 1),
        ];
        for (dispute_type, amount, apart, heating_up, want) in table {
            let a = Assessment { dispute_type, amount, apart, heating_up };
            let s = suggest(&a, &orgs());
            assert_eq!(s.org.map(|o| o.id), Some(want), "{a:?}: {}", s.why);
            assert!(s.notes.iter().any(|n| n.contains("不收取任何费用")), "{a:?}");
        }
    }

    #[test]
    fn without_a_committee_or_a_centre_the_person_is_told_where_to_go() {
        let a = Assessment {
            dispute_type: DisputeType::Neighbourhood,
            amount: None,
            apart: Apart::SameCommunity,
            heating_up: false,
        };
        let only_centre = vec![org(1, OrgKind::StreetCentre, Level::Street, None)];
        let s = suggest(&a, &only_centre);
        assert_eq!(s.org.map(|o| o.id), Some(1));
        assert!(s.why.contains("尚未设立调解委员会"), "{}", s.why);
        let none = suggest(&a, &[]);
        assert!(none.org.is_none() && none.why.contains("来访"), "{}", none.why);
    }

    #[test]
    fn the_notes_follow_the_type_and_the_danger() {
        let a = |dispute_type, heating_up| Assessment {
            dispute_type,
            amount: None,
            apart: Apart::SameCommunity,
            heating_up,
        };
        let labour = suggest(&a(DisputeType::Labour, false), &orgs());
        assert!(labour.notes.iter().any(|n| n.contains("劳动人事争议仲裁")));
        let hot = suggest(&a(DisputeType::Neighbourhood, true), &orgs());
        assert!(hot.notes.iter().any(|n| n.contains("110")), "{:?}", hot.notes);
        assert!(hot.why.contains("激化"), "{}", hot.why);
    }

    #[test]
    fn questions_and_answers_are_bounded() {
        assert!(Question::new("  ").is_err());
        assert!(Question::new(&"问".repeat(1001)).is_err());
        assert_eq!(Question::new(" 邻居占用车位怎么办？ ").unwrap().as_str(), "邻居占用车位怎么办？");
        assert!(Answer::new(&"答".repeat(2000)).is_ok());
        assert!(Answer::new(&"答".repeat(2001)).is_err());
    }
}
