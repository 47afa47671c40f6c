//! The demo street's mediation organisations and disputes in hand (issue 12): a 人民调解委员会 per
//! community (人民调解法 art 8) and the street's 矛调中心, each with mediators — the demo's
//! `mediator` account serving the centre — and a dozen disputes as a working day finds them:
//! just registered, in mediation (with an online room), agreed orally and being performed, and
//! one where mediation failed. Everything goes through `tongxin_app::mediation`, as the desk
//! would do it. Behind them lies a year of disputes ([`super::mediation_year`]) and of 信访
//! ([`super::petition_year`]), mediated by each community's committee — one mediator account
//! per committee, `tiaojie01`, `tiaojie02` … with the demo password — and the centre.

use anyhow::{Context, anyhow};
use tongxin_app::mediation::orgs::{MediatorForm, OrgForm, create_mediator, create_org};
use tongxin_app::mediation::{PartyForm, Registration, Who, act, register};
use tongxin_app::petitions::Who as PWho;
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::mediation::agreement::{AgreementDraftForm, OralDraft, PerformanceTerm};
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::mediator::Appointment;
use tongxin_domain::mediation::mediator::{MediatorInput, MediatorRef};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::{Action, ConsentForm, Route, SessionPlace};
use tongxin_store::Store;
use tongxin_store::accounts::NewUser;
use tongxin_store::mediation::PartySide;

use super::generate::rng_for;
use super::mediation_year::{Bench, Cast, DISPUTES_PER_YEAR};
use super::past::YearReport;
use super::petition_year::{Cast as PetitionCast, PETITIONS_PER_YEAR};

/// The disputes of the demo: (type, summary, amount in 元, how far it got).
const DISPUTES: [(DisputeType, &str, &str, Stage); 12] = [
    (DisputeType::Neighbourhood, "楼上空调外机冷凝水滴落到楼下阳台，双方多次争吵。", "", Stage::Registered),
    (DisputeType::PropertyManagement, "业主认为物业未及时维修电梯，拒交物业费。", "2400", Stage::Registered),
    (DisputeType::Neighbourhood, "邻居在公共楼道堆放杂物，影响通行和消防。", "", Stage::Mediating),
    (DisputeType::Damages, "装修时水管破裂，淹了楼下住户的吊顶和地板。", "8600", Stage::Mediating),
    (DisputeType::Labour, "装修工人讨要拖欠的工钱。", "5200", Stage::Mediating),
    (DisputeType::MarriageFamily, "兄弟姐妹就父母老房拆迁款分配发生争执。", "120000", Stage::Mediating),
    (DisputeType::Consumer, "顾客在小区超市买到过期食品，要求赔偿。", "300", Stage::Performing),
    (DisputeType::Neighbourhood, "宠物狗夜间吠叫，影响邻居休息。", "", Stage::Performing),
    (DisputeType::Contract, "租客提前退租，房东扣押押金。", "3000", Stage::Performing),
    (DisputeType::Damages, "电动车在小区内剐蹭行人。", "1500", Stage::Performing),
    (DisputeType::HousingHomestead, "相邻两户对院墙界址有争议。", "", Stage::Failed),
    (DisputeType::PropertyManagement, "停车位被他人长期占用。", "", Stage::Mediating),
];

/// The parties' names, two by two.
const PARTIES: [&str; 24] = [
    "陈国平",
    "林秀英",
    "王建华",
    "张丽娟",
    "刘志强",
    "吴美玲",
    "赵文斌",
    "孙桂芳",
    "周海涛",
    "徐小燕",
    "朱永明",
    "胡晓梅",
    "郑立新",
    "何春花",
    "高志勇",
    "罗玉兰",
    "梁卫东",
    "宋雅琴",
    "唐振华",
    "许丽萍",
    "韩伟",
    "冯淑珍",
    "邓建军",
    "曹敏",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Registered,
    Mediating,
    Performing,
    Failed,
}

/// What the mediation seed loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub orgs: usize,
    /// Community committees, each with its mediator account `tiaojieNN`.
    pub committees: usize,
    /// The disputes in hand made today.
    pub today: usize,
    pub year: YearReport,
    pub petitions: YearReport,
    /// 在线咨询 asked over the year (all but the last days' answered).
    pub consultations: usize,
    /// 网格排查 logged over the year in the demo community.
    pub screenings: usize,
}

/// Questions asked online in a year.
const CONSULTATIONS_PER_YEAR: usize = 24;

/// Committee mediators (one per community, in community order; the list repeats its names
/// with a number beyond).
const COMMITTEE_MEDIATORS: [&str; 8] = ["李秀兰", "张国强", "王美华", "刘建平", "陈玉梅", "杨志刚", "黄丽君", "周德明"];

