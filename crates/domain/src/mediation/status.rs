//! Where a dispute stands. The statuses follow the 综治中心 flow 登记受理 → 先行调解 → 风险研判
//! → 分类流转 → 跟踪督办 → 案结事了 (DOMAIN-RULES §1.7): 登记受理 is `registered`/`accepted`,
//! 先行调解 is `mediating` at the level that received it, 风险研判 and 分类流转 (transfer,
//! escalation) and 督办 happen within the open statuses, 案结事了 is `closed`.

use super::names::named_enum;

named_enum! {
    /// A dispute's status.
    Status {
        /// 已登记: recorded (grid screening, online application, referral, walk-in); the
        /// organisation holding it has not accepted it yet.
        Registered = "registered", "已登记";
        /// 已受理: the organisation accepted it; the one-month limit runs; consents are
        /// collected and mediators assigned.
        Accepted = "accepted", "已受理";
        /// 调解中: the first session was held (every party consented, a mediator assigned).
        Mediating = "mediating", "调解中";
        /// 已达成协议: a written agreement was reached and awaits the signatures and seal
        /// that make it effective (人民调解法 art 29).
        Agreed = "agreed", "已达成协议";
        /// 履行中: the agreement is effective (a signed written one, or an oral one the day
        /// it was reached: art 30); performance is followed (art 31).
        Performing = "performing", "履行中";
        /// 已回访: at least one follow-up visit on the performance (local practice).
        FollowedUp = "followed_up", "已回访";
        /// 已结案: 案结事了.
        Closed = "closed", "已结案";
        /// 调解终止: mediation failed; the parties were told of arbitration, administrative and
        /// judicial routes (art 26).
        Failed = "failed", "调解终止";
        /// 不予调解: a party clearly refused mediation (art 17).
        Refused = "refused", "当事人拒绝调解";
        /// 已撤回: the applicant withdrew.
        Withdrawn = "withdrawn", "已撤回";
    }
}

impl Status {
    /// Not finished: supervision, risk assessment and violence reports apply.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Failed | Status::Refused | Status::Withdrawn)
    }

    /// Being mediated, before any agreement: the one-month limit runs (once accepted), the
    /// dispute may be transferred, escalated or withdrawn.
    pub fn is_before_agreement(self) -> bool {
        matches!(self, Status::Registered | Status::Accepted | Status::Mediating)
    }

    /// The agreement has taken effect: performance is followed and 司法确认 may be applied for.
    pub fn agreement_in_effect(self) -> bool {
        matches!(self, Status::Performing | Status::FollowedUp | Status::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        let open: Vec<_> = Status::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open.len(), 6);
        assert!(Status::Performing.agreement_in_effect() && !Status::Agreed.agreement_in_effect());
    }
}
