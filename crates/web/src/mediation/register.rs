//! 调解登记 (`GET`/`POST /mediation/new`): the parties — one or more per side, residents linked
//! from the register (`?resident=ID` from a resident's page) or people from outside it, their
//! ID numbers and phones encrypted and shown masked afterwards — the type from the dictionary,
//! the place (street, community or grid), the amount in dispute, each party's consent given
//! with the application (人民调解法 art 17), and for the desk (`COORDINATOR_ROLES`) the first
//! risk level and the mediators (art 19) — registered, assessed, accepted and assigned through
//! `tongxin_app::mediation::register_and_assign`. From a grid screening (`?screening=ID`, 网格排查)
//! the source, the grid and the grid level are filled in and the dispute names the screening.
//! A refused form comes back with the error next to its field and everything typed kept.

use super::views::{Refusal, org_choices, refusal, render_form, who};
use crate::AppState;
use crate::cases::pages::{Choice, choices};
use crate::ui::{CsrfForm, PageError, PageResult, Shell, Staff, flash};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use std::collections::HashMap;
use tongxin_app::mediation::{Assignment, PartyForm, Registration, register_and_assign};
use tongxin_domain::kernel::access::{Action as Permission, role_may};
use tongxin_domain::mediation::kinds::{DisputeType, Level, Source};
use tongxin_domain::mediation::{COORDINATOR_ROLES, ConsentForm, MAX_PARTIES};
use tongxin_store::mediation::PartySide;

/// Party rows a new form shows (blank rows are ignored when posted).
const DEFAULT_ROWS: usize = 4;

/// One party row as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct PartyRow {
    pub name: String,
    pub side: String,
    pub id_number: String,
    pub phone: String,
    pub consent: String,
    /// A linked resident's id (hidden field), and how the page names them.
    pub resident: String,
    pub resident_label: String,
}

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct RegisterForm {
    pub region: String,
    pub org_id: String,
    pub dispute_type: String,
    pub source: String,
    pub level: String,
    pub referred_case: String,
    pub summary: String,
    pub amount: String,
    pub risk: String,
    pub mediators: Vec<String>,
    pub chosen_by_parties: bool,
    pub parties: Vec<PartyRow>,
    /// The grid screening (网格排查) it was found by (hidden field), and how the page names it.
    pub screening: String,
    pub screening_label: String,
}

impl RegisterForm {
    /// From the posted pairs: party fields repeat once per row, in order.
    fn from_pairs(pairs: Vec<(String, String)>) -> RegisterForm {
        let mut f = RegisterForm::default();
        let mut cols: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "region" => f.region = v,
                "org_id" => f.org_id = v,
                "dispute_type" => f.dispute_type = v,
                "source" => f.source = v,
                "level" => f.level = v,
                "referred_case" => f.referred_case = v,
                "summary" => f.summary = v,
                "amount" => f.amount = v,
                "risk" => f.risk = v,
                "mediators" => f.mediators.push(v),
                "chosen_by_parties" => f.chosen_by_parties = true,
                "screening" => f.screening = v,
                "screening_label" => f.screening_label = v,
                k if k.starts_with("party_") => cols.entry(k.to_string()).or_default().push(v),
                _ => {}
            }
        }
        let rows = cols.get("party_name").map_or(0, Vec::len).min(MAX_PARTIES + 5);
        let col = |name: &str, i: usize| cols.get(name).and_then(|c| c.get(i)).cloned().unwrap_or_default();
        f.parties = (0..rows)
            .map(|i| PartyRow {
                name: col("party_name", i),
                side: col("party_side", i),
                id_number: col("party_id_number", i),
                phone: col("party_phone", i),
                consent: col("party_consent", i),
                resident: col("party_resident", i),
                resident_label: col("party_resident_label", i),
            })
            .collect();
        f
    }
}

