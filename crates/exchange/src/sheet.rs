//! The resident workbook's columns and how its cells are read.

use calamine::{Data, DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::io::Cursor;

/// The largest sheet read (issue 9, item 5): a cell beyond row 200,000 or column 100 (CV) is
/// refused before anything is allocated for it, and so is a sheet of more than 2,000,000 cells.
/// (calamine's own range reader allocates the whole bounding box: one cell at A1 and one at
/// XFD1048576 asked for 549 GB.)
pub const MAX_SHEET_ROWS: u32 = 200_000;
pub const MAX_SHEET_COLUMNS: u32 = 100;
pub const MAX_SHEET_CELLS: usize = 2_000_000;
/// The largest workbook, unpacked: the sum of the sizes its zip directory declares.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// Why a sheet could not be read, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SheetError {
    NotXlsx,
    NoSheet,
    TooLarge(String),
}

/// The non-empty cells of a sheet, by row; rows are made dense one at a time.
pub(crate) struct Sheet {
    rows: BTreeMap<u32, Vec<(u32, Data)>>,
    left: u32,
    right: u32,
}

impl Sheet {
    /// The first sheet of a workbook, its size checked cell by cell while it is read.
    pub(crate) fn first_of(xlsx: &[u8]) -> Result<Sheet, SheetError> {
        check_unpacked_size(xlsx)?;
        // calamine 0.38 computes cell coordinates with unchecked arithmetic (`r="A99999999999"`
        // overflows: a panic in a debug build, a wrapped number in a release one). A panic in
        // the reader is a file we cannot read, not a crash of the request (issue 9, items 5, 9).
        std::panic::catch_unwind(|| Sheet::read(xlsx)).unwrap_or(Err(SheetError::NotXlsx))
    }

    fn read(xlsx: &[u8]) -> Result<Sheet, SheetError> {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).map_err(|_| SheetError::NotXlsx)?;
        let name = book.sheet_names().first().cloned().ok_or(SheetError::NoSheet)?;
        let mut reader = book.worksheet_cells_reader(&name).map_err(|_| SheetError::NotXlsx)?;
        let mut rows: BTreeMap<u32, Vec<(u32, Data)>> = BTreeMap::new();
        let (mut left, mut right, mut count) = (u32::MAX, 0u32, 0usize);
        while let Some(cell) = reader.next_cell().map_err(|_| SheetError::NotXlsx)? {
            let (row, col) = cell.get_position();
            if matches!(cell.get_value(), DataRef::Empty) {
                continue;
            }
            if row >= MAX_SHEET_ROWS {
                return Err(SheetError::TooLarge(format!(
                    "工作表过大：第 {} 行有内容，最多读取 {MAX_SHEET_ROWS} 行，请删除多余的行或分批导入",
                    u64::from(row) + 1
                )));
            }
            if col >= MAX_SHEET_COLUMNS {
                return Err(SheetError::TooLarge(format!(
                    "工作表过大：第 {} 列有内容，最多读取 {MAX_SHEET_COLUMNS} 列，请删除多余的列",
                    u64::from(col) + 1
                )));
            }
            count += 1;
            if count > MAX_SHEET_CELLS {
                return Err(SheetError::TooLarge(format!("工作表过大：超过 {MAX_SHEET_CELLS} 个单元格，请分批导入")));
            }
            left = left.min(col);
            right = right.max(col);
            rows.entry(row).or_default().push((col, cell.get_value().clone().into()));
        }
        Ok(Sheet { rows, left, right })
    }

    /// The first row holding anything (0-based), if any.
    pub(crate) fn top(&self) -> Option<u32> {
        self.rows.keys().next().copied()
    }

    /// The rows holding anything (0-based numbers), each as the cells from the leftmost used
    /// column to the rightmost.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (u32, Vec<Data>)> + '_ {
        let width = (self.right.saturating_sub(self.left) + 1) as usize;
        self.rows.iter().map(move |(r, cells)| {
            let mut dense = vec![Data::Empty; width];
            for (c, v) in cells {
                dense[(c - self.left) as usize] = v.clone();
            }
            (*r, dense)
        })
    }
}

/// Refuses a zip whose entries declare more than [`MAX_UNPACKED_BYTES`] in all (a zip bomb): the
/// end-of-central-directory record and the directory are read by hand, without unpacking.
fn check_unpacked_size(zip: &[u8]) -> Result<(), SheetError> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let search_from = zip.len().saturating_sub(22 + 65_535);
    let Some(eocd) = (search_from..zip.len().saturating_sub(21)).rev().find(|&i| zip[i..i + 4] == EOCD) else {
        return Err(SheetError::NotXlsx);
    };
    let u16_at = |i: usize| zip.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |i: usize| zip.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let entries = u16_at(eocd + 10).ok_or(SheetError::NotXlsx)?;
    let mut at = u32_at(eocd + 16).ok_or(SheetError::NotXlsx)? as usize;
    let mut total = 0u64;
    for _ in 0..entries {
        if zip.get(at..at + 4) != Some(&ENTRY[..]) {
            // A ZIP64 or damaged directory: leave the verdict to the reader.
            return Ok(());
        }
        let size = u32_at(at + 24).ok_or(SheetError::NotXlsx)?;
        if size == u32::MAX {
            return Err(SheetError::TooLarge("工作簿解压后过大，请检查文件".into()));
        }
        total += u64::from(size);
        if total > MAX_UNPACKED_BYTES {
            return Err(SheetError::TooLarge(format!(
                "工作簿解压后超过 {} MB，请删除无关内容或分批导入",
                MAX_UNPACKED_BYTES / 1024 / 1024
            )));
        }
        let name = u16_at(at + 28).ok_or(SheetError::NotXlsx)? as usize;
        let extra = u16_at(at + 30).ok_or(SheetError::NotXlsx)? as usize;
        let comment = u16_at(at + 32).ok_or(SheetError::NotXlsx)? as usize;
        at += 46 + name + extra + comment;
    }
    Ok(())
}

