//! A year of 矛盾纠纷 behind the disputes in hand (issue 12): about [`DISPUTES_PER_YEAR`]
//! disputes registered over the twelve months before "now", played through the use-cases
//! (`tongxin_app::mediation`) on a clock that walks through the year, so that every record,
//! clock, notice and audit entry carries the day it happened.
//!
//! Most are registered where they arise — a grid worker's screening, a walk-in at the
//! community — and mediated by the community's committee (小事不出村, 信访工作条例 art 15); the
//! bigger ones go to the street's 矛调中心 from the start or are transferred up. They end as
//! they do in practice: agreed (written and signed, or oral: 人民调解法 arts 28–30), performed,
//! followed up and closed; failed with the parties told their other routes (art 26);
//! withdrawn; refused (art 17). Some are assessed at a risk level, a few reported for violence
//! (art 25), some run past their month and are supervised (督办) — the timer job runs each
//! simulated day —, some take 司法确认 (art 33). What the year had not finished by "now" is
//! open, in the state it reached.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::anyhow;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tongxin_app::mediation::{PartyForm, Registration, Who, act, confirm, register, report_violence};
use tongxin_domain::kernel::clock::{from_shanghai, shanghai};
use tongxin_domain::mediation::ConfirmationAction;
use tongxin_domain::mediation::agreement::{
    AgreementDraft, AgreementDraftForm, AgreementParty, OralDraft, PerformanceTerm,
};
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::mediator::MediatorRef;
use tongxin_domain::mediation::{Action, ConsentForm, PerformanceResult, Route, SessionPlace, VisitForm};
use tongxin_jobs::SmsSender;
use tongxin_store::Store;
use tongxin_store::mediation::{OrgRecord, PartySide, Viewer};

use super::past::{Jobs, Past, YearReport, later, person, timeline};

/// Disputes a street of ~30,000 people brings to its committees and 矛调中心 in a year.
pub const DISPUTES_PER_YEAR: usize = 180;

/// One mediating body of the demo: the organisation and the mediator (an account) who works
/// its disputes.
#[derive(Clone)]
pub struct Bench {
    pub org: OrgRecord,
    pub mediator: Who,
    pub mediator_id: i64,
}

/// Who acts in the year: the desk that accepts, assigns, transfers and closes (the community's
/// worker for the demo community, the 矛调中心's dispatcher elsewhere), the leader who
/// supervises, the centre and each community's committee.
pub struct Cast {
    pub dispatcher: Who,
    pub community_worker: (String, Who),
    pub leader: Who,
    pub centre: Bench,
    /// Per community code, its committee; grids by community.
    pub committees: Vec<(String, Bench, Vec<String>)>,
}

