//! 在线评估, 在线咨询 and 在线申请 for people without an account (issue 12): the assessment
//! names the organisation ([`tongxin_domain::mediation::online::suggest`]); a question or an
//! application is confirmed with a code sent to the person's phone before anyone acts on it
//! (nobody files in another's name); a confirmed application is registered as an online
//! dispute with the applicant as a party ([`super::register`]), a confirmed question waits for
//! a mediator's answer, which reaches the person by a private link.

use super::{DisputeError, PartyForm, Registration, Who, register};
use serde::{Deserialize, Serialize};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::kernel::text::{Note, PersonName};
use tongxin_domain::mediation::ConsentForm;
use tongxin_domain::mediation::amount::Amount;
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::online::{Answer, Apart, Assessment, OrgOption, Question, Suggestion, suggest};
use tongxin_store::mediation::PartySide;
use tongxin_store::mediation::online::{NewRequest, OnlineRequest, RequestKind};
use tongxin_store::{Actor, Store, StoreError};

/// The place a person names: a community or grid on record (`field` names the form field).
async fn place(store: &Store, code: &str) -> Result<RegionCode, DisputeError> {
    let bad = || DisputeError::invalid("place", "请选择纠纷发生的社区（村）或网格");
    let code = RegionCode::parse(code.trim()).map_err(|_| bad())?;
    if !matches!(code.as_str().len(), 12 | 15) {
        return Err(bad());
    }
    store.regions().get(&Scope::All, code.as_str()).await.map_err(|_| bad())?;
    Ok(code)
}

/// The active organisations sitting over `place`.
async fn orgs_over(store: &Store, place: &RegionCode) -> Result<Vec<OrgOption>, StoreError> {
    Ok(store
        .mediation()
        .orgs(&Scope::All)
        .await?
        .into_iter()
        .filter(|o| o.active && place.as_str().starts_with(&o.region_code))
        .map(|o| OrgOption { id: o.id, level: o.level(), name: o.name, kind: o.kind, field: o.field })
        .collect())
}

/// 在线评估: the organisation for a dispute at `place` (a community or grid).
pub async fn assess(store: &Store, place_code: &str, a: &Assessment) -> Result<Suggestion, DisputeError> {
    let place = place(store, place_code).await?;
    Ok(suggest(a, &orgs_over(store, &place).await?))
}

fn phone(raw: &str) -> Result<Phone, DisputeError> {
    Phone::parse(raw.trim()).map_err(|_| DisputeError::invalid("phone", "请填写正确的手机号（11 位）"))
}

fn name(raw: &str) -> Result<String, DisputeError> {
    PersonName::named("姓名", raw).map(|n| n.into_string()).map_err(|e| DisputeError::invalid("name", e.to_string()))
}

/// 在线咨询 as a form gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct AskForm {
    pub place: String,
    pub name: String,
    pub phone: String,
    pub question: String,
}

/// Records a question and sends the code that confirms it; returns the request's id.
pub async fn ask(store: &Store, form: &AskForm) -> Result<i64, DisputeError> {
    let place = place(store, &form.place).await?;
    let question = Question::new(&form.question).map_err(|e| DisputeError::invalid("question", e.to_string()))?;
    let new = NewRequest {
        kind: RequestKind::Consult,
        street_code: place.as_str()[..9].to_string(),
        community_code: Some(place.as_str()[..12].to_string()),
        name: name(&form.name)?,
        phone: phone(&form.phone)?,
        body: question.into_string(),
    };
    let text = "【同心】您的在线咨询验证码是 {otp}，10 分钟内有效。请勿告诉他人。";
    Ok(store.mediation().request_create(&new, text).await?)
}

/// 在线申请 as a form gives it (after the assessment, which it repeats).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyForm {
    pub place: String,
    pub name: String,
    pub phone: String,
    /// 对方当事人.
    pub other: String,
    pub dispute_type: DisputeType,
    pub summary: String,
    #[serde(default)]
    pub amount: String,
    pub apart: Apart,
    #[serde(default)]
    pub heating_up: bool,
}

