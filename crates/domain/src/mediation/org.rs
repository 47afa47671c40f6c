//! Mediation organisations and the composition rule of a 人民调解委员会 (人民调解法 arts 8,
//! 9, 34). Mediators are in [`super::mediator`].

use super::kinds::{DisputeType, Level};
use super::names::named_enum;
use crate::kernel::region::{RegionCode, RegionLevel};
use crate::kernel::text::{Label, TextError};
use crate::people::idcard::Gender;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

named_enum! {
    /// The kinds of organisation that mediate (DESIGN §2.5).
    OrgKind {
        /// 人民调解委员会 of a 村/居委会 (art 8: they **must** set one up), or of a 乡镇/街道 or
        /// another body that sets one up by analogy (art 34).
        PeoplesCommittee = "peoples_committee", "人民调解委员会";
        /// 行业性、专业性人民调解委员会 (医患, 交通事故, 劳动争议, 物业, 婚姻家庭 …).
        ProfessionalCommittee = "professional_committee", "专业性人民调解委员会";
        SocialOrganisation = "social_organisation", "社会调解组织";
        /// 个人调解工作室 (a named mediator's studio).
        PersonalStudio = "personal_studio", "个人调解工作室";
        /// 街道社会矛盾纠纷调处化解中心.
        StreetCentre = "street_centre", "街道矛调中心";
    }
}

impl OrgKind {
    /// The region levels an organisation of this kind may sit at.
    pub fn allowed_levels(self) -> &'static [RegionLevel] {
        use RegionLevel::*;
        match self {
            OrgKind::PeoplesCommittee => &[Community, Street],
            OrgKind::ProfessionalCommittee => &[District, Street],
            OrgKind::SocialOrganisation => &[District, Street, Community],
            OrgKind::PersonalStudio => &[Street, Community],
            OrgKind::StreetCentre => &[Street],
        }
    }
}

/// A mediation organisation of the street (the store keeps its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    /// Where it sits: a community, street or district code.
    pub region: RegionCode,
    /// The field of a professional committee (医患, 交通事故 …); optional for the others.
    pub field: Option<DisputeType>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("{}不能设在{}一级", .kind.label(), .level.label())]
    WrongLevel { kind: OrgKind, level: RegionLevel },
    #[error("专业性人民调解委员会须写明其专业领域（如医患、交通事故、劳动争议）")]
    NoField,
    #[error(transparent)]
    Text(#[from] TextError),
}

impl Organisation {
    /// A checked organisation: a name (≤ 50 characters), a region of a level its kind allows,
    /// and a field for a professional committee.
    pub fn new(
        id: i64,
        kind: OrgKind,
        name: &str,
        region: RegionCode,
        field: Option<DisputeType>,
    ) -> Result<Organisation, OrgError> {
        let name = Label::named("组织名称", name)?.into_string();
        if !kind.allowed_levels().contains(&region.level()) {
            return Err(OrgError::WrongLevel { kind, level: region.level() });
        }
        let field = match (kind, field) {
            (OrgKind::ProfessionalCommittee, None | Some(DisputeType::Other)) => return Err(OrgError::NoField),
            (_, f) => f,
        };
        Ok(Organisation { id, kind, name, region, field })
    }

    /// The handling level of its disputes.
    pub fn level(&self) -> Level {
        Level::of_region(&self.region)
    }

    /// What a dispute records of the organisation holding it.
    pub fn reference(&self) -> crate::mediation::OrgRef {
        crate::mediation::OrgRef { id: self.id, kind: self.kind, level: self.level() }
    }
}

/// The communities (村/居) without a 人民调解委员会 of their own: art 8 requires one in each.
pub fn communities_without_committee(communities: &[RegionCode], orgs: &[Organisation]) -> Vec<RegionCode> {
    let with: HashSet<&RegionCode> =
        orgs.iter().filter(|o| o.kind == OrgKind::PeoplesCommittee).map(|o| &o.region).collect();
    communities.iter().filter(|c| c.level() == RegionLevel::Community && !with.contains(c)).cloned().collect()
}

named_enum! {
    /// A committee member's post (art 8: 主任一人, 必要时副主任若干人).
    Post {
        Director = "director", "主任";
        DeputyDirector = "deputy_director", "副主任";
        Member = "member", "委员";
    }
}

/// One member of a 人民调解委员会.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeMember {
    pub name: String,
    pub gender: Gender,
    pub post: Post,
    /// A member of a less populous ethnic group (art 8, multi-ethnic areas).
    #[serde(default)]
    pub minority: bool,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
}

/// The smallest and largest committee (art 8).
pub const COMMITTEE_SIZE: std::ops::RangeInclusive<usize> = 3..=9;
/// A term, in months (art 9: 每届任期三年).
pub const TERM_MONTHS: u32 = 36;

