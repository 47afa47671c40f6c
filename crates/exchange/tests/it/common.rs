//! Fixtures shared by the exchange tests: a small region tree with square community
//! boundaries, two grids with buildings, GeoJSON and xlsx builders, and a snapshot of what the
//! database holds (to prove a failed import wrote nothing).

#![allow(dead_code)]

use chrono::NaiveDate;
use serde_json::{Value, json};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::people::idcard::IdNumber;
use tongxin_store::places::NewBuilding;
use tongxin_store::{Actor, Page, Store};
use tongxin_testkit::{World, rect};

pub const DISTRICT: &str = "330702";
pub const STREET: &str = "330702001";
/// 东风社区: the square 119.60–119.62 E, 29.00–29.02 N.
pub const COMMUNITY: &str = "330702001001";
/// 西湖社区: the square east of it, 119.62–119.64 E.
pub const COMMUNITY_EAST: &str = "330702001002";
/// 无界社区: no boundary stored.
pub const COMMUNITY_OPEN: &str = "330702001003";
/// A community of another street, outside a street-scoped user.
pub const OTHER_STREET: &str = "330702002";
pub const OTHER_COMMUNITY: &str = "330702002001";

/// Grids inserted by [`with_grids`]: the west and east halves of 东风社区.
pub const GRID_WEST: &str = "330702001001001";
pub const GRID_EAST: &str = "330702001001002";
/// A grid of the other street (for scope tests).
pub const GRID_OTHER: &str = "330702002001001";

pub fn actor() -> Actor {
    Actor { user_id: Some(1), name: "测试管理员".into() }
}

pub fn street_scope() -> Scope {
    Scope::Region { code: RegionCode::parse(STREET).unwrap() }
}

pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

/// District, two streets, three communities of the first street (two with square boundaries)
/// and one of the second.
pub async fn regions(store: &Store) {
    World::new(store)
        .district(DISTRICT, "婺城区")
        .street(STREET, "城东街道")
        .street(OTHER_STREET, "城西街道")
        .community(COMMUNITY, "东风社区")
        .bounded(rect(119.60, 29.00, 119.62, 29.02))
        .community(COMMUNITY_EAST, "西湖社区")
        .bounded(rect(119.62, 29.00, 119.64, 29.02))
        .community(COMMUNITY_OPEN, "无界社区")
        .community(OTHER_COMMUNITY, "城西社区")
        .bounded(rect(119.50, 29.00, 119.52, 29.02))
        .build()
        .await;
}

/// [`regions`] plus two grids of 东风社区 and one of 城西社区, with buildings:
/// 1 = 1幢 and 2 = 2幢 in the west grid, 3 = 1幢 in the east grid, 4 = 1幢 in the other street.
pub async fn with_grids(store: &Store) {
    regions(store).await;
    let building = |id: i64, grid: &str, name: &str, lng: f64| NewBuilding {
        id,
        grid_code: grid.into(),
        name: name.into(),
        address: format!("东风路 {id} 号{name}"),
        lng,
        lat: 29.01,
        floors: 6,
        units: 3,
        qr_token: format!("qr-{id}"),
    };
    World::new(store)
        .grid(GRID_WEST, "东风一网格")
        .bounded(rect(119.60, 29.00, 119.61, 29.02))
        .grid(GRID_EAST, "东风二网格")
        .bounded(rect(119.61, 29.00, 119.62, 29.02))
        .grid(GRID_OTHER, "城西一网格")
        .bounded(rect(119.50, 29.00, 119.51, 29.02))
        .building(building(1, GRID_WEST, "1幢", 119.603))
        .building(building(2, GRID_WEST, "2幢", 119.606))
        .building(building(3, GRID_EAST, "1幢", 119.615))
        .building(building(4, GRID_OTHER, "1幢", 119.505))
        .build()
        .await;
}

pub fn feature(code: &str, name: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry})
}

pub fn collection(features: Vec<Value>) -> Vec<u8> {
    json!({"type": "FeatureCollection", "features": features}).to_string().into_bytes()
}

/// What the database holds, to compare before and after a refused import.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub regions: Vec<(String, i64)>,
    pub residents: i64,
    pub households: i64,
    pub audit: i64,
    pub geometry_revision: i64,
}

pub async fn snapshot(store: &Store) -> Snapshot {
    Snapshot {
        regions: store.regions().count_by_level().await.unwrap(),
        residents: store.residents().count().await.unwrap(),
        households: store.places().households(&Scope::All, None, None, Page::default()).await.unwrap().total,
        audit: store.audit().verify().await.unwrap().expect("intact chain"),
        geometry_revision: store.regions().geometry_revision().await.unwrap(),
    }
}

pub fn id(birth: (i32, u32, u32), seq: u16) -> IdNumber {
    IdNumber::compose("330702", NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(), seq)
}

/// A cell of a test workbook.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Num(f64),
    Date(u16, u8, u8),
    Empty,
}

pub fn txt(s: &str) -> Cell {
    Cell::Text(s.into())
}

pub const HEADERS: [&str; 11] =
    ["姓名", "性别", "出生日期", "身份证号", "手机号", "网格编码", "楼栋", "单元", "房号", "与户主关系", "标签"];

/// A workbook whose first row is `headers` and then `rows`.
pub fn xlsx(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy/m/d");
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                Cell::Num(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Cell::Date(y, m, d) => {
                    let day = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    sheet.write_datetime_with_format(r, c, &day, &date).unwrap();
                }
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// A full row in [`HEADERS`] order.
pub fn person(name: &str, id: &IdNumber, grid: &str, building: &str, unit: f64, room: &str) -> Vec<Cell> {
    vec![
        txt(name),
        Cell::Empty,
        Cell::Empty,
        txt(id.as_str()),
        Cell::Empty,
        txt(grid),
        txt(building),
        Cell::Num(unit),
        txt(room),
        Cell::Empty,
        Cell::Empty,
    ]
}

/// The row with the cell under `header` replaced.
pub fn with(mut row: Vec<Cell>, header: &str, cell: Cell) -> Vec<Cell> {
    let i = HEADERS.iter().position(|h| *h == header).unwrap();
    row[i] = cell;
    row
}

/// The first sheet of a workbook as text cells (for checking exports).
pub fn read_sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::DateTime(dt) => {
                        let (y, m, d, ..) = dt.to_ymd_hms_milli();
                        format!("{y:04}-{m:02}-{d:02}")
                    }
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
