//! 12345 热线工单导入: a CSV file of work orders (UTF-8, with or without a byte-order mark,
//! Chinese headers) becomes cases of the hotline channel. Every row is checked first and every
//! problem reported with its row and column (“第 5 行【联系电话】：…”); only a file without any
//! problem is written, all of it in one transaction — nothing is half-imported.
//!
//! Columns (any order; a trailing `*` on a header is ignored): 工单编号*, 来电时间*, 诉求类别*
//! (name, code or “上级/名称”), 诉求内容*, 地址, 经度, 纬度, 网格编码, 联系人, 联系电话, 紧急程度
//! (紧急/水电气热/一般/复杂; default: the category's). The location is the point (经度+纬度) if
//! given, else the grid (网格编码), else — in an installation of one street — the address alone.
//!
//! The 工单编号 heads the case title (“【12345-…】”) and is the case's dedupe key
//! (`12345:{工单编号}`), so an order already imported, by this file or an earlier one, is refused.
//! Each case is routed and, if its rule says so, dispatched at once, exactly as intake does.

use super::config::CaseConfig;
use super::{CaseError, CaseService};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use tongxin_domain::case::deadline::Urgency;
use tongxin_domain::case::{CaseState, Category, Channel};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::text::{Address, Description, PersonName, TextError};
use tongxin_domain::places::LngLat;
use tongxin_store::accounts::User;
use tongxin_store::cases::write::{Intake, NewCase, NewEvent};
use tongxin_store::{Actor as StoreActor, StoreError};

/// Rows per file at most (one transaction).
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// Lines of a file at most (data rows, blank lines and the header), and fields of a line.
pub const MAX_CSV_RECORDS: usize = 2 * MAX_IMPORT_ROWS + 1;
pub const MAX_CSV_FIELDS: usize = 100;
/// At most this many row errors are listed; the rest are counted.
pub const MAX_IMPORT_ERRORS: usize = 200;
/// The dedupe key prefix of imported work orders.
pub const ORDER_KEY_PREFIX: &str = "12345:";

const ORDER_NO: &str = "工单编号";
const CALLED_AT: &str = "来电时间";
const CATEGORY: &str = "诉求类别";
const CONTENT: &str = "诉求内容";
const ADDRESS: &str = "地址";
const LNG: &str = "经度";
const LAT: &str = "纬度";
const GRID: &str = "网格编码";
const CONTACT: &str = "联系人";
const PHONE: &str = "联系电话";
const URGENCY: &str = "紧急程度";

/// The columns, in the order of the template; the first four are required.
pub const HOTLINE_COLUMNS: [&str; 11] =
    [ORDER_NO, CALLED_AT, CATEGORY, CONTENT, ADDRESS, LNG, LAT, GRID, CONTACT, PHONE, URGENCY];
const REQUIRED: [&str; 4] = [ORDER_NO, CALLED_AT, CATEGORY, CONTENT];

fn canonical_header(raw: &str) -> Option<&'static str> {
    let h = raw.trim().trim_end_matches(['*', '＊']).trim();
    let h = match h {
        "工单号" | "工单编码" => ORDER_NO,
        "受理时间" | "来电日期" => CALLED_AT,
        "诉求分类" | "问题类别" | "类别" => CATEGORY,
        "问题描述" | "诉求描述" | "内容" => CONTENT,
        "诉求地址" | "事发地址" => ADDRESS,
        "手机号" | "电话" | "联系电话号码" => PHONE,
        "联系人姓名" | "来电人" => CONTACT,
        other => other,
    };
    HOTLINE_COLUMNS.into_iter().find(|c| *c == h)
}

