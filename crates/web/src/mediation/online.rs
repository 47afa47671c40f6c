//! 在线评估, 在线咨询 and 在线申请 (issue 12), public, for people on their phones, and the desk
//! that answers the questions.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /mediate` | anyone | the assessment (`?place=&type=&amount=&apart=`) and its suggestion, the application and the question forms |
//! | `POST /mediate/ask`, `/mediate/apply` | anyone | a question or an application: a code goes to the phone given |
//! | `POST /mediate/confirm/{id}` | the phone's holder | the code: the question goes to the desk, the application becomes a dispute |
//! | `GET /mediate/answers/{id}/{token}` | the link's holder | the question and its answer (the link comes by SMS) |
//! | `GET /mediation/consultations`, `POST …/{id}/answer` | mediators, the desk (调解登记) | the questions in scope, answered once |

use crate::AppState;
use crate::auth::ClientIp;
use crate::resident::pages::form_token;
use crate::room::pages::{private, refusal, too_many};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::form::with_cookie;
use crate::ui::{CsrfForm, Shell, Staff, flash};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongxin_app::mediation::online::{self, ApplyForm, AskForm, Confirmed};
use tongxin_domain::kernel::access::{Action as Permission, Scope};
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::kernel::mask::mask_name;
use tongxin_domain::mediation::amount::Amount;
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_domain::mediation::online::{Apart, Assessment, Suggestion};
use tongxin_store::mediation::online::{OnlineRequest, RequestKind};
use tongxin_store::{Page, StoreError};

/// The private link to a question's answer: its id and a keyed token of it.
fn answer_token(s: &AppState, id: i64) -> String {
    s.store.pii().follow_token(&format!("MQ{id}"))
}

fn answer_path(s: &AppState, id: i64) -> String {
    format!("/mediate/answers/{id}/{}", answer_token(s, id))
}

/// The assessment as the query gives it (every field optional: the page first shows the form).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AssessQuery {
    #[serde(default)]
    place: String,
    #[serde(default, rename = "type")]
    dispute_type: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    apart: String,
    #[serde(default)]
    heating_up: Option<String>,
}

#[derive(Template)]
#[template(path = "mediation/online/mediate.html")]
struct MediatePage {
    shell: Shell,
    csrf: String,
    communities: Vec<(String, String)>,
    types: Vec<(&'static str, &'static str)>,
    aparts: Vec<(&'static str, &'static str)>,
    q: AssessQuery,
    suggestion: Option<Suggestion>,
    error: Option<String>,
}

/// `GET /mediate`: the assessment and, once answered, its suggestion with the application form.
pub async fn page(State(s): State<AppState>, headers: HeaderMap, Query(q): Query<AssessQuery>) -> PageResult<Response> {
    let (csrf, cookie) = form_token(&s, &headers).await;
    let mut error = None;
    let mut suggestion = None;
    if !q.dispute_type.is_empty() {
        match assessment(&q) {
            Ok(a) => match online::assess(&s.store, &q.place, &a).await {
                Ok(found) => suggestion = Some(found),
                Err(e) => error = Some(refusal(e)?),
            },
            Err(message) => error = Some(message),
        }
    }
    let page = MediatePage {
        shell: Shell::public("在线调解服务", flash::read(&headers)),
        csrf,
        communities: communities(&s).await?,
        types: DisputeType::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        aparts: Apart::ALL.iter().map(|a| (a.as_str(), a.label())).collect(),
        q,
        suggestion,
        error,
    };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(with_cookie((status, render(&page)).into_response(), cookie))
}

fn assessment(q: &AssessQuery) -> Result<Assessment, String> {
    let dispute_type = DisputeType::parse(&q.dispute_type).ok_or("请选择纠纷类型")?;
    let apart = Apart::parse(&q.apart).ok_or("请选择对方住在哪里")?;
    let amount = Amount::parse_yuan(&q.amount).map_err(|e| e.to_string())?;
    Ok(Assessment { dispute_type, amount, apart, heating_up: q.heating_up.is_some() })
}