/// Loads the organisations, mediators, a year of disputes and petitions, and the disputes in
/// hand; `seed` makes the year the same for the same seed.
pub async fn seed(store: &Store, seed: u64) -> anyhow::Result<Seeded> {
    let admin = store.accounts().credentials("admin").await.context("演示账号 admin 不存在")?.user;
    let mediator = store.accounts().credentials("mediator").await.context("演示账号 mediator 不存在")?.user;
    let Scope::Region { code } = &mediator.scope else { anyhow::bail!("演示调解员的范围不是街道") };
    let street = code.as_str().to_string();
    let regions = store.regions().in_scope(&mediator.scope, true).await?;
    let communities: Vec<_> = regions.iter().filter(|r| r.code.len() == 12).collect();
    let grids: Vec<_> = regions.iter().filter(|r| r.code.len() == 15).map(|r| r.code.clone()).collect();
    let fail = |e: tongxin_app::mediation::DisputeError| anyhow!("{e}");
    let org =
        |kind, name: String, region_code: String| OrgForm { kind, name, region_code, field: None, multi_ethnic: false };
    let centre =
        create_org(store, &admin, org(OrgKind::StreetCentre, "城东街道矛盾纠纷调处化解中心".into(), street.clone()))
            .await
            .map_err(fail)?;
    let mut orgs = 1;
    let template = store.accounts().credentials("mediator").await?;
    let system = tongxin_store::Actor::system("demo");
    let mut committees = Vec::new();
    for (k, c) in communities.iter().enumerate() {
        let committee = create_org(
            store,
            &admin,
            org(OrgKind::PeoplesCommittee, format!("{}人民调解委员会", c.name), c.code.clone()),
        )
        .await
        .map_err(fail)?;
        orgs += 1;
        // Its mediator signs in with the demo password (the hash is the demo mediator's).
        let name = COMMITTEE_MEDIATORS[k % COMMITTEE_MEDIATORS.len()];
        let user = store
            .accounts()
            .create_user(
                &system,
                &NewUser {
                    username: format!("tiaojie{:02}", k + 1),
                    display_name: name.into(),
                    password_hash: template.password_hash.clone(),
                    role: Role::Mediator,
                    scope_region: Some(c.code.clone()),
                    scope_department: None,
                    can_unmask: false,
                    totp_secret: None,
                },
            )
            .await?;
        let member = MediatorForm {
            input: MediatorInput {
                org_id: committee.id,
                name: name.into(),
                birth_date: chrono::NaiveDate::from_ymd_opt(1965 + k as i32 % 20, 5, 12).expect("a date"),
                appointment: Appointment::Member,
                term_start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date"),
                term_end: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
                specialities: vec![DisputeType::Neighbourhood, DisputeType::MarriageFamily],
            },
            user_id: Some(user.id),
            qualification: "人民调解员培训合格".into(),
        };
        let record = create_mediator(store, &admin, member).await.map_err(fail)?;
        let grids_here: Vec<String> = grids.iter().filter(|g| g.starts_with(&c.code)).cloned().collect();
        if !grids_here.is_empty() {
            let bench = Bench { org: committee, mediator: Who::Staff(user), mediator_id: record.mediator.id };
            committees.push((c.code.clone(), bench, grids_here));
        }
    }
    let mediator_form = |name: &str, user_id, specialities| MediatorForm {
        input: MediatorInput {
            org_id: centre.id,
            name: name.into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1968, 3, 8).expect("a date"),
            appointment: Appointment::Hired,
            term_start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date"),
            term_end: None,
            specialities,
        },
        user_id,
        qualification: "人民调解员培训合格".into(),
    };
    let ours = create_mediator(
        store,
        &admin,
        mediator_form(
            &mediator.display_name,
            Some(mediator.id),
            vec![DisputeType::Neighbourhood, DisputeType::PropertyManagement],
        ),
    )
    .await
    .map_err(fail)?;
    create_mediator(store, &admin, mediator_form("王建国", None, vec![DisputeType::Labour, DisputeType::Damages]))
        .await
        .map_err(fail)?;

    // The year behind today, then today's disputes in hand.
    let user = |name: &'static str| async move {
        store.accounts().credentials(name).await.map(|c| c.user).with_context(|| format!("演示账号 {name} 不存在"))
    };
    let (dispatcher, leader, community) = (user("dispatcher").await?, user("leader").await?, user("community").await?);
    let community_code = match &community.scope {
        Scope::Region { code } => code.as_str().to_string(),
        _ => String::new(),
    };
    let cast = Cast {
        dispatcher: Who::Staff(dispatcher.clone()),
        community_worker: (community_code, Who::Staff(community)),
        leader: Who::Staff(leader.clone()),
        centre: Bench { org: centre.clone(), mediator: Who::Staff(mediator.clone()), mediator_id: ours.mediator.id },
        committees,
    };
    let sms: std::sync::Arc<dyn tongxin_jobs::SmsSender> = std::sync::Arc::new(tongxin_jobs::LogSender);
    let mut rng = rng_for(seed, "mediation-year");
    let (year, registered) = if cast.committees.is_empty() {
        (YearReport::default(), Vec::new())
    } else {
        super::mediation_year::play(store, &cast, &mut rng, DISPUTES_PER_YEAR, &sms).await?
    };
    let consultations = if cast.committees.is_empty() {
        0
    } else {
        super::mediation_year::consultations(store, &cast, &mut rng, CONSULTATIONS_PER_YEAR, &sms).await?
    };
    let screenings = super::mediation_year::screenings(store, &cast, &mut rng, &sms).await?;
    let mut departments = Vec::new();
    for name in ["chengguan", "shichang"] {
        if let Ok(c) = store.accounts().credentials(name).await
            && let Scope::Department { id, .. } = c.user.scope
        {
            departments.push((PWho::Staff(c.user), id));
        }
    }
    let petition_cast =
        PetitionCast { desk: PWho::Staff(dispatcher), leader: PWho::Staff(leader), departments, grids: grids.clone() };
    let petitions = if grids.is_empty() {
        YearReport::default()
    } else {
        super::petition_year::play(store, &petition_cast, &mut rng, PETITIONS_PER_YEAR, &registered, &sms).await?
    };

    let desk = Who::Staff(admin.clone());
    let at_mediator = Who::Staff(mediator.clone());
    let today = tongxin_domain::case::deadline::shanghai_date(store.now());
    for (i, (dispute_type, summary, amount, stage)) in DISPUTES.iter().enumerate() {
        let party = |name: &str, side, n: usize, consent| PartyForm {
            name: name.into(),
            side,
            resident_id: None,
            id_number: String::new(),
            phone: format!("1380571{:04}", n),
            consent,
        };
        let (a, b) = (PARTIES[(2 * i) % PARTIES.len()].to_string(), PARTIES[(2 * i + 1) % PARTIES.len()].to_string());
        let registration = Registration {
            region: grids.get(i % grids.len().max(1)).cloned().or_else(|| Some(street.clone())),
            org_id: centre.id,
            level: None,
            dispute_type: *dispute_type,
            source: if i % 3 == 0 { Source::Online } else { Source::WalkIn },
            referred_case_id: None,
            summary: (*summary).into(),
            amount: (*amount).into(),
            parties: vec![
                party(&a, PartySide::Applicant, 2 * i, Some(ConsentForm::Written)),
                party(&b, PartySide::Respondent, 2 * i + 1, Some(ConsentForm::Oral)),
            ],
            screening_id: None,
        };
        let d = register(store, &desk, registration).await.map_err(fail)?;
        if *stage == Stage::Registered {
            continue;
        }
        let d = act(store, &desk, d.id, d.version, Action::Accept).await.map_err(fail)?;
        let assign = Action::AssignMediators {
            mediators: vec![MediatorRef { id: ours.mediator.id, active: true }],
            chosen_by_parties: false,
        };
        let d = act(store, &desk, d.id, d.version, assign).await.map_err(fail)?;
        let session = Action::RecordSession {
            held_on: today,
            place: if i % 2 == 0 {
                SessionPlace::Online
            } else {
                SessionPlace::Offline { address: "街道矛调中心调解室".into() }
            },
            attendees: vec![a.clone(), b.clone()],
            notes: "双方陈述事实，调解员释法说理。".into(),
        };
        let d = act(store, &at_mediator, d.id, d.version, session).await.map_err(fail)?;
        match stage {
            Stage::Performing => {
                let oral = Action::RecordAgreement {
                    agreement: AgreementDraftForm::Oral(OralDraft {
                        content: format!("{b}同意承担相应责任，{a}表示谅解。"),
                        items: vec![PerformanceTerm {
                            party: 1,
                            content: format!("{b}按约定赔偿或整改"),
                            method: "当面交付".into(),
                            place: None,
                            due: today + chrono::Duration::days(14),
                        }],
                    }),
                };
                act(store, &at_mediator, d.id, d.version, oral).await.map_err(fail)?;
            }
            Stage::Failed => {
                let fail_action = Action::Terminate {
                    reason: "双方对界址分歧较大，调解不成。".into(),
                    routes: vec![Route::Administrative, Route::Litigation],
                };
                act(store, &at_mediator, d.id, d.version, fail_action).await.map_err(fail)?;
            }
            _ => {}
        }
    }
    // People read their notices: what the year delivered more than a week ago is read.
    store.cases().settle_past_notices(store.now() - chrono::Duration::days(7)).await?;
    Ok(Seeded {
        orgs,
        committees: communities.len(),
        today: DISPUTES.len(),
        year,
        petitions,
        consultations,
        screenings,
    })
}