/// Checks an application, names its organisation and sends the code that confirms it;
/// returns the request's id. Nothing is registered before the code comes back.
pub async fn apply(store: &Store, form: &ApplyForm) -> Result<i64, DisputeError> {
    let place_code = place(store, &form.place).await?;
    name(&form.other).map_err(|_| DisputeError::invalid("other", "请填写对方当事人的姓名或名称"))?;
    Note::named("纠纷简要情况", &form.summary).map_err(|e| DisputeError::invalid("summary", e.to_string()))?;
    let amount = Amount::parse_yuan(&form.amount).map_err(|e| DisputeError::invalid("amount", e.to_string()))?;
    let a = Assessment { dispute_type: form.dispute_type, amount, apart: form.apart, heating_up: form.heating_up };
    if suggest(&a, &orgs_over(store, &place_code).await?).org.is_none() {
        return Err(DisputeError::invalid("place", "纠纷发生地尚无可在线申请的调解组织，请到街道矛调中心来访"));
    }
    let new = NewRequest {
        kind: RequestKind::Apply,
        street_code: place_code.as_str()[..9].to_string(),
        community_code: Some(place_code.as_str()[..12].to_string()),
        name: name(&form.name)?,
        phone: phone(&form.phone)?,
        body: serde_json::to_string(form).map_err(|e| StoreError::Invalid(e.to_string()))?,
    };
    let text = "【同心】您的在线调解申请验证码是 {otp}，10 分钟内有效。请勿告诉他人。";
    Ok(store.mediation().request_create(&new, text).await?)
}

/// What a confirmed request became.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmed {
    /// The question waits for an answer on the desk's list (`/mediation/consultations`).
    Question(Box<OnlineRequest>),
    /// The application is a dispute with this code, held by this organisation.
    Dispute { code: String, org_name: String },
}

/// Checks the code of request `id`: right, a question waits for the desk, an application is
/// registered (source 线上申请, the applicant consenting: 人民调解法 art 17); wrong: `None`.
pub async fn confirm_request(store: &Store, id: i64, otp: &str) -> Result<Option<Confirmed>, DisputeError> {
    // An application is checked and its organisation found before its code is used up, so that a
    // refusal leaves the code good for another try rather than a confirmed request without a dispute.
    let pending = store.mediation().request(id).await?;
    let application = match pending.kind {
        RequestKind::Consult => None,
        RequestKind::Apply => {
            let form: ApplyForm =
                serde_json::from_str(&pending.body).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let place_code = place(store, &form.place).await?;
            let amount =
                Amount::parse_yuan(&form.amount).map_err(|e| DisputeError::invalid("amount", e.to_string()))?;
            let a =
                Assessment { dispute_type: form.dispute_type, amount, apart: form.apart, heating_up: form.heating_up };
            let org = suggest(&a, &orgs_over(store, &place_code).await?)
                .org
                .ok_or_else(|| DisputeError::invalid("place", "纠纷发生地尚无可在线申请的调解组织"))?;
            Some((form, org))
        }
    };
    let Some(r) = store.mediation().request_verify(id, otp).await? else {
        return Ok(None);
    };
    let Some((form, org)) = application else {
        return Ok(Some(Confirmed::Question(Box::new(r))));
    };
    let phone = store.mediation().request_phone(id).await?;
    let party = |name: &str, side, phone: &str, consent| PartyForm {
        name: name.into(),
        side,
        resident_id: None,
        id_number: String::new(),
        phone: phone.into(),
        consent,
    };
    let registration = Registration {
        region: Some(form.place.clone()),
        org_id: org.id,
        level: None,
        dispute_type: form.dispute_type,
        source: Source::Online,
        referred_case_id: None,
        screening_id: None,
        summary: form.summary.clone(),
        amount: form.amount.clone(),
        parties: vec![
            party(&r.name, PartySide::Applicant, phone.as_str(), Some(ConsentForm::Written)),
            party(&form.other, PartySide::Respondent, "", None),
        ],
    };
    let d = register(store, &Who::Party(phone), registration).await?;
    store.mediation().request_set_dispute(id, d.id).await?;
    Ok(Some(Confirmed::Dispute { code: d.code, org_name: d.org_name }))
}

/// Answers a confirmed question in the answerer's scope and texts the person the private link
/// `link` (none configured: the text says to ask the centre).
pub async fn answer(
    store: &Store,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    text: &str,
    link: Option<String>,
) -> Result<(), DisputeError> {
    let answer = Answer::new(text).map_err(|e| DisputeError::invalid("answer", e.to_string()))?;
    let r = store.mediation().request(id).await?;
    let place = r.community_code.as_deref().unwrap_or(&r.street_code);
    if r.kind != RequestKind::Consult || !scope.covers_people_at(place) {
        return Err(StoreError::NotFound.into());
    }
    let sms = match link {
        Some(link) => format!("【同心】您的在线咨询已有答复，请打开 {link} 查看。"),
        None => "【同心】您的在线咨询已有答复，请联系街道矛调中心查看。".to_string(),
    };
    Ok(store.mediation().answer_request(actor, id, answer.as_str(), &sms).await?)
}
