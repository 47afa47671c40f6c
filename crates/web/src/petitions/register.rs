//! 信访登记 (《信访工作条例》arts 17–23): the form (`GET /petitions/new`) and its post
//! (`POST /petitions`), for the registering office (`Action::RegisterPetitions`).
//!
//! Every channel (网络、书信、电话、传真、走访, art 17) takes the petitioner's name and address, the
//! request, the facts and the reasons (art 19); a group visit records its headcount and at most
//! five representatives (art 20) — the form has five rows and the use-case refuses a sixth. The
//! duplicate rule is the use-case's: the same matter still open is linked to its petition, not
//! registered again (art 19), and the page goes there and says so; after 复核 it is refused
//! (art 36) and the form says by which petition. With `?case=` the form escalates a 接诉即办
//! case (`app::petitions::escalate_case`): its place is the case's, the link kept both ways.
//!
//! A refused form comes back with what was typed and the message at its field.

use super::views::{Refusal, refusal};
use crate::AppState;
use crate::cases::names::Names;
use crate::cases::pages::{Choice, choices};
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::CsrfForm;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tongxin_app::petitions::{PersonForm, PetitionError, Registered, RegistrationForm, Who, escalate_case, register};
use tongxin_domain::kernel::access::{Action as Permission, Scope};
use tongxin_domain::petition::{Channel, Kind, MAX_REPRESENTATIVES, Request};
use tongxin_store::StoreError;

/// What the registrar typed (kept when the form comes back).
#[derive(Debug, Clone, Default)]
pub(crate) struct Typed {
    region: String,
    channel: String,
    kind: String,
    name: String,
    address: String,
    id_number: String,
    phone: String,
    request: String,
    facts: String,
    reasons: String,
    headcount: String,
    case: String,
    /// Representatives of a group visit: (name, phone).
    reps: Vec<(String, String)>,
}

impl Typed {
    fn from_pairs(pairs: Vec<(String, String)>) -> Typed {
        let mut t = Typed::default();
        let (mut names, mut phones) = (Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "region" => t.region = v,
                "channel" => t.channel = v,
                "kind" => t.kind = v,
                "name" => t.name = v,
                "address" => t.address = v,
                "id_number" => t.id_number = v,
                "phone" => t.phone = v,
                "request" => t.request = v,
                "facts" => t.facts = v,
                "reasons" => t.reasons = v,
                "headcount" => t.headcount = v,
                "case" => t.case = v,
                "rep_name" => names.push(v),
                "rep_phone" => phones.push(v),
                _ => {}
            }
        }
        phones.resize(names.len().max(phones.len()), String::new());
        names.resize(phones.len(), String::new());
        t.reps = names.into_iter().zip(phones).collect();
        t
    }

    /// The use-case's form, or the field a choice is missing from.
    fn form(&self) -> Result<RegistrationForm, Refusal> {
        let bad = |field, message: &str| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, field, message);
        let channel = Channel::parse(self.channel.trim()).ok_or_else(|| bad("channel", "请选择信访渠道"))?;
        let kind = Kind::parse(self.kind.trim()).ok_or_else(|| bad("kind", "请选择信访事项类别"))?;
        let headcount = match self.headcount.trim() {
            "" => None,
            n => Some(n.parse::<u32>().map_err(|_| bad("headcount", "来访人数应为整数"))?),
        };
        let representatives = self
            .reps
            .iter()
            .filter(|(name, phone)| !name.trim().is_empty() || !phone.trim().is_empty())
            .map(|(name, phone)| PersonForm { name: name.clone(), phone: phone.clone(), ..PersonForm::default() })
            .collect();
        Ok(RegistrationForm {
            region: Some(self.region.trim().to_string()).filter(|r| !r.is_empty()),
            channel,
            kind,
            petitioner: PersonForm {
                name: self.name.clone(),
                address: self.address.clone(),
                id_number: self.id_number.clone(),
                phone: self.phone.clone(),
            },
            request: self.request.clone(),
            facts: self.facts.clone(),
            reasons: self.reasons.clone(),
            headcount,
            representatives,
        })
    }
}

