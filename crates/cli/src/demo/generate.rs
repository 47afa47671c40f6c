//! The pure, deterministic generator: options in, [`World`] out.

use std::collections::HashSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;

use super::divisions::{self, DEMO_STREET, DISTRICT_CODE, Township};
use super::layout::{self, CommunitySpec};
use super::names;
use super::organisation;
use super::{DemoBuilding, DemoHousehold, DemoOptions, DemoRegion, DemoResident, Scale, World};

/// The date ages are counted to; fixed so the same seed always gives the same people.
pub fn reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid date")
}

/// The password of every demo account (printed by the CLI).
pub const DEMO_PASSWORD: &str = "Tongxin@2026";

/// Per-scale sizes: households per grid (urban, rural) and the communities taken.
struct Density {
    urban_households: f64,
    rural_households: f64,
}

fn density(scale: Scale) -> Density {
    match scale {
        Scale::Street => Density { urban_households: 146.0, rural_households: 40.0 },
        Scale::District => Density { urban_households: 44.0, rural_households: 34.0 },
        Scale::Tiny => Density { urban_households: 10.0, rural_households: 8.0 },
    }
}

/// One RNG per concern and street, so a change in one part does not reshuffle the others.
pub(super) fn rng_for(seed: u64, what: &str) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in what.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(seed ^ h.rotate_left(17))
}

const MOBILE_PREFIXES: [u64; 30] = [
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159, 177, 180, 181, 182,
    183, 185, 186, 187, 188, 189, 199,
];

const JINHUA_AREAS: [&str; 8] = ["330703", "330723", "330726", "330727", "330781", "330782", "330783", "330784"];
const ZHEJIANG_AREAS: [&str; 4] = ["330102", "330106", "331002", "330302"];
const OTHER_AREAS: [&str; 7] = ["341221", "341282", "411522", "511602", "430524", "360726", "330302"];

/// Unique ID and phone numbers across the whole world.
pub(super) struct Registry {
    ids: HashSet<String>,
    phones: HashSet<u64>,
}

impl Registry {
    fn id_number(&mut self, rng: &mut ChaCha8Rng, area: &str, birth: NaiveDate, male: bool) -> IdNumber {
        let mut birth = birth;
        loop {
            for _ in 0..50 {
                let seq = rng.random_range(0..500u16) * 2 + u16::from(male);
                let id = IdNumber::compose(area, birth, seq);
                if self.ids.insert(id.as_str().to_string()) {
                    return id;
                }
            }
            // Extremely crowded birthday: move a day.
            birth = birth.pred_opt().expect("dates after 1900");
        }
    }

    pub(super) fn mobile(&mut self, rng: &mut ChaCha8Rng) -> Phone {
        loop {
            let prefix = MOBILE_PREFIXES[rng.random_range(0..MOBILE_PREFIXES.len())];
            let n = prefix * 100_000_000 + rng.random_range(0..100_000_000u64);
            if self.phones.insert(n) {
                return Phone::parse(&n.to_string()).expect("valid mobile number");
            }
        }
    }
}

fn origin_area(rng: &mut ChaCha8Rng, rural: bool) -> &'static str {
    let local = if rural { 90 } else { 78 };
    let r = rng.random_range(0..100);
    if r < local {
        "330702"
    } else if r < local + (100 - local) / 2 {
        JINHUA_AREAS[rng.random_range(0..JINHUA_AREAS.len())]
    } else if r < 93 {
        ZHEJIANG_AREAS[rng.random_range(0..ZHEJIANG_AREAS.len())]
    } else {
        OTHER_AREAS[rng.random_range(0..OTHER_AREAS.len())]
    }
}

/// A household member before names and numbers are drawn.
#[derive(Debug, Clone)]
struct Draft {
    age: i32,
    male: bool,
    relation: &'static str,
    surname: &'static str,
    area: &'static str,
    left_behind: bool,
}

fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Composition of one household: 户主 first, then 配偶, 子女, 父母, 孙子女, 其他.
fn household_members(rng: &mut ChaCha8Rng, rural: bool) -> Vec<Draft> {
    // single elder, single adult, young couple, empty nest, nuclear, with parents,
    // three generations under an older head, single parent, left-behind children.
    let weights: [u32; 9] = if rural { [12, 6, 4, 24, 20, 8, 14, 2, 10] } else { [7, 10, 8, 18, 34, 9, 9, 5, 0] };
    let kind = pick_weighted(rng, &weights);
    let head_area = origin_area(rng, rural);
    let mut out: Vec<Draft> = Vec::new();
    let elder_age = |rng: &mut ChaCha8Rng, lo: i32| {
        let u: f64 = rng.random();
        (lo + (u.powf(2.1) * f64::from(96 - lo)) as i32).min(95)
    };
    let head_age = match kind {
        0 => elder_age(rng, 65),
        1 => rng.random_range(20..=64),
        2 => rng.random_range(23..=38),
        3 => elder_age(rng, 48),
        4 => rng.random_range(27..=56),
        5 => rng.random_range(30..=52),
        6 => rng.random_range(52..=78),
        7 => rng.random_range(28..=50),
        _ => rng.random_range(55..=75),
    };
    let head_male = match kind {
        0 => rng.random_bool(0.35),
        1 => rng.random_bool(0.55),
        7 => rng.random_bool(0.3),
        _ => rng.random_bool(0.8),
    };
    let surname = names::surname(rng);
    out.push(Draft {
        age: head_age, male: head_male, relation: "户主", surname, area: head_area, left_behind: false
    });
    let child_area = |rng: &mut ChaCha8Rng| {
        if head_area.starts_with("3307") || rng.random_bool(0.5) { "330702" } else { head_area }
    };
    let spouse = |rng: &mut ChaCha8Rng, age: i32, male: bool| -> Draft {
        let age = if male { age - rng.random_range(0..=5) } else { age + rng.random_range(0..=4) };
        Draft {
            age: age.clamp(20, 95),
            male: !male,
            relation: "配偶",
            surname: names::surname(rng),
            area: if rng.random_bool(0.7) { head_area } else { origin_area(rng, rural) },
            left_behind: false,
        }
    };
    let married = match kind {
        2 | 4 => true,
        3 | 6 | 8 => rng.random_bool(0.85),
        5 => rng.random_bool(0.9),
        _ => false,
    };
    if married {
        out.push(spouse(rng, head_age, head_male));
    }
    let children = |rng: &mut ChaCha8Rng, n: usize, parent_age: i32, out: &mut Vec<Draft>| {
        for _ in 0..n {
            let age = parent_age - rng.random_range(23..=36);
            if age < 0 {
                continue;
            }
            out.push(Draft {
                age,
                male: rng.random_bool(0.52),
                relation: "子女",
                surname,
                area: child_area(rng),
                left_behind: false,
            });
        }
    };
    match kind {
        4 => {
            let n = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3][rng.random_range(0..14)];
            children(rng, n, head_age, &mut out);
        }
        5 => {
            let n = pick_weighted(rng, &[2, 5, 3]);
            children(rng, n, head_age, &mut out);
            let n_parents = if rng.random_bool(0.4) { 2 } else { 1 };
            let father_first = n_parents == 2 || rng.random_bool(0.3);
            for k in 0..n_parents {
                let male = if k == 0 { father_first } else { false };
                let age = (head_age + rng.random_range(24..=34)).min(95);
                out.push(Draft {
                    age,
                    male,
                    relation: "父母",
                    surname: if male && head_male { surname } else { names::surname(rng) },
                    area: head_area,
                    left_behind: false,
                });
            }
        }
        6 => {
            let child_age = (head_age - rng.random_range(24..=32)).max(20);
            let child_male = rng.random_bool(0.6);
            out.push(Draft {
                age: child_age,
                male: child_male,
                relation: "子女",
                surname,
                area: child_area(rng),
                left_behind: false,
            });
            let child_married = rng.random_bool(0.6);
            if child_married {
                let mut s = spouse(rng, child_age, child_male);
                s.relation = "其他";
                out.push(s);
            }
            let n =
                if child_married { 1 + usize::from(rng.random_bool(0.4)) } else { usize::from(rng.random_bool(0.3)) };
            for _ in 0..n {
                let age = child_age - rng.random_range(23..=34);
                if age < 0 {
                    continue;
                }
                out.push(Draft {
                    age,
                    male: rng.random_bool(0.52),
                    relation: "孙子女",
                    surname,
                    area: "330702",
                    left_behind: false,
                });
            }
        }
        7 => children(rng, 1, head_age, &mut out),
        8 => {
            let n = 1 + usize::from(rng.random_bool(0.45));
            for _ in 0..n {
                out.push(Draft {
                    age: rng.random_range(2..=15),
                    male: rng.random_bool(0.52),
                    relation: "孙子女",
                    surname,
                    area: "330702",
                    left_behind: true,
                });
            }
        }
        _ => {}
    }
    out
}

