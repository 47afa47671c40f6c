//! The leaders' figures and the 矛调中心's daily list on both backends, from disputes and
//! petitions made through the use-cases with known numbers: every figure's numerator and
//! denominator is asserted, the SQL tallies equal the domain's per-dispute count
//! (`Tally::of`), a period counts only what was registered in it, and a mediator of committee A
//! and the community worker of A do not count committee B's dispute.

use crate::common::STREET;
use crate::mediation::{Fx, assign, consent, fixture, mediating, ok, oral, party, session, staff, walk_in, written};
use crate::petitions::{form as petition_form, new as new_petition, notify, ok as petition_ok};
use chrono::{Duration, NaiveDate};
use tongxin_app::mediation::stats::{RiskKey, daily, report};
use tongxin_app::mediation::{register, report_violence};
use tongxin_app::petitions::Who as PWho;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::calendar::WorkingCalendar;
use tongxin_domain::kernel::period::Period;
use tongxin_domain::kernel::ratio::{Average, Ratio};
use tongxin_domain::kernel::region::RegionCode;
use tongxin_domain::mediation::kinds::{DisputeType, Level};
use tongxin_domain::mediation::stats::Tally;
use tongxin_domain::mediation::{Action, PerformanceResult, Route, Status, VisitForm};
use tongxin_domain::petition::stats::ClockTally;
use tongxin_domain::petition::{Channel, ClockKind, Kind};
use tongxin_store::mediation::{DisputeView, Viewer};
use tongxin_store::{Store, StoreError, on_read, on_tx};
use tongxin_testkit::both_backends;

const GRID_B: &str = "330702001009001";
const COMM_A: &str = "330702001008";

fn day(s: &Store) -> NaiveDate {
    tongxin_domain::case::deadline::shanghai_date(s.now())
}

/// The disputes of the fixture (see [`made`]).
struct Made {
    closed: DisputeView,
    unsigned: DisputeView,
    failed: DisputeView,
    registered: DisputeView,
    withdrawn: DisputeView,
    escalated: DisputeView,
    other_committee: DisputeView,
    overdue: DisputeView,
}

/// On 22 November (09:00): `closed` (an oral agreement the same day, assessed 绿 before it),
/// `unsigned` (a written agreement awaiting signatures), `failed` (终止), `withdrawn`,
/// `escalated` (raised to the street's 矛调中心), `other_committee` (committee B in grid B: an
/// oral agreement), `overdue` (being mediated; a violence report). On 25 November:
/// `registered` (物业, only registered) and `escalated`'s oral agreement (3 days). On 26
/// November `closed` is performed, visited and closed (4 days). Then the clock moves to
/// 24 December, past `overdue`'s one-month limit and past every item's due day.
async fn made(s: &Store, t: &tongxin_testkit::TestStore, fx: &Fx) -> Made {
    let desk = staff(&fx.dispatcher);
    let med = staff(&fx.med_a);
    let green = s.mediation().risk_levels().await.unwrap().into_iter().find(|l| l.code == "green").unwrap();

    let d = mediating(s, fx).await;
    let d = ok(s, &desk, &d, Action::AssessRisk { risk: green, note: String::new() }).await;
    let closed = ok(s, &med, &d, oral(s)).await;
    let d = mediating(s, fx).await;
    let unsigned = ok(s, &med, &d, written(s)).await;
    let d = mediating(s, fx).await;
    let terminate = Action::Terminate { reason: "双方分歧较大。".into(), routes: vec![Route::Litigation] };
    let failed = ok(s, &med, &d, terminate).await;
    let d = register(s, &staff(&fx.worker_a), walk_in(fx.committee_a.id)).await.unwrap();
    let d = ok(s, &staff(&fx.worker_a), &d, Action::Accept).await;
    let withdrawn = ok(s, &staff(&fx.worker_a), &d, Action::Withdraw { reason: "申请人撤回".into() }).await;
    let d = mediating(s, fx).await;
    let escalated =
        ok(s, &desk, &d, Action::Escalate { to: Level::Street, reason: "涉及多个社区，由矛调中心牵头".into() }).await;
    let mut b = walk_in(fx.committee_b.id);
    b.region = Some(GRID_B.into());
    let d = register(s, &desk, b).await.unwrap();
    let d = ok(s, &desk, &d, Action::Accept).await;
    let d = ok(s, &party(crate::mediation::RESPONDENT), &d, consent(1, true)).await;
    let d = ok(s, &desk, &d, assign(&[fx.mb])).await;
    let d = ok(s, &staff(&fx.med_b), &d, session(s)).await;
    let other_committee = ok(s, &staff(&fx.med_b), &d, oral(s)).await;
    let d = mediating(s, fx).await;
    let overdue = report_violence(s, &staff(&fx.worker_a), d.id, d.version, "一方扬言报复").await.unwrap();

    t.clock.advance(Duration::days(3));
    let mut property = walk_in(fx.committee_a.id);
    property.dispute_type = DisputeType::PropertyManagement;
    let registered = register(s, &staff(&fx.worker_a), property).await.unwrap();
    let escalated = ok(s, &med, &escalated, oral(s)).await;

    t.clock.advance(Duration::days(1));
    let performed = Action::RecordPerformance { item: 0, result: PerformanceResult::Performed, note: String::new() };
    let d = ok(s, &med, &closed, performed).await;
    let visit = Action::FollowUp { form: VisitForm::Phone, satisfied: true, note: "双方满意。".into() };
    let d = ok(s, &staff(&fx.grid_a), &d, visit).await;
    let closed = ok(s, &staff(&fx.worker_a), &d, Action::Close { routes_told: false, note: String::new() }).await;

    t.clock.advance(Duration::days(28));
    Made { closed, unsigned, failed, registered, withdrawn, escalated, other_committee, overdue }
}

