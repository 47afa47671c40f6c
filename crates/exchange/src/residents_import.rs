//! Resident import from an .xlsx workbook (first sheet, Chinese headers; see [`crate::COLUMNS`]).

use crate::error::{Errors, ImportError};
use crate::sheet::{
    BIRTH_DATE, BUILDING, COLUMNS, GENDER, GRID, ID_NUMBER, NAME, PHONE, RELATION, ROOM, TAGS, UNIT, canonical_header,
    cell_text, is_blank, parse_date, split_tags,
};
use crate::sheet::{Sheet, SheetError};
use calamine::Data;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::{RegionCode, RegionLevel};
use tongxin_domain::kernel::text::{self, Lines};
use tongxin_domain::people::idcard::{Gender, IdNumber};
use tongxin_store::audit::{AuditEntry, append};
use tongxin_store::bulk::{reserve_ids, sync_id_sequence};
use tongxin_store::places::{Building, NewHousehold, insert_households};
use tongxin_store::residents::NewResident;
use tongxin_store::{Actor, Store};

/// Data rows one import may hold.
pub const MAX_ROWS: usize = 100_000;

const DEFAULT_RELATION: &str = "其他";
const MAX_NAME_CHARS: usize = 50;
const MAX_TEXT_CHARS: usize = 20;
/// Any cell: at most an address's length.
const MAX_CELL_CHARS: usize = tongxin_domain::kernel::text::Address::MAX_CHARS;

/// What a resident import wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResidentImportReport {
    pub residents: usize,
    pub households_created: usize,
    /// SHA-256 of the file, lower-case hex, as the audit record carries it.
    pub sha256: String,
}

/// A row that passed every check of its own cells.
struct Row {
    excel_row: usize,
    name: String,
    id_number: IdNumber,
    phone: Option<Phone>,
    grid: String,
    building: String,
    unit_no: i64,
    room_no: String,
    relation: String,
    tags: Vec<String>,
}