fn birth_date(rng: &mut ChaCha8Rng, age: i32) -> NaiveDate {
    let anniversary = reference_date().checked_sub_months(Months::new(12 * age as u32)).expect("valid date");
    anniversary - Days::new(rng.random_range(0..365))
}

pub(super) fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

pub(super) fn random_date(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=days))
}

fn qr_token(rng: &mut ChaCha8Rng) -> String {
    format!("{:032x}", rng.random::<u128>())
}

pub(super) fn landline(rng: &mut ChaCha8Rng) -> String {
    format!("0579-8{:07}", rng.random_range(0..10_000_000u32))
}

/// Chooses the townships (and communities) of the scale.
fn selected(scale: Scale) -> (String, Vec<Township>) {
    let (district, towns) = divisions::wucheng();
    let towns = match scale {
        Scale::District => towns,
        Scale::Street | Scale::Tiny => {
            let mut t: Vec<Township> = towns.into_iter().filter(|t| t.code == DEMO_STREET).collect();
            if scale == Scale::Tiny {
                t[0].communities.truncate(2);
            }
            t
        }
    };
    (district, towns)
}

pub fn generate(opts: &DemoOptions) -> World {
    let (district_name, towns) = selected(opts.scale);
    let dens = density(opts.scale);
    let mut w = World {
        seed: opts.seed,
        scale: opts.scale,
        district_name: district_name.clone(),
        street_count: towns.len(),
        regions: vec![DemoRegion {
            code: RegionCode::parse(DISTRICT_CODE).expect("valid code"),
            name: district_name.clone(),
            polygon: None,
        }],
        buildings: Vec::new(),
        households: Vec::new(),
        residents: Vec::new(),
        orgs: Vec::new(),
        members: Vec::new(),
        centers: Vec::new(),
        departments: Vec::new(),
        team: Vec::new(),
        users: Vec::new(),
    };
    let mut reg = Registry { ids: HashSet::new(), phones: HashSet::new() };
    let mut compound_names: HashSet<String> = HashSet::new();

    // Plan every street first, then place them (城东 first, the others nearest-first).
    let mut plans = Vec::new();
    for t in &towns {
        let mut rng = rng_for(opts.seed, &format!("plan{}", t.code));
        let specs: Vec<CommunitySpec> = t
            .communities
            .iter()
            .map(|c| CommunitySpec { rural: c.rural, grids: if c.rural { rng.random_range(2..=4) } else { 15 } })
            .collect();
        plans.push(layout::plan_street(&specs));
    }
    let cell_of = |t: &Township| match RegionCode::parse(&t.code).ok().and_then(|c| c.township_kind()) {
        Some(tongxin_domain::kernel::region::TownshipKind::Subdistrict) => 300.0,
        _ => 420.0,
    };
    let mut order: Vec<usize> = (0..towns.len()).collect();
    let dist = |i: usize| {
        let c = layout::desired_centre(&towns[i].code);
        let (dx, dy) = (c.x - layout::CENTRE.x, c.y - layout::CENTRE.y);
        dx * dx + dy * dy
    };
    order.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)).then(towns[a].code.cmp(&towns[b].code)));
    let items: Vec<_> = order
        .iter()
        .map(|&i| {
            let cell = cell_of(&towns[i]);
            (layout::desired_centre(&towns[i].code), plans[i].cols as f64 * cell, plans[i].rows as f64 * cell)
        })
        .collect();
    let corners = layout::place(&items, 150.0);
    let mut origin = vec![layout::CENTRE; towns.len()];
    for (k, &i) in order.iter().enumerate() {
        origin[i] = corners[k];
    }

    for (ti, town) in towns.iter().enumerate() {
        let lattice_seed = opts.seed ^ town.code.parse::<u64>().unwrap_or(0);
        let geo = layout::street_geometry(&plans[ti], origin[ti], cell_of(town), lattice_seed);
        w.regions.push(DemoRegion {
            code: RegionCode::parse(&town.code).expect("valid code"),
            name: town.name.clone(),
            polygon: Some(geo.outline.clone()),
        });
        let mut rng = rng_for(opts.seed, &format!("people{}", town.code));
        for (ci, community) in town.communities.iter().enumerate() {
            let cgeo = &geo.communities[ci];
            let ccode = RegionCode::parse(&community.code).expect("valid code");
            w.regions.push(DemoRegion {
                code: ccode.clone(),
                name: community.name.clone(),
                polygon: Some(cgeo.outline.clone()),
            });
            for (gi, grid) in cgeo.grids.iter().enumerate() {
                let gcode = ccode.grid_code(gi as u16 + 1);
                w.regions.push(DemoRegion {
                    code: gcode.clone(),
                    name: format!("{}第{}网格", community.name, gi + 1),
                    polygon: Some(grid.polygon.clone()),
                });
                let target = if community.rural { dens.rural_households } else { dens.urban_households }
                    * rng.random_range(0.75..1.25);
                let ctx = GridCtx {
                    district: &district_name,
                    town,
                    community,
                    first_grid: gi == 0,
                    grid_code: gcode.as_str(),
                    frame: geo.frame,
                    cells: &grid.cells,
                };
                fill_grid(&mut w, &mut rng, &mut reg, &mut compound_names, &ctx, target.round().max(1.0) as usize);
            }
        }
    }
    w.regions.sort_by(|a, b| (a.code.as_str().len(), a.code.as_str()).cmp(&(b.code.as_str().len(), b.code.as_str())));

    organisation::party(&mut w, opts.seed, &towns);
    organisation::departments(&mut w, opts.seed, &towns);
    organisation::users(&mut w, opts.seed);
    organisation::teams(&mut w, opts.seed, &towns, &mut reg);
    w
}

