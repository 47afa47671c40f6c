//! 在线评估, 在线咨询 and 在线申请 over HTTP on both backends (issue 12): the assessment names the
//! community committee for a neighbours' matter and the 矛调中心 for a labour one; a question is
//! confirmed with the code sent to the phone (a wrong code refused), reaches the desk of its
//! community only, is answered once, and the answer is read through the private link texted to
//! the person (a forged link is not found); an application confirmed with its code becomes an
//! online dispute held by the suggested organisation.

use crate::support;
use crate::support::pages::*;
use axum::http::{StatusCode, header};
use support::*;
use tongxin_store::mediation::Viewer;
use tongxin_testkit::both_backends;

/// A phone's browser: the anonymous form cookie and its token.
#[derive(Default)]
struct Browser {
    cookie: Option<String>,
    csrf: String,
}

impl Browser {
    fn session(&self) -> Session {
        Session { cookie: self.cookie.clone(), csrf: None }
    }

    fn take(&mut self, r: &Reply) {
        if let Some(v) = r.headers.get(header::SET_COOKIE) {
            self.cookie = Some(v.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        if let Some(i) = r.body.find("name=\"_csrf\" value=\"") {
            let rest = &r.body[i + 20..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
    }
}

/// The request id in a confirm page's form.
fn request_id(page: &Reply) -> i64 {
    let i = page.body.find("/mediate/confirm/").unwrap_or_else(|| panic!("a confirm form: {}", page.body));
    page.body[i + 17..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

async fn code_of(f: &Fixture, id: i64) -> String {
    let text = f.store.mediation().last_text_to_request(id).await.unwrap().expect("a text");
    text.split("验证码是").nth(1).unwrap().chars().filter(char::is_ascii_digit).take(6).collect()
}

both_backends! {
    async fn assess_ask_answer_and_apply_online(t: TestStore) {
        let f = fixture(&t).await;
        let med = support::mediation::setup(&f).await;
        let mut phone = Browser::default();

        // 在线评估: a neighbours' matter stays in the community; a labour one goes to the centre.
        let q = format!("/mediate?place={COMMUNITY_A}&type=neighbourhood&apart=same_community");
        let page = get(&f, &phone.session(), &q).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        assert!(page.body.contains("桃园社区人民调解委员会") && page.body.contains("小事不出村"), "{}", page.body);
        phone.take(&page);
        let labour = get(&f, &phone.session(), &format!("/mediate?place={COMMUNITY_A}&type=labour&amount=8000&apart=same_community")).await;
        assert!(labour.body.contains("城东街道矛调中心") && labour.body.contains("劳动人事争议仲裁"), "{}", labour.body);
        let bad = get(&f, &phone.session(), &format!("/mediate?place={COMMUNITY_A}&type=neighbourhood&amount=abc&apart=same_community")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: a bad amount", t.label);

        // 在线咨询: confirmed by the code sent to the phone.
        let asked = post_form(&f, &phone.session(), "/mediate/ask", &[
            ("_csrf", &phone.csrf), ("place", COMMUNITY_A), ("name", "赵小红"), ("phone", "13700137000"),
            ("question", "楼上邻居长期漏水，物业不管，我该找谁？"),
        ]).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        let id = request_id(&asked);
        let otp = code_of(&f, id).await;
        if otp != "000000" {
            let wrong = post_form(&f, &phone.session(), &format!("/mediate/confirm/{id}"), &[("_csrf", &phone.csrf), ("otp", "000000")]).await;
            assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: a wrong code", t.label);
        }
        let done = post_form(&f, &phone.session(), &format!("/mediate/confirm/{id}"), &[("_csrf", &phone.csrf), ("otp", &otp)]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("咨询已提交") && done.body.contains("137****7000"), "{}", done.body);
        // A used code does not confirm twice.
        let again = post_form(&f, &phone.session(), &format!("/mediate/confirm/{id}"), &[("_csrf", &phone.csrf), ("otp", &otp)]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);

        // The desk of community A reads it (the name masked); the department has no desk.
        let mediator = login(&f, Who::Mediator).await;
        let desk = get(&f, &mediator, "/mediation/consultations").await;
        assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
        assert!(desk.body.contains("物业不管") && desk.body.contains("赵*") && !desk.body.contains("赵小红"), "{}", desk.body);
        assert!(!desk.body.contains("13700137000"), "{}: the number masked", t.label);
        let dept = login(&f, Who::Department).await;
        assert_eq!(get(&f, &dept, "/mediation/consultations").await.status, StatusCode::FORBIDDEN);

        // Answered once; the person reads it by the private link, a forged one is not found.
        let answered = post_form_with_csrf(&f, &mediator, &format!("/mediation/consultations/{id}/answer"), &[
            ("answer", "可先向社区人民调解委员会申请调解，也可在本页在线申请。"),
        ]).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
        assert!(flash_of(&answered).contains("已答复"), "{}", flash_of(&answered));
        let twice = post_form_with_csrf(&f, &mediator, &format!("/mediation/consultations/{id}/answer"), &[("answer", "再答一次")]).await;
        assert!(flash_of(&twice).contains("已有答复"), "{}", flash_of(&twice));
        let texted = f.store.mediation().last_text_to_request(id).await.unwrap().unwrap();
        assert!(texted.contains("已有答复"), "{texted}");
        let token = f.store.pii().follow_token(&format!("MQ{id}"));
        let read = get(&f, &Session::default(), &format!("/mediate/answers/{id}/{token}")).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert!(read.body.contains("在线申请") && read.body.contains("物业不管"), "{}", read.body);
        let forged = get(&f, &Session::default(), &format!("/mediate/answers/{id}/{}", "A".repeat(token.len()))).await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND, "{}", t.label);

        // A question of another street is neither listed nor answerable here.
        let other = post_form(&f, &phone.session(), "/mediate/ask", &[
            ("_csrf", &phone.csrf), ("place", COMMUNITY_C), ("name", "钱多多"), ("phone", "13700137001"),
            ("question", "工地夜间施工太吵怎么办？"),
        ]).await;
        let other_id = request_id(&other);
        let otp = code_of(&f, other_id).await;
        post_form(&f, &phone.session(), &format!("/mediate/confirm/{other_id}"), &[("_csrf", &phone.csrf), ("otp", &otp)]).await;
        assert!(!get(&f, &mediator, "/mediation/consultations").await.body.contains("夜间施工"), "{}", t.label);
        let foreign = post_form_with_csrf(&f, &mediator, &format!("/mediation/consultations/{other_id}/answer"), &[("answer", "越权答复")]).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", t.label);

        // 在线申请: confirmed by its code, it is an online dispute of the suggested committee.
        let applied = post_form(&f, &phone.session(), "/mediate/apply", &[
            ("_csrf", &phone.csrf), ("place", COMMUNITY_A), ("type", "neighbourhood"), ("amount", ""),
            ("apart", "same_community"), ("name", "赵小红"), ("phone", "13700137000"), ("other", "钱大伟"),
            ("summary", "楼上卫生间漏水到我家，多次协商无果，要求维修并赔偿。"),
        ]).await;
        assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
        let app_id = request_id(&applied);
        let otp = code_of(&f, app_id).await;
        let registered = post_form(&f, &phone.session(), &format!("/mediate/confirm/{app_id}"), &[("_csrf", &phone.csrf), ("otp", &otp)]).await;
        assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
        assert!(registered.body.contains("调解申请已登记") && registered.body.contains("桃园社区人民调解委员会"), "{}", registered.body);
        let r = f.store.mediation().request(app_id).await.unwrap();
        let d = f.store.mediation().get(&Viewer::System, r.dispute_id.expect("the dispute")).await.unwrap();
        assert_eq!((d.org_id, d.source.as_str()), (med.committee_a, "online"), "{}", t.label);
        assert!(registered.body.contains(&d.code), "{}", registered.body);
        assert_eq!(d.state.parties.len(), 2, "{}", t.label);

        // A refused form goes back with the reason, nothing recorded.
        let refused = post_form(&f, &phone.session(), "/mediate/apply", &[
            ("_csrf", &phone.csrf), ("place", COMMUNITY_A), ("type", "neighbourhood"), ("apart", "same_community"),
            ("name", "赵小红"), ("phone", "12345"), ("other", "钱大伟"), ("summary", "漏水"),
        ]).await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", t.label);
        assert!(flash_of(&refused).contains("手机号"), "{}", flash_of(&refused));
    }
}