impl Cast {
    fn coordinator(&self, community: &str, at_centre: bool) -> &Who {
        if !at_centre && self.community_worker.0 == community { &self.community_worker.1 } else { &self.dispatcher }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Register,
    Refuse,
    Accept,
    Assign,
    Risk(&'static str),
    Violence,
    Withdraw,
    Session,
    Supervise,
    Extend,
    TransferUp,
    Terminate,
    Agree { written: bool, dues: Vec<NaiveDate> },
    Sign,
    Apply,
    CourtAccept,
    CourtConfirm,
    Perform { item: u8, result: PerformanceResult },
    FollowUp,
    Close { told: bool },
}

/// One dispute's story: where and what, then its steps in time order.
struct Story {
    community: usize,
    grid: String,
    at_centre: bool,
    dispute_type: DisputeType,
    source: Source,
    summary: &'static str,
    amount: String,
    parties: [String; 2],
    steps: Vec<(DateTime<Utc>, Step)>,
}

/// Where a played dispute stands.
struct Played {
    id: i64,
    version: i64,
    at_centre: bool,
}

/// What disputes are about, by type (weights as a street's register shows them).
const KINDS: [(DisputeType, u32, &[&str]); 12] = [
    (
        DisputeType::Neighbourhood,
        30,
        &["楼上卫生间渗水到楼下，双方就维修责任争执。", "邻居在楼道堆放杂物影响通行。", "相邻两户因装修噪音多次争吵。"],
    ),
    (DisputeType::MarriageFamily, 12, &["子女之间就老人赡养费用分担发生争执。", "兄妹就父母遗留房屋继承份额有分歧。"]),
    (DisputeType::PropertyManagement, 12, &["业主以电梯长期故障为由拒交物业费。", "地下车位被他人长期占用。"]),
    (DisputeType::Damages, 10, &["小区内电动车剐蹭行人致轻微伤。", "高空坠物砸坏楼下车辆。"]),
    (DisputeType::Contract, 8, &["租客提前退租，房东扣押押金。", "装修合同工期延误，双方就违约金争执。"]),
    (DisputeType::HousingHomestead, 6, &["相邻两户对院墙界址有争议。"]),
    (DisputeType::Labour, 6, &["装修工人讨要拖欠的工钱。", "店员离职后讨要未结工资。"]),
    (DisputeType::Consumer, 5, &["顾客在超市买到过期食品要求赔偿。"]),
    (DisputeType::TrafficAccident, 4, &["小区门口两车刮擦，就维修费用有争议。"]),
    (DisputeType::LandContract, 2, &["承包地流转租金支付发生争议。"]),
    (DisputeType::Medical, 1, &["社区诊所输液后出现过敏反应，患者要求赔偿。"]),
    (DisputeType::Other, 4, &["宠物狗夜间吠叫影响邻居休息。"]),
];

/// Types a community committee sends to the 矛调中心 from the start (professional fields).
fn centre_type(t: DisputeType) -> bool {
    matches!(t, DisputeType::Labour | DisputeType::TrafficAccident | DisputeType::Medical | DisputeType::LandContract)
}

fn has_money(t: DisputeType) -> bool {
    !matches!(t, DisputeType::Neighbourhood | DisputeType::HousingHomestead | DisputeType::Other)
}

fn pick_kind(rng: &mut ChaCha8Rng) -> (DisputeType, &'static str) {
    let total: u32 = KINDS.iter().map(|k| k.1).sum();
    let mut n = rng.random_range(0..total);
    for (t, w, summaries) in KINDS {
        if n < w {
            return (t, summaries[rng.random_range(0..summaries.len())]);
        }
        n -= w;
    }
    (DisputeType::Other, KINDS[11].2[0])
}

/// A dispute's story from its registration at `t0`: the branch it takes and when each step
/// happens (the share of each ending is a street's: most agreed, about one in ten failed).
fn story(rng: &mut ChaCha8Rng, cast: &Cast, t0: DateTime<Utc>) -> Story {
    let community = rng.random_range(0..cast.committees.len());
    let grids = &cast.committees[community].2;
    let grid = grids[rng.random_range(0..grids.len())].clone();
    let (dispute_type, summary) = pick_kind(rng);
    let at_centre = centre_type(dispute_type) || rng.random_bool(0.08);
    let source = match rng.random_range(0..100) {
        0..40 => Source::GridScreening,
        40..75 => Source::WalkIn,
        75..87 => Source::PoliceReferral,
        87..95 => Source::CourtReferral,
        _ => Source::Online,
    };
    let amount = if has_money(dispute_type) { format!("{}", rng.random_range(3..400) * 100) } else { String::new() };
    let parties = [person(rng), person(rng)];
    let mut s = vec![(t0, Step::Register)];
    let ending: f64 = rng.random();
    let mut t = t0;
    if ending < 0.02 {
        // 人民调解法 art 17: a party who clearly refuses cannot be mediated.
        s.push((later(rng, t, 1..4), Step::Refuse));
        return Story { community, grid, at_centre, dispute_type, source, summary, amount, parties, steps: s };
    }
    t = later(rng, t, 0..2);
    s.push((t, Step::Accept));
    t += Duration::minutes(20);
    s.push((t, Step::Assign));
    if rng.random_bool(0.12) {
        t = later(rng, t, 0..2);
        s.push((t, Step::Risk(if rng.random_bool(0.3) { "orange" } else { "yellow" })));
    }
    if rng.random_bool(0.015) {
        t = later(rng, t, 0..1);
        s.push((t, Step::Risk("red")));
        t += Duration::minutes(30);
        s.push((t, Step::Violence));
    }
    if ending < 0.05 {
        s.push((later(rng, t, 2..8), Step::Withdraw));
        return Story { community, grid, at_centre, dispute_type, source, summary, amount, parties, steps: s };
    }
    t = later(rng, t, 2..9);
    s.push((t, Step::Session));
    if rng.random_bool(0.35) {
        t = later(rng, t, 4..10);
        s.push((t, Step::Session));
    }
    if rng.random_bool(0.05) {
        // Stalled past the month: the timer job marks it overdue, the leader supervises.
        t = later(rng, t, 30..38);
        s.push((t, Step::Supervise));
        t = later(rng, t, 2..6);
        s.push((t, Step::Session));
    } else if rng.random_bool(0.05) {
        // Both parties agree to more time (the only way the month moves).
        t = later(rng, t, 3..6);
        s.push((t, Step::Extend));
        t = later(rng, t, 5..12);
        s.push((t, Step::Session));
    }
    if !at_centre && ending < 0.12 {
        // 分类流转: beyond the committee, the 矛调中心 takes it over.
        t = later(rng, t, 1..4);
        s.push((t, Step::TransferUp));
        t = later(rng, t, 0..2);
        s.push((t, Step::Accept));
        t += Duration::minutes(20);
        s.push((t, Step::Assign));
        t = later(rng, t, 2..7);
        s.push((t, Step::Session));
    }
    if ending < 0.16 {
        t += Duration::hours(1);
        s.push((t, Step::Terminate));
        return Story { community, grid, at_centre, dispute_type, source, summary, amount, parties, steps: s };
    }
    let written = rng.random_bool(0.55);
    let agreed_on = shanghai(t).date_naive();
    let items = if rng.random_bool(0.3) { 2 } else { 1 };
    let dues: Vec<NaiveDate> = (0..items).map(|_| agreed_on + Duration::days(rng.random_range(7..30))).collect();
    t += Duration::hours(1);
    s.push((t, Step::Agree { written, dues: dues.clone() }));
    let mut effective = t;
    if written {
        t = later(rng, t, 1..4);
        s.push((t, Step::Sign));
        effective = t;
        if rng.random_bool(0.12) {
            let applied = later(rng, t, 3..20);
            let accepted = later(rng, applied, 1..3);
            s.push((applied, Step::Apply));
            s.push((accepted, Step::CourtAccept));
            s.push((later(rng, accepted, 5..14), Step::CourtConfirm));
        }
    }
    let mut last = effective;
    let mut told = false;
    for (item, due) in dues.iter().enumerate() {
        let due_at = from_shanghai(due.and_hms_opt(10, 0, 0).expect("a time")).expect("Shanghai time");
        let at = later(rng, due_at.max(effective), 0..3);
        let result = match rng.random_range(0..100) {
            0..92 => PerformanceResult::Performed,
            92..97 => PerformanceResult::Partly,
            _ => PerformanceResult::NotPerformed,
        };
        told |= result != PerformanceResult::Performed;
        s.push((at, Step::Perform { item: item as u8, result }));
        last = last.max(at);
    }
    let visit = later(rng, last, 3..15);
    s.push((visit, Step::FollowUp));
    s.push((later(rng, visit, 1..6), Step::Close { told }));
    s.sort_by_key(|(at, _)| *at);
    Story { community, grid, at_centre, dispute_type, source, summary, amount, parties, steps: s }
}

/// Plays the year: stories registered over the 365 days before `store.now()`, their steps in
/// time order on a clock moved to each, the mediation timers and the outbox run at each
/// simulated day's end. Steps after "now" never happen. Returns what was done and the ids of
/// the disputes with the moment each was registered (for the petitions resolved by mediation).
pub async fn play(
    store: &Store,
    cast: &Cast,
    rng: &mut ChaCha8Rng,
    disputes: usize,
    sms: &Arc<dyn SmsSender>,
) -> anyhow::Result<(YearReport, Vec<(DateTime<Utc>, i64)>)> {
    let now = store.now();
    let start = now - Duration::days(365);
    let mut stories: Vec<Story> = (0..disputes)
        .map(|_| {
            let t0 = later(rng, start, 0..364);
            story(rng, cast, t0)
        })
        .collect();
    stories.sort_by_key(|s| s.steps[0].0);
    let times = stories.iter().map(|s| s.steps.iter().map(|(at, _)| *at).collect());
    let mut past = Past::new(store, start, sms.clone());
    let mut played: HashMap<usize, Played> = HashMap::new();
    let mut dropped: Vec<bool> = vec![false; stories.len()];
    let mut report = YearReport::default();
    let mut registered = Vec::new();
    for (at, i, k) in timeline(times, now) {
        past.move_to(at, Jobs::Mediation).await?;
        if dropped[i] {
            continue;
        }
        let s = &stories[i];
        match play_step(&past.store, cast, s, &s.steps[k].1, played.get(&i)).await {
            Ok(view) => {
                report.steps += 1;
                if k == 0 {
                    report.disputes += 1;
                    registered.push((at, view.id));
                }
                let at_centre = match (&s.steps[k].1, played.get(&i)) {
                    (Step::TransferUp, _) => true,
                    (_, Some(p)) => p.at_centre,
                    (_, None) => s.at_centre,
                };
                played.insert(i, Played { id: view.id, version: view.version, at_centre });
            }
            Err(e) => {
                report.refuse(format!("{:?}: {e}", s.steps[k].1));
                dropped[i] = true;
            }
        }
    }
    Ok((report, registered))
}

/// One step of a story, by the one who takes it.
async fn play_step(
    store: &Store,
    cast: &Cast,
    s: &Story,
    step: &Step,
    p: Option<&Played>,
) -> anyhow::Result<tongxin_store::mediation::DisputeView> {
    let fail = |e: tongxin_app::mediation::DisputeError| anyhow!("{e}");
    let (community_code, committee, _) = &cast.committees[s.community];
    let Some(p) = p else {
        let bench = if s.at_centre { &cast.centre } else { committee };
        let registrar = if s.at_centre { &cast.dispatcher } else { &committee.mediator };
        let party = |name: &str, side, consent| PartyForm {
            name: name.into(),
            side,
            resident_id: None,
            id_number: String::new(),
            phone: String::new(),
            consent,
        };
        let refusing = matches!(s.steps.get(1), Some((_, Step::Refuse)));
        let registration = Registration {
            region: Some(s.grid.clone()),
            org_id: bench.org.id,
            level: None,
            dispute_type: s.dispute_type,
            source: s.source,
            referred_case_id: None,
            summary: s.summary.into(),
            amount: s.amount.clone(),
            parties: vec![
                party(&s.parties[0], PartySide::Applicant, Some(ConsentForm::Written)),
                party(&s.parties[1], PartySide::Respondent, (!refusing).then_some(ConsentForm::Oral)),
            ],
            screening_id: None,
        };
        return register(store, registrar, registration).await.map_err(fail);
    };
    // The timer job may have touched it since (a warning, 超期): act on its current version.
    let version = store.mediation().get(&Viewer::System, p.id).await?.version;
    let p = &Played { id: p.id, version, at_centre: p.at_centre };
    let bench = if p.at_centre { &cast.centre } else { committee };
    let desk = cast.coordinator(community_code, p.at_centre);
    let mediator = &bench.mediator;
    let today = shanghai(store.now()).date_naive();
    let (who, action) = match step {
        Step::Register => unreachable!("registered first"),
        Step::Refuse => (
            desk,
            Action::RecordConsent {
                party: 1,
                consent: false,
                form: ConsentForm::Oral,
                note: "被申请人明确表示不同意调解".into(),
            },
        ),
        Step::Accept => (desk, Action::Accept),
        Step::Assign => (
            desk,
            Action::AssignMediators {
                mediators: vec![MediatorRef { id: bench.mediator_id, active: true }],
                chosen_by_parties: false,
            },
        ),
        Step::Risk(code) => {
            let levels = store.mediation().risk_levels().await?;
            let risk = levels.into_iter().find(|l| l.code == *code).ok_or_else(|| anyhow!("没有风险等级 {code}"))?;
            (mediator, Action::AssessRisk { risk, note: "双方情绪对立，需重点关注。".into() })
        }
        Step::Violence => {
            let note = "一方扬言报复，存在矛盾激化风险。";
            return report_violence(store, mediator, p.id, p.version, note).await.map_err(fail);
        }
        Step::Withdraw => (desk, Action::Withdraw { reason: "申请人表示双方已自行和解，申请撤回。".into() }),
        Step::Session => (
            mediator,
            Action::RecordSession {
                held_on: today,
                place: if s.at_centre {
                    SessionPlace::Offline { address: "街道矛调中心调解室".into() }
                } else {
                    SessionPlace::Offline { address: "社区人民调解室".into() }
                },
                attendees: s.parties.to_vec(),
                notes: "双方陈述事实和诉求，调解员释法说理、分别做工作。".into(),
            },
        ),
        Step::Supervise => (&cast.leader, Action::Supervise { note: "超过调解期限，请加快化解并报告进展。".into() }),
        Step::Extend => (
            mediator,
            Action::ExtendLimit {
                days: 15, consents: vec![0, 1], reason: "双方同意延长，待补充维修报价。".into()
            },
        ),
        Step::TransferUp => (
            desk,
            Action::Transfer {
                to: cast.centre.org.reference(),
                reason: "涉及金额较大、专业性强，提请街道矛调中心调处。".into(),
            },
        ),
        Step::Terminate => (
            mediator,
            Action::Terminate {
                reason: "双方分歧较大，经多次调解未能达成协议。".into(),
                routes: vec![Route::Litigation, Route::Administrative],
            },
        ),
        Step::Agree { written, dues } => {
            let (a, b) = (&s.parties[0], &s.parties[1]);
            let items: Vec<PerformanceTerm> = dues
                .iter()
                .map(|due| PerformanceTerm {
                    party: 1,
                    content: if s.amount.is_empty() {
                        format!("{b}按约定完成整改")
                    } else {
                        format!("{b}支付{a}款项")
                    },
                    method: if s.amount.is_empty() { "当面履行".into() } else { "银行转账".into() },
                    place: None,
                    due: *due,
                })
                .collect();
            let agreement = if *written {
                AgreementDraftForm::Written(AgreementDraft {
                    parties: vec![
                        AgreementParty { name: a.clone(), particulars: "本街道居民".into() },
                        AgreementParty { name: b.clone(), particulars: "本街道居民".into() },
                    ],
                    facts: s.summary.into(),
                    issues: "责任承担及赔偿、整改方式。".into(),
                    responsibilities: format!("{b}负主要责任，{a}负次要责任。"),
                    terms: format!("{b}按约定期限履行，{a}不再就此事追究。"),
                    items,
                })
            } else {
                AgreementDraftForm::Oral(OralDraft {
                    content: format!("{b}同意承担相应责任，{a}表示谅解。"), items
                })
            };
            (mediator, Action::RecordAgreement { agreement })
        }
        Step::Sign => {
            (mediator, Action::SignAgreement { parties_signed: true, mediator_signed: true, sealed: true, scan: None })
        }
        Step::Apply | Step::CourtAccept | Step::CourtConfirm => {
            let action = match step {
                Step::Apply => ConfirmationAction::Apply {
                    on: today,
                    court: "金华市婺城区人民法院".into(),
                    applicants: vec![0, 1],
                },
                Step::CourtAccept => ConfirmationAction::CourtAccept { on: today },
                _ => ConfirmationAction::Confirm { on: today },
            };
            return confirm(store, mediator, p.id, p.version, action).await.map_err(fail);
        }
        Step::Perform { item, result } => {
            (mediator, Action::RecordPerformance { item: *item, result: *result, note: "经回访核实。".into() })
        }
        Step::FollowUp => (
            mediator,
            Action::FollowUp {
                form: VisitForm::Phone, satisfied: true, note: "双方对调解结果表示满意。".into()
            },
        ),
        Step::Close { told } => (desk, Action::Close { routes_told: *told, note: "案结事了。".into() }),
    };
    act(store, who, p.id, p.version, action).await.map_err(fail)
}

/// Questions people put to the street's mediation online (在线咨询), with the answer given.
const QUESTIONS: [(&str, &str); 6] = [
    (
        "楼上卫生间漏水到我家，物业说不归他们管，我该找谁？",
        "可先与楼上协商；协商不成，可向本社区人民调解委员会申请调解，调解免费。也可在本页“在线申请调解”。",
    ),
    (
        "邻居在楼道里堆放杂物，说了几次都不听，怎么办？",
        "楼道属于共有部分，可请社区网格员上门劝导；仍不整改的，可申请人民调解或向物业、消防部门反映。",
    ),
    (
        "父母的老房子兄妹几个分不拢，能调解吗？",
        "继承纠纷可以调解。请带上房产证明、亲属关系证明到社区人民调解委员会，或在线申请，由调解员组织各方协商。",
    ),
    (
        "装修工人说工钱没结清，天天上门吵，我该怎么办？",
        "可向街道矛调中心申请调解；双方对工程量有争议的，可带上合同和付款记录。调解不成可申请劳动仲裁或起诉。",
    ),
    (
        "调解达成的协议对方不履行怎么办？",
        "人民调解协议具有法律约束力。双方可在协议生效后 30 日内共同申请司法确认；确认后对方不履行，可申请法院强制执行。",
    ),
    ("对方在外地，也能调解吗？", "可以。调解员会邀请双方进入在线调解室，外地的当事人用手机即可参加，不必往返。"),
];

/// 在线咨询 over the year: questions asked, confirmed with their codes, and answered a few days
/// later by the committee of the asker's community (the last week's still open). Returns how
/// many were asked.
pub async fn consultations(
    store: &Store,
    cast: &Cast,
    rng: &mut ChaCha8Rng,
    n: usize,
    sms: &Arc<dyn SmsSender>,
) -> anyhow::Result<usize> {
    use tongxin_app::mediation::online::{AskForm, answer, ask, confirm_request};
    let now = store.now();
    let start = now - Duration::days(365);
    // (when, question, asked (true) or answered, community)
    let mut steps: Vec<(DateTime<Utc>, usize, bool, usize)> = Vec::new();
    for i in 0..n {
        let asked = later(rng, start, 0..364);
        let community = rng.random_range(0..cast.committees.len());
        steps.push((asked, i, true, community));
        steps.push((later(rng, asked, 1..4), i, false, community));
    }
    steps.sort_by_key(|s| s.0);
    let mut past = Past::new(store, start, sms.clone());
    let mut ids = vec![None; n];
    let fail = |e: tongxin_app::mediation::DisputeError| anyhow!("{e}");
    for (at, i, asking, community) in steps.into_iter().filter(|s| s.0 < now) {
        past.move_to(at, Jobs::Mediation).await?;
        let (question, reply) = QUESTIONS[i % QUESTIONS.len()];
        let (code, bench, _) = &cast.committees[community];
        if asking {
            let form = AskForm {
                place: code.clone(),
                name: person(rng),
                phone: format!("1370571{:04}", i),
                question: question.into(),
            };
            let id = ask(&past.store, &form).await.map_err(fail)?;
            let text = past.store.mediation().last_text_to_request(id).await?.unwrap_or_default();
            let otp: String = text
                .split("验证码是")
                .nth(1)
                .unwrap_or_default()
                .chars()
                .filter(char::is_ascii_digit)
                .take(6)
                .collect();
            confirm_request(&past.store, id, &otp)
                .await
                .map_err(fail)?
                .ok_or_else(|| anyhow!("在线咨询验证码未通过"))?;
            ids[i] = Some(id);
        } else if let (Some(id), Who::Staff(user)) = (ids[i], &bench.mediator) {
            let actor = tongxin_store::Actor { user_id: Some(user.id), name: user.username.clone() };
            answer(&past.store, &actor, &user.scope, id, reply, None).await.map_err(fail)?;
        }
    }
    Ok(ids.iter().filter(|i| i.is_some()).count())
}

/// 网格排查 over the year in the demo community: each grid screened once a month (月排查) on a
/// working day, logged by the community worker, with what was found; this month's not all
/// done yet. Returns how many were logged.
pub async fn screenings(
    store: &Store,
    cast: &Cast,
    rng: &mut ChaCha8Rng,
    sms: &Arc<dyn SmsSender>,
) -> anyhow::Result<usize> {
    use tongxin_app::mediation::screenings::{ScreeningForm, log_screening};
    use tongxin_domain::mediation::screening::ScreeningInput;
    let (community, worker) = &cast.community_worker;
    let Who::Staff(user) = worker else { return Ok(0) };
    let Some((_, _, grids)) = cast.committees.iter().find(|(code, _, _)| code == community) else { return Ok(0) };
    let now = store.now();
    let today = shanghai(now).date_naive();
    let mut logs: Vec<(DateTime<Utc>, String)> = Vec::new();
    for back in (0..12).rev() {
        let this_month = today.with_day(1).expect("the first of a month");
        let first = this_month.checked_sub_months(chrono::Months::new(back)).expect("a month in range");
        for grid in grids {
            let at = later(rng, from_shanghai(first.and_hms_opt(9, 0, 0).expect("a time")).expect("Shanghai"), 0..25);
            if at < now && shanghai(at).date_naive().month() == first.month() {
                logs.push((at, grid.clone()));
            }
        }
    }
    logs.sort();
    let mut past = Past::new(store, logs.first().map(|l| l.0).unwrap_or(now), sms.clone());
    let mut done = 0;
    for (at, grid) in logs {
        past.move_to(at, Jobs::Mediation).await?;
        let day = shanghai(at).date_naive();
        let findings = match rng.random_range(0..10) {
            0..6 => 0,
            6..9 => 1,
            _ => 2,
        };
        let input = ScreeningInput {
            period: day.format("%Y-%m").to_string(),
            screened_on: day.to_string(),
            findings: findings.to_string(),
            note: if findings > 0 {
                "入户走访发现邻里矛盾苗头，已登记调处。".into()
            } else {
                String::new()
            },
        };
        let form = ScreeningForm { grid, input, version: None };
        log_screening(&past.store, user, form).await.map_err(|e| anyhow!("{e}"))?;
        done += 1;
    }
    Ok(done)
}