#[derive(Template)]
#[template(path = "mediation/new.html")]
struct NewPage {
    shell: Shell,
    form: RegisterForm,
    regions: Vec<Choice>,
    orgs: Vec<Choice>,
    types: Vec<Choice>,
    sources: Vec<Choice>,
    levels: Vec<Choice>,
    risks: Vec<Choice>,
    mediators: Vec<Choice>,
    sides: Vec<(&'static str, &'static str)>,
    consents: Vec<(&'static str, &'static str)>,
    /// The desk may name the mediators and the risk level now.
    desk: bool,
    more_rows: usize,
    errors: HashMap<&'static str, String>,
    form_error: Option<String>,
}

impl NewPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

/// `GET /mediation/new[?resident=ID…][&rows=N]`: `resident` names a resident as a party (from
/// their page; repeated for several), `rows` the number of party rows. Unreadable values are
/// ignored.
pub async fn page(
    State(s): State<AppState>,
    staff: Staff,
    Query(params): Query<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::RegisterDisputes)?;
    let residents: Vec<i64> = params
        .iter()
        .filter(|(k, _)| k == "resident")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .take(MAX_PARTIES)
        .collect();
    let wanted_rows = params.iter().find(|(k, _)| k == "rows").and_then(|(_, v)| v.trim().parse::<usize>().ok());
    let mut form = RegisterForm { source: Source::WalkIn.as_str().into(), ..Default::default() };
    // 登记发现的纠纷 from a screening: its grid, at grid level (先行调解), no applicant yet.
    if let Some(id) = params.iter().find(|(k, _)| k == "screening").and_then(|(_, v)| v.trim().parse::<i64>().ok()) {
        let sc = s.store.mediation().screening(staff.scope(), id).await.map_err(super::views::not_found)?;
        let grid = s.store.regions().get(staff.scope(), &sc.grid_code).await.map_err(super::views::not_found)?;
        let period =
            tongxin_domain::mediation::screening::Period::parse(&sc.period).map(|p| p.label()).unwrap_or(sc.period);
        form.source = Source::GridScreening.as_str().into();
        form.region = sc.grid_code;
        form.level = Level::Grid.as_str().into();
        form.screening = sc.id.to_string();
        form.screening_label = format!("{}{period}排查发现（{}）", grid.name, sc.screened_on);
    }
    let party_side = if form.screening.is_empty() { None } else { Some("party") };
    for id in residents {
        let r = s.store.residents().get(staff.scope(), id).await.map_err(super::views::not_found)?;
        form.parties.push(PartyRow {
            name: r.name.clone(),
            side: party_side.unwrap_or(if form.parties.is_empty() { "applicant" } else { "respondent" }).into(),
            resident: r.id.to_string(),
            resident_label: format!("已关联居民档案（身份证号 {}）", r.id_masked),
            ..Default::default()
        });
    }
    let rows = wanted_rows.unwrap_or(DEFAULT_ROWS).clamp(2, MAX_PARTIES).max(form.parties.len() + 1).min(MAX_PARTIES);
    while form.parties.len() < rows {
        let side = match (party_side, form.parties.len()) {
            (Some(side), _) => side,
            (None, 0) => "applicant",
            (None, _) => "respondent",
        };
        form.parties.push(PartyRow { side: side.into(), ..Default::default() });
    }
    show(&s, &staff, form, HashMap::new(), None).await
}

/// `POST /mediation/new`
pub async fn submit(
    State(s): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    staff.require(Permission::RegisterDisputes)?;
    let form = RegisterForm::from_pairs(pairs);
    let (registration, desk) = match build(&s, &staff, &form).await? {
        Ok(built) => built,
        Err(errors) => return show(&s, &staff, form, errors, None).await,
    };
    match register_and_assign(&s.store, &who(&staff), registration, Some(desk)).await {
        Ok(r) => {
            let to = format!("/mediation/disputes/{}", r.dispute.id);
            Ok(match r.unfinished {
                None => flash::redirect(&to, "ok", &format!("已登记纠纷 {}", r.dispute.code)),
                Some(m) => flash::redirect(&to, "error", &m),
            })
        }
        Err(e) => {
            let Refusal { field, message } = refusal(e)?;
            match field {
                Some(f) => show(&s, &staff, form, HashMap::from([(form_field(f), message)]), None).await,
                None => show(&s, &staff, form, HashMap::new(), Some(message)).await,
            }
        }
    }
}

