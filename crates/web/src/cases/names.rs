//! Names, never internal ids, on the case pages (issue 11 minors): departments by name instead
//! of "部门#1", grid teams by their grid's name instead of "网格330702001012007", regions by
//! name instead of their 15-digit codes — in unit lists, in the timeline's stored notes
//! ("派往部门#1（牵头）") and in the routing explanation, which the domain writes with ids.

use crate::AppState;
use std::collections::HashMap;
use tongxin_domain::case::Unit;
use tongxin_domain::kernel::access::Scope;

/// The names a page needs, loaded once per page.
#[derive(Debug, Default, Clone)]
pub(crate) struct Names {
    /// Unit key (`dept:1`, `grid:330702001008001`) → name.
    units: HashMap<String, String>,
    /// Region code → name.
    regions: HashMap<String, String>,
    /// (text as the domain writes it, name), longest first so that "部门#12" is replaced before
    /// "部门#1" could match inside it.
    subs: Vec<(String, String)>,
}

impl Names {
    /// Names of `departments` (id, name) and of the regions `codes` and the grid teams among
    /// `units` (the grid's name; unknown codes keep their code).
    pub(crate) async fn load(
        s: &AppState,
        departments: impl IntoIterator<Item = (i64, String)>,
        codes: impl IntoIterator<Item = String>,
        units: impl IntoIterator<Item = String>,
    ) -> Names {
        let mut n = Names::default();
        for (id, name) in departments {
            n.units.insert(Unit::Department(id).key(), name);
        }
        let mut codes: Vec<String> = codes.into_iter().collect();
        for key in units {
            match Unit::parse_key(&key) {
                Some(Unit::GridTeam(code)) => codes.push(code),
                Some(Unit::Department(id)) if !n.units.contains_key(&key) => {
                    if let Ok(d) = s.store.departments().get(id).await {
                        n.units.insert(key, d.name);
                    }
                }
                _ => {}
            }
        }
        codes.sort();
        codes.dedup();
        for code in codes {
            if let Ok(r) = s.store.regions().get(&Scope::All, &code).await {
                n.regions.insert(code, r.name);
            }
        }
        for (code, name) in &n.regions {
            if code.len() == 15 {
                n.units.insert(Unit::GridTeam(code.clone()).key(), format!("{name}工作站"));
            }
        }
        for (key, name) in &n.units {
            if let Some(u) = Unit::parse_key(key) {
                n.subs.push((u.to_string(), name.clone()));
            }
        }
        for (code, name) in &n.regions {
            for level in ["网格 ", "社区 ", "街道 "] {
                n.subs.push((format!("{level}{code}"), name.clone()));
            }
        }
        n.subs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        n
    }

    pub(crate) fn unit(&self, u: &Unit) -> String {
        match self.units.get(&u.key()) {
            Some(n) => n.clone(),
            None => match u {
                Unit::GridTeam(_) => "网格工作站".into(),
                Unit::Department(_) => "职能部门".into(),
            },
        }
    }

    /// A unit by its key (`dept:1`); what is not a unit key is shown as it is.
    pub(crate) fn key(&self, key: &str) -> String {
        match Unit::parse_key(key) {
            Some(u) => self.unit(&u),
            None => key.to_string(),
        }
    }

    pub(crate) fn region(&self, code: &str) -> String {
        self.regions.get(code).cloned().unwrap_or_else(|| code.to_string())
    }

    /// A text the domain wrote with ids, with names instead.
    pub(crate) fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.subs {
            if out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
            }
        }
        out
    }
}
