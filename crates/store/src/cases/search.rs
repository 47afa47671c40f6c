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

/// The search word of an area (street, community or grid code). Every case is indexed under
/// the words of its street, community and grid, so a search within an area intersects the
/// keyword's documents with the area's in the full-text index instead of filtering thousands
/// of matches of a common word (噪音) case by case. The SQL keeps its own area filter: the
/// word only narrows the candidates, it never decides visibility.
pub fn area_word(code: &str) -> String {
    format!("area{code}")
}

/// The area word of a case in `street_code`. Only the street's: a community or grid search
/// narrows by its street's word too (a few thousand candidates at most) and the SQL filters the
/// rest, which keeps each new case to one extra word in the index.
pub fn area_words(street_code: &str, _grid_code: Option<&str>) -> String {
    area_word(street_code)
}

/// A case's full search words: its text's words and its area words.
pub fn case_words(text_words: &str, street_code: &str, grid_code: Option<&str>) -> String {
    format!("{text_words} {}", area_words(street_code, grid_code)).trim_start().to_string()
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

    #[test]
    fn a_case_is_indexed_under_its_street_community_and_grid() {
        assert_eq!(case_words("噪音 扰民", "330702001", Some("330702001008001")), "噪音 扰民 area330702001");
        assert_eq!(case_words("", "330702001", None), "area330702001");
    }
}
