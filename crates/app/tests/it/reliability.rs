//! Issue 9: the intake writer under faults. A full disk (item 0), a report the database refuses
//! (item 13), a duplicate reporter's own follow token (item 2), two servers on one database
//! (R1) and a database that cannot be written (R5).

use std::collections::HashSet;
use tongxin_app::cases::{CaseError, CaseService, Report, Reported};
use tongxin_domain::case::{CaseState, Channel};
use tongxin_store::cases::write::{self, Intake, NewCase};
use tongxin_store::{Actor, Db, Store, StoreError, on_read};
use tongxin_testkit::both_backends;
use tongxin_testkit::{POSTGRES_ENV, TempDir, test_clock, test_key};

use crate::common;
use common::{GRID, seed, service};

fn report(text: &str, phone: &str) -> Report {
    common::noise_report(text, Some(phone))
}

fn sqlite_write_pool(store: &Store) -> sqlx::SqlitePool {
    match &store.db {
        Db::Sqlite { write, .. } => write.clone(),
        Db::Postgres(_) => unreachable!("SQLite only"),
    }
}

async fn count_with_description(store: &Store, text: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM cases WHERE description = $1";
    on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(text).fetch_one(p).await).unwrap()
}

/// Every acknowledged report is in the database under its code and opens with its token;
/// no code was handed out twice; no refused report was saved.
async fn check_outcomes(store: &Store, ok: &[(String, Reported)], failed: &[String], label: &str) {
    let mut codes = HashSet::new();
    for (text, r) in ok {
        assert!(codes.insert(r.code.clone()), "{label}: code {} handed out twice", r.code);
        let c =
            store.cases().for_requester(&r.code, &r.follow_token).await.unwrap_or_else(|e| {
                panic!("{label}: acknowledged report {} ({text}) is not in the database: {e}", r.code)
            });
        assert_eq!((c.id, c.description.as_str()), (r.id, text.as_str()), "{label}");
    }
    for text in failed {
        assert_eq!(count_with_description(store, text).await, 0, "{label}: a refused report was saved: {text}");
    }
}

/// A way to make the SQLite database "full" and to free the space again.
#[derive(Debug, Clone, Copy)]
enum DiskFull {
    /// `PRAGMA max_page_count` just above the current size: SQLITE_FULL as the file cannot grow.
    /// It is a setting of the connection, so it is applied again before every round.
    MaxPageCount,
    /// A trigger that fails every new case with "database or disk is full" and rolls the whole
    /// transaction back inside SQLite, as SQLite does itself on some disk-full errors — the case
    /// where the driver's own ROLLBACK then fails.
    RollbackInsideSqlite,
}

impl DiskFull {
    async fn fill(self, pool: &sqlx::SqlitePool) {
        match self {
            DiskFull::MaxPageCount => {
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(pool).await.unwrap();
                let sql = format!("PRAGMA max_page_count = {}", pages + 2);
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
            }
            DiskFull::RollbackInsideSqlite => {
                let sql = "CREATE TRIGGER IF NOT EXISTS disk_full BEFORE INSERT ON cases \
                           BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END";
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        }
    }

    async fn free(self, pool: &sqlx::SqlitePool) {
        match self {
            DiskFull::MaxPageCount => {
                sqlx::query("PRAGMA max_page_count = 1073741823").execute(pool).await.unwrap();
            }
            DiskFull::RollbackInsideSqlite => {
                sqlx::query("DROP TRIGGER IF EXISTS disk_full").execute(pool).await.unwrap();
            }
        }
    }
}

/// Sends `n` distinct reports at once; sorts the answers into acknowledged and refused.
async fn round(
    cases: &CaseService,
    tag: &str,
    n: usize,
    ok: &mut Vec<(String, Reported)>,
    failed: &mut Vec<String>,
) -> usize {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let cases = cases.clone();
            let text = format!("{tag} 第{i}号楼道堆放杂物，影响通行");
            tokio::spawn(async move { (text.clone(), cases.report(report(&text, "13812345678")).await) })
        })
        .collect();
    let mut refused = 0;
    for t in tasks {
        let (text, r) = t.await.unwrap();
        match r {
            Ok(r) => {
                assert!(!r.duplicate, "{text}: distinct reports");
                ok.push((text, r));
            }
            Err(CaseError::Store(StoreError::Unavailable(_))) => {
                refused += 1;
                failed.push(text);
            }
            Err(e) => panic!("{text}: a write failure must be 'unavailable' (503), got {e:?}"),
        }
    }
    refused
}

