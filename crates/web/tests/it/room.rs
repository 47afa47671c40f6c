//! The online mediation room over HTTP on both backends (issue 12): a mediator's room and its
//! refusals (other roles 403; a dispute outside the mediator's organisations 404), a party's way
//! in by invitation link and SMS code, 背靠背 lines kept from the other party, attachments known
//! by their bytes, the live feed (Server-Sent Events) carrying a new message, the draft confirmed
//! with a code, and a forged invitation refused.

use crate::support;
use crate::support::pages::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use support::*;
use tongxin_app::mediation::orgs::{MediatorForm, OrgForm, create_mediator, create_org};
use tongxin_app::mediation::{PartyForm, Registration, Who as MWho, act, register};
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::mediator::{Appointment, MediatorInput, MediatorRef};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::{Action, ConsentForm, SessionPlace};
use tongxin_store::mediation::{DisputeView, PartySide};
use tongxin_testkit::both_backends;
use tower::ServiceExt;

const APPLICANT: &str = "13800138000";
const RESPONDENT: &str = "13900139000";

/// A neighbours' dispute of committee 桃园 in mediation, its mediator the fixture's mediator account.
async fn dispute_in_mediation(f: &Fixture) -> DisputeView {
    let store = &f.store;
    let admin = store.accounts().user(f.ids.users[&Who::Admin]).await.unwrap();
    let mediator = store.accounts().user(f.ids.users[&Who::Mediator]).await.unwrap();
    let org = OrgForm {
        kind: OrgKind::PeoplesCommittee,
        name: "桃园社区人民调解委员会".into(),
        region_code: COMMUNITY_A.into(),
        field: None,
        multi_ethnic: false,
    };
    let org = create_org(store, &admin, org).await.unwrap();
    let form = MediatorForm {
        input: MediatorInput {
            org_id: org.id,
            name: "徐文华".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1968, 3, 8).unwrap(),
            appointment: Appointment::Member,
            term_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            term_end: None,
            specialities: vec![DisputeType::Neighbourhood],
        },
        user_id: Some(mediator.id),
        qualification: String::new(),
    };
    let m = create_mediator(store, &admin, form).await.unwrap();
    let party = |name: &str, side, phone: &str, consent| PartyForm {
        name: name.into(),
        side,
        resident_id: None,
        id_number: String::new(),
        phone: phone.into(),
        consent,
    };
    let desk = MWho::Staff(admin.clone());
    let d = register(
        store,
        &desk,
        Registration {
            region: Some(GRID_A1.into()),
            org_id: org.id,
            level: None,
            dispute_type: DisputeType::Neighbourhood,
            source: Source::WalkIn,
            referred_case_id: None,
            summary: "楼上空调外机漏水，双方就维修费用发生争执。".into(),
            amount: String::new(),
            parties: vec![
                party("张三", PartySide::Applicant, APPLICANT, Some(ConsentForm::Written)),
                party("李四", PartySide::Respondent, RESPONDENT, Some(ConsentForm::Oral)),
            ],
            screening_id: None,
        },
    )
    .await
    .unwrap();
    let d = act(store, &desk, d.id, d.version, Action::Accept).await.unwrap();
    let assign = Action::AssignMediators {
        mediators: vec![MediatorRef { id: m.mediator.id, active: true }],
        chosen_by_parties: false,
    };
    let d = act(store, &desk, d.id, d.version, assign).await.unwrap();
    let session = Action::RecordSession {
        held_on: tongxin_domain::case::deadline::shanghai_date(store.now()),
        place: SessionPlace::Online,
        attendees: vec!["张三".into(), "李四".into()],
        notes: "首次在线调解。".into(),
    };
    act(store, &MWho::Staff(mediator), d.id, d.version, session).await.unwrap()
}

/// The six digits of the latest text queued to a party.
async fn code_sent_to(f: &Fixture, dispute_id: i64, idx: u16) -> String {
    let to = tongxin_store::mediation::room::party_recipient(dispute_id, idx);
    let payload: String = tongxin_store::on_read!(&f.store.db, |p| sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(&to)
    .fetch_one(p)
    .await)
    .unwrap();
    let text = serde_json::from_str::<serde_json::Value>(&payload).unwrap()["text"].as_str().unwrap().to_string();
    text.split("验证码").nth(1).unwrap().chars().filter(char::is_ascii_digit).take(6).collect()
}

/// A party's browser: the anonymous form cookie, then the room session's.
#[derive(Default, Clone)]
struct Party {
    cookies: Vec<String>,
    csrf: String,
}

