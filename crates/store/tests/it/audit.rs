//! The audit chain on both backends: tampering is named, and concurrent appends from separate
//! connection pools (as from several server processes) still form one unbroken chain.

use tongxin_domain::kernel::audit::{Anchor, AuditFields, ChainBreak, GENESIS_HASH, chain_hash};
use tongxin_store::audit::AuditEntry;
use tongxin_store::{Actor, Db, Store, on_read};
use tongxin_testkit::TestStore;
use tongxin_testkit::both_backends;

async fn append_n(store: &Store, n: usize, tag: &str) {
    for i in 0..n {
        store
            .audit()
            .record(&Actor::system(tag), AuditEntry::new("test.event", "thing", i).detail(format!("{tag}-{i}")))
            .await
            .unwrap();
    }
}

async fn exec(t: &TestStore, sql: &'static str) {
    match &t.store.db {
        Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

both_backends! {
    async fn tampering_is_reported_at_the_first_broken_link(t: TestStore) {
        append_n(&t.store, 6, "a").await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(6), "{}", t.label);

        exec(&t, "UPDATE audit_log SET detail = 'forged' WHERE seq = 4").await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Err(ChainBreak::Altered { seq: 4 }), "{}", t.label);

        exec(&t, "DELETE FROM audit_log WHERE seq = 4").await;
        assert_eq!(
            t.store.audit().verify().await.unwrap(),
            Err(ChainBreak::Missing { seq: 5, expected: 4 }),
            "{}",
            t.label
        );

        exec(&t, "DELETE FROM audit_log WHERE seq >= 4").await;
        assert_eq!(
            t.store.audit().verify().await.unwrap(),
            Err(ChainBreak::Truncated { head: 6, last: 3 }),
            "{}",
            t.label
        );
    }
}

both_backends! {
    async fn concurrent_writers_on_separate_pools_extend_one_chain(t: TestStore) {
        // A second Store with its own pool onto the same database, like a second server process.
        let other = match &t.store.db {
            Db::Sqlite { .. } => t.store.clone(),
            Db::Postgres(pool) => {
                let opts = pool.connect_options().as_ref().clone();
                let pool2 = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_with(opts).await.unwrap();
                Store::new(Db::Postgres(pool2), tongxin_testkit::test_key(), t.clock.clone())
            }
        };
        let mut tasks = Vec::new();
        for w in 0..4 {
            let s = if w % 2 == 0 { t.store.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move { append_n(&s, 25, &format!("w{w}")).await }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(100), "{}", t.label);
        let distinct: i64 = on_read!(&t.store.db, |p| sqlx::query_scalar("SELECT COUNT(DISTINCT seq) FROM audit_log")
            .fetch_one(p)
            .await)
        .unwrap();
        assert_eq!(distinct, 100);
    }
}

both_backends! {
    async fn a_batch_append_links_like_single_appends(t: TestStore) {
        append_n(&t.store, 2, "before").await;
        let mut tx = t.store.db.begin().await.unwrap();
        let entries = (0..50).map(|i| AuditEntry::new("case.create", "case", i)).collect();
        let last =
            tongxin_store::audit::append_many(&mut tx, t.store.pii(), t.store.now(), &Actor::system("batch"), entries)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(last, 52, "{}", t.label);
        append_n(&t.store, 1, "after").await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(53), "{}", t.label);
    }
}

async fn exec_owned(t: &TestStore, sql: String) {
    match &t.store.db {
        Db::Sqlite { write, .. } => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(write).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

async fn all_records(t: &TestStore) -> Vec<tongxin_domain::kernel::audit::AuditRecord> {
    let mut r = t.store.audit().list(None, tongxin_store::Page::new(Some(1), Some(200))).await.unwrap();
    r.reverse();
    r
}

both_backends! {
    /// Issue 9, item 6: deleting the newest record and stepping the head back was not noticed.
    async fn deleting_the_last_record_and_decrementing_the_head_is_detected(t: TestStore) {
        append_n(&t.store, 5, "a").await;
        exec(&t, "DELETE FROM audit_log WHERE seq = 5").await;
        exec(&t, "UPDATE audit_head SET seq = seq - 1").await;
        assert!(t.store.audit().verify().await.unwrap().is_err(), "{}: head hash no longer the last link's", t.label);
        // Pointing the head at the new last link too: its MAC, keyed outside the database, no longer fits.
        let last = all_records(&t).await.pop().unwrap();
        exec_owned(&t, format!("UPDATE audit_head SET hash = '{}'", last.hash)).await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Err(ChainBreak::HeadForged), "{}", t.label);
        exec(&t, "UPDATE audit_head SET mac = NULL").await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Err(ChainBreak::HeadForged), "{}", t.label);
    }
}

