//! The one pager of every list page, rendered by `templates/ui/pager.html`.

use crate::ui::error::urlencode;
use tongxin_store::Paged;

/// Page links of a list: where we are, and the previous and next page keeping the other query
/// parameters. Shown only when there is another page to go to.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub page: u32,
    /// The number of pages, `N+` when the total was capped (counting stopped early).
    pub pages: String,
    /// The number of items, `N+` when capped.
    pub total: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// What is paged, for screen readers ("今日任务" → "今日任务翻页"); empty for a page's only list.
    pub label: &'static str,
}

impl Pager {
    /// Links to `path?{keep…}&{param}=N`; empty `keep` values are left out, as is a `keep`
    /// entry named `param`.
    pub fn new<T>(p: &Paged<T>, path: &str, param: &str, keep: &[(&str, String)]) -> Pager {
        let per = i64::from(p.per_page.max(1));
        let last = u32::try_from(((p.total + per - 1) / per).max(1)).unwrap_or(u32::MAX);
        let link = |page: u32| {
            let mut parts: Vec<String> = keep
                .iter()
                .filter(|(k, v)| !v.is_empty() && *k != param)
                .map(|(k, v)| format!("{k}={}", urlencode(v)))
                .collect();
            parts.push(format!("{param}={page}"));
            format!("{path}?{}", parts.join("&"))
        };
        // A capped total does not know the last page: a full page suggests there is another.
        let more = p.total_capped && p.items.len() as i64 == per;
        Pager {
            page: p.page,
            pages: if p.total_capped { format!("{last}+") } else { last.to_string() },
            total: if p.total_capped { format!("{}+", p.total) } else { p.total.to_string() },
            prev: (p.page > 1).then(|| link(p.page - 1)),
            next: (p.page < last || more).then(|| link(p.page + 1)),
            label: "",
        }
    }

    /// Names the list for screen readers when a page has more than one.
    pub fn labelled(mut self, label: &'static str) -> Pager {
        self.label = label;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paged(page: u32, total: i64, capped: bool) -> Paged<u32> {
        let items = vec![0; 20];
        Paged { items, page, per_page: 20, total, total_capped: capped }
    }

    #[test]
    fn links_keep_the_other_parameters_and_stop_at_the_ends() {
        let p = Pager::new(&paged(2, 45, false), "/cases", "page", &[("q", "噪音".into()), ("status", String::new())]);
        assert_eq!((p.pages.as_str(), p.total.as_str()), ("3", "45"));
        assert_eq!(p.prev.as_deref(), Some("/cases?q=%E5%99%AA%E9%9F%B3&page=1"));
        assert_eq!(p.next.as_deref(), Some("/cases?q=%E5%99%AA%E9%9F%B3&page=3"));
        let last = Pager::new(&paged(3, 45, false), "/grid", "tpage", &[("tpage", "2".into())]);
        assert_eq!((last.prev.as_deref(), last.next), (Some("/grid?tpage=2"), None));
    }

    #[test]
    fn a_capped_total_offers_the_next_page_of_a_full_one() {
        let p = Pager::new(&paged(1, 20, true), "/cases", "page", &[]);
        assert_eq!((p.pages.as_str(), p.total.as_str(), p.next.as_deref()), ("1+", "20+", Some("/cases?page=2")));
    }
}
