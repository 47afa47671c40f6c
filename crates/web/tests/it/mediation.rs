//! 矛盾纠纷 pages on both backends (issue 12): the walks a 矛调中心 and a mediator take —
//! registration → consent → session → written agreement → the printed 调解协议书 and its QR code →
//! signing with the scan → performance → 回访 → 结案; 调解不成 with the page of the other routes;
//! escalation, the consented extension, the art-25 alert, 督办 and the overdue list — and who
//! sees what: parties masked, a mediator only their committee's disputes and nothing once removed,
//! refused forms kept as typed.

use crate::support;
use tongxin_testkit::both_backends;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::mediation::{Med, PDF, dispute, setup};
use support::pages::{Upload, flash_of, get, location, post_form_with_csrf, post_multipart, reply};
use support::*;
use tongxin_domain::mediation::Status;

fn today(f: &Fixture) -> String {
    tongxin_domain::case::deadline::shanghai_date(f.store.now()).to_string()
}

fn in_days(f: &Fixture, days: i64) -> String {
    (tongxin_domain::case::deadline::shanghai_date(f.store.now()) + chrono::Duration::days(days)).to_string()
}

fn id_number() -> String {
    tongxin_domain::people::idcard::IdNumber::compose(
        "330702",
        chrono::NaiveDate::from_ymd_opt(1970, 5, 1).unwrap(),
        321,
    )
    .as_str()
    .to_string()
}

