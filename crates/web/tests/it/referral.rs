//! Issue 12 over HTTP on both backends: 转调解 from a case's page (the dispute registered, the
//! case closed as 已转调解, each page linking the other, the resident told without a mediator's
//! details); 网格排查 (a grid worker logs the month's screening of their grid, the street and
//! the community see which grids are screened, what a screening found is registered from it);
//! the mediation inboxes (a mediator's bell and `/notices` show the notices of their mediator
//! record and organisation, and nothing once removed; a dispute's or a petition's notice opens
//! its page).

use crate::support;
use tongxin_testkit::both_backends;

use axum::http::StatusCode;
use std::sync::Arc;
use support::mediation::{Med, setup, user};
use support::pages::{flash_of, follow, get, location, post_form_with_csrf};
use support::*;
use tongxin_domain::kernel::access::Scope;
use tongxin_store::mediation::Viewer;

/// A resident's noise report in grid A1 (the fixture's rule sends it to department 1 at once).
async fn neighbours_case(f: &Fixture, text: &str) -> tongxin_app::cases::Reported {
    f.state
        .cases
        .report(tongxin_app::cases::Report {
            channel: tongxin_domain::case::Channel::Web,
            category: "city.noise".into(),
            urgency: None,
            title: None,
            description: text.into(),
            place: tongxin_app::cases::Place::Grid { code: GRID_A1.into() },
            address: "桃园小区7幢".into(),
            requester_name: Some("陈女士".into()),
            phone: Some(tongxin_domain::kernel::phone::Phone::parse("13700137000").unwrap()),
            photos: Vec::new(),
            reporter: tongxin_app::cases::Reporter::Resident,
            on_spot_reply: None,
        })
        .await
        .unwrap()
}

/// Delivers the outbox as the background job does (the in-app notices; texts to the log).
async fn deliver(f: &Fixture) {
    let sms: Arc<dyn tongxin_jobs::SmsSender> = Arc::new(tongxin_jobs::LogSender);
    tongxin_jobs::deliver_due(&f.store, &sms, &tongxin_jobs::JobsConfig::default()).await.unwrap();
}

async fn version(f: &Fixture, id: i64) -> String {
    f.store.cases().get(&Scope::All, id).await.unwrap().version.to_string()
}

fn month(f: &Fixture) -> String {
    tongxin_domain::case::deadline::shanghai_date(f.store.now()).format("%Y-%m").to_string()
}

fn today(f: &Fixture) -> String {
    tongxin_domain::case::deadline::shanghai_date(f.store.now()).to_string()
}

/// Posts the month's screening of `grid_code` as the page's form does.
async fn log_screening(f: &Fixture, s: &Session, grid_code: &str, on: &str, found: &str) -> Reply {
    let m = month(f);
    let fields = [
        ("grid", grid_code),
        ("period", m.as_str()),
        ("screened_on", on),
        ("findings", found),
        ("note", "楼道堆物引发争执"),
    ];
    post_form_with_csrf(f, s, "/mediation/screenings", &fields).await
}

/// The notices delivered to `unit`: (id, the dispute they are about).
async fn notices_of(f: &Fixture, unit: &str) -> Vec<(i64, Option<i64>)> {
    tongxin_store::on_read!(&f.store.db, |p| sqlx::query_as(
        "SELECT id, dispute_id FROM notices WHERE unit = $1 ORDER BY id"
    )
    .bind(unit)
    .fetch_all(p)
    .await)
    .unwrap()
}