/// Every community on record, by name (the place of a dispute asked about online).
async fn communities(s: &AppState) -> Result<Vec<(String, String)>, StoreError> {
    let regions = s.store.regions().in_scope(&Scope::All, true).await?;
    Ok(regions.into_iter().filter(|r| r.code.len() == 12).map(|r| (r.code, r.name)).collect())
}

#[derive(Template)]
#[template(path = "mediation/online/confirm.html")]
struct ConfirmPage {
    shell: Shell,
    csrf: String,
    id: i64,
    what: &'static str,
    error: Option<String>,
}

fn confirm_page(csrf: String, id: i64, kind: RequestKind, error: Option<String>) -> Response {
    let page =
        ConfirmPage { shell: Shell::public("输入短信验证码", Vec::new()), csrf, id, what: kind.label(), error };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    private((status, render(&page)).into_response())
}

/// A refused form goes back to `/mediate` with the message (the typed fields are not kept
/// in the address: they may hold a phone number).
fn back(message: &str) -> Response {
    flash::redirect("/mediate#forms", "error", message)
}

/// `POST /mediate/ask`: a question; its code goes to the phone.
pub async fn ask(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<AskForm>,
) -> PageResult<Response> {
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        return Ok(back(&too_many(wait)));
    }
    let (csrf, _) = form_token(&s, &headers).await;
    match online::ask(&s.store, &f).await {
        Ok(id) => Ok(confirm_page(csrf, id, RequestKind::Consult, None)),
        Err(e) => Ok(back(&refusal(e)?)),
    }
}

/// `POST /mediate/apply`: an application; its code goes to the phone.
pub async fn apply(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<ApplyFields>,
) -> PageResult<Response> {
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        return Ok(back(&too_many(wait)));
    }
    let (csrf, _) = form_token(&s, &headers).await;
    let form = match f.checked() {
        Ok(form) => form,
        Err(message) => return Ok(back(&message)),
    };
    match online::apply(&s.store, &form).await {
        Ok(id) => Ok(confirm_page(csrf, id, RequestKind::Apply, None)),
        Err(e) => Ok(back(&refusal(e)?)),
    }
}

/// The application form's fields as typed.
#[derive(Debug, Deserialize)]
pub struct ApplyFields {
    #[serde(default)]
    place: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    other: String,
    #[serde(default, rename = "type")]
    dispute_type: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    apart: String,
    #[serde(default)]
    heating_up: Option<String>,
}

