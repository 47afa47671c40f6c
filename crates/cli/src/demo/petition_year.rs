//! A year of 信访 at the demo street (issue 12): about [`PETITIONS_PER_YEAR`] petitions over
//! the twelve months before "now", played through `tongxin_app::petitions` on a clock that
//! walks through the year, so every statutory clock ran on the days it did (信访工作条例 2022):
//! registered from every channel (art 17), told of receipt and route within 15 days (art 22),
//! kept by the street or handed to a department (交办), accepted, answered with a
//! 信访处理意见书 within 60 days or extended once by the leader (arts 32, 34); some asked for
//! 复查 and 复核 (arts 35–36), some routed to the courts (art 31), resolved by mediation (art
//! 33) or withdrawn, suggestions and accusations replied to (arts 29–30). A few run late, as
//! in life: the timer job, run each simulated day, warns and marks them, and closes those whose
//! time for 复查 passed. What the year had not finished by "now" is open.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::anyhow;
use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tongxin_app::petitions::{PersonForm, RegistrationForm, Who, act, register};
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::clock::shanghai;
use tongxin_domain::petition::{
    Action, Channel, FactsAndReasons, Finding, Kind, LegalBasis, Opinion, Outcome, Request, Route, TransferMode,
};
use tongxin_jobs::SmsSender;
use tongxin_store::Store;
use tongxin_store::petitions::PetitionView;

use super::past::{Jobs, Past, YearReport, later, person, timeline};

/// Petitions a street of ~30,000 people receives in a year.
pub const PETITIONS_PER_YEAR: usize = 48;

/// Who acts: the street's 信访 desk (the dispatcher), its leader (extensions, 复查 and 复核
/// answers in the demo, standing in for the bodies above), and the departments with accounts.
pub struct Cast {
    pub desk: Who,
    pub leader: Who,
    /// A department's staff and the department's id.
    pub departments: Vec<(Who, i64)>,
    /// Grids of the street, where matters lie.
    pub grids: Vec<String>,
}

/// What a petition is about: the request, facts, the finding and its legal basis.
struct Matter {
    request: &'static str,
    facts: &'static str,
    finding: &'static str,
    basis: &'static str,
}

const MATTERS: [Matter; 6] = [
    Matter {
        request: "要求查处小区周边夜间施工噪音",
        facts: "工地连续多日在22时后施工，影响居民休息",
        finding: "经核查属实，已责令施工单位停止夜间施工并处罚款",
        basis: "《中华人民共和国噪声污染防治法》第四十三条",
    },
    Matter {
        request: "要求补发房屋征收补偿款",
        facts: "征收补偿协议约定款项尚有部分未支付",
        finding: "经核实尚欠部分款项，责成实施单位30日内补发",
        basis: "《国有土地上房屋征收与补偿条例》第二十七条",
    },
    Matter {
        request: "要求物业公司公开维修资金使用情况",
        facts: "小区电梯维修费用分摊，业主未见公示",
        finding: "责成物业服务企业在小区公示维修资金使用明细",
        basis: "《中华人民共和国民法典》第二百八十一条",
    },
    Matter {
        request: "要求处理餐饮店油烟扰民",
        facts: "临街餐饮店油烟直排，居民多次反映未果",
        finding: "已责令餐饮店限期安装油烟净化设施",
        basis: "《中华人民共和国大气污染防治法》第八十一条",
    },
    Matter {
        request: "要求追讨拖欠的务工工资",
        facts: "在小区装修工程务工三个月，工资未结清",
        finding: "已督促用工单位支付，剩余部分引导通过劳动仲裁解决",
        basis: "《保障农民工工资支付条例》第十五条",
    },
    Matter {
        request: "要求恢复被占用的小区绿地",
        facts: "小区绿地被个别业主圈占种菜",
        finding: "经现场核查，已责令恢复绿地原状",
        basis: "《城市绿化条例》第十九条",
    },
];

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Register,
    Notify,
    Transfer,
    Accept,
    Route,
    Withdraw,
    Mediate,
    Extend,
    Opinion(Outcome),
    Reply,
    RequestReview,
    AnswerReview(Outcome),
    RequestRecheck,
    AnswerRecheck(Outcome),
}

struct Story {
    channel: Channel,
    kind: Kind,
    matter: usize,
    grid: String,
    petitioner: String,
    group: bool,
    /// The department it is handed to, if any (index into the cast's).
    department: Option<usize>,
    steps: Vec<(DateTime<Utc>, Step)>,
}

fn outcome(rng: &mut ChaCha8Rng) -> Outcome {
    match rng.random_range(0..100) {
        0..45 => Outcome::Support,
        45..80 => Outcome::Explain,
        _ => Outcome::Reject,
    }
}

