//! Party organisations and members, departments, grid teams and staff accounts, generated
//! after the places and people they attach to.

use chrono::{Days, Months, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tongxin_domain::kernel::access::Role;
use tongxin_store::party::TEAM_ROLES;

use super::divisions::{DEMO_STREET, Township};
use super::generate::{DEMO_PASSWORD, Registry, age_on, landline, random_date, reference_date, rng_for};
use super::names;
use super::{DemoCenter, DemoDepartment, DemoMember, DemoOrg, DemoTeamMember, DemoUser, World};

/// Party organisations, members (≈ 5 % of adults), 双报到 and 党员中心户.
pub(super) fn party(w: &mut World, seed: u64, towns: &[Township]) {
    let mut rng = rng_for(seed, "party");
    let today = reference_date();
    // Who is a member: by age, about 5 % of adults overall.
    let mut is_member = vec![false; w.residents.len()];
    for (i, r) in w.residents.iter().enumerate() {
        let age = age_on(r.id_number.birth_date(), today);
        let p = match age {
            ..18 => 0.0,
            18..25 => 0.03,
            25..45 => 0.045,
            45..60 => 0.05,
            60..80 => 0.067,
            _ => 0.06,
        };
        is_member[i] = rng.random_bool(p);
    }
    // Members per building decide which buildings get a 楼栋党小组 (three or more members, urban).
    let mut per_building = vec![0usize; w.buildings.len()];
    for (i, r) in w.residents.iter().enumerate() {
        if is_member[i] {
            per_building[w.households[r.household].building] += 1;
        }
    }
    let rural_of = |code: &str| {
        towns.iter().flat_map(|t| t.communities.iter()).find(|c| code.starts_with(&c.code)).is_some_and(|c| c.rural)
    };
    // Organisations top-down; remember the org of each grid and building group.
    let mut grid_org: std::collections::HashMap<String, usize> = Default::default();
    let mut building_org: Vec<Option<usize>> = vec![None; w.buildings.len()];
    let mut b = 0usize; // buildings are ordered by grid in generation order
    let regions: Vec<(String, String)> =
        w.regions.iter().map(|r| (r.code.as_str().to_string(), r.name.clone())).collect();
    for town in towns {
        let street_org = w.orgs.len();
        let street_name = regions.iter().find(|(c, _)| c == &town.code).map(|(_, n)| n.clone()).unwrap_or_default();
        let sname = if street_name.ends_with("街道") {
            format!("{street_name}党工委")
        } else {
            format!("{street_name}党委")
        };
        w.orgs.push(DemoOrg {
            parent: None,
            kind: "street_working_committee",
            name: sname,
            region: town.code.clone(),
            building: None,
        });
        for c in &town.communities {
            let corg = w.orgs.len();
            let (kind, suffix) =
                if c.rural { ("general_branch", "党总支") } else { ("community_committee", "党委") };
            w.orgs.push(DemoOrg {
                parent: Some(street_org),
                kind,
                name: format!("{}{suffix}", c.name),
                region: c.code.clone(),
                building: None,
            });
            let grids: Vec<(String, String)> =
                regions.iter().filter(|(code, _)| code.len() == 15 && code.starts_with(&c.code)).cloned().collect();
            for (gcode, gname) in grids {
                let gorg = w.orgs.len();
                w.orgs.push(DemoOrg {
                    parent: Some(corg),
                    kind: "grid_branch",
                    name: format!("{gname}党支部"),
                    region: gcode.clone(),
                    building: None,
                });
                grid_org.insert(gcode.clone(), gorg);
                while b < w.buildings.len() && w.buildings[b].grid == gcode {
                    if !c.rural && per_building[b] >= 3 {
                        building_org[b] = Some(w.orgs.len());
                        w.orgs.push(DemoOrg {
                            parent: Some(gorg),
                            kind: "building_group",
                            name: format!("{}党小组", w.buildings[b].name),
                            region: gcode.clone(),
                            building: Some(b),
                        });
                    }
                    b += 1;
                }
            }
        }
    }

    let probation_from = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    let dual_from = NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
    let mut member_of_household: Vec<Option<usize>> = vec![None; w.households.len()];
    for (i, r) in w.residents.iter().enumerate() {
        if !is_member[i] {
            continue;
        }
        let birth = r.id_number.birth_date();
        let age = age_on(birth, today);
        let male = r.id_number.gender() == tongxin_domain::people::idcard::Gender::Male;
        let building = w.households[r.household].building;
        let org = building_org[building].unwrap_or(grid_org[&r.grid]);
        let probationary = age <= 50 && rng.random_bool(0.1);
        let joined_on = if probationary {
            random_date(&mut rng, probation_from, today)
        } else {
            let join_age = if rng.random_bool(0.6) { rng.random_range(18..=28) } else { rng.random_range(29..=45) };
            let latest = today - Days::new(400);
            let d = birth.checked_add_months(Months::new(12 * join_age)).expect("valid date")
                + Days::new(rng.random_range(0..365));
            if d > latest { random_date(&mut rng, (birth + Months::new(12 * 18)).min(latest), latest) } else { d }
        };
        let retired = age >= 60 || (!male && age >= 55);
        let rural = rural_of(&r.grid);
        let (employment, work_unit, dual) = if retired {
            ("retired", String::new(), false)
        } else if rng.random_bool(if rural { 0.5 } else { 0.15 }) {
            let local = names::LOCAL_WORK[rng.random_range(0..names::LOCAL_WORK.len())];
            let local = if !rural && local == "务农" { "个体经营" } else { local };
            ("in_service", local.to_string(), false)
        } else if age <= 22 {
            ("in_service", "浙江师范大学（学生）".to_string(), false)
        } else {
            let unit = names::WORK_UNITS[rng.random_range(0..names::WORK_UNITS.len())];
            ("in_service", unit.to_string(), rng.random_bool(0.92))
        };
        let member = w.members.len();
        if member_of_household[r.household].is_none() {
            member_of_household[r.household] = Some(member);
        }
        w.members.push(DemoMember {
            resident: i,
            org,
            region: r.grid.clone(),
            name: r.name.clone(),
            status: if probationary { "probationary" } else { "formal" },
            employment,
            work_unit,
            joined_on,
            dual_report_community: dual.then(|| r.grid[..12].to_string()),
            dual_report_on: dual.then(|| random_date(&mut rng, dual_from, today)),
        });
    }
    for m in &w.members {
        let tags = &mut w.residents[m.resident].tags;
        if !tags.contains(&"党员") {
            tags.push("党员");
        }
    }

    // 党员中心户: a member's household and the 10–15 households next to it in the same grid
    // (same or adjacent buildings), in runs through the grid's households.
    let mut start = 0;
    while start < w.households.len() {
        let grid = w.households[start].grid.clone();
        let mut end = start;
        while end < w.households.len() && w.households[end].grid == grid {
            end += 1;
        }
        let mut i = start;
        loop {
            let size = rng.random_range(11..=16);
            let Some(m) = (i..end).find(|&h| member_of_household[h].is_some()) else {
                break;
            };
            let mut ws = m.saturating_sub(rng.random_range(size - 5..size)).max(i);
            if ws + size > end {
                if end < size || end - size < i {
                    break;
                }
                ws = end - size;
            }
            let member = member_of_household[m].expect("checked");
            w.centers.push(DemoCenter {
                member,
                household: m,
                org: w.members[member].org,
                region: grid.clone(),
                linked: (ws..ws + size).filter(|&x| x != m).collect(),
            });
            i = ws + size;
        }
        start = end;
    }
}

/// Departments a street dispatches to (吹哨报到), with a landline each.
const DEPARTMENTS: [(&str, &str); 26] = [
    ("城管执法中队", "执法队伍"),
    ("综合行政执法队", "执法队伍"),
    ("市场监管所", "派驻机构"),
    ("派出所", "派驻机构"),
    ("交警中队", "派驻机构"),
    ("司法所", "派驻机构"),
    ("消防救援站", "派驻机构"),
    ("生态环境分局", "区级部门"),
    ("住建局", "区级部门"),
    ("卫健局", "区级部门"),
    ("民政局", "区级部门"),
    ("人社局", "区级部门"),
    ("教育局", "区级部门"),
    ("水务局", "区级部门"),
    ("自然资源和规划分局", "区级部门"),
    ("信访办", "街道科室"),
    ("城建办", "街道科室"),
    ("平安办", "街道科室"),
    ("社会事务办", "街道科室"),
    ("供水公司", "公用事业"),
    ("供电公司", "公用事业"),
    ("燃气公司", "公用事业"),
    ("通信公司", "公用事业"),
    ("金华市城投物业服务有限公司", "物业企业"),
    ("婺城红色物业服务有限公司", "物业企业"),
    ("浙江宏达物业管理有限公司", "物业企业"),
];

pub(super) fn departments(w: &mut World, seed: u64, towns: &[Township]) {
    let mut rng = rng_for(seed, "departments");
    for t in towns {
        for (name, kind) in DEPARTMENTS {
            w.departments.push(DemoDepartment {
                street: t.code.clone(),
                name: name.to_string(),
                kind,
                phone: landline(&mut rng),
            });
        }
    }
}

/// The 多网合一 team of every grid. Police, doctor and street cadre serve a whole community.
pub(super) fn teams(w: &mut World, seed: u64, towns: &[Township], reg: &mut Registry) {
    let mut rng = rng_for(seed, "teams");
    let person = |rng: &mut ChaCha8Rng, reg: &mut Registry| {
        let male = rng.random_bool(0.5);
        let year = rng.random_range(1970..=1998);
        let surname = names::surname(rng);
        let name = names::full_name(rng, surname, year, male);
        (name, Some(reg.mobile(rng)))
    };
    let grid_workers: Vec<(String, String, String)> = w
        .users
        .iter()
        .filter(|u| u.role == Role::GridWorker)
        .filter_map(|u| u.scope_region.clone().map(|g| (g, u.display_name.clone(), u.username.clone())))
        .collect();
    let mut members_by_grid: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, m) in w.members.iter().enumerate() {
        members_by_grid.entry(m.region.as_str()).or_default().push(i);
    }
    let mut team = Vec::new();
    for t in towns {
        for c in &t.communities {
            let shared: Vec<_> = (0..3).map(|_| person(&mut rng, reg)).collect();
            let grids: Vec<String> = w
                .regions
                .iter()
                .map(|r| r.code.as_str())
                .filter(|code| code.len() == 15 && code.starts_with(&c.code))
                .map(String::from)
                .collect();
            for g in grids {
                for role in TEAM_ROLES {
                    let (name, phone, username) = match role {
                        "片区民警" => (shared[0].0.clone(), shared[0].1.clone(), None),
                        "社区医生" => (shared[1].0.clone(), shared[1].1.clone(), None),
                        "街道联系干部" => (shared[2].0.clone(), shared[2].1.clone(), None),
                        "专职网格员" => match grid_workers.iter().find(|(code, ..)| *code == g) {
                            Some((_, display, username)) => {
                                (display.clone(), Some(reg.mobile(&mut rng)), Some(username.clone()))
                            }
                            None => {
                                let (n, p) = person(&mut rng, reg);
                                (n, p, None)
                            }
                        },
                        "党员志愿者" => match members_by_grid.get(g.as_str()) {
                            Some(ms) if !ms.is_empty() => {
                                let m = &w.members[ms[rng.random_range(0..ms.len())]];
                                let r = &w.residents[m.resident];
                                let phone = r.phone.clone().or_else(|| Some(reg.mobile(&mut rng)));
                                (r.name.clone(), phone, None)
                            }
                            _ => {
                                let (n, p) = person(&mut rng, reg);
                                (n, p, None)
                            }
                        },
                        _ => {
                            let (n, p) = person(&mut rng, reg);
                            (n, p, None)
                        }
                    };
                    team.push(DemoTeamMember { grid: g.clone(), role, name, phone, username });
                }
            }
        }
    }
    w.team = team;
}

