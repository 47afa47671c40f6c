//! The dictionaries of a dispute: its type, where it came from and the level handling it.
//! Risk levels are configurable data and live in [`super::risk`].

use super::names::named_enum;

named_enum! {
    /// 纠纷类型, seeded from a county's 调解登记 category list (DOMAIN-RULES §1.5). The codes
    /// are stable: they are stored and used in statistics.
    DisputeType {
        MarriageFamily = "marriage_family", "婚姻家庭继承";
        Neighbourhood = "neighbourhood", "邻里";
        HousingHomestead = "housing_homestead", "房屋宅基地";
        Damages = "damages", "损害赔偿";
        Contract = "contract", "合同";
        LandContract = "land_contract", "土地承包";
        LandRequisition = "land_requisition", "征地拆迁";
        Labour = "labour", "劳动争议";
        PropertyManagement = "property_management", "物业";
        TrafficAccident = "traffic_accident", "交通事故";
        Medical = "medical", "医患";
        Consumer = "consumer", "消费";
        Other = "other", "其他";
    }
}

named_enum! {
    /// How a dispute came in (人民调解法 art 17: on a party's application or on the
    /// committee's own initiative; art 18: referred by a court or the police before they accept).
    Source {
        /// 网格排查: a grid worker's screening (the committee's own initiative).
        GridScreening = "grid_screening", "网格排查";
        /// 线上申请 by a party.
        Online = "online", "线上申请";
        /// 转调解: referred from a 接诉即办 case.
        CaseReferral = "case_referral", "诉求转调解";
        /// 法院委派/委托调解 (art 18).
        CourtReferral = "court_referral", "法院委派委托";
        /// 公安机关委派/委托调解 (art 18).
        PoliceReferral = "police_referral", "公安委派委托";
        /// 来访申请: a party came in person.
        WalkIn = "walk_in", "来访申请";
    }
}

named_enum! {
    /// The level that handles a dispute (枫桥经验: 小事不出村、大事不出镇、矛盾不上交), lowest
    /// first: the order is the escalation order.
    Level {
        Grid = "grid", "网格";
        Community = "community", "社区/村";
        /// The street's 矛调中心 (社会矛盾纠纷调处化解中心).
        Street = "street", "街道矛调中心";
        District = "district", "区县";
    }
}

impl Level {
    /// The next level up, `None` at the top.
    pub fn above(self) -> Option<Level> {
        match self {
            Level::Grid => Some(Level::Community),
            Level::Community => Some(Level::Street),
            Level::Street => Some(Level::District),
            Level::District => None,
        }
    }

    /// The level of a region (a grid, community, street or district code).
    pub fn of_region(code: &crate::kernel::region::RegionCode) -> Level {
        use crate::kernel::region::RegionLevel;
        match code.level() {
            RegionLevel::Grid => Level::Grid,
            RegionLevel::Community => Level::Community,
            RegionLevel::Street => Level::Street,
            RegionLevel::District => Level::District,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code is the serde form and parses back; labels are distinct.
    #[test]
    fn codes_are_stable_and_round_trip() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + serde::Serialize>(
            all: &[T],
            code: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
            label: fn(T) -> &'static str,
        ) {
            let mut labels = std::collections::HashSet::new();
            for &x in all {
                assert_eq!(parse(code(x)), Some(x));
                assert_eq!(serde_json::to_string(&x).unwrap(), format!("\"{}\"", code(x)));
                assert!(labels.insert(label(x)), "{x:?}");
            }
        }
        check(DisputeType::ALL, DisputeType::as_str, DisputeType::parse, DisputeType::label);
        check(Source::ALL, Source::as_str, Source::parse, Source::label);
        check(Level::ALL, Level::as_str, Level::parse, Level::label);
        assert_eq!(DisputeType::ALL.len(), 13);
        assert_eq!(DisputeType::parse(" labour "), Some(DisputeType::Labour));
        assert_eq!(DisputeType::parse("劳动争议"), None);
    }

    #[test]
    fn levels_escalate_upwards() {
        assert!(Level::Grid < Level::Community && Level::Community < Level::Street && Level::Street < Level::District);
        assert_eq!(Level::Grid.above(), Some(Level::Community));
        assert_eq!(Level::District.above(), None);
        let street = crate::kernel::region::RegionCode::parse("330702001").unwrap();
        assert_eq!(Level::of_region(&street), Level::Street);
    }
}
