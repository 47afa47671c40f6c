//! Registration tables: channels and kinds (arts 17, 29–31), the group-visit limit (art 20).

use super::*;

fn names(n: usize) -> Vec<PetitionerName> {
    (1..=n).map(|i| PetitionerName::new(&format!("代表{i}")).unwrap()).collect()
}

fn petitioner() -> Petitioner {
    Petitioner {
        name: PetitionerName::new("张三").unwrap(), address: PetitionerAddress::new("幸福里1号").unwrap()
    }
}

fn matter() -> Matter {
    Matter {
        request: Request::new("要求修复漏水屋顶").unwrap(),
        facts: Facts::new("连续三个月漏水").unwrap(),
        reasons: Reasons::new("影响居住安全").unwrap(),
    }
}

/// Art 20: a group visit elects representatives, at most five.
#[test]
fn group_visit_representatives_table() {
    let cases: [(usize, Result<usize, &str>); 8] = [
        (0, Err("多人走访应推选代表（《信访工作条例》第二十条），请至少登记1位代表")),
        (1, Ok(1)),
        (2, Ok(2)),
        (3, Ok(3)),
        (4, Ok(4)),
        (5, Ok(5)),
        (6, Err("多人走访应推选代表，代表人数不超过5人（《信访工作条例》第二十条），不能登记第6位代表")),
        (20, Err("多人走访应推选代表，代表人数不超过5人（《信访工作条例》第二十条），不能登记第6位代表")),
    ];
    for (n, expected) in cases {
        let got = Representatives::new(names(n)).map(|r| r.len()).map_err(|e| e.to_string());
        assert_eq!(got, expected.map_err(str::to_string), "{n} representatives");
    }
}

/// Art 20: adding the sixth is refused, and the five stay.
#[test]
fn sixth_representative_is_refused() {
    let mut r = Representatives::new(names(1)).unwrap();
    for i in 2..=5 {
        r.push(PetitionerName::new(&format!("代表{i}")).unwrap()).unwrap();
    }
    let sixth = PetitionerName::new("代表6").unwrap();
    assert_eq!(r.push(sixth), Err(RegisterError::TooManyRepresentatives { max: 5, nth: 6 }));
    assert_eq!(r.len(), MAX_REPRESENTATIVES);
    assert_eq!(r.names().last().unwrap().as_str(), "代表5");
    // Reading back refuses a sixth too.
    let json = serde_json::to_string(&names(6)).unwrap();
    let err = serde_json::from_str::<Representatives>(&json).unwrap_err();
    assert!(err.to_string().contains("代表人数不超过5人"), "{err}");
    assert_eq!(serde_json::from_str::<Representatives>(&serde_json::to_string(&r).unwrap()).unwrap(), r);
}

/// The headcount bounds the representatives; only a visit records a group.
#[test]
fn group_visit_table() {
    let cases: [(Channel, u32, usize, Option<RegisterError>); 8] = [
        (Channel::Visit, 2, 1, None),
        (Channel::Visit, 2, 2, None),
        (Channel::Visit, 300, 5, None),
        (Channel::Visit, 1, 1, Some(RegisterError::BadHeadcount { max: MAX_HEADCOUNT })),
        (Channel::Visit, MAX_HEADCOUNT + 1, 5, Some(RegisterError::BadHeadcount { max: MAX_HEADCOUNT })),
        (
            Channel::Visit,
            3,
            4,
            Some(RegisterError::MoreRepresentativesThanVisitors { representatives: 4, headcount: 3 }),
        ),
        (Channel::Letter, 10, 2, Some(RegisterError::GroupNotByVisit)),
        (Channel::Online, 10, 2, Some(RegisterError::GroupNotByVisit)),
    ];
    for (channel, headcount, reps, expected) in cases {
        let got = GroupVisit::new(headcount, Representatives::new(names(reps)).unwrap())
            .and_then(|g| Registration::new(channel, Kind::Claim, petitioner(), matter(), Some(g), None));
        assert_eq!(got.err(), expected, "{channel:?} {headcount} people, {reps} representatives");
    }
}

#[test]
fn names_round_trip() {
    for c in Channel::ALL {
        assert_eq!(Channel::parse(c.as_str()), Some(c));
    }
    assert_eq!(Channel::ALL.map(Channel::label), ["网络", "书信", "电话", "传真", "走访"]);
    assert!(Channel::Visit.is_oral() && Channel::Phone.is_oral() && !Channel::Fax.is_oral());
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.as_str()), Some(k));
    }
    assert_eq!(Kind::ALL.map(Kind::label), ["建议意见类", "检举控告类", "申诉求决类"]);
    for r in Route::ALL {
        assert_eq!(Route::parse(r.as_str()), Some(r));
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
    }
    for m in [TransferMode::Forward, TransferMode::Assign] {
        assert_eq!(TransferMode::parse(m.as_str()), Some(m));
    }
    for k in ActionKind::ALL {
        assert_eq!(ActionKind::parse(k.as_str()), Some(k));
    }
    for k in EventKind::ALL {
        assert_eq!(EventKind::parse(k.as_str()), Some(*k));
    }
    for k in ClockKind::ALL {
        assert_eq!(ClockKind::parse(k.as_str()), Some(k));
    }
}

/// Art 31: which routes fit which kind; every statutory route closes as 转入法定途径.
#[test]
fn routes_table() {
    use Route::*;
    let claim =
        [Litigation, Reconsideration, Arbitration, PartyAppeal, AdministrativeProcedure, StatutoryDuty, Opinion];
    for r in Route::ALL {
        assert_eq!(r.fits(Kind::Claim), claim.contains(&r), "{r:?}");
        assert_eq!(r.fits(Kind::Accusation), matches!(r, Discipline | Litigation | StatutoryDuty), "{r:?}");
        assert!(!r.fits(Kind::Suggestion));
        assert_eq!(r.is_statutory(), r != Opinion);
    }
    assert_eq!(Opinion.article(), "第三十一条第六项");
    assert_eq!(Reconsideration.label(), "行政复议");
}

#[test]
fn a_bad_case_id_is_refused() {
    for id in [0, -3] {
        let got = Registration::new(Channel::Phone, Kind::Suggestion, petitioner(), matter(), None, Some(id));
        assert_eq!(got.unwrap_err().to_string(), "转来的诉求编号无效");
    }
}