both_backends! {
    /// The dispatcher refers a 邻里纠纷 from the case page: the form proposes 邻里 and the
    /// community's committee; a missing name is refused with the case untouched; then the case
    /// reads 已转调解 → TJ… (a link), the dispute names its case (a link back), the department
    /// that held it sees the code and was told, the committee's desk is told, and the resident's
    /// follow page says it went to mediation — with no mediator's or other side's details.
    async fn a_case_goes_to_mediation_from_its_page_and_the_pages_link_both_ways(t: TestStore) {
        let f = fixture(&t).await;
        let med: Med = setup(&f).await;
        let label = t.label;
        let case = neighbours_case(&f, "楼上住户每晚十一点后还在拖动家具，协商无果").await;
        let desk = login(&f, Who::Dispatcher).await;
        let page = get(&f, &desk, &format!("/cases/{}", case.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains(r#"id="form-refer_to_mediation""#), "{label}: the dispatcher may refer");
        assert!(page.body.contains(&format!(r#"<option value="{}" selected>桃园社区人民调解委员会"#, med.committee_a)), "{label}: the community's committee proposed");
        assert!(page.body.contains(r#"<option value="neighbourhood" selected>邻里</option>"#), "{label}");
        assert!(page.body.contains(r#"name="requester_name" value="陈女士""#), "{label}: the requester's name filled in");
        let dept = login(&f, Who::Department).await;
        let held = get(&f, &dept, &format!("/cases/{}", case.id)).await;
        assert!(!held.body.contains("form-refer_to_mediation"), "{label}: a department returns, it does not refer");

        let v = version(&f, case.id).await;
        let uri = format!("/cases/{}/refer", case.id);
        let base = [("version", v.as_str()), ("dispute_type", "neighbourhood"), ("org_id", ""), ("requester_name", "陈女士"), ("reason", "楼上楼下噪音纠纷，双方协商不成")];
        let refused = post_form_with_csrf(&f, &desk, &uri, &base).await;
        assert_eq!((refused.status, flash_of(&refused)), (StatusCode::SEE_OTHER, "请填写对方当事人姓名".to_string()), "{label}");
        assert_eq!(support::pages::case_status(&f, case.id).await, "dispatched", "{label}: nothing written");
        let mut fields = base.to_vec();
        fields.push(("other_party", "楼上住户王某"));
        let done = post_form_with_csrf(&f, &desk, &uri, &fields).await;
        assert_eq!(location(&done), format!("/cases/{}", case.id), "{label}");
        let flash = flash_of(&done);
        assert!(flash.starts_with("已转调解，纠纷编号 TJ330702001-"), "{label}: {flash}");
        let disputes = f.store.mediation().disputes_of_case(&Viewer::System, case.id).await.unwrap();
        assert_eq!(disputes.len(), 1, "{label}");
        let d = &disputes[0];
        assert!(flash.ends_with(&d.code), "{label}");
        assert_eq!((d.org_id, d.grid_code.as_deref()), (med.committee_a, Some(GRID_A1)), "{label}");

        let page = follow(&f, &desk, &done).await;
        assert!(page.body.contains("已转调解"), "{label}");
        assert!(page.body.contains(&format!(r#"已转调解 → <a href="/mediation/disputes/{}">{}</a>"#, d.id, d.code)), "{label}");
        assert!(!page.body.contains("form-refer_to_mediation") && !page.body.contains(r#"id="form-close""#), "{label}: nothing more to do");
        assert!(page.body.contains("楼上楼下噪音纠纷，双方协商不成"), "{label}: the reason in the timeline");
        let back = get(&f, &desk, &format!("/mediation/disputes/{}", d.id)).await;
        assert!(back.body.contains(&format!(r#"诉求转调解：<a href="/cases/{}">{}</a>"#, case.id, case.code)), "{label}: the dispute links its case");
        // The department that held it: the code, not a link (department staff read no disputes).
        let held = get(&f, &dept, &format!("/cases/{}", case.id)).await;
        assert!(held.body.contains(&format!("已转调解 → {}", d.code)) && !held.body.contains("/mediation/disputes/"), "{label}");

        // The resident: where it went, in their words; nobody's details.
        let track = get(&f, &Session::default(), &format!("/track/{}?t={}", case.code, case.follow_token)).await;
        assert_eq!(track.status, StatusCode::OK, "{label}");
        assert!(track.body.contains("已转人民调解组织调解") && track.body.contains(r#"id="referred""#), "{label}");
        for secret in ["王调解员", "楼上住户王某", "楼上楼下噪音纠纷", "13700137000"] {
            assert!(!track.body.contains(secret), "{label}: {secret} on the follow page");
        }
        assert!(!track.body.contains(r#"name="satisfaction""#), "{label}: nothing to rate");

        // Notices: the department is told it is withdrawn, the committee's desk of the new dispute.
        deliver(&f).await;
        let inbox = get(&f, &dept, "/notices").await;
        assert!(inbox.body.contains(&format!("诉求 {} 已从您单位撤回", case.code)), "{label}");
        let community = login(&f, Who::Community).await;
        let inbox = get(&f, &community, "/notices").await;
        assert!(inbox.body.contains(&format!("新登记纠纷 {}（邻里，诉求转调解）待受理。", d.code)), "{label}");
    }
}

both_backends! {
    /// 网格排查: the grid worker sees their own grid only, logs the month's screening, is
    /// refused a day in the future (the form kept) and another grid; logging again updates it;
    /// "登记发现的纠纷" opens the registration filled in and the dispute names the screening.
    /// The community sees its grids, the street all of its grids with the month's tally and no
    /// forms; another street's area is not found.
    async fn grids_are_screened_monthly_and_what_they_find_is_registered(t: TestStore) {
        let f = fixture(&t).await;
        let med: Med = setup(&f).await;
        let label = t.label;
        let m = month(&f);
        let grid = login(&f, Who::Grid).await;
        let page = get(&f, &grid, "/mediation/screenings").await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("桃园一网格") && !page.body.contains("桃园二网格") && !page.body.contains("青春路一网格"), "{label}");
        assert!(page.body.contains("未排查") && page.body.contains("已排查 0 / 1 个网格"), "{label}");

        let tomorrow = (tongxin_domain::case::deadline::shanghai_date(f.store.now()) + chrono::Duration::days(1)).to_string();
        let refused = log_screening(&f, &grid, GRID_A1, &tomorrow, "1").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("排查日期不能晚于今天") && refused.body.contains(&format!(r#"value="{tomorrow}""#)), "{label}: the form kept");
        let elsewhere = log_screening(&f, &grid, GRID_C1, &today(&f), "1").await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(elsewhere.body.contains("只能记录您负责的网格的排查"), "{label}");

        let done = log_screening(&f, &grid, GRID_A1, &today(&f), "1").await;
        assert_eq!(location(&done), format!("/mediation/screenings?period={m}"), "{label}");
        assert!(flash_of(&done).starts_with("已记录") && flash_of(&done).ends_with("排查：发现纠纷 1 件"), "{label}");
        let page = follow(&f, &grid, &done).await;
        assert!(page.body.contains("已排查 1 / 1 个网格，发现纠纷 1 件，已登记 0 件"), "{label}");
        let again = log_screening(&f, &grid, GRID_A1, &today(&f), "2").await;
        assert!(flash_of(&again).starts_with("已更新"), "{label}");
        let rows = f.store.mediation().screenings(&Scope::All, None, &m).await.unwrap();
        assert_eq!(rows.iter().map(|r| (r.grid_code.as_str(), r.findings)).collect::<Vec<_>>(), [(GRID_A1, 2)], "{label}");
        let screening = rows[0].id;

        let page = get(&f, &grid, "/mediation/screenings").await;
        let link = format!("/mediation/new?screening={screening}");
        assert!(page.body.contains(&link), "{label}: 登记发现的纠纷");
        let form = get(&f, &grid, &link).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains(&format!(r#"name="screening" value="{screening}""#)), "{label}");
        assert!(form.body.contains(r#"<option value="grid_screening" selected>"#) && form.body.contains(&format!(r#"<option value="{GRID_A1}" selected>"#)), "{label}");
        let c = med.committee_a.to_string();
        let s = screening.to_string();
        let register = [
            ("screening", s.as_str()), ("region", GRID_A1), ("org_id", c.as_str()), ("dispute_type", "neighbourhood"),
            ("source", "grid_screening"), ("level", "grid"), ("referred_case", ""), ("summary", "楼道堆物引发争执。"), ("amount", ""),
            ("party_name", "赵大爷"), ("party_side", "party"), ("party_id_number", ""), ("party_phone", ""), ("party_consent", ""), ("party_resident", ""),
            ("party_name", "钱阿姨"), ("party_side", "party"), ("party_id_number", ""), ("party_phone", ""), ("party_consent", ""), ("party_resident", ""),
        ];
        let registered = post_form_with_csrf(&f, &grid, "/mediation/new", &register).await;
        assert_eq!(registered.status, StatusCode::SEE_OTHER, "{label}: {}", registered.body);
        let dispute = follow(&f, &grid, &registered).await;
        assert!(dispute.body.contains("网格排查") && dispute.body.contains(r#"id="screening""#), "{label}: the dispute names its screening");
        let href = dispute.body.split(r#"id="screening""#).next().and_then(|b| b.rsplit("href=").next()).unwrap_or_default();
        assert!(href.contains(&format!("/mediation/screenings?period={m}&")) && href.contains(GRID_A1), "{label}: {href}");
        let page = get(&f, &grid, "/mediation/screenings").await;
        assert!(page.body.contains("已登记 1 件"), "{label}");

        // The community: its two grids; the street: its three, no forms; outside: not found.
        let community = login(&f, Who::Community).await;
        let page = get(&f, &community, "/mediation/screenings").await;
        assert!(page.body.contains("桃园二网格") && !page.body.contains("青春路一网格") && page.body.contains("已排查 1 / 2 个网格"), "{label}");
        assert!(page.body.contains(r#"name="screened_on""#), "{label}: community workers log for their grids");
        let desk = login(&f, Who::Dispatcher).await;
        let page = get(&f, &desk, "/mediation/screenings").await;
        assert!(page.body.contains("青春路一网格") && page.body.contains("已排查 1 / 3 个网格"), "{label}");
        assert!(!page.body.contains(r#"name="screened_on""#), "{label}: the street reads, the grids log");
        assert_eq!(get(&f, &desk, &format!("/mediation/screenings?area={GRID_C1}")).await.status, StatusCode::NOT_FOUND, "{label}");
        let previous = get(&f, &desk, &format!("/mediation/screenings?period={}", tongxin_domain::mediation::screening::Period::parse(&m).unwrap().previous())).await;
        assert!(previous.body.contains("已排查 0 / 3 个网格"), "{label}");
        assert_eq!(get(&f, &login(&f, Who::Mediator).await, "/mediation/screenings").await.status, StatusCode::FORBIDDEN, "{label}");
    }
}

both_backends! {
    /// The mediator's bell and `/notices` (issue 12): the notices of their mediator record
    /// (指派) and of the committee they serve (新登记纠纷), each opening the dispute's page; another
    /// committee's are not theirs; once removed (人民调解法 art 15) the inbox is gone. A
    /// petition's notice opens the petition.
    async fn a_mediator_reads_their_notices_and_none_once_removed(t: TestStore) {
        let f = fixture(&t).await;
        let med: Med = setup(&f).await;
        let label = t.label;
        let (petition, _) = crate::petitions::authz_petitions(&f).await;
        deliver(&f).await;
        let mediator = login(&f, Who::Mediator).await;
        let home = get(&f, &mediator, "/").await;
        assert!(home.body.contains(r#"class="bell""#), "{label}: the mediator has a bell");
        let page = get(&f, &mediator, "/notices").await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("指派调解") && page.body.contains("新纠纷待受理"), "{label}");
        assert!(page.body.contains(&format!("纠纷 {}", med.dispute_a.code)), "{label}: the dispute by its code");
        assert!(!page.body.contains(&med.dispute_b.code), "{label}: another committee's dispute");
        let assigned = notices_of(&f, &format!("mediator:{}", med.mediator_a)).await;
        assert!(!assigned.is_empty() && assigned.iter().all(|(_, d)| d.is_some()), "{label}: {assigned:?}");
        let (notice, dispute) = (assigned[0].0, assigned[0].1.unwrap());
        let opened = get(&f, &mediator, &format!("/notices/{notice}")).await;
        assert_eq!(location(&opened), format!("/mediation/disputes/{dispute}"), "{label}: the dispute, not a case");
        assert_eq!(get(&f, &mediator, &location(&opened)).await.status, StatusCode::OK, "{label}");
        let other = notices_of(&f, &format!("mediation_org:{}", med.committee_b)).await;
        assert_eq!(get(&f, &mediator, &format!("/notices/{}", other[0].0)).await.status, StatusCode::NOT_FOUND, "{label}");

        // A petition's notice to the department that holds it opens the petition.
        let dept = login(&f, Who::Department).await;
        let petition_notices: Vec<i64> = tongxin_store::on_read!(&f.store.db, |p| sqlx::query_scalar(
            "SELECT id FROM notices WHERE unit = 'dept:1' AND petition_id = $1 ORDER BY id"
        )
        .bind(petition)
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(!petition_notices.is_empty(), "{label}");
        let opened = get(&f, &dept, &format!("/notices/{}", petition_notices[0])).await;
        assert_eq!(location(&opened), format!("/petitions/{petition}"), "{label}");
        assert!(get(&f, &dept, "/notices").await.body.contains("信访件 XF"), "{label}");

        // Removed: no inbox, no bell, no notice.
        let admin = user(&f, Who::Admin).await;
        let record = f.store.mediation().mediator(med.mediator_a).await.unwrap();
        tongxin_app::mediation::orgs::remove_mediator(
            &f.store,
            &admin,
            med.mediator_a,
            record.version,
            tongxin_domain::mediation::mediator::RemovalReason::Partiality,
            "偏袒一方当事人",
        )
        .await
        .unwrap();
        let page = get(&f, &mediator, "/notices").await;
        assert!(page.body.contains("您的岗位不接收通知") && !page.body.contains(r#"class="bell""#), "{label}");
        assert_eq!(get(&f, &mediator, &format!("/notices/{notice}")).await.status, StatusCode::NOT_FOUND, "{label}");
    }
}