/// One column of the resident workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub required: bool,
}

/// The columns in the order the export writes them; the import accepts any order.
pub const COLUMNS: [Column; 11] = [
    Column { header: NAME, required: true },
    Column { header: GENDER, required: false },
    Column { header: BIRTH_DATE, required: false },
    Column { header: ID_NUMBER, required: true },
    Column { header: PHONE, required: false },
    Column { header: GRID, required: true },
    Column { header: BUILDING, required: true },
    Column { header: UNIT, required: true },
    Column { header: ROOM, required: true },
    Column { header: RELATION, required: false },
    Column { header: TAGS, required: false },
];

pub(crate) const NAME: &str = "姓名";
pub(crate) const GENDER: &str = "性别";
pub(crate) const BIRTH_DATE: &str = "出生日期";
pub(crate) const ID_NUMBER: &str = "身份证号";
pub(crate) const PHONE: &str = "手机号";
pub(crate) const GRID: &str = "网格编码";
pub(crate) const BUILDING: &str = "楼栋";
pub(crate) const UNIT: &str = "单元";
pub(crate) const ROOM: &str = "房号";
pub(crate) const RELATION: &str = "与户主关系";
pub(crate) const TAGS: &str = "标签";

/// The canonical header for what a user wrote: trimmed, a trailing `*` (required marker)
/// dropped, a few common longer spellings accepted.
pub(crate) fn canonical_header(raw: &str) -> Option<&'static str> {
    let h = raw.trim().trim_end_matches(['*', '＊']).trim();
    let h = match h {
        "身份证号码" | "公民身份号码" => ID_NUMBER,
        "手机号码" => PHONE,
        other => other,
    };
    COLUMNS.iter().map(|c| c.header).find(|c| *c == h)
}

/// A cell as text: strings trimmed, whole numbers without a decimal point, dates as
/// `YYYY-MM-DD`. `None` for a cell holding an error value (#N/A, #REF! …).
pub(crate) fn cell_text(d: &Data) -> Option<String> {
    Some(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Error(_) => return None,
    })
}

/// Whether the cell holds nothing (or only blanks).
pub(crate) fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A birth date from a real date cell, `1990-01-02`, `1990/1/2` or `19900102`.
pub(crate) fn parse_date(d: &Data) -> Option<NaiveDate> {
    match d {
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        }
        Data::DateTimeIso(s) => parse_date_text(s.get(..10).unwrap_or(s)),
        Data::Int(_) | Data::Float(_) => {
            let t = cell_text(d)?;
            (t.len() == 8).then(|| parse_date_text(&t)).flatten()
        }
        Data::String(s) => parse_date_text(s.trim()),
        _ => None,
    }
}

pub(crate) fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let digits =
        |p: &str, min: usize, max: usize| (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d) = if s.len() == 8 && digits(s, 8, 8) {
        (&s[..4], &s[4..6], &s[6..])
    } else {
        let sep = if s.contains('-') { '-' } else { '/' };
        let parts: Vec<&str> = s.split(sep).collect();
        match parts.as_slice() {
            [y, m, d] if digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2) => (*y, *m, *d),
            _ => return None,
        }
    };
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Tags as written: separated by 、 , ， ; or ；.
pub(crate) fn split_tags(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn dates_in_the_accepted_forms() {
        let day = NaiveDate::from_ymd_opt(1990, 1, 2);
        for s in ["1990-01-02", "1990/1/2", "1990-1-02", "19900102"] {
            assert_eq!(parse_date(&Data::String(s.into())), day, "{s}");
        }
        assert_eq!(parse_date(&Data::Float(19900102.0)), day);
        assert_eq!(parse_date(&Data::Int(19900102)), day);
        // 1990-01-02 is serial day 32875 in Excel's 1900 system.
        let cell = Data::DateTime(ExcelDateTime::new(32875.0, ExcelDateTimeType::DateTime, false));
        assert_eq!(parse_date(&cell), day);
        assert_eq!(parse_date(&Data::DateTimeIso("1990-01-02T00:00:00".into())), day);
        for bad in ["1990.01.02", "90-1-2", "1990-13-01", "1990年1月2日", "1990-01", "", "1990-01/02"] {
            assert_eq!(parse_date(&Data::String(bad.into())), None, "{bad}");
        }
        assert_eq!(parse_date(&Data::Float(32875.0)), None);
    }

    #[test]
    fn headers_and_cells() {
        assert_eq!(canonical_header(" 身份证号* "), Some(ID_NUMBER));
        assert_eq!(canonical_header("身份证号码"), Some(ID_NUMBER));
        assert_eq!(canonical_header("籍贯"), None);
        assert_eq!(cell_text(&Data::Float(301.0)).as_deref(), Some("301"));
        assert_eq!(cell_text(&Data::String(" 张三 ".into())).as_deref(), Some("张三"));
        assert_eq!(split_tags("独居老人、低保, 高龄，，"), ["独居老人", "低保", "高龄"]);
    }
}
