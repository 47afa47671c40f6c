//! 登记 (《信访工作条例》arts 17–23): a petition from any channel, the duplicate rule first
//! (arts 19, 36), and the escalation of a 接诉即办 case into a petition.

use super::notices::timers_for;
use super::{PetitionError, Who};
use serde::Deserialize;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::{RegionCode, RegionLevel};
use tongxin_domain::people::idcard::IdNumber;
use tongxin_domain::petition::{
    Channel, Facts, GroupVisit, Kind, Matter, MatterKey, Petitioner, PetitionerAddress, PetitionerName, Reasons,
    Registration, Representatives, Request, Verdict, check, register as decide_register,
};
use tongxin_store::Store;
use tongxin_store::petitions::{NewNotice, NewPetition, PersonData, PetitionView, office_unit};

/// A person as a form or JSON body gives them: the petitioner (name and address required, art
/// 19) or a representative of a group visit (name required).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonForm {
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// 身份证号, optional (blank: none).
    #[serde(default)]
    pub id_number: String,
    /// 手机号, optional (blank: none).
    #[serde(default)]
    pub phone: String,
}

/// 信访登记 as a form or JSON body gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct RegistrationForm {
    /// Where the matter lies: a street, community or grid code in the registrar's scope. For an
    /// escalated case it may be left out: the case's grid (or street) is taken.
    #[serde(default)]
    pub region: Option<String>,
    pub channel: Channel,
    pub kind: Kind,
    pub petitioner: PersonForm,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    /// 多人走访: how many came (with `representatives`, 1 to 5; art 20).
    #[serde(default)]
    pub headcount: Option<u32>,
    #[serde(default)]
    pub representatives: Vec<PersonForm>,
}

/// What registration did.
#[derive(Debug, Clone, PartialEq)]
pub enum Registered {
    /// A new petition.
    New(PetitionView),
    /// The same matter is still open in this petition: linked to it, not registered again (art
    /// 19). The message tells the registrar so.
    Linked { petition: PetitionView, message: String },
}

impl Registered {
    pub fn petition(&self) -> &PetitionView {
        match self {
            Registered::New(p) | Registered::Linked { petition: p, .. } => p,
        }
    }
}

/// The blind index of a petitioner's identity for the duplicate rule: the ID number when given,
/// else the phone, else the name with the address — never readable, equal for the same person.
pub fn identity_index(
    store: &Store,
    name: &str,
    address: &str,
    id: Option<&IdNumber>,
    phone: Option<&Phone>,
) -> Vec<u8> {
    let key = match (id, phone) {
        (Some(id), _) => format!("id:{}", id.as_str()),
        (None, Some(phone)) => format!("phone:{}", phone.as_str()),
        (None, None) => format!("name:{}|{}", name.trim(), address.trim()),
    };
    store.pii().blind_index(&key)
}

fn parse_numbers(p: &PersonForm, who: &str) -> Result<(Option<IdNumber>, Option<Phone>), PetitionError> {
    let id = match p.id_number.trim() {
        "" => None,
        raw => Some(
            IdNumber::parse(raw).map_err(|e| PetitionError::invalid("id_number", format!("{who}的身份证号：{e}")))?,
        ),
    };
    let phone = match p.phone.trim() {
        "" => None,
        raw => Some(Phone::parse(raw).map_err(|e| PetitionError::invalid("phone", format!("{who}的手机号：{e}")))?),
    };
    Ok((id, phone))
}

/// Registers a petition brought by any channel (arts 17–23): the domain checks the texts and
/// the group visit (a sixth representative is refused, art 20), the use-case the place (in the
/// registrar's scope) and the numbers; then the duplicate rule decides — [`Registered::New`]
/// (saved with its people, a notice to the office and the audit record in one transaction),
/// [`Registered::Linked`] (an event on the open petition, its holder told), or
/// [`PetitionError::Refused`] (复核终结, art 36).
pub async fn register(store: &Store, who: &Who, form: RegistrationForm) -> Result<Registered, PetitionError> {
    register_from(store, who, form, None).await
}

/// Escalates a 接诉即办 case (in the registrar's scope, not already escalated to an open
/// petition) into a petition: registered as [`register`] does, with the case kept as its origin
/// both ways (`petition_case_links` and the state's `from_case`); a duplicate of an open
/// petition links the case to that petition instead.
pub async fn escalate_case(
    store: &Store,
    who: &Who,
    case_id: i64,
    mut form: RegistrationForm,
) -> Result<Registered, PetitionError> {
    let case = store
        .cases()
        .get(&who.scope(), case_id)
        .await
        .map_err(|_| PetitionError::invalid("case_id", "原诉求不存在或不在您的管辖范围内"))?;
    if let Some((_, code)) = store.petitions().open_petition_of_case(case_id).await? {
        return Err(PetitionError::invalid("case_id", format!("该诉求已转为信访件 {code}")));
    }
    if form.region.as_deref().is_none_or(|r| r.trim().is_empty()) {
        form.region = Some(case.grid_code.clone().unwrap_or_else(|| case.street_code.clone()));
    }
    register_from(store, who, form, Some(case_id)).await
}

fn text<T>(field: &'static str, r: Result<T, tongxin_domain::kernel::text::TextError>) -> Result<T, PetitionError> {
    r.map_err(|e| PetitionError::invalid(field, e.to_string()))
}