/// The case a petition is escalated from.
struct FromCase {
    id: i64,
    code: String,
    place: String,
}

#[derive(Template)]
#[template(path = "petitions/new.html")]
struct NewPage {
    shell: Shell,
    t: Typed,
    channels: Vec<Choice>,
    kinds: Vec<Choice>,
    /// The places of a street or smaller scope by name; `None`: the code is typed.
    areas: Option<Vec<Choice>>,
    from_case: Option<FromCase>,
    max_reps: usize,
    error: Option<String>,
    error_field: &'static str,
    /// The petition a refusal names, when the registrar may open it: (id, code).
    named: Option<(i64, String)>,
}

impl NewPage {
    /// The message to show at `field`, if it is the one refused.
    fn err(&self, field: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == field)
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct NewParams {
    #[serde(default)]
    case: String,
}

/// `GET /petitions/new` (`?case=` to escalate a case).
pub(crate) async fn form(State(s): State<AppState>, staff: Staff, Query(p): Query<NewParams>) -> PageResult {
    staff.require(Permission::RegisterPetitions)?;
    let mut t = Typed { reps: vec![(String::new(), String::new()); MAX_REPRESENTATIVES], ..Typed::default() };
    let case = p.case.trim();
    if !case.is_empty() {
        let id: i64 = case.parse().map_err(|_| PageError::NotFound)?;
        let c = s.store.cases().get(staff.scope(), id).await?;
        // The case's words as the request to start from (the request holds fewer characters).
        t.request = c.description.chars().take(Request::MAX_CHARS).collect();
        t.case = id.to_string();
    }
    let page = new_page(&s, &staff, t, None).await?;
    Ok(render(&page))
}

async fn new_page(s: &AppState, staff: &Staff, mut t: Typed, refused: Option<Refusal>) -> Result<NewPage, PageError> {
    let from_case = match t.case.trim().parse::<i64>() {
        Ok(id) => {
            let c = s.store.cases().get(staff.scope(), id).await?;
            let place = c.grid_code.clone().unwrap_or_else(|| c.street_code.clone());
            let names = Names::load(s, [], [place.clone()], []).await;
            Some(FromCase { id, code: c.code, place: names.region(&place) })
        }
        Err(_) => None,
    };
    while t.reps.len() < MAX_REPRESENTATIVES {
        t.reps.push((String::new(), String::new()));
    }
    let any = |label: &str| std::iter::once((String::new(), label.to_string()));
    let channels = any("请选择").chain(Channel::ALL.iter().map(|c| (c.as_str().into(), c.label().into())));
    let kinds = any("请选择").chain(Kind::ALL.iter().map(|k| (k.as_str().into(), k.label().into())));
    let (error, error_field) = match refused {
        Some(r) => (Some(r.message), r.field),
        None => (None, ""),
    };
    Ok(NewPage {
        shell: Shell::staff(if from_case.is_some() { "诉求升级为信访" } else { "登记信访" }, staff, "/petitions"),
        channels: choices(t.channel.trim(), channels),
        kinds: choices(t.kind.trim(), kinds),
        areas: areas(s, staff, t.region.trim()).await?,
        from_case,
        max_reps: MAX_REPRESENTATIVES,
        error,
        error_field,
        named: None,
        t,
    })
}

/// The street, communities and grids of a street or smaller scope, by name.
async fn areas(s: &AppState, staff: &Staff, current: &str) -> Result<Option<Vec<Choice>>, PageError> {
    let Scope::Region { code } = staff.scope() else {
        return Ok(None);
    };
    if code.as_str().len() < 9 {
        return Ok(None);
    }
    let regions = s.store.regions().in_scope(staff.scope(), true).await?;
    let options = std::iter::once((String::new(), "请选择所在地".to_string())).chain(regions.into_iter().map(|r| {
        let indent = match r.level.as_str() {
            "grid" => "　　",
            "community" => "　",
            _ => "",
        };
        (r.code, format!("{indent}{}", r.name))
    }));
    Ok(Some(choices(current, options)))
}

/// `POST /petitions`: registers (or escalates), or shows the form again with the message.
pub(crate) async fn submit(
    State(s): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::RegisterPetitions)?;
    let t = Typed::from_pairs(pairs);
    let form = match t.form() {
        Ok(f) => f,
        Err(r) => return again(&s, &staff, t, r, None).await,
    };
    let who = Who::Staff(staff.user.clone());
    let done = match t.case.trim() {
        "" => register(&s.store, &who, form).await,
        case => {
            let id: i64 = case.parse().map_err(|_| PageError::NotFound)?;
            escalate_case(&s.store, &who, id, form).await
        }
    };
    match done {
        Ok(Registered::New(p)) => {
            Ok(flash::redirect(&format!("/petitions/{}", p.id), "ok", &format!("已登记信访件 {}", p.code)))
        }
        Ok(Registered::Linked { petition, .. }) => {
            let message = format!(
                "同一信访事项正在办理中（信访件 {}），不再重复登记，已关联到该件（《信访工作条例》第十九条）",
                petition.code
            );
            // The page of the open petition, if the registrar may read it; else the register.
            let to = match s.store.petitions().get(staff.scope(), petition.id).await {
                Ok(p) => format!("/petitions/{}", p.id),
                Err(StoreError::NotFound) => "/petitions".to_string(),
                Err(e) => return Err(e.into()),
            };
            Ok(flash::redirect(&to, "ok", &message))
        }
        Err(PetitionError::Refused { by, .. }) => {
            let closed = s.store.petitions().get(&Scope::All, by).await?;
            let message = format!(
                "同一信访事项已经复核终结（信访件 {}），信访人以同一事实和理由提出的，不再受理（《信访工作条例》第三十六条）",
                closed.code
            );
            let named = match s.store.petitions().get(staff.scope(), by).await {
                Ok(p) => Some((p.id, p.code)),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            again(&s, &staff, t, Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "", message), named).await
        }
        Err(e) => {
            let r = refusal(e)?;
            again(&s, &staff, t, r, None).await
        }
    }
}

