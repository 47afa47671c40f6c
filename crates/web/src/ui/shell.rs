//! What every page shares: its title, the signed-in user, the navigation for their role, the
//! CSRF token for the forms in the header, and the flash messages carried over a redirect.

use super::flash::Flash;
use super::staff::Staff;
use tongxin_domain::kernel::access::Role;
use tongxin_store::cases::notices::UNREAD_CAP;

/// Bumped with the crate version so browsers refetch the stylesheet after an upgrade.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// One line on the start page's card.
    pub hint: &'static str,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct ShellUser {
    pub name: String,
    pub role: &'static str,
}

#[derive(Debug, Clone)]
pub struct Bell {
    /// Empty when nothing is unread.
    pub count: String,
    /// What a screen reader says: "3 条未读通知".
    pub label: String,
}

impl Bell {
    fn new(unread: i64) -> Bell {
        let count = match unread {
            0 => String::new(),
            n if n > UNREAD_CAP => format!("{UNREAD_CAP}+"),
            n => n.to_string(),
        };
        let label =
            if unread == 0 { "通知：没有未读".to_string() } else { format!("通知：{count} 条未读") };
        Bell { count, label }
    }
}

#[derive(Debug, Clone)]
pub struct Shell {
    pub title: String,
    pub user: Option<ShellUser>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub flash: Vec<Flash>,
    /// A single-column page (forms on a phone).
    pub narrow: bool,
    /// The bell: unread notices of the user's units ("99+" past the cap); `None` without a
    /// notice inbox.
    pub bell: Option<Bell>,
    pub asset_version: &'static str,
}

impl Shell {
    /// A page for someone not signed in (residents, the login form).
    pub fn public(title: &str, flash: Vec<Flash>) -> Shell {
        Shell {
            title: title.to_string(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            flash,
            narrow: true,
            bell: None,
            asset_version: ASSET_VERSION,
        }
    }

    /// A staff page; `current` is the path of the navigation entry to mark.
    pub fn staff(title: &str, staff: &Staff, current: &str) -> Shell {
        let nav = nav_for(staff.user.role)
            .iter()
            .map(|&(href, label, hint)| NavItem { href, label, hint, current: href == current })
            .collect();
        Shell {
            title: title.to_string(),
            user: Some(ShellUser { name: staff.user.display_name.clone(), role: staff.user.role.label() }),
            nav,
            csrf: staff.csrf.clone(),
            flash: staff.flash.clone(),
            narrow: false,
            bell: staff.unread_notices.map(Bell::new),
            asset_version: ASSET_VERSION,
        }
    }

    pub fn narrow(mut self) -> Shell {
        self.narrow = true;
        self
    }
}

/// The entries each role works from: (path, label, hint).
pub fn nav_for(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    match role {
        Role::Admin => &[
            ("/cases", "诉求队列", "全区诉求，按期限排序"),
            ("/dashboard", "数据看板", "趋势、分类、三率排名"),
            ("/admin/regions", "区域与网格", "街道、社区、网格边界"),
            ("/admin/categories", "分类与派单规则", "诉求分类、派单规则试算"),
            ("/admin/deadlines", "期限与日历", "办理时限、工作日历"),
            ("/admin/evaluation", "考评权重", "响应率、解决率、满意率权重"),
            ("/admin/users", "用户与角色", "账号、角色、管辖范围、停用"),
            ("/admin/imports", "数据导入", "网格 GeoJSON、居民 xlsx"),
            ("/admin/sms", "短信发件箱", "发给居民的短信、验证码与跟踪链接"),
            ("/mediation", "矛盾纠纷", "全部纠纷、督办清单与调解协议"),
            ("/mediation/orgs", "调解组织", "调委会、调解员、任职与罢免"),
            ("/mediation/risk-levels", "风险等级", "纠纷风险等级、升级层级与响应时限"),
            ("/petitions", "信访", "信访登记簿与法定期限"),
        ],
        Role::Leader => &[
            ("/dashboard", "数据看板", "趋势、分类、三率排名、热力图"),
            ("/cases", "诉求队列", "辖区诉求，按期限排序"),
            ("/mediation/overdue", "纠纷督办", "超过调解期限的纠纷"),
            ("/mediation/screenings", "网格排查", "各网格本月矛盾纠纷排查情况"),
            ("/mediation/stats", "矛盾纠纷统计", "化解率、调解成功率、信访按期率、风险地图"),
            ("/petitions", "信访", "辖区信访件、延期审批与复查复核"),
        ],
        Role::Dispatcher => &[
            ("/cases", "诉求队列", "待派单与办理中的诉求"),
            ("/hotline", "热线登记", "来电登记，一步生成诉求"),
            ("/map", "街道地图", "网格诉求分布与超期"),
            ("/dashboard", "数据看板", "趋势与三率"),
            ("/mediation", "矛调中心", "纠纷登记、调处、督办"),
            ("/mediation/screenings", "网格排查", "各网格本月矛盾纠纷排查情况"),
            ("/mediation/daily", "矛调日报", "当日登记、调解、协议与到期事项"),
            ("/mediation/orgs", "调解组织", "调委会与调解员"),
            ("/petitions", "信访登记", "信访登记、告知、转送交办与期限"),
        ],
        Role::CommunityWorker => &[
            ("/cases", "诉求队列", "本社区的诉求"),
            ("/map", "社区地图", "网格诉求分布"),
            ("/grids", "楼栋二维码", "打印各网格楼栋的上报二维码"),
            ("/mediation", "矛盾纠纷", "本社区纠纷的登记与调解"),
            ("/mediation/screenings", "网格排查", "各网格本月排查与发现的纠纷"),
            ("/mediation/orgs", "调解组织", "人民调解委员会与调解员"),
            ("/petitions", "信访", "交办给本社区网格的信访件"),
        ],
        Role::GridWorker => &[
            ("/grid", "我的网格", "今日任务与办理中的诉求"),
            ("/grid/patrol", "巡查上报", "自主发现、就地解决"),
            ("/grid/households", "住户信息", "本网格住户与居民"),
            ("/grid/visits", "走访记录", "入户走访登记"),
            ("/mediation/screenings", "网格排查", "本月排查记录，登记发现的纠纷"),
            ("/mediation", "矛盾纠纷", "本网格纠纷的登记与调解"),
            ("/petitions", "信访", "交办给本网格的信访件"),
        ],
        Role::DepartmentHandler => {
            &[("/inbox", "待办诉求", "派给本部门的诉求"), ("/petitions", "信访件", "转送交办给本部门的信访件")]
        }
        Role::PartySecretary => &[
            ("/party", "党组织", "辖区党组织架构与党员名单"),
            ("/grid/households", "居民查询", "辖区住户与居民，信息脱敏"),
        ],
        Role::Mediator => &[
            ("/mediation", "我的纠纷", "本调解组织和指派给我的纠纷"),
            ("/mediation/new", "登记纠纷", "来访、申请与排查发现的纠纷"),
            ("/mediation/overdue", "督办清单", "超过调解期限的纠纷"),
            ("/mediation/consultations", "在线咨询", "群众在线提出的问题，待答复的在前"),
            ("/grid/households", "居民查询", "辖区住户与居民，信息脱敏"),
        ],
    }
}