/// One account per role, scoped to the demo street (城东街道) and its first community.
pub(super) fn users(w: &mut World, seed: u64) {
    let mut rng = rng_for(seed, "users");
    let community = w
        .regions
        .iter()
        .find(|r| r.code.as_str().len() == 12 && r.code.as_str().starts_with(DEMO_STREET))
        .map(|r| r.code.as_str().to_string())
        .expect("the demo street has communities");
    let grid = |n: u16| format!("{community}{n:03}");
    let street = Some(DEMO_STREET.to_string());
    let mk = |username: &str, display: &str, role: Role, region: Option<String>, dept: Option<&str>, unmask: bool| {
        DemoUser {
            username: username.into(),
            display_name: display.into(),
            role,
            scope_region: region,
            scope_department: dept.map(String::from),
            can_unmask: unmask,
            password: DEMO_PASSWORD.into(),
            totp_secret: None,
        }
    };
    let mut admin = mk("admin", "系统管理员", Role::Admin, None, None, false);
    let mut secret = [0u8; 20];
    rng.fill(&mut secret);
    admin.totp_secret = Some(secret.to_vec());
    w.users = vec![
        admin,
        mk("leader", "王振华", Role::Leader, street.clone(), None, false),
        mk("dispatcher", "陈晓燕", Role::Dispatcher, street.clone(), None, false),
        mk("community", "方丽娟", Role::CommunityWorker, Some(community.clone()), None, true),
        mk("grid1", "叶志强", Role::GridWorker, Some(grid(1)), None, false),
        mk("grid2", "金海燕", Role::GridWorker, Some(grid(2)), None, false),
        mk("party", "郑建国", Role::PartySecretary, Some(community.clone()), None, false),
        mk("mediator", "徐文华", Role::Mediator, street, None, false),
        mk("chengguan", "楼俊杰", Role::DepartmentHandler, None, Some("城管执法中队"), false),
        mk("shichang", "傅美玲", Role::DepartmentHandler, None, Some("市场监管所"), false),
    ];
    // The grid workers' team entries are linked by username in `teams`.
}
