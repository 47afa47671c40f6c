//! Random action sequences from random actors, at random times, never panic and never lead to
//! an inconsistent state or clock.

use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Move {
    kind: usize,
    actor: usize,
    /// Take the next ordinary step instead, so that walks get deep.
    follow: bool,
    n: u32,
    flag: bool,
    minutes: i64,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let one = (0..ActionKind::ALL.len(), 0..8usize, prop::bool::weighted(0.5), 0u32..40, any::<bool>(), 0..30_000i64)
        .prop_map(|(kind, actor, follow, n, flag, minutes)| Move { kind, actor, follow, n, flag, minutes });
    prop::collection::vec(one, 1..60)
}

fn roster(w: &Walk) -> [Actor; 8] {
    let holder = w.state.holder().cloned().unwrap_or(dept(1));
    [
        staff(Role::Admin),
        leader(),
        office(),
        staff(Role::Mediator),
        of(&holder),
        of(&dept(2)),
        Actor::Petitioner,
        Actor::System,
    ]
}

fn action(kind: ActionKind, m: &Move, w: &Walk) -> Action {
    let served = w.today() - Duration::days(i64::from(m.n % 3));
    match kind {
        ActionKind::Notify => notify(),
        ActionKind::Transfer => transfer(&dept(i64::from(m.n % 3) + 1)),
        ActionKind::Object => object(),
        ActionKind::DecideObjection => Action::DecideObjection { agree: m.flag, note: "已核实".into() },
        ActionKind::Accept => Action::Accept,
        ActionKind::Extend => Action::Extend { days: m.n, reason: "复杂".into() },
        ActionKind::IssueOpinion => issue(served),
        ActionKind::Reply => Action::Reply { reply: "已答复".into() },
        ActionKind::RequestReview => request_review(),
        ActionKind::AnswerReview => answer_review(served),
        ActionKind::RequestRecheck => request_recheck(),
        ActionKind::StartHearing => Action::StartHearing { note: String::new() },
        ActionKind::EndHearing => Action::EndHearing { note: String::new() },
        ActionKind::AnswerRecheck => answer_recheck(served, m.flag),
        ActionKind::Conclude => Action::Conclude,
        ActionKind::Mediate => Action::Mediate { dispute_id: i64::from(m.n) - 1, note: String::new() },
        ActionKind::Route => {
            Action::Route { route: Route::ALL[m.n as usize % Route::ALL.len()], note: "请依法申请".into() }
        }
        ActionKind::Withdraw => Action::Withdraw { reason: String::new() },
    }
}

/// The next step of the ordinary way, by the one who takes it.
fn follow(w: &Walk) -> Option<(Actor, Action)> {
    let handler = w.state.holder().map_or(office(), of);
    let today = w.today();
    Some(match w.state.status {
        Status::Registered => (office(), notify()),
        Status::Notified => (office(), transfer(&dept(1))),
        Status::Transferred => (handler, Action::Accept),
        Status::Objected => (office(), Action::DecideObjection { agree: false, note: "属其职责".into() }),
        Status::Handling => (handler, issue(today)),
        Status::OpinionIssued => (Actor::Petitioner, request_review()),
        Status::ReviewRequested => (leader(), answer_review(today)),
        Status::Reviewed => (Actor::Petitioner, request_recheck()),
        Status::RecheckRequested => (leader(), Action::StartHearing { note: String::new() }),
        Status::Hearing => (leader(), Action::EndHearing { note: String::new() }),
        _ => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_walks_stay_consistent(kind in 0..3usize, start in 0i64..1200, moves in moves()) {
        let mut w = Walk::at(Kind::ALL[kind], t0() + Duration::days(start));
        for m in moves {
            w.now += Duration::minutes(m.minutes);
            let step = if m.follow { follow(&w) } else { None };
            let (actor, act) = step.unwrap_or_else(|| {
                let kind = ActionKind::ALL[m.kind];
                (roster(&w)[m.actor].clone(), action(kind, &m, &w))
            });
            let before = w.state.clone();
            match w.try_(&actor, &act) {
                Ok(d) => {
                    prop_assert!(act.kind().allowed_in(before.status));
                    prop_assert_eq!(d.state.version, before.version + 1);
                    prop_assert!(!d.events.is_empty());
                    prop_assert_eq!(d.state.closed_at.is_some(), !d.state.status.is_open());
                    prop_assert!(d.state.holder().is_none() || d.state.transfer.is_some());
                    w.state = d.state;
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            for c in clocks(&w.state, w.now, &w.cal) {
                prop_assert!(c.due_on >= c.started_on);
                prop_assert!(c.warn_on >= c.started_on && c.warn_on <= c.due_on);
                if c.kind == ClockKind::Handling {
                    prop_assert!((c.due_on - c.started_on).num_days() <= 90);
                }
                if c.kind.is_window() {
                    prop_assert_ne!(c.state, ClockState::Overdue);
                }
            }
            // The state reads back from JSON unchanged.
            let json = serde_json::to_string(&w.state).unwrap();
            prop_assert_eq!(&serde_json::from_str::<PetitionState>(&json).unwrap(), &w.state);
        }
    }
}