/// The registration form as the page posts it: 张三丰 (applicant, consenting) and 李四.
fn registration(med: &Med, amount: &str, with_mediator: bool) -> Vec<(String, String)> {
    let id = id_number();
    let mut f: Vec<(String, String)> = [
        ("region", GRID_A1),
        ("org_id", &med.committee_a.to_string()),
        ("dispute_type", "neighbourhood"),
        ("source", "walk_in"),
        ("level", ""),
        ("referred_case", ""),
        ("summary", "楼上空调外机漏水，双方就维修费用发生争执。"),
        ("amount", amount),
        ("risk", "yellow"),
        ("party_name", "张三丰"),
        ("party_side", "applicant"),
        ("party_id_number", &id),
        ("party_phone", "13800138001"),
        ("party_consent", "written"),
        ("party_resident", ""),
        ("party_name", "李四"),
        ("party_side", "respondent"),
        ("party_id_number", ""),
        ("party_phone", "13900139001"),
        ("party_consent", ""),
        ("party_resident", ""),
        ("party_name", ""),
        ("party_side", "respondent"),
        ("party_id_number", ""),
        ("party_phone", ""),
        ("party_consent", ""),
        ("party_resident", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if with_mediator {
        f.push(("mediators".into(), med.mediator_a.to_string()));
    }
    f
}

fn as_pairs<'a>(v: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn post(f: &Fixture, s: &Session, uri: &str, fields: &[(String, String)]) -> Reply {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_form_with_csrf(f, s, uri, &pairs).await
}

/// A step on the dispute page's form `form_id`, at the dispute's current version.
async fn act(f: &Fixture, s: &Session, id: i64, form_id: &str, fields: &[(&str, &str)]) -> Reply {
    let version = dispute(f, id).await.version.to_string();
    let mut all: Vec<(&str, &str)> = vec![("version", &version), ("form_id", form_id)];
    all.extend_from_slice(fields);
    let path = if fields.iter().any(|(k, _)| *k == "step") { "confirm" } else { "act" };
    post_form_with_csrf(f, s, &format!("/mediation/disputes/{id}/{path}"), &all).await
}

/// Registers through the page as the community worker, with the mediator of A; the id.
async fn register(f: &Fixture, med: &Med, community: &Session) -> i64 {
    let r = post(f, community, "/mediation/new", &registration(med, "3,000", true)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    location(&r).trim_start_matches("/mediation/disputes/").parse().unwrap()
}

/// Registered, 李四 consenting, one session held by the mediator.
async fn mediating(f: &Fixture, med: &Med, community: &Session, mediator: &Session) -> i64 {
    let id = register(f, med, community).await;
    let r = act(
        f,
        community,
        id,
        "consent",
        &[("action", "record_consent"), ("party", "1"), ("consent", "1"), ("consent_form", "oral")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let today = today(f);
    let r = act(
        f,
        mediator,
        id,
        "session",
        &[
            ("action", "record_session"),
            ("held_on", &today),
            ("place_kind", "offline"),
            ("address", "桃园社区调解室"),
            ("attendees", "张三丰\n李四"),
            ("notes", "双方陈述事实，调解员释法说理。"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(dispute(f, id).await.status, Status::Mediating);
    id
}

both_backends! {
    /// 登记 → 调解 → 书面协议 → 打印协议书（二维码）→ 签署并上传扫描件 → 履行 → 回访 → 结案.
    async fn the_written_path_from_registration_to_closing(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let label = t.label;
        let community = login(&f, Who::Community).await;
        let mediator = login(&f, Who::Mediator).await;

        let page = get(&f, &community, "/mediation/new").await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("王调解员（桃园社区人民调解委员会；擅长邻里）"), "{label}: the desk picks the mediator");
        // A resident from the register, from their page: named and linked, the ID number masked.
        let resident = get(&f, &community, &format!("/grid/residents/{}", f.ids.resident_a1)).await;
        assert!(resident.body.contains(&format!("/mediation/new?resident={}", f.ids.resident_a1)), "{label}");
        let prefilled = get(&f, &community, &format!("/mediation/new?resident={}", f.ids.resident_a1)).await;
        assert!(prefilled.body.contains("value=\"王建国\"") && prefilled.body.contains("已关联居民档案（身份证号 3307"), "{label}");
        assert_eq!(get(&f, &community, &format!("/mediation/new?resident={}", f.ids.resident_c1)).await.status, StatusCode::NOT_FOUND);

        // A refused registration keeps what was typed and names the field.
        let r = post(&f, &community, "/mediation/new", &registration(&med, "三千", true)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("争议金额应为数字") && r.body.contains("amount-err"), "{label}");
        assert!(r.body.contains("楼上空调外机漏水") && r.body.contains("value=\"张三丰\"") && r.body.contains("value=\"三千\""), "{label}: kept");

        let r = post(&f, &community, "/mediation/new", &registration(&med, "3,000", true)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert!(flash_of(&r).starts_with("已登记纠纷 TJ330702001-"), "{label}: {}", flash_of(&r));
        let id: i64 = location(&r).trim_start_matches("/mediation/disputes/").parse().unwrap();
        let d = dispute(&f, id).await;
        assert_eq!((d.status, d.risk_code.as_deref(), d.state.mediators.clone()), (Status::Accepted, Some("yellow"), vec![med.mediator_a]), "{label}");

        // The page: parties masked, the amount, who has not consented, names not ids.
        let page = get(&f, &community, &format!("/mediation/disputes/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        for shown in ["138****8001", "3307**********", "3,000 元", "尚未表态是否同意调解：李四", "王调解员", "桃园社区 · 桃园一网格", "form-consent"] {
            assert!(page.body.contains(shown), "{label}: {shown}");
        }
        for hidden in ["13800138001", &id_number()] {
            assert!(!page.body.contains(hidden), "{label}: {hidden} on the page");
        }
        let list = get(&f, &community, "/mediation").await;
        assert!(list.body.contains(&d.code) && list.body.contains("张** 与 李*") && !list.body.contains("张三丰"), "{label}: masked names in the list");

        // 当事人意愿, then the mediator's session.
        let r = act(&f, &community, id, "consent", &[("action", "record_consent"), ("party", "1"), ("consent", "1"), ("consent_form", "oral")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let today = today(&f);
        let r = act(&f, &mediator, id, "session", &[
            ("action", "record_session"), ("held_on", &today), ("place_kind", "offline"), ("address", "桃园社区调解室"),
            ("attendees", "张三丰、李四"), ("notes", "双方陈述事实，调解员释法说理。"),
        ]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);

        // A written agreement: a refusal first (the facts are missing), kept as typed.
        let due = in_days(&f, 14);
        let agreement = |facts: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("action", "record_agreement".into()), ("agreement_form", "written".into()),
                ("particulars", "男，1970年生，住桃园小区1幢".into()), ("particulars", "女，1985年生，住桃园小区2幢".into()),
                ("facts", facts.into()), ("issues", "维修费用的承担。".into()), ("responsibilities", "李四承担主要责任。".into()),
                ("terms", "李四赔偿张三丰维修费用800元。".into()),
                ("item_party", "1".into()), ("item_content", "赔偿维修费用800元".into()), ("item_method", "微信转账".into()), ("item_place", "".into()), ("item_due", due.clone()),
                ("item_party", "0".into()), ("item_content", "".into()), ("item_method", "".into()), ("item_place", "".into()), ("item_due", "".into()),
            ]
        };
        let bad = agreement("");
        let r = act(&f, &mediator, id, "written", &as_pairs(&bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("请填写纠纷的主要事实") && r.body.contains("李四赔偿张三丰维修费用800元。"), "{label}: the form kept");
        let good = agreement("李四家空调外机漏水至张三丰家窗台。");
        let r = act(&f, &mediator, id, "written", &as_pairs(&good)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert_eq!(dispute(&f, id).await.status, Status::Agreed, "{label}");

        // The 调解协议书 (人民调解法 art 29), numbered with the code, with a QR code back to it.
        let paper = get(&f, &mediator, &format!("/mediation/disputes/{id}/agreement")).await;
        assert_eq!(paper.status, StatusCode::OK, "{label}");
        for part in ["调解协议书", &format!("编号：{}", d.code), "男，1970年生", "李四家空调外机漏水", "各方当事人的责任", "赔偿维修费用800元", "微信转账", "<svg", "@media print", "桃园社区人民调解委员会", "王调解员"] {
            assert!(paper.body.contains(part), "{label}: {part}");
        }
        let qr = get(&f, &mediator, &format!("/mediation/code/{}", d.code)).await;
        assert_eq!((qr.status, location(&qr)), (StatusCode::SEE_OTHER, format!("/mediation/disputes/{id}")), "{label}");

        // Signing: everything must be signed and sealed, the scan a PDF or an image, its size
        // refused on the declared length before the body is read.
        let version = dispute(&f, id).await.version.to_string();
        let csrf = mediator.csrf.clone().unwrap();
        let mut fields = vec![("_csrf", csrf.as_str()), ("version", version.as_str()), ("form_id", "sign"), ("parties_signed", "1"), ("mediator_signed", "1")];
        let pdf = [Upload { field: "scan", filename: "协议.pdf".into(), content_type: "application/pdf", bytes: PDF }];
        let r = post_multipart(&f, &mediator, &format!("/mediation/disputes/{id}/sign"), &fields, &pdf).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("人民调解委员会印章"), "{label}: the seal is missing");
        fields.push(("sealed", "1"));
        let text = [Upload { field: "scan", filename: "协议.pdf".into(), content_type: "application/pdf", bytes: b"not a pdf" }];
        let r = post_multipart(&f, &mediator, &format!("/mediation/disputes/{id}/sign"), &fields, &text).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("协议扫描件应为 PDF 文件或 JPEG、PNG、WebP 图片"), "{label}");
        let declared = Request::builder()
            .method("POST")
            .uri(format!("/mediation/disputes/{id}/sign"))
            .header(header::COOKIE, mediator.cookie.clone().unwrap())
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
            .header(header::CONTENT_LENGTH, (20 * 1024 * 1024).to_string())
            .body(Body::from("--x--\r\n"))
            .unwrap();
        let r = reply(&f, declared).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{label}: refused on its declared length");
        let big = vec![b'%'; tongxin_domain::mediation::scan::MAX_SCAN_BYTES + 1];
        let huge = [Upload { field: "scan", filename: "big.pdf".into(), content_type: "application/pdf", bytes: &big }];
        let r = post_multipart(&f, &mediator, &format!("/mediation/disputes/{id}/sign"), &fields, &huge).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{label}: refused while read");
        assert_eq!(dispute(&f, id).await.status, Status::Agreed, "{label}: nothing written");
        let r = post_multipart(&f, &mediator, &format!("/mediation/disputes/{id}/sign"), &fields, &pdf).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert_eq!(dispute(&f, id).await.status, Status::Performing, "{label}");
        let page = get(&f, &community, &format!("/mediation/disputes/{id}")).await;
        assert!(page.body.contains("scan-link") && page.body.contains("申请期限"), "{label}: the scan and the 司法确认 window");
        let scan = get(&f, &community, &format!("/mediation/disputes/{id}/scan")).await;
        assert_eq!(scan.status, StatusCode::OK, "{label}");
        assert_eq!(scan.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(scan.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(scan.body.as_bytes(), PDF, "{label}");

        // 履行 (the desk), 回访 (the mediator), 结案 (the desk).
        let r = act(&f, &community, id, "performance", &[("action", "record_performance"), ("item", "0"), ("result", "performed"), ("note", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let r = act(&f, &mediator, id, "follow_up", &[("action", "follow_up"), ("visit_form", "phone"), ("satisfied", "1"), ("note", "双方均表示满意。")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let r = act(&f, &community, id, "close", &[("action", "close"), ("note", "")]).await;
        assert_eq!((r.status, flash_of(&r)), (StatusCode::SEE_OTHER, "已结案".to_string()), "{label}");
        assert_eq!(dispute(&f, id).await.status, Status::Closed, "{label}");
        let page = get(&f, &mediator, &format!("/mediation/disputes/{id}")).await;
        for shown in ["已结案", "Mediator（调解员）", "Community（社区工作者）", "调解组织指定", "王调解员", "第1项：已履行", "电话回访，当事人满意"] {
            assert!(page.body.contains(shown), "{label}: {shown}");
        }
        // Only 司法确认 is left: within 30 days of the agreement taking effect (art 33).
        assert!(page.body.contains("form-apply") && !page.body.contains("form-close") && !page.body.contains("form-follow_up"), "{label}");

        // 司法确认 (人民调解法 art 33): jointly, within 30 days; the court's steps as recorded.
        let r = act(&f, &mediator, id, "apply", &[("step", "apply"), ("on", &today), ("court", "婺城区人民法院"), ("applicants", "0")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("须由各方当事人共同申请") && r.body.contains("婺城区人民法院"), "{label}: kept");
        let r = act(&f, &mediator, id, "apply", &[("step", "apply"), ("on", &today), ("court", "婺城区人民法院"), ("applicants", "0"), ("applicants", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let r = act(&f, &community, id, "court_accept", &[("step", "court_accept"), ("on", &today)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let r = act(&f, &community, id, "confirm", &[("step", "confirm"), ("on", &today)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let d = dispute(&f, id).await;
        assert_eq!(d.confirmation_status, tongxin_domain::mediation::ConfirmationStatus::Confirmed, "{label}");
        let page = get(&f, &community, &format!("/mediation/disputes/{id}")).await;
        assert!(page.body.contains("确认有效 · 婺城区人民法院") && !page.body.contains("办理操作"), "{label}");
        assert!(f.store.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// 调解不成: the mediator terminates with the routes told; the page of the other routes says
    /// where to go and what to bring (人民调解法 art 26), the parties are notified.
    async fn termination_shows_the_other_routes(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let label = t.label;
        let community = login(&f, Who::Community).await;
        let mediator = login(&f, Who::Mediator).await;
        let id = mediating(&f, &med, &community, &mediator).await;
        let r = act(&f, &mediator, id, "terminate", &[("action", "terminate"), ("reason", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("请填写终止原因") || r.body.contains("请选择已告知当事人的途径"), "{label}");
        let r = act(&f, &mediator, id, "terminate", &[
            ("action", "terminate"), ("reason", "双方对赔偿金额分歧较大。"), ("routes", "arbitration"), ("routes", "litigation"),
        ]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert_eq!(location(&r), format!("/mediation/disputes/{id}/routes"), "{label}");
        let d = dispute(&f, id).await;
        assert_eq!(d.status, Status::Failed, "{label}");
        let page = get(&f, &community, &format!("/mediation/disputes/{id}/routes")).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        for part in ["调解不成：其他解决途径", "双方对赔偿金额分歧较大", "已告知当事人", "起诉状", "仲裁申请书", "人民调解法第二十六条", "行政途径", "民法典第一百八十八条"] {
            assert!(page.body.contains(part), "{label}: {part}");
        }
        let kinds: Vec<(String, String)> = tongxin_store::on_read!(&f.store.db, |p| sqlx::query_as(
            "SELECT kind, recipient FROM outbox WHERE kind = $1 ORDER BY id"
        )
        .bind("mediation_failed")
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(kinds.contains(&("mediation_failed".into(), format!("dispute_parties:{id}"))), "{label}: {kinds:?}");
        // A dispute not terminated has no such page.
        let other = get(&f, &community, &format!("/mediation/disputes/{}/routes", med.dispute_a.id)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{label}");
    }
}

both_backends! {
    /// 升级 with its reason, 延长 only with every party's consent, the art-25 alert from the grid,
    /// 督办 by a leader, and the overdue list once the limit passed.
    async fn escalation_extension_alert_and_supervision(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let label = t.label;
        let community = login(&f, Who::Community).await;
        let mediator = login(&f, Who::Mediator).await;
        let grid = login(&f, Who::Grid).await;
        let leader = login(&f, Who::Leader).await;
        let id = mediating(&f, &med, &community, &mediator).await;

        let r = act(&f, &community, id, "escalate", &[("action", "escalate"), ("to", "street"), ("reason", "涉及多个小区，社区难以协调。")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert_eq!(dispute(&f, id).await.level, tongxin_domain::mediation::kinds::Level::Street, "{label}");

        let r = act(&f, &mediator, id, "extend", &[("action", "extend_limit"), ("days", "15"), ("consents", "0"), ("reason", "需要等待维修报价。")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("延长调解期限须经各方当事人同意：李四尚未同意"), "{label}");
        assert!(r.body.contains("需要等待维修报价。"), "{label}: the reason kept");
        let r = act(&f, &mediator, id, "extend", &[("action", "extend_limit"), ("days", "15"), ("consents", "0"), ("consents", "1"), ("reason", "需要等待维修报价。")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert_eq!(dispute(&f, id).await.state.extension_days, 15, "{label}");

        // 人民调解法 art 25: the grid worker reports; the street's centre hears at once (the
        // fixture's street has no 派出所 on record: its dispatchers are told).
        let r = act(&f, &grid, id, "violence", &[("action", "report_violence"), ("note", "李四扬言要砸对方窗户。")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert!(flash_of(&r).contains("派出所和街道矛调中心"), "{label}");
        let n: i64 = tongxin_store::on_read!(&f.store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = $1 AND recipient = $2"
        )
        .bind("mediation_violence_risk")
        .bind(format!("dispatchers:{STREET1}"))
        .fetch_one(p)
        .await)
        .unwrap();
        assert!(n >= 1, "{label}");

        let r = act(&f, &leader, id, "supervise", &[("action", "supervise"), ("note", "请本周内调结。")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        let page = get(&f, &leader, &format!("/mediation/disputes/{id}")).await;
        assert!(page.body.contains("督办 1 次") && page.body.contains("已报告激化风险") && page.body.contains("社区/村 → 街道矛调中心"), "{label}");

        // Past the (extended) limit: the timers mark it, the 督办 list shows it.
        let deadline = dispute(&f, id).await.deadline_at.unwrap();
        f.clock.advance(deadline - f.store.now() + chrono::Duration::hours(1));
        let report = tongxin_app::mediation::run_timers(&f.store, 50).await.unwrap();
        assert!(report.overdue >= 1 && report.supervised >= 1, "{label}: {report:?}");
        // (A month on, the morning's session has long ended.)
        let dispatcher = login(&f, Who::Dispatcher).await;
        let list = get(&f, &dispatcher, "/mediation/overdue").await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains(&dispute(&f, id).await.code) && list.body.contains("已超期"), "{label}");
        let list = get(&f, &dispatcher, "/mediation?overdue=0").await;
        assert!(!list.body.contains(&dispute(&f, id).await.code), "{label}: not among the ones in time");
    }
}

both_backends! {
    /// A mediator reads their committee's disputes and no other; removed (人民调解法 art 15),
    /// they read and do nothing from that moment.
    async fn a_mediator_sees_their_committee_and_nothing_once_removed(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let label = t.label;
        let mediator = login(&f, Who::Mediator).await;
        let dispatcher = login(&f, Who::Dispatcher).await;
        let list = get(&f, &mediator, "/mediation?status=all").await;
        assert!(list.body.contains(&med.dispute_a.code) && !list.body.contains(&med.dispute_b.code), "{label}");
        assert_eq!(get(&f, &mediator, &format!("/mediation/disputes/{}", med.dispute_b.id)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&f, &mediator, &format!("/mediation/disputes/{}", med.dispute_a.id)).await.status, StatusCode::OK);
        let home = get(&f, &mediator, "/").await;
        assert!(home.body.contains("/mediation") && home.body.contains("我的纠纷"), "{label}: the mediator's menu");

        let org = get(&f, &dispatcher, &format!("/mediation/orgs/{}", med.committee_a)).await;
        assert!(org.body.contains("王调解员") && org.body.contains("在任"), "{label}");
        let r = post_form_with_csrf(&f, &dispatcher, &format!("/mediation/mediators/{}/remove", med.mediator_a), &[("version", "1"), ("reason", "other"), ("text", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: 其他 needs words");
        assert!(r.body.contains("请写明罢免或解聘的原因"), "{label}");
        let r = post_form_with_csrf(&f, &dispatcher, &format!("/mediation/mediators/{}/remove", med.mediator_a), &[("version", "1"), ("reason", "disclosure"), ("text", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert!(flash_of(&r).contains("即刻不能再查看和办理纠纷"), "{label}");

        assert_eq!(get(&f, &mediator, &format!("/mediation/disputes/{}", med.dispute_a.id)).await.status, StatusCode::NOT_FOUND, "{label}");
        let list = get(&f, &mediator, "/mediation?status=all").await;
        assert!(!list.body.contains(&med.dispute_a.code), "{label}");
        let version = dispute(&f, med.dispute_a.id).await.version.to_string();
        let r = post_form_with_csrf(&f, &mediator, &format!("/mediation/disputes/{}/act", med.dispute_a.id), &[("version", &version), ("form_id", "violence"), ("action", "report_violence"), ("note", "x")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");
        let org = get(&f, &dispatcher, &format!("/mediation/orgs/{}", med.committee_a)).await;
        assert!(org.body.contains("泄露当事人的个人隐私、商业秘密"), "{label}: the reason on record");
    }
}

both_backends! {
    /// The desk's organisation pages: a committee's roster with its problems under arts 8–9, a
    /// mediator who is not an adult refused (art 14), the communities without a committee; the
    /// admin's risk levels checked as a whole.
    async fn organisations_rosters_and_risk_levels(t: TestStore) {
        let f = fixture(&t).await;
        let med = setup(&f).await;
        let label = t.label;
        let dispatcher = login(&f, Who::Dispatcher).await;
        let admin = login(&f, Who::Admin).await;
        let orgs = get(&f, &dispatcher, "/mediation/orgs").await;
        assert_eq!(orgs.status, StatusCode::OK, "{label}");
        assert!(orgs.body.contains("桃园社区人民调解委员会") && !orgs.body.contains("城中社区人民调解委员会"), "{label}: scope");
        let r = post_form_with_csrf(&f, &dispatcher, "/mediation/orgs", &[("kind", "professional_committee"), ("name", "城东医调委"), ("region_code", STREET1), ("field", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("专业性人民调解委员会须写明其专业领域") && r.body.contains("城东医调委"), "{label}");
        let r = post_form_with_csrf(&f, &dispatcher, "/mediation/orgs", &[("kind", "professional_committee"), ("name", "城东医调委"), ("region_code", STREET1), ("field", "medical")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);

        let org = format!("/mediation/orgs/{}", med.committee_a);
        let version = f.store.mediation().org_by_id(med.committee_a).await.unwrap().version.to_string();
        let r = post_form_with_csrf(&f, &dispatcher, &format!("{org}/committee"), &[
            ("version", &version),
            ("m_name", "王主任"), ("m_gender", "male"), ("m_post", "director"), ("m_minority", ""), ("m_start", "2026-01-01"), ("m_end", "2028-12-31"),
            ("m_name", "李委员"), ("m_gender", "male"), ("m_post", "member"), ("m_minority", ""), ("m_start", "2026-01-01"), ("m_end", "2028-12-31"),
        ]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.body);
        assert!(flash_of(&r).contains("2 处不符合人民调解法"), "{label}: {}", flash_of(&r));
        let page = get(&f, &dispatcher, &org).await;
        assert!(page.body.contains("少于三人") && page.body.contains("没有妇女成员"), "{label}");

        let r = post_form_with_csrf(&f, &dispatcher, &format!("{org}/mediators"), &[
            ("name", "小刘"), ("birth_date", &in_days(&f, -365 * 17)), ("appointment", "hired"), ("term_start", "2026-01-01"), ("term_end", ""), ("qualification", ""),
        ]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("调解员须为成年公民") && r.body.contains("value=\"小刘\""), "{label}");

        let levels = get(&f, &admin, "/mediation/risk-levels").await;
        assert!(levels.status == StatusCode::OK && levels.body.contains("value=\"橙\""), "{label}");
        let r = post_form_with_csrf(&f, &admin, "/mediation/risk-levels", &[
            ("code", "green"), ("name", "绿"), ("colour", "#1E8E3E"), ("escalate_to", "grid"), ("response_hours", "168"),
            ("code", "red"), ("name", "红"), ("colour", "#D93025"), ("escalate_to", "district"), ("response_hours", "2"),
        ]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(r.body.contains("请按从高到低排列") && r.body.contains("value=\"绿\""), "{label}");
        assert_eq!(get(&f, &dispatcher, "/mediation/risk-levels").await.status, StatusCode::FORBIDDEN, "{label}");
    }
}

both_backends! {
    /// A party's full numbers: shown to a holder of the unmask permission on the dispute page
    /// only after an audited look, never to a mediator without it; past the hourly budget
    /// shared with a case's phone reveal, refused with the reason.
    async fn a_partys_numbers_are_unmasked_on_purpose_and_audited(t: TestStore) {
        let f = fixture(&t).await;
        let med = support::mediation::setup(&f).await;
        let community = login(&f, Who::Community).await;
        let id = register(&f, &med, &community).await;
        let page = get(&f, &community, &format!("/mediation/disputes/{id}")).await;
        assert!(page.body.contains("138****8001") && !page.body.contains("13800138001"), "{}", t.label);
        assert!(page.body.contains("unmask-0"), "{}: the button for the permission's holder", t.label);
        let shown = post_form_with_csrf(&f, &community, &format!("/mediation/disputes/{id}/parties/0/unmask"), &[]).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        assert!(shown.body.contains("tel:13800138001"), "{}: the number, to call", t.label);
        assert!(!shown.body.contains("13900139001"), "{}: only the party asked for", t.label);
        let audited: i64 = tongxin_store::on_read!(&f.store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'dispute.party_unmask' AND entity_id = $1"
        )
        .bind(id.to_string())
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(audited, 1, "{}", t.label);
        // A mediator without the permission sees no button and is refused.
        let mediator = login(&f, Who::Mediator).await;
        let theirs = get(&f, &mediator, &format!("/mediation/disputes/{id}")).await;
        assert!(!theirs.body.contains("unmask-0"), "{}", t.label);
        let refused = post_form_with_csrf(&f, &mediator, &format!("/mediation/disputes/{id}/parties/0/unmask"), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", t.label);
        // The hourly budget.
        for _ in 0..tongxin_store::cases::contact::PHONE_REVEALS_PER_HOUR {
            post_form_with_csrf(&f, &community, &format!("/mediation/disputes/{id}/parties/0/unmask"), &[]).await;
        }
        let over = post_form_with_csrf(&f, &community, &format!("/mediation/disputes/{id}/parties/0/unmask"), &[]).await;
        assert_eq!(over.status, StatusCode::SEE_OTHER, "{}", t.label);
        assert!(flash_of(&over).contains("过于频繁"), "{}", flash_of(&over));
    }
}
