//! Posted forms of the dispute page as the domain's actions. Each form names its action (and
//! a 司法确认 form its step); dates come as `YYYY-MM-DD` from date inputs, lists as repeated
//! fields; references (a risk level, an organisation) are read from what the page offered, and
//! the use-case reads them again from the records. What cannot be read is a message for the
//! form, in Chinese; what can be read but breaks a rule is the domain's to say.

use chrono::NaiveDate;
use std::collections::HashMap;
use tongxin_domain::mediation::agreement::{
    AgreementDraft, AgreementDraftForm, AgreementParty, OralDraft, PerformanceTerm,
};
use tongxin_domain::mediation::kinds::Level;
use tongxin_domain::mediation::mediator::MediatorRef;
use tongxin_domain::mediation::risk::RiskLevel;
use tongxin_domain::mediation::{
    Action, ConfirmationAction, ConsentForm, OrgRef, PerformanceResult, Route, SessionPlace, VisitForm,
};

/// The posted fields, each name with its values in order.
pub(super) struct Fields(HashMap<String, Vec<String>>);

/// Item rows an agreement form offers.
pub(super) const ITEM_ROWS: usize = 3;
/// The most attendees a session form takes (the domain's bound is checked there).
const MAX_ATTENDEE_LINES: usize = 100;

impl Fields {
    pub(super) fn new(pairs: Vec<(String, String)>) -> Fields {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_default().push(v);
        }
        Fields(map)
    }

    /// The first value of a field, trimmed ("" when absent).
    pub(super) fn one(&self, k: &str) -> String {
        self.0.get(k).and_then(|v| v.first()).map(|s| s.trim().to_string()).unwrap_or_default()
    }

    /// The first value as typed (a note keeps its line breaks; the domain trims).
    fn text(&self, k: &str) -> String {
        self.0.get(k).and_then(|v| v.first()).cloned().unwrap_or_default()
    }

    pub(super) fn all(&self, k: &str) -> Vec<String> {
        self.0.get(k).cloned().unwrap_or_default()
    }

    fn flag(&self, k: &str) -> bool {
        matches!(self.one(k).as_str(), "1" | "true" | "on" | "yes")
    }

    /// Every field (for a form shown again with what was typed).
    pub(super) fn into_map(self) -> HashMap<String, Vec<String>> {
        self.0
    }

    /// The version the form was shown at (a form without one is a stale or forged page).
    pub(super) fn required_version(&self) -> Result<i64, crate::ui::PageError> {
        self.one("version").parse().map_err(|_| {
            crate::ui::PageError::User(axum::http::StatusCode::BAD_REQUEST, "表单缺少版本号，请刷新后重试".into())
        })
    }

    fn date(&self, k: &str, name: &str) -> Result<NaiveDate, String> {
        let v = self.one(k);
        NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| format!("请填写正确的{name}（年-月-日）"))
    }

    fn index(&self, k: &str, what: &str) -> Result<u8, String> {
        self.one(k).parse().map_err(|_| format!("请选择{what}"))
    }

    fn indices(&self, k: &str, what: &str) -> Result<Vec<u8>, String> {
        self.all(k)
            .iter()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().parse().map_err(|_| format!("请选择{what}")))
            .collect()
    }
}

/// What the page offered, to resolve a form's references.
pub(super) struct Offered<'a> {
    /// The dispute's parties' names, in order.
    pub parties: Vec<String>,
    pub risk_levels: &'a [RiskLevel],
    /// Organisations the caller may transfer to.
    pub orgs: &'a [OrgRef],
}

