//! Import and export of grids and residents, shared by the CLI (`tongxin import …`,
//! `tongxin export …`) and the HTTP upload endpoints.
//!
//! Every import takes the file's bytes, validates all of it first and collects every error it
//! finds (each naming the feature or the row and the column, in Chinese), and only then writes
//! everything in one transaction: a file with one bad row writes nothing. Exports produce files
//! the imports accept back unchanged.

mod error;
mod evaluation_export;
mod grids;
mod residents_export;
mod residents_import;
mod sheet;

pub use error::{ExportError, ImportError, MAX_ERRORS, RowError};
pub use evaluation_export::{EVALUATION_HEADERS, EvaluationRow, NO_RATE, evaluation_csv, evaluation_xlsx};
pub use grids::{
    GridImportReport, MAX_FEATURES as MAX_GRID_FEATURES, MAX_FILE_VERTICES, MAX_POLYGON_VERTICES, export_grids,
    import_grids,
};
pub use residents_export::{export_residents, resident_template};
pub use residents_import::{MAX_ROWS, ResidentImportReport, import_residents};
pub use sheet::{COLUMNS, Column, MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_UNPACKED_BYTES};
