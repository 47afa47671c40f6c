//! The content of a mediation agreement. A written 调解协议书 holds what 人民调解法 art 29
//! lists — (1) the parties' basic particulars; (2) the main facts, the points in dispute and
//! each party's responsibility; (3) what was agreed, and how and by when it is performed (the
//! 2002 规定 art 35 adds the place) — and is numbered with the dispute's code. An oral agreement
//! (art 28) is the mediator's record of what was agreed; it takes effect the day it is reached
//! (art 30). Both carry the performance items the performance record follows.

use super::code::DisputeCode;
use super::state::MAX_PARTIES;
use crate::kernel::text::{Address, Label, Lines, Note, PersonName, TextError, required};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most performance items of one agreement.
pub const MAX_ITEMS: usize = 30;
/// The longest a party's particulars (性别、年龄、民族、职业、住址 …) may be.
pub const MAX_PARTICULARS_CHARS: usize = 200;
/// The longest an item's content may be.
pub const MAX_ITEM_CHARS: usize = 500;
/// The latest due date: ten years after the agreement.
pub const MAX_DUE_MONTHS: u32 = 120;

/// A party as the agreement names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementParty {
    pub name: String,
    /// 当事人的基本情况: gender, age, ethnicity, occupation, address … (one line).
    pub particulars: String,
}

/// One obligation: who performs what, how, where and by when (art 29 (3)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformanceTerm {
    /// The obliged party: an index into the agreement's (and the dispute's) parties.
    pub party: u8,
    /// What is to be done (e.g. 赔偿医疗费 3,000 元).
    pub content: String,
    /// 履行方式 (e.g. 银行转账, 当面交付).
    pub method: String,
    /// 履行地点, if any.
    pub place: Option<String>,
    /// 履行期限.
    pub due: NaiveDate,
}

/// A written agreement as typed, before [`Agreement::from_draft`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDraft {
    pub parties: Vec<AgreementParty>,
    pub facts: String,
    pub issues: String,
    pub responsibilities: String,
    pub terms: String,
    pub items: Vec<PerformanceTerm>,
}

/// A checked 调解协议书.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// The dispute's code (一案一编码).
    pub number: DisputeCode,
    pub parties: Vec<AgreementParty>,
    /// 纠纷的主要事实.
    pub facts: String,
    /// 争议事项.
    pub issues: String,
    /// 各方当事人的责任.
    pub responsibilities: String,
    /// 协议内容.
    pub terms: String,
    pub items: Vec<PerformanceTerm>,
}

/// An oral agreement as the mediator records it (art 28), as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OralDraft {
    pub content: String,
    pub items: Vec<PerformanceTerm>,
}

/// A checked oral agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OralAgreement {
    pub content: String,
    pub items: Vec<PerformanceTerm>,
}

/// Either form, as an action carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum AgreementDraftForm {
    Written(AgreementDraft),
    Oral(OralDraft),
}

/// Either form, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum AgreementForm {
    Written(Agreement),
    Oral(OralAgreement),
}

impl AgreementForm {
    pub fn items(&self) -> &[PerformanceTerm] {
        match self {
            AgreementForm::Written(a) => &a.items,
            AgreementForm::Oral(o) => &o.items,
        }
    }

    pub fn is_written(&self) -> bool {
        matches!(self, AgreementForm::Written(_))
    }

