//! The mediation timers run with the standard jobs (issue 12): a dispute accepted and left
//! unmediated is warned once before its one-month limit, marked overdue and supervised (督办) by
//! the system after it, the organisation told each time — on both backends, through `run_once`
//! and in the list every server spawns.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::Duration;
use common::*;
use std::sync::Arc;
use tongxin_app::mediation::orgs::{OrgForm, create_org};
use tongxin_app::mediation::{AUTO_SUPERVISION_NOTE, PartyForm, Registration, Who, act, register};
use tongxin_domain::kernel::access::Role;
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::{Action, ConsentForm};
use tongxin_jobs::timers::MEDIATION_JOB_NAME;
use tongxin_jobs::{JobsConfig, MediationTimerReport, RunReport, SmsSender, run_once, standard_jobs};
use tongxin_store::mediation::{PartySide, Viewer};
use tongxin_store::{Page, on_read};

fn party(name: &str, side: PartySide, consent: Option<ConsentForm>) -> PartyForm {
    PartyForm { name: name.into(), side, resident_id: None, id_number: String::new(), phone: String::new(), consent }
}

/// A community worker of 桃园社区 and the community's 人民调解委员会, created by that worker.
async fn committee(
    store: &tongxin_store::Store,
) -> (tongxin_store::accounts::User, tongxin_store::mediation::OrgRecord) {
    let worker = store
        .accounts()
        .create_user(
            &tongxin_store::Actor::system("test"),
            &tongxin_store::accounts::NewUser {
                username: "worker".into(),
                display_name: "社区工作者".into(),
                password_hash: "x".into(),
                role: Role::CommunityWorker,
                scope_region: Some("330702001008".into()),
                scope_department: None,
                can_unmask: false,
                totp_secret: None,
            },
        )
        .await
        .unwrap();
    let form = OrgForm {
        kind: OrgKind::PeoplesCommittee,
        name: "桃园社区人民调解委员会".into(),
        region_code: "330702001008".into(),
        field: None,
        multi_ethnic: false,
    };
    let org = create_org(store, &worker, form).await.unwrap();
    (worker, org)
}

both_backends! {
    async fn an_unmediated_dispute_is_warned_then_supervised_by_the_jobs(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let (worker, org) = committee(store).await;
        let who = Who::Staff(worker.clone());
        let registration = Registration {
            region: Some(GRID.into()),
            org_id: org.id,
            level: None,
            dispute_type: DisputeType::Neighbourhood,
            source: Source::WalkIn,
            referred_case_id: None,
            summary: "楼上漏水，双方就维修费用争执。".into(),
            amount: String::new(),
            parties: vec![
                party("张三", PartySide::Applicant, Some(ConsentForm::Written)),
                party("李四", PartySide::Respondent, None),
            ],
            screening_id: None,
        };
        let d = register(store, &who, registration).await.unwrap();
        let d = act(store, &who, d.id, d.version, Action::Accept).await.unwrap();
        let deadline = d.deadline_at.unwrap();

        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let cfg = JobsConfig::default();
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.mediation, MediationTimerReport::default(), "{label}: nothing due at acceptance");

        // Five days before the last day (从 00:00): warned once.
        t.clock.advance(deadline - store.now() - Duration::days(5));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.mediation, MediationTimerReport { warned: 1, ..Default::default() }, "{label}");
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r, RunReport::default(), "{label}: warned once only");

        t.clock.advance(deadline - store.now() + Duration::seconds(1));
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r.mediation, MediationTimerReport { overdue: 1, supervised: 1, ..Default::default() }, "{label}");
        let now = store.mediation().get(&Viewer::System, d.id).await.unwrap();
        assert!(now.overdue && now.state.supervisions == 1, "{label}");
        let events = store.mediation().events(&Viewer::System, d.id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!((last.kind.as_str(), last.note.as_str()), ("supervised", AUTO_SUPERVISION_NOTE), "{label}");

        // The organisation's inbox got the warning, the overdue notice and the 督办, delivered
        // in the same passes.
        let mut kinds: Vec<String> = store
            .outbox()
            .notices(&format!("mediation_org:{}", org.id), Page::default())
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.kind)
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            ["mediation_limit_warning", "mediation_overdue", "mediation_registered", "mediation_supervised"],
            "{label}"
        );
        // Each names its dispute, so opening it goes to the dispute's page (not a case).
        let about: Vec<(Option<i64>, Option<i64>)> = on_read!(&store.db, |p| sqlx::query_as(
            "SELECT dispute_id, case_id FROM notices WHERE unit = $1"
        )
        .bind(format!("mediation_org:{}", org.id))
        .fetch_all(p)
        .await)
        .unwrap();
        assert_eq!(about.len(), 4, "{label}");
        assert!(about.iter().all(|a| *a == (Some(d.id), None)), "{label}: {about:?}");
        let r = run_once(store, &cases, &sms, &cfg).await.unwrap();
        assert_eq!(r, RunReport::default(), "{label}: nothing twice");
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

