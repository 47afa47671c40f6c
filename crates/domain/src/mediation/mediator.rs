//! 人民调解员: who may mediate (人民调解法 art 13: committee members and the persons the
//! committee appoints), their qualification (art 14: an adult citizen …) and their removal
//! (art 15). A removed mediator may not act: the state machine refuses them.

use super::kinds::DisputeType;
use super::names::named_enum;
use crate::kernel::text::{Label, Note, TextError};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The age of majority (民法典 art 17); art 14 asks for an adult citizen (成年公民).
pub const ADULT_AGE: u32 = 18;
/// An age above this is taken for a typing error.
pub const MAX_AGE: u32 = 120;

named_enum! {
    /// How a person became a mediator (art 13).
    Appointment {
        /// 人民调解委员会委员.
        Member = "member", "调委会委员";
        /// 调委会聘任的人员.
        Hired = "hired", "聘任调解员";
    }
}

named_enum! {
    /// Why a mediator was removed (art 15), or another reason stated in words.
    RemovalReason {
        Partiality = "partiality", "偏袒一方当事人";
        Insult = "insult", "侮辱当事人";
        Bribery = "bribery", "索取、收受财物或者牟取其他不正当利益";
        Disclosure = "disclosure", "泄露当事人的个人隐私、商业秘密";
        Other = "other", "其他";
    }
}

/// A removal: the art-15 reason (with words for `Other`) and the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub reason: RemovalReason,
    /// The stated reason; required for `Other`, an optional note for the others.
    pub text: Option<String>,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MediatorStatus {
    Active,
    Removed(Removal),
}

/// A mediator of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mediator {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// From the ID number (`IdNumber::birth_date`) or as entered.
    pub birth_date: NaiveDate,
    pub appointment: Appointment,
    pub term_start: NaiveDate,
    /// `None`: no fixed end.
    pub term_end: Option<NaiveDate>,
    /// Dispute types the mediator is good at (each at most once).
    pub specialities: Vec<DisputeType>,
    pub status: MediatorStatus,
}

/// What the machine needs to know of an acting or assigned mediator: who, and whether they may
/// act today ([`Mediator::standing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MediatorRef {
    pub id: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediatorError {
    #[error("出生日期晚于今天")]
    BornInFuture,
    #[error("调解员须为成年公民，此人现年{age}岁（人民调解法第十四条）")]
    NotAdult { age: u32 },
    #[error("出生日期有误：年龄超过{MAX_AGE}岁")]
    TooOld,
    #[error("任期结束日早于开始日")]
    TermBackwards,
    #[error("擅长的纠纷类型“{}”重复", .0.label())]
    DuplicateSpeciality(DisputeType),
    #[error("调解员已被罢免或解聘（{}），不能再从事调解工作（人民调解法第十五条）", .0.label())]
    Removed(RemovalReason),
    #[error("调解员的任期尚未开始")]
    NotStarted,
    #[error("调解员的任期已于{0}结束")]
    TermOver(NaiveDate),
    #[error("请写明罢免或解聘的原因")]
    NoReason,
    #[error(transparent)]
    Text(#[from] TextError),
}

/// Whole years of age on `on`; `None` when born after `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if birth > on {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// A mediator as entered, before the checks of [`Mediator::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediatorInput {
    pub org_id: i64,
    pub name: String,
    pub birth_date: NaiveDate,
    pub appointment: Appointment,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub specialities: Vec<DisputeType>,
}

impl Mediator {
    /// Checks a new mediator on `today`: a name, an adult (art 14), a term that does not end
    /// before it starts, no speciality twice. Starts active.
    pub fn new(id: i64, input: MediatorInput, today: NaiveDate) -> Result<Mediator, MediatorError> {
        let name = Label::named("调解员姓名", &input.name)?.into_string();
        let age = age_on(input.birth_date, today).ok_or(MediatorError::BornInFuture)?;
        if age < ADULT_AGE {
            return Err(MediatorError::NotAdult { age });
        }
        if age > MAX_AGE {
            return Err(MediatorError::TooOld);
        }
        if input.term_end.is_some_and(|end| end < input.term_start) {
            return Err(MediatorError::TermBackwards);
        }
        for (i, s) in input.specialities.iter().enumerate() {
            if input.specialities[..i].contains(s) {
                return Err(MediatorError::DuplicateSpeciality(*s));
            }
        }
        Ok(Mediator {
            id,
            org_id: input.org_id,
            name,
            birth_date: input.birth_date,
            appointment: input.appointment,
            term_start: input.term_start,
            term_end: input.term_end,
            specialities: input.specialities,
            status: MediatorStatus::Active,
        })
    }

