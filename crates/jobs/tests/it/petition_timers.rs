//! The 信访 clocks run among the standard jobs (《信访工作条例》arts 22–36): a petition not told
//! of within 15 日 is warned three days before and marked overdue after, each once; a petition
//! whose 复查 window (30 日 from receiving the opinion) lapsed unused is concluded (办结) by the
//! system; a second pass finds nothing left.

use crate::common;
use tongxin_testkit::both_backends;

use chrono::Duration;
use common::*;
use std::sync::Arc;
use tongxin_app::petitions::{PersonForm, Registered, RegistrationForm, Who, act, register};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::petition::{
    Action, Channel, FactsAndReasons, Finding, Kind, LegalBasis, Opinion, Outcome, Request, Status,
};
use tongxin_jobs::job::{Idempotency, PassReport};
use tongxin_jobs::petition_timers::JOB_NAME;
use tongxin_jobs::{JobsConfig, SmsSender, standard_jobs};
use tongxin_store::accounts::NewUser;
use tongxin_store::petitions::PetitionView;
use tongxin_store::{Actor, Store};

async fn office(store: &Store) -> Who {
    let new = NewUser {
        username: "xinfang".into(),
        display_name: "信访窗口".into(),
        password_hash: "x".into(),
        role: Role::Dispatcher,
        scope_region: Some(STREET.into()),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    Who::Staff(store.accounts().create_user(&Actor::system("test"), &new).await.unwrap())
}

async fn petition(store: &Store, who: &Who, request: &str) -> PetitionView {
    let form = RegistrationForm {
        region: Some(GRID.into()),
        channel: Channel::Letter,
        kind: Kind::Claim,
        petitioner: PersonForm { name: "赵六".into(), address: "桃园小区3幢".into(), ..PersonForm::default() },
        request: request.into(),
        facts: "多次反映未果。".into(),
        reasons: "影响正常生活。".into(),
        headcount: None,
        representatives: vec![],
    };
    match register(store, who, form).await.unwrap() {
        Registered::New(p) => p,
        other => panic!("expected a new petition: {other:?}"),
    }
}

fn count(r: &PassReport, name: &str) -> usize {
    r.0.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).unwrap_or_default()
}

both_backends! {
    async fn the_standard_jobs_run_the_petition_clocks(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        let cases = setup(store).await;
        let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
        let jobs = standard_jobs(store.clone(), cases, sms, JobsConfig::default());
        let job = jobs.iter().find(|j| j.name() == JOB_NAME).expect("the petition clocks are a standard job");
        assert_eq!((job.idempotency(), job.lease()), (Idempotency::MarkedInSameTransaction, None), "{label}");

        let desk = office(store).await;
        let untold = petition(store, &desk, "要求修复小区路灯").await;
        // Another is answered with an opinion today: 30 日 to ask for 复查.
        let p = petition(store, &desk, "要求补发拆迁补偿款").await;
        let p = act(store, &desk, p.id, p.version, Action::Notify { note: "已书面告知".into() }).await.unwrap();
        let p = act(store, &desk, p.id, p.version, Action::Accept).await.unwrap();
        let opinion = Opinion {
            request: Request::new("要求补发拆迁补偿款").unwrap(),
            facts_and_reasons: FactsAndReasons::new("经核实，补偿款已足额发放。").unwrap(),
            outcome: Outcome::Reject,
            finding: Finding::new("不予支持。").unwrap(),
            legal_basis: LegalBasis::new("《国有土地上房屋征收与补偿条例》第十七条").unwrap(),
        };
        let served_on = tongxin_domain::case::deadline::shanghai_date(store.now());
        let answered = act(store, &desk, p.id, p.version, Action::IssueOpinion { opinion, served_on }).await.unwrap();

        let r = job.pass().await.unwrap();
        assert!(r.is_quiet(), "{label}: nothing due yet: {r:?}");
        // Day 12 of 15: the warning; day 16: overdue — each once.
        t.clock.advance(Duration::days(12));
        let r = job.pass().await.unwrap();
        assert_eq!((count(&r, "warned"), count(&r, "overdue")), (1, 0), "{label}: {r:?}");
        t.clock.advance(Duration::days(4));
        let r = job.pass().await.unwrap();
        assert_eq!((count(&r, "warned"), count(&r, "overdue"), count(&r, "concluded")), (0, 1, 0), "{label}: {r:?}");
        assert!(store.petitions().get(&Scope::All, untold.id).await.unwrap().overdue, "{label}");
        // Day 31 after the opinion was served: the 复查 window lapsed, the system concludes it.
        t.clock.advance(Duration::days(15));
        let r = job.pass().await.unwrap();
        assert_eq!(count(&r, "concluded"), 1, "{label}: {r:?}");
        let now = store.petitions().get(&Scope::All, answered.id).await.unwrap();
        assert_eq!((now.status, now.open), (Status::Concluded, false), "{label}");
        assert!(job.pass().await.unwrap().is_quiet(), "{label}: a second pass finds nothing left");
    }
}
