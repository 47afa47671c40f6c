//! The duplicate rule as tables (《信访工作条例》arts 19, 36).

use super::*;

fn key(identity: &str, request: &str) -> MatterKey {
    MatterKey::new(identity, &Request::new(request).unwrap()).unwrap()
}

/// Normalisation: width, case, spaces and punctuation only — never the words.
#[test]
fn normalize_table() {
    let cases = [
        ("要求补发拆迁补偿款", "要求补发拆迁补偿款"),
        ("  要求 补发，拆迁补偿款。", "要求补发拆迁补偿款"),
        ("要求补发“拆迁”补偿款！！", "要求补发拆迁补偿款"),
        ("（一）要求补发补偿款；（二）赔礼道歉", "一要求补发补偿款二赔礼道歉"),
        ("退还ＡＢＣ物业费１２０元", "退还abc物业费120元"),
        ("退还 ABC 物业费 120 元...", "退还abc物业费120元"),
        ("第一行\n第二行\t", "第一行第二行"),
        ("〇〇七号楼 々", "〇〇七号楼々"),
        ("十万元", "十万元"),
    ];
    for (raw, expected) in cases {
        assert_eq!(normalize_request(raw), expected, "{raw:?}");
    }
}

/// Same matter = same person and equal normalised request (module rule).
#[test]
fn same_matter_table() {
    let base = key("resident:1", "要求补发拆迁补偿款");
    let cases = [
        (key("resident:1", "要求补发拆迁补偿款。"), true),
        (key("resident:1", " 要求补发 拆迁补偿款 "), true),
        (key("resident:2", "要求补发拆迁补偿款"), false),
        (key("resident:1", "要求补发拆迁补偿款和利息"), false),
        (key("resident:1", "请求补发拆迁补偿款"), false),
    ];
    for (other, same) in cases {
        assert_eq!(other == base, same, "{other:?}");
        assert_eq!(other.fingerprint() == base.fingerprint(), same, "{other:?}");
    }
    assert_eq!(base.fingerprint().len(), 64);
    assert_eq!(base.request(), "要求补发拆迁补偿款");
    assert!(!base.fingerprint().contains("resident"));
    // Identity and request are separated: no collision by shifting characters across.
    assert_ne!(key("ab", "c要求").fingerprint(), key("a", "bc要求").fingerprint());
    assert_eq!(MatterKey::new(" ", &Request::new("x").unwrap()).unwrap_err().to_string(), "请填写信访人身份标识");
}

/// The verdicts: closed after 复核 (art 36), linked while open (art 19), else new.
#[test]
fn verdict_table() {
    let new = key("resident:1", "要求补发拆迁补偿款");
    let same = new.fingerprint();
    let other = key("resident:1", "要求修路").fingerprint();
    let e = |id: i64, fingerprint: &str, status: Status| Existing { id, fingerprint: fingerprint.to_string(), status };
    let cases: Vec<(Vec<Existing>, Verdict)> = vec![
        (vec![], Verdict::New),
        (vec![e(1, &other, Status::Handling)], Verdict::New),
        (vec![e(1, &other, Status::Final)], Verdict::New),
        (vec![e(1, &same, Status::Registered)], Verdict::Linked { to: 1 }),
        (vec![e(1, &same, Status::Handling)], Verdict::Linked { to: 1 }),
        (vec![e(1, &same, Status::OpinionIssued)], Verdict::Linked { to: 1 }),
        (vec![e(1, &same, Status::Hearing)], Verdict::Linked { to: 1 }),
        (vec![e(1, &same, Status::Final)], Verdict::Closed { by: 1 }),
        (vec![e(1, &same, Status::Concluded)], Verdict::New),
        (vec![e(1, &same, Status::Withdrawn)], Verdict::New),
        (vec![e(1, &same, Status::Routed)], Verdict::New),
        (vec![e(1, &same, Status::Mediated)], Verdict::New),
        (vec![e(4, &same, Status::Handling), e(2, &same, Status::Reviewed)], Verdict::Linked { to: 2 }),
        (vec![e(4, &same, Status::Handling), e(7, &same, Status::Final)], Verdict::Closed { by: 7 }),
        (vec![e(3, &same, Status::Withdrawn), e(8, &same, Status::Transferred)], Verdict::Linked { to: 8 }),
    ];
    for (existing, expected) in cases {
        assert_eq!(check(&new, &existing), expected, "{existing:?}");
    }
    // Every status is classified one way.
    for s in Status::ALL {
        let v = check(&new, &[e(1, &same, s)]);
        assert_eq!(v == Verdict::Closed { by: 1 }, s == Status::Final, "{s:?}");
        assert_eq!(v == (Verdict::Linked { to: 1 }), s.is_open(), "{s:?}");
    }
}

#[test]
fn verdict_messages() {
    assert_eq!(Verdict::New.message(), "新信访事项，予以登记");
    assert!(Verdict::Linked { to: 3 }.message().contains("第十九条"));
    assert_eq!(
        Verdict::Closed { by: 9 }.message(),
        "同一信访事项已经复核终结（第9号），以同一事实和理由提出的，不再受理（《信访工作条例》第三十六条）"
    );
    assert_eq!(
        serde_json::to_value(Verdict::Linked { to: 3 }).unwrap(),
        serde_json::json!({"verdict": "linked", "to": 3})
    );
}