/// Validates every row of the first sheet of `xlsx` and, only if all are good, creates the
/// missing households and registers the residents in one transaction with one audit record.
pub async fn import_residents(
    store: &Store,
    actor: &Actor,
    scope: &Scope,
    xlsx: &[u8],
) -> Result<ResidentImportReport, ImportError> {
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(xlsx));
    let sheet = read_first_sheet(xlsx)?;
    let Some(top) = sheet.top() else {
        return Err(ImportError::Malformed("工作表是空的".into()));
    };
    let mut rows_iter = sheet.rows();
    let header = rows_iter.next().map(|(_, cells)| cells).unwrap_or_default();
    let columns = read_header(&header, top as usize + 1)?;

    let mut errors = Errors::default();
    let mut rows: Vec<Row> = Vec::new();
    let mut data_rows = 0usize;
    for (row_index, cells) in rows_iter {
        if cells.iter().all(is_blank) {
            continue;
        }
        data_rows += 1;
        if data_rows > MAX_ROWS {
            return Err(ImportError::Malformed(format!("数据行过多：每次最多导入 {MAX_ROWS} 行，请分批导入")));
        }
        let excel_row = row_index as usize + 1;
        if let Some(row) = check_row(excel_row, &cells, &columns, &mut errors) {
            rows.push(row);
        }
    }
    if data_rows == 0 {
        return Err(ImportError::Malformed("表头以下没有数据行".into()));
    }

    // Duplicates within the file, then against the register (one query per 500 numbers).
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut unique: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        let key = row.id_number.as_str().to_string();
        if let Some(first) = first_row.get(&key) {
            errors.push(&position(row.excel_row), Some(ID_NUMBER), format!("身份证号与第 {first} 行重复"));
            continue;
        }
        first_row.insert(key, row.excel_row);
        unique.push(row);
    }
    let ids: Vec<&IdNumber> = unique.iter().map(|r| &r.id_number).collect();
    let registered: HashSet<String> = store.exchange().registered_id_numbers(&ids).await?.into_iter().collect();

    // Grids: existing and within the people scope.
    let mut grid_codes: Vec<String> = unique.iter().map(|r| r.grid.clone()).collect();
    grid_codes.sort();
    grid_codes.dedup();
    let grids: HashSet<String> = store
        .exchange()
        .region_levels(&grid_codes)
        .await?
        .into_iter()
        .filter(|(_, level)| level == RegionLevel::Grid.as_str())
        .map(|(code, _)| code)
        .collect();
    let usable: Vec<String> =
        grid_codes.iter().filter(|g| grids.contains(*g) && scope.covers_people_at(g)).cloned().collect();
    let mut buildings: HashMap<(String, String), Vec<Building>> = HashMap::new();
    for b in store.exchange().buildings_in_grids(&usable).await? {
        buildings.entry((b.grid_code.clone(), b.name.clone())).or_default().push(b);
    }

    let mut placed: Vec<(Row, Building)> = Vec::with_capacity(unique.len());
    for row in unique {
        let at = position(row.excel_row);
        if !scope.covers_people_at(&row.grid) {
            errors.push(&at, Some(GRID), format!("网格 {} 不在您的管辖范围内", row.grid));
            continue;
        }
        if !grids.contains(&row.grid) {
            errors.push(&at, Some(GRID), format!("网格 {} 不存在", row.grid));
            continue;
        }
        if registered.contains(row.id_number.as_str()) {
            errors.push(&at, Some(ID_NUMBER), "该身份证号已登记，不能重复导入");
            continue;
        }
        match buildings.get(&(row.grid.clone(), row.building.clone())).map(Vec::as_slice) {
            Some([b]) => {
                let b = b.clone();
                placed.push((row, b));
            }
            Some(_) => errors.push(
                &at,
                Some(BUILDING),
                format!("网格 {} 中有多个名为“{}”的楼栋，无法确定是哪一栋", row.grid, row.building),
            ),
            None => errors.push(&at, Some(BUILDING), format!("网格 {} 中没有名为“{}”的楼栋", row.grid, row.building)),
        }
    }
    errors.finish()?;

    // Households: reuse those that exist, create the rest.
    let mut building_ids: Vec<i64> = placed.iter().map(|(_, b)| b.id).collect();
    building_ids.sort_unstable();
    building_ids.dedup();
    let mut households: HashMap<(i64, i64, String), i64> = store
        .exchange()
        .households_in_buildings(&building_ids)
        .await?
        .into_iter()
        .map(|h| ((h.building_id, h.unit_no, h.room_no), h.id))
        .collect();

    let now = store.now();
    let mut tx = store.db.begin().await?;
    let mut next_household = reserve_ids(&mut tx, "households").await?;
    let mut new_households: Vec<NewHousehold> = Vec::new();
    let mut household_of: Vec<i64> = Vec::with_capacity(placed.len());
    for (row, b) in &placed {
        let key = (b.id, row.unit_no, row.room_no.clone());
        let id = match households.get(&key) {
            Some(id) => *id,
            None => {
                let id = next_household;
                next_household += 1;
                new_households.push(NewHousehold {
                    id,
                    building_id: b.id,
                    grid_code: b.grid_code.clone(),
                    unit_no: row.unit_no,
                    room_no: row.room_no.clone(),
                    address: household_address(b, row.unit_no, &row.room_no),
                });
                households.insert(key, id);
                id
            }
        };
        household_of.push(id);
    }
    // bulk::insert_rows picks the statement size.
    insert_households(&mut tx, &new_households, now).await?;
    sync_id_sequence(&mut tx, "households").await?;

    let first_resident = reserve_ids(&mut tx, "residents").await?;
    let residents: Vec<NewResident> = placed
        .into_iter()
        .zip(household_of)
        .enumerate()
        .map(|(i, ((row, _), household))| NewResident {
            id: first_resident + i as i64,
            household_id: Some(household),
            grid_code: row.grid,
            name: row.name,
            id_number: row.id_number,
            phone: row.phone,
            relation: row.relation,
            tags: row.tags,
        })
        .collect();
    store.residents().insert_many(&mut tx, &residents, now).await?;
    sync_id_sequence(&mut tx, "residents").await?;
    let n = residents.len();
    let last_resident = first_resident + n as i64 - 1;
    append(
        &mut tx,
        store.pii(),
        now,
        actor,
        AuditEntry::new("resident.import", "resident", format!("{first_resident}-{last_resident}"))
            .detail(format!("导入居民 {n} 人，新建户 {} 户；文件 SHA-256：{sha256}", new_households.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(ResidentImportReport { residents: n, households_created: new_households.len(), sha256 })
}

fn position(excel_row: usize) -> String {
    format!("第 {excel_row} 行")
}

fn read_first_sheet(xlsx: &[u8]) -> Result<Sheet, ImportError> {
    Sheet::first_of(xlsx).map_err(|e| {
        ImportError::Malformed(match e {
            SheetError::NotXlsx => "不是有效的 Excel（.xlsx）文件".into(),
            SheetError::NoSheet => "工作簿中没有工作表".into(),
            SheetError::TooLarge(m) => m,
        })
    })
}

/// The position of each known column in the header row, or every header problem at once.
fn read_header(header: &[Data], excel_row: usize) -> Result<HashMap<&'static str, usize>, ImportError> {
    let at = position(excel_row);
    let mut errors = Errors::default();
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let raw = cell_text(cell).unwrap_or_default();
        if raw.is_empty() {
            continue;
        }
        match canonical_header(&raw) {
            None => errors.push(&at, Some(&raw), format!("无法识别的列：{raw}")),
            Some(h) if columns.contains_key(h) => errors.push(&at, Some(h), format!("列重复：{h}")),
            Some(h) => {
                columns.insert(h, i);
            }
        }
    }
    for c in COLUMNS.iter().filter(|c| c.required) {
        if !columns.contains_key(c.header) {
            errors.push(&at, Some(c.header), format!("缺少列：{}", c.header));
        }
    }
    errors.finish()?;
    Ok(columns)
}

