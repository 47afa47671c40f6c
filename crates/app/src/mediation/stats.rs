//! The leaders' views of 矛盾纠纷 and 信访 (issue 12 "For leaders"), composed from the store's
//! SQL tallies and the domain's definitions (`tongxin_domain::mediation::stats`,
//! `tongxin_domain::petition::stats`): no figure is computed twice.
//!
//! - [`report`]: the figures of the disputes registered in a period — overall, by type, by risk
//!   level — with the open and overdue disputes now, and the 按期率 of each petition duty;
//! - [`daily`]: the 矛调中心's list of a day — disputes registered, sessions, agreements,
//!   failures, violence reports; limits and agreement items overdue or due within
//!   [`DUE_SOON_DAYS`]; petitions received, and those whose earliest duty is due that soon.
//!
//! Both read within the caller's reach: a [`Viewer`] for disputes (a mediator: their
//! organisations' and their own disputes), a scope for petitions (`None`: the caller reads no
//! petitions, e.g. a mediator).

use chrono::{DateTime, Days, NaiveDate, Utc};
use std::collections::BTreeMap;
use tongxin_domain::case::deadline::shanghai_date;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::period::Period;
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_domain::mediation::risk::RiskLevel;
use tongxin_domain::mediation::stats::Tally;
use tongxin_domain::mediation::{EventKind, Status};
use tongxin_domain::petition::ClockKind;
use tongxin_domain::petition::stats::{ClockTally, tally};
use tongxin_store::mediation::{DailyLine, Group, OpenCount, Viewer};
use tongxin_store::petitions::{PetitionFilter, PetitionView};
use tongxin_store::{Page, Store, StoreError};

/// "Due soon" on the daily list: within this many days after today.
pub const DUE_SOON_DAYS: u64 = 3;
/// The most lines of one section of the daily list.
pub const DAILY_LINES: u32 = 200;

/// The figures of one group (a type, a risk level, or everything): the period's tally and the
/// open disputes now.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<K> {
    pub key: K,
    pub tally: Tally,
    pub open: OpenCount,
}

/// A risk group: a configured level, or a code no longer configured, or not assessed.
#[derive(Debug, Clone, PartialEq)]
pub enum RiskKey {
    Level(RiskLevel),
    /// An assessment's code that is no longer configured.
    Retired(String),
    NotAssessed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    pub overall: Row<()>,
    /// Types with any dispute in the period or open now, in the dictionary's order.
    pub by_type: Vec<Row<DisputeType>>,
    /// Every configured level (most severe first), then retired codes, then 未研判 if any.
    pub by_risk: Vec<Row<RiskKey>>,
    /// Each rated petition duty; `None` when the caller reads no petitions.
    pub petitions: Option<PetitionClocks>,
}

/// The petitions received in the period and how each duty's clocks stand now.
#[derive(Debug, Clone, PartialEq)]
pub struct PetitionClocks {
    pub received: i64,
    pub duties: [(ClockKind, ClockTally); 5],
}

async fn grouped(
    store: &Store,
    viewer: &Viewer,
    area: Option<&str>,
    period: Period,
    group: Group,
) -> Result<(BTreeMap<Option<String>, Tally>, BTreeMap<Option<String>, OpenCount>), StoreError> {
    let m = store.mediation();
    Ok((m.tallies(viewer, area, period.instants(), group).await?, m.open_counts(viewer, area, group).await?))
}

/// The figures of the disputes registered in `period` that `viewer` reads (within `area`, a
/// region in the viewer's scope), and of the petitions `petitions` reads that were received in
/// it, as of now.
pub async fn report(
    store: &Store,
    viewer: &Viewer,
    petitions: Option<&Scope>,
    area: Option<&str>,
    period: Period,
    cal: &WorkingCalendar,
) -> Result<Report, StoreError> {
    let (all, open) = grouped(store, viewer, area, period, Group::All).await?;
    let overall = Row {
        key: (),
        tally: all.into_values().next().unwrap_or_default(),
        open: open.into_values().next().unwrap_or_default(),
    };

    let (tallies, open) = grouped(store, viewer, area, period, Group::Type).await?;
    let by_type = DisputeType::ALL
        .iter()
        .map(|t| {
            let key = Some(t.as_str().to_string());
            Row {
                key: *t,
                tally: tallies.get(&key).copied().unwrap_or_default(),
                open: open.get(&key).copied().unwrap_or_default(),
            }
        })
        .filter(|r| r.tally.registered > 0 || r.open.open > 0)
        .collect();

    let (mut tallies, mut open) = grouped(store, viewer, area, period, Group::Risk).await?;
    let mut by_risk = Vec::new();
    for level in store.mediation().risk_levels().await? {
        let key = Some(level.code.clone());
        let (tally, open) = (tallies.remove(&key).unwrap_or_default(), open.remove(&key).unwrap_or_default());
        by_risk.push(Row { key: RiskKey::Level(level), tally, open });
    }
    let none = (tallies.remove(&None), open.remove(&None));
    let mut retired: Vec<String> = tallies.keys().chain(open.keys()).flatten().cloned().collect();
    retired.sort();
    retired.dedup();
    for code in retired {
        let key = Some(code.clone());
        let (tally, open) = (tallies.remove(&key).unwrap_or_default(), open.remove(&key).unwrap_or_default());
        by_risk.push(Row { key: RiskKey::Retired(code), tally, open });
    }
    if none.0.is_some() || none.1.is_some() {
        by_risk.push(Row {
            key: RiskKey::NotAssessed,
            tally: none.0.unwrap_or_default(),
            open: none.1.unwrap_or_default(),
        });
    }

    let petitions = match petitions {
        None => None,
        Some(scope) => {
            let states = store.petitions().states_received(scope, period.instants()).await?;
            Some(PetitionClocks { received: states.len() as i64, duties: tally(&states, store.now(), cal) })
        }
    };
    Ok(Report { period, overall, by_type, by_risk, petitions })
}