struct GridCtx<'a> {
    district: &'a str,
    town: &'a Township,
    community: &'a divisions::Community,
    first_grid: bool,
    grid_code: &'a str,
    frame: layout::CellFrame,
    cells: &'a [(usize, usize)],
}

fn compound_name(rng: &mut ChaCha8Rng, used: &mut HashSet<String>, community: &str, first: bool) -> String {
    if first {
        let name = format!("{}小区", divisions::base_name(community));
        if used.insert(name.clone()) {
            return name;
        }
    }
    for attempt in 0.. {
        let p = names::COMPOUND_PREFIXES[rng.random_range(0..names::COMPOUND_PREFIXES.len())];
        let s = names::COMPOUND_SUFFIXES[rng.random_range(0..names::COMPOUND_SUFFIXES.len())];
        let name = if attempt < 40 { format!("{p}{s}") } else { format!("{p}{}期{s}", attempt / 40 + 1) };
        if used.insert(name.clone()) {
            return name;
        }
    }
    unreachable!()
}

/// A building before its position is known.
struct Plot {
    name: String,
    address: String,
    floors: i64,
    units: i64,
    /// Occupied rooms `(unit, room)`.
    rooms: Vec<(i64, String)>,
}

fn fill_grid(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    reg: &mut Registry,
    compounds: &mut HashSet<String>,
    ctx: &GridCtx,
    households: usize,
) {
    let rural = ctx.community.rural;
    let place = format!("{}{}", ctx.district, ctx.town.name);
    let mut plots: Vec<Plot> = Vec::new();
    if rural {
        // Village houses: one household each, numbered through the village.
        let before = w.buildings.iter().rev().take_while(|b| b.grid.starts_with(&ctx.community.code)).count();
        for k in 0..households {
            let no = before + k + 1;
            let name = format!("{}{no}号", ctx.community.name);
            plots.push(Plot {
                address: format!("{place}{name}"),
                name,
                floors: rng.random_range(2..=4),
                units: 1,
                rooms: vec![(1, "1".into())],
            });
        }
    } else {
        let n_compounds = if rng.random_bool(0.3) { 2 } else { 1 };
        let mut remaining = households;
        let mut specs = Vec::new();
        while remaining > 0 {
            let (floors, units) = match pick_weighted(rng, &[40, 15, 15, 30]) {
                0 => (6, rng.random_range(2..=4)),
                1 => (7, rng.random_range(2..=3)),
                2 => (rng.random_range(11..=12), rng.random_range(1..=2)),
                _ => (rng.random_range(15..=18), rng.random_range(1..=2)),
            };
            let capacity = (floors * units * 2) as usize;
            let occupied =
                ((capacity as f64 * rng.random_range(0.8..0.97)).round() as usize).clamp(1, capacity).min(remaining);
            remaining -= occupied;
            let mut all: Vec<(i64, i64, i64)> =
                (1..=units).flat_map(|u| (1..=floors).flat_map(move |f| (1..=2).map(move |r| (u, f, r)))).collect();
            for i in 0..occupied {
                let j = i + rng.random_range(0..all.len() - i);
                all.swap(i, j);
            }
            let mut rooms: Vec<(i64, i64, i64)> = all[..occupied].to_vec();
            rooms.sort_unstable();
            specs.push((floors, units, rooms));
        }
        let split = specs.len().div_ceil(2);
        let names: Vec<String> = (0..n_compounds.min(specs.len()))
            .map(|k| compound_name(rng, compounds, &ctx.community.name, ctx.first_grid && k == 0))
            .collect();
        for (i, (floors, units, rooms)) in specs.into_iter().enumerate() {
            let (compound, no) =
                if names.len() == 2 && i >= split { (&names[1], i - split + 1) } else { (&names[0], i + 1) };
            let name = format!("{compound}{no}幢");
            plots.push(Plot {
                address: format!("{place}{name}"),
                name,
                floors,
                units,
                rooms: rooms.into_iter().map(|(u, f, r)| (u, format!("{f}{r:02}"))).collect(),
            });
        }
    }

    let points = {
        let mut pick = |k: usize| rng.random_range(0..k);
        let mut jr = rng_for(w.seed ^ w.buildings.len() as u64, ctx.grid_code);
        let mut jitter = || jr.random_range(-1.0..1.0);
        layout::slots(ctx.cells, plots.len(), &mut pick, &mut jitter)
    };
    for (plot, (col, row, u, v)) in plots.into_iter().zip(points) {
        let at = ctx.frame.point(col, row, u, v);
        let building = w.buildings.len();
        w.buildings.push(DemoBuilding {
            grid: ctx.grid_code.to_string(),
            name: plot.name,
            address: plot.address.clone(),
            lng: at.x,
            lat: at.y,
            floors: plot.floors,
            units: plot.units,
            qr_token: qr_token(rng),
        });
        for (unit_no, room_no) in plot.rooms {
            let address =
                if rural { plot.address.clone() } else { format!("{}{unit_no}单元{room_no}室", plot.address) };
            let household = w.households.len();
            w.households.push(DemoHousehold { building, grid: ctx.grid_code.to_string(), unit_no, room_no, address });
            add_people(w, rng, reg, household, ctx.grid_code, rural);
        }
    }
}