/// Checks one row's cells on their own; records every problem found.
fn check_row(
    excel_row: usize,
    cells: &[Data],
    columns: &HashMap<&'static str, usize>,
    errors: &mut Errors,
) -> Option<Row> {
    let at = position(excel_row);
    let cell = |h: &str| columns.get(h).and_then(|&i| cells.get(i)).unwrap_or(&Data::Empty);
    let mut ok = true;
    let mut fail = |field: &str, message: String| {
        errors.push(&at, Some(field), message);
        false
    };
    // Text of a cell; error values are refused.
    let mut text = |h: &str, ok: &mut bool| -> String {
        match cell_text(cell(h)) {
            Some(t) => t,
            None => {
                *ok &= fail(h, "单元格是错误值（如 #N/A），请填写实际内容".into());
                String::new()
            }
        }
    };

    let name = text(NAME, &mut ok);
    let raw_id = text(ID_NUMBER, &mut ok);
    let grid = text(GRID, &mut ok);
    let building = text(BUILDING, &mut ok);
    let unit = text(UNIT, &mut ok);
    let room = text(ROOM, &mut ok);
    let gender = text(GENDER, &mut ok);
    let phone = text(PHONE, &mut ok);
    let relation = text(RELATION, &mut ok);
    let tags = text(TAGS, &mut ok);
    if !ok {
        return None;
    }
    // No cell longer than a line of text, none with NUL or control characters (issue 9, items 4, 13);
    // a bad cell is reported without being quoted.
    for (h, v) in [
        (NAME, &name),
        (ID_NUMBER, &raw_id),
        (GRID, &grid),
        (BUILDING, &building),
        (UNIT, &unit),
        (ROOM, &room),
        (GENDER, &gender),
        (PHONE, &phone),
        (RELATION, &relation),
        (TAGS, &tags),
    ] {
        if let Err(e) = text::check(h, v, MAX_CELL_CHARS, Lines::One) {
            ok &= fail(h, e.to_string());
        }
    }
    if !ok {
        return None;
    }
    let mut fail = |field: &str, message: String| {
        errors.push(&at, Some(field), message);
        ok = false;
    };

    for (h, v) in
        [(NAME, &name), (ID_NUMBER, &raw_id), (GRID, &grid), (BUILDING, &building), (UNIT, &unit), (ROOM, &room)]
    {
        if v.is_empty() {
            fail(h, format!("{h}不能为空"));
        }
    }
    if name.chars().count() > MAX_NAME_CHARS {
        fail(NAME, format!("姓名过长（最多 {MAX_NAME_CHARS} 个字）"));
    }

    let id_number = if raw_id.is_empty() {
        None
    } else if matches!(cell(ID_NUMBER), Data::Int(_) | Data::Float(_)) {
        fail(ID_NUMBER, "身份证号须以文本格式填写（数字格式会丢失末几位）".into());
        None
    } else {
        match IdNumber::parse(&raw_id) {
            Ok(id) => Some(id),
            Err(e) => {
                fail(ID_NUMBER, e.to_string());
                None
            }
        }
    };

    if !gender.is_empty() {
        match Gender::parse_label(&gender) {
            None => fail(GENDER, format!("性别“{gender}”无效，应填“男”或“女”")),
            Some(g) => {
                if let Some(id) = &id_number
                    && id.gender() != g
                {
                    fail(GENDER, format!("性别与身份证号不符（身份证号显示为{}）", id.gender().label()));
                }
            }
        }
    }

    if !is_blank(cell(BIRTH_DATE)) {
        match parse_date(cell(BIRTH_DATE)) {
            None => fail(BIRTH_DATE, "出生日期格式错误，应为 1990-01-02、1990/1/2 或 19900102".into()),
            Some(d) => {
                if let Some(id) = &id_number
                    && id.birth_date() != d
                {
                    fail(
                        BIRTH_DATE,
                        format!("出生日期与身份证号不符（身份证号中为 {}）", id.birth_date().format("%Y-%m-%d")),
                    );
                }
            }
        }
    }

    let phone = if phone.is_empty() {
        None
    } else {
        match Phone::parse(&phone) {
            Ok(p) => Some(p),
            Err(e) => {
                fail(PHONE, e.to_string());
                None
            }
        }
    };

    if !grid.is_empty() && !RegionCode::parse(&grid).is_ok_and(|c| c.level() == RegionLevel::Grid) {
        fail(GRID, format!("网格编码“{grid}”无效，应为 15 位数字"));
    }
    if building.chars().count() > MAX_TEXT_CHARS * 2 {
        fail(BUILDING, "楼栋名称过长".into());
    }
    let unit_no = if unit.is_empty() {
        0
    } else {
        match unit.trim_end_matches("单元").trim().parse::<i64>().ok().filter(|u| (1..=999).contains(u)) {
            Some(u) => u,
            None => {
                fail(UNIT, format!("单元“{unit}”无效，应为正整数（如 1）"));
                0
            }
        }
    };
    if room.chars().count() > MAX_TEXT_CHARS {
        fail(ROOM, format!("房号过长（最多 {MAX_TEXT_CHARS} 个字）"));
    }
    let relation = if relation.is_empty() {
        DEFAULT_RELATION.to_string()
    } else if relation.chars().count() > MAX_TEXT_CHARS {
        fail(RELATION, format!("与户主关系过长（最多 {MAX_TEXT_CHARS} 个字）"));
        String::new()
    } else {
        relation
    };
    let tags = split_tags(&tags);
    if let Some(t) = tags.iter().find(|t| t.chars().count() > MAX_TEXT_CHARS) {
        fail(TAGS, format!("标签“{t}”过长（最多 {MAX_TEXT_CHARS} 个字）"));
    }

    if !ok {
        return None;
    }
    Some(Row { excel_row, name, id_number: id_number?, phone, grid, building, unit_no, room_no: room, relation, tags })
}

fn household_address(b: &Building, unit_no: i64, room_no: &str) -> String {
    let room = room_no.trim_end_matches('室');
    format!("{}{}单元{}室", b.address, unit_no, room)
}
