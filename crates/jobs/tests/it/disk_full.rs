//! Issue 9 item 0 on every other write path: a decision on a case (`apply_case_change`), the
//! deadline timers and outbox delivery. SQLite rolls a transaction back itself on some
//! "database or disk is full" errors; a trigger that does the same (`RAISE(ROLLBACK)`) stands in
//! for the full disk, and dropping it frees the space. A failed write must be an error, and the
//! next write after space returns must really be saved (before the fix, the writer connection
//! stayed inside a transaction that never committed, and later "commits" saved nothing).

use crate::common;

use common::*;
use std::sync::Arc;
use tongxin_app::cases::CaseError;
use tongxin_domain::case::{Action, Unit};
use tongxin_domain::kernel::access::Scope;
use tongxin_jobs::{JobsConfig, SmsSender, run_once};
use tongxin_store::cases::write::{NewPhoto, photo_ref};
use tongxin_store::{Db, Page, Store, StoreError};
use tongxin_testkit::sqlite_store;

fn write_pool(store: &Store) -> sqlx::SqlitePool {
    match &store.db {
        Db::Sqlite { write, .. } => write.clone(),
        Db::Postgres(_) => unreachable!(),
    }
}

async fn fill(store: &Store, table: &str) {
    let sql = format!(
        "CREATE TRIGGER disk_full BEFORE INSERT ON {table} BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&write_pool(store)).await.unwrap();
}

/// A failure of one statement only (SQLite keeps the transaction), late in the transaction:
/// after the audit head was moved with `UPDATE … RETURNING`.
async fn fail_statement(store: &Store, table: &str) {
    let sql = format!(
        "CREATE TRIGGER disk_full BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&write_pool(store)).await.unwrap();
}

async fn free(store: &Store) {
    sqlx::query("DROP TRIGGER disk_full").execute(&write_pool(store)).await.unwrap();
}

#[tokio::test]
async fn item0_decisions_and_delivery_fail_cleanly_on_a_full_disk_and_resume_after() {
    let t = sqlite_store().await;
    let store = &t.store;
    let cases = setup(store).await;
    let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
    let cfg = JobsConfig::default();
    let r = report(&cases, "楼上噪音扰民，半夜装修").await;
    let db_path: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(&write_pool(store))
        .await
        .unwrap();

    // Outbox delivery: the dispatch notice cannot be written, then can.
    fill(store, "notices").await;
    assert!(run_once(store, &cases, &sms, &cfg).await.is_err(), "a failed delivery is an error");
    assert!(store.outbox().notices(DEPT, Page::default()).await.unwrap().is_empty());
    free(store).await;
    t.clock.advance(chrono::Duration::minutes(5)); // past the lease of the failed claim
    run_once(store, &cases, &sms, &cfg).await.unwrap();
    let kinds: Vec<String> =
        store.outbox().notices(DEPT, Page::default()).await.unwrap().into_iter().map(|n| n.kind).collect();
    assert!(!kinds.is_empty(), "the notice is delivered and saved once space returns");

    // A decision on the case (apply_case_change).
    let c = store.cases().get(&Scope::All, r.id).await.unwrap();
    fail_statement(store, "audit_log").await;
    let ack = Action::Acknowledge { unit: Unit::Department(1) };
    let e = cases.act(&dept_actor(), c.id, c.version, ack.clone()).await.unwrap_err();
    assert!(matches!(e, CaseError::Store(StoreError::Unavailable(_))), "{e:?}");
    free(store).await;
    let after = cases.act(&dept_actor(), c.id, c.version, ack).await.unwrap();
    assert_eq!((after.status.as_str(), after.version), ("acknowledged", c.version + 1));
    let events = store.cases().events(r.id).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "acknowledged").count(), 1, "saved once");

    // A decision with a large photo when the database file cannot grow (`max_page_count`, a
    // setting of the writer connection): the write fails, and the next one is really saved.
    let bytes: Vec<u8> = b"\x89PNG\r\n\x1a\n".iter().copied().chain((0..400_000u32).map(|i| (i % 251) as u8)).collect();
    let photo = || NewPhoto { purpose: "evidence".into(), content_type: "image/png".into(), bytes: bytes.clone() };
    let reply =
        Action::Report { unit: Unit::Department(1), reply: "已处理".into(), evidence: vec![photo_ref(&bytes)] };
    let pool = write_pool(store);
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&pool).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}"))).execute(&pool).await.unwrap();
    let e = cases.act_with_photos(&dept_actor(), r.id, after.version, reply.clone(), vec![photo()]).await.unwrap_err();
    assert!(matches!(e, CaseError::Store(StoreError::Unavailable(_))), "{e:?}");
    sqlx::query("PRAGMA max_page_count = 1073741823").execute(&pool).await.unwrap();
    let replied = cases.act_with_photos(&dept_actor(), r.id, after.version, reply, vec![photo()]).await.unwrap();
    assert_eq!(replied.version, after.version + 1, "the reply is saved once space returns");
    // Later writes commit too (not savepoints inside a transaction that never ends).
    let again = report(&cases, "另一处：路灯不亮").await;
    drop(write_pool(store));
    t.store.db.close().await;
    let reopened = Db::connect(&db_path).await.unwrap();
    let check = Store::new(reopened, tongxin_testkit::test_key(), t.clock.clone());
    let c = check.cases().get(&Scope::All, r.id).await.unwrap();
    assert_eq!((c.status.as_str(), c.version), ("handled", replied.version), "durable after reopening");
    check.cases().get(&Scope::All, again.id).await.expect("a later report is durable");
    check.db.close().await;
}

#[tokio::test]
async fn item0_timers_fail_cleanly_on_a_full_disk_and_resume_after() {
    let t = sqlite_store().await;
    let store = &t.store;
    let cases = setup(store).await;
    let sms: Arc<dyn SmsSender> = RecordingSender::failing(0);
    let cfg = JobsConfig::default();
    let r = report(&cases, "楼上噪音扰民，半夜装修").await;
    let after = store.cases().get(&Scope::All, r.id).await.unwrap();

    // The deadline timers: the overdue mark and its notices are written, then the automatic
    // 督办 fails late in its transaction; after space returns it is done, and durably.
    let db_path: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(&write_pool(store))
        .await
        .unwrap();
    let deadline = after.deadline_at.unwrap();
    t.clock.advance(deadline - store.now() + chrono::Duration::days(30));
    fail_statement(store, "audit_log").await;
    assert!(run_once(store, &cases, &sms, &cfg).await.is_err(), "a failed timer pass is an error");
    free(store).await;
    let pass = run_once(store, &cases, &sms, &cfg).await.unwrap();
    assert_eq!(pass.timers.supervised, 1);
    let later = report(&cases, "另一处：路灯不亮").await;
    t.store.db.close().await;
    let check = Store::new(Db::connect(&db_path).await.unwrap(), tongxin_testkit::test_key(), t.clock.clone());
    let c = check.cases().get(&Scope::All, r.id).await.unwrap();
    assert!(c.overdue, "the overdue mark is saved");
    assert_eq!(check.cases().events(r.id).await.unwrap().last().unwrap().kind, "supervised", "durable");
    check.cases().get(&Scope::All, later.id).await.expect("a later report is durable");
    check.db.close().await;
}
