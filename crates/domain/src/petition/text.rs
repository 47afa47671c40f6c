//! The bounded texts of a petition (《信访工作条例》arts 19 and 32). The checks are the kernel's
//! ([`crate::kernel::text::required`]); these types add the field names and bounds, and serde that
//! refuses what the constructor refuses (a petition's state is stored as JSON and read back).

use crate::kernel::text::{self, Lines, TextError};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! petition_text {
    ($(#[$doc:meta])* $name:ident, $label:literal, $max:expr, $lines:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The field's Chinese name in messages.
            pub const LABEL: &'static str = $label;
            /// The largest number of characters.
            pub const MAX_CHARS: usize = $max;

            /// A non-blank text within the bound, trimmed.
            pub fn new(raw: &str) -> Result<Self, TextError> {
                text::required($label, raw, $max, $lines).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = TextError;

            fn try_from(raw: String) -> Result<Self, TextError> {
                Self::new(&raw)
            }
        }

        impl From<$name> for String {
            fn from(t: $name) -> String {
                t.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

petition_text!(
    /// 信访人姓名（名称）: a person's name or an organisation's (art 19).
    PetitionerName,
    "信访人姓名（名称）",
    100,
    Lines::One
);
petition_text!(
    /// 住址 (art 19): where written replies are served.
    PetitionerAddress,
    "住址",
    text::Address::MAX_CHARS,
    Lines::One
);
petition_text!(
    /// 请求 (art 19): what the petitioner asks for. Also the 投诉请求 of an opinion (art 32) and
    /// the text the duplicate rule compares.
    Request,
    "信访请求",
    1000,
    Lines::Many
);
petition_text!(
    /// 事实 (art 19).
    Facts,
    "事实",
    text::Description::MAX_CHARS,
    Lines::Many
);
petition_text!(
    /// 理由 (art 19).
    Reasons,
    "理由",
    text::Description::MAX_CHARS,
    Lines::Many
);
petition_text!(
    /// 事实和理由 as an opinion finds them (art 32).
    FactsAndReasons,
    "事实和理由",
    text::Description::MAX_CHARS,
    Lines::Many
);
petition_text!(
    /// 处理意见: the body of an opinion, explaining its decision (art 32).
    Finding,
    "处理意见",
    text::Description::MAX_CHARS,
    Lines::Many
);
petition_text!(
    /// 法律法规依据 of an opinion (art 32).
    LegalBasis,
    "法律法规依据",
    2000,
    Lines::Many
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_names_and_serde() {
        assert_eq!(Request::new(" 补发拆迁补偿款 ").unwrap().as_str(), "补发拆迁补偿款");
        assert_eq!(Request::new("  ").unwrap_err().to_string(), "请填写信访请求");
        let long = "字".repeat(PetitionerName::MAX_CHARS + 1);
        assert_eq!(
            PetitionerName::new(&long).unwrap_err().to_string(),
            "信访人姓名（名称）不能超过 100 字（现有 101 字）"
        );
        assert!(PetitionerAddress::new("人民路\n1号").is_err());
        assert!(Facts::new("第一段\n第二段").is_ok());
        // Reading back refuses what the constructor refuses.
        let json = serde_json::to_string(&LegalBasis::new("《信访工作条例》第三十二条").unwrap()).unwrap();
        assert_eq!(json, "\"《信访工作条例》第三十二条\"");
        assert!(serde_json::from_str::<LegalBasis>(&json).is_ok());
        let err = serde_json::from_str::<LegalBasis>("\" \"").unwrap_err();
        assert!(err.to_string().contains("请填写法律法规依据"), "{err}");
    }
}