#[tokio::test]
async fn item0_a_full_disk_never_acknowledges_an_unsaved_report_and_writes_resume() {
    for how in [DiskFull::MaxPageCount, DiskFull::RollbackInsideSqlite] {
        let t = tongxin_testkit::sqlite_store().await;
        let label = format!("{how:?}");
        let store = &t.store;
        seed(store).await;
        let cases = service(store).await;
        let pool = sqlite_write_pool(store);
        let (mut ok, mut failed) = (Vec::new(), Vec::new());
        round(&cases, "满前", 20, &mut ok, &mut failed).await;
        assert!(failed.is_empty(), "{label}");

        how.fill(&pool).await;
        let mut refused = 0;
        for r in 0..6 {
            how.fill(&pool).await;
            refused += round(&cases, &format!("满{r}"), 30, &mut ok, &mut failed).await;
        }
        // The page limit is the writer connection's and goes with it when a failed write
        // discards it: at least each round's first batch is refused. The trigger stays.
        let expected = match how {
            DiskFull::MaxPageCount => 6,
            DiskFull::RollbackInsideSqlite => 180,
        };
        assert!(refused >= expected, "{label}: the full disk refused writes ({refused} refused)");
        check_outcomes(store, &ok, &failed, &label).await;

        how.free(&pool).await;
        let before = ok.len();
        for r in 0..4 {
            let refused = round(&cases, &format!("空{r}"), 30, &mut ok, &mut failed).await;
            assert_eq!(refused, 0, "{label}: writes resume once space returns");
        }
        assert_eq!(ok.len() - before, 120, "{label}");
        check_outcomes(store, &ok, &failed, &label).await;
        let total: i64 =
            on_read!(&store.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(p).await).unwrap();
        assert_eq!(total as usize, ok.len(), "{label}: exactly the acknowledged reports are saved");
        t.cleanup().await;
    }
}

/// A report as the writer gets it, bypassing the use-case's checks.
fn new_case(text: &str, category: &str) -> NewCase {
    let initial = CaseState::new(Channel::Web);
    NewCase {
        street_code: "330702001".into(),
        grid_code: Some(GRID.into()),
        building_id: None,
        category_code: category.into(),
        kind: "complaint".into(),
        urgency: "general".into(),
        channel: "web".into(),
        title: text.chars().take(10).collect(),
        description: text.into(),
        address: "桃园小区".into(),
        point: None,
        requester_name: None,
        phone: None,
        dedupe_key: format!("test:{text}"),
        search_words: String::new(),
        created_by: None,
        actor: Actor::system("test"),
        state: write::CaseState {
            status: initial.status.as_str().into(),
            open: true,
            lead_unit: None,
            state: serde_json::to_string(&initial).unwrap(),
            deadline_at: None,
            warn_at: None,
            contact_deadline_at: None,
            parent_case_id: None,
        },
        version: initial.version,
        effects: Default::default(),
    }
}