/// The dispute action of a posted form.
pub(super) fn action(f: &Fields, offered: &Offered<'_>) -> Result<Action, String> {
    Ok(match f.one("action").as_str() {
        "accept" => Action::Accept,
        "record_consent" => Action::RecordConsent {
            party: f.index("party", "当事人")?,
            consent: match f.one("consent").as_str() {
                "1" => true,
                "0" => false,
                _ => return Err("请选择同意或拒绝调解".into()),
            },
            form: ConsentForm::parse(&f.one("consent_form")).ok_or("请选择表态方式")?,
            note: f.text("note"),
        },
        "assign_mediators" => Action::AssignMediators {
            mediators: f
                .all("mediators")
                .iter()
                .filter(|v| !v.trim().is_empty())
                .map(|v| {
                    v.trim().parse().map(|id| MediatorRef { id, active: true }).map_err(|_| "请选择调解员".to_string())
                })
                .collect::<Result<_, _>>()?,
            chosen_by_parties: f.flag("chosen_by_parties"),
        },
        "record_session" => Action::RecordSession {
            held_on: f.date("held_on", "调解日期")?,
            place: match f.one("place_kind").as_str() {
                "online" => SessionPlace::Online,
                _ => SessionPlace::Offline { address: f.text("address") },
            },
            attendees: f
                .text("attendees")
                .split(['\n', '、', ',', '，', ';', '；'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .take(MAX_ATTENDEE_LINES)
                .map(String::from)
                .collect(),
            notes: f.text("notes"),
        },
        "record_agreement" => Action::RecordAgreement { agreement: agreement(f, offered)? },
        "terminate" => Action::Terminate {
            reason: f.text("reason"),
            routes: f
                .all("routes")
                .iter()
                .map(|r| Route::parse(r).ok_or_else(|| "请选择已告知当事人的途径".to_string()))
                .collect::<Result<_, _>>()?,
        },
        "record_performance" => Action::RecordPerformance {
            item: f.index("item", "履行事项")?,
            result: PerformanceResult::parse(&f.one("result")).ok_or("请选择履行情况")?,
            note: f.text("note"),
        },
        "follow_up" => Action::FollowUp {
            form: VisitForm::parse(&f.one("visit_form")).ok_or("请选择回访方式")?,
            satisfied: match f.one("satisfied").as_str() {
                "1" => true,
                "0" => false,
                _ => return Err("请选择当事人是否满意".into()),
            },
            note: f.text("note"),
        },
        "close" => Action::Close { routes_told: f.flag("routes_told"), note: f.text("note") },
        "extend_limit" => Action::ExtendLimit {
            days: f.one("days").parse().map_err(|_| "延长天数应为整数".to_string())?,
            consents: f.indices("consents", "同意延长的当事人")?,
            reason: f.text("reason"),
        },
        "escalate" => Action::Escalate {
            to: Level::parse(&f.one("to")).ok_or("请选择升级到的层级")?,
            reason: f.text("reason"),
        },
        "transfer" => {
            let id: i64 = f.one("to").parse().map_err(|_| "请选择要流转到的调解组织".to_string())?;
            let to = offered.orgs.iter().find(|o| o.id == id).copied().ok_or("请选择要流转到的调解组织")?;
            Action::Transfer { to, reason: f.text("reason") }
        }
        "assess_risk" => {
            let code = f.one("risk");
            let risk = offered.risk_levels.iter().find(|l| l.code == code).cloned().ok_or("请选择风险等级")?;
            Action::AssessRisk { risk, note: f.text("note") }
        }
        "report_violence" => Action::ReportViolence { note: f.text("note") },
        "supervise" => Action::Supervise { note: f.text("note") },
        "withdraw" => Action::Withdraw { reason: f.text("reason") },
        _ => return Err("未知的操作".into()),
    })
}

/// A written agreement (人民调解法 art 29: the parties' particulars, the facts, the points in
/// dispute and each side's responsibility, what was agreed and its performance) or the
/// mediator's record of an oral one (art 28).
fn agreement(f: &Fields, offered: &Offered<'_>) -> Result<AgreementDraftForm, String> {
    let items = items(f, offered.parties.len())?;
    Ok(match f.one("agreement_form").as_str() {
        "oral" => AgreementDraftForm::Oral(OralDraft { content: f.text("content"), items }),
        _ => {
            let particulars = f.all("particulars");
            AgreementDraftForm::Written(AgreementDraft {
                parties: offered
                    .parties
                    .iter()
                    .enumerate()
                    .map(|(i, name)| AgreementParty {
                        name: name.clone(),
                        particulars: particulars.get(i).cloned().unwrap_or_default(),
                    })
                    .collect(),
                facts: f.text("facts"),
                issues: f.text("issues"),
                responsibilities: f.text("responsibilities"),
                terms: f.text("terms"),
                items,
            })
        }
    })
}

/// The performance items of an agreement form: rows of party, content, method, place and due
/// date; a row left blank is skipped.
fn items(f: &Fields, parties: usize) -> Result<Vec<PerformanceTerm>, String> {
    let cols = ["item_party", "item_content", "item_method", "item_place", "item_due"].map(|c| f.all(c));
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0).min(ITEM_ROWS * 10);
    let cell = |c: usize, i: usize| cols[c].get(i).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut out = Vec::new();
    for i in 0..rows {
        if (1..5).all(|c| cell(c, i).is_empty()) {
            continue;
        }
        let n = i + 1;
        let party: u8 = cell(0, i).parse().map_err(|_| format!("第{n}项履行内容：请选择履行人"))?;
        if usize::from(party) >= parties {
            return Err(format!("第{n}项履行内容：请选择履行人"));
        }
        let due = NaiveDate::parse_from_str(&cell(4, i), "%Y-%m-%d")
            .map_err(|_| format!("第{n}项履行内容：请填写履行期限（年-月-日）"))?;
        let place = cell(3, i);
        out.push(PerformanceTerm {
            party,
            content: cell(1, i),
            method: cell(2, i),
            place: (!place.is_empty()).then_some(place),
            due,
        });
    }
    Ok(out)
}

/// The 司法确认 step of a posted form (人民调解法 art 33; 法释〔2011〕5号 arts 4–5).
pub(super) fn confirmation(f: &Fields) -> Result<ConfirmationAction, String> {
    Ok(match f.one("step").as_str() {
        "apply" => ConfirmationAction::Apply {
            on: f.date("on", "申请日期")?,
            court: f.text("court"),
            applicants: f.indices("applicants", "申请人")?,
        },
        "court_accept" => ConfirmationAction::CourtAccept { on: f.date("on", "受理日期")? },
        "court_decline" => {
            ConfirmationAction::CourtDecline { on: f.date("on", "不予受理日期")?, reason: f.text("reason") }
        }
        "extend_ruling" => ConfirmationAction::ExtendRuling { on: f.date("on", "批准延长日期")? },
        "confirm" => ConfirmationAction::Confirm { on: f.date("on", "裁定日期")? },
        "reject" => ConfirmationAction::Reject { on: f.date("on", "裁定日期")?, reason: f.text("reason") },
        _ => return Err("未知的司法确认步骤".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongxin_domain::mediation::org::OrgKind;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn offered(levels: &[RiskLevel]) -> Offered<'_> {
        Offered { parties: vec!["张三".into(), "李四".into()], risk_levels: levels, orgs: &ORGS }
    }

    const ORGS: [OrgRef; 1] = [OrgRef { id: 7, kind: OrgKind::StreetCentre, level: Level::Street }];

    #[test]
    fn forms_become_actions() {
        let levels = tongxin_domain::mediation::risk::default_risk_levels();
        let o = offered(&levels);
        let a = action(
            &fields(&[
                ("action", "record_session"),
                ("held_on", "2026-03-02"),
                ("place_kind", "offline"),
                ("address", "调解室"),
                ("attendees", "张三\n李四、王调解员"),
                ("notes", "记录"),
            ]),
            &o,
        )
        .unwrap();
        match a {
            Action::RecordSession { attendees, place, .. } => {
                assert_eq!(attendees, ["张三", "李四", "王调解员"]);
                assert_eq!(place, SessionPlace::Offline { address: "调解室".into() });
            }
            other => panic!("{other:?}"),
        }
        let a = action(
            &fields(&[
                ("action", "record_agreement"),
                ("agreement_form", "written"),
                ("particulars", "男"),
                ("particulars", "女"),
                ("facts", "f"),
                ("issues", "i"),
                ("responsibilities", "r"),
                ("terms", "t"),
                ("item_party", "1"),
                ("item_content", "赔偿800元"),
                ("item_method", "转账"),
                ("item_place", ""),
                ("item_due", "2026-03-20"),
                ("item_party", "0"),
                ("item_content", ""),
                ("item_method", ""),
                ("item_place", ""),
                ("item_due", ""),
            ]),
            &o,
        )
        .unwrap();
        let Action::RecordAgreement { agreement: AgreementDraftForm::Written(w) } = a else { panic!() };
        assert_eq!((w.parties[1].name.as_str(), w.parties[1].particulars.as_str(), w.items.len()), ("李四", "女", 1));
        assert_eq!(w.items[0].place, None);
        let a = action(&fields(&[("action", "assess_risk"), ("risk", "orange")]), &o).unwrap();
        assert!(matches!(a, Action::AssessRisk { risk, .. } if risk.name == "橙"));
        let a = action(&fields(&[("action", "transfer"), ("to", "7"), ("reason", "x")]), &o).unwrap();
        assert!(matches!(a, Action::Transfer { to, .. } if to.level == Level::Street));
        let c = confirmation(&fields(&[
            ("step", "apply"),
            ("on", "2026-03-03"),
            ("court", "婺城区人民法院"),
            ("applicants", "0"),
            ("applicants", "1"),
        ]))
        .unwrap();
        assert!(matches!(c, ConfirmationAction::Apply { applicants, .. } if applicants == [0, 1]));
    }

    /// What cannot be read is said in Chinese; nothing panics on any input.
    #[test]
    fn unreadable_forms_say_why() {
        let levels = tongxin_domain::mediation::risk::default_risk_levels();
        let o = offered(&levels);
        let err = |pairs: &[(&str, &str)]| action(&fields(pairs), &o).unwrap_err();
        assert_eq!(err(&[("action", "nope")]), "未知的操作");
        assert_eq!(err(&[("action", "record_session"), ("held_on", "2026-02-30")]), "请填写正确的调解日期（年-月-日）");
        assert_eq!(err(&[("action", "assess_risk"), ("risk", "purple")]), "请选择风险等级");
        assert_eq!(err(&[("action", "transfer"), ("to", "8")]), "请选择要流转到的调解组织");
        assert_eq!(err(&[("action", "extend_limit"), ("days", "-1")]), "延长天数应为整数");
        assert_eq!(err(&[("action", "record_consent"), ("party", "300")]), "请选择当事人");
        assert_eq!(
            err(&[
                ("action", "record_agreement"),
                ("agreement_form", "oral"),
                ("item_party", "5"),
                ("item_content", "x"),
                ("item_method", "y"),
                ("item_due", "2026-01-01")
            ]),
            "第1项履行内容：请选择履行人"
        );
        assert_eq!(
            confirmation(&fields(&[("step", "confirm"), ("on", "")])).unwrap_err(),
            "请填写正确的裁定日期（年-月-日）"
        );
    }
}