/// One section of the daily list: its lines and whether more were left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Section<T> {
    pub lines: Vec<T>,
    pub more: bool,
}

impl<T> Section<T> {
    fn of(mut lines: Vec<T>) -> Section<T> {
        let more = lines.len() > DAILY_LINES as usize;
        lines.truncate(DAILY_LINES as usize);
        Section { lines, more }
    }
}

/// The 矛调中心's list of `day`; the due lists are as of now.
#[derive(Debug, Clone, PartialEq)]
pub struct Daily {
    pub day: NaiveDate,
    /// The last day counted as "due soon" (today + [`DUE_SOON_DAYS`]).
    pub due_by: NaiveDate,
    pub registered: Section<DailyLine>,
    pub sessions: Section<DailyLine>,
    pub agreements: Section<DailyLine>,
    pub failures: Section<DailyLine>,
    pub violence: Section<DailyLine>,
    /// Disputes past their mediation limit or reaching it by `due_by`.
    pub limits: Section<DailyLine>,
    /// Agreement items not performed, past due or due by `due_by`.
    pub items: Section<DailyLine>,
    /// `None` when the caller reads no petitions.
    pub petitions_received: Option<Section<PetitionView>>,
    pub petitions_due: Option<Section<PetitionView>>,
}

/// The end of `day` (00:00 Shanghai time on the next day).
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    Period::day(day).instants().1
}

/// The daily list of `day` for `viewer` (within `area`) and the petitions `petitions` reads.
pub async fn daily(
    store: &Store,
    viewer: &Viewer,
    petitions: Option<&Scope>,
    area: Option<&str>,
    day: NaiveDate,
) -> Result<Daily, StoreError> {
    let m = store.mediation();
    let span = Period::day(day).instants();
    let limit = i64::from(DAILY_LINES) + 1;
    let today = shanghai_date(store.now());
    let due_by = today.checked_add_days(Days::new(DUE_SOON_DAYS)).unwrap_or(today);
    let (petitions_received, petitions_due) = match petitions {
        None => (None, None),
        Some(scope) => {
            let received = store.petitions().received_between(scope, span, limit).await?;
            let filter = PetitionFilter {
                open_only: true,
                due_before: Some(end_of(due_by)),
                by_deadline: true,
                ..PetitionFilter::default()
            };
            let due = store.petitions().list(scope, &filter, Page::new(Some(1), Some(DAILY_LINES))).await?;
            let more = due.total > i64::from(DAILY_LINES);
            (Some(Section::of(received)), Some(Section { lines: due.items, more }))
        }
    };
    Ok(Daily {
        day,
        due_by,
        registered: Section::of(m.registered_between(viewer, area, span, limit).await?),
        sessions: Section::of(m.events_between(viewer, area, EventKind::SessionHeld, span, limit).await?),
        agreements: Section::of(m.events_between(viewer, area, EventKind::AgreementRecorded, span, limit).await?),
        failures: Section::of(m.events_between(viewer, area, EventKind::Terminated, span, limit).await?),
        violence: Section::of(m.events_between(viewer, area, EventKind::ViolenceReported, span, limit).await?),
        limits: Section::of(m.limits_due(viewer, area, end_of(due_by), limit).await?),
        items: Section::of(m.items_due(viewer, area, due_by, limit).await?),
        petitions_received,
        petitions_due,
    })
}

/// Whether a dispute's line is past its limit now (accepted or being mediated, the limit gone).
pub fn past_limit(line: &DailyLine, now: DateTime<Utc>) -> bool {
    matches!(line.dispute.status, Status::Accepted | Status::Mediating)
        && line.dispute.deadline_at.is_some_and(|d| now > d)
}