fn cal() -> WorkingCalendar {
    WorkingCalendar::builtin()
}

async fn states(s: &Store, ids: &[&DisputeView]) -> Vec<tongxin_domain::mediation::DisputeState> {
    let mut out = Vec::new();
    for d in ids {
        out.push(s.mediation().get(&Viewer::System, d.id).await.unwrap().state);
    }
    out
}

both_backends! {
    /// The figures of the street's leader, then of committee A's mediator and community A's
    /// worker (committee B's dispute is not theirs), each part asserted; the tallies in SQL are
    /// the domain's count of the same disputes; a period of one day counts that day only.
    async fn figures_of_a_known_street(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        let m = made(s, &t, &fx).await;
        assert_eq!(day(s), NaiveDate::from_ymd_opt(2026, 12, 24).unwrap());
        let street = Scope::Region { code: RegionCode::parse(STREET).unwrap() };
        let year = Period::parse("", "", day(s)).unwrap();
        let r = report(s, &Viewer::Staff(street.clone()), None, None, year, &cal()).await.unwrap();
        let t8 = r.overall.tally;
        assert_eq!(t8.resolution(), Ratio::new(3, 8), "{label}: 化解 = closed, escalated, other committee's");
        assert_eq!(t8.success(), Ratio::new(4, 5), "{label}: 4 agreements (one unsigned) of 5 ended mediations");
        assert_eq!(t8.performance(), Ratio::new(1, 3), "{label}: 1 item performed of 3 due (the unsigned one's not in force)");
        assert_eq!(t8.local_share(), Ratio::new(2, 3), "{label}: the escalated one was resolved at the street");
        assert_eq!(t8.to_agreement(), Average::new(3, 4), "{label}: 0 + 0 + 3 + 0 days");
        assert_eq!(t8.to_close(), Average::new(4, 1), "{label}");
        assert_eq!((r.overall.open.open, r.overall.open.overdue), (5, 1), "{label}: unsigned, registered, escalated, other, overdue; one past its limit");

        // The SQL adds up what the domain counts per dispute.
        let all = [&m.closed, &m.unsigned, &m.failed, &m.registered, &m.withdrawn, &m.escalated, &m.other_committee, &m.overdue];
        let expected = states(s, &all).await.iter().fold(Tally::default(), |acc, st| acc.plus(Tally::of(st, day(s))));
        assert_eq!(t8, expected, "{label}");
        let now = s.now();
        let overdue: Vec<_> = states(s, &all).await.into_iter().filter(|st| st.is_overdue(now)).collect();
        assert_eq!(overdue.len(), 1, "{label}");
        assert_eq!(overdue[0].code.to_string(), m.overdue.code);

        // By type: six 邻里 and one 物业 … and the one of committee B, also 邻里.
        let types: Vec<_> = r.by_type.iter().map(|row| (row.key, row.tally.registered, row.tally.resolved, row.open.open)).collect();
        assert_eq!(types, [(DisputeType::Neighbourhood, 7, 3, 4), (DisputeType::PropertyManagement, 1, 0, 1)], "{label}");
        // By risk: every configured level (绿 holds the closed one), then 未研判.
        let risks: Vec<_> = r.by_risk.iter().map(|row| {
            let key = match &row.key { RiskKey::Level(l) => l.code.clone(), RiskKey::Retired(c) => format!("retired:{c}"), RiskKey::NotAssessed => "none".into() };
            (key, row.tally.registered, row.tally.resolved)
        }).collect();
        assert_eq!(
            risks,
            [("red".into(), 0, 0), ("orange".into(), 0, 0), ("yellow".into(), 0, 0), ("green".into(), 1, 1), ("none".to_string(), 7, 2)],
            "{label}"
        );

        // Committee A's mediator and community A's worker: committee B's dispute is not counted.
        for who in [&fx.med_a, &fx.worker_a] {
            let mine = report(s, &Viewer::of_user(who), None, None, year, &cal()).await.unwrap().overall;
            assert_eq!(
                (mine.tally.resolution(), mine.tally.success(), mine.tally.performance(), mine.tally.local_share()),
                (Ratio::new(2, 7), Ratio::new(3, 4), Ratio::new(1, 2), Ratio::new(1, 2)),
                "{label}: {}", who.username
            );
            assert_eq!((mine.open.open, mine.open.overdue), (4, 1), "{label}");
        }
        // Committee B's mediator: only theirs.
        let b = report(s, &Viewer::of_user(&fx.med_b), None, None, year, &cal()).await.unwrap().overall;
        assert_eq!((b.tally.resolution(), b.tally.local_share()), (Ratio::new(1, 1), Ratio::new(1, 1)), "{label}");

        // A narrower area: grid B alone; an area outside the scope is not found.
        let grid_b = report(s, &Viewer::Staff(street.clone()), None, Some(GRID_B), year, &cal()).await.unwrap();
        assert_eq!(grid_b.overall.tally.registered, 1, "{label}");
        let e = report(s, &Viewer::of_user(&fx.worker_a), None, Some(GRID_B), year, &cal()).await.unwrap_err();
        assert_eq!(e, StoreError::NotFound, "{label}");

        // A period: 25 November registered one (物业) and nothing was resolved of it.
        let p25 = Period::parse("2026-11-25", "2026-11-25", day(s)).unwrap();
        let r25 = report(s, &Viewer::Staff(street.clone()), None, None, p25, &cal()).await.unwrap();
        assert_eq!((r25.overall.tally.registered, r25.overall.tally.resolved), (1, 0), "{label}");
        assert_eq!(r25.by_type.iter().map(|r| r.key).collect::<Vec<_>>(), [DisputeType::Neighbourhood, DisputeType::PropertyManagement], "{label}: open now still listed");
        let p22 = Period::parse("2026-11-22", "2026-11-22", day(s)).unwrap();
        let r22 = report(s, &Viewer::Staff(street), None, None, p22, &cal()).await.unwrap();
        assert_eq!((r22.overall.tally.registered, r22.overall.tally.resolution()), (7, Ratio::new(3, 7)), "{label}");
        assert_eq!(m.withdrawn.status, Status::Withdrawn);
    }
}