/// The form's field a use-case's field is shown at.
fn form_field(field: &'static str) -> &'static str {
    match field {
        "referred_case_id" => "referred_case",
        "screening_id" => "form",
        "org_id" | "region" | "parties" | "amount" | "source" | "mediators" | "risk" => field,
        _ => "form",
    }
}

type Built = Result<(Registration, Assignment), HashMap<&'static str, String>>;

/// The use-case's input from the typed form; what cannot even be read is reported per field.
async fn build(s: &AppState, staff: &Staff, f: &RegisterForm) -> Result<Built, PageError> {
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let org_id = f.org_id.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.insert("org_id", "请选择调解组织".into());
        0
    });
    let dispute_type = DisputeType::parse(&f.dispute_type);
    if dispute_type.is_none() {
        errors.insert("dispute_type", "请选择纠纷类型".into());
    }
    let source = Source::parse(&f.source);
    if source.is_none() {
        errors.insert("source", "请选择纠纷来源".into());
    }
    let level = match f.level.trim() {
        "" => None,
        l => Level::parse(l).or_else(|| {
            errors.insert("level", "请选择首先受理的层级".into());
            None
        }),
    };
    let referred_case_id = match f.referred_case.trim() {
        "" => None,
        code => match s.store.case_id_by_code(staff.scope(), code).await {
            Ok(id) => Some(id),
            Err(tongxin_store::StoreError::NotFound) => {
                errors.insert("referred_case", format!("诉求编号 {code} 不存在或不在您的管辖范围内"));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    if source == Some(Source::CaseReferral) && referred_case_id.is_none() && !errors.contains_key("referred_case") {
        errors.insert("referred_case", "诉求转调解请填写原诉求编号".into());
    }
    let mut parties = Vec::new();
    for (i, row) in f.parties.iter().enumerate() {
        let blank = [&row.name, &row.id_number, &row.phone, &row.resident].iter().all(|v| v.trim().is_empty());
        if blank {
            continue;
        }
        let n = i + 1;
        let side = match row.side.as_str() {
            "applicant" => PartySide::Applicant,
            "respondent" => PartySide::Respondent,
            "party" => PartySide::Party,
            _ => {
                errors.insert("parties", format!("第{n}行当事人：请选择申请人、被申请人或当事人"));
                continue;
            }
        };
        let consent = match row.consent.as_str() {
            "" => None,
            c => match ConsentForm::parse(c) {
                Some(c) => Some(c),
                None => {
                    errors.insert("parties", format!("第{n}行当事人：请选择是否同意调解"));
                    continue;
                }
            },
        };
        let resident_id = match row.resident.trim() {
            "" => None,
            r => match r.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.insert("parties", format!("第{n}行当事人关联的居民档案有误，请重新从居民页面登记"));
                    continue;
                }
            },
        };
        parties.push(PartyForm {
            name: row.name.clone(),
            side,
            resident_id,
            id_number: row.id_number.clone(),
            phone: row.phone.clone(),
            consent,
        });
    }
    let mut mediators = Vec::new();
    for m in f.mediators.iter().filter(|m| !m.trim().is_empty()) {
        match m.trim().parse::<i64>() {
            Ok(id) => mediators.push(id),
            Err(_) => {
                errors.insert("mediators", "请从列表中选择调解员".into());
            }
        }
    }
    let (Some(dispute_type), Some(source), true) = (dispute_type, source, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let screening_id = match f.screening.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| {
            PageError::User(axum::http::StatusCode::BAD_REQUEST, "排查记录有误，请从网格排查页面重新登记".into())
        })?),
    };
    let registration = Registration {
        region: Some(f.region.trim().to_string()).filter(|r| !r.is_empty()),
        org_id,
        level,
        dispute_type,
        source,
        referred_case_id,
        summary: f.summary.clone(),
        amount: f.amount.clone(),
        parties,
        screening_id,
    };
    let risk = Some(f.risk.trim().to_string()).filter(|r| !r.is_empty());
    Ok(Ok((registration, Assignment { mediators, chosen_by_parties: f.chosen_by_parties, risk })))
}

