//! The two migration folders must carry the same versions, and both must apply cleanly.

use tongxin_store::{Backend, Db};
use tongxin_testkit::both_backends;

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = Db::migration_versions(Backend::Sqlite);
    let postgres = Db::migration_versions(Backend::Postgres);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres must hold the same versions");
}

both_backends! {
    async fn migrations_apply_and_are_idempotent(t: TestStore) {
        assert_eq!(t.store.db.migrate().await.unwrap(), 0, "{}: a second run applies nothing", t.label);
        assert_eq!(t.store.audit().verify().await.unwrap(), Ok(0), "{}", t.label);
    }
}
