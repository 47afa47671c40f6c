//! Complaint, reply and comment texts, composed from templates per category. `{b}` is the
//! building (金色家园3幢), `{c}` its compound (金色家园). Everything here is written for the demo.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The season a case falls in, for the texts that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    Winter,
    Summer,
    Other,
    /// The storm week: 积水, 倒树, 漏水.
    Storm,
}

/// (category code, problems all year, problems in summer, problems in winter, problems in the storm week)
type Problems =
    (&'static str, &'static [&'static str], &'static [&'static str], &'static [&'static str], &'static [&'static str]);

const PROBLEMS: &[Problems] = &[
    (
        "city.noise",
        &[
            "{b}楼下的烧烤店每天营业到凌晨一两点，吆喝声、划拳声很大",
            "{c}旁边工地夜里十点以后还在施工，打桩声音很响",
            "{b}有住户装修，中午和周末一大早就开始电钻作业",
            "{c}门口的广场舞音响开得太大，晚上九点半以后还不停",
            "{b}楼上住户每天深夜拖拽家具、跑跳，声音很大",
            "{c}附近的KTV每天晚上音乐声传得很远",
        ],
        &[
            "{b}对面商铺的空调外机正对我家卧室，整夜轰鸣，根本睡不着",
            "{c}广场上夏天晚上跳舞、唱歌的人很多，音响一直放到十一点",
            "{b}楼下夜宵摊夏天生意好，每晚喝酒喧哗到凌晨",
            "{c}旁边饭店的空调机组噪音很大，晚上开着窗没法休息",
        ],
        &["{b}楼上住户春节前装修，连续几天早上七点就开始砸墙"],
        &[],
    ),
    (
        "city.illegal_building",
        &[
            "{b}顶楼住户在楼顶搭建了一间彩钢板房",
            "{b}一楼住户把院子围起来加盖了房间，占用了公共通道",
            "{c}有人在绿地上私自搭建棚子堆放杂物",
        ],
        &[],
        &[],
        &[],
    ),
    (
        "city.garbage",
        &[
            "{c}垃圾分类投放点的垃圾桶满了两天没人清运，气味很大",
            "{b}门口的建筑垃圾堆了半个多月没人清理",
            "{c}垃圾房周围污水横流，苍蝇很多",
            "{b}楼道里堆满了住户的杂物和纸箱，存在消防隐患",
        ],
        &["{c}天气热了，垃圾桶每天只清一次，臭味散得整个小区都是"],
        &[],
        &["暴雨过后{c}门口堆满了冲下来的树枝和垃圾，一直没人清理"],
    ),
    (
        "city.road",
        &[
            "{c}门口的人行道砖松动翘起，老人已经有摔倒的",
            "{b}旁边的道路有一个大坑，电动车经过很危险",
            "{c}出入口的路面开裂下沉，下雨天积水",
            "{c}附近的路灯坏了好几盏，晚上一片漆黑",
        ],
        &[],
        &[],
        &[
            "{c}门口道路积水很深，水已经没过膝盖，车辆和行人都无法通行",
            "暴雨后{b}旁边的下穿通道严重积水，有车辆熄火被困",
            "{c}地下车库进水了，积水还在上涨，请尽快派人抽水",
            "{b}门口的雨水井堵了，路面积水排不出去",
        ],
    ),
    (
        "city.manhole",
        &["{b}门口的窨井盖不见了，晚上看不清很危险", "{c}主干道上的井盖破损塌陷，已经有电动车摔倒"],
        &[],
        &[],
        &["暴雨把{c}门口的井盖冲开了，水里看不见，非常危险"],
    ),
    (
        "city.parking",
        &[
            "{c}门口消防通道长期被私家车占用",
            "{b}楼下的非机动车乱停乱放，把盲道都堵了",
            "有车辆长期停在{c}出入口，影响进出",
            "{c}附近的共享单车堆成一片，挡住了人行道",
        ],
        &[],
        &[],
        &[],
    ),
    (
        "city.street_vending",
        &[
            "{c}门口每天早上都有流动摊贩占道卖菜，造成交通拥堵",
            "{b}附近的水果店把货摊摆到了人行道上",
            "{c}旁边晚上有很多夜市摊位占用机动车道",
        ],
        &["{c}门口夏天晚上摆满了烧烤摊，油烟大、垃圾多"],
        &[],
        &[],
    ),
    (
        "city.greening",
        &[
            "{c}里的树木很久没有修剪，树枝伸到了{b}住户的窗户里",
            "{b}旁边的绿化带被人毁绿种菜",
            "{c}门口的行道树枯死了，存在倒伏隐患",
        ],
        &["{c}的草坪杂草长得很高，蚊虫很多"],
        &[],
        &[
            "台风把{b}旁边的大树刮倒了，压住了路边的电动车",
            "{c}门口倒了一棵树，横在路中间，车辆过不去",
            "大风把{c}里的树枝刮断了，挂在半空中随时可能掉下来",
        ],
    ),
    (
        "utility.water",
        &[
            "{b}从昨天开始停水，一直没有通知",
            "{b}家里自来水发黄、有异味",
            "{c}高层住户水压太低，洗澡都不出水",
            "{b}门口的供水管道爆裂，水流了一地",
        ],
        &["天气热用水多，{b}高层住户一到晚上就没水"],
        &["天气冷了{b}的水表冻裂了，一直在漏水"],
        &[],
    ),
    (
        "utility.power",
        &["{b}整栋楼突然停电，已经好几个小时了", "{c}的路灯线路老化，经常跳闸", "{b}电压不稳，家里的电器经常自动关机"],
        &["天气这么热，{b}一到晚上就停电，空调开不了，老人受不了", "{c}用电高峰经常跳闸，冰箱里的东西都坏了"],
        &[],
        &["暴雨后{b}停电了，配电房可能进水", "{c}的电线被倒下的树压断了，整个小区停电"],
    ),
    (
        "utility.gas",
        &["{b}楼道里有很浓的燃气味，担心泄漏", "{b}燃气表显示有读数但家里没有开火", "{c}燃气管道改造后一直没有通气"],
        &[],
        &["{b}天然气压力不够，冬天做饭火很小"],
        &[],
    ),
    (
        "utility.heating",
        &["{b}家里的暖气片一直不热"],
        &[],
        &[
            "{b}家里暖气不热，室内温度只有十几度，老人孩子都冻感冒了",
            "{b}的供暖管道漏水，楼道里全是水",
            "{c}今年到现在还没有开始供暖，也没有任何通知",
            "{b}暖气片上热下凉，放气了也没用",
            "{c}已经交了采暖费，但家里的暖气一直是凉的",
        ],
        &[],
    ),
    (
        "market.food",
        &[
            "{c}门口的早餐店卫生条件很差，后厨老鼠乱窜",
            "在{c}附近的超市买到了过期的牛奶",
            "{b}楼下的小饭馆没有营业执照，油烟直排",
        ],
        &["{c}旁边的烧烤摊食材露天摆放，苍蝇很多"],
        &[],
        &[],
    ),
    (
        "market.consumer",
        &[
            "在{c}附近的健身房办了会员卡，现在店铺关门联系不上",
            "{c}附近的理发店推销办卡，退卡时不退钱",
            "在{c}旁边的手机店买的手机有质量问题，商家拒绝退换",
        ],
        &[],
        &[],
        &[],
    ),
    (
        "market.price",
        &["{c}附近的停车场收费没有明码标价", "{c}物业收取的电梯费没有公示标准", "{c}旁边的菜场有商户缺斤短两"],
        &[],
        &[],
        &[],
    ),
    (
        "env.air",
        &[
            "{b}楼下餐馆的油烟直接排到住户窗口，家里都是油烟味",
            "{c}附近有人焚烧垃圾，烟雾很大",
            "{c}旁边的汽修店喷漆，气味刺鼻",
        ],
        &["{c}附近工地扬尘很大，窗户都不敢开"],
        &[],
        &[],
    ),
    (
        "env.water",
        &["{c}旁边的河道水发黑发臭", "有企业往{c}附近的河里排污水", "{c}门口的水塘漂满了垃圾"],
        &["天热以后{c}旁边的河道臭味特别重，蚊子很多"],
        &[],
        &[],
    ),
    (
        "community.property",
        &[
            "{b}的电梯经常故障，上周还困过人，物业一直拖着不修",
            "{c}物业服务差，楼道卫生没人打扫",
            "{c}的门禁坏了一个多月，外来人员随便进出",
            "{b}地下室长期积水，物业不处理",
        ],
        &["{b}楼上住户的空调外机滴水，滴在我家阳台上", "{c}夏天电梯里没有通风，物业也不管"],
        &["{b}楼道的窗户坏了，冬天冷风直灌"],
        &[
            "暴雨后{b}顶楼漏水，家里天花板一直在滴水",
            "{b}的外墙渗水，卧室墙面都湿透发霉了",
            "暴雨后{b}楼道窗户漏水，雨水顺着楼梯往下流",
        ],
    ),
    (
        "community.neighbor",
        &[
            "{b}楼上住户养狗不拴绳，还经常在楼道里大小便",
            "{b}邻居把鞋柜放在公共走廊，协商多次没有结果",
            "{b}楼上卫生间漏水到我家，楼上住户不配合维修",
        ],
        &[],
        &[],
        &[],
    ),
    (
        "community.elderly",
        &[
            "{b}有一位独居老人，最近几天没看到他出门，请社区去看看",
            "想咨询{c}附近的社区食堂什么时候开放",
            "家里老人行动不便，想申请居家养老上门服务",
        ],
        &["{b}的独居老人家里空调坏了，天气太热了需要帮助"],
        &["{b}的独居老人家里很冷，需要社区帮忙"],
        &[],
    ),
    (
        "community.suggestion",
        &[
            "建议在{c}门口增设一个公交站",
            "建议在{c}增加电动车充电桩，现在很多人飞线充电",
            "建议{c}的小广场增加一些健身器材和座椅",
        ],
        &[],
        &[],
        &[],
    ),
    (
        "consult.policy",
        &["想咨询老旧小区改造的政策，{c}有没有列入计划", "想了解一下生育补贴怎么申请", "咨询一下垃圾分类的具体要求"],
        &[],
        &[],
        &[],
    ),
    (
        "consult.social_security",
        &["想咨询灵活就业人员的社保怎么缴纳", "医保卡在外地看病怎么报销", "咨询一下城乡居民医保今年的缴费时间"],
        &[],
        &["想咨询明年城乡居民医保的缴费标准和截止时间"],
        &[],
    ),
    (
        "consult.household",
        &["想咨询孩子上户口需要带哪些材料", "身份证丢了在哪里补办", "居住证办理需要什么条件"],
        &[],
        &[],
        &[],
    ),
];

const OPENERS: &[&str] = &["", "", "", "您好，", "你好，", "我是{c}的居民，", "我住在{b}，"];
const HOTLINE_OPENERS: &[&str] = &["市民来电反映：", "来电人反映：", "市民来电称：", "来电反映："];
const DURATIONS: &[&str] =
    &["", "", "已经持续一个多星期了，", "好几天了，", "之前反映过两次，一直没有解决，", "这个情况已经很久了，"];
const DEMANDS: &[&str] = &[
    "希望有关部门尽快处理。",
    "请尽快派人来看看。",
    "希望给个答复，谢谢！",
    "麻烦协调解决一下。",
    "希望能彻底解决。",
    "请相关部门管一管。",
];
const CONSULT_DEMANDS: &[&str] = &["请帮忙解答，谢谢。", "希望告知具体办理流程。", "谢谢！"];

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn fill(template: &str, building: &str, compound: &str) -> String {
    template.replace("{b}", building).replace("{c}", compound)
}

/// The compound of a building (金色家园3幢 → 金色家园; a village house → its village).
pub fn compound(building: &str) -> String {
    let trimmed = building.trim_end_matches(['幢', '号']).trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.is_empty() { building.to_string() } else { trimmed.to_string() }
}

/// A resident's description of a matter in `category` at `building`.
pub fn description(rng: &mut ChaCha8Rng, category: &str, season: Season, building: &str, hotline: bool) -> String {
    let compound = compound(building);
    let Some(p) = PROBLEMS.iter().find(|p| p.0 == category) else {
        return fill("{c}有问题需要处理，请尽快安排人员查看。", building, &compound);
    };
    let seasonal: &[&str] = match season {
        Season::Summer => p.2,
        Season::Winter => p.3,
        Season::Storm => p.4,
        Season::Other => &[],
    };
    let problem = if !seasonal.is_empty() && (season == Season::Storm || rng.random_bool(0.7)) {
        pick(rng, seasonal)
    } else {
        pick(rng, p.1)
    };
    let consult = category.starts_with("consult.");
    let opener = if hotline { pick(rng, HOTLINE_OPENERS) } else { pick(rng, OPENERS) };
    let duration = if consult || season == Season::Storm { "" } else { pick(rng, DURATIONS) };
    let demand = if consult { pick(rng, CONSULT_DEMANDS) } else { pick(rng, DEMANDS) };
    fill(&format!("{opener}{problem}，{duration}{demand}"), building, &compound)
}

const REPLIES: &[(&str, &[&str])] = &[
    (
        "city.noise",
        &[
            "已到现场对经营者进行教育并责令其夜间十点后停止外摆和喧哗，后续将加强夜间巡查。",
            "已联系施工单位，要求严格遵守夜间施工规定，超时施工将依法处罚。",
            "已上门劝导相关住户，对方表示今后注意，已告知诉求人。",
        ],
    ),
    (
        "city.illegal_building",
        &["经现场核查属实，已下达限期拆除通知书，当事人已自行拆除。", "已立案调查，责令当事人限期整改，将持续跟进。"],
    ),
    ("city.garbage", &["已安排环卫车辆当天清运，并要求保洁公司增加清运频次。", "已清理完毕，并对周边进行了消杀。"]),
    (
        "city.road",
        &[
            "已安排养护单位修复破损路面。",
            "已对积水路段进行抽排，疏通了堵塞的雨水井，目前道路已恢复通行。",
            "已更换损坏的路灯灯具，恢复照明。",
        ],
    ),
    ("city.manhole", &["已当天设置警示标志并更换新井盖。", "已通知产权单位补齐井盖，现场已恢复安全。"]),
    (
        "city.parking",
        &[
            "已对占用消防通道的车辆张贴告知单并联系车主挪车，后续加强巡查。",
            "已联系运营企业清理共享单车，规范停放区域。",
        ],
    ),
    ("city.street_vending", &["已对占道摊贩进行劝离，并引导至规定区域经营。", "已责令店主将货物收回店内，规范经营。"]),
    (
        "city.greening",
        &[
            "已安排园林养护单位修剪树枝。",
            "倒伏树木已清理完毕，道路恢复通行，受损车辆已协助联系保险。",
            "已对枯死树木进行移除并补种。",
        ],
    ),
    (
        "utility.water",
        &[
            "经查为管道维修临时停水，现已恢复供水，今后将提前张贴停水通知。",
            "已安排抢修人员更换破裂管道，供水恢复正常。",
            "已对管网进行冲洗，水质检测合格。",
        ],
    ),
    ("utility.power", &["经查为线路故障，已抢修完毕恢复供电。", "已对小区配电设施进行增容改造，保障用电高峰供电。"]),
    (
        "utility.gas",
        &["已派人上门检测，确认为阀门松动，已紧固处理，无泄漏。", "已安排通气，并为住户讲解安全用气注意事项。"],
    ),
    (
        "utility.heating",
        &[
            "已安排维修人员上门排气并清洗暖气片，室温已恢复正常。",
            "已更换漏水的供暖管道阀门。",
            "经查为换热站故障，已抢修完毕恢复供暖。",
        ],
    ),
    (
        "market.food",
        &["已对该店进行检查，责令限期整改后厨卫生，并依法立案调查。", "已督促超市下架过期商品，并依法处理。"],
    ),
    ("market.consumer", &["经调解，商家同意退还剩余费用。", "已约谈商家，双方达成和解。"]),
    ("market.price", &["已责令经营者明码标价并公示收费标准。", "已对相关商户进行检查并依法处理。"]),
    ("env.air", &["已责令该餐馆安装油烟净化设备并规范排放。", "已对焚烧行为进行制止和教育。"]),
    ("env.water", &["已安排对河道进行清淤保洁，并排查排污口。", "已对排污企业立案调查，责令停止排放。"]),
    (
        "community.property",
        &[
            "已约谈物业公司，电梯已维修并通过检测。",
            "已督促物业加强保洁和门禁管理。",
            "已协调物业对顶楼防水进行维修，渗漏已处理。",
        ],
    ),
    ("community.neighbor", &["社区已组织双方调解，达成一致意见。", "已上门沟通，邻居同意配合维修。"]),
    (
        "community.elderly",
        &["社区工作人员已上门探望，老人身体状况良好，已纳入重点关爱对象。", "已为老人办理居家养老服务申请。"],
    ),
    ("community.suggestion", &["感谢您的建议，已转交相关部门研究，将纳入明年实事项目统筹考虑。"]),
    ("consult.policy", &["已电话告知相关政策和办理流程。", "已详细解答，并告知可在“浙里办”查询办理进度。"]),
    ("consult.social_security", &["已告知缴费标准、时间和办理渠道。", "已电话解答异地就医备案和报销流程。"]),
    ("consult.household", &["已告知所需材料和办理地点。", "已电话解答，诉求人表示清楚了。"]),
];

/// The handling unit's reply.
pub fn reply(rng: &mut ChaCha8Rng, category: &str) -> String {
    match REPLIES.iter().find(|r| r.0 == category) {
        Some((_, texts)) => format!("{}已电话告知诉求人。", pick(rng, texts)),
        None => "已到现场处理完毕，已电话告知诉求人。".into(),
    }
}

/// A patrol's note on what it did on the spot.
pub fn on_spot_reply(rng: &mut ChaCha8Rng) -> String {
    pick(
        rng,
        &[
            "网格员现场劝导，当场整改完毕。",
            "已现场清理完毕。",
            "已协调当事人现场处理，问题已解决。",
            "现场发现后立即处置，已恢复正常。",
        ],
    )
    .into()
}

/// An assisting unit's report.
pub fn assist_report(rng: &mut ChaCha8Rng) -> String {
    pick(rng, &["已配合牵头单位开展联合执法。", "已派员到场配合处置。", "已按职责完成相关配合工作。"]).into()
}

pub fn contact_note(rng: &mut ChaCha8Rng, has_phone: bool) -> String {
    if has_phone {
        pick(
            rng,
            &[
                "已电话联系诉求人，了解具体情况。",
                "已与诉求人电话沟通，约定上门时间。",
                "电话联系诉求人，已说明处理进度。",
            ],
        )
        .into()
    } else {
        pick(rng, &["已与上报网格员核实现场情况。", "已到现场核实情况。"]).into()
    }
}

pub fn return_reason(rng: &mut ChaCha8Rng) -> String {
    pick(
        rng,
        &[
            "该事项不属于本单位职责范围，请重新派遣。",
            "经核实属于物业管理范畴，建议派物业公司处理。",
            "地址不在本单位辖区内。",
            "该问题需由产权单位负责，请改派。",
        ],
    )
    .into()
}

pub fn reject_reason(rng: &mut ChaCha8Rng) -> String {
    pick(
        rng,
        &[
            "诉求内容不明确，且无法联系诉求人核实。",
            "属于司法程序中的事项，不予受理，已告知通过诉讼途径解决。",
            "重复测试信息。",
        ],
    )
    .into()
}

pub fn extension_reason(rng: &mut ChaCha8Rng) -> String {
    pick(
        rng,
        &[
            "需协调产权单位和施工队，工期较长。",
            "需要采购配件，预计到货时间较长。",
            "涉及多个部门，需联合处置。",
            "需等待天气好转后施工。",
        ],
    )
    .into()
}

pub fn refusal_note(rng: &mut ChaCha8Rng) -> String {
    pick(rng, &["理由不充分，请按原期限办结。", "请先落实临时措施，按期办结。"]).into()
}

pub fn failed_check(rng: &mut ChaCha8Rng) -> String {
    pick(rng, &["现场核查问题仍然存在，请重新处理。", "整改不到位，请继续办理。"]).into()
}

pub fn supervision_note(rng: &mut ChaCha8Rng) -> String {
    pick(rng, &["群众多次反映，请加快办理。", "", "请于本周内办结并反馈。"]).into()
}

/// The requester's comment on a verdict.
pub fn rating_comment(rng: &mut ChaCha8Rng, resolved: bool, satisfied: bool) -> String {
    match (resolved, satisfied) {
        (true, true) => pick(rng, &["", "", "处理很及时，谢谢！", "工作人员态度很好。", "问题解决了，点赞。"]).into(),
        (true, false) => pick(rng, &["解决是解决了，但拖得太久。", "态度一般，来回打了好几次电话。"]).into(),
        (false, _) => {
            pick(rng, &["问题根本没有解决。", "只是走了个过场，过两天又是老样子。", "没有人来现场看过。"]).into()
        }
    }
}
