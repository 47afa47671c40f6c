//! The simulation: cases arrive over the months before "now" with seasonal, weekday and hourly
//! patterns; people (dispatchers, department handlers, grid workers, residents) and the
//! background jobs (auto-dispatch, deadline warnings, overdue marks and 督办) act on them at
//! simulated times. Every step is decided by `domain::case::decide` and turned into rows by the
//! app's own `cases::effects::plan`, exactly as a request would be: the history cannot break a
//! rule, and the monthly 三率 counters are the sum of the effects' counter changes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tongxin_app::cases::config::CaseConfig;
use tongxin_app::cases::effects::{CaseFacts, plan};
use tongxin_app::cases::{dedupe_key, default_title};
use tongxin_domain::case::deadline::{TimeLimit, Urgency};
use tongxin_domain::case::{
    Action, Actor, CaseState, Channel, Notice, Satisfaction, Status, Unit, decide, format_code, route,
};
use tongxin_domain::kernel::access::Role;
use tongxin_domain::kernel::clock::shanghai;
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::Actor as StoreActor;
use tongxin_store::cases::history::{
    HistoryCase, HistoryEvent, HistoryOutbox, HistoryParticipant, STAT_COLUMNS, StatTotals,
};
use tongxin_store::cases::search::{case_words, index_words};
use tongxin_store::cases::timers::{overdue_text, warning_text};
use tongxin_store::cases::write;

use super::texts::{self, Season};

/// Someone who acts on cases.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Role,
    /// Shown after the name: the role, or the department.
    pub label: String,
    pub unit: Option<Unit>,
}

impl Staff {
    fn store_actor(&self) -> StoreActor {
        StoreActor { user_id: self.user_id, name: format!("{}（{}）", self.name, self.label) }
    }
}

/// How well a unit works (0 poor … 1 good); everything it does follows from it.
#[derive(Debug, Clone, Copy)]
pub struct Quality(pub f64);

#[derive(Debug, Clone)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub handler: Staff,
    pub quality: Quality,
}

#[derive(Debug, Clone)]
pub struct Building {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub lng: f64,
    pub lat: f64,
}

#[derive(Debug, Clone)]
pub struct Requester {
    pub name: String,
    pub phone: Phone,
}

#[derive(Debug, Clone)]
pub struct Grid {
    pub code: String,
    pub buildings: Vec<Building>,
    pub requesters: Vec<Requester>,
    pub worker: Staff,
    pub quality: Quality,
}

#[derive(Debug, Clone)]
pub struct Street {
    pub code: String,
    pub grids: Vec<Grid>,
    pub dispatcher: Staff,
    pub leader: Staff,
    pub departments: Vec<Department>,
    /// Relative number of cases (its residents).
    pub weight: f64,
}

impl Street {
    fn department(&self, name: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.name == name)
    }

    fn by_unit(&self, unit: &Unit) -> Option<&Department> {
        match unit {
            Unit::Department(id) => self.departments.iter().find(|d| d.id == *id),
            Unit::GridTeam(_) => None,
        }
    }
}

