//! 考评 ranking export: CSV (UTF-8 with a byte-order mark, so Excel shows the Chinese) and
//! xlsx, with Chinese headers. Rates are percentages with one decimal; a rate without a
//! denominator (nothing dispatched, nothing rated) is shown as "—".

use crate::error::ExportError;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use tongxin_domain::case::{Rates, UnitCounts};

/// The columns, in order.
pub const EVALUATION_HEADERS: [&str; 12] = [
    "排名",
    "单位",
    "派遣件数",
    "按时响应",
    "评价件数",
    "解决",
    "满意",
    "重办",
    "响应率",
    "解决率",
    "满意率",
    "综合得分",
];

/// Shown for a rate or score that does not exist.
pub const NO_RATE: &str = "—";

/// One ranked unit as exported.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationRow<'a> {
    pub rank: usize,
    pub unit: &'a str,
    pub counts: &'a UnitCounts,
    pub rates: &'a Rates,
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| NO_RATE.to_string(), |r| format!("{:.1}%", r * 100.0))
}

fn score(s: Option<f64>) -> String {
    s.map_or_else(|| NO_RATE.to_string(), |s| format!("{s:.1}"))
}

/// A CSV field: quoted when it holds a comma, quote or line break; text that a spreadsheet
/// would take for a formula gets a leading apostrophe.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The ranking as CSV: BOM, header line, one line per unit, CRLF line ends (RFC 4180).
pub fn evaluation_csv(rows: &[EvaluationRow<'_>]) -> Vec<u8> {
    let mut out = String::from("\u{FEFF}");
    out.push_str(&EVALUATION_HEADERS.join(","));
    out.push_str("\r\n");
    for r in rows {
        let c = r.counts;
        let fields = [
            r.rank.to_string(),
            csv_field(r.unit),
            c.dispatched.to_string(),
            c.responded_in_time.to_string(),
            c.rated.to_string(),
            c.resolved.to_string(),
            c.satisfied.to_string(),
            c.reopened.to_string(),
            percent(r.rates.response),
            percent(r.rates.resolution),
            percent(r.rates.satisfaction),
            score(r.rates.score),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let clean: String =
        title.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(31).collect();
    if clean.trim().is_empty() { "考评".into() } else { clean }
}

/// The ranking as an xlsx workbook: one sheet named `title`, headers in row 1, rates as numbers
/// formatted `0.0%`, the score formatted `0.0`.
pub fn evaluation_xlsx(title: &str, rows: &[EvaluationRow<'_>]) -> Result<Vec<u8>, ExportError> {
    write_xlsx(title, rows).map_err(|e| ExportError::Xlsx(e.to_string()))
}

fn write_xlsx(title: &str, rows: &[EvaluationRow<'_>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(title))?;
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let one_decimal = Format::new().set_num_format("0.0");
    for (i, h) in EVALUATION_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    sheet.set_column_width(1, 24.0)?;
    sheet.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let c = r.counts;
        sheet.write_number(row, 0, r.rank as f64)?;
        sheet.write_string(row, 1, r.unit)?;
        for (col, n) in
            [c.dispatched, c.responded_in_time, c.rated, c.resolved, c.satisfied, c.reopened].into_iter().enumerate()
        {
            sheet.write_number(row, col as u16 + 2, n as f64)?;
        }
        for (col, rate) in [r.rates.response, r.rates.resolution, r.rates.satisfaction].into_iter().enumerate() {
            match rate {
                // Rounded as shown, so a sum or a copy reads what the cell displays.
                Some(v) => sheet.write_number_with_format(row, col as u16 + 8, (v * 1000.0).round() / 1000.0, &pct)?,
                None => sheet.write_string(row, col as u16 + 8, NO_RATE)?,
            };
        }
        match r.rates.score {
            Some(s) => sheet.write_number_with_format(row, 11, (s * 10.0).round() / 10.0, &one_decimal)?,
            None => sheet.write_string(row, 11, NO_RATE)?,
        };
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn rows() -> Vec<(usize, String, UnitCounts, Rates)> {
        let c = UnitCounts {
            dispatched: 3,
            responded_in_time: 2,
            rated: 2,
            resolved: 1,
            satisfied: 2,
            reopened: 1,
            closed_on_spot: 0,
        };
        let r = Rates {
            response: Some(2.0 / 3.0),
            resolution: Some(1.0 / 3.0),
            satisfaction: Some(2.0 / 3.0),
            score: Some(55.0),
        };
        vec![
            (1, "城管执法中队".to_string(), c, r),
            (2, "=HYPERLINK(\"x\"),\"办\"".to_string(), UnitCounts::default(), Rates::default()),
        ]
    }

    #[test]
    fn csv_has_bom_headers_percentages_and_escapes() {
        let data = rows();
        let rows: Vec<EvaluationRow> =
            data.iter().map(|(rank, unit, counts, rates)| EvaluationRow { rank: *rank, unit, counts, rates }).collect();
        let bytes = evaluation_csv(&rows);
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert_eq!(lines[0], "排名,单位,派遣件数,按时响应,评价件数,解决,满意,重办,响应率,解决率,满意率,综合得分");
        assert_eq!(lines[1], "1,城管执法中队,3,2,2,1,2,1,66.7%,33.3%,66.7%,55.0");
        assert_eq!(lines[2], "2,\"'=HYPERLINK(\"\"x\"\"),\"\"办\"\"\",0,0,0,0,0,0,—,—,—,—");
        assert_eq!(lines[3], "");
    }

    #[test]
    fn xlsx_reads_back() {
        let data = rows();
        let rows: Vec<EvaluationRow> =
            data.iter().map(|(rank, unit, counts, rates)| EvaluationRow { rank: *rank, unit, counts, rates }).collect();
        let bytes = evaluation_xlsx("2026-11 部门考评", &rows).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("2026-11 部门考评").unwrap();
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|d| d.to_string()).collect();
        assert_eq!(header, EVALUATION_HEADERS);
        let first: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
        assert_eq!(first[1], &Data::String("城管执法中队".into()));
        assert_eq!(first[2], &Data::Float(3.0));
        assert_eq!(first[8], &Data::Float(0.667));
        assert_eq!(first[11], &Data::Float(55.0));
        let second: Vec<&Data> = range.rows().nth(2).unwrap().iter().collect();
        assert_eq!(second[8], &Data::String(NO_RATE.into()));
        assert_eq!(sheet_name("a/b:c*?[d]\\"), "abcd");
    }
}