    pub fn label(&self) -> &'static str {
        if self.is_written() { "书面调解协议" } else { "口头调解协议" }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    #[error("调解协议须列明至少两方当事人（现有{0}方）")]
    TooFewParties(usize),
    #[error("调解协议最多列明{MAX_PARTIES}方当事人")]
    TooManyParties,
    #[error("请写明至少一项履行内容（履行的方式、期限：人民调解法第二十九条）")]
    NoItems,
    #[error("调解协议最多{MAX_ITEMS}项履行内容")]
    TooManyItems,
    #[error("第{item}项履行内容的履行人不是协议的当事人")]
    UnknownParty { item: usize },
    #[error("第{item}项履行内容的履行期限早于协议日期")]
    DueBeforeAgreement { item: usize },
    #[error("第{item}项履行内容的履行期限超过十年")]
    DueTooFar { item: usize },
    #[error("第{row}方当事人：{error}")]
    Party { row: usize, error: TextError },
    #[error("第{item}项履行内容：{error}")]
    Item { item: usize, error: TextError },
    #[error(transparent)]
    Text(#[from] TextError),
}

impl Agreement {
    /// Checks a written agreement made on `made_on` for the dispute `code`: 2–20 parties each
    /// with a name and particulars, every art-29 part present and within its bound, 1–30 items.
    pub fn from_draft(
        draft: &AgreementDraft,
        code: &DisputeCode,
        made_on: NaiveDate,
    ) -> Result<Agreement, AgreementError> {
        let n = draft.parties.len();
        if n < 2 {
            return Err(AgreementError::TooFewParties(n));
        }
        if n > MAX_PARTIES {
            return Err(AgreementError::TooManyParties);
        }
        let parties = draft
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let party = |error| AgreementError::Party { row: i + 1, error };
                Ok(AgreementParty {
                    name: PersonName::named("姓名（名称）", &p.name).map_err(party)?.into_string(),
                    particulars: required("基本情况", &p.particulars, MAX_PARTICULARS_CHARS, Lines::One)
                        .map_err(party)?,
                })
            })
            .collect::<Result<Vec<_>, AgreementError>>()?;
        Ok(Agreement {
            number: code.clone(),
            parties,
            facts: Note::named("纠纷的主要事实", &draft.facts)?.into_string(),
            issues: Note::named("争议事项", &draft.issues)?.into_string(),
            responsibilities: Note::named("各方当事人的责任", &draft.responsibilities)?.into_string(),
            terms: Note::named("协议内容", &draft.terms)?.into_string(),
            items: check_items(&draft.items, n, made_on)?,
        })
    }
}

impl OralAgreement {
    /// Checks the mediator's record of an oral agreement among `parties` parties.
    pub fn from_draft(draft: &OralDraft, parties: usize, made_on: NaiveDate) -> Result<OralAgreement, AgreementError> {
        Ok(OralAgreement {
            content: Note::named("口头协议内容", &draft.content)?.into_string(),
            items: check_items(&draft.items, parties, made_on)?,
        })
    }
}