/// What the simulation produced.
#[derive(Debug, Default)]
pub struct History {
    pub cases: Vec<HistoryCase>,
    pub events: Vec<HistoryEvent>,
    pub participants: Vec<HistoryParticipant>,
    pub outbox: Vec<HistoryOutbox>,
    pub stats: StatTotals,
    /// Cases per Shanghai day (`YYYYMMDD`): the tracking-code sequences.
    pub code_days: BTreeMap<String, i64>,
    /// Steps the rules refused (none expected; a refused step is simply not taken).
    pub refused: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// When and what.

const HOUR_WEIGHTS: [f64; 24] = [
    0.3, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 1.0, 2.0, 2.6, 2.6, 2.2, 1.6, 1.6, 2.0, 2.1, 2.0, 1.8, 1.6, 1.8, 2.0, 1.9,
    1.4, 0.8,
];

/// (category, weight over the year)
const CATEGORY_WEIGHTS: [(&str, f64); 24] = [
    ("city.noise", 12.0),
    ("city.illegal_building", 3.0),
    ("city.garbage", 8.0),
    ("city.road", 7.0),
    ("city.manhole", 1.5),
    ("city.parking", 8.0),
    ("city.street_vending", 5.0),
    ("city.greening", 4.0),
    ("utility.water", 6.0),
    ("utility.power", 5.0),
    ("utility.gas", 2.5),
    ("utility.heating", 1.0),
    ("market.food", 3.0),
    ("market.consumer", 4.0),
    ("market.price", 2.0),
    ("env.air", 3.0),
    ("env.water", 1.5),
    ("community.property", 12.0),
    ("community.neighbor", 5.0),
    ("community.elderly", 3.0),
    ("community.suggestion", 2.0),
    ("consult.policy", 3.0),
    ("consult.social_security", 3.0),
    ("consult.household", 2.0),
];

fn season_factor(category: &str, month: u32, storm: bool) -> f64 {
    let summer = (6..=9).contains(&month);
    let midsummer = (7..=8).contains(&month);
    let winter = matches!(month, 12 | 1 | 2);
    let mut f = match category {
        "city.noise" if summer => 1.8,
        "utility.heating" if winter => 12.0,
        "utility.heating" if matches!(month, 11 | 3) => 3.0,
        "utility.heating" => 0.1,
        "utility.power" if midsummer => 1.8,
        "utility.water" if midsummer => 1.3,
        "env.air" | "city.street_vending" if summer => 1.3,
        "env.water" if summer => 1.4,
        "consult.social_security" if month == 12 => 1.6,
        _ => 1.0,
    };
    if storm {
        f *= match category {
            "city.road" => 9.0,
            "city.greening" => 10.0,
            "community.property" => 3.0,
            "utility.power" => 3.0,
            "city.manhole" => 4.0,
            "city.garbage" => 1.5,
            _ => 1.0,
        };
    }
    f
}

fn month_factor(month: u32) -> f64 {
    match month {
        7 | 8 => 1.25,
        6 | 9 => 1.12,
        12 | 1 => 1.08,
        2 => 0.8,
        _ => 1.0,
    }
}

fn weekday_factor(d: NaiveDate) -> f64 {
    [1.15, 1.06, 1.04, 1.02, 1.0, 0.8, 0.74][d.weekday().num_days_from_monday() as usize]
}

fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// The storm week: seven days from the last 8 July at least a week before `now`.
pub fn storm_week(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let today = shanghai(now).date_naive();
    let mut year = today.year();
    loop {
        let start = NaiveDate::from_ymd_opt(year, 7, 8).expect("valid date");
        if start + Duration::days(7) <= today {
            return (start, start + Duration::days(7));
        }
        year -= 1;
    }
}

fn local(date: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    let t = date.and_time(NaiveTime::from_hms_opt(h, m, s).expect("valid time"));
    chrono::FixedOffset::east_opt(8 * 3600)
        .expect("+8")
        .from_local_datetime(&t)
        .single()
        .expect("fixed offset")
        .to_utc()
}

/// A case to be: when, where, what and who.
struct Arrival {
    at: DateTime<Utc>,
    street: usize,
    grid: usize,
    category: &'static str,
    storm: bool,
}

fn arrivals(
    rng: &mut ChaCha8Rng,
    streets: &[Street],
    n: usize,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Arrival> {
    let (storm_from, storm_to) = storm_week(now);
    let first = shanghai(start).date_naive();
    let last = shanghai(now).date_naive();
    let mut days = Vec::new();
    let mut d = first;
    let span = (last - first).num_days().max(1) as f64;
    while d <= last {
        let trend = 0.9 + 0.2 * (d - first).num_days() as f64 / span;
        let storm = d >= storm_from && d < storm_to;
        days.push((d, weekday_factor(d) * month_factor(d.month()) * trend * if storm { 2.2 } else { 1.0 }, storm));
        d += Duration::days(1);
    }
    let day_weights: Vec<f64> = days.iter().map(|x| x.1).collect();
    let street_weights: Vec<f64> = streets.iter().map(|s| s.weight).collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let (date, _, storm) = days[weighted(rng, &day_weights)];
        let month = date.month();
        let cat_weights: Vec<f64> = CATEGORY_WEIGHTS.iter().map(|(c, w)| w * season_factor(c, month, storm)).collect();
        let category = CATEGORY_WEIGHTS[weighted(rng, &cat_weights)].0;
        let hour = if category == "city.noise" && rng.random_bool(0.5) {
            [21, 22, 23, 0, 1][rng.random_range(0..5)]
        } else {
            weighted(rng, &HOUR_WEIGHTS) as u32
        };
        let at = local(date, hour, rng.random_range(0..60), rng.random_range(0..60));
        if at < start || at > now {
            continue;
        }
        let street = weighted(rng, &street_weights);
        let grid = rng.random_range(0..streets[street].grids.len());
        out.push(Arrival { at, street, grid, category, storm });
    }
    out.sort_by_key(|a| a.at);
    out
}

fn season_of(a: &Arrival) -> Season {
    if a.storm {
        return Season::Storm;
    }
    match shanghai(a.at).month() {
        6..=9 => Season::Summer,
        12 | 1 | 2 => Season::Winter,
        _ => Season::Other,
    }
}

// ---------------------------------------------------------------------------------------------
// The simulation of one case.

/// Stops a case's script: the next step would happen after "now".
struct Later;

#[derive(Clone)]
enum Who<'a> {
    Staff(&'a Staff),
    System,
    Requester,
}

impl Who<'_> {
    fn domain(&self) -> Actor {
        match self {
            Who::Staff(s) => Actor::Staff { role: s.role, unit: s.unit.clone() },
            Who::System => Actor::System,
            Who::Requester => Actor::Requester,
        }
    }

    fn store(&self) -> StoreActor {
        match self {
            Who::Staff(s) => s.store_actor(),
            Who::System => StoreActor { user_id: None, name: "系统".into() },
            Who::Requester => StoreActor { user_id: None, name: "诉求人".into() },
        }
    }
}

/// What the simulation remembers of an earlier case (for merges).
struct Past {
    id: i64,
    code: String,
    created: DateTime<Utc>,
    /// Status after each step.
    timeline: Vec<(DateTime<Utc>, Status)>,
    /// When its requesters were told it was handled or closed (merged duplicates hear too).
    outcomes: Vec<(DateTime<Utc>, bool)>,
}

