//! 12345 work-order CSV import on both backends: a good file imports whole (quoted fields with
//! commas, doubled quotes and line breaks included); a file with any bad row is refused whole
//! with every row's problem, and nothing is written.

use std::sync::Arc;
use tongxin_app::cases::{CaseService, HotlineImportError};
use tongxin_app::locator::LocatorCache;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_store::accounts::{NewUser, User};
use tongxin_store::cases::read::QueueFilter;
use tongxin_store::{Actor, Page, Store};
use tongxin_testkit::World;
use tongxin_testkit::both_backends;

const STREET: &str = "330702001";
const A1: &str = "330702001008001";
const A2: &str = "330702001008002";
const C1: &str = "330702002001001";
const HEADER: &str = "工单编号,来电时间,诉求类别,诉求内容,地址,经度,纬度,网格编码,联系人,联系电话,紧急程度";

use tongxin_testkit::square;

async fn seed(store: &Store) {
    World::new(store)
        .district("330702", "婺城区")
        .street(STREET, "城东街道")
        .community("330702001008", "桃园社区")
        .bounded(square(119.66, 29.09, 0.01))
        .grid(A1, "桃园一网格")
        .bounded(square(119.66, 29.09, 0.005))
        .grid(A2, "桃园二网格")
        .bounded(square(119.665, 29.09, 0.005))
        .street("330702002", "城中街道")
        .community("330702002001", "城中社区")
        .bounded(square(119.70, 29.09, 0.01))
        .grid(C1, "城中一网格")
        .bounded(square(119.70, 29.09, 0.005))
        .department(1, STREET, "城管执法中队")
        .bump_geometry_revision()
        .build()
        .await;
}

async fn service(store: &Store) -> CaseService {
    let locator = Arc::new(LocatorCache::load(store).await.unwrap());
    let cases = CaseService::start(store.clone(), locator).await.unwrap();
    crate::common::dispatch_noise_to_department_1(store, &cases).await;
    cases
}

async fn dispatcher(store: &Store) -> User {
    let u = NewUser {
        username: "dispatcher".into(),
        display_name: "调度员".into(),
        password_hash: "x".into(),
        role: Role::Dispatcher,
        scope_region: Some(STREET.into()),
        scope_department: None,
        can_unmask: false,
        totp_secret: None,
    };
    store.accounts().create_user(&Actor::system("test"), &u).await.unwrap()
}

async fn case_count(store: &Store) -> i64 {
    store.cases().queue(&Scope::All, &QueueFilter::default(), Page::default()).await.unwrap().total
}

