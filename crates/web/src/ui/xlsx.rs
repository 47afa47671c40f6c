//! Exported tables as xlsx workbooks (the dashboard's charts, the leaders' figures and the
//! 矛调中心's daily list): one worksheet per table, a bold header row frozen at the top, texts
//! and numbers as typed cells, and the download response with a Chinese file name.

use axum::http::header;
use axum::response::{IntoResponse, Response};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell of an exported sheet.
pub enum Cell {
    Text(String),
    Num(f64),
}

impl From<&str> for Cell {
    fn from(t: &str) -> Cell {
        Cell::Text(t.to_string())
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Cell {
        Cell::Text(t)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Num(n as f64)
    }
}

/// One worksheet: its name (at most 31 characters, no `[]:*?/\`), headers and rows.
pub struct Sheet<'a> {
    pub title: &'a str,
    pub headers: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
}

/// A workbook of `sheets`, in order.
pub fn workbook(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for s in sheets {
        let ws = book.add_worksheet();
        ws.set_name(s.title)?;
        for (i, h) in s.headers.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *h, &bold)?;
        }
        ws.set_column_width(0, 24.0)?;
        ws.set_freeze_panes(1, 0)?;
        for (i, row) in s.rows.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                match c {
                    Cell::Text(t) => ws.write_string(i as u32 + 1, j as u16, t)?,
                    Cell::Num(n) => ws.write_number(i as u32 + 1, j as u16, *n)?,
                };
            }
        }
    }
    book.save_to_buffer()
}

/// A workbook of one sheet.
pub fn sheet(title: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    workbook(&[Sheet { title, headers, rows }])
}

/// The download of a workbook: `fallback` (ASCII) for old clients, `filename` in UTF-8.
pub fn download(fallback: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let disposition = super::download::attachment(fallback, filename);
    ([(header::CONTENT_TYPE, XLSX.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// A workbook that could not be written: a bug, logged, the error page.
pub fn failed(e: rust_xlsxwriter::XlsxError) -> super::PageError {
    tracing::error!(error = %e, "xlsx export failed");
    super::PageError::Internal
}