impl Past {
    fn status_at(&self, t: DateTime<Utc>) -> Option<Status> {
        self.timeline.iter().take_while(|(at, _)| *at <= t).last().map(|(_, s)| *s)
    }
}

struct Sim<'a> {
    cfg: &'a CaseConfig,
    now: DateTime<Utc>,
    rng: ChaCha8Rng,
    out: History,
    past: Vec<Past>,
    /// Recent cases by (grid, category), for duplicates.
    recent: HashMap<(String, &'static str), Vec<usize>>,
}

/// One case being simulated.
struct Run<'a> {
    id: i64,
    street: &'a Street,
    grid: &'a Grid,
    state: CaseState,
    facts: CaseFacts,
    row: write::CaseState,
    warned: bool,
    overdue: bool,
    updated: DateTime<Utc>,
    events: Vec<HistoryEvent>,
    participants: Vec<HistoryParticipant>,
    outbox: Vec<HistoryOutbox>,
    timeline: Vec<(DateTime<Utc>, Status)>,
    outcomes: Vec<(DateTime<Utc>, bool)>,
    /// Events up to the last re-index (a reply's words), and that change's texts.
    reindexed: Option<(usize, Vec<String>)>,
}

fn payload_text(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(String::from))
        .unwrap_or_default()
}

impl Sim<'_> {
    fn hours(&mut self, lo: f64, hi: f64) -> Duration {
        let u: f64 = self.rng.random();
        Duration::seconds(((lo + (hi - lo) * u * u) * 3600.0) as i64)
    }

    /// `t` moved into office hours (08:30–17:30 on a working day) if it falls outside them.
    fn office(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        let local_t = shanghai(t);
        let date = local_t.date_naive();
        let minutes = local_t.hour() * 60 + local_t.minute();
        let working = self.cfg.calendar.is_working_day(date);
        if working && (510..1050).contains(&minutes) {
            return t;
        }
        let mut day = if working && minutes < 510 { date } else { date + Duration::days(1) };
        while !self.cfg.calendar.is_working_day(day) {
            day += Duration::days(1);
        }
        local(day, 8, 30, 0) + Duration::minutes(self.rng.random_range(0..90))
    }

    /// A step of a unit: office hours, except units that answer at any hour (utilities, grids).
    fn unit_time(&mut self, t: DateTime<Utc>, round_the_clock: bool) -> DateTime<Utc> {
        if round_the_clock { t } else { self.office(t) }
    }

    fn outbox_row(&mut self, case_id: i64, o: write::NewOutbox, at: DateTime<Utc>) -> HistoryOutbox {
        let sent = at + Duration::seconds(self.rng.random_range(2..40));
        let sent_at = (sent <= self.now).then_some(sent);
        let read_at = match sent_at {
            Some(s) if o.channel == "notice" => {
                let old = self.now - s > Duration::days(2);
                let p = if old { 0.9 } else { 0.45 };
                let r = s + self.hours(0.05, 20.0);
                (self.rng.random_bool(p) && r <= self.now).then_some(r)
            }
            _ => None,
        };
        HistoryOutbox {
            case_id: o.about_case.unwrap_or(case_id),
            text: payload_text(&o.payload),
            channel: o.channel,
            kind: o.kind,
            recipient: o.recipient,
            payload: o.payload,
            created_at: at,
            sent_at,
            read_at,
        }
    }

    /// Decides and records one step at `at` (after the timers due before it).
    fn act(&mut self, run: &mut Run<'_>, who: Who<'_>, action: Action, at: DateTime<Utc>) -> Result<bool, Later> {
        if at > self.now {
            return Err(Later);
        }
        // Steps never go back in time.
        let at = at.max(run.updated);
        self.timers(run, at);
        // The system's 督办 may have reached the highest level meanwhile: nobody escalates further.
        if matches!(action, Action::Supervise { .. })
            && run.state.supervision_level >= tongxin_domain::case::MAX_SUPERVISION_LEVEL
        {
            return Ok(false);
        }
        Ok(self.apply(run, who, action, at))
    }

    fn apply(&mut self, run: &mut Run<'_>, who: Who<'_>, action: Action, at: DateTime<Utc>) -> bool {
        let before = run.state.clone();
        let mut decision = match decide(&before, &who.domain(), &action, at) {
            Ok(d) => d,
            Err(e) => {
                self.out.refused.push(format!("#{} {:?}: {e}", run.id, action.kind()));
                return false;
            }
        };
        let (row, effects) = plan(self.cfg, &run.facts, &before, &mut decision, at);
        if row.deadline_at.is_none() || run.row.deadline_at.is_none() || row.deadline_at != run.row.deadline_at {
            run.warned = false;
            run.overdue = false;
        }
        let outcome = decision.notices.iter().find_map(|n| match n {
            Notice::Handled => Some(false),
            Notice::Closed => Some(true),
            _ => None,
        });
        if let Some(closed) = outcome {
            run.outcomes.push((at, closed));
        }
        let actor = who.store();
        for e in effects.events {
            run.events.push(HistoryEvent {
                case_id: run.id,
                kind: e.kind,
                actor: actor.clone(),
                unit: e.unit,
                note: e.note,
                data: e.data,
                at,
            });
        }
        if !effects.search_texts.is_empty() {
            run.reindexed = Some((run.events.len(), effects.search_texts));
        }
        for p in &mut run.participants {
            p.status = "released".into();
        }
        for p in effects.participants {
            let new = HistoryParticipant {
                case_id: run.id,
                unit: p.unit,
                role: p.role,
                status: p.status,
                deadline_at: p.deadline_at,
            };
            match run.participants.iter_mut().find(|x| x.unit == new.unit) {
                Some(x) => *x = new,
                None => run.participants.push(new),
            }
        }
        for o in effects.outbox {
            let row = self.outbox_row(run.id, o, at);
            run.outbox.push(row);
        }
        for s in effects.stats {
            let i = STAT_COLUMNS.iter().position(|f| *f == s.field).expect("a known counter");
            self.out.stats.entry((s.month, s.unit)).or_insert([0; STAT_COLUMNS.len()])[i] += s.delta;
        }
        run.facts.warn_at = row.warn_at;
        run.facts.contact_deadline_at = row.contact_deadline_at;
        run.row = row;
        run.state = decision.state;
        run.updated = at;
        run.timeline.push((at, run.state.status));
        true
    }

    /// The background jobs up to `until`: the deadline warning, the overdue mark and the
    /// system's 督办 (`jobs::timers`), each a moment after its time.
    fn timers(&mut self, run: &mut Run<'_>, until: DateTime<Utc>) {
        loop {
            let open = run.state.status.is_open();
            if let (false, true, Some(w)) = (run.warned, open, run.row.warn_at)
                && w <= until
            {
                let at = (w + Duration::seconds(30)).min(until);
                run.warned = true;
                if let (Some(unit), Some(deadline)) = (&run.row.lead_unit, run.row.deadline_at)
                    && deadline > at
                {
                    let text = warning_text(&run.facts.code, deadline);
                    let o = notice(unit, "deadline_warning", &run.facts.code, &text);
                    let row = self.outbox_row(run.id, o, at);
                    run.outbox.push(row);
                }
                continue;
            }
            if let (false, true, true, Some(deadline)) =
                (run.overdue, open, run.state.status.is_with_unit(), run.row.deadline_at)
                && deadline < until
            {
                let at = (deadline + Duration::seconds(60)).min(until);
                run.overdue = true;
                let code = run.facts.code.clone();
                if let Some(unit) = run.row.lead_unit.clone() {
                    let o = notice(&unit, "overdue", &code, &overdue_text(&code, deadline, false));
                    let row = self.outbox_row(run.id, o, at);
                    run.outbox.push(row);
                }
                let dispatchers = format!("dispatchers:{}", run.street.code);
                let o = notice(&dispatchers, "overdue", &code, &overdue_text(&code, deadline, true));
                let row = self.outbox_row(run.id, o, at);
                run.outbox.push(row);
                let note = tongxin_jobs::timers::AUTO_SUPERVISION_NOTE.to_string();
                // A case already at the highest level is not escalated further (the job drops it).
                if run.state.supervision_level < tongxin_domain::case::MAX_SUPERVISION_LEVEL {
                    self.apply(run, Who::System, Action::Supervise { note }, at + Duration::seconds(5));
                }
                continue;
            }
            break;
        }
    }
}