impl Party {
    fn session(&self) -> Session {
        Session { cookie: Some(self.cookies.join("; ")), csrf: None }
    }

    fn take_cookies(&mut self, r: &Reply) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            self.cookies.push(pair);
        }
        if let Some(i) = r.body.find("name=\"_csrf\" value=\"") {
            let rest = &r.body[i + 20..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
    }
}

/// A party joins the room through the invitation link and the code sent to their phone.
async fn join(f: &Fixture, d: &DisputeView, idx: u16) -> (Party, String) {
    let base = format!("/r/{}", tongxin_app::mediation::room::invite_token(&f.store, d.id, idx));
    let mut p = Party::default();
    let page = get(f, &p.session(), &base).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("获取短信验证码"), "{}", page.body);
    p.take_cookies(&page);
    let sent = post_form(f, &p.session(), &format!("{base}/code"), &[("_csrf", &p.csrf)]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let otp = code_sent_to(f, d.id, idx).await;
    let wrong = post_form(f, &p.session(), &format!("{base}/join"), &[("_csrf", &p.csrf), ("otp", "000000")]).await;
    if otp != "000000" {
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "a wrong code");
    }
    let joined = post_form(f, &p.session(), &format!("{base}/join"), &[("_csrf", &p.csrf), ("otp", &otp)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    p.take_cookies(&joined);
    let room = get(f, &p.session(), &base).await;
    assert_eq!(room.status, StatusCode::OK);
    p.take_cookies(&room);
    (p, base)
}

both_backends! {
    async fn the_online_room_over_http(t: TestStore) {
        let f = fixture(&t).await;
        let d = dispute_in_mediation(&f).await;
        let room = format!("/rooms/{}", d.id);
        let med = login(&f, Who::Mediator).await;
        let page = get(&f, &med, &room).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(&d.code) && page.body.contains("张*") && page.body.contains("背靠背"), "names masked");
        for who in [Who::Dispatcher, Who::Community, Who::Leader] {
            let s = login(&f, who).await;
            assert_eq!(get(&f, &s, &room).await.status, StatusCode::FORBIDDEN, "{who:?}");
        }
        assert_eq!(get(&f, &med, &format!("/rooms/{}", d.id + 1000)).await.status, StatusCode::NOT_FOUND);

        // The mediator speaks to everyone, then privately to 李四 (party 1).
        let say = |to: &'static str, body: &'static str| {
            let med = med.clone();
            let room = room.clone();
            let f = &f;
            async move {
                post_multipart(f, &med, &format!("{room}/messages"), &[("_csrf", &csrf(&med)), ("to", to), ("body", body)], &[]).await
            }
        };
        assert_eq!(say("all", "双方好，今天在线调解。").await.status, StatusCode::SEE_OTHER);
        assert_eq!(say("party:1", "李先生，对方愿意各让一步。").await.status, StatusCode::SEE_OTHER);
        let bad_csrf = post_multipart(&f, &med, &format!("{room}/messages"), &[("_csrf", "x"), ("to", "all"), ("body", "伪造")], &[]).await;
        assert_eq!(bad_csrf.status, StatusCode::FORBIDDEN);
        let nowhere = post_multipart(&f, &med, &format!("{room}/messages"), &[("_csrf", &csrf(&med)), ("to", "everyone"), ("body", "发给谁？")], &[]).await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown audience is refused, not sent to all");

        // Invitation SMS, then both parties join with their codes.
        let invited = post_form_with_csrf(&f, &med, &format!("{room}/invite"), &[("party", "0")]).await;
        assert_eq!(invited.status, StatusCode::SEE_OTHER);
        assert!(flash_of(&invited).contains("已向当事人 张* 发送邀请短信"), "{}", flash_of(&invited));
        let (zhang, zbase) = join(&f, &d, 0).await;
        let (li, lbase) = join(&f, &d, 1).await;
        let zpage = get(&f, &zhang.session(), &zbase).await.body;
        assert!(zpage.contains("双方好，今天在线调解。") && !zpage.contains("李先生，对方愿意各让一步。"), "party 0 never reads party 1's line");
        let lpage = get(&f, &li.session(), &lbase).await.body;
        assert!(lpage.contains("李先生，对方愿意各让一步。") && lpage.contains("仅您与调解员可见"));
        // A party's session is for its own room: 张三's cookie does not open 李四's link.
        assert!(get(&f, &zhang.session(), &lbase).await.body.contains("获取短信验证码"));
        let forged = format!("/r/{}-1-{}", d.id, "0".repeat(24));
        assert_eq!(get(&f, &Session::default(), &forged).await.status, StatusCode::NOT_FOUND);

        // 张三 sends a photo privately to the mediator; an HTML file is refused by its bytes.
        let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let photo = Upload { field: "file", filename: "p.png".into(), content_type: "image/png", bytes: png };
        let posted = post_multipart(&f, &zhang.session(), &format!("{zbase}/messages"), &[("_csrf", &zhang.csrf), ("to", "mine"), ("body", "现场照片")], &[photo]).await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
        let html = Upload { field: "file", filename: "x.png".into(), content_type: "image/png", bytes: b"<script>alert(1)</script>" };
        let refused = post_multipart(&f, &zhang.session(), &format!("{zbase}/messages"), &[("_csrf", &zhang.csrf), ("to", "all"), ("body", "网页")], &[html]).await;
        assert!(flash_of(&refused).contains("只能发送照片"), "{}", flash_of(&refused));
        let msgs = f.store.mediation().room_messages(d.id, tongxin_domain::mediation::room::Member::Mediator, 0, 50).await.unwrap();
        let file = msgs.iter().find_map(|m| m.file_id).expect("a file");
        let served = get(&f, &zhang.session(), &format!("{zbase}/files/{file}")).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.headers[header::CONTENT_TYPE], "image/png");
        assert_eq!(served.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(get(&f, &med, &format!("{room}/files/{file}")).await.status, StatusCode::OK);
        assert_eq!(get(&f, &li.session(), &format!("{lbase}/files/{file}")).await.status, StatusCode::NOT_FOUND, "not 李四's");

        // The live feed: opened by 李四 after the messages so far, it carries the next one.
        let last = msgs.last().unwrap().id;
        let req = Request::builder().uri(format!("{lbase}/feed?after={last}")).header(header::COOKIE, li.cookies.join("; ")).body(Body::empty()).unwrap();
        let resp = f.app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
        let mut body = resp.into_body();
        assert_eq!(say("all", "请双方看草稿。").await.status, StatusCode::SEE_OTHER);
        let mut seen = String::new();
        while !seen.contains("请双方看草稿。") {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.expect("an event in time");
            if let Some(Ok(frame)) = frame && let Some(data) = frame.data_ref() {
                seen.push_str(&String::from_utf8_lossy(data));
            }
        }
        assert!(seen.contains("event: line") && !seen.contains("现场照片"), "only what 李四 reads, after `after`: {seen}");

        // The draft, confirmed by 李四 with a code.
        let drafted = post_form_with_csrf(&f, &med, &format!("{room}/draft"), &[("draft", "李四赔偿张三 500 元，12 月 20 日前付清。")]).await;
        assert!(flash_of(&drafted).contains("第 1 版"), "{}", flash_of(&drafted));
        let asked = post_form(&f, &li.session(), &format!("{lbase}/confirm-code"), &[("_csrf", &li.csrf), ("version", "1")]).await;
        assert!(flash_of(&asked).contains("验证码已发送"), "{}", flash_of(&asked));
        let otp = code_sent_to(&f, d.id, 1).await;
        let confirmed = post_form(&f, &li.session(), &format!("{lbase}/confirm"), &[("_csrf", &li.csrf), ("version", "1"), ("otp", &otp)]).await;
        assert!(flash_of(&confirmed).contains("您已确认协议草稿第 1 版"), "{}", flash_of(&confirmed));
        assert!(get(&f, &med, &room).await.body.contains("已确认"), "the mediator sees who confirmed");

        // The 短信发件箱 (a demo without a gateway) shows the room's texts by the dispute's code,
        // the number masked.
        let outbox = f.store.outbox().sms_page(tongxin_store::Page::new(Some(1), Some(50))).await.unwrap();
        let invite_sms = outbox.items.iter().find(|r| r.kind == "room_invite").expect("the invitation text");
        assert_eq!(invite_sms.case_code.as_deref(), Some(d.code.as_str()));
        assert_eq!(invite_sms.phone_masked.as_deref(), Some("138****8000"));

        // Leaving ends the session on this device.
        let left = post_form(&f, &li.session(), &format!("{lbase}/leave"), &[("_csrf", &li.csrf)]).await;
        assert_eq!(left.status, StatusCode::SEE_OTHER);
        assert!(get(&f, &li.session(), &lbase).await.body.contains("获取短信验证码"));
    }
}
