//! 考评 — the 三率 of a unit over a period (DESIGN §2.4) and the weighted score.
//!
//! - 响应率 = cases responded to in time / cases dispatched to the unit. "In time" means the unit
//!   acknowledged AND the requester was contacted before the deadline (the store decides that
//!   per case and passes the count).
//! - 解决率 = verdicts "resolved" / all verdicts; 满意率 = verdicts 满意 or 基本满意 / all
//!   verdicts. A reopen (重办) counts against the unit: the verdict that reopened a case counts
//!   as one more verdict, unresolved and unsatisfied, on top of the case's final verdict.
//! - A patrol case closed on the spot (就地解决, no requester to ask) counts for its grid as
//!   dispatched, responded in time and resolved: one more verdict for 解决率 only — there is no
//!   resident to be satisfied, so 满意率 is not touched (`closed_on_spot`).
//! - A case closed by referral to mediation (转调解) is never rated: it enters neither 解决率 nor
//!   满意率 — the answer did not come from the unit, and its outcome is counted with the dispute
//!   (化解率). For 响应率 it stays what it was when referred: dispatched to its lead if it was,
//!   responded if the lead had acknowledged and contacted the requester in time (a referral is
//!   no contact with the requester), so a late unit cannot wipe its lateness by referring.
//!   Referred before dispatch (the dispatch centre's usual path), it counts for no unit at all.
//! - Which of a unit's cases count against its 响应率, and why, is [`response_of`]: the
//!   explanation page lists it (DOMAIN-RULES §7.4: 响应率 = contacted the requester in time,
//!   after 签收 — the 12345 practice of 北京市接诉即办工作条例 art 15 and 32).
//! - score (0–100) = Σ weight × rate over the rates that exist, divided by the sum of their
//!   weights: when a rate has no denominator (nothing dispatched, nothing rated) its weight is
//!   shared out proportionally among the others rather than counting as zero. With no rate at
//!   all there is no score.

use serde::{Deserialize, Serialize};

/// What the store counts for one unit and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCounts {
    /// Cases dispatched to the unit (as lead).
    pub dispatched: u64,
    /// Of those, acknowledged and the requester contacted within the deadline.
    pub responded_in_time: u64,
    /// Final verdicts (ratings that ended the loop).
    pub rated: u64,
    /// Of the final verdicts, "resolved".
    pub resolved: u64,
    /// Of the final verdicts, 满意 or 基本满意.
    pub satisfied: u64,
    /// Verdicts that reopened a case (重办); each counts as unresolved and unsatisfied.
    pub reopened: u64,
    /// Patrol cases closed on the spot: each a resolved verdict for 解决率 (not for 满意率).
    #[serde(default)]
    pub closed_on_spot: u64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvaluationError {
    #[error("权重必须是不小于 0 的数")]
    NegativeWeight,
    #[error("三率权重之和应为 1，当前为 {0}")]
    WeightSum(f64),
    #[error("考评数据有误：{0}")]
    Counts(&'static str),
}

impl UnitCounts {
    /// Part counts never exceed their totals.
    pub fn validate(&self) -> Result<(), EvaluationError> {
        if self.responded_in_time > self.dispatched {
            return Err(EvaluationError::Counts("按时响应件数多于派单件数"));
        }
        if self.resolved > self.rated {
            return Err(EvaluationError::Counts("已解决件数多于评价件数"));
        }
        if self.satisfied > self.rated {
            return Err(EvaluationError::Counts("满意件数多于评价件数"));
        }
        Ok(())
    }

    /// Adds another period's or unit's counts (e.g. grids into their community).
    pub fn add(&mut self, other: &UnitCounts) {
        self.dispatched += other.dispatched;
        self.responded_in_time += other.responded_in_time;
        self.rated += other.rated;
        self.resolved += other.resolved;
        self.satisfied += other.satisfied;
        self.reopened += other.reopened;
        self.closed_on_spot += other.closed_on_spot;
    }
}

/// The three rates (0–1) and the score (0–100); `None` when there is nothing to divide by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    pub response: Option<f64>,
    pub resolution: Option<f64>,
    pub satisfaction: Option<f64>,
    pub score: Option<f64>,
}

/// Admin-set weights of the three rates; they sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub response: f64,
    pub resolution: f64,
    pub satisfaction: f64,
}

impl Default for Weights {
    /// The published example: 30% / 35% / 35%.
    fn default() -> Weights {
        Weights { response: 0.30, resolution: 0.35, satisfaction: 0.35 }
    }
}

impl Weights {
    pub fn new(response: f64, resolution: f64, satisfaction: f64) -> Result<Weights, EvaluationError> {
        let w = Weights { response, resolution, satisfaction };
        w.validate()?;
        Ok(w)
    }

    /// Each weight finite and ≥ 0, their sum 1 within 1e-9.
    pub fn validate(&self) -> Result<(), EvaluationError> {
        let all = [self.response, self.resolution, self.satisfaction];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(EvaluationError::NegativeWeight);
        }
        let sum: f64 = all.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            // Shown rounded: 0.3 + 0.3 + 0.3 reads "0.9", not "0.8999999999999999".
            return Err(EvaluationError::WeightSum((sum * 1e6).round() / 1e6));
        }
        Ok(())
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64).min(1.0))
}