/// One problem in one row (numbered as a spreadsheet numbers it: the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRowError {
    /// "第 5 行".
    pub position: String,
    /// The column concerned, if one is.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}【{}】：{}", self.position, field, self.message),
            None => write!(f, "{}：{}", self.position, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HotlineImportError {
    /// The file as a whole is unusable (not UTF-8, no header, unclosed quote, no rows).
    #[error("导入失败，未写入任何数据：{0}")]
    Malformed(String),
    /// Rows with problems; nothing was written.
    #[error("{}", list_errors(.0))]
    Rows(Vec<ImportRowError>),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl HotlineImportError {
    pub fn rows(&self) -> &[ImportRowError] {
        match self {
            HotlineImportError::Rows(rows) => rows,
            _ => &[],
        }
    }
}

fn list_errors(rows: &[ImportRowError]) -> String {
    let mut out = String::from("导入失败，未写入任何数据：");
    for r in rows {
        out.push('\n');
        out.push_str(&r.to_string());
    }
    out
}

/// One case written by an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedCase {
    /// The file's row (header = 1).
    pub row: usize,
    pub order_no: String,
    pub id: i64,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotlineImportReport {
    /// Cases created.
    pub imported: usize,
    /// Of those, dispatched at once by an automatic routing rule.
    pub auto_dispatched: usize,
    /// Orders a concurrent import wrote between our check and our write (not written twice).
    pub already_imported: Vec<String>,
    pub cases: Vec<ImportedCase>,
}

/// Collects row errors up to [`MAX_IMPORT_ERRORS`].
#[derive(Default)]
struct Errors {
    list: Vec<ImportRowError>,
    more: usize,
}

impl Errors {
    fn push(&mut self, row: usize, field: Option<&str>, message: impl Into<String>) {
        if self.list.len() < MAX_IMPORT_ERRORS {
            self.list.push(ImportRowError {
                position: format!("第 {row} 行"),
                field: field.map(String::from),
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    fn finish(self) -> Result<(), HotlineImportError> {
        if self.list.is_empty() {
            return Ok(());
        }
        let mut list = self.list;
        if self.more > 0 {
            list.push(ImportRowError {
                position: "其余".into(),
                field: None,
                message: format!("另有 {} 处错误未列出，请改正以上错误后重新导入", self.more),
            });
        }
        Err(HotlineImportError::Rows(list))
    }
}

/// The records of a CSV text (RFC 4180: quoted fields may hold commas, doubled quotes and line
/// breaks; CRLF, LF or CR line ends). Each record is one spreadsheet row, blank ones included.
///
/// Written here rather than with the `csv` crate on purpose: that reader skips blank lines (the
/// row numbers in our error messages would stop matching the spreadsheet the clerk has open),
/// ends an unterminated quoted field silently at the end of the file (swallowing every later
/// row into one cell instead of refusing the file), and cannot stop at a record or field
/// budget before allocating (issue 9, item 5).
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    // Budgets (issue 9, item 5): a file of blank lines or of commas must not become millions of
    // allocations before the row limit is looked at.
    let too_many_lines =
        || format!("文件行数过多：每次最多导入 {MAX_IMPORT_ROWS} 条工单（空行也计入，最多 {MAX_CSV_RECORDS} 行）");
    let too_many_columns = |line: usize| format!("第 {line} 行的列数过多（最多 {MAX_CSV_FIELDS} 列）");
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\r' if chars.peek() == Some(&'\n') => {}
                c => {
                    if c == '\n' || c == '\r' {
                        line += 1;
                    }
                    field.push(if c == '\r' { '\n' } else { c });
                }
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
                quote_line = line;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                if record.len() >= MAX_CSV_FIELDS {
                    return Err(too_many_columns(line));
                }
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                if records.len() > MAX_CSV_RECORDS {
                    return Err(too_many_lines());
                }
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("第 {quote_line} 行（按文本行计）起的引号没有闭合"));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// 来电时间 as a spreadsheet or a 12345 system writes it, in Shanghai time.
fn parse_called_at(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    const WITH_TIME: [&str; 7] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
    ];
    let local = WITH_TIME.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok()).or_else(|| {
        ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    tongxin_domain::kernel::clock::from_shanghai(local)
}

/// A cell's value as quoted in a message: at most 40 characters, control characters shown as
/// `�`, so a hostile cell cannot make the error list huge or carry NUL (issue 9, item 4).
fn shown(raw: &str) -> String {
    let mut out: String = raw.chars().take(40).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    if raw.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

fn valid_order_no(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn default_title(description: &str) -> String {
    let first_line = description.lines().next().unwrap_or("").trim();
    let mut title: String = first_line.chars().take(24).collect();
    if first_line.chars().count() > 24 {
        title.push('…');
    }
    title
}

/// Category by code, name, or “上级名称/名称”.
fn find_category<'a>(cfg: &'a CaseConfig, raw: &str) -> Result<&'a Category, String> {
    let s = raw.trim();
    if let Some(c) = cfg.categories.get(s) {
        return Ok(c);
    }
    let (parent, name) = match s.rsplit_once(['/', '／', '>', '＞']) {
        Some((p, n)) => (Some(p.trim()), n.trim()),
        None => (None, s),
    };
    let parent_name = |c: &Category| c.parent.as_ref().and_then(|p| cfg.categories.get(p)).map(|p| p.name.as_str());
    let mut found: Vec<&Category> = cfg
        .categories
        .values()
        .filter(|c| c.name == name && parent.is_none_or(|p| parent_name(c) == Some(p)))
        .collect();
    found.sort_by(|a, b| a.code.cmp(&b.code));
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("未知的诉求类别“{}”，请填写系统中的类别名称或代码", shown(s))),
        many => Err(format!(
            "类别名称“{}”对应多个类别，请写成“上级类别/{name}”或填写类别代码（{}）",
            shown(s),
            many.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join("、")
        )),
    }
}

/// Where one row's matter is.
struct Where {
    street_code: String,
    grid_code: Option<String>,
    building_id: Option<i64>,
    point: Option<(f64, f64)>,
}

/// One data row, by column.
struct Row<'a> {
    number: usize,
    cells: HashMap<&'static str, &'a str>,
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        self.cells.get(col).map_or("", |s| s.trim())
    }
}

/// Imports are serialised within a process so two uploads of one file cannot both pass the
/// duplicate check (across processes the store's dedupe window still keeps a case from being
/// written twice).
static IMPORT_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl CaseService {
    /// Imports a 12345 work-order CSV on behalf of a staff user (rows outside the user's scope
    /// are refused).
    pub async fn import_hotline_csv(
        &self,
        actor: &User,
        csv: &[u8],
    ) -> Result<HotlineImportReport, HotlineImportError> {
        self.import_hotline(Some(actor), csv).await
    }

    /// The same from the command line: the whole installation, no user.
    pub async fn import_hotline_csv_as_system(&self, csv: &[u8]) -> Result<HotlineImportReport, HotlineImportError> {
        self.import_hotline(None, csv).await
    }

    async fn import_hotline(&self, user: Option<&User>, csv: &[u8]) -> Result<HotlineImportReport, HotlineImportError> {
        let malformed = |m: &str| HotlineImportError::Malformed(m.to_string());
        let text = std::str::from_utf8(csv)
            .map_err(|_| malformed("文件须为 UTF-8 编码的 CSV（在 Excel 中请“另存为 → CSV UTF-8（逗号分隔）”）"))?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let records = parse_csv(text).map_err(|m| malformed(&m))?;
        let mut records = records.iter().enumerate();
        let Some((_, header)) = records.next() else {
            return Err(malformed("文件是空的"));
        };
        let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(header.len());
        for h in header {
            let c = canonical_header(h);
            if let Some(c) = c
                && columns.contains(&Some(c))
            {
                return Err(malformed(&format!("表头中“{c}”出现了两次")));
            }
            columns.push(c);
        }
        let missing: Vec<&str> = REQUIRED.into_iter().filter(|r| !columns.contains(&Some(*r))).collect();
        if !missing.is_empty() {
            return Err(malformed(&format!(
                "第 1 行应为表头，缺少必填列：{}（可用的列：{}）",
                missing.join("、"),
                HOTLINE_COLUMNS.join("、")
            )));
        }
        let mut errors = Errors::default();
        let mut rows = Vec::new();
        for (i, record) in records {
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let number = i + 1;
            if record.len() > columns.len() && record[columns.len()..].iter().any(|f| !f.trim().is_empty()) {
                errors.push(number, None, format!("有 {} 列，多于表头的 {} 列", record.len(), columns.len()));
                continue;
            }
            let cells = columns.iter().zip(record).filter_map(|(c, v)| c.map(|c| (c, v.as_str()))).collect();
            rows.push(Row { number, cells });
        }
        if rows.is_empty() && errors.list.is_empty() {
            return Err(malformed("文件中没有工单数据"));
        }
        if rows.len() > MAX_IMPORT_ROWS {
            return Err(malformed(&format!(
                "共 {} 条工单，超过单次导入上限 {MAX_IMPORT_ROWS} 条，请分批导入",
                rows.len()
            )));
        }

        let _serial = IMPORT_LOCK.lock().await;
        let cfg = self.config();
        let scope = user.map_or(Scope::All, |u| u.scope.clone());
        let keys: Vec<String> = rows
            .iter()
            .map(|r| r.get(ORDER_NO))
            .filter(|n| valid_order_no(n))
            .map(|n| format!("{ORDER_KEY_PREFIX}{n}"))
            .collect();
        let imported_before = self.store.cases().existing_dedupe_keys(&keys).await?;
        let locator = self.locator.get(&self.store).await?;
        let needs_grid_list = rows.iter().any(|r| !r.get(GRID).is_empty());
        let grids: HashSet<String> = if needs_grid_list {
            self.store
                .regions()
                .in_scope(&Scope::All, true)
                .await?
                .into_iter()
                .filter(|r| r.level == "grid")
                .map(|r| r.code)
                .collect()
        } else {
            HashSet::new()
        };
        let now = self.store.now();
        let mut first_row_of: HashMap<&str, usize> = HashMap::new();
        let mut batch = Vec::with_capacity(rows.len());
        let mut meta = Vec::with_capacity(rows.len());
        for row in &rows {
            let n = row.number;
            let before = errors.list.len() + errors.more;
            // 工单编号
            let order_no = row.get(ORDER_NO);
            if order_no.is_empty() {
                errors.push(n, Some(ORDER_NO), "不能为空");
            } else if !valid_order_no(order_no) {
                errors.push(n, Some(ORDER_NO), "只能由字母、数字、“-”和“_”组成，不超过 64 个字符");
            } else if let Some(first) = first_row_of.get(order_no) {
                errors.push(n, Some(ORDER_NO), format!("与第 {first} 行的工单编号 {order_no} 重复"));
            } else {
                first_row_of.insert(order_no, n);
                if imported_before.contains(&format!("{ORDER_KEY_PREFIX}{order_no}")) {
                    errors.push(n, Some(ORDER_NO), format!("工单 {order_no} 已导入过，请勿重复导入"));
                }
            }
            // 来电时间
            let called_raw = row.get(CALLED_AT);
            let called_at = if called_raw.is_empty() {
                errors.push(n, Some(CALLED_AT), "不能为空");
                None
            } else {
                match parse_called_at(called_raw) {
                    None => {
                        errors.push(
                            n,
                            Some(CALLED_AT),
                            format!(
                                "“{}”不是有效的时间，应如 2026-11-20 08:30 或 2026/11/20 8:30:00",
                                shown(called_raw)
                            ),
                        );
                        None
                    }
                    Some(t) if t > now + chrono::Duration::minutes(5) => {
                        errors.push(n, Some(CALLED_AT), format!("“{}”晚于当前时间", shown(called_raw)));
                        None
                    }
                    Some(t) => Some(t),
                }
            };
            // 诉求类别, 紧急程度
            let category = match row.get(CATEGORY) {
                "" => {
                    errors.push(n, Some(CATEGORY), "不能为空");
                    None
                }
                raw => find_category(&cfg, raw).map_err(|m| errors.push(n, Some(CATEGORY), m)).ok(),
            };
            let urgency = match row.get(URGENCY) {
                "" => None,
                raw => match Urgency::parse(raw) {
                    Some(u) => Some(u),
                    None => {
                        errors.push(
                            n,
                            Some(URGENCY),
                            format!("“{}”无效，应为 紧急、水电气热、一般 或 复杂", shown(raw)),
                        );
                        None
                    }
                },
            };
            // 诉求内容
            // Every text within its bound, without NUL or control characters (issue 9, items 4, 13).
            let content = match Description::named(CONTENT, row.get(CONTENT)) {
                Ok(c) => c.into_string(),
                Err(TextError::Required { .. }) => {
                    errors.push(n, Some(CONTENT), "不能为空");
                    String::new()
                }
                Err(e) => {
                    errors.push(n, Some(CONTENT), e.to_string());
                    String::new()
                }
            };
            // 联系人, 联系电话
            let contact = match PersonName::optional_named(CONTACT, row.get(CONTACT)) {
                Ok(c) => c.map(String::from).unwrap_or_default(),
                Err(e) => {
                    errors.push(n, Some(CONTACT), e.to_string());
                    String::new()
                }
            };
            let phone = match row.get(PHONE) {
                "" => None,
                raw => match Phone::parse(raw) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        errors.push(n, Some(PHONE), format!("“{}”无效：{e}", shown(raw)));
                        None
                    }
                },
            };
            // 位置
            let address = match Address::optional_named(ADDRESS, row.get(ADDRESS)) {
                Ok(a) => a.map(String::from).unwrap_or_default(),
                Err(e) => {
                    errors.push(n, Some(ADDRESS), e.to_string());
                    String::new()
                }
            };
            let located = self.locate_row(row, &cfg, &locator, &grids, &address, &mut errors);
            if let Some(at) = &located {
                let covered = at.grid_code.as_deref().unwrap_or(&at.street_code);
                if !scope.covers_place(covered) {
                    errors.push(n, None, format!("位置（{covered}）不在您的管辖范围内"));
                }
            }
            if errors.list.len() + errors.more > before {
                continue;
            }
            let (Some(category), Some(at), Some(called_at)) = (category, located, called_at) else {
                continue;
            };
            match build_case(
                &cfg,
                category,
                urgency,
                at,
                now,
                user,
                HotlineRow { order_no, called_at, content, address, contact: &contact, phone },
            ) {
                Ok((case, dispatched)) => {
                    batch.push(case);
                    meta.push((n, order_no.to_string(), dispatched));
                }
                Err(e) => errors.push(n, None, format!("无法受理：{e}")),
            }
        }
        errors.finish()?;

        let results = self.store.cases().insert(&batch).await?;
        let mut report =
            HotlineImportReport { imported: 0, auto_dispatched: 0, already_imported: Vec::new(), cases: Vec::new() };
        for (result, (row, order_no, dispatched)) in results.into_iter().zip(meta) {
            match result {
                Intake::Created { id, code } => {
                    report.imported += 1;
                    report.auto_dispatched += usize::from(dispatched);
                    report.cases.push(ImportedCase { row, order_no, id, code });
                }
                Intake::Duplicate { .. } => report.already_imported.push(order_no),
            }
        }
        tracing::info!(
            imported = report.imported,
            auto_dispatched = report.auto_dispatched,
            by = user.map_or("system", |u| u.username.as_str()),
            "12345 work orders imported"
        );
        Ok(report)
    }

    /// The row's location from 经度/纬度, else 网格编码, else the address in a one-street
    /// installation; problems go to `errors`.
    fn locate_row(
        &self,
        row: &Row<'_>,
        cfg: &CaseConfig,
        locator: &crate::locator::Located,
        grids: &HashSet<String>,
        address: &str,
        errors: &mut Errors,
    ) -> Option<Where> {
        let n = row.number;
        let street_of = |grid: &str| grid[..9].to_string();
        let (lng_raw, lat_raw, grid_raw) = (row.get(LNG), row.get(LAT), row.get(GRID));
        let coordinate = |raw: &str, field: &str, range: std::ops::RangeInclusive<f64>, errors: &mut Errors| match raw
            .parse::<f64>(
        ) {
            Ok(v) if v.is_finite() && range.contains(&v) => Some(v),
            _ => {
                errors.push(
                    n,
                    Some(field),
                    format!("“{}”无效，应为 {} 到 {} 之间的十进制度数", shown(raw), range.start(), range.end()),
                );
                None
            }
        };
        match (lng_raw.is_empty(), lat_raw.is_empty()) {
            (false, false) => {
                let lng = coordinate(lng_raw, LNG, -180.0..=180.0, errors);
                let lat = coordinate(lat_raw, LAT, -90.0..=90.0, errors);
                let (lng, lat) = (lng?, lat?);
                let p = LngLat { x: lng, y: lat };
                let Some(grid) = locator.grids.locate(p).map(|i| locator.info[i].code.clone()) else {
                    errors.push(n, Some(LNG), format!("坐标（{lng}, {lat}）不在本平台服务的网格范围内"));
                    return None;
                };
                if !grid_raw.is_empty() && grid_raw != grid {
                    errors.push(n, Some(GRID), format!("{} 与经纬度所在的网格 {grid} 不一致", shown(grid_raw)));
                    return None;
                }
                let building = locator.buildings.nearest_within(p, crate::locator::BUILDING_RADIUS_M).map(|(id, _)| id);
                Some(Where {
                    street_code: street_of(&grid),
                    grid_code: Some(grid),
                    building_id: building,
                    point: Some((lng, lat)),
                })
            }
            (true, false) | (false, true) => {
                let missing = if lng_raw.is_empty() { LNG } else { LAT };
                errors.push(n, Some(missing), "经度和纬度须同时填写");
                None
            }
            (true, true) if !grid_raw.is_empty() => {
                if grids.contains(grid_raw) {
                    Some(Where {
                        street_code: street_of(grid_raw),
                        grid_code: Some(grid_raw.to_string()),
                        building_id: None,
                        point: None,
                    })
                } else {
                    errors.push(n, Some(GRID), format!("网格 {} 不存在", shown(grid_raw)));
                    None
                }
            }
            (true, true) => match (&cfg.sole_street, address.is_empty()) {
                (Some(street), false) => {
                    Some(Where { street_code: street.clone(), grid_code: None, building_id: None, point: None })
                }
                _ => {
                    errors.push(n, Some(ADDRESS), "请填写经纬度或网格编码，以便确定诉求所在网格");
                    None
                }
            },
        }
    }
}

