//! 考评 end to end on both backends: cases run through different outcomes for three
//! departments, then the monthly rankings per department, street, community and grid, the
//! scopes that limit them, and the admin-set weights.

use std::sync::Arc;
use tongxin_app::cases::{CaseActor, CaseService, Place, Report, Reported, Reporter};
use tongxin_app::evaluation::{self, EvaluationError, Level, RankedUnit};
use tongxin_app::locator::LocatorCache;
use tongxin_domain::case::{Action, Channel, Satisfaction, Unit, UnitCounts, Weights};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::accounts::User;
use tongxin_store::cases::categories::RuleRow;
use tongxin_store::cases::read::CaseView;
use tongxin_store::{Actor, Store};
use tongxin_testkit::World;
use tongxin_testkit::both_backends;

const STREET: &str = "330702001";
const STREET2: &str = "330702002";
const COMMUNITY_A: &str = "330702001008";
const COMMUNITY_B: &str = "330702001010";
const A1: &str = "330702001008001";
const A2: &str = "330702001008002";
const B1: &str = "330702001010001";
const MONTH: &str = "2026-11";

async fn seed(store: &Store) {
    World::new(store)
        .district("330702", "婺城区")
        .street(STREET, "城东街道")
        .community(COMMUNITY_A, "桃园社区")
        .grid(A1, "桃园一网格")
        .grid(A2, "桃园二网格")
        .community(COMMUNITY_B, "青春路社区")
        .grid(B1, "青春路一网格")
        .street(STREET2, "城中街道")
        .community("330702002001", "城中社区")
        .grid("330702002001001", "城中一网格")
        .department(1, STREET, "城管执法中队")
        .department(2, STREET, "市场监管所")
        .department(3, STREET, "环卫所")
        .department(4, STREET2, "城中城管中队")
        .build()
        .await;
}

/// Routing: noise → department 1, food → 2, garbage → 3, all dispatched at once.
async fn rules(cases: &CaseService) {
    for (category, dept) in [("city.noise", "1"), ("market.food", "2"), ("city.garbage", "3")] {
        let rule = RuleRow {
            id: 0,
            category_code: category.into(),
            area_kind: "street".into(),
            area_code: STREET.into(),
            target_kind: "department".into(),
            target_ref: dept.into(),
            auto_dispatch: true,
            version: 1,
        };
        cases.store().categories().create_rule(&Actor::system("test"), &rule).await.unwrap();
    }
    cases.reload().await.unwrap();
}

fn staff(id: i64, role: Role, scope: Scope) -> User {
    User {
        id,
        username: format!("user{id}"),
        display_name: format!("user{id}"),
        role,
        scope,
        can_unmask: false,
        totp_enabled: false,
        active: true,
    }
}

fn dept_user(id: i64) -> User {
    staff(100 + id, Role::DepartmentHandler, Scope::Department { id, street: RegionCode::parse(STREET).unwrap() })
}

fn region(code: &str) -> Scope {
    Scope::Region { code: RegionCode::parse(code).unwrap() }
}

struct Loop {
    cases: CaseService,
    dispatcher: User,
}

impl Loop {
    async fn report(&self, category: &str, grid: &str, text: &str) -> Reported {
        let r = Report {
            channel: Channel::Web,
            category: category.into(),
            urgency: None,
            title: None,
            description: text.into(),
            place: Place::Grid { code: grid.into() },
            address: "小区".into(),
            requester_name: None,
            phone: Some(Phone::parse("13812345678").unwrap()),
            photos: Vec::new(),
            reporter: Reporter::Resident,
            on_spot_reply: None,
        };
        self.cases.report(r).await.unwrap()
    }

    async fn act(&self, who: &CaseActor, c: &CaseView, action: Action) -> CaseView {
        self.cases.act(who, c.id, c.version, action).await.unwrap_or_else(|e| panic!("{e}"))
    }

    async fn view(&self, id: i64) -> CaseView {
        self.cases.store().cases().get(&Scope::All, id).await.unwrap()
    }

