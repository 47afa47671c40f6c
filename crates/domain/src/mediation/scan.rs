//! The signed 调解协议书 uploaded back: the agreement is signed, sealed and fingerprinted on
//! paper (人民调解法 art 29) and the committee keeps it in its 调解工作档案 (art 27); the platform
//! keeps a photo or scan of that paper — JPEG, PNG, WebP or PDF, at most 10 MB, the type read
//! from the bytes, never from the file's name.

use crate::case::photo::{PhotoType, sniff};

/// The largest scan accepted.
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanType {
    Image(PhotoType),
    Pdf,
}

impl ScanType {
    pub fn mime(self) -> &'static str {
        match self {
            ScanType::Image(p) => p.mime(),
            ScanType::Pdf => "application/pdf",
        }
    }

    /// The type of a stored `Content-Type` (only the accepted ones).
    pub fn from_mime(mime: &str) -> Option<ScanType> {
        if mime.trim().eq_ignore_ascii_case("application/pdf") {
            return Some(ScanType::Pdf);
        }
        PhotoType::from_mime(mime).map(ScanType::Image)
    }

    pub fn is_pdf(self) -> bool {
        self == ScanType::Pdf
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("请上传签字、盖章后的调解协议书扫描件或照片")]
    Missing,
    #[error("协议扫描件不能超过 10 MB")]
    TooLarge,
    #[error("协议扫描件应为 PDF 文件或 JPEG、PNG、WebP 图片")]
    NotAScan,
}

/// The type of a scan by its signature bytes (a PDF starts with `%PDF-`).
pub fn sniff_scan(bytes: &[u8]) -> Option<ScanType> {
    if bytes.starts_with(b"%PDF-") {
        return Some(ScanType::Pdf);
    }
    sniff(bytes).map(ScanType::Image)
}

/// Checks an uploaded scan: present, within the size, a PDF or an image.
pub fn check_scan(bytes: &[u8]) -> Result<ScanType, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::Missing);
    }
    if bytes.len() > MAX_SCAN_BYTES {
        return Err(ScanError::TooLarge);
    }
    sniff_scan(bytes).ok_or(ScanError::NotAScan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_is_a_pdf_or_an_image_of_at_most_ten_megabytes() {
        assert_eq!(check_scan(b"%PDF-1.7\n%..."), Ok(ScanType::Pdf));
        assert_eq!(check_scan(b"\x89PNG\r\n\x1a\n...."), Ok(ScanType::Image(PhotoType::Png)));
        assert_eq!(check_scan(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(ScanType::Image(PhotoType::Jpeg)));
        assert_eq!(check_scan(b""), Err(ScanError::Missing));
        assert_eq!(check_scan(b"<html>%PDF-"), Err(ScanError::NotAScan));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_SCAN_BYTES + 1, b' ');
        assert_eq!(check_scan(&big), Err(ScanError::TooLarge));
        big.truncate(MAX_SCAN_BYTES);
        assert_eq!(check_scan(&big), Ok(ScanType::Pdf));
        assert_eq!(ScanType::from_mime("application/PDF"), Some(ScanType::Pdf));
        assert_eq!(ScanType::from_mime(" image/webp"), Some(ScanType::Image(PhotoType::Webp)));
        assert_eq!(ScanType::from_mime("text/html"), None);
        assert_eq!(ScanType::Pdf.mime(), "application/pdf");
    }
}
