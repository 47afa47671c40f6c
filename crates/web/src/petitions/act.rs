//! The posts of a petition's forms: `POST /petitions/{id}/act` turns a form into the domain's
//! [`Action`] and runs it through `app::petitions::act`; `POST /petitions/{id}/mediate` finds
//! the dispute by its code (一案一编码) in the petition's street and resolves the petition by its
//! mediation through `app::petitions::mediate` (《信访工作条例》art 33).
//!
//! Done: back to the petition with a flash. Refused (a rule, a stale version, a field): the
//! petition page again with the message and what was typed.

use super::page::{Posted, show};
use super::views::{Refusal, parse_day, refusal};
use crate::AppState;
use crate::ui::error::{PageError, PageResult};
use crate::ui::flash;
use crate::ui::form::CsrfForm;
use crate::ui::staff::Staff;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;
use tongxin_app::petitions::{PetitionError, Who};
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::{Action as Permission, Scope};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::kernel::text::TextError;
use tongxin_domain::petition::{
    Action, ActionKind, FactsAndReasons, Finding, LegalBasis, MAX_EXTENSION_DAYS, Opinion, Outcome, Request, Route,
    TransferMode,
};
use tongxin_store::StoreError;
use tongxin_store::mediation::Viewer;
use tongxin_store::petitions::PetitionView;

type Fields = HashMap<String, String>;

fn one<'a>(fields: &'a Fields, key: &str) -> &'a str {
    fields.get(key).map(|v| v.trim()).unwrap_or("")
}

fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, field, message)
}

fn text<T>(field: &'static str, r: Result<T, TextError>) -> Result<T, Refusal> {
    r.map_err(|e| invalid(field, e.to_string()))
}

/// The opinion of a form (art 32: request, facts and reasons, decision, legal basis).
fn opinion(f: &Fields) -> Result<Opinion, Refusal> {
    Ok(Opinion {
        request: text("request", Request::new(one(f, "request")))?,
        facts_and_reasons: text("facts_and_reasons", FactsAndReasons::new(one(f, "facts_and_reasons")))?,
        outcome: Outcome::parse(one(f, "outcome"))
            .ok_or_else(|| invalid("outcome", "请选择处理意见：支持、解释说明或不予支持"))?,
        finding: text("finding", Finding::new(one(f, "finding")))?,
        legal_basis: text("legal_basis", LegalBasis::new(one(f, "legal_basis")))?,
    })
}

/// The domain's action of a posted form; what cannot be read is refused at its field.
pub(crate) fn action_from_fields(f: &Fields) -> Result<Action, Refusal> {
    let note = |k: &str| one(f, k).to_string();
    let served_on = || parse_day(one(f, "served_on"), "送达日期").map_err(|m| invalid("served_on", m));
    let kind = ActionKind::parse(one(f, "action")).ok_or_else(|| invalid("action", "未知的操作"))?;
    Ok(match kind {
        ActionKind::Notify => Action::Notify { note: note("note") },
        ActionKind::Transfer => Action::Transfer {
            unit: Unit::parse_key(one(f, "unit")).ok_or_else(|| invalid("unit", "请选择承办单位"))?,
            mode: TransferMode::parse(one(f, "mode")).ok_or_else(|| invalid("mode", "请选择转送或交办"))?,
            note: note("note"),
        },
        ActionKind::Object => Action::Object { reason: note("reason") },
        ActionKind::DecideObjection => Action::DecideObjection { agree: one(f, "agree") == "1", note: note("note") },
        ActionKind::Accept => Action::Accept,
        ActionKind::Extend => Action::Extend {
            days: one(f, "days").parse().map_err(|_| {
                invalid("days", format!("延长期限应为1至{MAX_EXTENSION_DAYS}日（《信访工作条例》第三十四条）"))
            })?,
            reason: note("reason"),
        },
        ActionKind::IssueOpinion => Action::IssueOpinion { opinion: opinion(f)?, served_on: served_on()? },
        ActionKind::Reply => Action::Reply { reply: note("reply") },
        ActionKind::RequestReview => Action::RequestReview { body: note("body"), request: note("request") },
        ActionKind::AnswerReview => Action::AnswerReview { opinion: opinion(f)?, served_on: served_on()? },
        ActionKind::RequestRecheck => Action::RequestRecheck { body: note("body"), request: note("request") },
        ActionKind::StartHearing => Action::StartHearing { note: note("note") },
        ActionKind::EndHearing => Action::EndHearing { note: note("note") },
        ActionKind::AnswerRecheck => {
            Action::AnswerRecheck { opinion: opinion(f)?, served_on: served_on()?, publish: one(f, "publish") == "1" }
        }
        ActionKind::Conclude => Action::Conclude,
        ActionKind::Route => Action::Route {
            route: Route::parse(one(f, "route")).ok_or_else(|| invalid("route", "请选择法定途径"))?,
            note: note("note"),
        },
        ActionKind::Withdraw => Action::Withdraw { reason: note("reason") },
        // Mediation names its dispute by code: its own form and endpoint.
        ActionKind::Mediate => return Err(invalid("action", "请使用“调解化解”表单")),
    })
}

fn fields_of(pairs: Vec<(String, String)>) -> Fields {
    pairs.into_iter().filter(|(k, _)| k != "_csrf").collect()
}

fn version_of(fields: &Fields) -> PageResult<i64> {
    one(fields, "version")
        .parse()
        .map_err(|_| PageError::User(StatusCode::BAD_REQUEST, "表单缺少版本号，请刷新后重试".into()))
}