    /// 签收, (联系诉求人), 办结, 核查, 结案 by department `dept`.
    async fn handle(&self, id: i64, dept: i64, contact: bool) -> CaseView {
        let user = CaseActor::Staff(dept_user(dept));
        let unit = Unit::Department(dept);
        let dispatcher = CaseActor::Staff(self.dispatcher.clone());
        let c = self.view(id).await;
        assert_eq!(
            c.lead_unit.as_ref().map(|u| u.key()).as_deref(),
            Some(format!("dept:{dept}").as_str()),
            "routed to department {dept}"
        );
        let mut c = self.act(&user, &c, Action::Acknowledge { unit: unit.clone() }).await;
        if contact {
            c = self.act(&user, &c, Action::ContactRequester { note: "已电话联系".into() }).await;
        }
        let c = self.act(&user, &c, Action::Report { unit, reply: "已处理".into(), evidence: vec![] }).await;
        let c = self.act(&dispatcher, &c, Action::Verify { ok: true, note: "已核实".into() }).await;
        self.act(&dispatcher, &c, Action::Close).await
    }

    async fn rate(&self, r: &Reported, resolved: bool, satisfaction: Satisfaction) -> CaseView {
        let requester = CaseActor::Requester { code: r.code.clone(), token: r.follow_token.clone() };
        let c = self.view(r.id).await;
        self.act(&requester, &c, Action::Rate { resolved, satisfaction, comment: String::new() }).await
    }
}

async fn setup(store: &Store) -> Loop {
    seed(store).await;
    let locator = Arc::new(LocatorCache::load(store).await.unwrap());
    let cases = CaseService::start(store.clone(), locator).await.unwrap();
    rules(&cases).await;
    Loop { cases, dispatcher: staff(11, Role::Dispatcher, region(STREET)) }
}

