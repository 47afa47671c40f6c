//! Bounded texts (issue 9, items 4 and 13): every free text a person or a file can send has a
//! largest size, counted in characters (not bytes), and holds no NUL and no other control
//! character — PostgreSQL refuses NUL in text, and control characters have no business in a
//! title or a name. Multi-line texts (descriptions, notes, replies) may hold line breaks
//! (`\n`, `\r`) and tabs; single-line texts none.
//!
//! The bounds, in characters:
//!
//! | type            | what                                        | max  | lines  |
//! |-----------------|---------------------------------------------|------|--------|
//! | [`Title`]       | a case's title                              | 100  | one    |
//! | [`Description`] | a case's description                        | 4000 | many   |
//! | [`Note`]        | a reason, reply, note, comment, visit note  | 4000 | many   |
//! | [`Address`]     | an address                                  | 200  | one    |
//! | [`PersonName`]  | a person's name, a user's display name      | 50   | one    |
//! | [`Label`]       | a category, unit, building, tag, rule name  | 50   | one    |
//! | [`Query`]       | a search box's words                        | 200  | one    |
//!
//! Constructors trim the text; `new` refuses a blank one, `optional` makes it `None`.

use std::fmt;

/// Why a text was refused, in Chinese, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("请填写{field}")]
    Required { field: &'static str },
    #[error("{field}不能超过 {max} 字（现有 {len} 字）")]
    TooLong { field: &'static str, max: usize, len: usize },
    #[error("{field}含有空字符（NUL），请删除后重试")]
    Nul { field: &'static str },
    #[error("{field}含有不可见的控制字符，请删除后重试")]
    Control { field: &'static str },
}

impl TextError {
    /// The field's Chinese name.
    pub fn field(&self) -> &'static str {
        match self {
            TextError::Required { field }
            | TextError::TooLong { field, .. }
            | TextError::Nul { field }
            | TextError::Control { field } => field,
        }
    }
}

/// Whether line breaks and tabs are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Checks the characters and the length of `raw` (trimmed), which may be blank. The length is
/// counted without reading past `max + 1` characters, so a huge text costs no more than a short one.
pub fn check(field: &'static str, raw: &str, max: usize, lines: Lines) -> Result<String, TextError> {
    let text = raw.trim();
    let mut len = 0usize;
    for c in text.chars() {
        len += 1;
        if c == '\0' {
            return Err(TextError::Nul { field });
        }
        let allowed_break = lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
        if (c.is_control() && !allowed_break) || is_invisible_format(c) {
            return Err(TextError::Control { field });
        }
        if len > max {
            // Count the rest only for the message; the characters past the limit are not kept.
            return Err(TextError::TooLong { field, max, len: text.chars().count() });
        }
    }
    Ok(text.to_string())
}

/// Bidirectional overrides and isolates can make a text show something else than it holds.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A required text: not blank after trimming.
pub fn required(field: &'static str, raw: &str, max: usize, lines: Lines) -> Result<String, TextError> {
    let t = check(field, raw, max, lines)?;
    if t.is_empty() {
        return Err(TextError::Required { field });
    }
    Ok(t)
}

/// An optional text: `None` when blank.
pub fn optional(field: &'static str, raw: &str, max: usize, lines: Lines) -> Result<Option<String>, TextError> {
    check(field, raw, max, lines).map(|t| (!t.is_empty()).then_some(t))
}

/// Refuses NUL and control characters in a search or filter parameter (no length rule: a
/// query longer than [`Query::MAX_CHARS`] is refused too).
pub fn query(field: &'static str, raw: &str) -> Result<String, TextError> {
    check(field, raw, Query::MAX_CHARS, Lines::One)
}

macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $label:literal, $max:literal, $lines:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The field's Chinese name in messages.
            pub const LABEL: &'static str = $label;
            /// The largest number of characters.
            pub const MAX_CHARS: usize = $max;
            pub const LINES: Lines = $lines;

            /// A non-blank text within the bound, trimmed.
            pub fn new(raw: &str) -> Result<Self, TextError> {
                Self::named(Self::LABEL, raw)
            }

            /// As [`Self::new`], naming the field `field` in messages.
            pub fn named(field: &'static str, raw: &str) -> Result<Self, TextError> {
                required(field, raw, $max, $lines).map($name)
            }

            /// `None` for a blank text.
            pub fn optional(raw: &str) -> Result<Option<Self>, TextError> {
                Self::optional_named(Self::LABEL, raw)
            }

            pub fn optional_named(field: &'static str, raw: &str) -> Result<Option<Self>, TextError> {
                optional(field, raw, $max, $lines).map(|t| t.map($name))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(t: $name) -> String {
                t.0
            }
        }
    };
}

