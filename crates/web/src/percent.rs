//! Percent-encoding for header values: RFC 5987 `filename*` and the flash cookie.

/// `s` as UTF-8 bytes, every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
