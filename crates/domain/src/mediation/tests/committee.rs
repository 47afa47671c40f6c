//! The composition rule of a 人民调解委员会 as a table (人民调解法 art 8: 3–9 members, women
//! among them, one 主任, a minority member in a multi-ethnic area; art 9: three-year terms).

use super::*;
use crate::mediation::org::{CommitteeMember, CommitteeProblem, Post, committee_problems};
use crate::people::idcard::Gender;

fn member(name: &str, gender: Gender, post: Post) -> CommitteeMember {
    CommitteeMember {
        name: name.into(),
        gender,
        post,
        minority: false,
        term_start: day(2024, 1, 1),
        term_end: day(2026, 12, 31),
    }
}

/// 主任 (a man), 副主任 (a woman), a member: a valid committee of three.
fn three() -> Vec<CommitteeMember> {
    vec![
        member("赵主任", Gender::Male, Post::Director),
        member("钱副主任", Gender::Female, Post::DeputyDirector),
        member("孙委员", Gender::Male, Post::Member),
    ]
}

fn plus(mut v: Vec<CommitteeMember>, n: usize) -> Vec<CommitteeMember> {
    for i in 0..n {
        v.push(member(&format!("委员{i}"), Gender::Male, Post::Member));
    }
    v
}

#[test]
fn committee_composition_table() {
    use CommitteeProblem::*;
    let on = day(2026, 6, 1);
    let edit = |f: &dyn Fn(&mut Vec<CommitteeMember>)| {
        let mut v = three();
        f(&mut v);
        v
    };
    let table: Vec<(&str, Vec<CommitteeMember>, bool, Vec<CommitteeProblem>)> = vec![
        ("three members comply", three(), false, vec![]),
        ("nine members comply", plus(three(), 6), false, vec![]),
        ("two are too few (art 8)", edit(&|v| v.truncate(2)), false, vec![TooFew { count: 2 }]),
        ("ten are too many (art 8)", plus(three(), 7), false, vec![TooMany { count: 10 }]),
        ("no woman (art 8)", edit(&|v| v[1].gender = Gender::Male), false, vec![NoWoman]),
        ("no director (art 8)", edit(&|v| v[0].post = Post::Member), false, vec![NoDirector]),
        ("two directors (art 8)", edit(&|v| v[1].post = Post::Director), false, vec![SeveralDirectors { count: 2 }]),
        ("multi-ethnic area without a minority member (art 8)", three(), true, vec![NoMinority]),
        ("multi-ethnic area with one", edit(&|v| v[2].minority = true), true, vec![]),
        (
            "a term of three years and a day (art 9)",
            edit(&|v| v[2].term_end = day(2027, 1, 2)),
            false,
            vec![TermTooLong { name: "孙委员".into() }],
        ),
        ("a term of exactly three years (art 9)", edit(&|v| v[2].term_end = day(2027, 1, 1)), false, vec![]),
        (
            "a term over (art 9)",
            edit(&|v| v[0].term_end = day(2026, 5, 31)),
            false,
            vec![TermOver { name: "赵主任".into(), end: day(2026, 5, 31) }],
        ),
        (
            "a term ending before it starts",
            edit(&|v| v[0].term_end = day(2023, 12, 31)),
            false,
            vec![TermBackwards { name: "赵主任".into() }],
        ),
        (
            "the same member twice",
            edit(&|v| v[2].name = "赵主任".into()),
            false,
            vec![Duplicate { name: "赵主任".into() }],
        ),
        (
            "a blank name",
            edit(&|v| v[2].name = " ".into()),
            false,
            vec![BadName { row: 3, error: crate::kernel::text::TextError::Required { field: "委员姓名" } }],
        ),
        (
            "an empty roster: everything missing",
            vec![],
            true,
            vec![TooFew { count: 0 }, NoWoman, NoDirector, NoMinority],
        ),
    ];
    for (what, members, multi_ethnic, want) in table {
        assert_eq!(committee_problems(&members, multi_ethnic, on), want, "{what}");
    }
}

#[test]
fn problems_are_explained_in_chinese_with_the_article() {
    let on = day(2026, 6, 1);
    let mut v = three();
    v.truncate(2);
    v[1].gender = Gender::Male;
    let messages: Vec<String> = committee_problems(&v, false, on).iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        [
            "委员会现有2人，少于三人（人民调解法第八条：由委员三至九人组成）",
            "委员会中没有妇女成员（人民调解法第八条：应当有妇女成员）",
        ]
    );
    v = three();
    v[0].term_end = day(2026, 5, 31);
    assert_eq!(
        committee_problems(&v, false, on)[0].to_string(),
        "委员“赵主任”的任期已于2026-05-31届满，应当换届或补选（人民调解法第九条）"
    );
}
