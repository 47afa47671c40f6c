//! Random action sequences from random actors never lead to an inconsistent state.

use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Move {
    kind: usize,
    unit: usize,
    flag: bool,
    level: u8,
    actor: usize,
    /// Pick a plausible actor (and a unit of the case) rather than a random one.
    natural: bool,
    /// Take the next step of the ordinary loop (by the lead) instead of `kind`, so that random
    /// walks get deep into the loop.
    follow: bool,
    minutes: i64,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let one = (
        0..ActionKind::ALL.len(),
        0..8usize,
        any::<bool>(),
        0..3u8,
        0..11usize,
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.4),
        0..2000i64,
    )
        .prop_map(|(kind, unit, flag, level, actor, natural, follow, minutes)| Move {
            kind,
            unit,
            flag,
            level,
            actor,
            natural: natural || follow,
            follow,
            minutes,
        });
    prop::collection::vec(one, 1..80)
}

fn pool() -> [Unit; 4] {
    [dept(1), dept(2), dept(3), grid(G1)]
}

fn roster() -> [Actor; 11] {
    [
        staff(Role::Admin),
        leader(),
        dispatcher(),
        staff(Role::CommunityWorker),
        of(&grid(G1)),
        of(&grid(G2)),
        of(&dept(1)),
        of(&dept(2)),
        of(&dept(3)),
        Actor::Requester,
        Actor::System,
    ]
}

/// Turns a move into an action and an actor against the current state.
fn resolve(m: &Move, s: &CaseState) -> (Actor, Action) {
    let pool = pool();
    // The ordinary next step: everyone acknowledges, assisting units report, then the lead.
    let pending_ack = s.participants.iter().find(|p| !p.returned && p.acknowledged_at.is_none());
    let pending_report =
        s.participants.iter().rev().find(|p| !p.returned && p.acknowledged_at.is_some() && p.reported_at.is_none());
    let next = match s.status {
        _ if s.extension_pending.is_some() => Some((ActionKind::DecideExtension, None)),
        Status::Received | Status::Accepted => Some((ActionKind::Dispatch, None)),
        Status::Dispatched | Status::Acknowledged => match (pending_ack, pending_report) {
            (Some(p), _) => Some((ActionKind::Acknowledge, Some(p.unit.clone()))),
            (None, Some(p)) => Some((ActionKind::Report, Some(p.unit.clone()))),
            (None, None) => None,
        },
        Status::Handled => Some((ActionKind::Verify, None)),
        Status::Verified => Some((ActionKind::Close, None)),
        Status::Closed => Some((ActionKind::Rate, None)),
        _ => None,
    };
    let follow = if m.follow { next } else { None };
    let unit = if let Some((_, Some(u))) = &follow {
        u.clone()
    } else if m.natural && !s.participants.is_empty() {
        s.participants[m.unit % s.participants.len()].unit.clone()
    } else {
        pool[m.unit % pool.len()].clone()
    };
    let text = |t: &str| {
        if m.level > 0 { t.to_string() } else { String::new() }
    };
    let alt = m.actor.is_multiple_of(2);
    let kind = match &follow {
        Some((k, _)) => *k,
        None => ActionKind::ALL[m.kind],
    };
    let (natural, action) = match kind {
        ActionKind::Accept => (dispatcher(), Action::Accept),
        ActionKind::Reject => (dispatcher(), Action::Reject { reason: text("不予受理") }),
        ActionKind::Dispatch => {
            let lead = pool[m.unit % 4].clone();
            let mut assisting: Vec<Unit> = (1..=usize::from(m.level)).map(|i| pool[(m.unit + i) % 4].clone()).collect();
            if !m.flag && m.level == 2 {
                assisting.push(lead.clone());
            }
            let actor = if alt { Actor::System } else { dispatcher() };
            (actor, Action::Dispatch { lead, assisting, auto: alt })
        }
        ActionKind::Acknowledge => (of(&unit), ack(&unit)),
        ActionKind::Return => {
            let over = !m.flag && m.level == 0;
            let actor = if over { dispatcher() } else { of(&unit) };
            (actor, Action::Return { unit, reason: "非本单位职责".into(), override_by_dispatcher: over })
        }
        ActionKind::RequestExtension => (
            of(&unit),
            Action::RequestExtension {
                unit,
                extra: if m.flag {
                    TimeLimit::Hours(u32::from(m.level) * 12)
                } else {
                    TimeLimit::WorkingDays(u32::from(m.level))
                },
                reason: "需协调".into(),
            },
        ),
        ActionKind::DecideExtension => (leader(), Action::DecideExtension { approve: m.flag, note: text("意见") }),
        ActionKind::Supervise => (if alt { Actor::System } else { leader() }, Action::Supervise { note: text("督办") }),
        ActionKind::Report => (of(&unit), report(&unit, "已处理")),
        ActionKind::Verify => (if alt { Actor::Requester } else { of(&grid(G2)) }, verify(m.flag, &text("核查意见"))),
        ActionKind::Close => (dispatcher(), Action::Close),
        ActionKind::Rate => (Actor::Requester, rate(m.flag, Satisfaction::ALL[usize::from(m.level)])),
        ActionKind::Merge => (dispatcher(), Action::Merge { into_case_id: i64::from(m.level) }),
        ActionKind::ContactRequester => (of(&unit), Action::ContactRequester { note: text("电话") }),
        // A patrol's grid team handles it on the spot; the hotline operator answers a call.
        ActionKind::HandleOnSpot => (
            if s.channel == Channel::Hotline { dispatcher() } else { of(&grid(G1)) },
            Action::HandleOnSpot { reply: text("已处理") },
        ),
        ActionKind::Urge => (Actor::Requester, Action::Urge { day: s.last_urge_day.unwrap_or_default() }),
        ActionKind::AddNote => (Actor::Requester, Action::AddNote { note: text("补充"), photos: vec![] }),
        // The dispatch centre, or the grid team leading the case.
        ActionKind::ReferToMediation => match &s.lead {
            Some(lead @ Unit::GridTeam(_)) if alt => (of(lead), Action::ReferToMediation { reason: text("邻里纠纷") }),
            _ => (dispatcher(), Action::ReferToMediation { reason: text("邻里纠纷") }),
        },
    };
    let actor = if m.natural { natural } else { roster()[m.actor].clone() };
    (actor, action)
}

