//! A demo that has lived (issue 11): a year of 接诉即办 cases for the demo streets, loaded after
//! the places, people, accounts, categories and routing rules.
//!
//! [`sim`] plays the cases through the real rules (`domain::case::decide`) and the app's effect
//! planning (`app::cases::effects::plan`) on a simulated clock; the rows are then bulk-inserted
//! by `store::cases::history`. The whole history is recorded under ONE audit record
//! (`demo.history`, with the counts) instead of one per step: chaining hundreds of thousands of
//! HMAC links one by one would cost more than the rest of the load, and the rows are the demo's
//! generated past, not actions anyone took in this installation.

mod sim;
mod texts;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use rand::RngExt;
use tongxin_app::cases::config::CaseConfig;
use tongxin_domain::case::{Status, Unit};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_store::audit::{AuditEntry, append};
use tongxin_store::bulk::{reserve_ids, sync_id_sequence};
use tongxin_store::cases::history::{HistoryBatch, add_unit_month_stats, set_code_sequences};
use tongxin_store::{Actor, Store};

use super::generate::rng_for;
use super::{Scale, World, names};
use sim::{Building, Department, Grid, Quality, Requester, Staff, Street};

/// How much history to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Months before "now" (the clock) that the history covers.
    pub months: u32,
    /// Cases over those months.
    pub cases: usize,
}

/// Cases per resident and year (Beijing's 12345 takes about one per inhabitant a year).
const CASES_PER_RESIDENT_YEAR: f64 = 1.15;
/// The district's history is capped: at its full rate (~350,000 cases) the load would take
/// minutes instead of seconds.
pub const DISTRICT_CASE_CAP: usize = 120_000;

impl HistoryOptions {
    /// A year at the street's rate; the district proportionally, capped at [`DISTRICT_CASE_CAP`].
    pub fn for_world(world: &World) -> HistoryOptions {
        let cases = (world.residents.len() as f64 * CASES_PER_RESIDENT_YEAR).round() as usize;
        let cases = if world.scale == Scale::District { cases.min(DISTRICT_CASE_CAP) } else { cases };
        HistoryOptions { months: 12, cases }
    }
}

/// How a unit works, by department (0 poor … 1 good); others 0.6. The spread is what makes the
/// 三率 ranking say something.
const QUALITY: [(&str, f64); 16] = [
    ("城建办", 0.92),
    ("供电公司", 0.9),
    ("供水公司", 0.86),
    ("人社局", 0.85),
    ("燃气公司", 0.84),
    ("派出所", 0.8),
    ("民政局", 0.8),
    ("市场监管所", 0.74),
    ("城管执法中队", 0.68),
    ("司法所", 0.66),
    ("交警中队", 0.55),
    ("生态环境分局", 0.5),
    ("综合行政执法队", 0.45),
    ("住建局", 0.32),
    ("婺城红色物业服务有限公司", 0.4),
    ("浙江宏达物业管理有限公司", 0.18),
];

fn person(rng: &mut rand_chacha::ChaCha8Rng) -> String {
    let male = rng.random_bool(0.5);
    let year = rng.random_range(1972..=1996);
    let surname = names::surname(rng);
    names::full_name(rng, surname, year, male)
}

/// The streets as the simulation sees them: grids with their buildings, residents with phones
/// and grid worker; departments with a handler and a quality; the dispatcher and the leader —
/// the demo accounts where there is one, named staff without an account elsewhere.
async fn streets(store: &Store, world: &World, first_building_id: i64) -> anyhow::Result<Vec<Street>> {
    let mut rng = rng_for(world.seed, "history-staff");
    let users = store.accounts().users().await?;
    let departments = store.departments().list(&Scope::All).await?;
    let account = |username: &str| users.iter().find(|u| u.username == username);
    let staff_of = |u: &tongxin_store::accounts::User, unit: Option<Unit>, label: String| Staff {
        user_id: Some(u.id),
        name: u.display_name.clone(),
        role: u.role,
        label,
        unit,
    };
    let mut buildings: HashMap<&str, Vec<Building>> = HashMap::new();
    for (i, b) in world.buildings.iter().enumerate() {
        buildings.entry(b.grid.as_str()).or_default().push(Building {
            id: first_building_id + i as i64,
            name: b.name.clone(),
            address: b.address.clone(),
            lng: b.lng,
            lat: b.lat,
        });
    }
    let mut requesters: HashMap<&str, Vec<Requester>> = HashMap::new();
    for r in &world.residents {
        if let Some(phone) = &r.phone {
            requesters
                .entry(r.grid.as_str())
                .or_default()
                .push(Requester { name: r.name.clone(), phone: phone.clone() });
        }
    }
    let mut out = Vec::new();
    for street in world.regions.iter().filter(|r| r.code.as_str().len() == 9) {
        let code = street.code.as_str().to_string();
        let demo = code == world.demo_street();
        let mut grids = Vec::new();
        for g in world.regions.iter().filter(|r| r.code.as_str().len() == 15 && r.code.as_str().starts_with(&code)) {
            let gc = g.code.as_str();
            let Some(bs) = buildings.remove(gc) else { continue };
            let unit = Some(Unit::GridTeam(gc.to_string()));
            let member = world.team.iter().find(|t| t.grid == gc && t.role == "专职网格员");
            let worker = match member.and_then(|m| m.username.as_deref()).and_then(account) {
                Some(u) => staff_of(u, unit, Role::GridWorker.label().into()),
                None => Staff {
                    user_id: None,
                    name: member.map(|m| m.name.clone()).unwrap_or_else(|| person(&mut rng)),
                    role: Role::GridWorker,
                    label: Role::GridWorker.label().into(),
                    unit,
                },
            };
            grids.push(Grid {
                code: gc.to_string(),
                buildings: bs,
                requesters: requesters.remove(gc).unwrap_or_default(),
                worker,
                quality: Quality(rng.random_range(0.55..0.95)),
            });
        }
        if grids.is_empty() {
            continue;
        }
        let named = |rng: &mut rand_chacha::ChaCha8Rng, role: Role| Staff {
            user_id: None,
            name: person(rng),
            role,
            label: role.label().into(),
            unit: None,
        };
        let dispatcher = match account("dispatcher").filter(|_| demo) {
            Some(u) => staff_of(u, None, u.role.label().into()),
            None => named(&mut rng, Role::Dispatcher),
        };
        let leader = match account("leader").filter(|_| demo) {
            Some(u) => staff_of(u, None, u.role.label().into()),
            None => named(&mut rng, Role::Leader),
        };
        let mut depts = Vec::new();
        for d in departments.iter().filter(|d| d.street_code == code) {
            let unit = Some(Unit::Department(d.id));
            let handler_account = users.iter().find(|u| {
                demo && u.role == Role::DepartmentHandler
                    && matches!(u.scope, Scope::Department { id, .. } if id == d.id)
            });
            let handler = match handler_account {
                Some(u) => staff_of(u, unit, d.name.clone()),
                None => Staff {
                    user_id: None,
                    name: person(&mut rng),
                    role: Role::DepartmentHandler,
                    label: d.name.clone(),
                    unit,
                },
            };
            let base = QUALITY.iter().find(|(n, _)| *n == d.name).map_or(0.6, |(_, q)| *q);
            let quality = Quality((base + rng.random_range(-0.06..0.06)).clamp(0.05, 0.98));
            depts.push(Department { id: d.id, name: d.name.clone(), handler, quality });
        }
        let weight = grids.iter().map(|g| g.requesters.len().max(1)).sum::<usize>() as f64;
        out.push(Street { code, grids, dispatcher, leader, departments: depts, weight });
    }
    Ok(out)
}

