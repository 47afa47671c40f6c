//! Where a petition stands (《信访工作条例》arts 22–36).

use serde::{Deserialize, Serialize};

/// The status of a petition. The ordinary way of a 申诉求决类 matter answered by opinion:
/// 已登记 → 已告知 → 已转送交办 (→ 异议待核实) → 办理中 → 已出具处理意见 → 复查中 → 已复查 →
/// 复核中 (⇄ 听证中) → 复核终结. Other ends: 已办结 (answered, or the petitioner let the time for
/// 复查/复核 pass), 调解化解, 已转入法定途径, 已撤回.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已登记 (art 22/23).
    Registered,
    /// 已告知: the petitioner was told in writing of its receipt and route (art 22/23).
    Notified,
    /// 已转送/交办 to a unit (art 22), which may object within 5 working days (art 23).
    Transferred,
    /// 异议待核实: the unit objected; the office that transferred it verifies (art 23).
    Objected,
    /// 办理中: accepted (受理); for art 31(6) matters the 60-day clock runs (art 34).
    Handling,
    /// 已出具处理意见: a 信访处理意见书 was served (art 32); 30 days to ask for 复查 (art 35).
    OpinionIssued,
    /// 复查中 (art 35).
    ReviewRequested,
    /// 已复查: the 复查 opinion was served; 30 days to ask for 复核 (art 36).
    Reviewed,
    /// 复核中 (art 36).
    RecheckRequested,
    /// 听证中: a hearing within 复核; its time is not counted (art 36).
    Hearing,
    /// 复核终结: the same matter is not accepted again (art 36).
    Final,
    /// 已办结: answered (arts 29–30), or the opinion stands because no 复查/复核 was asked in time.
    Concluded,
    /// 调解化解: resolved by mediation or settlement (art 33).
    Mediated,
    /// 已转入法定途径 (arts 30, 31(1)–(5)).
    Routed,
    /// 已撤回 by the petitioner.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 15] = [
        Status::Registered,
        Status::Notified,
        Status::Transferred,
        Status::Objected,
        Status::Handling,
        Status::OpinionIssued,
        Status::ReviewRequested,
        Status::Reviewed,
        Status::RecheckRequested,
        Status::Hearing,
        Status::Final,
        Status::Concluded,
        Status::Mediated,
        Status::Routed,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Notified => "notified",
            Status::Transferred => "transferred",
            Status::Objected => "objected",
            Status::Handling => "handling",
            Status::OpinionIssued => "opinion_issued",
            Status::ReviewRequested => "review_requested",
            Status::Reviewed => "reviewed",
            Status::RecheckRequested => "recheck_requested",
            Status::Hearing => "hearing",
            Status::Final => "final",
            Status::Concluded => "concluded",
            Status::Mediated => "mediated",
            Status::Routed => "routed",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Registered => "已登记",
            Status::Notified => "已告知",
            Status::Transferred => "已转送交办",
            Status::Objected => "异议待核实",
            Status::Handling => "办理中",
            Status::OpinionIssued => "已出具处理意见",
            Status::ReviewRequested => "复查中",
            Status::Reviewed => "已复查",
            Status::RecheckRequested => "复核中",
            Status::Hearing => "听证中",
            Status::Final => "复核终结",
            Status::Concluded => "已办结",
            Status::Mediated => "调解化解",
            Status::Routed => "已转入法定途径",
            Status::Withdrawn => "已撤回",
        }
    }

    /// The matter is still being handled, or a 复查/复核 may still be asked for: a new petition on
    /// the same matter is linked to this one instead of registered again (art 19).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Final | Status::Concluded | Status::Mediated | Status::Routed | Status::Withdrawn)
    }

    /// 复核 concluded: the same matter is closed to new petitions (art 36: 不再受理).
    pub fn is_final(self) -> bool {
        self == Status::Final
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
            assert!(!(s.is_open() && s.is_final()));
        }
        assert_eq!(Status::ALL.iter().filter(|s| !s.is_open()).count(), 5);
        assert_eq!(Status::Hearing.label(), "听证中");
    }
}
