//! Writes a [`World`] into an empty database with the store's bulk inserts: a few large
//! transactions (regions and departments; places; residents; party; grid teams and the audit
//! record), ids reserved up front so children reference parents without round trips.

use std::collections::HashMap;

use anyhow::{Context, bail};
use tongxin_domain::places::{Polygon, polygon_to_geojson};
use tongxin_store::accounts::NewUser;
use tongxin_store::audit::{AuditEntry, append};
use tongxin_store::bulk::{reserve_ids, sync_id_sequence};
use tongxin_store::party::{
    NewCenterHousehold, NewDepartment, NewPartyMember, NewPartyOrg, NewTeamMember, insert_center_households,
    insert_departments, insert_members, insert_orgs,
};
use tongxin_store::places::{NewBuilding, NewHousehold, insert_buildings, insert_households};
use tongxin_store::regions::{Boundary, NewRegion, bump_geometry_revision, insert_regions};
use tongxin_store::residents::NewResident;
use tongxin_store::{Actor, Store};

use super::World;

/// Rows per call when progress is reported.
const CHUNK: usize = 10_000;

fn boundary(p: &Polygon<f64>) -> Boundary {
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for c in p.exterior().0.iter() {
        bbox[0] = bbox[0].min(c.x);
        bbox[1] = bbox[1].min(c.y);
        bbox[2] = bbox[2].max(c.x);
        bbox[3] = bbox[3].max(c.y);
    }
    Boundary { geojson: polygon_to_geojson(p).to_string(), bbox }
}

fn id(base: i64, index: usize) -> i64 {
    base + index as i64
}

/// What later loads need to know of this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// The database id of `world.buildings[0]` (the others follow in order).
    pub first_building_id: i64,
}