fn add_people(w: &mut World, rng: &mut ChaCha8Rng, reg: &mut Registry, household: usize, grid: &str, rural: bool) {
    let drafts = household_members(rng, rural);
    let alone = drafts.len() == 1;
    let poor = rng.random_bool(if rural { 0.03 } else { 0.015 });
    for d in drafts {
        let birth = birth_date(rng, d.age);
        let id = reg.id_number(rng, d.area, birth, d.male);
        let age = age_on(birth, reference_date());
        let phone_p = match age {
            ..14 => 0.0,
            14..18 => 0.5,
            18..75 => 0.96,
            75..85 => 0.6,
            _ => 0.3,
        };
        let phone = rng.random_bool(phone_p).then(|| reg.mobile(rng));
        let mut tags = Vec::new();
        if alone && age >= 70 {
            tags.push("独居老人");
        }
        if age >= 80 {
            tags.push("高龄");
        }
        if rng.random_bool(if age >= 60 { 0.05 } else { 0.012 }) {
            tags.push("残疾");
        }
        if poor {
            tags.push("低保");
        }
        if d.left_behind && age < 16 {
            tags.push("留守儿童");
        }
        if age >= 18 && rng.random_bool(0.006) {
            tags.push("重点关注");
        }
        if d.male && (25..=80).contains(&age) && rng.random_bool(0.03) {
            tags.push("退役军人");
        }
        w.residents.push(DemoResident {
            household,
            grid: grid.to_string(),
            name: names::full_name(rng, d.surname, birth.year(), d.male),
            id_number: id,
            phone,
            relation: d.relation,
            tags,
        });
    }
}
