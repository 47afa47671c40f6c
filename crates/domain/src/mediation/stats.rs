//! The leaders' figures of 矛盾纠纷 (issue 12 "For leaders"), defined once. Each figure is a
//! [`Ratio`] or an [`Average`] over the disputes **registered in the period** (status as it
//! stands today), so its numerator and denominator can always be shown.
//!
//! | figure | numerator | denominator | source of the definition |
//! |---|---|---|---|
//! | 化解率 | disputes [resolved](is_resolved): the agreement took effect (履行中, 已回访, 已结案) | disputes registered | 人民调解法 arts 29–31: an effective agreement binds the parties (“具有法律约束力”) and its performance is supervised; 综治 practice counts 化解 over 受理/登记 (浙江 矛调中心 “化解成功率”, DOMAIN-RULES §1.7) |
//! | 调解成功率 | mediations that reached an agreement (已达成协议 and after) | those that ended: agreements + 调解终止 | art 26 (调解不成 → 终止调解) vs arts 28–30 (协议) |
//! | 协议履行率 | agreement items fully performed (已履行) | items due: 履行期限 reached by today, or already performed | art 31 (监督履行) |
//! | 小事不出村 | resolved disputes handled at grid or community level | resolved disputes | 信访工作条例 art 15 ¶3 “小事不出村、大事不出镇、矛盾不上交” (DOMAIN-RULES §1.4) |
//! | 平均达成协议天数 | Shanghai calendar days from registration to the agreement's recording, summed | disputes with an agreement | — |
//! | 平均结案天数 | days from registration to 结案 (案结事了), summed | closed disputes | — |
//!
//! Not counted as resolved: a withdrawal (撤回, art 23: a party may end mediation) — the record
//! does not say whether the parties settled, so it is not claimed as 化解; a written agreement
//! still awaiting signatures (已达成协议) counts as a mediation success but not yet as 化解
//! (art 29: it takes effect when signed and sealed). A dispute's level only rises (escalation,
//! risk assessment), so its level at resolution is its level now.
//!
//! The store adds these up in SQL from the status, level and day columns it keeps beside the
//! state ([`days_to_agreement`], [`days_to_close`], the performance items); [`Tally::of`] is the
//! same count for one dispute in Rust, which the tests hold the SQL to.

use super::kinds::Level;
use super::state::{DisputeState, PerformanceResult};
use super::status::Status;
use crate::case::deadline::shanghai_date;
use crate::kernel::ratio::{Average, Ratio};
use chrono::NaiveDate;

/// 化解: the agreement took effect (art 29–31); closing follows performance.
pub const RESOLVED: [Status; 3] = [Status::Performing, Status::FollowedUp, Status::Closed];
/// Mediation reached an agreement (written and awaiting signatures, or in effect).
pub const AGREED: [Status; 4] = [Status::Agreed, Status::Performing, Status::FollowedUp, Status::Closed];
/// Mediation ended without one (调解不成, art 26).
pub const FAILED: [Status; 1] = [Status::Failed];
/// 不出村: the grid and the community (村/社区) — not the street's 矛调中心, not the district.
pub const LOCAL_LEVELS: [Level; 2] = [Level::Grid, Level::Community];

pub fn is_resolved(status: Status) -> bool {
    RESOLVED.contains(&status)
}

/// Calendar days (Shanghai) from registration to the agreement's recording, for a dispute whose
/// mediation reached one; 0 for the same day.
pub fn days_to_agreement(s: &DisputeState) -> Option<i64> {
    let agreement = s.agreement.as_ref().filter(|_| AGREED.contains(&s.status))?;
    Some(days(s, shanghai_date(agreement.recorded_at)))
}

/// Calendar days (Shanghai) from registration to 结案.
pub fn days_to_close(s: &DisputeState) -> Option<i64> {
    let closed = s.closed_at.filter(|_| s.status == Status::Closed)?;
    Some(days(s, shanghai_date(closed)))
}

fn days(s: &DisputeState, day: NaiveDate) -> i64 {
    (day - shanghai_date(s.registered_at)).num_days().max(0)
}

/// An agreement item counts as due on `today` once its 履行期限 has come (the due day itself
/// included), or earlier when it was already fully performed.
pub fn item_is_due(due: NaiveDate, result: Option<PerformanceResult>, today: NaiveDate) -> bool {
    due <= today || result == Some(PerformanceResult::Performed)
}

/// The counts behind the figures of one group of disputes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub registered: i64,
    pub resolved: i64,
    /// Resolved at grid or community level.
    pub resolved_locally: i64,
    pub agreed: i64,
    pub failed: i64,
    /// Days to agreement, summed, and how many disputes they are of.
    pub agreement_days: i64,
    pub agreements_timed: i64,
    /// Days to 结案, summed, and how many disputes were closed.
    pub close_days: i64,
    pub closed: i64,
    pub items_due: i64,
    pub items_performed: i64,
}

