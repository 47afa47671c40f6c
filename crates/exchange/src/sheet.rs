//! The resident workbook's columns and how its cells are read.

use calamine::Data;
use chrono::NaiveDate;

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