fn notice(unit: &str, kind: &str, code: &str, text: &str) -> write::NewOutbox {
    write::NewOutbox {
        channel: "notice".into(),
        kind: kind.into(),
        recipient: unit.into(),
        payload: serde_json::json!({ "code": code, "text": text }).to_string(),
        about_case: None,
    }
}

/// The unit a category goes to when no rule names one (the dispatcher's usual choice).
fn usual_department(category: &str, rng: &mut ChaCha8Rng) -> &'static str {
    match category {
        "city.illegal_building" => "综合行政执法队",
        "utility.heating" => "住建局",
        "community.property" => ["金华市城投物业服务有限公司", "婺城红色物业服务有限公司", "浙江宏达物业管理有限公司"]
            [rng.random_range(0..3)],
        "community.neighbor" => "司法所",
        "community.suggestion" | "consult.policy" => "社会事务办",
        "market.price" => "市场监管所",
        "env.water" => "生态环境分局",
        _ => "城建办",
    }
}

/// Where a returned case goes next.
const ALTERNATIVES: [&str; 5] = ["城建办", "综合行政执法队", "住建局", "社会事务办", "平安办"];
/// Who is whistled in to help (吹哨报到).
const WHISTLED: [&str; 6] = ["城管执法中队", "市场监管所", "派出所", "住建局", "生态环境分局", "城建办"];

/// Simulates `n` cases over the `months` before `now`, with ids from `first_id`.
pub fn simulate(
    cfg: &CaseConfig,
    streets: &[Street],
    seed: u64,
    n: usize,
    months: u32,
    first_id: i64,
    now: DateTime<Utc>,
) -> History {
    let start = now - Duration::days(i64::from(months) * 365 / 12);
    let mut rng = super::super::generate::rng_for(seed, "history");
    let coming = arrivals(&mut rng, streets, n, start, now);
    let mut sim = Sim { cfg, now, rng, out: History::default(), past: Vec::new(), recent: HashMap::new() };
    for (i, a) in coming.iter().enumerate() {
        sim.case(first_id + i as i64, a, streets);
    }
    sim.out
}