/// The status changes the loop allows.
fn edge_allowed(from: Status, to: Status) -> bool {
    use Status::*;
    from == to
        || matches!(
            (from, to),
            (Received, Accepted | Rejected | Dispatched | Merged | Closed | Referred)
                | (Accepted, Rejected | Dispatched | Merged | Referred)
                | (Dispatched, Acknowledged | Accepted | Merged | Referred)
                | (Acknowledged, Handled | Accepted | Merged | Referred)
                | (Handled, Verified | Dispatched)
                | (Verified, Closed)
                | (Closed, Rated | Dispatched)
        )
}

fn check(prev: &CaseState, d: &Decision) -> Result<(), TestCaseError> {
    let s = &d.state;
    prop_assert_eq!(s.version, prev.version + 1, "version + 1");
    prop_assert!(!d.events.is_empty(), "every decision records an event");
    prop_assert!(edge_allowed(prev.status, s.status), "{:?} → {:?}", prev.status, s.status);
    if s.status == Status::Rated {
        prop_assert!(s.rating.is_some());
        prop_assert!(matches!(prev.status, Status::Closed | Status::Rated));
    }
    // Participants: unique units; a report only after 签收.
    for (i, p) in s.participants.iter().enumerate() {
        prop_assert!(!s.participants[..i].iter().any(|q| q.unit == p.unit));
        prop_assert!(p.reported_at.is_none() || p.acknowledged_at.is_some());
    }
    let lead = s.lead_participant();
    match s.status {
        Status::Received | Status::Accepted | Status::Rejected => {
            prop_assert!(s.lead.is_none() && s.participants.is_empty());
        }
        Status::Dispatched | Status::Acknowledged => {
            let lead = lead.expect("a lead while with units");
            prop_assert_eq!(&s.participants[0].unit, &lead.unit, "lead first");
            prop_assert!(lead.reported_at.is_none());
            prop_assert_eq!(s.status == Status::Acknowledged, lead.acknowledged_at.is_some());
        }
        Status::Handled | Status::Verified | Status::Closed | Status::Rated => {
            let lead = lead.expect("a lead once handled");
            prop_assert!(lead.reported_at.is_some(), "handled only after the lead reported");
            prop_assert!(s.handled_at.is_some() && s.reply.is_some());
            if matches!(s.status, Status::Closed | Status::Rated) {
                prop_assert!(s.closed_at.is_some());
            }
        }
        Status::Merged => prop_assert!(s.merged_into.is_some_and(|id| id > 0)),
        Status::Referred => {
            prop_assert!(s.closed_at.is_some() && s.extension_pending.is_none());
            prop_assert!(d.events.iter().any(|e| e.kind == EventKind::ReferredToMediation));
        }
    }
    if let Some(p) = &s.extension_pending {
        prop_assert!(s.status.is_with_unit());
        prop_assert_eq!(Some(&p.unit), s.lead.as_ref());
    }
    if s.status == Status::Handled && prev.status != Status::Handled {
        prop_assert!(d.events.iter().any(|e| e.kind == EventKind::Handled));
    }
    // Monotonic facts.
    prop_assert!(s.supervision_level <= MAX_SUPERVISION_LEVEL);
    prop_assert!(s.supervision_level >= prev.supervision_level);
    prop_assert!(s.reopened || !prev.reopened);
    prop_assert!(prev.first_receiver.is_none() || s.first_receiver == prev.first_receiver);
    prop_assert!(prev.first_contact_at.is_none() || s.first_contact_at == prev.first_contact_at);
    prop_assert!(s.returned_by.starts_with(&prev.returned_by));
    for (i, u) in s.returned_by.iter().enumerate() {
        prop_assert!(!s.returned_by[..i].contains(u));
    }
    // Reopened at most once: a second reopen event is impossible.
    if prev.reopened {
        prop_assert!(!d.events.iter().any(|e| e.kind == EventKind::Reopened));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_sequences_keep_the_case_consistent(patrol in any::<bool>(), ms in moves()) {
        let channel = if patrol { Channel::Patrol } else { Channel::Web };
        let mut state = CaseState::new(channel);
        let mut now = t0();
        for m in &ms {
            now += Duration::minutes(m.minutes);
            let (actor, action) = resolve(m, &state);
            let before = state.clone();
            match decide(&state, &actor, &action, now) {
                Ok(d) => {
                    check(&before, &d)?;
                    state = d.state.clone();
                    apply_clock(&mut state, &d.clock, now);
                }
                Err(e) => {
                    prop_assert_eq!(&state, &before, "a refused action changes nothing");
                    prop_assert!(!e.to_string().is_empty());
                    if !action.kind().allowed_in(state.status) {
                        prop_assert_eq!(e, TransitionError::NotAllowed { status: state.status, action: action.kind() });
                    }
                }
            }
        }
    }
}

/// The generator reaches the whole loop and every branch (so the property is not vacuous).
#[test]
fn random_walks_reach_every_status_and_event() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut statuses = std::collections::HashSet::new();
    let mut events = std::collections::HashSet::new();
    for i in 0..400 {
        let ms = moves().new_tree(&mut runner).unwrap().current();
        let channel = match i % 4 {
            0 => Channel::Patrol,
            1 => Channel::Hotline,
            _ => Channel::Web,
        };
        let mut state = CaseState::new(channel);
        let mut now = t0();
        for m in &ms {
            now += Duration::minutes(m.minutes);
            let (actor, action) = resolve(m, &state);
            if let Ok(d) = decide(&state, &actor, &action, now) {
                events.extend(d.events.iter().map(|e| e.kind));
                state = d.state;
                apply_clock(&mut state, &d.clock, now);
                statuses.insert(state.status);
            }
        }
    }
    for s in Status::ALL {
        assert!(s == Status::Received || statuses.contains(&s), "never reached {s:?}");
    }
    for k in EventKind::ALL {
        assert!(events.contains(&k), "never recorded {k:?}");
    }
}
