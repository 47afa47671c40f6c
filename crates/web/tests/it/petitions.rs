//! 信访 pages in process, on both backends (《信访工作条例》2022): registration from every channel
//! and the group-visit limit (art 20), the duplicate linked and not registered again (art 19),
//! 转送交办 with the unit's 异议 inside and outside its 5 working days (art 23), the one
//! extension (art 34), the 信访处理意见书 and its A4 page (art 32), 复查 and 复核 with a hearing
//! (arts 35–36), the same matter refused after 复核, resolution by mediation (art 33), a case
//! escalated, the overdue lists per clock, and who may see and do what.

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use chrono::Duration;
use support::pages::*;
use support::*;
use tongxin_app::petitions::{PersonForm, Registered, RegistrationForm, Who as PWho, act, register};
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::petition::{
    Action, Channel, FactsAndReasons, Finding, Kind, LegalBasis, Opinion, Outcome, Request, TransferMode,
};
use tongxin_store::accounts::User;
use tongxin_store::petitions::{PetitionFilter, PetitionView};
use tongxin_store::{Page, on_read};

async fn user(f: &Fixture, who: Who) -> User {
    f.store.accounts().user(f.ids.users[&who]).await.unwrap()
}

async fn petition(f: &Fixture, id: i64) -> PetitionView {
    f.store.petitions().get(&Scope::All, id).await.unwrap()
}