both_backends! {
    async fn item13_one_report_the_database_refuses_never_fails_the_others_in_its_batch(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        seed(store).await;
        let cases = service(store).await;
        // Each kind of bad report, in the middle of a batch of good ones.
        let mut bad_kinds: Vec<(&str, NewCase)> = vec![("unknown category", new_case("类别不存在的诉求", "no.such"))];
        if label == "PostgreSQL" {
            // PostgreSQL refuses NUL in text.
            bad_kinds.push(("NUL byte", new_case("含有\0空字符的诉求", "city.noise")));
        }
        for (k, (what, bad)) in bad_kinds.into_iter().enumerate() {
            let goods: Vec<NewCase> = (0..5).map(|i| new_case(&format!("好诉求{k}-{i}"), "city.noise")).collect();
            let mut batch = goods.clone();
            batch.insert(2, bad);
            let results = cases.write_intake_batch(&batch).await;
            assert_eq!(results.len(), 6, "{label} {what}");
            assert!(results[2].is_err(), "{label} {what}: the bad report is refused");
            assert!(
                !matches!(results[2], Err(StoreError::Unavailable(_))),
                "{label} {what}: a refused report is the report's fault, not a 503: {:?}",
                results[2]
            );
            for (i, r) in results.iter().enumerate().filter(|(i, _)| *i != 2) {
                let Ok(Intake::Created { id, .. }) = r else { panic!("{label} {what}: report {i} failed: {r:?}") };
                let c = store.cases().get(&tongxin_domain::kernel::access::Scope::All, *id).await.unwrap();
                assert_eq!(c.description, batch[i].description, "{label} {what}");
            }
        }
    }
}

both_backends! {
    async fn item2_each_reporter_of_a_duplicate_gets_their_own_follow_token(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        seed(store).await;
        let cases = service(store).await;
        let text = "小区门口路灯不亮，晚上很黑";
        let first = cases.report(report(text, "13812345678")).await.unwrap();
        let second = cases.report(report(text, "13900001111")).await.unwrap();
        let third = cases.report(report(&format!("{text}！"), "13700002222")).await.unwrap();
        assert!(!first.duplicate && second.duplicate && third.duplicate, "{label}");
        assert_eq!((second.id, third.id), (first.id, first.id), "{label}: one case");
        let tokens: HashSet<&str> = [&first, &second, &third].iter().map(|r| r.follow_token.as_str()).collect();
        assert_eq!(tokens.len(), 3, "{label}: no reporter is handed another's token");
        for r in [&first, &second, &third] {
            let c = store.cases().for_requester(&r.code, &r.follow_token).await.unwrap();
            assert_eq!(c.id, first.id, "{label}: every reporter can follow the case");
        }
        // Tokens are bound to their case and cannot be made up from another reporter's.
        let other = cases.report(report("另一件事：垃圾桶满了", "13812345678")).await.unwrap();
        let (mac, _) = second.follow_token.split_once('.').unwrap();
        for forged in [
            format!("{mac}.3"),
            format!("{mac}.1"),
            format!("{}.2", first.follow_token),
            format!("{}.0", first.follow_token),
            format!("{mac}.02"),
            String::new(),
        ] {
            assert!(store.cases().for_requester(&first.code, &forged).await.is_err(), "{label}: {forged}");
        }
        assert!(store.cases().for_requester(&other.code, &second.follow_token).await.is_err(), "{label}");
        // Each later reporter is kept with their own (masked) phone.
        let sql = "SELECT phone_masked FROM case_requesters WHERE case_id = $1 ORDER BY n";
        let phones: Vec<Option<String>> =
            on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(first.id).fetch_all(p).await).unwrap();
        assert_eq!(phones.len(), 2, "{label}");
        assert_ne!(phones[0], phones[1], "{label}");
    }
}

/// Two stores on separate pools over one database, as two server processes would be.
async fn two_servers() -> Vec<(&'static str, Store, Store, Option<TempDir>, Option<(String, String)>)> {
    let mut out = Vec::new();
    let dir = tongxin_testkit::temp_dir("two");
    let path = dir.path().join("test.db");
    let path = path.to_str().unwrap();
    let a = Db::connect(path).await.unwrap();
    a.migrate().await.unwrap();
    let b = Db::connect(path).await.unwrap();
    let clock = test_clock();
    out.push(("SQLite", Store::new(a, test_key(), clock.clone()), Store::new(b, test_key(), clock), Some(dir), None));
    if let Ok(url) = std::env::var(POSTGRES_ENV)
        .map(|u| u.trim().to_string())
        .and_then(|u| if u.is_empty() { Err(std::env::VarError::NotPresent) } else { Ok(u) })
    {
        let schema = format!("tx_two_{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros());
        let admin = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.unwrap();
        admin.close().await;
        let connect = || async {
            let opts = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
                .unwrap()
                .options([("search_path", schema.as_str())]);
            Db::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_with(opts).await.unwrap())
        };
        let a = connect().await;
        a.migrate().await.unwrap();
        let b = connect().await;
        let clock = test_clock();
        out.push((
            "PostgreSQL",
            Store::new(a, test_key(), clock.clone()),
            Store::new(b, test_key(), clock),
            None,
            Some((url, schema)),
        ));
    }
    out
}