/// What is wrong with a committee; each message cites its article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitteeProblem {
    #[error("委员会现有{count}人，少于三人（人民调解法第八条：由委员三至九人组成）")]
    TooFew { count: usize },
    #[error("委员会现有{count}人，多于九人（人民调解法第八条：由委员三至九人组成）")]
    TooMany { count: usize },
    #[error("委员会中没有妇女成员（人民调解法第八条：应当有妇女成员）")]
    NoWoman,
    #[error("委员会未设主任（人民调解法第八条：设主任一人）")]
    NoDirector,
    #[error("委员会设了{count}名主任（人民调解法第八条：设主任一人）")]
    SeveralDirectors { count: usize },
    #[error("多民族居住地区的委员会中没有人数较少民族的成员（人民调解法第八条）")]
    NoMinority,
    #[error("第{row}名委员的姓名有误：{error}")]
    BadName { row: usize, error: TextError },
    #[error("委员“{name}”重复列入")]
    Duplicate { name: String },
    #[error("委员“{name}”的任期结束日不晚于开始日")]
    TermBackwards { name: String },
    #[error("委员“{name}”的任期超过三年（人民调解法第九条：每届任期三年）")]
    TermTooLong { name: String },
    #[error("委员“{name}”的任期已于{end}届满，应当换届或补选（人民调解法第九条）")]
    TermOver { name: String, end: NaiveDate },
}

/// Everything wrong with a committee's roster on `on` (empty when it complies): 3–9 members,
/// at least one woman, exactly one 主任, a minority member in a multi-ethnic area (art 8);
/// terms of at most three years, not yet over (art 9). A by-elected member's term may be
/// shorter: it ends with the committee's.
pub fn committee_problems(
    members: &[CommitteeMember],
    multi_ethnic_area: bool,
    on: NaiveDate,
) -> Vec<CommitteeProblem> {
    let mut out = Vec::new();
    let count = members.len();
    if count < *COMMITTEE_SIZE.start() {
        out.push(CommitteeProblem::TooFew { count });
    } else if count > *COMMITTEE_SIZE.end() {
        out.push(CommitteeProblem::TooMany { count });
    }
    if !members.iter().any(|m| m.gender == Gender::Female) {
        out.push(CommitteeProblem::NoWoman);
    }
    match members.iter().filter(|m| m.post == Post::Director).count() {
        0 => out.push(CommitteeProblem::NoDirector),
        1 => {}
        count => out.push(CommitteeProblem::SeveralDirectors { count }),
    }
    if multi_ethnic_area && !members.iter().any(|m| m.minority) {
        out.push(CommitteeProblem::NoMinority);
    }
    let mut seen = HashSet::new();
    for (i, m) in members.iter().enumerate() {
        let name = match Label::named("委员姓名", &m.name) {
            Ok(n) => n.into_string(),
            Err(error) => {
                out.push(CommitteeProblem::BadName { row: i + 1, error });
                continue;
            }
        };
        if !seen.insert(name.clone()) {
            out.push(CommitteeProblem::Duplicate { name: name.clone() });
        }
        if m.term_end <= m.term_start {
            out.push(CommitteeProblem::TermBackwards { name });
            continue;
        }
        // Past the date three years on, or that date does not exist (beyond chrono's range).
        if m.term_start.checked_add_months(Months::new(TERM_MONTHS)).is_none_or(|max| m.term_end > max) {
            out.push(CommitteeProblem::TermTooLong { name: name.clone() });
        }
        if m.term_end < on {
            out.push(CommitteeProblem::TermOver { name, end: m.term_end });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn organisations_sit_at_their_level() {
        let c = Organisation::new(1, OrgKind::PeoplesCommittee, "东关社区人民调解委员会", code("330702001008"), None);
        assert_eq!(c.unwrap().level(), Level::Community);
        let e = Organisation::new(2, OrgKind::StreetCentre, "矛调中心", code("330702001008"), None).unwrap_err();
        assert_eq!(e.to_string(), "街道矛调中心不能设在社区/村一级");
        let e = Organisation::new(3, OrgKind::ProfessionalCommittee, "医调委", code("330702"), None).unwrap_err();
        assert_eq!(e, OrgError::NoField);
        let m =
            Organisation::new(3, OrgKind::ProfessionalCommittee, "医调委", code("330702"), Some(DisputeType::Medical));
        let m = m.unwrap();
        assert_eq!(m.level(), Level::District);
        assert_eq!(m.reference().level, Level::District);
        let e = Organisation::new(4, OrgKind::PersonalStudio, " ", code("330702001"), None).unwrap_err();
        assert_eq!(e.to_string(), "请填写组织名称");
        for kind in OrgKind::ALL {
            assert!(!kind.allowed_levels().contains(&RegionLevel::Grid), "{kind:?}");
        }
    }

    /// 人民调解法 art 8: every 村/居 must have its committee.
    #[test]
    fn communities_lacking_a_committee() {
        let (a, b) = (code("330702001008"), code("330702001009"));
        let orgs = vec![
            Organisation::new(1, OrgKind::PeoplesCommittee, "甲社区调委会", a.clone(), None).unwrap(),
            Organisation::new(2, OrgKind::PersonalStudio, "老娘舅工作室", b.clone(), None).unwrap(),
        ];
        assert_eq!(communities_without_committee(&[a, b.clone(), code("330702001")], &orgs), vec![b]);
    }
}
