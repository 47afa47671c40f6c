//! Resident export to an .xlsx workbook with the import's Chinese headers.

use crate::error::ExportError;
use crate::sheet::{BIRTH_DATE, BUILDING, COLUMNS, GENDER, GRID, ID_NUMBER, NAME, PHONE, RELATION, ROOM, TAGS, UNIT};
use chrono::Datelike;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use tongxin_domain::kernel::access::Scope;
use tongxin_store::audit::AuditEntry;
use tongxin_store::exchange::ExportedResident;
use tongxin_store::{Actor, Store};

/// Data rows a worksheet can hold below its header.
const MAX_SHEET_ROWS: usize = 1_048_575;

/// Every resident in the people scope, one row each. 身份证号 and 手机号 are masked unless
/// `unmasked` (the caller checks the permission); an unmasked export is audited before any
/// data is returned, and imports back unchanged with [`crate::import_residents`].
pub async fn export_residents(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    unmasked: bool,
) -> Result<Vec<u8>, ExportError> {
    let prefix = scope.people_prefix().ok_or(ExportError::NoPeopleScope)?;
    let rows = store.exchange().residents(prefix, unmasked).await?;
    if rows.len() > MAX_SHEET_ROWS {
        return Err(ExportError::TooManyRows(rows.len()));
    }
    let bytes = write_workbook(&rows).map_err(|e| ExportError::Xlsx(e.to_string()))?;
    if unmasked {
        let area = if prefix.is_empty() { "全部" } else { prefix };
        store
            .audit()
            .record(
                actor,
                AuditEntry::new("resident.export_unmasked", "region", area)
                    .detail(format!("导出居民 {} 人（含完整身份证号和手机号）", rows.len())),
            )
            .await?;
    }
    Ok(bytes)
}

/// An empty workbook with the headers only, for users to fill in (导入模板).
pub fn resident_template() -> Result<Vec<u8>, ExportError> {
    write_workbook(&[]).map_err(|e| ExportError::Xlsx(e.to_string()))
}

fn column(header: &str) -> u16 {
    COLUMNS.iter().position(|c| c.header == header).expect("known column") as u16
}

fn write_workbook(rows: &[ExportedResident]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("居民")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let text = Format::new().set_num_format("@");
    for (i, c) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, c.header, &bold)?;
    }
    for (h, width) in [
        (NAME, 10.0),
        (BIRTH_DATE, 12.0),
        (ID_NUMBER, 21.0),
        (PHONE, 14.0),
        (GRID, 18.0),
        (BUILDING, 12.0),
        (RELATION, 11.0),
        (TAGS, 24.0),
    ] {
        sheet.set_column_width(column(h), width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, column(NAME), &r.name)?;
        let gender = match r.gender.as_str() {
            "male" => "男",
            "female" => "女",
            other => other,
        };
        sheet.write_string(row, column(GENDER), gender)?;
        // Not beside a masked ID: with the first and last four it leaves a handful of candidates
        // (issue 9, High 1).
        if !r.id_number.contains('*') {
            let d = r.birth_date;
            let day = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            sheet.write_datetime_with_format(row, column(BIRTH_DATE), &day, &date)?;
        }
        sheet.write_string_with_format(row, column(ID_NUMBER), &r.id_number, &text)?;
        if let Some(p) = &r.phone {
            sheet.write_string_with_format(row, column(PHONE), p, &text)?;
        }
        sheet.write_string_with_format(row, column(GRID), &r.grid_code, &text)?;
        if let Some(b) = &r.building {
            sheet.write_string(row, column(BUILDING), b)?;
        }
        if let Some(u) = r.unit_no {
            sheet.write_number(row, column(UNIT), u as f64)?;
        }
        if let Some(room) = &r.room_no {
            sheet.write_string_with_format(row, column(ROOM), room, &text)?;
        }
        sheet.write_string(row, column(RELATION), &r.relation)?;
        let tags: Vec<&str> = r.tags.split(',').filter(|t| !t.is_empty()).collect();
        if !tags.is_empty() {
            sheet.write_string(row, column(TAGS), tags.join("、"))?;
        }
    }
    book.save_to_buffer()
}