both_backends! {
    /// The petition clocks: 书面告知 met, missed (told late), overdue (not told) and running —
    /// 1 / 3 on time; the daily list of a day and what is due now, within the reader's reach.
    async fn petition_clocks_and_the_daily_list(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        // On 22 November three petitions are received and one is told at once; on 24 December
        // (after the disputes of `made`) one is told late and a fourth is received.
        let desk = PWho::Staff(fx.dispatcher.clone());
        let street = Scope::Region { code: RegionCode::parse(STREET).unwrap() };
        let p1 = new_petition(s, &desk, petition_form(Channel::Letter, Kind::Claim, 1, "要求补发补偿款")).await;
        petition_ok(s, &desk, &p1, notify()).await;
        let p2 = new_petition(s, &desk, petition_form(Channel::Visit, Kind::Claim, 2, "要求修缮房屋")).await;
        let p3 = new_petition(s, &desk, petition_form(Channel::Phone, Kind::Suggestion, 3, "建议增设公交站")).await;
        let m = made(s, &t, &fx).await;
        petition_ok(s, &desk, &p2, notify()).await;
        let p4 = new_petition(s, &desk, petition_form(Channel::Online, Kind::Claim, 4, "要求处理噪音")).await;
        let year = Period::parse("", "", day(s)).unwrap();
        let r = report(s, &Viewer::Staff(street.clone()), Some(&street), None, year, &cal()).await.unwrap();
        let p = r.petitions.unwrap();
        assert_eq!(p.received, 4, "{label}");
        assert_eq!(p.duties[0], (ClockKind::Notice, ClockTally { met: 1, missed: 1, overdue: 1, running: 1 }), "{label}");
        assert_eq!(p.duties[0].1.on_time(), Ratio::new(1, 3), "{label}");
        assert!(p.duties[1..].iter().all(|(_, c)| c.on_time().den == 0), "{label}: nothing transferred or accepted");
        // Another street's reader rates none of them.
        let other = Scope::Region { code: RegionCode::parse("330702002").unwrap() };
        let none = report(s, &Viewer::Staff(other.clone()), Some(&other), None, year, &cal()).await.unwrap();
        assert_eq!(none.petitions.unwrap().received, 0, "{label}");

        // The daily list of 22 November, read on 24 December.
        let nov22 = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let d = daily(s, &Viewer::Staff(street.clone()), Some(&street), None, nov22).await.unwrap();
        let codes = |lines: &[tongxin_store::mediation::DailyLine]| lines.iter().map(|l| l.dispute.code.clone()).collect::<Vec<_>>();
        assert_eq!(d.registered.lines.len(), 7, "{label}: all but the one of 25 November");
        assert!(!codes(&d.registered.lines).contains(&m.registered.code), "{label}");
        assert_eq!(d.sessions.lines.len(), 6, "{label}: one session each of the six mediated");
        assert_eq!(codes(&d.agreements.lines), [m.closed.code.as_str(), m.unsigned.code.as_str(), m.other_committee.code.as_str()], "{label}");
        assert_eq!(codes(&d.failures.lines), [m.failed.code.as_str()], "{label}");
        assert_eq!(codes(&d.violence.lines), [m.overdue.code.as_str()], "{label}");
        // As of now: the limit passed, the items due and not performed, the petitions.
        assert_eq!(codes(&d.limits.lines), [m.overdue.code.as_str()], "{label}");
        assert_eq!(codes(&d.items.lines), [m.other_committee.code.as_str(), m.escalated.code.as_str()], "{label}: earliest due first");
        assert_eq!(d.petitions_received.as_ref().unwrap().lines.iter().map(|p| p.id).collect::<Vec<_>>(), [p1.id, p2.id, p3.id], "{label}");
        assert_eq!(d.petitions_due.as_ref().unwrap().lines.iter().map(|p| p.id).collect::<Vec<_>>(), [p3.id], "{label}: not told in 15 days; the new one is due on 8 January");
        assert_ne!(p4.id, p3.id);

        // Committee A's mediator: no petitions, no committee B.
        let mine = daily(s, &Viewer::of_user(&fx.med_a), None, None, nov22).await.unwrap();
        assert_eq!(mine.registered.lines.len(), 6, "{label}");
        assert!(!codes(&mine.agreements.lines).contains(&m.other_committee.code), "{label}");
        assert_eq!(codes(&mine.items.lines), [m.escalated.code.as_str()], "{label}");
        assert!(mine.petitions_received.is_none() && mine.petitions_due.is_none());
        // Community A's worker reads committee A's disputes in community A, not B's.
        let worker = daily(s, &Viewer::of_user(&fx.worker_a), None, Some(COMM_A), nov22).await.unwrap();
        assert_eq!(worker.registered.lines.len(), 6, "{label}");
    }
}