/// What was loaded, for the console and the audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySummary {
    pub cases: usize,
    pub events: usize,
    pub outbox: usize,
    pub open: usize,
    pub overdue: usize,
    pub by_status: BTreeMap<&'static str, usize>,
}

impl HistorySummary {
    pub fn line(&self) -> String {
        let statuses: Vec<String> = Status::ALL
            .iter()
            .filter_map(|s| self.by_status.get(s.label()).map(|n| format!("{} {n}", s.label())))
            .collect();
        format!(
            "诉求 {} 件（在办 {}，其中超期 {}；{}），办理记录 {} 条，通知与短信 {} 条",
            self.cases,
            self.open,
            self.overdue,
            statuses.join("、"),
            self.events,
            self.outbox
        )
    }
}

/// Cases per write transaction (for the progress lines).
const CHUNK: usize = 5_000;

/// Simulates and writes the history of `world` (already loaded, with categories and routing
/// rules) over the `options.months` before the store's clock.
pub async fn load_history(
    store: &Store,
    world: &World,
    first_building_id: i64,
    options: HistoryOptions,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<HistorySummary> {
    let now = store.now();
    let cfg = CaseConfig::load(store).await.context("读取诉求配置失败")?;
    let streets = streets(store, world, first_building_id).await?;
    let mut tx = store.db.begin().await?;
    let first_id = reserve_ids(&mut tx, "cases").await?;
    let history = sim::simulate(&cfg, &streets, world.seed, options.cases, options.months, first_id, now);
    if let Some(first) = history.refused.first() {
        anyhow::bail!("模拟的办理步骤被规则拒绝 {} 次，例如：{first}", history.refused.len());
    }
    let mut by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in &history.cases {
        let label = Status::parse(&c.row.status).map_or("未知", |s| s.label());
        *by_status.entry(label).or_default() += 1;
    }
    let summary = HistorySummary {
        cases: history.cases.len(),
        events: history.events.len(),
        outbox: history.outbox.len(),
        open: history.cases.iter().filter(|c| c.row.open).count(),
        overdue: history.cases.iter().filter(|c| c.row.open && c.overdue).count(),
        by_status,
    };
    progress(&format!("模拟近 {} 个月的诉求：{}", options.months, summary.line()));
    // Events, participants and outbox rows come in case order: each chunk takes its cases' rows.
    let (mut e, mut p, mut o) = (0, 0, 0);
    for cases in history.cases.chunks(CHUNK) {
        let last = cases.last().map_or(0, |c| c.id);
        let e1 = history.events.partition_point(|x| x.case_id <= last);
        let p1 = history.participants.partition_point(|x| x.case_id <= last);
        let o1 = history.outbox.partition_point(|x| x.case_id <= last);
        let batch = HistoryBatch {
            cases,
            events: &history.events[e..e1],
            participants: &history.participants[p..p1],
            outbox: &history.outbox[o..o1],
        };
        store.cases().insert_history(&mut tx, batch).await?;
        (e, p, o) = (e1, p1, o1);
        progress(&format!("写入诉求 {}/{}", last - first_id + 1, history.cases.len()));
    }
    sync_id_sequence(&mut tx, "cases").await?;
    let counters = add_unit_month_stats(&mut tx, &history.stats).await?;
    set_code_sequences(&mut tx, &history.code_days).await?;
    append(
        &mut tx,
        store.pii(),
        now,
        &Actor::system("demo"),
        AuditEntry::new("demo.history", "region", world.demo_street()).detail(summary.line()),
    )
    .await?;
    tx.commit().await?;
    progress(&format!("写入三率月度计数 {counters} 行"));
    store.db.analyze().await?;
    Ok(summary)
}