fn story(rng: &mut ChaCha8Rng, cast: &Cast, t0: DateTime<Utc>) -> Story {
    let channel = match rng.random_range(0..100) {
        0..35 => Channel::Online,
        35..60 => Channel::Visit,
        60..80 => Channel::Phone,
        80..95 => Channel::Letter,
        _ => Channel::Fax,
    };
    let kind = match rng.random_range(0..100) {
        0..75 => Kind::Claim,
        75..90 => Kind::Suggestion,
        _ => Kind::Accusation,
    };
    let petitioner = person(rng);
    let mut s = vec![(t0, Step::Register)];
    // Told of receipt and route within 15 days (art 22); a few late.
    let mut t = if rng.random_bool(0.1) { later(rng, t0, 16..21) } else { later(rng, t0, 1..9) };
    s.push((t, Step::Notify));
    let ending: f64 = rng.random();
    let department = (kind == Kind::Claim && !cast.departments.is_empty() && rng.random_bool(0.45))
        .then(|| rng.random_range(0..cast.departments.len()));
    let done = |steps, department| Story {
        channel,
        kind,
        matter: rng_matter(t0),
        grid: cast.grids[(t0.timestamp() as usize / 7) % cast.grids.len()].clone(),
        petitioner: petitioner.clone(),
        group: channel == Channel::Visit && t0.timestamp() % 11 == 0,
        department,
        steps,
    };
    if kind == Kind::Claim && ending < 0.06 {
        s.push((later(rng, t, 1..4), Step::Route));
        return done(s, None);
    }
    if ending > 0.95 {
        s.push((later(rng, t, 2..10), Step::Withdraw));
        return done(s, None);
    }
    if department.is_some() {
        t = later(rng, t, 0..2);
        s.push((t, Step::Transfer));
    }
    t = later(rng, t, 1..4);
    s.push((t, Step::Accept));
    if kind != Kind::Claim {
        s.push((later(rng, t, 10..40), Step::Reply));
        return done(s, department);
    }
    if department.is_none() && ending > 0.88 {
        s.push((later(rng, t, 5..20), Step::Mediate));
        return done(s, None);
    }
    if rng.random_bool(0.06) {
        t = later(rng, t, 48..54);
        s.push((t, Step::Extend));
        t = later(rng, t, 15..30);
    } else if rng.random_bool(0.1) {
        // Answered after the 60 days, unextended: the 按期率 shows it.
        t = later(rng, t, 62..72);
    } else {
        t = later(rng, t, 15..52);
    }
    s.push((t, Step::Opinion(outcome(rng))));
    if rng.random_bool(0.2) {
        t = later(rng, t, 5..25);
        s.push((t, Step::RequestReview));
        t = later(rng, t, 10..27);
        s.push((t, Step::AnswerReview(outcome(rng))));
        if rng.random_bool(0.3) {
            t = later(rng, t, 5..25);
            s.push((t, Step::RequestRecheck));
            s.push((later(rng, t, 10..27), Step::AnswerRecheck(Outcome::Reject)));
        }
    }
    done(s, department)
}

/// The matter of a petition registered at `t0` (spread over the six).
fn rng_matter(t0: DateTime<Utc>) -> usize {
    (t0.timestamp() as usize / 3_600) % MATTERS.len()
}

fn opinion(m: &Matter, outcome: Outcome) -> anyhow::Result<Opinion> {
    let bad = |e: tongxin_domain::kernel::text::TextError| anyhow!("{e}");
    Ok(Opinion {
        request: Request::new(m.request).map_err(bad)?,
        facts_and_reasons: FactsAndReasons::new(m.facts).map_err(bad)?,
        outcome,
        finding: Finding::new(m.finding).map_err(bad)?,
        legal_basis: LegalBasis::new(m.basis).map_err(bad)?,
    })
}