type DayColumns = Vec<(i64, Option<i64>, Option<i64>)>;
type Items = Vec<(i64, i64, NaiveDate, Option<String>)>;

async fn stats_columns(s: &Store) -> (DayColumns, Items) {
    let days =
        on_read!(&s.db, |p| sqlx::query_as("SELECT id, days_to_agreement, days_to_close FROM disputes ORDER BY id")
            .fetch_all(p)
            .await)
        .unwrap();
    let items = on_read!(&s.db, |p| sqlx::query_as(
        "SELECT dispute_id, idx, due_on, result FROM dispute_performance_items ORDER BY dispute_id, idx"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    (days, items)
}

both_backends! {
    /// The migration fills the columns of disputes saved before it exactly as a save writes
    /// them: its backfill, run on cleared columns, gives back what the use-cases wrote.
    async fn the_migration_fills_existing_disputes_as_a_save_does(t: TestStore) {
        let (s, label) = (&t.store, t.label);
        let fx = fixture(s).await;
        made(s, &t, &fx).await;
        let saved = stats_columns(s).await;
        assert!(saved.0.iter().any(|(_, a, _)| *a == Some(3)) && saved.0.iter().any(|(_, _, c)| *c == Some(4)), "{label}: {saved:?}");
        assert_eq!(saved.1.len(), 3, "{label}: one item each of the three agreements in effect");
        let migration = match &s.db {
            tongxin_store::Db::Sqlite { .. } => include_str!("../../../store/migrations/sqlite/20261209000301_dispute_stats.sql"),
            tongxin_store::Db::Postgres(_) => include_str!("../../../store/migrations/postgres/20261209000301_dispute_stats.sql"),
        };
        let backfill = &migration[migration.find("-- Shanghai calendar days").unwrap()..];
        let mut tx = s.db.begin().await.unwrap();
        for sql in ["UPDATE disputes SET days_to_agreement = NULL, days_to_close = NULL", "DELETE FROM dispute_performance_items"]
            .into_iter()
            .chain(backfill.split(';').map(str::trim).filter(|q| !q.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))))
        {
            on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(c).await.map(|r| r.rows_affected()))
                .unwrap_or_else(|e| panic!("{label}: {sql}: {e}"));
        }
        tx.commit().await.unwrap();
        assert_eq!(stats_columns(s).await, saved, "{label}");
    }
}
