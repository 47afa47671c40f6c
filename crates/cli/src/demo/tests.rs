use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use chrono::Datelike;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::{RegionNode, check_tree};
use tongxin_domain::people::idcard::{Gender, IdNumber};
use tongxin_domain::places::{GridLocator, LocalProjection, MultiPolygon, Polygon, outside_area_m2, overlap_area_m2};
use tongxin_store::Page;
use tongxin_testkit::all_stores;

use super::generate::reference_date;
use super::*;

fn street() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| generate(&DemoOptions { seed: 7, scale: Scale::Street }))
}

fn tiny(seed: u64) -> World {
    generate(&DemoOptions { seed, scale: Scale::Tiny })
}

fn age(id: &IdNumber) -> i32 {
    let (b, t) = (id.birth_date(), reference_date());
    t.year() - b.year() - i32::from((t.month(), t.day()) < (b.month(), b.day()))
}

#[test]
fn same_seed_same_world_other_seed_other_world() {
    let a = street();
    let b = generate(&DemoOptions { seed: 7, scale: Scale::Street });
    assert!(*a == b, "same options must give an identical world");
    let c = generate(&DemoOptions { seed: 8, scale: Scale::Street });
    assert!(*a != c);
    assert_ne!(a.residents[0].id_number, c.residents[0].id_number);
    assert_ne!(a.buildings[0].qr_token, c.buildings[0].qr_token);
    // Regions are real and do not depend on the seed.
    let codes = |w: &World| w.regions.iter().map(|r| r.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(a), codes(&c));
    assert_eq!(tiny(3), tiny(3));
}

#[test]
fn street_has_the_expected_shape() {
    let w = street();
    assert_eq!(w.count_level(6), 1);
    assert_eq!(w.count_level(9), 1);
    assert_eq!(w.count_level(12), 5);
    let grids = w.count_level(15);
    assert!((70..=90).contains(&grids), "{grids} grids");
    let n = w.residents.len();
    assert!((27_000..=33_000).contains(&n), "{n} residents");
    let per_household = n as f64 / w.households.len() as f64;
    assert!((2.3..=3.2).contains(&per_household), "{per_household}");
    let names: Vec<&str> = w.regions.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"城东街道") && names.contains(&"桃园社区"), "{names:?}");
    assert!(w.departments.len() >= 20);
    assert_eq!(w.team.len(), grids * tongxin_store::party::TEAM_ROLES.len());
    let roles: HashSet<_> = w.users.iter().map(|u| u.role).collect();
    assert_eq!(roles.len(), tongxin_domain::kernel::access::Role::ALL.len());
    println!("{}", w.summary());
}

#[test]
fn region_tree_is_valid_and_ordered() {
    for w in [street(), &tiny(1)] {
        let nodes: Vec<RegionNode> =
            w.regions.iter().map(|r| RegionNode { code: r.code.clone(), name: r.name.clone() }).collect();
        assert_eq!(check_tree(&nodes), Ok(()));
        for pair in w.regions.windows(2) {
            let key = |r: &DemoRegion| (r.code.as_str().len(), r.code.as_str().to_string());
            assert!(key(&pair[0]) < key(&pair[1]), "parents first, then by code");
        }
    }
}

#[test]
fn display_names_are_shortened() {
    use super::divisions::display_name;
    assert_eq!(display_name("桃园社区居委会"), ("桃园社区".into(), false));
    assert_eq!(display_name("吕塘下社区居民委员会"), ("吕塘下社区".into(), false));
    assert_eq!(display_name("蟠龙村委会"), ("蟠龙村".into(), true));
    assert_eq!(display_name("高村村委会"), ("高村".into(), true));
    assert_eq!(display_name("仓里村村民委员会"), ("仓里村".into(), true));
    assert_eq!(display_name("东兴生活区"), ("东兴生活区".into(), false));
}

fn polygons(w: &World) -> HashMap<&str, &Polygon<f64>> {
    w.regions.iter().filter_map(|r| r.polygon.as_ref().map(|p| (r.code.as_str(), p))).collect()
}