#[tokio::test]
async fn r1_the_same_report_sent_to_two_servers_at_once_is_one_case() {
    for (label, a, b, _dir, schema) in two_servers().await {
        seed(&a).await;
        let (ca, cb) = (service(&a).await, service(&b).await);
        for i in 0..50 {
            let text = format!("第{i}次：电梯困人，请尽快处理");
            let (ra, rb) =
                tokio::join!(ca.report(report(&text, "13812345678")), cb.report(report(&text, "13900001111")));
            let (ra, rb) = (ra.unwrap(), rb.unwrap());
            assert_eq!(ra.id, rb.id, "{label} #{i}: two servers made two cases");
            assert!(ra.duplicate != rb.duplicate, "{label} #{i}: exactly one created it");
            assert_ne!(ra.follow_token, rb.follow_token, "{label} #{i}");
            assert_eq!(count_with_description(&a, &text).await, 1, "{label} #{i}");
        }
        a.db.close().await;
        b.db.close().await;
        if let Some((url, schema)) = schema {
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&admin).await;
            admin.close().await;
        }
    }
}

#[tokio::test]
async fn r5_a_database_that_cannot_be_written_is_refused_at_start_and_writes_recover_when_it_can() {
    // At start: a database file that cannot be opened for writing is refused, naming the file.
    let dir = tongxin_testkit::temp_dir("ro");
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, b"").unwrap();
    let bad = blocker.join("tongxin.db");
    let msg = Db::connect(bad.to_str().unwrap()).await.expect_err("must not start").to_string();
    assert!(msg.contains(bad.to_str().unwrap()) && msg.contains("无法写入"), "{msg}");

    let t = tongxin_testkit::sqlite_store().await;
    let store = &t.store;
    seed(store).await;
    let cases = service(store).await;
    let pool = sqlite_write_pool(store);
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    round(&cases, "可写", 5, &mut ok, &mut failed).await;

    // While running, the database becomes read-only: the writer connection cannot write any
    // more (`query_only`), and the file now opens read-only only (as SQLite does, silently,
    // with a file it may not write; permissions do not bind root, so the open mode stands in).
    // Every write is a 503.
    let writable = (*pool.connect_options()).clone();
    pool.set_connect_options(writable.clone().read_only(true));
    sqlx::query("PRAGMA query_only = 1").execute(&pool).await.unwrap();
    for r in 0..3 {
        let refused = round(&cases, &format!("只读{r}"), 10, &mut ok, &mut failed).await;
        assert_eq!(refused, 10, "every write is a 503 while the database is read-only");
    }
    // Write access returns: writes succeed again without a restart.
    pool.set_connect_options(writable);
    for r in 0..3 {
        let refused = round(&cases, &format!("恢复{r}"), 10, &mut ok, &mut failed).await;
        assert_eq!(refused, 0, "writes recover once the database is writable");
    }
    check_outcomes(store, &ok, &failed, "SQLite").await;
    t.cleanup().await;
}

#[tokio::test]
async fn r5_a_read_only_postgresql_is_refused_at_start() {
    let Ok(url) = std::env::var(POSTGRES_ENV) else { return };
    if url.trim().is_empty() {
        return;
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let read_only = format!("{url}{sep}options=-c%20default_transaction_read_only%3Don");
    let msg = Db::connect(&read_only).await.expect_err("a read-only PostgreSQL must not be served").to_string();
    assert!(msg.contains("只读"), "{msg}");
    let db = Db::connect(&url).await.expect("a writable PostgreSQL is served");
    db.close().await;
}
