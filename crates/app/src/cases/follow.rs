//! The resident's side of a case after the report (issue 11 item 5): finding it again by
//! tracking code + phone + a one-time SMS code, 催办, and 补充信息 with photos. The rules are in
//! `tongxin_domain::case::{follow, urge_day}` and the state machine; these use-cases check the
//! input, ask the domain, and save once.

use super::{CaseActor, CaseError, CaseService};
use tongxin_domain::case::follow::{CODE_REFUSED, CODE_TTL_MINUTES};
use tongxin_domain::case::photo::check_photos;
use tongxin_domain::case::{Action, MAX_NOTE_PHOTOS, urge_day};
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::cases::follow::PhoneCase;
use tongxin_store::cases::read::CaseView;
use tongxin_store::cases::write::{NewPhoto, photo_ref};

/// Cases 我的诉求 lists at most.
pub const MAX_PHONE_CASES: i64 = 100;

/// A tracking code as typed: short and printable (it is only ever compared, never shown back).
fn tracking_code(code: &str) -> Result<String, CaseError> {
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        return Err(CaseError::invalid("code", "请填写诉求编号"));
    }
    if code.chars().count() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(CaseError::invalid("code", "诉求编号格式不正确，请按短信或回执上的编号填写"));
    }
    Ok(code)
}

fn phone(text: &str) -> Result<Phone, CaseError> {
    if text.trim().is_empty() {
        return Err(CaseError::invalid("phone", "请填写反映问题时留下的手机号"));
    }
    Phone::parse(text.trim()).map_err(|e| CaseError::invalid("phone", e.to_string()))
}

impl CaseService {
    /// The site's public address for links in text messages (`[server] public_url`, never a
    /// request's Host header). Set once at start; without it messages carry no link.
    pub fn set_public_url(&self, url: &str) {
        *self.public_url.write().expect("public url lock") = url.trim().trim_end_matches('/').to_string();
    }

    /// The absolute follow link of a reporter's case (`token` is their own follow token).
    pub fn follow_url(&self, code: &str, token: &str) -> Option<String> {
        let base = self.public_url.read().expect("public url lock").clone();
        (!base.is_empty()).then(|| format!("{base}/track/{code}?t={token}"))
    }

    /// Step 1 of finding a case again: if `phone` is a reporter's number on the case with this
    /// tracking code, a one-time code goes to it by SMS. Whatever the case, a well-formed request
    /// gets the same `Ok(())`: nobody learns whether a code exists or whose phone it is.
    pub async fn request_follow_code(&self, code: &str, phone_text: &str) -> Result<(), CaseError> {
        let (code, phone) = match (tracking_code(code), phone(phone_text)) {
            (Ok(c), Ok(p)) => (c, p),
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        if let Some(who) = self.store.follow().reporter(&code, &phone).await? {
            let text = format!(
                "【同心】您的验证码为 {{otp}}，用于查看诉求 {code} 及您反映的全部诉求，{CODE_TTL_MINUTES} 分钟内有效。如非本人操作请忽略，切勿告诉他人。"
            );
            self.store.follow().issue_code(who, &code, &phone, &text).await?;
        }
        Ok(())
    }

    /// Step 2: the code from the SMS. Right: a session token for 我的诉求 of that phone; anything
    /// else: one and the same field error.
    pub async fn verify_follow_code(&self, code: &str, phone_text: &str, otp: &str) -> Result<String, CaseError> {
        let (code, phone) = match (tracking_code(code), phone(phone_text)) {
            (Ok(c), Ok(p)) => (c, p),
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        if otp.trim().is_empty() {
            return Err(CaseError::invalid("otp", "请填写短信中的 6 位验证码"));
        }
        match self.store.follow().verify_code(&code, &phone, otp).await? {
            Some(token) => Ok(token),
            None => Err(CaseError::invalid("otp", CODE_REFUSED)),
        }
    }

    /// 我的诉求: every case of the phone of this session (`None`: no live session), each with the
    /// phone's own reporter number (for that reporter's follow token).
    pub async fn phone_cases(&self, session: &str) -> Result<Option<Vec<PhoneCase>>, CaseError> {
        Ok(self.store.follow().session_cases(session, MAX_PHONE_CASES).await?)
    }

    /// The follow token of a phone's own reporter number on a case.
    pub fn requester_token(&self, code: &str, requester: i64) -> String {
        self.store.pii().requester_token(code, u32::try_from(requester).unwrap_or(1))
    }

    /// 催办 by the requester: once per working day (on the working calendar), while a unit holds
    /// the case; the lead unit gets a notice of kind `urge`.
    pub async fn urge(&self, actor: &CaseActor, case_id: i64, version: i64) -> Result<CaseView, CaseError> {
        let day = urge_day(&self.config().calendar, self.store.now());
        self.act(actor, case_id, version, Action::Urge { day }).await
    }

    /// 补充信息 by the requester: a note and up to [`MAX_NOTE_PHOTOS`] photos, kept with the case
    /// in the same transaction; the unit holding the case (or the dispatch centre) is told.
    pub async fn add_note(
        &self,
        actor: &CaseActor,
        case_id: i64,
        version: i64,
        note: &str,
        photos: Vec<Vec<u8>>,
    ) -> Result<CaseView, CaseError> {
        if photos.len() > MAX_NOTE_PHOTOS {
            return Err(CaseError::invalid("photos", format!("一次最多补充 {MAX_NOTE_PHOTOS} 张照片")));
        }
        let types = check_photos(&photos).map_err(|e| CaseError::invalid("photos", e.to_string()))?;
        let refs: Vec<String> = photos.iter().map(|b| photo_ref(b)).collect();
        let photos = photos
            .into_iter()
            .zip(types)
            .map(|(bytes, t)| NewPhoto { purpose: "report".into(), content_type: t.mime().into(), bytes })
            .collect();
        let action = Action::AddNote { note: note.to_string(), photos: refs };
        self.act_with_photos(actor, case_id, version, action, photos).await
    }
}

/// A text message's JSON payload with the follow link appended to its text.
pub(super) fn with_link(payload: &str, link: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(mut v) => {
            if let Some(text) = v.get("text").and_then(|t| t.as_str()) {
                let text = format!("{text}查看：{link}");
                v["text"] = serde_json::Value::String(text);
            }
            v.to_string()
        }
        Err(_) => payload.to_string(),
    }
}