/// For bounded texts of other modules (their own names, labels and bounds).
pub(crate) use bounded;

bounded!(
    /// A case's title.
    Title,
    "标题",
    100,
    Lines::One
);
bounded!(
    /// A case's description.
    Description,
    "问题描述",
    4000,
    Lines::Many
);
bounded!(
    /// A reason, reply, note or comment.
    Note,
    "说明",
    4000,
    Lines::Many
);
bounded!(
    /// An address.
    Address,
    "地址",
    200,
    Lines::One
);
bounded!(
    /// A person's name.
    PersonName,
    "姓名",
    50,
    Lines::One
);
bounded!(
    /// A short name: category, unit, building, tag, rule.
    Label,
    "名称",
    50,
    Lines::One
);
bounded!(
    /// The words of a search box.
    Query,
    "搜索词",
    200,
    Lines::One
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_are_characters_not_bytes() {
        let at_limit = "字".repeat(Title::MAX_CHARS);
        assert_eq!(Title::new(&at_limit).unwrap().as_str(), at_limit);
        let over = "字".repeat(Title::MAX_CHARS + 1);
        assert_eq!(Title::new(&over).unwrap_err(), TextError::TooLong { field: "标题", max: 100, len: 101 });
        assert_eq!(Title::new(&over).unwrap_err().to_string(), "标题不能超过 100 字（现有 101 字）");
        // Trimming happens before counting.
        assert!(Title::new(&format!("  {at_limit}\n ")).is_ok());
    }

    #[test]
    fn nul_and_control_characters() {
        assert_eq!(Address::new("人民路\u{0}1号").unwrap_err(), TextError::Nul { field: "地址" });
        assert_eq!(Address::new("人民路\u{7}1号").unwrap_err(), TextError::Control { field: "地址" });
        assert_eq!(Address::new("人民路\n1号").unwrap_err(), TextError::Control { field: "地址" });
        assert_eq!(Address::new("人民路\u{202E}1号").unwrap_err(), TextError::Control { field: "地址" });
        assert_eq!(Description::new("第一行\r\n第二行\t缩进").unwrap().as_str(), "第一行\r\n第二行\t缩进");
        assert_eq!(Description::new("a\u{1b}[31m").unwrap_err(), TextError::Control { field: "问题描述" });
        assert_eq!(Description::new("a\0").unwrap_err().to_string(), "问题描述含有空字符（NUL），请删除后重试");
        assert_eq!(PersonName::new("  ").unwrap_err(), TextError::Required { field: "姓名" });
        assert_eq!(PersonName::optional(" ").unwrap(), None);
        assert_eq!(PersonName::named("联系人", "").unwrap_err().to_string(), "请填写联系人");
    }

    fn check_type<T>(
        make: impl Fn(&str) -> Result<T, TextError>,
        as_str: impl Fn(&T) -> &str,
        max: usize,
        lines: Lines,
        s: &str,
    ) {
        let trimmed = s.trim();
        let n = trimmed.chars().count();
        let bad_char = trimmed.chars().any(|c| {
            c == '\0'
                || is_invisible_format(c)
                || (c.is_control() && !(lines == Lines::Many && matches!(c, '\n' | '\r' | '\t')))
        });
        match make(s) {
            Ok(t) => {
                let t = as_str(&t);
                assert_eq!(t, trimmed);
                assert!(!t.is_empty() && t.chars().count() <= max && !bad_char);
            }
            Err(TextError::Required { .. }) => assert!(trimmed.is_empty()),
            Err(TextError::TooLong { len, .. }) => assert!(n > max && len == n),
            Err(TextError::Nul { .. }) => assert!(trimmed.contains('\0')),
            Err(TextError::Control { .. }) => assert!(bad_char),
        }
    }

    proptest! {
        /// Whatever the input, a constructed text is trimmed, within its bound and clean, and a
        /// refusal names the real reason.
        #[test]
        fn constructed_texts_keep_their_promises(s in "(?s)[\\x00-\\x20a-z字\u{85}\u{202E}\u{3000}]{0,120}") {
            check_type(Title::new, Title::as_str, Title::MAX_CHARS, Lines::One, &s);
            check_type(PersonName::new, PersonName::as_str, PersonName::MAX_CHARS, Lines::One, &s);
            check_type(Description::new, Description::as_str, Description::MAX_CHARS, Lines::Many, &s);
        }
    }
}
