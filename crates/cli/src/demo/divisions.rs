//! The real divisions of 婺城区 (2023 统计用区划代码), embedded from `crates/cli/data/`.

const CSV: &str = include_str!("../../data/wucheng-2023.csv");

/// The district all demo data lives in.
pub const DISTRICT_CODE: &str = "330702";
/// The street of the street-scale demo (and of the demo users in every scale).
pub const DEMO_STREET: &str = "330702001";

/// A 街道/乡镇 with its 社区/村, names shortened for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Township {
    pub code: String,
    pub name: String,
    pub communities: Vec<Community>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub code: String,
    pub name: String,
    /// A village (村) rather than an urban community (社区).
    pub rural: bool,
}

/// The district's name and its townships in code order.
pub fn wucheng() -> (String, Vec<Township>) {
    let mut district = String::new();
    let mut towns: Vec<Township> = Vec::new();
    for line in CSV.lines().skip(1) {
        let mut parts = line.split(',');
        let (Some(code), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        match code.len() {
            6 => district = name.to_string(),
            9 => towns.push(Township { code: code.to_string(), name: name.to_string(), communities: Vec::new() }),
            12 => {
                let (name, rural) = display_name(name);
                if let Some(t) = towns.iter_mut().find(|t| code.starts_with(&t.code)) {
                    t.communities.push(Community { code: code.to_string(), name, rural });
                }
            }
            _ => {}
        }
    }
    towns.sort_by(|a, b| a.code.cmp(&b.code));
    for t in &mut towns {
        t.communities.sort_by(|a, b| a.code.cmp(&b.code));
    }
    (district, towns)
}

/// "桃园社区居委会" → "桃园社区", "蟠龙村委会" → "蟠龙村", "仓里村村民委员会" → "仓里村"; the flag
/// says whether it is a village.
pub fn display_name(raw: &str) -> (String, bool) {
    for suffix in ["村民委员会", "村委会"] {
        if let Some(base) = raw.strip_suffix(suffix) {
            let name = if base.ends_with('村') { base.to_string() } else { format!("{base}村") };
            return (name, true);
        }
    }
    for suffix in ["居民委员会", "居委会"] {
        if let Some(base) = raw.strip_suffix(suffix) {
            let name = if base.ends_with("社区") { base.to_string() } else { format!("{base}社区") };
            return (name, false);
        }
    }
    (raw.to_string(), raw.ends_with('村'))
}

/// The name without its 社区/村 ending, for naming compounds ("桃园社区" → "桃园").
pub fn base_name(name: &str) -> &str {
    name.strip_suffix("社区").or_else(|| name.strip_suffix('村')).unwrap_or(name)
}
