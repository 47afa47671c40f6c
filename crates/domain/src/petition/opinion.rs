//! The 信访处理意见书 (《信访工作条例》art 32), also the form of 复查 and 复核 opinions
//! (arts 35–36): the request, the facts and reasons, the decision with its explanation, and its
//! legal basis — every part required and bounded by its type.

use super::text::{FactsAndReasons, Finding, LegalBasis, Request};
use serde::{Deserialize, Serialize};

/// The three decisions of art 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 予以支持: facts clear and the request lawful (art 32(1)).
    Support,
    /// 解释说明: reasonable but without legal basis (art 32(2)).
    Explain,
    /// 不予支持: no factual basis or not lawful (art 32(3)).
    Reject,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Support, Outcome::Explain, Outcome::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Support => "support",
            Outcome::Explain => "explain",
            Outcome::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Support => "支持",
            Outcome::Explain => "解释说明",
            Outcome::Reject => "不予支持",
        }
    }
}

/// One written opinion (art 32). Every field's type refuses a blank or over-long text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    /// 投诉请求.
    pub request: Request,
    /// 事实和理由.
    pub facts_and_reasons: FactsAndReasons,
    /// 处理意见: the decision …
    pub outcome: Outcome,
    /// … and its explanation.
    pub finding: Finding,
    /// 法律法规依据.
    pub legal_basis: LegalBasis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_serde() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::Explain.label(), "解释说明");
        let json = serde_json::json!({
            "request": "补发补偿款",
            "facts_and_reasons": "经核实……",
            "outcome": "support",
            "finding": "予以支持，责成……",
            "legal_basis": "《国有土地上房屋征收与补偿条例》第十七条"
        });
        let o: Opinion = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(o.outcome, Outcome::Support);
        assert_eq!(serde_json::to_value(&o).unwrap(), json);
        // A blank part is refused on reading too.
        let mut blank = json;
        blank["legal_basis"] = "".into();
        let err = serde_json::from_value::<Opinion>(blank).unwrap_err();
        assert!(err.to_string().contains("请填写法律法规依据"), "{err}");
    }
}