fn counts(d: u64, resp: u64, rated: u64, res: u64, sat: u64, reo: u64) -> UnitCounts {
    UnitCounts {
        dispatched: d,
        responded_in_time: resp,
        rated,
        resolved: res,
        satisfied: sat,
        reopened: reo,
        closed_on_spot: 0,
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

fn summary(units: &[RankedUnit]) -> Vec<(usize, &str, Option<i64>)> {
    units.iter().map(|u| (u.rank, u.name.as_str(), u.rates.score.map(|s| (s * 1000.0).round() as i64))).collect()
}

both_backends! {
    async fn monthly_rankings_follow_the_three_rates(t: TestStore) {
        let store = &t.store;
        let label = t.label;
        let lp = setup(store).await;
        let cases = lp.cases.clone();

        // Department 1 (noise): one satisfied; one dissatisfied, reopened (重办), then satisfied.
        let a = lp.report("city.noise", A1, "楼下烧烤店噪音扰民").await;
        lp.handle(a.id, 1, true).await;
        lp.rate(&a, true, Satisfaction::Satisfied).await;
        // (The requester is contacted in the second round: the response counts once either way;
        // see `a_response_counts_once_per_dispatch` for a response in both rounds.)
        let b = lp.report("city.noise", A2, "广场舞音响太吵").await;
        lp.handle(b.id, 1, false).await;
        let reopened = lp.rate(&b, true, Satisfaction::Dissatisfied).await;
        assert_eq!(reopened.status.as_str(), "dispatched", "{label}: 不满意 reopens the case to its lead");
        lp.handle(b.id, 1, true).await;
        assert_eq!(lp.rate(&b, true, Satisfaction::Satisfied).await.status.as_str(), "rated");
        // Department 2 (food): unresolved twice (reopened once, then stays unresolved).
        let c = lp.report("market.food", B1, "超市出售过期食品").await;
        lp.handle(c.id, 2, false).await;
        lp.rate(&c, false, Satisfaction::BasicallySatisfied).await;
        lp.handle(c.id, 2, true).await;
        assert_eq!(
            lp.rate(&c, false, Satisfaction::Dissatisfied).await.status.as_str(),
            "rated",
            "{label}: reopened once only"
        );
        // Department 3 (garbage): responded in time, not rated yet — its score is the response
        // rate alone (the other weights are shared out).
        let e = lp.report("city.garbage", A2, "垃圾桶满了没人清运").await;
        let user3 = CaseActor::Staff(dept_user(3));
        let ce = lp.view(e.id).await;
        let ce = lp.act(&user3, &ce, Action::Acknowledge { unit: Unit::Department(3) }).await;
        lp.act(&user3, &ce, Action::ContactRequester { note: "已联系".into() }).await;
        // Department 2 again: acknowledged only after the deadline (15 days later, next month;
        // the counters stay with the month of dispatch), then satisfied.
        let d = lp.report("market.food", A1, "餐馆后厨卫生差").await;
        t.clock.advance(chrono::Duration::days(15));
        lp.handle(d.id, 2, true).await;
        lp.rate(&d, true, Satisfaction::Satisfied).await;

        let w = Weights::default();
        let street = region(STREET);
        let depts = evaluation::monthly(store, &street, MONTH, Level::Department, &w).await.unwrap();
        assert_eq!(
            depts.iter().map(|u| (u.key.as_str(), u.counts)).collect::<Vec<_>>(),
            [
                ("dept:3", counts(1, 1, 0, 0, 0, 0)),
                ("dept:1", counts(2, 2, 2, 2, 2, 1)),
                ("dept:2", counts(2, 1, 2, 1, 1, 1)),
            ],
            "{label}: counters per department"
        );
        let d1 = &depts[1].rates;
        assert!(close(d1.response, 1.0) && close(d1.resolution, 2.0 / 3.0) && close(d1.satisfaction, 2.0 / 3.0));
        assert!(close(d1.score, 30.0 + 70.0 * 2.0 / 3.0), "{label}: {d1:?}");
        let d2 = &depts[2].rates;
        assert!(close(d2.response, 0.5) && close(d2.resolution, 1.0 / 3.0), "{label}: {d2:?}");
        assert!(close(d2.score, 15.0 + 70.0 / 3.0), "{label}: {d2:?}");
        let d3 = &depts[0].rates;
        assert_eq!((d3.resolution, d3.satisfaction), (None, None));
        assert!(close(d3.score, 100.0), "{label}: renormalised over the response rate alone: {d3:?}");
        assert_eq!(
            summary(&depts),
            [(1, "环卫所", Some(100_000)), (2, "城管执法中队", Some(76_667)), (3, "市场监管所", Some(38_333))]
        );

        // The whole installation: the other street's department, with nothing, ranks last.
        let all = evaluation::monthly(store, &Scope::All, MONTH, Level::Department, &w).await.unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!((all[3].rank, all[3].name.as_str(), all[3].rates.score), (4, "城中城管中队", None));

        // Department staff: their own row, with its rank among the street's departments.
        let own = evaluation::monthly(store, &dept_user(2).scope, MONTH, Level::Department, &w).await.unwrap();
        assert_eq!(summary(&own), [(3, "市场监管所", Some(38_333))], "{label}");
        let refused = evaluation::monthly(store, &dept_user(2).scope, MONTH, Level::Grid, &w).await.unwrap_err();
        assert!(matches!(refused, EvaluationError::NotPermitted(_)), "{label}: {refused}");

        // Areas: the cases located in them, whoever handled them.
        let communities = evaluation::monthly(store, &street, MONTH, Level::Community, &w).await.unwrap();
        assert_eq!(
            communities.iter().map(|u| (u.name.as_str(), u.counts)).collect::<Vec<_>>(),
            [("桃园社区", counts(4, 3, 3, 3, 3, 1)), ("青春路社区", counts(1, 1, 1, 0, 0, 1))],
            "{label}"
        );
        assert_eq!(summary(&communities), [(1, "桃园社区", Some(75_000)), (2, "青春路社区", Some(30_000))]);
        let grids = evaluation::monthly(store, &region(COMMUNITY_A), MONTH, Level::Grid, &w).await.unwrap();
        assert_eq!(
            summary(&grids),
            [(1, "桃园一网格", Some(85_000)), (2, "桃园二网格", Some(65_000))],
            "{label}: a community worker sees the grids of the community"
        );
        let streets = evaluation::monthly(store, &Scope::All, MONTH, Level::Street, &w).await.unwrap();
        assert_eq!(streets[0].counts, counts(5, 4, 4, 3, 3, 2), "{label}");
        assert_eq!(summary(&streets), [(1, "城东街道", Some(59_000)), (2, "城中街道", None)]);
        assert_eq!(streets[0].key, "area:330702001");
        let community_sees_streets = evaluation::monthly(store, &region(COMMUNITY_A), MONTH, Level::Street, &w).await;
        assert!(community_sees_streets.unwrap().is_empty(), "{label}: a community scope holds no street");

        // Another month has no counters: every unit listed, none scored.
        let december = evaluation::monthly(store, &street, "2026-12", Level::Department, &w).await.unwrap();
        assert!(december.iter().all(|u| u.rates.score.is_none() && u.rank == 1 && u.counts == UnitCounts::default()));
        assert!(matches!(
            evaluation::monthly(store, &street, "2026-13", Level::Department, &w).await,
            Err(EvaluationError::Invalid { field: "month", .. })
        ));

        // Weights: admin-set, validated, in force after the change.
        assert_eq!(evaluation::weights(&cases), Weights::default());
        let admin = Actor::system("test");
        let bad =
            evaluation::set_weights(&cases, &admin, Weights { response: 0.3, resolution: 0.3, satisfaction: 0.3 })
                .await
                .unwrap_err();
        assert!(bad.to_string().starts_with("三率权重之和应为 1，当前为 0.9"), "{label}: {bad}");
        assert_eq!(evaluation::weights(&cases), Weights::default(), "{label}: a refused change changes nothing");
        let new = Weights::new(0.2, 0.4, 0.4).unwrap();
        evaluation::set_weights(&cases, &admin, new).await.unwrap();
        assert_eq!(evaluation::weights(&cases), new);
        let reweighted = evaluation::ranking(&cases, &street, MONTH, Level::Department).await.unwrap();
        assert_eq!(
            summary(&reweighted),
            [(1, "环卫所", Some(100_000)), (2, "城管执法中队", Some(73_333)), (3, "市场监管所", Some(36_667))],
            "{label}"
        );
        // Stored: a fresh service (another process) reads the same weights.
        let locator = Arc::new(LocatorCache::load(store).await.unwrap());
        let again = CaseService::start(store.clone(), locator).await.unwrap();
        assert_eq!(evaluation::weights(&again), new, "{label}");
        // No weight on the response rate: a unit with only a response rate has no score.
        evaluation::set_weights(&cases, &admin, Weights::new(0.0, 0.5, 0.5).unwrap()).await.unwrap();
        let zero = evaluation::ranking(&cases, &street, MONTH, Level::Department).await.unwrap();
        assert_eq!(
            summary(&zero),
            [(1, "城管执法中队", Some(66_667)), (2, "市场监管所", Some(33_333)), (3, "环卫所", None)],
            "{label}"
        );
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    /// 响应率 counts cases, not rounds: a case acknowledged and contacted in time, then sent back
    /// to the same lead (重办 after a bad verdict, or a failed 核查) and acknowledged again, is one
    /// response out of one dispatch.
    async fn a_response_counts_once_per_dispatch(t: TestStore) {
        let store = &t.store;
        let label = t.label;
        let lp = setup(store).await;
        let dispatcher = CaseActor::Staff(lp.dispatcher.clone());
        let user = CaseActor::Staff(dept_user(1));
        let unit = Unit::Department(1);
        // Reopened after a response in time, acknowledged again.
        let a = lp.report("city.noise", A1, "夜间施工噪音").await;
        lp.handle(a.id, 1, true).await;
        lp.rate(&a, false, Satisfaction::Dissatisfied).await;
        lp.handle(a.id, 1, false).await;
        lp.rate(&a, true, Satisfaction::Satisfied).await;
        // A failed verification sends it back to the lead, who acknowledges again.
        let b = lp.report("city.noise", A2, "商铺音响扰民").await;
        let c = lp.view(b.id).await;
        let c = lp.act(&user, &c, Action::Acknowledge { unit: unit.clone() }).await;
        let c = lp.act(&user, &c, Action::ContactRequester { note: "已联系".into() }).await;
        let c =
            lp.act(&user, &c, Action::Report { unit: unit.clone(), reply: "已劝导".into(), evidence: vec![] }).await;
        let back = lp.act(&dispatcher, &c, Action::Verify { ok: false, note: "现场仍有噪音".into() }).await;
        assert_eq!(back.status.as_str(), "dispatched", "{label}");
        lp.handle(b.id, 1, false).await;
        lp.rate(&b, true, Satisfaction::Satisfied).await;
        let w = Weights::default();
        let depts = evaluation::monthly(store, &region(STREET), MONTH, Level::Department, &w).await.unwrap();
        let d1 = depts.iter().find(|u| u.key == "dept:1").unwrap();
        assert_eq!(d1.counts, counts(2, 2, 2, 2, 2, 1), "{label}: one response per dispatched case");
        assert!(d1.counts.validate().is_ok(), "{label}");
    }
}
