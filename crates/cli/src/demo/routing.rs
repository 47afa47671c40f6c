//! The demo street's routing rules (派单规则): which department takes which category, and
//! whether it is dispatched at once. Categories left out (物业服务, 邻里纠纷, 违章建筑 …) wait in
//! the dispatcher's queue, as matters needing judgement do.

use tongxin_domain::case::default_categories;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::RegionCode;
use tongxin_store::cases::categories::RuleRow;
use tongxin_store::{Actor, Store};

/// (category name, department name, dispatch at once)
const RULES: [(&str, &str, bool); 18] = [
    ("噪音扰民", "城管执法中队", true),
    ("占道经营", "城管执法中队", true),
    ("垃圾清运", "城建办", true),
    ("道路破损", "住建局", true),
    ("井盖缺失", "城建办", true),
    ("园林绿化", "城建办", true),
    ("停车", "交警中队", true),
    ("供水", "供水公司", true),
    ("供电", "供电公司", true),
    ("燃气", "燃气公司", true),
    ("食品安全", "市场监管所", true),
    ("消费维权", "市场监管所", true),
    ("价格收费", "市场监管所", false),
    ("大气污染", "生态环境分局", true),
    ("水体污染", "生态环境分局", false),
    ("养老服务", "民政局", true),
    ("社保医保", "人社局", true),
    ("户籍证照", "派出所", true),
];

/// Creates the rules for every street that has the departments; returns how many.
pub async fn seed_rules(store: &Store) -> anyhow::Result<usize> {
    let categories = default_categories();
    let actor = Actor::system("demo");
    let streets: Vec<String> = store
        .regions()
        .in_scope(&Scope::All, false)
        .await?
        .into_iter()
        .filter(|r| r.level == "street")
        .map(|r| r.code)
        .collect();
    let mut created = 0;
    for street in streets {
        let scope = Scope::Region { code: RegionCode::parse(&street)? };
        let departments = store.departments().list(&scope).await?;
        for (category, department, auto) in RULES {
            let (Some(c), Some(d)) = (
                categories.iter().find(|c| c.name == category),
                departments.iter().find(|d| d.name == department && d.street_code == street),
            ) else {
                continue;
            };
            let rule = RuleRow {
                id: 0,
                category_code: c.code.clone(),
                area_kind: "street".into(),
                area_code: street.clone(),
                target_kind: "department".into(),
                target_ref: d.id.to_string(),
                auto_dispatch: auto,
                version: 1,
            };
            store.categories().create_rule(&actor, &rule).await?;
            created += 1;
        }
    }
    Ok(created)
}