#[test]
fn every_server_runs_the_mediation_timers() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let t = tongxin_testkit::sqlite_store().await;
        let cases = setup(&t.store).await;
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let jobs = standard_jobs(t.store.clone(), cases, sms, JobsConfig::default());
        let names: Vec<&str> = jobs.iter().map(|j| j.name()).collect();
        assert_eq!(names, ["timers", MEDIATION_JOB_NAME, tongxin_jobs::petition_timers::JOB_NAME, "outbox"]);
        let job = &jobs[1];
        assert_eq!(job.idempotency(), tongxin_jobs::Idempotency::MarkedInSameTransaction);
        assert!(job.pass().await.unwrap().is_quiet(), "an empty street has nothing due");
    });
}

both_backends! {
    /// The online room's texts (invitation, codes) go to the dispute party's number on record —
    /// read in clear only for the send, each use audited — and a party without a number is a
    /// dead letter that says so.
    async fn room_texts_reach_the_partys_phone(t: TestStore) {
        use tongxin_store::mediation::room::CodePurpose;
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let (desk, org) = committee(store).await;
        let with_phone = PartyForm { phone: "13800138000".into(), ..party("张三", PartySide::Applicant, Some(ConsentForm::Written)) };
        let registration = Registration {
            region: Some(GRID.into()),
            org_id: org.id,
            level: None,
            dispute_type: DisputeType::Neighbourhood,
            source: Source::WalkIn,
            referred_case_id: None,
            summary: "楼上漏水。".into(),
            amount: String::new(),
            parties: vec![with_phone, party("李四", PartySide::Respondent, None)],
            screening_id: None,
        };
        let d = register(store, &Who::Staff(desk), registration).await.unwrap();
        let m = store.mediation();
        m.room_issue_code(d.id, &d.code, 0, CodePurpose::Join, "验证码 {otp}").await.unwrap();
        m.room_issue_code(d.id, &d.code, 1, CodePurpose::Join, "验证码 {otp}").await.unwrap();
        let recording = RecordingSender::failing(0);
        let sms: Arc<dyn SmsSender> = recording.clone();
        run_once(store, &cases, &sms, &JobsConfig::default()).await.unwrap();
        let calls = recording.calls();
        assert_eq!(calls.len(), 1, "{label}: {calls:?}");
        assert_eq!(calls[0].to, "13800138000", "{label}");
        assert!(calls[0].text.starts_with("验证码 "), "{label}");
        let audited: i64 = tongxin_store::on_read!(&store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'dispute.phone_use'"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(audited, 1, "{label}");
        let dead: String = tongxin_store::on_read!(&store.db, |p| sqlx::query_scalar(
            "SELECT last_error FROM outbox WHERE recipient = $1"
        )
        .bind(tongxin_store::mediation::room::party_recipient(d.id, 1))
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(dead, "当事人未留手机号", "{label}");
    }
}

both_backends! {
    /// 在线咨询 and 在线申请: the code goes to the number the person gave — read in clear only for
    /// the send, audited — and nowhere else.
    async fn online_request_codes_reach_the_phone_given(t: TestStore) {
        use tongxin_app::mediation::online::{AskForm, ask};
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let (_, _org) = committee(store).await;
        let form = AskForm {
            place: GRID[..12].to_string(),
            name: "赵小红".into(),
            phone: "13700137000".into(),
            question: "邻居占用车位怎么办？".into(),
        };
        let id = ask(store, &form).await.unwrap();
        let recording = RecordingSender::failing(0);
        let sms: Arc<dyn SmsSender> = recording.clone();
        run_once(store, &cases, &sms, &JobsConfig::default()).await.unwrap();
        let calls = recording.calls();
        assert_eq!(calls.len(), 1, "{label}: {calls:?}");
        assert_eq!(calls[0].to, "13700137000", "{label}");
        assert!(calls[0].text.contains("在线咨询验证码"), "{label}: {}", calls[0].text);
        let audited: i64 = tongxin_store::on_read!(&store.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'mediation.request_phone_use' AND entity_id = $1"
        )
        .bind(id.to_string())
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(audited, 1, "{label}");
    }
}
