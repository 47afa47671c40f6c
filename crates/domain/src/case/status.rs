//! Case statuses, intake channels and the resident's satisfaction verdict.

use serde::{Deserialize, Serialize};

/// Where a case stands in the 接诉即办 loop (DESIGN §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Accepted,
    Rejected,
    Dispatched,
    Acknowledged,
    Handled,
    Verified,
    Closed,
    Rated,
    Merged,
    /// 已转调解: closed by referral to a 人民调解 organisation (the dispute carries it on).
    Referred,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Received,
        Status::Accepted,
        Status::Rejected,
        Status::Dispatched,
        Status::Acknowledged,
        Status::Handled,
        Status::Verified,
        Status::Closed,
        Status::Rated,
        Status::Merged,
        Status::Referred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Dispatched => "dispatched",
            Status::Acknowledged => "acknowledged",
            Status::Handled => "handled",
            Status::Verified => "verified",
            Status::Closed => "closed",
            Status::Rated => "rated",
            Status::Merged => "merged",
            Status::Referred => "referred",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Status::Received => "已受理",
            Status::Accepted => "已立案",
            Status::Rejected => "不予立案",
            Status::Dispatched => "已派遣",
            Status::Acknowledged => "已签收",
            Status::Handled => "已办结",
            Status::Verified => "已核查",
            Status::Closed => "已结案",
            Status::Rated => "已评价",
            Status::Merged => "已合并",
            Status::Referred => "已转调解",
        }
    }

    /// The status in the resident's words (the follow page and its JSON): what is happening to
    /// their request and what, if anything, they are asked to do — not the office's terms
    /// (立案, 派遣, 签收, 核查).
    pub fn resident_label(self) -> &'static str {
        match self {
            Status::Received => "已受理",
            Status::Accepted => "已登记，等待交办",
            Status::Rejected => "不予受理",
            Status::Dispatched => "已交承办单位",
            Status::Acknowledged => "承办单位办理中",
            Status::Handled => "承办单位已答复",
            Status::Verified => "办理结果已确认",
            Status::Closed => "已办结",
            Status::Rated => "已办结，您已评价",
            Status::Merged => "与同一问题合并办理",
            Status::Referred => "已转人民调解组织调解",
        }
    }

    /// Still being worked on (not rejected, closed, rated, merged or referred). Supervision
    /// applies here.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received
                | Status::Accepted
                | Status::Dispatched
                | Status::Acknowledged
                | Status::Handled
                | Status::Verified
        )
    }

    /// A unit holds the case and the handling clock runs (dispatched or acknowledged).
    pub fn is_with_unit(self) -> bool {
        matches!(self, Status::Dispatched | Status::Acknowledged)
    }
}

/// How a case came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Resident web form or building QR code.
    Web,
    /// 12345 hotline import or a hotline operator.
    Hotline,
    /// Grid patrol (自主发现).
    Patrol,
    /// An Open311 client.
    Open311,
    /// Entered by staff.
    Staff,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Web, Channel::Hotline, Channel::Patrol, Channel::Open311, Channel::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Hotline => "hotline",
            Channel::Patrol => "patrol",
            Channel::Open311 => "open311",
            Channel::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Web => "居民上报",
            Channel::Hotline => "12345热线",
            Channel::Patrol => "网格巡查",
            Channel::Open311 => "Open311",
            Channel::Staff => "工作人员录入",
        }
    }
}

/// The resident's verdict on the answer (three-point scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] =
        [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::BasicallySatisfied => "basically_satisfied",
            Satisfaction::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Satisfaction> {
        Satisfaction::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
        }
    }

    /// Counts towards the 满意率 (满意 or 基本满意).
    pub fn counts_as_satisfied(self) -> bool {
        self != Satisfaction::Dissatisfied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for s in Satisfaction::ALL {
            assert_eq!(Satisfaction::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::Handled.label(), "已办结");
        assert!(Status::Verified.is_open());
        assert!(!Status::Closed.is_open());
        assert!(!Satisfaction::Dissatisfied.counts_as_satisfied());
        assert!(Satisfaction::BasicallySatisfied.counts_as_satisfied());
    }

    /// Issue 11: the follow page speaks the resident's language — no office term for any status.
    #[test]
    fn residents_read_their_own_words() {
        for s in Status::ALL {
            let label = s.resident_label();
            assert!(!label.is_empty());
            for office in ["立案", "派遣", "签收", "核查", "结案", "管辖"] {
                assert!(!label.contains(office), "{s:?}: {label}");
            }
        }
        // Handled is not finished for the resident: the answer awaits their confirmation.
        assert_ne!(Status::Handled.resident_label(), Status::Closed.resident_label());
    }
}