/// 1–30 items, each naming a party, with content and method, due between `made_on` and ten
/// years later.
fn check_items(
    items: &[PerformanceTerm],
    parties: usize,
    made_on: NaiveDate,
) -> Result<Vec<PerformanceTerm>, AgreementError> {
    if items.is_empty() {
        return Err(AgreementError::NoItems);
    }
    if items.len() > MAX_ITEMS {
        return Err(AgreementError::TooManyItems);
    }
    let latest = made_on.checked_add_months(Months::new(MAX_DUE_MONTHS)).unwrap_or(NaiveDate::MAX);
    items
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let item = i + 1;
            let text = |error| AgreementError::Item { item, error };
            if usize::from(t.party) >= parties {
                return Err(AgreementError::UnknownParty { item });
            }
            if t.due < made_on {
                return Err(AgreementError::DueBeforeAgreement { item });
            }
            if t.due > latest {
                return Err(AgreementError::DueTooFar { item });
            }
            Ok(PerformanceTerm {
                party: t.party,
                content: required("履行内容", &t.content, MAX_ITEM_CHARS, Lines::Many).map_err(text)?,
                method: Label::named("履行方式", &t.method).map_err(text)?.into_string(),
                place: Address::optional_named("履行地点", t.place.as_deref().unwrap_or(""))
                    .map_err(text)?
                    .map(Address::into_string),
                due: t.due,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn draft() -> AgreementDraft {
        AgreementDraft {
            parties: vec![
                AgreementParty {
                    name: "张三".into(), particulars: "男，1970年生，汉族，住东关社区3幢".into()
                },
                AgreementParty {
                    name: "李四".into(), particulars: "女，1985年生，汉族，住东关社区4幢".into()
                },
            ],
            facts: "李四家空调外机漏水至张三家窗台。".into(),
            issues: "维修费用的承担。".into(),
            responsibilities: "李四承担主要责任。".into(),
            terms: "李四赔偿张三维修费用800元，并移装空调外机。".into(),
            items: vec![PerformanceTerm {
                party: 1,
                content: "赔偿维修费用800元".into(),
                method: "微信转账".into(),
                place: None,
                due: day(2026, 3, 20),
            }],
        }
    }

    fn code() -> DisputeCode {
        DisputeCode::parse("TJ330702001-20260302-0001").unwrap()
    }

    /// 人民调解法 art 29: every listed part is required and bounded; numbered with the code.
    #[test]
    fn a_written_agreement_has_every_part() {
        let made = day(2026, 3, 10);
        let a = Agreement::from_draft(&draft(), &code(), made).unwrap();
        assert_eq!(a.number.to_string(), "TJ330702001-20260302-0001");
        type Edit = Box<dyn Fn(&mut AgreementDraft)>;
        let broken: Vec<(Edit, &str)> = vec![
            (Box::new(|d| d.parties.truncate(1)), "调解协议须列明至少两方当事人（现有1方）"),
            (Box::new(|d| d.parties[1].name = " ".into()), "第2方当事人：请填写姓名（名称）"),
            (Box::new(|d| d.parties[0].particulars = String::new()), "第1方当事人：请填写基本情况"),
            (Box::new(|d| d.facts = String::new()), "请填写纠纷的主要事实"),
            (Box::new(|d| d.issues = "\u{0}".into()), "争议事项含有空字符（NUL），请删除后重试"),
            (Box::new(|d| d.responsibilities = "  ".into()), "请填写各方当事人的责任"),
            (Box::new(|d| d.terms = "字".repeat(4001)), "协议内容不能超过 4000 字（现有 4001 字）"),
            (Box::new(|d| d.items.clear()), "请写明至少一项履行内容（履行的方式、期限：人民调解法第二十九条）"),
            (Box::new(|d| d.items[0].party = 2), "第1项履行内容的履行人不是协议的当事人"),
            (Box::new(|d| d.items[0].due = day(2026, 3, 9)), "第1项履行内容的履行期限早于协议日期"),
            (Box::new(|d| d.items[0].due = day(2036, 3, 11)), "第1项履行内容的履行期限超过十年"),
            (Box::new(|d| d.items[0].method = String::new()), "第1项履行内容：请填写履行方式"),
            (
                Box::new(|d| d.items[0].place = Some("a\nb".into())),
                "第1项履行内容：履行地点含有不可见的控制字符，请删除后重试",
            ),
            (Box::new(|d| d.items = vec![d.items[0].clone(); 31]), "调解协议最多30项履行内容"),
            (Box::new(|d| d.parties = vec![d.parties[0].clone(); 21]), "调解协议最多列明20方当事人"),
        ];
        for (f, want) in broken {
            let mut d = draft();
            f(&mut d);
            assert_eq!(Agreement::from_draft(&d, &code(), made).unwrap_err().to_string(), want);
        }
        let mut d = draft();
        d.items[0].due = day(2036, 3, 10);
        d.items[0].place = Some(" 东关社区居委会 ".into());
        let a = Agreement::from_draft(&d, &code(), made).unwrap();
        assert_eq!(a.items[0].place.as_deref(), Some("东关社区居委会"));
    }

    /// 人民调解法 art 28: an oral agreement is the mediator's record plus the items.
    #[test]
    fn an_oral_agreement_is_recorded_by_the_mediator() {
        let made = day(2026, 3, 10);
        let items = draft().items;
        let o =
            OralAgreement::from_draft(&OralDraft { content: "当场赔偿800元".into(), items: items.clone() }, 2, made);
        assert_eq!(o.unwrap().items, items);
        let e = OralAgreement::from_draft(&OralDraft { content: " ".into(), items }, 2, made).unwrap_err();
        assert_eq!(e.to_string(), "请填写口头协议内容");
        let json = serde_json::to_value(AgreementDraftForm::Oral(OralDraft { content: "x".into(), items: vec![] }));
        assert_eq!(json.unwrap()["form"], "oral");
    }
}