async fn show(
    s: &AppState,
    staff: &Staff,
    form: RegisterForm,
    errors: HashMap<&'static str, String>,
    form_error: Option<String>,
) -> PageResult<Response> {
    let regions = s.store.regions().in_scope(staff.scope(), true).await?;
    let region_options = std::iter::once((String::new(), "请选择街道、社区或网格".to_string())).chain(
        regions.into_iter().filter(|r| r.level != "district").map(|r| {
            let indent = match r.level.as_str() {
                "grid" => "　　",
                "community" => "　",
                _ => "",
            };
            (r.code, format!("{indent}{}", r.name))
        }),
    );
    let desk = COORDINATOR_ROLES.contains(&staff.user.role);
    let orgs = org_choices(s, staff).await?;
    let mut mediators = Vec::new();
    if desk {
        let today = tongxin_domain::case::deadline::shanghai_date(s.store.now());
        for o in s.store.mediation().orgs(staff.scope()).await?.into_iter().filter(|o| o.active) {
            for m in s.store.mediation().mediators(staff.scope(), o.id).await? {
                if m.mediator.can_act(today).is_ok() {
                    let value = m.mediator.id.to_string();
                    let selected = form.mediators.contains(&value);
                    let specialities: Vec<&str> = m.mediator.specialities.iter().map(|t| t.label()).collect();
                    let label = if specialities.is_empty() {
                        format!("{}（{}）", m.mediator.name, o.name)
                    } else {
                        format!("{}（{}；擅长{}）", m.mediator.name, o.name, specialities.join("、"))
                    };
                    mediators.push(Choice { value, label, selected });
                }
            }
        }
    }
    let levels = s.store.mediation().risk_levels().await?;
    let any = |label: &str| (String::new(), label.to_string());
    let failed = !errors.is_empty() || form_error.is_some();
    let page = NewPage {
        shell: Shell::staff("登记纠纷", staff, "/mediation/new"),
        regions: choices(&form.region, region_options),
        orgs: choices(&form.org_id, std::iter::once(any("请选择调解组织")).chain(orgs)),
        types: choices(
            &form.dispute_type,
            std::iter::once(any("请选择纠纷类型"))
                .chain(DisputeType::ALL.iter().map(|t| (t.as_str().into(), t.label().into()))),
        ),
        sources: choices(&form.source, Source::ALL.iter().map(|t| (t.as_str().into(), t.label().into()))),
        levels: choices(
            &form.level,
            std::iter::once(any("按调解组织所在层级"))
                .chain(Level::ALL.iter().map(|t| (t.as_str().into(), t.label().into()))),
        ),
        risks: choices(
            &form.risk,
            std::iter::once(any("暂不研判")).chain(levels.iter().map(|l| (l.code.clone(), l.name.clone()))),
        ),
        mediators,
        sides: vec![("applicant", "申请人"), ("respondent", "被申请人"), ("party", "当事人（排查发现）")],
        consents: vec![("", "尚未表态"), ("written", "书面同意调解"), ("oral", "口头同意调解")],
        desk: desk && role_may(staff.user.role, Permission::ManageMediation),
        more_rows: (form.parties.len() + 2).min(MAX_PARTIES),
        form,
        errors,
        form_error,
    };
    Ok(render_form(&page, failed))
}