/// Grids lie inside their community and do not overlap; the same for communities in streets.
fn check_tiling(w: &World) {
    let shapes = polygons(w);
    let proj = LocalProjection::new(super::layout::CENTRE);
    for (child_len, parent_len) in [(15, 12), (12, 9)] {
        let mut by_parent: HashMap<&str, Vec<(&str, &Polygon<f64>)>> = HashMap::new();
        for (code, p) in &shapes {
            if code.len() == child_len {
                by_parent.entry(&code[..parent_len]).or_default().push((code, p));
            }
        }
        for (parent, children) in &by_parent {
            let outer = MultiPolygon(vec![(*shapes[parent]).clone()]);
            for (code, p) in children {
                let out = outside_area_m2(p, &outer, &proj);
                assert!(out < 1.0, "{code} sticks out of {parent} by {out} m²");
            }
            for (i, (a, pa)) in children.iter().enumerate() {
                for (b, pb) in &children[i + 1..] {
                    let o = overlap_area_m2(pa, pb, &proj);
                    assert!(o < 1.0, "{a} and {b} overlap by {o} m²");
                }
            }
        }
    }
}

#[test]
fn grids_tile_their_communities() {
    check_tiling(street());
    check_tiling(&tiny(2));
}

#[test]
fn grid_codes_run_west_to_east_north_to_south() {
    let w = street();
    let shapes = polygons(w);
    let community = "330702001008";
    let first = shapes[&*format!("{community}001")];
    let second = shapes[&*format!("{community}002")];
    let centre = |p: &Polygon<f64>| {
        let n = p.exterior().0.len() as f64;
        let (x, y) = p.exterior().0.iter().fold((0.0, 0.0), |a, c| (a.0 + c.x, a.1 + c.y));
        (x / n, y / n)
    };
    let (a, b) = (centre(first), centre(second));
    // Either the next one east in the same row, or the first of the next row south.
    assert!(b.0 > a.0 || b.1 < a.1, "{a:?} then {b:?}");
    let street = &shapes["330702001"];
    let c = centre(street);
    assert!((c.0 - 119.66).abs() < 0.02 && (c.1 - 29.08).abs() < 0.02, "{c:?}");
}

#[test]
fn buildings_lie_in_their_grid() {
    let w = street();
    let grids: Vec<(&str, Polygon<f64>)> = w
        .regions
        .iter()
        .filter(|r| r.code.as_str().len() == 15)
        .map(|r| (r.code.as_str(), r.polygon.clone().expect("grids have boundaries")))
        .collect();
    let locator = GridLocator::new(grids);
    for b in &w.buildings {
        let at = tongxin_domain::places::Coord { x: b.lng, y: b.lat };
        assert_eq!(locator.locate(at), Some(b.grid.as_str()), "{}", b.name);
    }
    let tokens: HashSet<_> = w.buildings.iter().map(|b| &b.qr_token).collect();
    assert_eq!(tokens.len(), w.buildings.len());
    let names: HashSet<_> = w.buildings.iter().map(|b| &b.name).collect();
    assert_eq!(names.len(), w.buildings.len(), "building names are unique");
    for b in &w.buildings {
        assert!((6..=18).contains(&b.floors) && (1..=4).contains(&b.units), "{b:?}");
        assert!(b.address.starts_with("婺城区城东街道") && b.address.ends_with('幢'));
    }
    let rooms: HashSet<_> = w.households.iter().map(|h| (h.building, h.unit_no, &h.room_no)).collect();
    assert_eq!(rooms.len(), w.households.len(), "one household per room");
}

#[test]
fn id_numbers_are_valid_unique_and_consistent() {
    let w = street();
    let mut seen = HashSet::new();
    let mut local = 0;
    for r in &w.residents {
        let id = r.id_number.as_str();
        assert_eq!(IdNumber::parse(id).as_ref(), Ok(&r.id_number));
        assert!(seen.insert(id.to_string()), "duplicate {id}");
        local += usize::from(id.starts_with("330702"));
        let a = age(&r.id_number);
        assert!((0..=95).contains(&a), "age {a}");
        if let Some(p) = &r.phone {
            assert!(p.as_str().len() == 11 && p.as_str().starts_with('1'));
        }
        if r.tags.contains(&"独居老人") {
            assert!(a >= 70);
        }
        if r.tags.contains(&"高龄") {
            assert!(a >= 80);
        }
        assert!(r.name.chars().count() >= 2 && r.name.chars().count() <= 3, "{}", r.name);
    }
    let share = local as f64 / w.residents.len() as f64;
    assert!((0.6..0.95).contains(&share), "{share}");
    // Each household has one head; spouses are of the other gender.
    let mut by_household: HashMap<usize, Vec<&DemoResident>> = HashMap::new();
    for r in &w.residents {
        by_household.entry(r.household).or_default().push(r);
    }
    assert_eq!(by_household.len(), w.households.len(), "no empty households");
    for people in by_household.values() {
        assert_eq!(people.iter().filter(|r| r.relation == "户主").count(), 1);
        assert_eq!(people[0].relation, "户主");
        if let Some(s) = people.iter().find(|r| r.relation == "配偶") {
            assert_ne!(s.id_number.gender(), people[0].id_number.gender());
        }
    }
    let men =
        w.residents.iter().filter(|r| r.id_number.gender() == Gender::Male).count() as f64 / w.residents.len() as f64;
    assert!((0.44..0.56).contains(&men), "{men}");
    let phones: HashSet<_> = w.residents.iter().filter_map(|r| r.phone.as_ref()).collect();
    assert_eq!(phones.len(), w.residents.iter().filter(|r| r.phone.is_some()).count());
    for tag in ["独居老人", "高龄", "残疾", "低保", "重点关注", "党员"] {
        assert!(w.residents.iter().any(|r| r.tags.contains(&tag)), "{tag}");
    }
}

