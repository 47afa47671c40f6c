//! Chinese full-text search over cases. Neither SQLite's FTS5 nor PostgreSQL's `simple`
//! configuration can split Chinese into words, so jieba does it here: documents are indexed as
//! space-separated words (search mode, which also emits the shorter words inside long ones, so
//! 噪音 is found inside 噪音扰民) and queries are cut the same way and all words required.

use jieba_rs::Jieba;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

fn is_word(w: &str) -> bool {
    w.chars().any(|c| c.is_alphanumeric())
}

/// The words a document is indexed under, deduplicated, lower-cased, space-separated.
pub fn index_words(texts: &[&str]) -> String {
    let mut words = BTreeSet::new();
    for text in texts {
        for t in jieba().cut_for_search(text, true) {
            if is_word(t.word) {
                words.insert(t.word.to_lowercase());
            }
        }
    }
    words.into_iter().collect::<Vec<_>>().join(" ")
}

/// The words a query requires (at most 8, so a pasted paragraph cannot make a huge query).
pub fn query_words(query: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    jieba()
        .cut(query, true)
        .into_iter()
        .filter(|t| is_word(t.word))
        .map(|t| t.word.to_lowercase())
        .filter(|w| seen.insert(w.clone()))
        .take(8)
        .collect()
}

/// FTS5 MATCH expression: every word as a quoted phrase, all required.
pub fn fts5_query(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_character_words_are_indexed_inside_longer_ones() {
        let words = index_words(&["楼上噪音扰民，晚上十二点还在装修", "卫生间漏水到楼下"]);
        for w in ["噪音", "扰民", "装修", "漏水", "楼下"] {
            assert!(words.split(' ').any(|x| x == w), "{w} missing from {words}");
        }
        assert_eq!(query_words("噪音 扰民！"), vec!["噪音", "扰民"]);
        assert_eq!(fts5_query(&["a\"b".into(), "漏水".into()]), "\"a\"\"b\" AND \"漏水\"");
    }
}
