//! What an import or export can fail with, in words a user can act on.

use serde::Serialize;
use std::fmt;
use tongxin_store::StoreError;

/// At most this many errors are listed; the rest are counted.
pub const MAX_ERRORS: usize = 200;

/// One problem in one place of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Where: "第 5 行" (as Excel numbers rows) or "第 3 个要素（code 330702001008003）".
    pub position: String,
    /// The column or property concerned, if one is.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}【{}】：{}", self.position, field, self.message),
            None => write!(f, "{}：{}", self.position, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole is unusable (not JSON, not a workbook, no data).
    #[error("文件格式错误：{0}")]
    Malformed(String),
    /// Rows or features with problems; nothing was written.
    #[error("{}", list_errors(.0))]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// The row errors, if this is a validation failure.
    pub fn rows(&self) -> &[RowError] {
        match self {
            ImportError::Rows(rows) => rows,
            _ => &[],
        }
    }
}

fn list_errors(rows: &[RowError]) -> String {
    let mut out = String::from("导入失败，未写入任何数据：");
    for r in rows {
        out.push('\n');
        out.push_str(&r.to_string());
    }
    out
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// The scope may not read personal data (department staff).
    #[error("无权查看居民信息")]
    NoPeopleScope,
    /// The area asked for lies outside the user's scope.
    #[error("区域 {0} 不在您的管辖范围内")]
    OutOfScope(String),
    #[error("共 {0} 行，超过 Excel 单个工作表的上限（1048575 行），请缩小导出范围")]
    TooManyRows(usize),
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Collects errors up to [`MAX_ERRORS`], counting the rest.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    list: Vec<RowError>,
    more: usize,
}

impl Errors {
    pub(crate) fn push(&mut self, position: &str, field: Option<&str>, message: impl Into<String>) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(RowError {
                position: position.to_string(),
                field: field.map(String::from),
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    /// `Err` with every collected error, or `Ok` if there were none.
    pub(crate) fn finish(self) -> Result<(), ImportError> {
        if self.list.is_empty() {
            return Ok(());
        }
        let mut list = self.list;
        if self.more > 0 {
            list.push(RowError {
                position: "其余".into(),
                field: None,
                message: format!("另有 {} 处错误未列出，请改正以上错误后重新导入", self.more),
            });
        }
        Err(ImportError::Rows(list))
    }
}