/// Plays the year of petitions on its own clock (the disputes' year has been played; a
/// petition resolved by mediation names one of `disputes`, registered before it).
pub async fn play(
    store: &Store,
    cast: &Cast,
    rng: &mut ChaCha8Rng,
    petitions: usize,
    disputes: &[(DateTime<Utc>, i64)],
    sms: &Arc<dyn SmsSender>,
) -> anyhow::Result<YearReport> {
    let now = store.now();
    let start = now - Duration::days(365);
    let stories: Vec<Story> = (0..petitions)
        .map(|_| {
            let t0 = later(rng, start, 0..364);
            story(rng, cast, t0)
        })
        .collect();
    let times = stories.iter().map(|s| s.steps.iter().map(|(at, _)| *at).collect());
    let mut past = Past::new(store, start, sms.clone());
    let mut played: HashMap<usize, PetitionView> = HashMap::new();
    let mut dropped = vec![false; stories.len()];
    let mut report = YearReport::default();
    for (at, i, k) in timeline(times, now) {
        past.move_to(at, Jobs::Petitions).await?;
        if dropped[i] {
            continue;
        }
        let s = &stories[i];
        match play_step(&past.store, cast, s, &s.steps[k].1, played.get(&i), disputes).await {
            Ok(view) => {
                report.steps += 1;
                if k == 0 {
                    report.disputes += 1;
                }
                played.insert(i, view);
            }
            Err(e) => {
                report.refuse(format!("{:?}: {e}", s.steps[k].1));
                dropped[i] = true;
            }
        }
    }
    Ok(report)
}

async fn play_step(
    store: &Store,
    cast: &Cast,
    s: &Story,
    step: &Step,
    p: Option<&PetitionView>,
    disputes: &[(DateTime<Utc>, i64)],
) -> anyhow::Result<PetitionView> {
    let fail = |e: tongxin_app::petitions::PetitionError| anyhow!("{e}");
    let m = &MATTERS[s.matter];
    let Some(p) = p else {
        let person = |name: &str| PersonForm {
            name: name.into(),
            address: "本街道".into(),
            id_number: String::new(),
            phone: String::new(),
        };
        let form = RegistrationForm {
            region: Some(s.grid.clone()),
            channel: s.channel,
            kind: s.kind,
            petitioner: person(&s.petitioner),
            request: m.request.into(),
            facts: m.facts.into(),
            reasons: "多次反映未得到解决".into(),
            headcount: s.group.then_some(8),
            representatives: if s.group { vec![person(&s.petitioner)] } else { Vec::new() },
        };
        return Ok(register(store, &cast.desk, form).await.map_err(fail)?.petition().clone());
    };
    // The timer job may have touched it since (a warning, 超期): act on its current version.
    let current = store.petitions().get(&tongxin_domain::kernel::access::Scope::All, p.id).await?;
    let p = &current;
    let holder = match s.department {
        Some(d) if !matches!(step, Step::Transfer) && p.holder.is_some() => &cast.departments[d].0,
        _ => &cast.desk,
    };
    let today = shanghai(store.now()).date_naive();
    let (who, action) = match step {
        Step::Register => unreachable!("registered first"),
        Step::Notify => (&cast.desk, Action::Notify { note: "已书面告知受理情况及办理途径".into() }),
        Step::Transfer => {
            let (_, dept) = cast.departments[s.department.ok_or_else(|| anyhow!("无承办部门"))?];
            (
                &cast.desk,
                Action::Transfer {
                    unit: Unit::Department(dept),
                    mode: TransferMode::Assign,
                    note: "请依法办理并报告结果".into(),
                },
            )
        }
        Step::Accept => (holder, Action::Accept),
        Step::Route => (
            &cast.desk,
            Action::Route {
                route: Route::Litigation, note: "已告知信访人依法向人民法院提起诉讼".into()
            },
        ),
        Step::Withdraw => (&cast.desk, Action::Withdraw { reason: "信访人表示问题已解决，书面撤回".into() }),
        Step::Mediate => {
            let before = disputes.iter().rev().find(|(at, _)| *at < store.now()).map(|(_, id)| *id);
            let id = before.ok_or_else(|| anyhow!("此前没有可关联的纠纷"))?;
            (holder, Action::Mediate { dispute_id: id, note: "经人民调解达成协议，信访事项化解".into() })
        }
        Step::Extend => (&cast.leader, Action::Extend { days: 30, reason: "需委托第三方评估，延长办理期限".into() }),
        Step::Opinion(o) => (holder, Action::IssueOpinion { opinion: opinion(m, *o)?, served_on: today }),
        Step::Reply => (holder, Action::Reply { reply: "感谢您的意见建议，已转相关部门研究落实".into() }),
        Step::RequestReview => {
            (&cast.desk, Action::RequestReview { body: "婺城区人民政府".into(), request: String::new() })
        }
        Step::AnswerReview(o) => (&cast.leader, Action::AnswerReview { opinion: opinion(m, *o)?, served_on: today }),
        Step::RequestRecheck => {
            (&cast.desk, Action::RequestRecheck { body: "金华市人民政府".into(), request: String::new() })
        }
        Step::AnswerRecheck(o) => {
            (&cast.leader, Action::AnswerRecheck { opinion: opinion(m, *o)?, served_on: today, publish: false })
        }
    };
    act(store, who, p.id, p.version, action).await.map_err(fail)
}