/// The rates and score of one unit (see the module documentation for the formulas).
pub fn rates(counts: &UnitCounts, w: &Weights) -> Rates {
    let verdicts = counts.rated + counts.reopened;
    let response = ratio(counts.responded_in_time, counts.dispatched);
    let resolution = ratio(counts.resolved + counts.closed_on_spot, verdicts + counts.closed_on_spot);
    let satisfaction = ratio(counts.satisfied, verdicts);
    let parts = [(response, w.response), (resolution, w.resolution), (satisfaction, w.satisfaction)];
    let (sum, weight) =
        parts.iter().filter_map(|(r, w)| r.map(|r| (r * w, *w))).fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
    let score = (weight > 0.0).then(|| (sum / weight * 100.0).clamp(0.0, 100.0));
    Rates { response, resolution, satisfaction, score }
}

/// Orders units by score, highest first, units without a score last (in their input order).
/// Ranks are shared by ties (scores within 1e-9), standard competition style: 1, 1, 3. Units
/// without a score all share the rank after the last scored unit.
pub fn rank<K>(items: Vec<(K, Rates)>) -> Vec<(usize, K, Rates)> {
    let mut items = items;
    items.sort_by(|(_, a), (_, b)| match (a.score, b.score) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut out: Vec<(usize, K, Rates)> = Vec::with_capacity(items.len());
    let mut group: Option<(usize, Option<f64>)> = None;
    for (i, (k, r)) in items.into_iter().enumerate() {
        let same = match (group, r.score) {
            (Some((_, Some(g))), Some(s)) => (g - s).abs() <= 1e-9,
            (Some((_, None)), None) => true,
            _ => false,
        };
        if !same {
            group = Some((i + 1, r.score));
        }
        let position = group.map_or(i + 1, |(p, _)| p);
        out.push((position, k, r));
    }
    out
}

/// Where one case stands in its unit's 响应率 (the unit that was its lead when dispatched).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Acknowledged and the requester contacted in time (or closed on the spot by a patrol).
    Responded,
    /// Still waiting for 签收, or never acknowledged.
    NotAcknowledged,
    /// Acknowledged, but no contact with the requester recorded.
    NoContact,
    /// Acknowledged and contacted, but not both within their time limits.
    Late,
    /// The unit returned the case (退单) or it was withdrawn from it: counted as dispatched to
    /// it, not as responded.
    Returned,
}

impl Response {
    pub fn counts(self) -> bool {
        self == Response::Responded
    }

    /// Why, in the words shown to the unit.
    pub fn label(self) -> &'static str {
        match self {
            Response::Responded => "已响应（按时签收并联系诉求人）",
            Response::NotAcknowledged => "未签收",
            Response::NoContact => "已签收，未记录联系诉求人",
            Response::Late => "签收或联系超过时限",
            Response::Returned => "已退单或被撤回（计入派单，不计响应）",
        }
    }
}