impl ApplyFields {
    fn checked(self) -> Result<ApplyForm, String> {
        Ok(ApplyForm {
            dispute_type: DisputeType::parse(&self.dispute_type).ok_or("请选择纠纷类型")?,
            apart: Apart::parse(&self.apart).ok_or("请选择对方住在哪里")?,
            heating_up: self.heating_up.is_some(),
            place: self.place,
            name: self.name,
            phone: self.phone,
            other: self.other,
            summary: self.summary,
            amount: self.amount,
        })
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    otp: String,
}

#[derive(Template)]
#[template(path = "mediation/online/done.html")]
struct DonePage {
    shell: Shell,
    confirmed: Confirmed,
}

/// `POST /mediate/confirm/{id}`: the code from the SMS.
pub async fn confirm(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> PageResult<Response> {
    let (csrf, _) = form_token(&s, &headers).await;
    let kind = s.store.mediation().request(id).await.map_err(|_| PageError::NotFound)?.kind;
    if let Err(wait) = s.follow_limit_ip.attempt(ip) {
        return Ok(confirm_page(csrf, id, kind, Some(too_many(wait))));
    }
    match online::confirm_request(&s.store, id, &f.otp).await {
        Ok(Some(confirmed)) => {
            let page = DonePage { shell: Shell::public("已提交", Vec::new()), confirmed };
            Ok(private(render(&page).into_response()))
        }
        Ok(None) => {
            let message = tongxin_domain::case::follow::CODE_REFUSED.to_string();
            Ok(confirm_page(csrf, id, kind, Some(message)))
        }
        Err(e) => Ok(confirm_page(csrf, id, kind, Some(refusal(e)?))),
    }
}

#[derive(Template)]
#[template(path = "mediation/online/answer.html")]
struct AnswerPage {
    shell: Shell,
    r: OnlineRequest,
    asked_at: String,
    answered_at: String,
}

/// `GET /mediate/answers/{id}/{token}`: the question and its answer, for the link's holder.
pub async fn answer_page(State(s): State<AppState>, Path((id, token)): Path<(i64, String)>) -> PageResult<Response> {
    let right = answer_token(&s, id);
    if !tongxin_store::pii::same_bytes(right.as_bytes(), token.as_bytes()) {
        return Err(PageError::NotFound);
    }
    let r = s.store.mediation().request(id).await.map_err(|_| PageError::NotFound)?;
    if r.kind != RequestKind::Consult || r.verified_at.is_none() {
        return Err(PageError::NotFound);
    }
    let page = AnswerPage {
        shell: Shell::public("在线咨询答复", Vec::new()),
        asked_at: local_minute(r.created_at),
        answered_at: r.answered_at.map(local_minute).unwrap_or_default(),
        r,
    };
    Ok(private(render(&page).into_response()))
}

#[derive(Template)]
#[template(path = "mediation/online/consultations.html")]
struct DeskPage {
    shell: Shell,
    items: Vec<DeskRow>,
    total: i64,
    page: u32,
    pages: u32,
}

struct DeskRow {
    id: i64,
    who: String,
    phone: String,
    place: String,
    question: String,
    asked_at: String,
    answer: Option<String>,
    answered: String,
}

#[derive(Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    page: Option<u32>,
}

/// `GET /mediation/consultations`: the questions in the caller's scope, unanswered first.
pub async fn desk(State(s): State<AppState>, staff: Staff, Query(q): Query<DeskQuery>) -> PageResult<Response> {
    staff.require(Permission::RegisterDisputes)?;
    let page = Page::new(q.page, Some(20));
    let found = s.store.mediation().consultations(&staff.user.scope, page).await?;
    let items = found
        .items
        .into_iter()
        .map(|r| DeskRow {
            id: r.id,
            who: mask_name(&r.name),
            phone: r.phone_masked,
            place: r.community_name.unwrap_or_default(),
            question: r.body,
            asked_at: local_minute(r.created_at),
            answered: match (&r.answered_by, r.answered_at) {
                (Some(by), Some(at)) => format!("{by} · {}", local_minute(at)),
                (None, Some(at)) => local_minute(at),
                _ => String::new(),
            },
            answer: r.answer,
        })
        .collect();
    let pages = (found.total.max(1) as u32).div_ceil(found.per_page.max(1));
    let page = DeskPage {
        shell: Shell::staff("在线咨询", &staff, "/mediation/consultations"),
        items,
        total: found.total,
        page: found.page,
        pages,
    };
    Ok(render(&page).into_response())
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// `POST /mediation/consultations/{id}/answer`: the answer, texted to the person as a link.
pub async fn answer(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> PageResult<Response> {
    staff.require(Permission::RegisterDisputes)?;
    let base = s.config.public_url.trim_end_matches('/');
    let link = (!base.is_empty()).then(|| format!("{base}{}", answer_path(&s, id)));
    let actor = staff.actor();
    Ok(match online::answer(&s.store, &actor, &staff.user.scope, id, &f.answer, link).await {
        Ok(()) => flash::redirect("/mediation/consultations", "ok", "已答复，答复链接已通过短信发送给咨询人"),
        Err(e) => flash::redirect("/mediation/consultations", "error", &refusal(e)?),
    })
}