    /// Removes (罢免/解聘) the mediator on `on` for an art-15 reason; `Other` needs words
    /// (≤ 4000 characters). Removing twice keeps the first removal.
    pub fn remove(&mut self, reason: RemovalReason, text: &str, on: NaiveDate) -> Result<(), MediatorError> {
        let text = Note::optional_named("罢免原因", text)?.map(Note::into_string);
        if reason == RemovalReason::Other && text.is_none() {
            return Err(MediatorError::NoReason);
        }
        if self.status == MediatorStatus::Active {
            self.status = MediatorStatus::Removed(Removal { reason, text, on });
        }
        Ok(())
    }

    /// Whether the mediator may act on `on`: not removed, within the term.
    pub fn can_act(&self, on: NaiveDate) -> Result<(), MediatorError> {
        if let MediatorStatus::Removed(r) = &self.status {
            return Err(MediatorError::Removed(r.reason));
        }
        if on < self.term_start {
            return Err(MediatorError::NotStarted);
        }
        match self.term_end {
            Some(end) if on > end => Err(MediatorError::TermOver(end)),
            _ => Ok(()),
        }
    }

    /// The reference the state machine gets for this mediator on `on`.
    pub fn standing(&self, on: NaiveDate) -> MediatorRef {
        MediatorRef { id: self.id, active: self.can_act(on).is_ok() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn input(birth: NaiveDate) -> MediatorInput {
        MediatorInput {
            org_id: 1,
            name: "王桂芳".into(),
            birth_date: birth,
            appointment: Appointment::Hired,
            term_start: day(2026, 1, 1),
            term_end: Some(day(2028, 12, 31)),
            specialities: vec![DisputeType::Neighbourhood, DisputeType::MarriageFamily],
        }
    }

    /// 人民调解法 art 14: an adult — the eighteenth birthday counts, the day before does not.
    #[test]
    fn a_mediator_is_an_adult() {
        let today = day(2026, 6, 1);
        assert_eq!(age_on(day(2008, 6, 1), today), Some(18));
        assert_eq!(age_on(day(2008, 6, 2), today), Some(17));
        assert_eq!(age_on(day(2008, 2, 29), day(2026, 2, 28)), Some(17));
        assert_eq!(age_on(day(2026, 6, 2), today), None);
        assert!(Mediator::new(1, input(day(2008, 6, 1)), today).is_ok());
        let e = Mediator::new(1, input(day(2008, 6, 2)), today).unwrap_err();
        assert_eq!(e.to_string(), "调解员须为成年公民，此人现年17岁（人民调解法第十四条）");
        assert_eq!(Mediator::new(1, input(day(2027, 1, 1)), today).unwrap_err(), MediatorError::BornInFuture);
        assert_eq!(Mediator::new(1, input(day(1900, 1, 1)), today).unwrap_err(), MediatorError::TooOld);
        let mut twice = input(day(1970, 1, 1));
        twice.specialities.push(DisputeType::Neighbourhood);
        assert_eq!(Mediator::new(1, twice, today).unwrap_err().to_string(), "擅长的纠纷类型“邻里”重复");
        let mut backwards = input(day(1970, 1, 1));
        backwards.term_end = Some(day(2025, 1, 1));
        assert_eq!(Mediator::new(1, backwards, today).unwrap_err(), MediatorError::TermBackwards);
    }

    /// 人民调解法 art 15: a removed mediator may not act; `Other` needs words.
    #[test]
    fn removal_stops_a_mediator() {
        let today = day(2026, 6, 1);
        let mut m = Mediator::new(7, input(day(1970, 1, 1)), today).unwrap();
        assert_eq!(m.standing(today), MediatorRef { id: 7, active: true });
        assert_eq!(m.can_act(day(2025, 12, 31)), Err(MediatorError::NotStarted));
        assert_eq!(m.can_act(day(2029, 1, 1)), Err(MediatorError::TermOver(day(2028, 12, 31))));
        assert_eq!(m.remove(RemovalReason::Other, " ", today), Err(MediatorError::NoReason));
        m.remove(RemovalReason::Bribery, "", today).unwrap();
        m.remove(RemovalReason::Insult, "", day(2026, 7, 1)).unwrap();
        assert_eq!(m.standing(today), MediatorRef { id: 7, active: false });
        let e = m.can_act(today).unwrap_err();
        assert_eq!(
            e.to_string(),
            "调解员已被罢免或解聘（索取、收受财物或者牟取其他不正当利益），不能再从事调解工作（人民调解法第十五条）"
        );
        let json = serde_json::to_value(&m.status).unwrap();
        assert_eq!(json["status"], "removed");
        assert_eq!(json["reason"], "bribery");
        assert_eq!(serde_json::from_value::<MediatorStatus>(json).unwrap(), m.status);
    }
}