/// Loads `world` into `store`, which must hold no regions yet. Users are created through
/// `store.accounts().create_user` with passwords hashed by `hash_password`; `progress` receives short
/// Chinese status lines.
pub async fn load(
    store: &Store,
    world: &World,
    hash_password: &(dyn Fn(&str) -> String + Sync),
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Loaded> {
    let actor = Actor::system("demo");
    let existing: i64 = store.regions().count_by_level().await.context("读取区划失败")?.iter().map(|(_, n)| n).sum();
    if existing > 0 {
        bail!("数据库中已有 {existing} 个区划，演示数据只能载入空数据库；请指定一个新的数据库文件（或清空后再试）");
    }
    let now = store.now();

    // 1. Regions (parents first) and departments.
    let mut tx = store.db.begin().await?;
    let regions: Vec<NewRegion> = world
        .regions
        .iter()
        .map(|r| NewRegion { code: r.code.clone(), name: r.name.clone(), boundary: r.polygon.as_ref().map(boundary) })
        .collect();
    insert_regions(&mut tx, &regions, now).await?;
    bump_geometry_revision(&mut tx).await?;
    let d0 = reserve_ids(&mut tx, "departments").await?;
    let departments: Vec<NewDepartment> = world
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| NewDepartment {
            id: id(d0, i),
            street_code: d.street.clone(),
            name: d.name.clone(),
            kind: d.kind.to_string(),
            phone: d.phone.clone(),
        })
        .collect();
    insert_departments(&mut tx, &departments, now).await?;
    sync_id_sequence(&mut tx, "departments").await?;
    tx.commit().await?;
    progress(&format!(
        "写入区划 {} 个（网格 {} 个）、职能部门 {} 个",
        regions.len(),
        world.count_level(15),
        departments.len()
    ));

    // 2. Buildings and households.
    let mut tx = store.db.begin().await?;
    let b0 = reserve_ids(&mut tx, "buildings").await?;
    let h0 = reserve_ids(&mut tx, "households").await?;
    let buildings: Vec<NewBuilding> = world
        .buildings
        .iter()
        .enumerate()
        .map(|(i, b)| NewBuilding {
            id: id(b0, i),
            grid_code: b.grid.clone(),
            name: b.name.clone(),
            address: b.address.clone(),
            lng: b.lng,
            lat: b.lat,
            floors: b.floors,
            units: b.units,
            qr_token: b.qr_token.clone(),
        })
        .collect();
    for chunk in buildings.chunks(CHUNK * 3) {
        insert_buildings(&mut tx, chunk, now).await?;
    }
    progress(&format!("写入楼栋 {} 栋", buildings.len()));
    drop(buildings);
    let total = world.households.len();
    let mut done = 0;
    for chunk in world.households.chunks(CHUNK * 3) {
        let rows: Vec<NewHousehold> = chunk
            .iter()
            .enumerate()
            .map(|(k, h)| NewHousehold {
                id: id(h0, done + k),
                building_id: id(b0, h.building),
                grid_code: h.grid.clone(),
                unit_no: h.unit_no,
                room_no: h.room_no.clone(),
                address: h.address.clone(),
            })
            .collect();
        insert_households(&mut tx, &rows, now).await?;
        done += chunk.len();
        progress(&format!("写入住户 {done}/{total}"));
    }
    sync_id_sequence(&mut tx, "buildings").await?;
    sync_id_sequence(&mut tx, "households").await?;
    tx.commit().await?;

    // 3. Residents (ID and phone numbers encrypted by the store).
    let mut tx = store.db.begin().await?;
    let r0 = reserve_ids(&mut tx, "residents").await?;
    let total = world.residents.len();
    let mut done = 0;
    for chunk in world.residents.chunks(CHUNK) {
        let rows: Vec<NewResident> = chunk
            .iter()
            .enumerate()
            .map(|(k, r)| NewResident {
                id: id(r0, done + k),
                household_id: Some(id(h0, r.household)),
                grid_code: r.grid.clone(),
                name: r.name.clone(),
                id_number: r.id_number.clone(),
                phone: r.phone.clone(),
                relation: r.relation.to_string(),
                tags: r.tags.iter().map(|t| t.to_string()).collect(),
            })
            .collect();
        store.residents().insert_many(&mut tx, &rows, now).await?;
        done += chunk.len();
        progress(&format!("写入居民 {done}/{total}"));
    }
    sync_id_sequence(&mut tx, "residents").await?;
    tx.commit().await?;

    // 4. Party organisations, members and 党员中心户.
    let mut tx = store.db.begin().await?;
    let o0 = reserve_ids(&mut tx, "party_orgs").await?;
    let m0 = reserve_ids(&mut tx, "party_members").await?;
    let c0 = reserve_ids(&mut tx, "center_households").await?;
    let orgs: Vec<NewPartyOrg> = world
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| NewPartyOrg {
            id: id(o0, i),
            parent_id: o.parent.map(|p| id(o0, p)),
            kind: o.kind.to_string(),
            name: o.name.clone(),
            region_code: o.region.clone(),
            building_id: o.building.map(|b| id(b0, b)),
        })
        .collect();
    insert_orgs(&mut tx, &orgs, now).await?;
    let members: Vec<NewPartyMember> = world
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| NewPartyMember {
            id: id(m0, i),
            resident_id: Some(id(r0, m.resident)),
            org_id: id(o0, m.org),
            region_code: m.region.clone(),
            name: m.name.clone(),
            status: m.status.to_string(),
            employment: m.employment.to_string(),
            work_unit: m.work_unit.clone(),
            joined_on: Some(m.joined_on),
            dual_report_community: m.dual_report_community.clone(),
            dual_report_on: m.dual_report_on,
        })
        .collect();
    insert_members(&mut tx, &members, now).await?;
    let centers: Vec<NewCenterHousehold> = world
        .centers
        .iter()
        .enumerate()
        .map(|(i, c)| NewCenterHousehold {
            id: id(c0, i),
            member_id: id(m0, c.member),
            household_id: id(h0, c.household),
            org_id: id(o0, c.org),
            region_code: c.region.clone(),
            linked: c.linked.iter().map(|&h| id(h0, h)).collect(),
        })
        .collect();
    insert_center_households(&mut tx, &centers, now).await?;
    for table in ["party_orgs", "party_members", "center_households"] {
        sync_id_sequence(&mut tx, table).await?;
    }
    tx.commit().await?;
    progress(&format!("写入党组织 {} 个、党员 {} 名、党员中心户 {} 户", orgs.len(), members.len(), centers.len()));

    // 5. Staff accounts (one transaction and audit record each, through the store).
    let street = world.demo_street();
    let dept_ids: HashMap<&str, i64> = world
        .departments
        .iter()
        .enumerate()
        .filter(|(_, d)| d.street == street)
        .map(|(i, d)| (d.name.as_str(), id(d0, i)))
        .collect();
    let mut hashes: HashMap<&str, String> = HashMap::new();
    let mut user_ids: HashMap<&str, i64> = HashMap::new();
    for u in &world.users {
        let scope_department = match &u.scope_department {
            Some(name) => Some(
                *dept_ids
                    .get(name.as_str())
                    .with_context(|| format!("演示账号 {} 的部门“{name}”不存在", u.username))?,
            ),
            None => None,
        };
        let hash = hashes.entry(u.password.as_str()).or_insert_with(|| hash_password(&u.password)).clone();
        let created = store
            .accounts()
            .create_user(
                &actor,
                &NewUser {
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                    password_hash: hash,
                    role: u.role,
                    scope_region: u.scope_region.clone(),
                    scope_department,
                    can_unmask: u.can_unmask,
                    totp_secret: u.totp_secret.clone(),
                },
            )
            .await
            .with_context(|| format!("创建演示账号 {} 失败", u.username))?;
        user_ids.insert(u.username.as_str(), created.id);
    }
    progress(&format!("创建工作人员账号 {} 个", world.users.len()));

    // 6. Grid teams, and one audit record for the whole load.
    let mut tx = store.db.begin().await?;
    let team: Vec<NewTeamMember> = world
        .team
        .iter()
        .map(|t| NewTeamMember {
            grid_code: t.grid.clone(),
            role: t.role.to_string(),
            name: t.name.clone(),
            phone: t.phone.clone(),
            user_id: t.username.as_deref().and_then(|u| user_ids.get(u).copied()),
        })
        .collect();
    for chunk in team.chunks(CHUNK) {
        store.party().insert_team_members(&mut tx, chunk, now).await?;
    }
    let entity_id = if world.street_count == 1 { street } else { super::divisions::DISTRICT_CODE };
    append(
        &mut tx,
        store.pii(),
        now,
        &actor,
        AuditEntry::new("demo.seed", "region", entity_id).detail(world.summary()),
    )
    .await?;
    tx.commit().await?;
    progress(&format!("写入网格队伍 {} 人", team.len()));

    store.db.analyze().await?;
    progress("更新统计信息完成");
    Ok(Loaded { first_building_id: b0 })
}