#[test]
fn party_members_are_about_five_percent_of_adults() {
    let w = street();
    let adults = w.residents.iter().filter(|r| age(&r.id_number) >= 18).count();
    let share = w.members.len() as f64 / adults as f64;
    assert!((0.03..=0.07).contains(&share), "{share}");
    let probationary = w.members.iter().filter(|m| m.status == "probationary").count() as f64 / w.members.len() as f64;
    assert!((0.01..0.12).contains(&probationary), "{probationary}");
    for m in &w.members {
        let r = &w.residents[m.resident];
        assert!(age(&r.id_number) >= 18);
        assert_eq!(m.region, r.grid);
        let org = &w.orgs[m.org];
        assert_eq!(org.region, r.grid, "members belong to their grid's organisations");
        match org.kind {
            "building_group" => {
                assert_eq!(org.building, Some(w.households[r.household].building))
            }
            "grid_branch" => {}
            k => panic!("member in a {k}"),
        }
        if let Some(c) = &m.dual_report_community {
            assert_eq!(m.employment, "in_service");
            assert_eq!(c, &r.grid[..12]);
            assert!(m.dual_report_on.is_some());
        }
        assert!(m.joined_on > r.id_number.birth_date());
        assert!(m.joined_on <= reference_date());
    }
    assert!(w.members.iter().any(|m| m.dual_report_community.is_some()));
    // Organisations: children after parents, kinds from the store's list.
    let kinds: Vec<&str> = tongxin_store::party::ORG_KINDS.iter().map(|k| k.0).collect();
    for (i, o) in w.orgs.iter().enumerate() {
        assert!(kinds.contains(&o.kind));
        if let Some(p) = o.parent {
            assert!(p < i);
            assert!(o.region.starts_with(&w.orgs[p].region));
        }
    }
    // 党员中心户: a member's own household, 10–15 neighbours in the same grid, no repeats.
    let households = w.households.len() as f64;
    let centers = w.centers.len() as f64;
    assert!(households / centers > 10.0 && households / centers < 25.0, "{}", households / centers);
    let mut linked = HashSet::new();
    for c in &w.centers {
        assert_eq!(w.residents[w.members[c.member].resident].household, c.household);
        assert!((10..=15).contains(&c.linked.len()));
        for &h in &c.linked {
            assert_eq!(w.households[h].grid, c.region);
            assert!(linked.insert(h));
        }
    }
}

#[test]
fn users_cover_every_role_within_the_demo_street() {
    let w = street();
    let by_name: HashMap<&str, &DemoUser> = w.users.iter().map(|u| (u.username.as_str(), u)).collect();
    assert!(by_name["admin"].totp_secret.as_ref().is_some_and(|s| s.len() == 20));
    assert!(by_name["community"].can_unmask);
    let g1 = by_name["grid1"].scope_region.clone().unwrap();
    let g2 = by_name["grid2"].scope_region.clone().unwrap();
    assert_ne!(g1, g2);
    for g in [&g1, &g2] {
        assert!(w.regions.iter().any(|r| r.code.as_str() == g));
    }
    for d in ["城管执法中队", "市场监管所"] {
        assert!(w.departments.iter().any(|x| x.street == "330702001" && x.name == d));
    }
    let linked: Vec<_> = w.team.iter().filter(|t| t.username.is_some()).collect();
    assert_eq!(linked.len(), 2);
    assert!(linked.iter().all(|t| t.role == "专职网格员"));
}

