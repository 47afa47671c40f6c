//! Header values for downloads and cookies, percent-encoded by the `percent-encoding` crate.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`, RFC 3986) is encoded: the set that
/// RFC 5987 `filename*` and our flash cookie both accept.
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `s` as UTF-8 bytes, every byte outside [`UNRESERVED`] as `%XX`.
pub(crate) fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// A `Content-Disposition` for a download: `fallback` (ASCII) for old clients, `filename` in
/// UTF-8 (RFC 5987 `filename*`) for the others.
pub(crate) fn attachment(fallback: &str, filename: &str) -> String {
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", percent_encode(filename))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_are_encoded_and_unreserved_bytes_kept() {
        assert_eq!(percent_encode("a-b.c_d~e f"), "a-b.c_d~e%20f");
        assert_eq!(percent_encode("表"), "%E8%A1%A8");
        assert_eq!(attachment("x.csv", "表.csv"), "attachment; filename=\"x.csv\"; filename*=UTF-8''%E8%A1%A8.csv");
    }
}