/// The response of `unit` on a case it led: the counter's own flag decides "responded" (it is
/// set once, in the transaction that counted it), the rest says what is missing.
pub fn response_of(state: &super::CaseState, unit: &super::Unit) -> Response {
    if state.lead.as_ref() != Some(unit) || state.lead_participant().is_none() {
        return Response::Returned;
    }
    if state.response_counted {
        return Response::Responded;
    }
    match (state.lead_participant().and_then(|p| p.acknowledged_at), state.first_contact_at) {
        (None, _) => Response::NotAcknowledged,
        (Some(_), None) => Response::NoContact,
        (Some(_), Some(_)) => Response::Late,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(d: u64, resp: u64, rated: u64, res: u64, sat: u64, reo: u64) -> UnitCounts {
        UnitCounts {
            dispatched: d,
            responded_in_time: resp,
            rated,
            resolved: res,
            satisfied: sat,
            reopened: reo,
            closed_on_spot: 0,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn closed_on_spot_is_resolved_but_not_rated_for_satisfaction() {
        let w = Weights::default();
        // 2 rated (1 resolved, 2 satisfied) + 2 closed on the spot.
        let c = UnitCounts { closed_on_spot: 2, ..counts(4, 4, 2, 1, 2, 0) };
        let r = rates(&c, &w);
        assert!(close(r.resolution, 3.0 / 4.0), "{r:?}");
        assert!(close(r.satisfaction, 1.0), "{r:?}");
        // Only patrol work: resolved, no 满意率 at all.
        let r = rates(&UnitCounts { closed_on_spot: 3, ..counts(3, 3, 0, 0, 0, 0) }, &w);
        assert_eq!((r.response, r.resolution, r.satisfaction), (Some(1.0), Some(1.0), None));
    }

    #[test]
    fn response_explained() {
        use crate::case::{CaseState, Channel, Participant, Unit};
        let now = chrono::DateTime::UNIX_EPOCH;
        let unit = Unit::Department(1);
        let mut s = CaseState::new(Channel::Web);
        s.lead = Some(unit.clone());
        s.participants = vec![Participant::new(unit.clone())];
        assert_eq!(response_of(&s, &unit), Response::NotAcknowledged);
        s.participants[0].acknowledged_at = Some(now);
        assert_eq!(response_of(&s, &unit), Response::NoContact);
        s.first_contact_at = Some(now);
        assert_eq!(response_of(&s, &unit), Response::Late);
        s.response_counted = true;
        assert_eq!(response_of(&s, &unit), Response::Responded);
        assert!(Response::Responded.counts() && !Response::Late.counts());
        // Another unit's case, or returned by this one.
        assert_eq!(response_of(&s, &Unit::Department(2)), Response::Returned);
        s.participants[0].returned = true;
        assert_eq!(response_of(&s, &unit), Response::Returned);
    }

    #[test]
    fn rates_table() {
        let w = Weights::default();
        // (counts, response, resolution, satisfaction, score)
        type Row = (UnitCounts, Option<f64>, Option<f64>, Option<f64>, Option<f64>);
        let table: [Row; 6] = [
            (counts(10, 9, 8, 6, 7, 0), Some(0.9), Some(0.75), Some(0.875), Some(83.875)),
            // One reopen: 8 final verdicts + 1 negative.
            (counts(10, 9, 8, 8, 8, 1), Some(0.9), Some(8.0 / 9.0), Some(8.0 / 9.0), Some(27.0 + 70.0 * 8.0 / 9.0)),
            // Nothing rated: response alone carries the score.
            (counts(4, 3, 0, 0, 0, 0), Some(0.75), None, None, Some(75.0)),
            // Nothing dispatched, rated only: resolution and satisfaction share 50/50.
            (counts(0, 0, 4, 2, 4, 0), None, Some(0.5), Some(1.0), Some(75.0)),
            (counts(0, 0, 0, 0, 0, 0), None, None, None, None),
            (counts(5, 5, 5, 5, 5, 0), Some(1.0), Some(1.0), Some(1.0), Some(100.0)),
        ];
        for (c, resp, res, sat, score) in table {
            let r = rates(&c, &w);
            let same = |a: Option<f64>, b: Option<f64>| match b {
                None => a.is_none(),
                Some(b) => close(a, b),
            };
            assert!(same(r.response, resp), "{c:?} {r:?}");
            assert!(same(r.resolution, res), "{c:?} {r:?}");
            assert!(same(r.satisfaction, sat), "{c:?} {r:?}");
            assert!(same(r.score, score), "{c:?} {r:?}");
        }
    }

    #[test]
    fn weights_are_validated() {
        assert!(Weights::default().validate().is_ok());
        assert!(Weights::new(0.2, 0.4, 0.4).is_ok());
        assert!(Weights::new(1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0).is_ok());
        let err = Weights::new(0.3, 0.3, 0.3).unwrap_err();
        assert!(err.to_string().starts_with("三率权重之和应为 1，当前为 0.9"), "{err}");
        assert_eq!(Weights::new(-0.1, 0.6, 0.5).unwrap_err().to_string(), "权重必须是不小于 0 的数");
        assert!(Weights::new(f64::NAN, 0.5, 0.5).is_err());
        // A zero weight on the only available rate leaves no score.
        let w = Weights::new(0.0, 0.5, 0.5).unwrap();
        assert_eq!(rates(&counts(3, 3, 0, 0, 0, 0), &w).score, None);
    }

    #[test]
    fn counts_are_checked_and_added() {
        assert!(counts(3, 4, 0, 0, 0, 0).validate().is_err());
        assert!(counts(3, 3, 2, 3, 0, 0).validate().is_err());
        assert_eq!(counts(3, 3, 2, 2, 3, 0).validate().unwrap_err().to_string(), "考评数据有误：满意件数多于评价件数");
        let mut a = counts(1, 1, 1, 1, 1, 1);
        a.add(&counts(2, 1, 2, 1, 0, 0));
        assert_eq!(a, counts(3, 2, 3, 2, 1, 1));
        // Inconsistent input never yields a rate above 1.
        assert_eq!(rates(&counts(3, 4, 0, 0, 0, 0), &Weights::default()).response, Some(1.0));
    }

    #[test]
    fn ranking_shares_ties_and_puts_unscored_last() {
        let r = |s: Option<f64>| Rates { score: s, ..Rates::default() };
        let ranked = rank(vec![
            ("a", r(Some(80.0))),
            ("b", r(None)),
            ("c", r(Some(95.0))),
            ("d", r(Some(80.0))),
            ("e", r(Some(60.0))),
            ("f", r(None)),
        ]);
        let got: Vec<(usize, &str)> = ranked.iter().map(|(p, k, _)| (*p, *k)).collect();
        assert_eq!(got, [(1, "c"), (2, "a"), (2, "d"), (4, "e"), (5, "b"), (5, "f")]);
        assert!(rank::<u8>(Vec::new()).is_empty());
    }
}