/// The registration form's fields: 张三丰 of 幸福里 asks `request` by `channel`.
fn registration(channel: &str, request: &str) -> Vec<(String, String)> {
    [
        ("region", GRID_A1),
        ("channel", channel),
        ("kind", "claim"),
        ("name", "张三丰"),
        ("address", "城东街道幸福里3号楼2单元101室"),
        ("id_number", ""),
        ("phone", "13800138000"),
        ("request", request),
        ("facts", "旧改项目签约后，补偿款至今未全额发放。"),
        ("reasons", "已按协议腾退房屋。"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn post_owned(f: &Fixture, s: &Session, uri: &str, fields: &[(String, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_form_with_csrf(f, s, uri, &refs).await
}

/// Registers through the form; the new petition's id (from the redirect).
async fn register_page(f: &Fixture, s: &Session, fields: &[(String, String)]) -> i64 {
    let r = post_owned(f, s, "/petitions", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(flash_of(&r).starts_with("已登记信访件 XF330702001-"), "{}", flash_of(&r));
    location(&r).trim_start_matches("/petitions/").parse().unwrap()
}

/// Posts one step on the petition's page, at its current version.
async fn step(f: &Fixture, s: &Session, id: i64, fields: &[(&str, &str)]) -> Reply {
    let version = petition(f, id).await.version.to_string();
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    post_form_with_csrf(f, s, &format!("/petitions/{id}/act"), &all).await
}

/// A step that must succeed: the flash says so.
async fn done(f: &Fixture, s: &Session, id: i64, fields: &[(&str, &str)], flash: &str) {
    let r = step(f, s, id, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
    assert_eq!(flash_of(&r), flash);
}

fn offers(page: &Reply, step: &str) -> bool {
    page.body.contains(&format!("id=\"form-{step}\""))
}

fn today(f: &Fixture) -> String {
    tongxin_domain::case::deadline::shanghai_date(f.store.now()).to_string()
}

/// The fields of an opinion form.
fn opinion_fields<'a>(action: &'a str, outcome: &'a str, served_on: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("action", action),
        ("request", "要求补发补偿款"),
        ("facts_and_reasons", "经调查核实，尚欠补偿款两万元。"),
        ("outcome", outcome),
        ("finding", "责成征收实施单位于30日内补发。"),
        ("legal_basis", "《国有土地上房屋征收与补偿条例》第二十七条"),
        ("served_on", served_on),
    ]
}

both_backends! {
    /// Every channel registers (art 17); the list shows them masked, filters by channel; a group
    /// visit records five representatives and a sixth is refused (art 20) with what was typed
    /// kept; a missing address is refused at its field.
    async fn registration_from_every_channel_and_the_group_limit(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let r = get(&f, &d, "/petitions/new").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        for label in ["信访渠道", "姓名（名称）", "住址", "信访请求", "事实", "理由", "来访人数", "第5位代表姓名"] {
            assert!(r.body.contains(label), "{}: {label}", t.label);
        }
        assert!(r.body.contains("桃园一网格"), "{}: places by name", t.label);
        for (i, channel) in ["online", "letter", "phone", "fax", "visit"].into_iter().enumerate() {
            register_page(&f, &d, &registration(channel, &format!("第{i}件：要求补发补偿款"))).await;
        }
        let list = get(&f, &d, "/petitions").await;
        assert_eq!(list.status, StatusCode::OK, "{}", t.label);
        assert!(list.body.contains("共 5 件") && list.body.contains("张**"), "{}: {}", t.label, list.body);
        assert!(!list.body.contains("张三丰") && !list.body.contains("13800138000"), "{}: masked", t.label);
        for word in ["网络", "书信", "电话", "传真", "走访"] {
            assert!(list.body.contains(word), "{}: {word}", t.label);
        }
        let visits = get(&f, &d, "/petitions?channel=visit").await;
        assert!(visits.body.contains("共 1 件"), "{}: filter by channel", t.label);
        assert!(get(&f, &d, "/petitions?channel=pigeon").await.body.contains("未知的来源"), "{}", t.label);

        // 多人走访: five representatives.
        let mut group = registration("visit", "要求解决小区停车难问题");
        group.push(("headcount".into(), "30".into()));
        for n in ["甲", "乙", "丙", "丁", "戊"] {
            group.push(("rep_name".into(), format!("代表{n}")));
            group.push(("rep_phone".into(), String::new()));
        }
        let id = register_page(&f, &d, &group).await;
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(page.body.contains("30 人（多人走访）") && page.body.matches(">代表</th>").count() == 5, "{}: {}", t.label, page.body);
        assert!(page.body.contains("代**") && !page.body.contains("代表甲"), "{}: representatives masked", t.label);
        // A sixth representative is refused, nothing written, the form keeps what was typed.
        let mut six = registration("visit", "要求增设充电桩");
        for n in ["甲", "乙", "丙", "丁", "戊", "己"] {
            six.push(("rep_name".into(), format!("代表{n}")));
        }
        let r = post_owned(&f, &d, "/petitions", &six).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("不超过5人") && r.body.contains("第二十条"), "{}: {}", t.label, r.body);
        assert!(r.body.contains("value=\"代表己\"") && r.body.contains("要求增设充电桩"), "{}: typed kept", t.label);
        // Only a visit records representatives; a missing address is refused at its field.
        let mut letter = registration("letter", "要求增设充电桩");
        letter.push(("headcount".into(), "3".into()));
        letter.push(("rep_name".into(), "代表甲".into()));
        let r = post_owned(&f, &d, "/petitions", &letter).await;
        assert!(r.body.contains("只有走访才登记多人代表"), "{}", t.label);
        let mut no_address = registration("letter", "要求增设充电桩");
        no_address.retain(|(k, _)| k != "address");
        let r = post_owned(&f, &d, "/petitions", &no_address).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("<p class=\"field-error\">请填写住址</p>"), "{}: {}", t.label, r.body);
        assert!(get(&f, &d, "/petitions").await.body.contains("共 6 件"), "{}: refused forms write nothing", t.label);

        // Only the office registers; party secretaries and mediators do not read petitions.
        for who in [Who::Leader, Who::Community, Who::Grid, Who::Department] {
            let s = login(&f, who).await;
            assert_eq!(get(&f, &s, "/petitions/new").await.status, StatusCode::FORBIDDEN, "{who:?}");
            assert_eq!(post_owned(&f, &s, "/petitions", &registration("letter", "另一件")).await.status, StatusCode::FORBIDDEN);
        }
        for who in [Who::Party, Who::Mediator] {
            assert_eq!(get(&f, &login(&f, who).await, "/petitions").await.status, StatusCode::FORBIDDEN, "{who:?}");
        }
    }
}

both_backends! {
    /// The same person with the same request (punctuation aside) is not registered again: the
    /// page goes to the open petition and says so (art 19), and its history shows the link.
    async fn a_duplicate_is_linked_to_the_open_petition(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let first = register_page(&f, &d, &registration("letter", "要求补发补偿款")).await;
        let code = petition(&f, first).await.code;
        let r = post_owned(&f, &d, "/petitions", &registration("visit", "要求补发补偿款！")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        assert_eq!(location(&r), format!("/petitions/{first}"), "{}", t.label);
        let message = flash_of(&r);
        assert!(message.contains("不再重复登记") && message.contains(&code) && message.contains("第十九条"), "{}: {message}", t.label);
        let page = follow(&f, &d, &r).await;
        assert!(page.body.contains("同一事项再次提出（已关联）") && page.body.contains("不再重复登记"), "{}", t.label);
        assert!(page.body.contains("Dispatcher（指挥中心调度员）"), "{}: staff by name and role", t.label);
        assert!(get(&f, &d, "/petitions").await.body.contains("共 1 件"), "{}: not registered again", t.label);
        // Another request of the same person is new.
        register_page(&f, &d, &registration("letter", "要求解决停车问题")).await;
    }
}

both_backends! {
    /// 转送交办 to a department, which sees it and objects within 5 working days (art 23); the
    /// office agrees, the department no longer reads it and cannot be chosen again; assigned to
    /// the grid team, whose worker finds the objection window closed after 8 days and accepts.
    async fn transfer_objection_and_acceptance(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let dept = login(&f, Who::Department).await;
        let id = register_page(&f, &d, &registration("letter", "要求拆除违章搭建")).await;
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(offers(&page, "notify") && !offers(&page, "transfer"), "{}: tell first", t.label);
        assert!(page.body.contains("书面告知") && page.body.contains("第二十二条、第二十三条"), "{}: the 15-day clock", t.label);
        // A blank notice is refused on the page, the form still there.
        let r = step(&f, &d, id, &[("action", "notify"), ("note", " ")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("请填写告知内容") && offers(&r, "notify"), "{}", t.label);
        done(&f, &d, id, &[("action", "notify"), ("note", "已书面告知受理途径")], "已书面告知").await;
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(offers(&page, "transfer") && page.body.contains("城管执法中队") && page.body.contains("桃园一网格工作站"), "{}: {}", t.label, page.body);
        assert_eq!(get(&f, &dept, &format!("/petitions/{id}")).await.status, StatusCode::NOT_FOUND, "{}: not held yet", t.label);
        done(&f, &d, id, &[("action", "transfer"), ("unit", "dept:1"), ("mode", "assign"), ("note", "请依法办理")], "已转送交办").await;

        // The department reads what it holds: the 5 working days to object, and the forms.
        assert!(get(&f, &dept, "/petitions").await.body.contains("共 1 件"), "{}", t.label);
        let page = get(&f, &dept, &format!("/petitions/{id}")).await;
        assert!(page.body.contains("异议期") && page.body.contains("5个工作日"), "{}: {}", t.label, page.body);
        assert!(offers(&page, "object") && offers(&page, "accept") && !offers(&page, "transfer"), "{}", t.label);
        assert!(page.body.contains("以 城管执法中队 名义"), "{}", t.label);
        done(&f, &dept, id, &[("action", "object"), ("reason", "违章搭建由综合执法队负责，非本单位职责")], "已提出异议").await;
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(offers(&page, "decide_objection") && page.body.contains("非本单位职责"), "{}", t.label);
        done(&f, &d, id, &[("action", "decide_objection"), ("agree", "1"), ("note", "")], "已核实异议").await;
        assert_eq!(get(&f, &dept, &format!("/petitions/{id}")).await.status, StatusCode::NOT_FOUND, "{}: released", t.label);
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(!page.body.contains("value=\"dept:1\""), "{}: a released unit is not offered", t.label);
        let r = step(&f, &d, id, &[("action", "transfer"), ("unit", "dept:1"), ("mode", "assign")]).await;
        assert!(r.body.contains("异议已核实同意"), "{}: {}", t.label, r.body);
        done(&f, &d, id, &[("action", "transfer"), ("unit", &format!("grid:{GRID_A1}")), ("mode", "assign")], "已转送交办").await;

        // Eight days on, the grid team's window to object (5 working days) has closed.
        f.clock.advance(Duration::days(8));
        let grid = login(&f, Who::Grid).await;
        let page = get(&f, &grid, &format!("/petitions/{id}")).await;
        assert!(!offers(&page, "object") && offers(&page, "accept"), "{}", t.label);
        let r = step(&f, &grid, id, &[("action", "object"), ("reason", "非本网格职责")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("提出异议的期限已于") && r.body.contains("第二十三条"), "{}: {}", t.label, r.body);
        done(&f, &grid, id, &[("action", "accept")], "已受理").await;
        let p = petition(&f, id).await;
        assert_eq!((p.status.as_str(), p.holder), ("handling", Some(Unit::GridTeam(GRID_A1.into()))), "{}", t.label);
        // A stale version is refused with a message, nothing changed.
        let r = post_form_with_csrf(&f, &grid, &format!("/petitions/{id}/act"), &[("version", "1"), ("action", "reply"), ("reply", "x")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", t.label);
        assert!(r.body.contains("刷新后重试"), "{}", t.label);
    }
}

both_backends! {
    /// The office keeps a claim: 受理, the one extension by the head (art 34), the 信访处理意见书
    /// (art 32) and its A4 page, 复查 (art 35), 复核 with a hearing (art 36); after 复核 the same
    /// matter is refused at registration, naming the petition.
    async fn extension_opinion_review_recheck_and_closed(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let leader = login(&f, Who::Leader).await;
        let id = register_page(&f, &d, &registration("visit", "要求补发补偿款")).await;
        done(&f, &d, id, &[("action", "notify"), ("note", "已书面告知")], "已书面告知").await;
        done(&f, &d, id, &[("action", "accept")], "已受理").await;
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(page.body.contains("办理期限") && page.body.contains("60日"), "{}", t.label);
        assert!(!offers(&page, "extend") && offers(&page, "issue_opinion"), "{}: the head extends", t.label);
        let page = get(&f, &leader, &format!("/petitions/{id}")).await;
        assert!(offers(&page, "extend"), "{}", t.label);
        let r = step(&f, &leader, id, &[("action", "extend"), ("days", "31"), ("reason", "需评估")]).await;
        assert!(r.body.contains("延长期限应为1至30日"), "{}: {}", t.label, r.body);
        done(&f, &leader, id, &[("action", "extend"), ("days", "30"), ("reason", "需委托第三方评估")], "已延长办理期限").await;
        let page = get(&f, &leader, &format!("/petitions/{id}")).await;
        assert!(!offers(&page, "extend") && page.body.contains("60日（延长30日）"), "{}: once", t.label);
        let r = step(&f, &leader, id, &[("action", "extend"), ("days", "5"), ("reason", "再延")]).await;
        assert!(r.body.contains("只能延长一次"), "{}", t.label);

        // The opinion: a missing legal basis is refused and the typed text kept.
        let served = today(&f);
        let mut missing = opinion_fields("issue_opinion", "reject", &served);
        missing.retain(|(k, _)| *k != "legal_basis");
        let r = step(&f, &d, id, &missing).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("请填写法律法规依据") && r.body.contains("尚欠补偿款两万元"), "{}: {}", t.label, r.body);
        let r = step(&f, &d, id, &opinion_fields("issue_opinion", "reject", &served)).await;
        assert_eq!(flash_of(&r), "已出具信访处理意见书", "{}", t.label);
        let list = get(&f, &d, "/petitions").await;
        assert!(list.body.contains("复查申请期") && list.body.contains("已出具处理意见"), "{}: the open window in the list", t.label);
        let print = get(&f, &d, &format!("/petitions/{id}/opinion")).await;
        assert_eq!(print.status, StatusCode::OK, "{}", t.label);
        for part in ["信访处理意见书", "投诉请求", "要求补发补偿款", "事实和理由", "尚欠补偿款两万元", "处理意见：不予支持", "法律法规依据", "第二十七条", "@media print", "size:A4", "第三十五条", "张**"] {
            assert!(print.body.contains(part), "{}: {part}", t.label);
        }
        assert!(!print.body.contains("张三丰"), "{}: masked unless unmasked", t.label);
        // The admin prints the full name for serving it; the look is audited.
        let admin = login(&f, Who::Admin).await;
        let full = get(&f, &admin, &format!("/petitions/{id}/opinion?full=1")).await;
        assert!(full.body.contains("张三丰") && full.headers["cache-control"] == "no-store", "{}", t.label);
        let looks: i64 = on_read!(&f.store.db, |q| sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'petition.person_unmask'").fetch_one(q).await).unwrap();
        assert_eq!(looks, 1, "{}", t.label);
        assert_eq!(get(&f, &d, &format!("/petitions/{id}/opinion?stage=review")).await.status, StatusCode::NOT_FOUND, "{}", t.label);

        // 复查 asked (recorded by the office) and answered by the leaders; 复核 with a hearing.
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(page.body.contains("复查申请期") && offers(&page, "request_review") && !offers(&page, "conclude"), "{}", t.label);
        done(&f, &d, id, &[("action", "request_review"), ("body", "婺城区人民政府"), ("request", "补偿标准有误")], "已请求复查").await;
        assert!(!offers(&get(&f, &d, &format!("/petitions/{id}")).await, "request_recheck"), "{}", t.label);
        let r = step(&f, &leader, id, &opinion_fields("answer_review", "explain", &served)).await;
        assert_eq!(flash_of(&r), "已出具复查意见", "{}", t.label);
        let print = get(&f, &d, &format!("/petitions/{id}/opinion?stage=review")).await;
        assert!(print.body.contains("信访事项复查意见书") && print.body.contains("婺城区人民政府") && print.body.contains("第三十六条"), "{}", t.label);
        done(&f, &d, id, &[("action", "request_recheck"), ("body", "金华市人民政府"), ("request", "")], "已请求复核").await;
        done(&f, &leader, id, &[("action", "start_hearing"), ("note", "公开听证")], "已举行听证").await;
        assert!(get(&f, &leader, &format!("/petitions/{id}")).await.body.contains("听证暂停计时"), "{}", t.label);
        f.clock.advance(Duration::days(2));
        let (d, leader) = (login(&f, Who::Dispatcher).await, login(&f, Who::Leader).await);
        done(&f, &leader, id, &[("action", "end_hearing"), ("note", "")], "已结束听证").await;
        let page = get(&f, &leader, &format!("/petitions/{id}")).await;
        assert!(page.body.contains("听证2日不计入"), "{}: {}", t.label, page.body);
        let served = today(&f);
        let mut recheck = opinion_fields("answer_recheck", "reject", &served);
        recheck.push(("publish", "1"));
        let r = step(&f, &leader, id, &recheck).await;
        assert_eq!(flash_of(&r), "已出具复核意见", "{}", t.label);
        let p = petition(&f, id).await;
        assert_eq!((p.status.as_str(), p.open), ("final", false), "{}", t.label);
        let print = get(&f, &d, &format!("/petitions/{id}/opinion?stage=recheck")).await;
        assert!(print.body.contains("不再受理") && print.body.contains("向社会公示"), "{}", t.label);
        assert!(!get(&f, &leader, &format!("/petitions/{id}")).await.body.contains("id=\"form-"), "{}: nothing left", t.label);

        // 复核终结: the same matter is not accepted again (art 36); the form says by which.
        let r = post_owned(&f, &d, "/petitions", &registration("letter", "要求 补发 补偿款")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("不再受理") && r.body.contains("第三十六条") && r.body.contains(&p.code), "{}: {}", t.label, r.body);
        assert!(r.body.contains(&format!("href=\"/petitions/{id}\"")), "{}: a link to it", t.label);
        assert!(get(&f, &d, "/petitions?status=all").await.body.contains("共 1 件"), "{}", t.label);
    }
}

/// A dispute registered at the street's 矛调中心: its code.
async fn dispute(f: &Fixture) -> String {
    use tongxin_app::mediation::orgs::{OrgForm, create_org};
    use tongxin_app::mediation::{PartyForm, Registration, Who as MWho};
    use tongxin_domain::mediation::ConsentForm;
    use tongxin_domain::mediation::kinds::{DisputeType, Source};
    use tongxin_domain::mediation::org::OrgKind;
    use tongxin_store::mediation::PartySide;
    let desk = user(f, Who::Dispatcher).await;
    let org = OrgForm {
        kind: OrgKind::StreetCentre,
        name: "城东街道矛调中心".into(),
        region_code: STREET1.into(),
        field: None,
        multi_ethnic: false,
    };
    let centre = create_org(&f.store, &desk, org).await.unwrap();
    let party = |name: &str, side, consent| PartyForm {
        name: name.into(),
        side,
        resident_id: None,
        id_number: String::new(),
        phone: String::new(),
        consent,
    };
    let reg = Registration {
        region: Some(COMMUNITY_A.into()),
        org_id: centre.id,
        level: None,
        dispute_type: DisputeType::Neighbourhood,
        source: Source::WalkIn,
        referred_case_id: None,
        summary: "补偿款纠纷。".into(),
        amount: String::new(),
        parties: vec![
            party("张三丰", PartySide::Applicant, Some(ConsentForm::Written)),
            party("某征收实施单位", PartySide::Respondent, None),
        ],
        screening_id: None,
    };
    tongxin_app::mediation::register(&f.store, &MWho::Staff(desk), reg).await.unwrap().code
}

both_backends! {
    /// 调解化解 (art 33): the dispute is named by its code; an unknown code is refused on the
    /// page; the right one closes the petition with the link shown.
    async fn resolved_by_mediation(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let id = register_page(&f, &d, &registration("phone", "要求赔偿装修损失")).await;
        assert!(!offers(&get(&f, &d, &format!("/petitions/{id}")).await, "mediate"), "{}: not before 受理", t.label);
        done(&f, &d, id, &[("action", "notify"), ("note", "已电话告知并书面告知")], "已书面告知").await;
        done(&f, &d, id, &[("action", "accept")], "已受理").await;
        assert!(offers(&get(&f, &d, &format!("/petitions/{id}")).await, "mediate"), "{}", t.label);
        let version = petition(&f, id).await.version.to_string();
        let r = post_form_with_csrf(&f, &d, &format!("/petitions/{id}/mediate"), &[("version", &version), ("dispute", "TJ330702001-20000101-0001"), ("note", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("不存在或不在本街道") && r.body.contains("TJ330702001-20000101-0001"), "{}: {}", t.label, r.body);
        let code = dispute(&f).await;
        let r = post_form_with_csrf(&f, &d, &format!("/petitions/{id}/mediate"), &[("version", &version), ("dispute", &code), ("note", "经人民调解达成协议")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        assert_eq!(flash_of(&r), format!("已调解化解，关联矛盾纠纷 {code}"), "{}", t.label);
        let p = petition(&f, id).await;
        assert_eq!((p.status.as_str(), p.open, p.dispute_id.is_some()), ("mediated", false, true), "{}", t.label);
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(page.body.contains(&format!("矛盾纠纷 {code}")) && page.body.contains("经人民调解达成协议"), "{}", t.label);
    }
}

both_backends! {
    /// 升级为信访 on a case page (the office only): the form starts from the case, the petition
    /// is registered at the case's place, both pages link each other, and a second escalation is
    /// refused while the petition is open.
    async fn a_case_escalated_to_a_petition(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let case = &f.ids.case_a1;
        let page = get(&f, &d, &format!("/cases/{}", case.id)).await;
        assert!(page.body.contains(&format!("href=\"/petitions/new?case={}\"", case.id)), "{}: {}", t.label, page.body);
        for who in [Who::Leader, Who::Community, Who::Department] {
            let body = get(&f, &login(&f, who).await, &format!("/cases/{}", case.id)).await.body;
            assert!(!body.contains("升级为信访"), "{}: {who:?}", t.label);
        }
        let form = get(&f, &d, &format!("/petitions/new?case={}", case.id)).await;
        assert!(form.body.contains(&case.code) && form.body.contains("楼下烧烤店噪音扰民") && form.body.contains("桃园一网格"), "{}", t.label);
        assert_eq!(get(&f, &d, &format!("/petitions/new?case={}", f.ids.case_c1.id)).await.status, StatusCode::NOT_FOUND, "{}", t.label);
        let mut fields = registration("visit", "要求制止夜间烧烤噪音");
        fields.retain(|(k, _)| k != "region");
        fields.push(("case".into(), case.id.to_string()));
        let id = register_page(&f, &d, &fields).await;
        let p = petition(&f, id).await;
        assert_eq!((p.from_case_id, p.grid_code.as_deref()), (Some(case.id), Some(GRID_A1)), "{}", t.label);
        let page = get(&f, &d, &format!("/petitions/{id}")).await;
        assert!(page.body.contains(&format!("href=\"/cases/{}\"", case.id)), "{}", t.label);
        let page = get(&f, &d, &format!("/cases/{}", case.id)).await;
        assert!(page.body.contains(&p.code) && !page.body.contains("升级为信访"), "{}", t.label);
        let mut again = registration("letter", "另一件事");
        again.retain(|(k, _)| k != "region");
        again.push(("case".into(), case.id.to_string()));
        let r = post_owned(&f, &d, "/petitions", &again).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains(&format!("该诉求已转为信访件 {}", p.code)), "{}: {}", t.label, r.body);
    }
}

both_backends! {
    /// The overdue lists per clock: the 15 days to tell the petitioner are warned three days
    /// before and overdue after (whether or not the job has run), on the register's filter too;
    /// the objection window lists the petitions a unit may still object to.
    async fn the_overdue_lists_per_clock(t: TestStore) {
        let f = fixture(&t).await;
        let d = login(&f, Who::Dispatcher).await;
        let untold = register_page(&f, &d, &registration("letter", "要求修复路灯")).await;
        let code = petition(&f, untold).await.code;
        let assigned = register_page(&f, &d, &registration("fax", "要求清理河道")).await;
        done(&f, &d, assigned, &[("action", "notify"), ("note", "已书面告知")], "已书面告知").await;
        done(&f, &d, assigned, &[("action", "transfer"), ("unit", "dept:1"), ("mode", "forward")], "已转送交办").await;
        let assigned_code = petition(&f, assigned).await.code;

        let list = get(&f, &d, "/petitions/overdue").await;
        assert_eq!(list.status, StatusCode::OK, "{}", t.label);
        assert!(list.body.contains("书面告知（15日") && !list.body.contains(&code), "{}: nothing due yet", t.label);
        let objection = get(&f, &login(&f, Who::Department).await, "/petitions/overdue?clock=objection").await;
        assert!(objection.body.contains(&assigned_code) && objection.body.contains("5个工作日"), "{}: {}", t.label, objection.body);
        f.clock.advance(Duration::days(12));
        let d = login(&f, Who::Dispatcher).await;
        let list = get(&f, &d, "/petitions/overdue?clock=notice").await;
        assert!(list.body.contains(&code) && list.body.contains("即将到期"), "{}: warned", t.label);
        assert!(!get(&f, &d, "/petitions?overdue=notice").await.body.contains(&code), "{}: not overdue yet", t.label);
        f.clock.advance(Duration::days(4));
        let d = login(&f, Who::Dispatcher).await;
        let list = get(&f, &d, "/petitions/overdue?clock=notice").await;
        assert!(list.body.contains(&code) && list.body.contains("已超期"), "{}: overdue", t.label);
        let filtered = get(&f, &d, "/petitions?overdue=notice").await;
        assert!(filtered.body.contains(&code) && filtered.body.contains("共 1 件"), "{}", t.label);
        assert!(get(&f, &d, "/petitions?overdue=any").await.body.contains(&code), "{}", t.label);
        assert!(get(&f, &d, "/petitions?overdue=handling").await.body.contains("共 0 件"), "{}", t.label);
        // Another street's dispatcher view: the admin sees all, the street's staff only theirs.
        let c1 = out_of_scope(&f).await;
        assert!(!get(&f, &d, "/petitions?status=all").await.body.contains(&c1.code), "{}", t.label);
        assert!(get(&f, &login(&f, Who::Admin).await, "/petitions?status=all").await.body.contains(&c1.code), "{}", t.label);
        assert_eq!(get(&f, &d, &format!("/petitions/{}", c1.id)).await.status, StatusCode::NOT_FOUND, "{}", t.label);
        let r = post_form_with_csrf(&f, &d, &format!("/petitions/{}/act", c1.id), &[("version", "1"), ("action", "notify"), ("note", "x")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: a post out of scope", t.label);
    }
}

fn opinion(outcome: Outcome) -> Opinion {
    Opinion {
        request: Request::new("要求补发补偿款").unwrap(),
        facts_and_reasons: FactsAndReasons::new("经调查核实。").unwrap(),
        outcome,
        finding: Finding::new("予以说明。").unwrap(),
        legal_basis: LegalBasis::new("《信访工作条例》第三十二条").unwrap(),
    }
}

fn form_at(region: &str, request: &str) -> RegistrationForm {
    RegistrationForm {
        region: Some(region.into()),
        channel: Channel::Letter,
        kind: Kind::Claim,
        petitioner: PersonForm { name: "李四".into(), address: "城中社区1号".into(), ..PersonForm::default() },
        request: request.into(),
        facts: "事实。".into(),
        reasons: "理由。".into(),
        headcount: None,
        representatives: vec![],
    }
}

async fn new_petition(f: &Fixture, who: &PWho, region: &str, request: &str) -> PetitionView {
    match register(&f.store, who, form_at(region, request)).await.unwrap() {
        Registered::New(p) => p,
        other => panic!("expected a new petition: {other:?}"),
    }
}

/// A petition in street 2 (grid C1), registered by the admin: no one else's scope.
async fn out_of_scope(f: &Fixture) -> PetitionView {
    let admin = PWho::Staff(user(f, Who::Admin).await);
    new_petition(f, &admin, GRID_C1, "要求修缮城中社区道路").await
}

/// The authorization table's two petitions, made once per store: in grid A1, assigned to
/// department 1, which accepted it and issued its opinion; and in grid C1 (street 2), answered
/// by the admin. Their ids.
pub async fn authz_petitions(f: &Fixture) -> (i64, i64) {
    let existing = f.store.petitions().list(&Scope::All, &PetitionFilter::default(), Page::default()).await.unwrap();
    let find = |street: &str| existing.items.iter().find(|p| p.street_code == street).map(|p| p.id);
    if let (Some(a), Some(b)) = (find(STREET1), find(STREET2)) {
        return (a, b);
    }
    let desk = PWho::Staff(user(f, Who::Dispatcher).await);
    let dept = PWho::Staff(user(f, Who::Department).await);
    let admin = PWho::Staff(user(f, Who::Admin).await);
    let served_on = tongxin_domain::case::deadline::shanghai_date(f.store.now());
    let notify = || Action::Notify { note: "已书面告知".into() };
    let a = new_petition(f, &desk, GRID_A1, "要求补发补偿款（授权表）").await;
    let a = act(&f.store, &desk, a.id, a.version, notify()).await.unwrap();
    let transfer = Action::Transfer { unit: Unit::Department(1), mode: TransferMode::Assign, note: String::new() };
    let a = act(&f.store, &desk, a.id, a.version, transfer).await.unwrap();
    let a = act(&f.store, &dept, a.id, a.version, Action::Accept).await.unwrap();
    let a =
        act(&f.store, &dept, a.id, a.version, Action::IssueOpinion { opinion: opinion(Outcome::Support), served_on })
            .await
            .unwrap();
    let b = out_of_scope(f).await;
    let b = act(&f.store, &admin, b.id, b.version, notify()).await.unwrap();
    let b = act(&f.store, &admin, b.id, b.version, Action::Accept).await.unwrap();
    let b =
        act(&f.store, &admin, b.id, b.version, Action::IssueOpinion { opinion: opinion(Outcome::Explain), served_on })
            .await
            .unwrap();
    (a.id, b.id)
}