#[tokio::test]
async fn loads_on_every_backend_and_refuses_a_second_load() {
    let world = tiny(11);
    let hash = |p: &str| format!("plain:{p}");
    for t in all_stores().await {
        let store = &t.store;
        let mut lines = Vec::new();
        load(store, &world, &hash, &mut |l: &str| lines.push(l.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{}: {e:#}", t.label));
        assert!(lines.iter().any(|l| l.starts_with("写入居民")), "{lines:?}");

        let all = Scope::All;
        let regions: i64 = store.regions().count_by_level().await.unwrap().iter().map(|r| r.1).sum();
        assert_eq!(regions as usize, world.regions.len(), "{}", t.label);
        assert_eq!(store.residents().count().await.unwrap() as usize, world.residents.len());
        let one = Page::new(Some(1), Some(1));
        let buildings = store.places().buildings(&all, None, one).await.unwrap().total;
        assert_eq!(buildings as usize, world.buildings.len());
        let households = store.places().households(&all, None, None, one).await.unwrap().total;
        assert_eq!(households as usize, world.households.len());
        let members = store.party().members(&all, None, None, one).await.unwrap().total;
        assert_eq!(members as usize, world.members.len());
        let orgs = store.party().orgs(&all, None).await.unwrap();
        assert_eq!(orgs.len(), world.orgs.len());
        assert_eq!(orgs.iter().map(|o| o.members).sum::<i64>() as usize, world.members.len());
        assert_eq!(store.departments().list(&all).await.unwrap().len(), world.departments.len());
        let users = store.accounts().users().await.unwrap();
        assert_eq!(users.len(), world.users.len());
        let chengguan = users.iter().find(|u| u.username == "chengguan").unwrap();
        let Scope::Department { id, .. } = chengguan.scope else { panic!("department scope expected") };
        assert_eq!(store.departments().get(id).await.unwrap().name, "城管执法中队");
        let grid1 = users.iter().find(|u| u.username == "grid1").unwrap();
        let grid_code = world.users[4].scope_region.clone().unwrap();
        let team = store.party().grid_team(&all, &grid_code).await.unwrap();
        assert_eq!(team.len(), tongxin_store::party::TEAM_ROLES.len());
        assert!(team.iter().any(|m| m.user_id == Some(grid1.id) && m.role == "专职网格员"));
        let mut team_total = 0;
        for r in world.regions.iter().filter(|r| r.code.as_str().len() == 15) {
            team_total += store.party().grid_team(&all, r.code.as_str()).await.unwrap().len();
        }
        assert_eq!(team_total, world.team.len());
        // Masked and encrypted people data reads back; QR tokens resolve.
        let b = &world.buildings[0];
        assert_eq!(store.places().building_by_qr(&b.qr_token).await.unwrap().name, b.name);
        let first = store.residents().get(&all, world_first_resident_id(store).await).await.unwrap();
        assert_eq!(first.name, world.residents[0].name);
        assert_eq!(first.id_masked, world.residents[0].id_number.masked());
        assert!(store.regions().geometry_revision().await.unwrap() >= 1);
        let shape = store.regions().shape(&grid_code).await.unwrap().unwrap();
        assert!(shape.geometry.unwrap().contains("Polygon"));

        let chain = store.audit().verify().await.unwrap();
        assert_eq!(chain, Ok(world.users.len() as i64 + 1), "{}", t.label);
        let log = store.audit().list(None, Page::default()).await.unwrap();
        assert_eq!(log[0].fields.action, "demo.seed");

        let again = load(store, &world, &hash, &mut |_| {}).await;
        let msg = format!("{:#}", again.expect_err("a second load is refused"));
        assert!(msg.contains("已有"), "{msg}");
        t.cleanup().await;
    }
}

async fn world_first_resident_id(store: &tongxin_store::Store) -> i64 {
    let page = store.residents().search(&Scope::All, &Default::default(), Page::new(Some(1), Some(1))).await.unwrap();
    page.items[0].id
}

/// `cargo test --release -p tongxin --bins demo -- --ignored --nocapture` measures generate +
/// load on SQLite for both scales (and checks the district's geometry and tree).
#[tokio::test]
#[ignore]
async fn timing_street_and_district() {
    for scale in [Scale::Street, Scale::District] {
        let started = Instant::now();
        let world = generate(&DemoOptions { seed: 2026, scale });
        let generated = started.elapsed();
        let t = tongxin_testkit::sqlite_store().await;
        let loading = Instant::now();
        load(&t.store, &world, &|p: &str| p.to_string(), &mut |l: &str| {
            eprintln!("  [{:>6.1}s] {l}", loading.elapsed().as_secs_f64())
        })
        .await
        .unwrap();
        println!(
            "{scale:?}: generate {:.1}s, load {:.1}s, total {:.1}s\n{}",
            generated.as_secs_f64(),
            loading.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64(),
            world.summary()
        );
        if scale == Scale::District {
            let nodes: Vec<RegionNode> =
                world.regions.iter().map(|r| RegionNode { code: r.code.clone(), name: r.name.clone() }).collect();
            assert_eq!(check_tree(&nodes), Ok(()));
            check_tiling(&world);
            let shapes = polygons(&world);
            let streets: Vec<_> = shapes.iter().filter(|(c, _)| c.len() == 9).collect();
            let proj = LocalProjection::new(super::layout::CENTRE);
            for (i, (a, pa)) in streets.iter().enumerate() {
                for (b, pb) in &streets[i + 1..] {
                    assert!(overlap_area_m2(pa, pb, &proj) < 1.0, "{a} {b}");
                }
            }
        }
        t.cleanup().await;
    }
}

/// The demo street's mediation: a committee per community and the street's centre, the demo's
/// mediator serving it, and disputes in hand that the mediator reads — registered, in
/// mediation (their rooms open), performing an oral agreement, failed — on both backends.
/// Behind them a year of disputes in every status and of petitions, every step of which the
/// rules took (none refused), with its notices read when they are older than a week.
#[tokio::test]
async fn the_demo_street_has_mediation_organisations_and_a_year_of_disputes_and_petitions() {
    use tongxin_domain::mediation::Status as DisputeStatus;
    use tongxin_domain::petition::Status as PetitionStatus;
    use tongxin_store::Page;
    use tongxin_store::mediation::{DisputeFilter, Viewer};
    use tongxin_store::petitions::PetitionFilter;
    for t in tongxin_testkit::all_stores().await {
        let store = &t.store;
        let world = generate(&DemoOptions { seed: 5, scale: Scale::Tiny });
        load(store, &world, &|p: &str| format!("plain:{p}"), &mut |_| {}).await.expect("world loads");
        let m = super::mediation::seed(store, 5).await.unwrap_or_else(|e| panic!("{}: {e:#}", t.label));
        assert!(m.orgs >= 2 && m.today == 12, "{}: {m:?}", t.label);
        assert!(m.year.errors.is_empty() && m.petitions.errors.is_empty(), "{}: every step passed: {m:?}", t.label);
        assert!(m.year.disputes > 150 && m.petitions.disputes > 40, "{}: {m:?}", t.label);
        // 在线咨询 over the year, answered by the committees (the asker's community's desk reads them).
        assert!(m.consultations > 20, "{}: {m:?}", t.label);
        let community = store.accounts().credentials("community").await.unwrap().user;
        let desk = store.mediation().consultations(&community.scope, Page::new(Some(1), Some(200))).await.unwrap();
        assert!(desk.items.iter().any(|r| r.answer.is_some()), "{}: answered questions", t.label);
        // 网格排查: every grid of the demo community screened each month of the year so far.
        assert!(m.screenings >= 11, "{}: {m:?}", t.label);

        let mediator = store.accounts().credentials("mediator").await.unwrap().user;
        let today = DisputeFilter { status: None, ..Default::default() };
        let seen =
            store.mediation().list(&Viewer::of_user(&mediator), &today, Page::new(Some(1), Some(200))).await.unwrap();
        assert!(seen.total > 12, "{}: the centre's year and today's disputes: {}", t.label, seen.total);
        for status in
            [DisputeStatus::Registered, DisputeStatus::Mediating, DisputeStatus::Performing, DisputeStatus::Failed]
        {
            assert!(seen.items.iter().any(|d| d.status == status), "{}: one {status:?}", t.label);
        }

        // The street sees every status of the year.
        let leader = store.accounts().credentials("leader").await.unwrap().user;
        let mut statuses = std::collections::BTreeSet::new();
        for &status in DisputeStatus::ALL {
            let f = DisputeFilter { status: Some(status), ..Default::default() };
            let n = store.mediation().list(&Viewer::of_user(&leader), &f, Page::default()).await.unwrap().total;
            if n > 0 {
                statuses.insert(status.as_str());
            }
        }
        for status in ["accepted", "mediating", "performing", "followed_up", "closed", "failed", "withdrawn", "refused"]
        {
            assert!(statuses.contains(status), "{}: a dispute {status}: {statuses:?}", t.label);
        }
        // A committee's mediator reads their committee's disputes.
        let tiaojie = store.accounts().credentials("tiaojie01").await.unwrap().user;
        let theirs =
            store.mediation().list(&Viewer::of_user(&tiaojie), &DisputeFilter::default(), Page::default()).await;
        assert!(theirs.unwrap().total > 0, "{}: the committee's disputes", t.label);

        let mut petitions = std::collections::BTreeSet::new();
        for status in PetitionStatus::ALL {
            let f = PetitionFilter { status: Some(status), ..Default::default() };
            if store.petitions().list(&leader.scope, &f, Page::default()).await.unwrap().total > 0 {
                petitions.insert(status.as_str());
            }
        }
        assert!(petitions.len() >= 5, "{}: petitions in many statuses: {petitions:?}", t.label);
    }
}

/// The leaders' figures over the demo's year of disputes and petitions (every status, every
/// ending): the SQL tallies of the street's leader and of a committee's mediator are the
/// domain's count of each dispute they read, and the petitions' 按期率 is the domain's tally of
/// the clocks of every petition — on both backends.
#[tokio::test]
async fn the_leaders_figures_over_the_demo_year_are_the_domains_count() {
    use tongxin_domain::kernel::period::Period;
    use tongxin_domain::mediation::stats::Tally;
    use tongxin_store::mediation::{DisputeFilter, Viewer};
    use tongxin_store::petitions::PetitionFilter;
    for t in all_stores().await {
        let store = &t.store;
        let world = generate(&DemoOptions { seed: 5, scale: Scale::Tiny });
        load(store, &world, &|p: &str| format!("plain:{p}"), &mut |_| {}).await.expect("world loads");
        super::mediation::seed(store, 5).await.unwrap_or_else(|e| panic!("{}: {e:#}", t.label));
        let now = store.now();
        let today = tongxin_domain::case::deadline::shanghai_date(now);
        let period = Period::parse(&(today - chrono::Duration::days(400)).to_string(), "", today).unwrap();
        let cal = tongxin_app::mediation::calendar(store).await.unwrap();
        let (from, to) = period.instants();
        for name in ["leader", "tiaojie01"] {
            let user = store.accounts().credentials(name).await.unwrap().user;
            let viewer = Viewer::of_user(&user);
            let petitions = (name == "leader").then_some(&user.scope);
            let report = tongxin_app::mediation::stats::report(store, &viewer, petitions, None, period, &cal)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", t.label));
            let (mut expected, mut open, mut overdue, mut page) = (Tally::default(), 0, 0, 1);
            loop {
                let all = DisputeFilter::default();
                let got = store.mediation().list(&viewer, &all, Page::new(Some(page), Some(200))).await.unwrap();
                for d in &got.items {
                    if (from..to).contains(&d.created_at) {
                        expected = expected.plus(Tally::of(&d.state, today));
                    }
                    open += i64::from(d.open);
                    overdue += i64::from(d.state.is_overdue(now));
                }
                if got.items.len() < 200 {
                    break;
                }
                page += 1;
            }
            assert_eq!(report.overall.tally, expected, "{}: {name}", t.label);
            assert_eq!((report.overall.open.open, report.overall.open.overdue), (open, overdue), "{}: {name}", t.label);
            assert!(
                expected.resolved > 0 && expected.failed > 0 && expected.items_due > 0,
                "{}: {expected:?}",
                t.label
            );
            let by_type = report.by_type.iter().fold(Tally::default(), |a, r| a.plus(r.tally));
            let by_risk = report.by_risk.iter().fold(Tally::default(), |a, r| a.plus(r.tally));
            assert_eq!((by_type, by_risk), (expected, expected), "{}: {name}: the groups add up", t.label);
            if let Some(rated) = report.petitions {
                let mut states = Vec::new();
                let mut page = 1;
                loop {
                    let f = PetitionFilter::default();
                    let got = store.petitions().list(&user.scope, &f, Page::new(Some(page), Some(200))).await.unwrap();
                    states.extend(
                        got.items.iter().filter(|p| (from..to).contains(&p.created_at)).map(|p| p.state.clone()),
                    );
                    if got.items.len() < 200 {
                        break;
                    }
                    page += 1;
                }
                assert_eq!(rated.received, states.len() as i64, "{}", t.label);
                assert_eq!(rated.duties, tongxin_domain::petition::stats::tally(&states, now, &cal), "{}", t.label);
                assert!(rated.duties.iter().any(|(_, c)| c.on_time().den > 0), "{}: {:?}", t.label, rated.duties);
            }
        }
    }
}