impl Sim<'_> {
    fn case(&mut self, id: i64, a: &Arrival, streets: &[Street]) {
        let street = &streets[a.street];
        let grid = &street.grids[a.grid];
        let rng = &mut self.rng;
        // Channel and requester.
        let channel = [Channel::Web, Channel::Hotline, Channel::Patrol, Channel::Staff, Channel::Open311]
            [weighted(rng, &[0.42, 0.36, 0.15, 0.04, 0.03])];
        let requester = match channel {
            Channel::Web if rng.random_bool(0.92) => {
                grid.requesters.get(rng.random_range(0..grid.requesters.len().max(1)))
            }
            Channel::Hotline => grid.requesters.get(rng.random_range(0..grid.requesters.len().max(1))),
            Channel::Open311 if rng.random_bool(0.5) => {
                grid.requesters.get(rng.random_range(0..grid.requesters.len().max(1)))
            }
            _ => None,
        };
        let named = match channel {
            Channel::Hotline => rng.random_bool(0.85),
            _ => rng.random_bool(0.6),
        };
        let building = &grid.buildings[rng.random_range(0..grid.buildings.len())];
        let season = season_of(a);
        let description = texts::description(rng, a.category, season, &building.name, channel == Channel::Hotline);
        let address = match channel {
            Channel::Web if rng.random_bool(0.5) => String::new(),
            _ => building.address.clone(),
        };
        let jitter = |rng: &mut ChaCha8Rng| (rng.random::<f64>() - 0.5) * 0.0001;
        let point = (building.lng + jitter(rng), building.lat + jitter(rng));
        let category = self.cfg.categories.get(a.category).cloned();
        let Some(category) = category else {
            self.out.refused.push(format!("category {} missing", a.category));
            return;
        };
        let urgency = if a.storm && matches!(a.category, "city.road" | "city.greening") && rng.random_bool(0.5) {
            Urgency::Emergency
        } else {
            category.urgency
        };
        let day = shanghai(a.at).date_naive();
        let seq = self.out.code_days.entry(day.format("%Y%m%d").to_string()).or_insert(0);
        *seq += 1;
        let code = format_code(day, *seq as u32).unwrap_or_else(|| format!("TX{}-{:06}", day.format("%Y%m%d"), seq));
        let title = default_title(&description);
        let text_words = index_words(&[&title, &description, &address]);
        let reporter = match channel {
            Channel::Patrol => Who::Staff(&grid.worker),
            Channel::Staff => Who::Staff(&street.dispatcher),
            Channel::Web => Who::Requester,
            _ => Who::System,
        };
        let created_by = match &reporter {
            Who::Staff(s) => s.user_id,
            _ => None,
        };
        let mut run = Run {
            id,
            street,
            grid,
            state: CaseState::new(channel),
            facts: CaseFacts {
                code: code.clone(),
                street_code: street.code.clone(),
                grid_code: Some(grid.code.clone()),
                urgency,
                has_phone: requester.is_some(),
                warn_at: None,
                contact_deadline_at: None,
            },
            row: write::CaseState {
                status: Status::Received.as_str().into(),
                open: true,
                lead_unit: None,
                state: String::new(),
                deadline_at: None,
                warn_at: None,
                contact_deadline_at: None,
                parent_case_id: None,
            },
            warned: false,
            overdue: false,
            updated: a.at,
            events: Vec::new(),
            participants: Vec::new(),
            outbox: Vec::new(),
            timeline: vec![(a.at, Status::Received)],
            outcomes: Vec::new(),
            reindexed: None,
        };
        let received_by = match &reporter {
            Who::Requester => StoreActor { user_id: None, name: "居民".into() },
            other => other.store(),
        };
        run.events.push(HistoryEvent {
            case_id: id,
            kind: "received".into(),
            actor: received_by,
            unit: None,
            note: channel.label().into(),
            data: "{}".into(),
            at: a.at,
        });
        let _ = self.script(&mut run, a, &reporter);
        let until = self.now.max(run.updated);
        self.timers(&mut run, until);
        // The row as the last step left it.
        if run.row.state.is_empty() {
            run.row.state = serde_json::to_string(&run.state).expect("case state serialises");
        }
        let words = match &run.reindexed {
            None => text_words,
            Some((upto, extra)) => {
                let head = format!("{title} {description} {address}");
                let mut all: Vec<&str> = vec![head.as_str()];
                all.extend(run.events[..*upto].iter().map(|e| e.note.as_str()).filter(|n| !n.is_empty()));
                all.extend(extra.iter().map(String::as_str));
                index_words(&all)
            }
        };
        let place_key = format!("b{}", building.id);
        self.out.cases.push(HistoryCase {
            id,
            code,
            street_code: street.code.clone(),
            grid_code: Some(grid.code.clone()),
            building_id: Some(building.id),
            category_code: category.code.clone(),
            kind: category.kind.as_str().into(),
            urgency: urgency.as_str().into(),
            channel: channel.as_str().into(),
            title,
            dedupe_key: dedupe_key(&description, &place_key),
            description,
            address,
            point: Some(point),
            requester_name: requester.filter(|_| named).map(|r| r.name.clone()),
            phone: requester.map(|r| r.phone.clone()),
            row: run.row.clone(),
            warned: run.warned,
            overdue: run.overdue,
            created_by,
            created_at: a.at,
            updated_at: run.updated,
            version: run.state.version,
            search_words: case_words(&words, &street.code, Some(&grid.code)),
        });
        let index = self.past.len();
        self.past.push(Past {
            id,
            code: run.facts.code.clone(),
            created: a.at,
            timeline: run.timeline,
            outcomes: run.outcomes,
        });
        let recent = self.recent.entry((grid.code.clone(), a.category)).or_default();
        recent.push(index);
        if recent.len() > 6 {
            recent.remove(0);
        }
        self.out.events.append(&mut run.events);
        self.out.participants.append(&mut run.participants);
        self.out.outbox.append(&mut run.outbox);
    }

    /// The case's life, step by step, until it ends or the next step lies after "now".
    fn script(&mut self, run: &mut Run<'_>, a: &Arrival, reporter: &Who<'_>) -> Result<(), Later> {
        let t0 = a.at;
        let grid = run.grid;
        // Intake: a patrol may close it on the spot; a routing rule may dispatch it at once.
        if run.state.channel == Channel::Patrol
            && matches!(
                a.category,
                "city.garbage" | "city.street_vending" | "city.parking" | "city.noise" | "city.greening"
            )
            && self.rng.random_bool(0.55)
        {
            let reply = texts::on_spot_reply(&mut self.rng);
            self.act(run, reporter.clone(), Action::HandleOnSpot { reply }, t0)?;
            return Ok(());
        }
        let rule = route(&self.cfg.rules, a.category, Some(&grid.code)).winner.cloned();
        if let Some(rule) = rule.as_ref().filter(|r| r.auto_dispatch) {
            let action = Action::Dispatch { lead: rule.target.clone(), assisting: Vec::new(), auto: true };
            self.act(run, Who::System, action, t0)?;
        } else {
            self.triage(run, a, rule.map(|r| r.target))?;
        }
        if matches!(run.state.status, Status::Rejected | Status::Merged) {
            return Ok(());
        }
        self.handle(run, a, true)?;
        self.finish(run, a)
    }

    /// The dispatcher's first look: reject, merge into a duplicate, or dispatch.
    fn triage(&mut self, run: &mut Run<'_>, a: &Arrival, suggested: Option<Unit>) -> Result<(), Later> {
        let street = run.street;
        let dispatcher = Who::Staff(&street.dispatcher);
        let wait = self.hours(0.1, 3.0);
        let t = self.office(a.at + wait);
        let roll: f64 = self.rng.random();
        if roll < 0.02 {
            let reason = texts::reject_reason(&mut self.rng);
            self.act(run, dispatcher, Action::Reject { reason }, t)?;
            return Ok(());
        }
        if roll < 0.06
            && let Some(parent) = self.duplicate_of(run, a, t)
        {
            let (into_case_id, parent_code) = (self.past[parent].id, self.past[parent].code.clone());
            if self.act(run, dispatcher, Action::Merge { into_case_id }, t)? {
                // Its reporter hears the parent's outcome too.
                if run.facts.has_phone {
                    let outcomes: Vec<(DateTime<Utc>, bool)> =
                        self.past[parent].outcomes.iter().filter(|(at, _)| *at > t).copied().collect();
                    for (at, closed) in outcomes {
                        let text = format!(
                            "您反映的诉求 {} 已与 {} 合并办理，现已{}，请通过跟踪链接查看并评价。",
                            run.facts.code,
                            parent_code,
                            if closed { "结案" } else { "办结" }
                        );
                        let o = write::NewOutbox {
                            channel: "sms".into(),
                            kind: "merged_outcome".into(),
                            recipient: "requester".into(),
                            payload: serde_json::json!({ "code": run.facts.code, "text": text }).to_string(),
                            about_case: None,
                        };
                        if at <= self.now {
                            let row = self.outbox_row(run.id, o, at);
                            run.outbox.push(row);
                        }
                    }
                }
            }
            return Ok(());
        }
        let t = if roll < 0.16 {
            self.act(run, dispatcher.clone(), Action::Accept, t)?;
            let more = self.hours(0.2, 6.0);
            self.office(t + more)
        } else {
            t
        };
        let lead = suggested.unwrap_or_else(|| self.usual_unit(run, a.category));
        let assisting = if self.rng.random_bool(0.08) { self.whistled(street, &lead) } else { Vec::new() };
        self.act(run, dispatcher, Action::Dispatch { lead, assisting, auto: false }, t)?;
        Ok(())
    }

    fn usual_unit(&mut self, run: &Run<'_>, category: &str) -> Unit {
        if category == "community.neighbor" && self.rng.random_bool(0.5) {
            return Unit::GridTeam(run.grid.code.clone());
        }
        let name = usual_department(category, &mut self.rng);
        match run.street.department(name) {
            Some(d) => Unit::Department(d.id),
            None => Unit::GridTeam(run.grid.code.clone()),
        }
    }

    fn whistled(&mut self, street: &Street, lead: &Unit) -> Vec<Unit> {
        let n = if self.rng.random_bool(0.3) { 2 } else { 1 };
        let mut out: Vec<Unit> = Vec::new();
        for _ in 0..8 {
            if out.len() == n {
                break;
            }
            let name = WHISTLED[self.rng.random_range(0..WHISTLED.len())];
            if let Some(d) = street.department(name) {
                let u = Unit::Department(d.id);
                if &u != lead && !out.contains(&u) {
                    out.push(u);
                }
            }
        }
        out
    }

    /// An earlier case of the same grid and category, reported in the last three days and
    /// still open and unmerged at `t`.
    fn duplicate_of(&self, run: &Run<'_>, a: &Arrival, t: DateTime<Utc>) -> Option<usize> {
        let recent = self.recent.get(&(run.grid.code.clone(), a.category))?;
        recent.iter().rev().copied().find(|&i| {
            let p = &self.past[i];
            a.at - p.created < Duration::days(3) && p.status_at(t).is_some_and(|s| s.is_open() && s != Status::Merged)
        })
    }

    fn staff_of<'s>(street: &'s Street, grid: &'s Grid, unit: &Unit) -> Option<(&'s Staff, Quality)> {
        match unit {
            Unit::GridTeam(code) if *code == grid.code => Some((&grid.worker, grid.quality)),
            Unit::GridTeam(_) => None,
            u => street.by_unit(u).map(|d| (&d.handler, d.quality)),
        }
    }

    /// The units' round: 退单 (then re-dispatch), 签收, 联系, 延期, 督办, reports.
    fn handle(&mut self, run: &mut Run<'_>, a: &Arrival, first: bool) -> Result<(), Later> {
        let street = run.street;
        let grid = run.grid;
        let fast = matches!(run.facts.urgency, Urgency::Emergency | Urgency::Utility);
        for _round in 0..3 {
            let Some(lead) = run.state.lead.clone() else { return Ok(()) };
            let Some((handler, Quality(q))) = Self::staff_of(street, grid, &lead) else { return Ok(()) };
            let round_the_clock = fast || matches!(lead, Unit::GridTeam(_));
            let dispatched = run.state.dispatched_at.unwrap_or(a.at);
            // 退单: the unit says it is not its business.
            if first && !run.state.returned_by.contains(&lead) && self.rng.random_bool(0.05 + 0.05 * (1.0 - q)) {
                let wait = self.hours(0.5, 8.0);
                let t = self.unit_time(dispatched + wait, round_the_clock);
                let reason = texts::return_reason(&mut self.rng);
                self.act(
                    run,
                    Who::Staff(handler),
                    Action::Return { unit: lead.clone(), reason, override_by_dispatcher: false },
                    t,
                )?;
                let wait = self.hours(0.2, 4.0);
                let t = self.office(t + wait);
                let next = ALTERNATIVES
                    .iter()
                    .filter_map(|n| street.department(n))
                    .map(|d| Unit::Department(d.id))
                    .filter(|u| !run.state.returned_by.contains(u))
                    .nth(self.rng.random_range(0..3))
                    .unwrap_or_else(|| Unit::GridTeam(grid.code.clone()));
                let dispatcher = Who::Staff(&street.dispatcher);
                self.act(run, dispatcher, Action::Dispatch { lead: next, assisting: Vec::new(), auto: false }, t)?;
                continue;
            }
            // 签收, by the lead and every assisting unit.
            let ack_hours = if fast { (0.05, 1.5) } else { (0.1 + 2.0 * (1.0 - q), 2.0 + 30.0 * (1.0 - q)) };
            let wait = self.hours(ack_hours.0, ack_hours.1);
            let acked = self.unit_time(dispatched + wait, round_the_clock);
            self.act(run, Who::Staff(handler), Action::Acknowledge { unit: lead.clone() }, acked)?;
            // Assisting units that have not reported yet (after a failed check or a reopen the
            // others are done).
            let assisting: Vec<Unit> = run
                .state
                .participants
                .iter()
                .filter(|p| !p.returned && p.unit != lead && p.acknowledged_at.is_none())
                .map(|p| p.unit.clone())
                .collect();
            let mut assist_acks = Vec::new();
            for u in &assisting {
                if let Some((s, _)) = Self::staff_of(street, grid, u) {
                    let wait = self.hours(0.2, 12.0);
                    let t = self.office(dispatched + wait);
                    self.act(run, Who::Staff(s), Action::Acknowledge { unit: u.clone() }, t)?;
                    assist_acks.push((u.clone(), s, t));
                }
            }
            // 联系诉求人: in time for good units, late or never for poor ones.
            let contact_p = 0.55 + 0.43 * q;
            let mut t = acked;
            if first && self.rng.random_bool(if run.facts.has_phone { 0.97 } else { 0.5 }) {
                let wait = if self.rng.random_bool(contact_p) { self.hours(0.1, 6.0) } else { self.hours(20.0, 60.0) };
                t = self.unit_time(acked + wait, round_the_clock);
                let note = texts::contact_note(&mut self.rng, run.facts.has_phone);
                self.act(run, Who::Staff(handler), Action::ContactRequester { note }, t)?;
            }
            let deadline = run.state.deadline.unwrap_or(acked + Duration::days(7));
            let span = (deadline - dispatched).max(Duration::hours(1));
            // How far into its time the unit reports: poor units often run over.
            let frac = if self.rng.random_bool(0.22 * (1.0 - q) + 0.02) {
                1.05 + self.rng.random::<f64>() * 1.2
            } else {
                0.15 + self.rng.random::<f64>() * (0.45 + 0.4 * (1.0 - q))
            };
            let mut report_at = dispatched + Duration::seconds((span.num_seconds() as f64 * frac) as i64);
            // 延期: asked before the deadline, decided by the dispatcher or the leader.
            if !fast && self.rng.random_bool(0.03 + 0.1 * (1.0 - q)) {
                let ask = self.unit_time(t.max(dispatched + span / 2), round_the_clock);
                let extra = TimeLimit::WorkingDays(self.rng.random_range(3..=5));
                let reason = texts::extension_reason(&mut self.rng);
                if self.act(
                    run,
                    Who::Staff(handler),
                    Action::RequestExtension { unit: lead.clone(), extra, reason },
                    ask,
                )? {
                    let wait = self.hours(0.5, 20.0);
                    let decided = self.office(ask + wait);
                    let approve = self.rng.random_bool(0.8);
                    let note = if approve { String::new() } else { texts::refusal_note(&mut self.rng) };
                    let who = if self.rng.random_bool(0.6) { &street.dispatcher } else { &street.leader };
                    self.act(run, Who::Staff(who), Action::DecideExtension { approve, note }, decided)?;
                    if approve && let Some(d) = run.state.deadline {
                        let left = (d - decided).max(Duration::hours(2));
                        let share = 0.3 + self.rng.random::<f64>() * 0.6;
                        report_at = decided + Duration::seconds((left.num_seconds() as f64 * share) as i64);
                    }
                }
            }
            // 督办 by the leader or the dispatcher, now and then.
            if self.rng.random_bool(0.03 + 0.04 * (1.0 - q))
                && run.state.supervision_level < tongxin_domain::case::MAX_SUPERVISION_LEVEL
            {
                let wait = self.hours(4.0, 48.0);
                let at = self.office(acked + wait);
                let who = if self.rng.random_bool(0.5) { &street.dispatcher } else { &street.leader };
                let note = texts::supervision_note(&mut self.rng);
                self.act(run, Who::Staff(who), Action::Supervise { note }, at)?;
            }
            let report_at = self.unit_time(report_at.max(t + Duration::minutes(20)), round_the_clock);
            for (u, s, at) in assist_acks {
                let wait = self.hours(2.0, 48.0);
                let t = self.office((at + wait).min(report_at - Duration::minutes(10)).max(at));
                let reply = texts::assist_report(&mut self.rng);
                self.act(run, Who::Staff(s), Action::Report { unit: u, reply, evidence: Vec::new() }, t)?;
            }
            let reply = texts::reply(&mut self.rng, a.category);
            self.act(
                run,
                Who::Staff(handler),
                Action::Report { unit: lead.clone(), reply, evidence: Vec::new() },
                report_at,
            )?;
            return Ok(());
        }
        Ok(())
    }

    /// 核查, 结案 and the resident's verdict (重办 once when negative).
    fn finish(&mut self, run: &mut Run<'_>, a: &Arrival) -> Result<(), Later> {
        let street = run.street;
        let grid = run.grid;
        for _ in 0..4 {
            if run.state.status != Status::Handled {
                return Ok(());
            }
            let lead = run.state.lead.clone();
            let Some((_, Quality(q))) = lead.as_ref().and_then(|l| Self::staff_of(street, grid, l)) else {
                return Ok(());
            };
            let verifier = if lead.as_ref() == Some(&Unit::GridTeam(grid.code.clone())) {
                &street.dispatcher
            } else {
                &grid.worker
            };
            let wait = self.hours(1.0, 40.0);
            let t = self.office(run.updated + wait);
            let ok = !self.rng.random_bool(0.02 + 0.06 * (1.0 - q));
            let note = if ok { String::new() } else { texts::failed_check(&mut self.rng) };
            self.act(run, Who::Staff(verifier), Action::Verify { ok, note }, t)?;
            if !ok {
                self.handle(run, a, false)?;
                continue;
            }
            let wait = self.hours(0.3, 24.0);
            let t = self.office(t + wait);
            self.act(run, Who::Staff(&street.dispatcher), Action::Close, t)?;
            // The resident's verdict, through the follow link.
            let p_rate = if run.facts.has_phone { 0.78 } else { 0.15 };
            if run.state.channel == Channel::Patrol || !self.rng.random_bool(p_rate) {
                return Ok(());
            }
            let wait = self.hours(0.3, 72.0);
            let t = t + wait;
            let resolved = self.rng.random_bool(0.62 + 0.33 * q);
            let satisfaction = if resolved {
                [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied]
                    [weighted(&mut self.rng, &[0.35 + 0.5 * q, 0.3, 0.04 + 0.25 * (1.0 - q)])]
            } else {
                [Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied][weighted(&mut self.rng, &[0.2, 0.8])]
            };
            let comment = texts::rating_comment(&mut self.rng, resolved, satisfaction.counts_as_satisfied());
            self.act(run, Who::Requester, Action::Rate { resolved, satisfaction, comment }, t)?;
            if run.state.status == Status::Dispatched {
                // 重办: the lead starts over.
                self.handle(run, a, false)?;
                continue;
            }
            return Ok(());
        }
        Ok(())
    }
}