impl Tally {
    /// One dispute's share of the counts on `today` (of its agreement items: those in effect).
    pub fn of(s: &DisputeState, today: NaiveDate) -> Tally {
        let resolved = is_resolved(s.status);
        let agreement = days_to_agreement(s);
        let close = days_to_close(s);
        let in_effect = s.status.agreement_in_effect();
        let items = s.performance.iter().filter(|_| in_effect);
        let due = items.clone().filter(|i| item_is_due(i.term.due, i.result, today)).count();
        let performed = items.filter(|i| i.result == Some(PerformanceResult::Performed)).count();
        Tally {
            registered: 1,
            resolved: i64::from(resolved),
            resolved_locally: i64::from(resolved && LOCAL_LEVELS.contains(&s.level)),
            agreed: i64::from(AGREED.contains(&s.status)),
            failed: i64::from(FAILED.contains(&s.status)),
            agreement_days: agreement.unwrap_or(0),
            agreements_timed: i64::from(agreement.is_some()),
            close_days: close.unwrap_or(0),
            closed: i64::from(close.is_some()),
            items_due: due as i64,
            items_performed: performed as i64,
        }
    }

    pub fn plus(self, o: Tally) -> Tally {
        Tally {
            registered: self.registered + o.registered,
            resolved: self.resolved + o.resolved,
            resolved_locally: self.resolved_locally + o.resolved_locally,
            agreed: self.agreed + o.agreed,
            failed: self.failed + o.failed,
            agreement_days: self.agreement_days + o.agreement_days,
            agreements_timed: self.agreements_timed + o.agreements_timed,
            close_days: self.close_days + o.close_days,
            closed: self.closed + o.closed,
            items_due: self.items_due + o.items_due,
            items_performed: self.items_performed + o.items_performed,
        }
    }

    /// 化解率.
    pub fn resolution(&self) -> Ratio {
        Ratio::new(self.resolved, self.registered)
    }

    /// 调解成功率.
    pub fn success(&self) -> Ratio {
        Ratio::new(self.agreed, self.agreed + self.failed)
    }

    /// 协议履行率.
    pub fn performance(&self) -> Ratio {
        Ratio::new(self.items_performed, self.items_due)
    }

    /// 小事不出村: the share of resolved disputes resolved at grid or community level.
    pub fn local_share(&self) -> Ratio {
        Ratio::new(self.resolved_locally, self.resolved)
    }

    pub fn to_agreement(&self) -> Average {
        Average::new(self.agreement_days, self.agreements_timed)
    }

    pub fn to_close(&self) -> Average {
        Average::new(self.close_days, self.closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mediation::Status;

    /// Every status is exactly one of: resolved, agreed but not yet in effect, failed, or
    /// neither (still open, refused, withdrawn).
    #[test]
    fn each_status_has_one_place_in_the_figures() {
        for &s in Status::ALL {
            let resolved = is_resolved(s);
            let agreed = AGREED.contains(&s);
            let failed = FAILED.contains(&s);
            assert!(!(agreed && failed), "{s:?}");
            assert_eq!(resolved, s.agreement_in_effect(), "{s:?}: 化解 is an agreement in effect");
            assert!(!resolved || agreed, "{s:?}: every resolved dispute reached an agreement");
            if matches!(s, Status::Withdrawn | Status::Refused) {
                assert!(!resolved && !agreed && !failed, "{s:?} is neither");
            }
        }
        assert!(LOCAL_LEVELS.iter().all(|l| *l < Level::Street));
    }

    #[test]
    fn an_item_is_due_on_its_day_or_once_performed() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        assert!(item_is_due(d(8), None, d(8)), "the due day itself");
        assert!(!item_is_due(d(9), None, d(8)));
        assert!(!item_is_due(d(9), Some(PerformanceResult::Partly), d(8)));
        assert!(item_is_due(d(9), Some(PerformanceResult::Performed), d(8)), "performed early");
    }

    #[test]
    fn figures_show_their_parts() {
        let t = Tally {
            registered: 31,
            resolved: 23,
            resolved_locally: 20,
            agreed: 25,
            failed: 3,
            agreement_days: 43,
            agreements_timed: 10,
            close_days: 0,
            closed: 0,
            items_due: 8,
            items_performed: 6,
        };
        assert_eq!(t.resolution().fraction(), "23 / 31");
        assert_eq!(t.success(), Ratio::new(25, 28));
        assert_eq!(t.local_share(), Ratio::new(20, 23));
        assert_eq!(t.performance().percent(), "75.0%");
        assert_eq!(t.to_agreement().days(), "4.3");
        assert_eq!(t.to_close().days(), "—");
        assert_eq!(t.plus(Tally::default()), t);
    }
}