/// The form again, with what was typed and why it was refused.
async fn again(
    s: &AppState,
    staff: &Staff,
    t: Typed,
    r: Refusal,
    named: Option<(i64, String)>,
) -> PageResult<Response> {
    let status = r.status;
    let mut page = new_page(s, staff, t, Some(r)).await?;
    page.named = named;
    Ok((status, render(&page)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn representatives_pair_up_and_blank_rows_are_left_out() {
        let t = Typed::from_pairs(pairs(&[
            ("channel", "visit"),
            ("kind", "claim"),
            ("headcount", "12"),
            ("rep_name", "代表甲"),
            ("rep_phone", "13900139000"),
            ("rep_name", ""),
            ("rep_phone", ""),
            ("rep_name", "代表乙"),
        ]));
        assert_eq!(t.reps.len(), 3);
        let form = t.form().ok().unwrap();
        assert_eq!(form.headcount, Some(12));
        let reps: Vec<(&str, &str)> =
            form.representatives.iter().map(|r| (r.name.as_str(), r.phone.as_str())).collect();
        assert_eq!(reps, [("代表甲", "13900139000"), ("代表乙", "")]);
    }

    #[test]
    fn a_missing_choice_or_a_bad_count_names_its_field() {
        let field = |list: &[(&str, &str)]| Typed::from_pairs(pairs(list)).form().err().map(|r| r.field);
        assert_eq!(field(&[("kind", "claim")]), Some("channel"));
        assert_eq!(field(&[("channel", "letter"), ("kind", "nonsense")]), Some("kind"));
        assert_eq!(field(&[("channel", "visit"), ("kind", "claim"), ("headcount", "很多")]), Some("headcount"));
        assert_eq!(field(&[("channel", "letter"), ("kind", "claim")]), None);
    }
}