/// The page again with the refusal, or the error page for what no form can fix.
async fn refused(s: &AppState, staff: &Staff, id: i64, form: &str, fields: Fields, r: Refusal) -> PageResult<Response> {
    show(s, staff, id, Some(Posted { form: form.to_string(), fields, refusal: r })).await
}

/// What both posts start with: the permission, the fields, the version and the petition —
/// out of scope, the 404 page before anything else is read from the form.
async fn start(
    s: &AppState,
    staff: &Staff,
    id: i64,
    pairs: Vec<(String, String)>,
) -> PageResult<(Fields, i64, PetitionView)> {
    staff.require(Permission::ReadPetitions)?;
    let fields = fields_of(pairs);
    let version = version_of(&fields)?;
    let p = s.store.petitions().get(staff.scope(), id).await?;
    Ok((fields, version, p))
}

/// `POST /petitions/{id}/act`: one step.
pub(crate) async fn act(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (fields, version, _) = start(&s, &staff, id, pairs).await?;
    let form = one(&fields, "action").to_string();
    let action = match action_from_fields(&fields) {
        Ok(a) => a,
        Err(r) => return refused(&s, &staff, id, &form, fields, r).await,
    };
    let label = action.kind().label();
    let who = Who::Staff(staff.user.clone());
    match tongxin_app::petitions::act(&s.store, &who, id, version, action).await {
        Ok(p) => Ok(flash::redirect(&format!("/petitions/{}", p.id), "ok", &format!("已{label}"))),
        Err(e) => {
            let r = refusal(e)?;
            refused(&s, &staff, id, &form, fields, r).await
        }
    }
}

/// `POST /petitions/{id}/mediate`: 调解化解 by the dispute with this code (art 33).
pub(crate) async fn mediate(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (fields, version, p) = start(&s, &staff, id, pairs).await?;
    let code = one(&fields, "dispute").to_string();
    if code.is_empty() || code.chars().count() > 64 {
        let r = invalid("dispute", "请填写矛盾纠纷编号（如 TJ330702001-20261206-0001）");
        return refused(&s, &staff, id, "mediate", fields, r).await;
    }
    // The dispute is one of the petition's street (the use-case checks it again).
    let street = RegionCode::parse(&p.street_code).map_err(|_| PageError::Internal)?;
    let viewer = Viewer::Staff(Scope::Region { code: street });
    let dispute = match s.store.mediation().get_by_code(&viewer, &code).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => {
            let r = invalid("dispute", format!("矛盾纠纷 {code} 不存在或不在本街道"));
            return refused(&s, &staff, id, "mediate", fields, r).await;
        }
        Err(e) => return Err(e.into()),
    };
    let who = Who::Staff(staff.user.clone());
    let note = one(&fields, "note").to_string();
    match tongxin_app::petitions::mediate(&s.store, &who, id, version, dispute.id, &note).await {
        Ok(p) => Ok(flash::redirect(
            &format!("/petitions/{}", p.id),
            "ok",
            &format!("已调解化解，关联矛盾纠纷 {}", dispute.code),
        )),
        Err(PetitionError::Invalid { field: "dispute_id", message }) => {
            refused(&s, &staff, id, "mediate", fields, invalid("dispute", message)).await
        }
        Err(e) => {
            let r = refusal(e)?;
            refused(&s, &staff, id, "mediate", fields, r).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(list: &[(&str, &str)]) -> Fields {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn forms_become_the_domains_actions() {
        let a = action_from_fields(&fields(&[("action", "transfer"), ("unit", "dept:3"), ("mode", "forward")]));
        assert!(matches!(a, Ok(Action::Transfer { unit: Unit::Department(3), mode: TransferMode::Forward, .. })));
        let a = action_from_fields(&fields(&[("action", "extend"), ("days", "30"), ("reason", "需评估")]));
        assert!(matches!(a, Ok(Action::Extend { days: 30, .. })));
        let opinion = [
            ("request", "要求补发补偿款"),
            ("facts_and_reasons", "经核实"),
            ("outcome", "explain"),
            ("finding", "予以解释"),
            ("legal_basis", "《信访工作条例》第三十二条"),
            ("served_on", "2026-12-01"),
        ];
        let mut f = fields(&opinion);
        f.insert("action".into(), "answer_recheck".into());
        f.insert("publish".into(), "1".into());
        assert!(matches!(action_from_fields(&f), Ok(Action::AnswerRecheck { publish: true, .. })));
    }

    #[test]
    fn what_cannot_be_read_is_refused_at_its_field() {
        let field = |list: &[(&str, &str)]| action_from_fields(&fields(list)).err().map(|r| r.field);
        assert_eq!(field(&[("action", "delete_everything")]), Some("action"));
        assert_eq!(field(&[("action", "transfer"), ("unit", "部门1"), ("mode", "assign")]), Some("unit"));
        assert_eq!(field(&[("action", "extend"), ("days", "-3")]), Some("days"));
        assert_eq!(field(&[("action", "issue_opinion"), ("request", "x")]), Some("facts_and_reasons"));
        assert_eq!(field(&[("action", "mediate")]), Some("action"));
        let no_date = [
            ("action", "issue_opinion"),
            ("request", "x"),
            ("facts_and_reasons", "x"),
            ("outcome", "support"),
            ("finding", "x"),
            ("legal_basis", "x"),
            ("served_on", "昨天"),
        ];
        assert_eq!(field(&no_date), Some("served_on"));
    }
}
