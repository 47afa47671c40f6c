//! Keyword search within an area on both backends, and the one-time rebuild that gives an
//! index written before area words its area words without losing a match.

use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::cases::categories::CategoryRow;
use tongxin_store::cases::read::{QueueFilter, SEARCH_WINDOW};
use tongxin_store::cases::search_rebuild::AREA_WORDS_READY;
use tongxin_store::cases::synthetic::SyntheticSpec;
use tongxin_store::{Actor, Page, Store, on_read, on_tx};
use tongxin_testkit::both_backends;

const STREET_A: &str = "330702001";
const GRID_A: &str = "330702001008001";
const GRID_B: &str = "330702002001001";

async fn seed(store: &Store) {
    let category = CategoryRow {
        code: "city".into(),
        name: "城市管理".into(),
        parent_code: None,
        urgency: "general".into(),
        kind: "complaint".into(),
        active: true,
        sort: 1,
        public: false,
    };
    store.categories().seed(&Actor::system("test"), &[category]).await.unwrap();
    let spec = SyntheticSpec {
        count: 300,
        grids: vec![(GRID_A.into(), STREET_A.into()), (GRID_B.into(), "330702002".into())],
        units: vec!["dept:1".into()],
        categories: vec!["city".into()],
        until: store.now(),
        days: 30,
        open_share: 0.5,
        seed: 7,
    };
    store.cases().seed_synthetic(&spec, &mut |_| {}).await.unwrap();
}

/// Codes of the cases in scope matching `q`, through the queue's search.
async fn found(store: &Store, scope: &Scope, q: &str) -> Vec<String> {
    let filter = QueueFilter { q: Some(q.into()), ..Default::default() };
    let page = store.cases().queue(scope, &filter, Page::new(Some(1), Some(200))).await.unwrap();
    let mut codes: Vec<String> = page.items.into_iter().map(|c| c.code).collect();
    codes.sort();
    codes
}

both_backends! {
    async fn an_index_without_area_words_is_rebuilt_once_and_finds_the_same_cases(t: TestStore) {
        let (store, label) = (&t.store, t.label);
        seed(store).await;
        assert!(store.cases().search_has_area_words().await.unwrap(), "{label}: an empty database starts ready");
        let street = Scope::Region { code: RegionCode::parse(STREET_A).unwrap() };
        let with_area_words = found(store, &street, "噪音").await;
        assert!(!with_area_words.is_empty(), "{label}: 噪音 occurs in the synthetic texts");
        let all = found(store, &Scope::All, "噪音").await;
        assert!(all.len() > with_area_words.len(), "{label}: the other street has matches too");

        // An index as written before area words: the same text words, no area words.
        let ids: Vec<i64> =
            on_read!(&store.db, |p| sqlx::query_scalar("SELECT id FROM cases ORDER BY id").fetch_all(p).await).unwrap();
        let mut tx = store.db.begin().await.unwrap();
        for id in &ids {
            let words = if id % 2 == 0 { "噪音 扰民" } else { "漏水" };
            on_tx!(&mut tx, |c| sqlx::query("DELETE FROM case_fts WHERE rowid = $1")
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .unwrap();
            on_tx!(&mut tx, |c| sqlx::query("INSERT INTO case_fts (rowid, words) VALUES ($1, $2)")
                .bind(id)
                .bind(words)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .unwrap();
        }
        on_tx!(&mut tx, |c| sqlx::query("UPDATE settings SET value = 'false' WHERE key = $1")
            .bind(AREA_WORDS_READY)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
        tx.commit().await.unwrap();
        // Until the rebuild, a search within the street finds what the old index holds.
        let sql = "SELECT code FROM cases WHERE street_code = $1 AND id % 2 = 0 ORDER BY code";
        let even: Vec<String> =
            on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(STREET_A).fetch_all(p).await).unwrap();
        assert!(!even.is_empty());
        assert_eq!(found(store, &street, "噪音").await, even, "{label}: no reliance on area words before the rebuild");

        let mut seen = Vec::new();
        let rebuilt = store.cases().rebuild_search_index(&mut |done, total| seen.push((done, total))).await.unwrap();
        assert_eq!(rebuilt, ids.len() as i64, "{label}");
        assert_eq!(seen.last(), Some(&(ids.len() as i64, ids.len() as i64)), "{label}: progress to the end");
        assert!(store.cases().search_has_area_words().await.unwrap(), "{label}");
        // Rebuilt from the cases' own text (every synthetic text says 合成诉求), with area words.
        let sql = "SELECT code FROM cases WHERE street_code = $1 ORDER BY code";
        let in_street: Vec<String> =
            on_read!(&store.db, |p| sqlx::query_scalar(sql).bind(STREET_A).fetch_all(p).await).unwrap();
        assert_eq!(found(store, &street, "合成").await, in_street, "{label}: every case of the street, no other");
        let filter = QueueFilter { q: Some("合成".into()), ..Default::default() };
        let everywhere = store.cases().queue(&Scope::All, &filter, Page::default()).await.unwrap();
        // Every case of both streets matches: the search looks through the newest of them.
        assert!(ids.len() as i64 > SEARCH_WINDOW);
        assert_eq!((everywhere.total, everywhere.total_capped), (SEARCH_WINDOW, true), "{label}: at least the window");
        let newest: Vec<i64> = ids.iter().rev().take(20).copied().collect();
        assert_eq!(everywhere.items.iter().map(|c| c.id).collect::<Vec<_>>(), newest, "{label}: newest first");
        let past_the_end = store.cases().queue(&Scope::All, &filter, Page::new(Some(100), Some(20))).await.unwrap();
        assert!(past_the_end.items.is_empty(), "{label}");
        assert_eq!(past_the_end.total, SEARCH_WINDOW, "{label}: a page past the end still has the total");
        assert!(found(store, &street, "噪音").await.is_empty(), "{label}: the old words are gone");
        assert_eq!(store.cases().rebuild_search_index(&mut |_, _| {}).await.unwrap(), 0, "{label}: only once");
    }
}