both_backends! {
    /// Issue 9, item 6: an edited record with every later hash recomputed (plain SHA-256, as anyone
    /// with write access to the database can) no longer verifies.
    async fn a_rewritten_chain_without_the_key_is_detected(t: TestStore) {
        append_n(&t.store, 6, "a").await;
        let mut records = all_records(&t).await;
        records[2].fields.detail = "forged".into();
        let mut prev = records[1].hash.clone();
        for r in &mut records[2..] {
            r.prev_hash = prev.clone();
            r.hash = chain_hash(&prev, &r.fields);
            prev = r.hash.clone();
            exec_owned(
                &t,
                format!(
                    "UPDATE audit_log SET detail = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
                    r.fields.detail, r.prev_hash, r.hash, r.fields.seq
                ),
            )
            .await;
        }
        exec_owned(&t, format!("UPDATE audit_head SET hash = '{prev}'")).await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Err(ChainBreak::Altered { seq: 3 }), "{}", t.label);
    }
}

both_backends! {
    /// Issue 9, item 6: an anchor the operator kept catches a truncation that restores an older,
    /// correctly sealed head (as copying back an old head row would).
    async fn an_anchor_detects_truncation_to_an_older_sealed_head(t: TestStore) {
        append_n(&t.store, 4, "a").await;
        let old = t.store.audit().head().await.unwrap();
        append_n(&t.store, 3, "b").await;
        let head = t.store.audit().head().await.unwrap();
        let anchor = Anchor { seq: head.seq, hash: head.hash.clone() };
        assert_eq!(t.store.audit().verify_anchored(std::slice::from_ref(&anchor)).await.unwrap(), Ok(7));
        // Later appends do not disturb an anchor.
        append_n(&t.store, 1, "c").await;
        assert_eq!(t.store.audit().verify_anchored(std::slice::from_ref(&anchor)).await.unwrap(), Ok(8));

        exec(&t, "DELETE FROM audit_log WHERE seq > 4").await;
        exec_owned(
            &t,
            format!("UPDATE audit_head SET seq = {}, hash = '{}', mac = '{}'", old.seq, old.hash, old.mac.unwrap()),
        )
        .await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(4), "{}: without an anchor this looks whole", t.label);
        assert_eq!(
            t.store.audit().verify_anchored(&[anchor]).await.unwrap(),
            Err(ChainBreak::AnchorMissing { seq: 7 }),
            "{}",
            t.label
        );
    }
}

both_backends! {
    /// Issue 9, item 6: a database with a chain from before keying keeps verifying: its records
    /// keep their plain links, keying starts after them, and the legacy part is still checked.
    async fn a_chain_from_before_keying_verifies_and_keying_continues_it(t: TestStore) {
        // What the old code left: plain links, a head without keyed_from or MAC.
        exec(&t, "UPDATE audit_head SET keyed_from = NULL, mac = NULL").await;
        let mut prev = GENESIS_HASH.to_string();
        for seq in 1..=3i64 {
            let fields = AuditFields {
                seq,
                at: t.store.now(),
                actor_id: None,
                actor_name: "old".into(),
                action: "test.event".into(),
                entity: "thing".into(),
                entity_id: seq.to_string(),
                before_digest: None,
                after_digest: None,
                detail: String::new(),
            };
            let hash = chain_hash(&prev, &fields);
            let at = fields.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let at = if t.label == "PostgreSQL" { format!("'{at}'::timestamptz") } else { format!("'{at}'") };
            exec_owned(
                &t,
                format!(
                    "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, entity, entity_id, detail, prev_hash, hash) \
                     VALUES ({seq}, {at}, NULL, 'old', 'test.event', 'thing', '{seq}', '', '{prev}', '{hash}')"
                ),
            )
            .await;
            prev = hash;
        }
        exec_owned(&t, format!("UPDATE audit_head SET seq = 3, hash = '{prev}'")).await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Err(ChainBreak::NotKeyed), "{}", t.label);
        t.store.audit().seal_head().await.unwrap();
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(3), "{}: legacy links verified the old way", t.label);
        t.store.audit().seal_head().await.unwrap();
        append_n(&t.store, 2, "new").await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(5), "{}", t.label);
        assert_eq!(t.store.audit().head().await.unwrap().keyed_from, Some(4));
        exec(&t, "UPDATE audit_log SET detail = 'forged' WHERE seq = 2").await;
        assert_eq!(t.store.audit().verify().await.unwrap(), Err(ChainBreak::Altered { seq: 2 }), "{}", t.label);
    }
}
