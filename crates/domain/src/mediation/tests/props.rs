//! Random action sequences by random actors, with random (often bad) input, never panic and
//! never lead to an inconsistent state; the stored JSON reads back the same.

use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Move {
    kind: usize,
    actor: usize,
    /// Take the next step of the ordinary path (by a fitting actor) so walks get deep.
    follow: bool,
    small: u8,
    flag: bool,
    text: String,
    minutes: i64,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let one = (
        0..ActionKind::ALL.len(),
        0..9usize,
        prop::bool::weighted(0.5),
        0u8..8,
        prop::bool::weighted(0.8),
        "(?s)[a-z字 \\x00\\n]{0,6}",
        0..3000i64,
    )
        .prop_map(|(kind, actor, follow, small, flag, text, minutes)| Move {
            kind,
            actor,
            follow,
            small,
            flag,
            text,
            minutes,
        });
    prop::collection::vec(one, 1..60)
}

fn roster() -> [Actor; 9] {
    [
        dispatcher(),
        staff(Role::Leader),
        staff(Role::GridWorker),
        mediator(),
        mediator_as(2, true),
        mediator_as(1, false),
        party(0),
        party(1),
        Actor::System,
    ]
}

/// The next step of the ordinary path, by the actor who takes it.
fn next_step(s: &DisputeState, today: NaiveDate) -> Option<(Actor, Action)> {
    Some(match s.status {
        Status::Registered => (dispatcher(), Action::Accept),
        Status::Accepted if !s.all_consented() => (party(1), consent(1, true)),
        Status::Accepted if s.mediators.is_empty() => (dispatcher(), assign(&[1])),
        Status::Accepted => (mediator(), session(today)),
        Status::Mediating => (mediator(), written(today + Duration::days(7))),
        Status::Agreed => (mediator(), sign()),
        Status::Performing => match s.performance.iter().position(|p| p.result.is_none()) {
            Some(i) => (mediator(), performed(u8::try_from(i).unwrap_or(0))),
            None => (staff(Role::GridWorker), follow_up()),
        },
        Status::FollowedUp => (dispatcher(), Action::Close { routes_told: true, note: String::new() }),
        _ => return None,
    })
}

/// An action of kind `kind` built from the move's random data.
fn action(m: &Move, kind: ActionKind, today: NaiveDate) -> Action {
    let t = m.text.clone();
    let day_off = today - Duration::days(i64::from(m.small % 3)) + Duration::days(i64::from(m.small / 7));
    match kind {
        ActionKind::Accept => Action::Accept,
        ActionKind::RecordConsent => consent(m.small % 3, m.flag),
        ActionKind::AssignMediators => assign(&(1..=i64::from(m.small % 7)).collect::<Vec<_>>()),
        ActionKind::RecordSession => {
            if m.flag {
                session(day_off)
            } else {
                Action::RecordSession {
                    held_on: day_off,
                    place: SessionPlace::Online,
                    attendees: vec![t.clone()],
                    notes: t,
                }
            }
        }
        ActionKind::RecordAgreement => {
            if m.flag {
                written(day_off)
            } else {
                oral(day_off)
            }
        }
        ActionKind::SignAgreement => {
            Action::SignAgreement { parties_signed: m.flag, mediator_signed: true, sealed: m.small != 0, scan: Some(t) }
        }
        ActionKind::Terminate => Action::Terminate {
            reason: t,
            routes: [Route::Litigation, Route::Arbitration][..usize::from(m.small % 3).min(2)].to_vec(),
        },
        ActionKind::RecordPerformance => Action::RecordPerformance {
            item: m.small % 2,
            result: PerformanceResult::ALL[usize::from(m.small) % 3],
            note: t,
        },
        ActionKind::FollowUp => Action::FollowUp { form: VisitForm::InPerson, satisfied: m.flag, note: t },
        ActionKind::Close => Action::Close { routes_told: m.flag, note: t },
        ActionKind::ExtendLimit => Action::ExtendLimit {
            days: u32::from(m.small) * 20,
            consents: if m.flag { vec![0, 1] } else { vec![m.small % 3] },
            reason: t,
        },
        ActionKind::Escalate => Action::Escalate { to: Level::ALL[usize::from(m.small) % 4], reason: t },
        ActionKind::Transfer => Action::Transfer { to: if m.flag { CENTRE } else { COMMITTEE }, reason: t },
        ActionKind::AssessRisk => {
            Action::AssessRisk { risk: default_risk_levels()[usize::from(m.small) % 4].clone(), note: t }
        }
        ActionKind::ReportViolence => Action::ReportViolence { note: t },
        ActionKind::Supervise => Action::Supervise { note: t },
        ActionKind::Withdraw => Action::Withdraw { reason: t },
    }
}

fn refused(p: &Party) -> bool {
    matches!(p.consent, Consent::Refused { .. })
}

/// What must hold of every state the machine produces.
fn consistent(s: &DisputeState) -> Result<(), TestCaseError> {
    prop_assert!(s.mediators.len() <= MAX_MEDIATORS);
    prop_assert!(s.extension_days <= clock::MAX_TOTAL_EXTENSION_DAYS);
    if let Some(at) = s.accepted_at {
        prop_assert_eq!(s.deadline, Some(clock::mediation_deadline(at, s.extension_days)));
    } else {
        prop_assert!(s.deadline.is_none() && s.extension_days == 0);
    }
    if s.status.agreement_in_effect() {
        let a = s.agreement.as_ref().unwrap();
        prop_assert!(a.effective_on.is_some());
        prop_assert_eq!(s.performance.len(), a.agreement.items().len());
    } else {
        prop_assert!(s.effective_on().is_none());
    }
    if matches!(s.status, Status::Mediating | Status::Performing | Status::FollowedUp | Status::Closed) {
        prop_assert!(s.all_consented() && s.sessions >= 1);
    }
    match s.status {
        Status::Agreed => prop_assert!(s.agreement.as_ref().is_some_and(|a| a.agreement.is_written())),
        Status::Refused => prop_assert!(s.parties.iter().any(refused)),
        Status::Failed => prop_assert!(s.failure.as_ref().is_some_and(|f| !f.routes.is_empty())),
        Status::Closed => {
            prop_assert!(s.follow_ups >= 1 && s.closed_at.is_some());
            prop_assert!(s.performance.iter().all(|p| p.result.is_some()));
        }
        _ => {}
    }
    if s.status != Status::Refused {
        prop_assert!(!s.parties.iter().any(refused));
    }
    let json = serde_json::to_string(s).unwrap();
    prop_assert_eq!(&serde_json::from_str::<DisputeState>(&json).unwrap(), s);
    Ok(())
}

proptest! {
    #[test]
    fn random_walks_stay_consistent(moves in moves()) {
        let mut w = Walk::new();
        let roster = roster();
        for m in moves {
            w.now += Duration::minutes(m.minutes);
            let today = w.today();
            let (actor, action) = match (m.follow, next_step(&w.state, today)) {
                (true, Some(step)) => step,
                _ => {
                    let kind = ActionKind::ALL[m.kind];
                    (roster[m.actor].clone(), action(&m, kind, today))
                }
            };
            match decide(&w.state, &actor, &action, w.now) {
                Ok(d) => {
                    prop_assert!(action.kind().allowed_in(w.state.status));
                    prop_assert_eq!(d.state.version, w.state.version + 1);
                    prop_assert!(!d.events.is_empty());
                    prop_assert_ne!(&actor, &mediator_as(1, false), "a removed mediator acted");
                    consistent(&d.state)?;
                    w.state = d.state;
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
