//! Where to go after logging in (issue 9 item 7): only a path on this site, written in safe
//! characters. Anything else — another origin (`//host`, `/\host`, `https:`), control characters
//! (a tab or CR/LF that browsers strip or that would split the header), backslashes, raw
//! non-ASCII, or the same tricks percent-encoded — sends the user to the start page instead.

/// The start page, where every role lands when `next` is absent or refused.
pub const START: &str = "/";

/// `next` if it is a safe local path, else `None`.
pub fn safe_next(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    if bytes.first() != Some(&b'/') || matches!(bytes.get(1), Some(b'/' | b'\\')) || next.len() > 2048 {
        return None;
    }
    // Unreserved and path/query characters of RFC 3986 only (no `\`, no controls, no spaces).
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~/?=&%+:@!$'()*,;#".contains(&b);
    if !bytes.iter().all(|&b| allowed(b)) {
        return None;
    }
    // The same rules after one round of percent-decoding (`/%09/…`, `/%2F/host`, `/%5C…`).
    let decoded = percent_decode(bytes)?;
    if matches!(decoded.get(1), Some(b'/' | b'\\'))
        || decoded.iter().any(|&b| b.is_ascii_control() || b == b'\\')
        || std::str::from_utf8(&decoded).map_or(true, |s| s.chars().any(char::is_control))
    {
        return None;
    }
    Some(next)
}

/// `next` if safe, else the start page.
pub fn next_or_start(next: &str) -> &str {
    safe_next(next).unwrap_or(START)
}

/// `%XX` decoded; `None` for a malformed escape.
fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_next_values_go_to_the_start_page() {
        let hostile = [
            "",
            "evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\r\nSet-Cookie:x=1",
            "/%0d%0aSet-Cookie:x=1",
            "/\n/evil",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%5cevil",
            "/ evil",
            "/\u{3000}/evil",
            "/／evil.example",
            "/案件",
            "/%",
            "/%zz",
            "/%00",
            "/a\u{0}b",
            "/%C2%85/evil",
            " /cases",
        ];
        for h in hostile {
            assert_eq!(safe_next(h), None, "{h:?} must be refused");
            assert_eq!(next_or_start(h), "/");
        }
    }

    #[test]
    fn ordinary_local_paths_are_kept() {
        for ok in ["/", "/cases", "/cases/12?tab=log&page=2", "/grid/residents?q=%E5%BC%A0", "/admin/users#x"] {
            assert_eq!(safe_next(ok), Some(ok));
        }
    }
}