fn file(rows: &[&str]) -> Vec<u8> {
    let mut text = format!("\u{FEFF}{HEADER}\r\n");
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

both_backends! {
    async fn a_good_file_imports_whole_and_only_once(t: TestStore) {
        let store = &t.store;
        let label = t.label;
        seed(store).await;
        let cases = service(store).await;
        let user = dispatcher(store).await;
        let good = file(&[
            "BJ20261120-0001,2026-11-20 08:30,噪音扰民,\"楼上装修噪音，早上7点就开始\",桃园小区3幢,119.6625,29.0875,,张先生,13812345678,",
            // Quoted: a comma, doubled quotes and a line break inside; a code for the category.
            "BJ20261120-0002,2026/11/20 9:05:00,city.garbage,\"垃圾桶满溢，\"\"三天\"\"没人清运\r\n请尽快处理\",桃园小区,,,330702001008002,李女士,0579-82123456,一般",
            "",
            // “上级/名称”, no phone, urgency set.
            "BJ20261120-0003,2026年11月21日 10:00,公用事业/供水,停水两天,桃园小区5幢,,,330702001008001,,,紧急",
        ]);
        let report = cases.import_hotline_csv(&user, &good).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!((report.imported, report.auto_dispatched), (3, 1), "{label}: {report:?}");
        assert!(report.already_imported.is_empty());
        assert_eq!(
            report.cases.iter().map(|c| (c.row, c.order_no.as_str())).collect::<Vec<_>>(),
            [(2, "BJ20261120-0001"), (3, "BJ20261120-0002"), (5, "BJ20261120-0003")],
            "{label}: rows numbered as a spreadsheet shows them (blank row 4 skipped)"
        );
        assert_eq!(case_count(store).await, 3);

        let first = store.cases().get(&Scope::All, report.cases[0].id).await.unwrap();
        assert_eq!(first.title, "【12345-BJ20261120-0001】楼上装修噪音，早上7点就开始");
        assert_eq!(
            (
                first.channel.as_str(),
                first.grid_code.as_deref(),
                first.status.as_str(),
                first.lead_unit.as_ref().map(|u| u.key()).as_deref()
            ),
            ("hotline", Some(A1), "dispatched", Some("dept:1")),
            "{label}: located by its point and dispatched by the noise rule"
        );
        assert_eq!(
            (first.requester_name.as_deref(), first.phone_masked.as_deref()),
            (Some("张先生"), Some("138****5678"))
        );
        let second = store.cases().get(&Scope::All, report.cases[1].id).await.unwrap();
        assert_eq!(second.description, "垃圾桶满溢，\"三天\"没人清运\n请尽快处理", "{label}");
        assert_eq!(
            (second.category_code.as_str(), second.grid_code.as_deref(), second.status.as_str()),
            ("city.garbage", Some(A2), "received"),
            "{label}: no rule for garbage, waits for the dispatcher"
        );
        let third = store.cases().get(&Scope::All, report.cases[2].id).await.unwrap();
        assert_eq!(
            (third.category_code.as_str(), third.urgency.as_str(), third.phone_masked.as_deref()),
            ("utility.water", "emergency", None)
        );
        let events = store.cases().events(first.id).await.unwrap();
        assert_eq!(events[0].kind, "received");
        assert!(
            events[0].note.contains("工单编号 BJ20261120-0001") && events[0].note.contains("来电时间 2026-11-20 08:30"),
            "{label}: {}",
            events[0].note
        );
        assert_eq!(events[0].actor_name, "system:12345");
        let found = store
            .cases()
            .queue(&Scope::All, &QueueFilter { q: Some("装修".into()), ..Default::default() }, Page::default())
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{label}: imported text is searchable");

        // The same orders again, an hour later (past the intake dedupe window): refused whole.
        t.clock.advance(chrono::Duration::hours(1));
        let again = cases.import_hotline_csv(&user, &good).await.unwrap_err();
        let messages: Vec<String> = again.rows().iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "第 2 行【工单编号】：工单 BJ20261120-0001 已导入过，请勿重复导入",
                "第 3 行【工单编号】：工单 BJ20261120-0002 已导入过，请勿重复导入",
                "第 5 行【工单编号】：工单 BJ20261120-0003 已导入过，请勿重复导入",
            ],
            "{label}"
        );
        assert_eq!(case_count(store).await, 3, "{label}: nothing written twice");
        // From the command line (whole installation, no user).
        let cli = cases
            .import_hotline_csv_as_system(&file(&["BJ-9,2026-11-21 11:00,停车,乱停车,,,,330702002001001,,,"]))
            .await;
        assert_eq!(cli.unwrap().imported, 1, "{label}");
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

both_backends! {
    async fn any_bad_row_refuses_the_whole_file(t: TestStore) {
        let store = &t.store;
        let label = t.label;
        seed(store).await;
        let cases = service(store).await;
        let user = dispatcher(store).await;
        let bad = file(&[
            "T-1,2026-11-20 08:30,不存在的类别,噪音,小区,,,330702001008001,,,",
            "T-2,2026-11-20 08:30,噪音扰民,  ,小区,,,330702001008001,,,",
            "T-3,2026-11-20 08:30,噪音扰民,噪音,小区,abc,29.08,,,,",
            "T-4,2026-11-20 08:30,噪音扰民,噪音,小区,100.0,30.0,,,,",
            "T-5,2026-11-20 08:30,噪音扰民,噪音,小区,,,330702001008001,,12345,",
            "T-6,昨天下午,噪音扰民,噪音,小区,,,330702001008001,,,",
            "T-1,2026-11-20 08:30,噪音扰民,噪音,小区,,,330702001008001,,,",
            "T-8,2026-11-20 08:30,噪音扰民,这一行没有问题,小区,,,330702001008001,,,",
            "T-9,2026-11-20 08:30,噪音扰民,噪音,小区,,,330702002001001,,,",
            "T-10,2026-11-20 08:30,噪音扰民,噪音,小区,,,330702001099001,,,特急",
            "T-11,2030-01-01 08:00,噪音扰民,噪音,小区,119.6625,29.0875,330702001008002,,,",
        ]);
        let err = cases.import_hotline_csv(&user, &bad).await.unwrap_err();
        let messages: Vec<String> = err.rows().iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "第 2 行【诉求类别】：未知的诉求类别“不存在的类别”，请填写系统中的类别名称或代码",
                "第 3 行【诉求内容】：不能为空",
                "第 4 行【经度】：“abc”无效，应为 -180 到 180 之间的十进制度数",
                "第 5 行【经度】：坐标（100, 30）不在本平台服务的网格范围内",
                "第 6 行【联系电话】：“12345”无效：手机号应为 11 位数字并以 1 开头，或为带区号的固定电话",
                "第 7 行【来电时间】：“昨天下午”不是有效的时间，应如 2026-11-20 08:30 或 2026/11/20 8:30:00",
                "第 8 行【工单编号】：与第 2 行的工单编号 T-1 重复",
                "第 10 行：位置（330702002001001）不在您的管辖范围内",
                "第 11 行【紧急程度】：“特急”无效，应为 紧急、水电气热、一般 或 复杂",
                "第 11 行【网格编码】：网格 330702001099001 不存在",
                "第 12 行【来电时间】：“2030-01-01 08:00”晚于当前时间",
                "第 12 行【网格编码】：330702001008002 与经纬度所在的网格 330702001008001 不一致",
            ],
            "{label}"
        );
        assert!(err.to_string().starts_with("导入失败，未写入任何数据：\n第 2 行【诉求类别】"), "{label}: {err}");
        assert_eq!(case_count(store).await, 0, "{label}: nothing half-imported");

        // Whole-file problems.
        let malformed = |bytes: Vec<u8>| {
            let cases = cases.clone();
            let user = user.clone();
            async move {
                match cases.import_hotline_csv(&user, &bytes).await {
                    Err(HotlineImportError::Malformed(m)) => m,
                    other => panic!("expected a malformed file: {other:?}"),
                }
            }
        };
        // 工单编号 in GB18030 / GBK.
        let gbk = [&[0xB9u8, 0xA4, 0xB5, 0xA5, 0xB1, 0xE0, 0xBA, 0xC5][..], b",x\r\n1,2\r\n"].concat();
        assert!(malformed(gbk).await.contains("文件须为 UTF-8 编码的 CSV"), "{label}");
        let no_order = "来电时间,诉求类别,诉求内容\r\n2026-11-20 08:30,噪音扰民,噪音\r\n".as_bytes().to_vec();
        assert!(malformed(no_order).await.contains("缺少必填列：工单编号"), "{label}");
        let open_quote = file(&["T-1,2026-11-20 08:30,噪音扰民,\"没有闭合的引号,小区,,,,,,"]);
        assert!(malformed(open_quote).await.contains("引号没有闭合"), "{label}");
        assert!(malformed(file(&[])).await.contains("没有工单数据"), "{label}");
        let extra = file(&["T-1,2026-11-20 08:30,噪音扰民,噪音,小区,,,330702001008001,,,,多余"]);
        let err = cases.import_hotline_csv(&user, &extra).await.unwrap_err();
        assert_eq!(err.rows()[0].to_string(), "第 2 行：有 12 列，多于表头的 11 列", "{label}");
        assert_eq!(case_count(store).await, 0);
    }
}
