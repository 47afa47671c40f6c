//! The demo street's mediation organisations and disputes in hand (issue 12): a 人民调解委员会 per
//! community (人民调解法 art 8) and the street's 矛调中心, each with mediators — the demo's
//! `mediator` account serving the centre — and a dozen disputes as a working day finds them:
//! just registered, in mediation (with an online room), agreed orally and being performed, and
//! one where mediation failed. Everything goes through `tongxin_app::mediation`, as the desk
//! would do it. (A year of disputes and petitions behind them is still to come.)

use anyhow::{Context, anyhow};
use tongxin_app::mediation::orgs::{MediatorForm, OrgForm, create_mediator, create_org};
use tongxin_app::mediation::{PartyForm, Registration, Who, act, register};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::mediation::agreement::{AgreementDraftForm, OralDraft, PerformanceTerm};
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::mediator::{Appointment, MediatorInput, MediatorRef};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::{Action, ConsentForm, Route, SessionPlace};
use tongxin_store::Store;
use tongxin_store::mediation::PartySide;

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

/// Loads the organisations, mediators and disputes; returns (organisations, disputes).
pub async fn seed(store: &Store) -> anyhow::Result<(usize, usize)> {
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
    for c in &communities {
        create_org(store, &admin, org(OrgKind::PeoplesCommittee, format!("{}人民调解委员会", c.name), c.code.clone()))
            .await
            .map_err(fail)?;
        orgs += 1;
    }
    let mediator_form = |name: &str, user_id, specialities| MediatorForm {
        input: MediatorInput {
            org_id: centre.id,
            name: name.into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1968, 3, 8).expect("a date"),
            appointment: Appointment::Hired,
            term_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
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
    Ok((orgs, DISPUTES.len()))
}