/// A checked row's data.
struct HotlineRow<'a> {
    order_no: &'a str,
    called_at: DateTime<Utc>,
    content: String,
    address: String,
    contact: &'a str,
    phone: Option<Phone>,
}

/// The case to write for a checked row (as intake builds one: route, maybe dispatch at once,
/// deadlines, events and notices) and whether it was dispatched.
fn build_case(
    cfg: &CaseConfig,
    category: &Category,
    urgency: Option<Urgency>,
    at: Where,
    now: DateTime<Utc>,
    user: Option<&User>,
    r: HotlineRow<'_>,
) -> Result<(NewCase, bool), CaseError> {
    let urgency = urgency.unwrap_or(category.urgency);
    let initial = CaseState::new(Channel::Hotline);
    let decision = super::intake::auto_dispatch(cfg, &initial, &category.code, at.grid_code.as_deref(), now)?;
    let facts = super::intake::new_case_facts(&at.street_code, at.grid_code.as_deref(), urgency, r.phone.is_some());
    let dispatched = decision.is_some();
    let (state, mut effects, version) = super::intake::first_state(cfg, &facts, &initial, decision, now);
    let called_local = tongxin_domain::kernel::clock::shanghai(r.called_at).format("%Y-%m-%d %H:%M").to_string();
    let importer = user.map_or("命令行", |u| u.username.as_str());
    effects.events.insert(
        0,
        NewEvent {
            kind: "received".into(),
            unit: None,
            note: format!("12345热线工单导入：工单编号 {}，来电时间 {called_local}，导入人 {importer}", r.order_no),
            data: serde_json::json!({
                "source": "12345",
                "order_no": r.order_no,
                "called_at": r.called_at,
                "imported_by": user.map(|u| u.id),
            })
            .to_string(),
        },
    );
    let title = format!("【12345-{}】{}", r.order_no, default_title(&r.content));
    let search_words = tongxin_store::cases::search::index_words(&[&title, &r.content, &r.address]);
    let case = NewCase {
        search_words,
        street_code: at.street_code,
        grid_code: at.grid_code,
        building_id: at.building_id,
        category_code: category.code.clone(),
        kind: category.kind.as_str().into(),
        urgency: urgency.as_str().into(),
        channel: Channel::Hotline.as_str().into(),
        title,
        dedupe_key: format!("{ORDER_KEY_PREFIX}{}", r.order_no),
        description: r.content,
        address: r.address,
        point: at.point,
        requester_name: (!r.contact.is_empty()).then(|| r.contact.to_string()),
        phone: r.phone,
        created_by: user.map(|u| u.id),
        actor: StoreActor::system("12345"),
        state,
        version,
        effects,
    };
    Ok((case, dispatched))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongxin_testkit::RngExt;

    /// Issue 9, item 5: random text never panics the parser, and its output stays within budget.
    #[test]
    fn csv_parser_budgets_and_random_text() {
        assert!(parse_csv(&"\n".repeat(MAX_CSV_RECORDS + 1)).unwrap_err().contains("行数过多"));
        assert!(parse_csv(&",".repeat(MAX_CSV_FIELDS)).unwrap_err().contains("列数过多"));
        assert_eq!(parse_csv(&"\n".repeat(MAX_CSV_RECORDS)).unwrap().len(), MAX_CSV_RECORDS);
        let alphabet = ['a', '字', ',', '"', '\n', '\r', ' ', '\0', '\u{FEFF}'];
        let mut rng = tongxin_testkit::seeded_rng(11);
        for _ in 0..2_000 {
            let len = (rng.random::<u64>() % 60) as usize;
            let text: String = (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect();
            if let Ok(records) = parse_csv(&text) {
                assert!(records.len() <= text.len() + 1);
                assert!(records.iter().all(|r| r.len() <= MAX_CSV_FIELDS));
            }
        }
        let long = "长".repeat(100);
        assert_eq!(shown(&long).chars().count(), 41);
        assert_eq!(shown("a\0b"), "a\u{FFFD}b");
    }

    #[test]
    fn csv_fields_quotes_and_line_breaks() {
        let text = "a,b,c\r\n1,\"x, y\",\"he said \"\"hi\"\"\"\n2,\"two\nlines\",\r\n\n3";
        let r = parse_csv(text).unwrap();
        assert_eq!(
            r,
            vec![
                vec!["a", "b", "c"],
                vec!["1", "x, y", "he said \"hi\""],
                vec!["2", "two\nlines", ""],
                vec![""],
                vec!["3"],
            ]
        );
        assert_eq!(parse_csv("a,b\n").unwrap(), vec![vec!["a", "b"]]);
        assert_eq!(parse_csv("a\r\"b\r\nc\"").unwrap(), vec![vec!["a"], vec!["b\nc"]]);
        assert!(parse_csv("a,\"b\nc").unwrap_err().contains("第 1 行"));
        assert_eq!(parse_csv("").unwrap(), Vec::<Vec<String>>::new());
    }

    #[test]
    fn call_times_in_shanghai() {
        let t = parse_called_at("2026-11-20 08:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T00:30:00+00:00");
        assert_eq!(parse_called_at("2026/11/2 8:05:09").unwrap().to_rfc3339(), "2026-11-02T00:05:09+00:00");
        assert_eq!(parse_called_at("2026年11月20日 08:30").unwrap(), t);
        assert!(parse_called_at("2026-11-20").is_some());
        for bad in ["2026-13-01 08:00", "昨天", "2026-11-20 25:00", "20/11/2026"] {
            assert!(parse_called_at(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn headers_and_order_numbers() {
        assert_eq!(canonical_header(" 工单编号* "), Some(ORDER_NO));
        assert_eq!(canonical_header("手机号"), Some(PHONE));
        assert_eq!(canonical_header("备注"), None);
        assert!(valid_order_no("BJ20261120-0001"));
        assert!(!valid_order_no("BJ 1"));
        assert!(!valid_order_no(""));
    }
}