async fn register_from(
    store: &Store,
    who: &Who,
    form: RegistrationForm,
    from_case: Option<i64>,
) -> Result<Registered, PetitionError> {
    let scope = who.scope();
    // The place, in the registrar's scope.
    let region = form.region.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let Some(region) = region else {
        return Err(PetitionError::invalid("region", "请选择信访事项所在地（街道、社区或网格）"));
    };
    let code = RegionCode::parse(region).map_err(|_| PetitionError::invalid("region", "所在地的区划代码有误"))?;
    if code.level() == RegionLevel::District || !scope.covers_people_at(code.as_str()) {
        return Err(PetitionError::invalid("region", "所在地应为您管辖范围内的街道、社区或网格"));
    }
    store
        .regions()
        .get(&Scope::All, code.as_str())
        .await
        .map_err(|_| PetitionError::invalid("region", "所在地不存在"))?;
    let street = code.street().ok_or_else(|| PetitionError::invalid("region", "所在地的区划代码有误"))?;
    let community = (code.as_str().len() >= 12).then(|| code.as_str()[..12].to_string());
    let grid = (code.level() == RegionLevel::Grid).then(|| code.to_string());

    // The registration as the domain checks it (art 19: name, address, request, facts, reasons;
    // art 20: a group visit elects at most five representatives).
    let petitioner = Petitioner {
        name: text("petitioner.name", PetitionerName::new(&form.petitioner.name))?,
        address: text("petitioner.address", PetitionerAddress::new(&form.petitioner.address))?,
    };
    let matter = Matter {
        request: text("request", Request::new(&form.request))?,
        facts: text("facts", Facts::new(&form.facts))?,
        reasons: text("reasons", Reasons::new(&form.reasons))?,
    };
    let group = match (form.headcount, form.representatives.is_empty()) {
        (None, true) => None,
        (headcount, _) => {
            let mut names = Vec::with_capacity(form.representatives.len());
            for (i, r) in form.representatives.iter().enumerate() {
                let name = PetitionerName::new(&r.name)
                    .map_err(|e| PetitionError::invalid("representatives", format!("第{}位代表：{e}", i + 1)))?;
                names.push(name);
            }
            let reps = Representatives::new(names).map_err(|e| PetitionError::register("representatives", e))?;
            let headcount = headcount.unwrap_or(0);
            Some(GroupVisit::new(headcount, reps).map_err(|e| PetitionError::register("headcount", e))?)
        }
    };
    let registration = Registration::new(form.channel, form.kind, petitioner, matter, group, from_case)
        .map_err(|e| PetitionError::register("channel", e))?;

    // The people's numbers.
    let (id_number, phone) = parse_numbers(&form.petitioner, "信访人")?;
    let mut representatives = Vec::with_capacity(form.representatives.len());
    for (i, r) in form.representatives.iter().enumerate() {
        let (id_number, phone) = parse_numbers(r, &format!("第{}位代表", i + 1))?;
        let address = Some(r.address.trim().to_string()).filter(|a| !a.is_empty());
        representatives.push(PersonData { name: r.name.trim().to_string(), address, id_number, phone });
    }
    let reg_petitioner = registration.petitioner();
    let identity = identity_index(
        store,
        reg_petitioner.name.as_str(),
        reg_petitioner.address.as_str(),
        id_number.as_ref(),
        phone.as_ref(),
    );

    // The duplicate rule (arts 19, 36).
    let key = MatterKey::new(&data_encoding::HEXLOWER.encode(&identity), &registration.matter().request)
        .map_err(|e| PetitionError::invalid("petitioner", e.to_string()))?;
    let existing = store.petitions().existing_of(&identity).await?;
    let actor = who.store_actor();
    match check(&key, &existing) {
        Verdict::Closed { by } => {
            return Err(PetitionError::Refused { by, message: Verdict::Closed { by }.message() });
        }
        Verdict::Linked { to } => {
            let open = store.petitions().get(&Scope::All, to).await?;
            let message = Verdict::Linked { to }.message();
            let note =
                format!("信访人以{}就同一事项再次提出，已关联到本件（《信访工作条例》第十九条）", form.channel.label());
            let detail = serde_json::json!({ "channel": form.channel.as_str(), "from_case": from_case });
            let unit = open.holder.as_ref().map(|u| u.key()).unwrap_or_else(|| office_unit(&open.street_code));
            let notices = vec![NewNotice {
                kind: "petition_repeated".into(),
                unit,
                text: format!("信访件 {{code}} 的信访人以{}就同一事项再次提出，请抓紧办理。", form.channel.label()),
            }];
            let petition = store.petitions().record_link(&actor, to, &note, detail, from_case, &notices).await?;
            return Ok(Registered::Linked { petition, message });
        }
        Verdict::New => {}
    }

    let now = store.now();
    let decision = decide_register(&registration, now);
    let cal = crate::mediation::calendar(store).await?;
    let timers = timers_for(&decision.state, now, &cal);
    let notices = vec![NewNotice {
        kind: "petition_registered".into(),
        unit: office_unit(street.as_str()),
        text: format!(
            "新登记信访件 {{code}}（{}，{}），请在15日内书面告知信访人（《信访工作条例》第二十二条）。",
            form.channel.label(),
            form.kind.label()
        ),
    }];
    let petitioner = PersonData {
        name: reg_petitioner.name.as_str().to_string(),
        address: Some(reg_petitioner.address.as_str().to_string()),
        id_number,
        phone,
    };
    let new = NewPetition {
        street,
        community_code: community,
        grid_code: grid,
        fingerprint: key.fingerprint(),
        registration,
        petitioner,
        representatives,
        identity,
        decision,
        timers,
        notices,
        created_by: who.user().map(|u| u.id),
    };
    Ok(Registered::New(store.petitions().create(&actor, new).await?))
}
