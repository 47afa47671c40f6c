//! `tongxin bench …`: the measurements the README quotes. Not run in CI.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;
use tongxin::bench_support::{http_client, post_report, report_body};
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::region::{RegionCode, RegionLevel};
use tongxin_domain::places::{GridLocator, LngLat, synthetic_grid_lattice};
use tongxin_store::cases::read::QueueFilter;
use tongxin_store::residents::ResidentQuery;
use tongxin_store::{Page, Store};

/// Lookups per second on one thread over a lattice of `grids` polygons (~14 vertices each).
pub fn locate(grids: usize, lookups: usize) {
    let side = (grids as f64).sqrt().ceil() as usize;
    let origin = LngLat { x: 119.40, y: 29.30 };
    let started = Instant::now();
    let polygons = synthetic_grid_lattice(origin, side, side, 250.0, 7);
    let n = polygons.len();
    let locator = GridLocator::new(polygons.into_iter().enumerate().collect());
    let built = started.elapsed();
    // Points over the lattice's bounding box (a little beyond, so some miss).
    let (lng_span, lat_span) = (side as f64 * 250.0 / 97_000.0, side as f64 * 250.0 / 110_574.0);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let points: Vec<LngLat> = (0..lookups.min(1_000_000))
        .map(|_| LngLat {
            x: origin.x + rng.random::<f64>() * lng_span * 1.05,
            y: origin.y - rng.random::<f64>() * lat_span * 1.05,
        })
        .collect();
    let started = Instant::now();
    let mut hits = 0usize;
    for i in 0..lookups {
        if locator.locate(points[i % points.len()]).is_some() {
            hits += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("locate: {n} 个网格多边形，索引构建 {:.1} ms", built.as_secs_f64() * 1e3);
    println!(
        "locate: {lookups} 次查询用时 {secs:.3} s，单核 {:.0} 次/秒（命中 {:.1}%）",
        lookups as f64 / secs,
        hits as f64 * 100.0 / lookups as f64
    );
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Resident searches as users make them, within a scope; prints latency percentiles.
pub async fn search(store: &Store, requests: usize, scope: Option<&str>) -> anyhow::Result<()> {
    let residents = store.residents().count().await?;
    let scopes: Vec<(String, Scope)> = match scope {
        Some("all") => vec![("全部".into(), Scope::All)],
        Some(code) => vec![(code.to_string(), Scope::Region { code: RegionCode::parse(code)? })],
        None => {
            let regions = store.regions().in_scope(&Scope::All, false).await?;
            let pick = |level: RegionLevel| regions.iter().find(|r| r.level == level.as_str()).map(|r| r.code.clone());
            let mut v = vec![("全部（区）".to_string(), Scope::All)];
            for level in [RegionLevel::Street, RegionLevel::Community] {
                if let Some(code) = pick(level) {
                    v.push((format!("{}{code}", level.label()), Scope::Region { code: RegionCode::parse(&code)? }));
                }
            }
            v
        }
    };
    println!("search: 数据库 {}，居民 {residents} 人，每个范围 {requests} 次查询", store.db.backend().name());
    for (label, scope) in scopes {
        let sample =
            store.residents().search(&scope, &ResidentQuery::default(), Page::new(Some(1), Some(200))).await?.items;
        if sample.is_empty() {
            println!("search: 范围 {label} 内没有居民，跳过");
            continue;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let r = &sample[(rng.random::<u64>() % sample.len() as u64) as usize];
            let q = match rng.random::<u64>() % 10 {
                0..=3 => ResidentQuery { q: r.name.chars().take(1).collect(), ..Default::default() },
                4..=6 => ResidentQuery { q: r.name.clone(), ..Default::default() },
                7 | 8 => ResidentQuery {
                    q: r.id_masked.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect(),
                    ..Default::default()
                },
                _ => ResidentQuery { tag: Some("独居老人".into()), ..Default::default() },
            };
            let started = Instant::now();
            let page = store.residents().search(&scope, &q, Page::default()).await?;
            times.push(started.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(page);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "search: 范围 {label}: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, 最大 {:.2} ms",
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );
    }
    Ok(())
}

/// Resident reports through the HTTP API at full speed from `concurrency` connections:
/// every step runs (validate, locate, route, deadline, batch-write case + event + audit +
/// outbox + counters + search words). Points come from the served database's buildings.
pub async fn intake(store: &Store, url: &str, requests: usize, concurrency: usize) -> anyhow::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let points: Vec<(f64, f64)> =
        store.places().building_points().await?.into_iter().map(|(_, lng, lat)| (lng, lat)).collect();
    anyhow::ensure!(!points.is_empty(), "数据库中没有楼栋，请先运行 demo");
    let points = Arc::new(points);
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let client = http_client();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, next, points, url) = (client.clone(), next.clone(), points.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let t = Instant::now();
                match post_report(&client, &url, report_body(run, i, points[i % points.len()])).await {
                    Ok((201, _)) => latencies.push(t.elapsed().as_secs_f64() * 1e3),
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut failures = 0;
    for t in tasks {
        let (l, f) = t.await?;
        latencies.extend(l);
        failures += f;
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    anyhow::ensure!(!latencies.is_empty(), "没有成功的请求（服务器是否在 {url} 运行？报告频率限制是否已放开？）");
    println!(
        "intake: {} 个请求（{} 并发），201 成功 {} 个、失败 {failures} 个，用时 {secs:.2} s，{:.0} 件/秒；延迟 p50 {:.1} ms，p99 {:.1} ms",
        requests,
        concurrency,
        latencies.len(),
        latencies.len() as f64 / secs,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    Ok(())
}

/// Tops the database up to `cases` synthetic cases (with their counters) over `days` days.
async fn ensure_cases(store: &Store, cases: u64, days: i64) -> anyhow::Result<()> {
    let have = store.cases().count().await? as u64;
    if have >= cases {
        println!("已有诉求 {have} 件，不再生成");
        return Ok(());
    }
    let grids: Vec<(String, String)> = store
        .regions()
        .shapes("", "grid")
        .await?
        .into_iter()
        .map(|g| {
            let street = g.code[..9].to_string();
            (g.code, street)
        })
        .collect();
    anyhow::ensure!(!grids.is_empty(), "数据库中没有网格，请先运行 demo");
    let units: Vec<String> =
        store.departments().list(&Scope::All).await?.into_iter().map(|d| format!("dept:{}", d.id)).collect();
    tongxin_app::cases::config::seed_categories(store).await?;
    let categories: Vec<String> =
        store.categories().list().await?.into_iter().filter(|c| c.parent_code.is_some()).map(|c| c.code).collect();
    let spec = tongxin_store::cases::synthetic::SyntheticSpec {
        count: cases - have,
        grids,
        units,
        categories,
        until: store.now(),
        days,
        open_share: 0.1,
        seed: 2026,
    };
    let started = Instant::now();
    let mut last = Instant::now();
    let mut progress = |n: u64| {
        if last.elapsed().as_secs() >= 10 {
            eprintln!("  已生成 {n}/{}（{:.0} 件/秒）", spec.count, n as f64 / started.elapsed().as_secs_f64());
            last = Instant::now();
        }
    };
    let n = store.cases().seed_synthetic(&spec, &mut progress).await?;
    println!("生成合成诉求 {n} 件，用时 {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Every filter combination of the queue (status, category, overdue, grid, channel, date range,
/// keyword — alone and combined) in every scope (street, community, grid, department): first
/// pages with `cases` cases in the database; a table of p50/p99 and CPU per page.
pub async fn queue(store: &Store, cases: u64, requests: usize, search: bool, per_page: u32) -> anyhow::Result<()> {
    ensure_cases(store, cases, 365).await?;
    if requests == 0 {
        // Only the top-up (a load started ahead of the measurements).
        return Ok(());
    }
    if search {
        return keyword_search(store, requests).await;
    }
    let backend = store.db.backend().name();
    let have = store.cases().count().await?;
    let scopes = queue_scopes(store).await?;
    let combos = queue_combos(store).await?;
    let what = CpuMeter::new(store).await?.what();
    println!(
        "queue: 数据库 {backend}，诉求 {have} 件；每个组合 × 范围 {requests} 次首页查询（每页 {per_page} 条）；\
         CPU = {}",
        what
    );
    println!();
    println!("| 组合 | 范围 | 总数 | p50 ms | p99 ms | CPU ms/页 |");
    println!("|---|---|---|---|---|---|");
    let mut worst: (f64, String) = (0.0, String::new());
    for (label, filter) in &combos {
        for (scope_label, scope) in &scopes {
            let mut times = Vec::with_capacity(requests);
            // One page first: the connection is open and the pages it reads are in memory.
            let page = store.cases().queue(scope, filter, Page::new(Some(1), Some(per_page))).await?;
            let mut total = if page.total_capped { format!("{}+", page.total) } else { page.total.to_string() };
            let cpu = CpuMeter::new(store).await?;
            let before = cpu.read();
            for _ in 0..requests {
                let t = Instant::now();
                let page = store.cases().queue(scope, filter, Page::new(Some(1), Some(per_page))).await?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
                total = if page.total_capped { format!("{}+", page.total) } else { page.total.to_string() };
            }
            let cpu_ms = (cpu.read() - before) * 1e3 / requests as f64;
            times.sort_by(f64::total_cmp);
            let p99 = percentile(&times, 0.99);
            if p99 > worst.0 {
                worst = (p99, format!("{label} / {scope_label}"));
            }
            println!("| {label} | {scope_label} | {total} | {:.2} | {p99:.2} | {cpu_ms:.2} |", percentile(&times, 0.5));
        }
    }
    println!();
    println!("queue: {backend}，{have} 件，最慢 p99 {:.2} ms（{}）", worst.0, worst.1);
    Ok(())
}

/// The scopes staff read the queue in: the first street's dispatch centre, a community, a grid
/// and the department leading the most cases.
async fn queue_scopes(store: &Store) -> anyhow::Result<Vec<(String, Scope)>> {
    let regions = store.regions().in_scope(&Scope::All, true).await?;
    let first = |level: RegionLevel| regions.iter().find(|r| r.level == level.as_str()).map(|r| r.code.clone());
    let mut scopes = Vec::new();
    for (label, level) in [("街道", RegionLevel::Street), ("社区", RegionLevel::Community), ("网格", RegionLevel::Grid)]
    {
        if let Some(code) = first(level) {
            scopes.push((label.to_string(), Scope::Region { code: RegionCode::parse(&code)? }));
        }
    }
    let street = first(RegionLevel::Street).ok_or_else(|| anyhow::anyhow!("没有街道"))?;
    if let Some(d) = store.departments().list(&Scope::All).await?.into_iter().next() {
        scopes.push(("部门".to_string(), Scope::Department { id: d.id, street: RegionCode::parse(&street)? }));
    }
    Ok(scopes)
}

/// The filter combinations of `/cases`: each filter alone, with the open/all/status choice, and
/// in pairs and threes; the most and least frequent category.
async fn queue_combos(store: &Store) -> anyhow::Result<Vec<(String, QueueFilter)>> {
    let categories: Vec<String> =
        store.categories().list().await?.into_iter().filter(|c| c.parent_code.is_some()).map(|c| c.code).collect();
    let common = categories.first().cloned().ok_or_else(|| anyhow::anyhow!("没有类别"))?;
    let rare = categories.last().cloned().unwrap_or_else(|| common.clone());
    let regions = store.regions().in_scope(&Scope::All, true).await?;
    let grid = regions.iter().find(|r| r.level == "grid").map(|r| r.code.clone());
    let now = store.now();
    let days = |n: i64| Some(now - chrono::Duration::days(n));
    let open = QueueFilter { open_only: true, ..Default::default() };
    let all = QueueFilter::default();
    let cat = |c: &str| Some(c.to_string());
    let text = |s: &str| Some(s.to_string());
    Ok(vec![
        ("待办".into(), open.clone()),
        ("全部".into(), all.clone()),
        ("状态=已签收".into(), QueueFilter { status: text("acknowledged"), ..all.clone() }),
        ("状态=已合并".into(), QueueFilter { status: text("merged"), ..all.clone() }),
        (format!("待办+类别 {common}"), QueueFilter { category: cat(&common), ..open.clone() }),
        (format!("待办+类别 {rare}"), QueueFilter { category: cat(&rare), ..open.clone() }),
        (format!("全部+类别 {rare}"), QueueFilter { category: cat(&rare), ..all.clone() }),
        ("待办+超期".into(), QueueFilter { overdue: Some(true), ..open.clone() }),
        ("待办+未超期".into(), QueueFilter { overdue: Some(false), ..open.clone() }),
        ("全部+超期".into(), QueueFilter { overdue: Some(true), ..all.clone() }),
        ("待办+渠道 patrol".into(), QueueFilter { channel: text("patrol"), ..open.clone() }),
        ("全部+渠道 open311".into(), QueueFilter { channel: text("open311"), ..all.clone() }),
        ("待办+网格".into(), QueueFilter { grid: grid.clone(), ..open.clone() }),
        ("待办+近 7 天".into(), QueueFilter { created_from: days(7), ..open.clone() }),
        ("全部+近 30 天".into(), QueueFilter { created_from: days(30), ..all.clone() }),
        ("全部+去年一月".into(), QueueFilter { created_from: days(330), created_to: days(300), ..all.clone() }),
        ("待办+关键词 噪音".into(), QueueFilter { q: text("噪音"), ..open.clone() }),
        ("全部+关键词 楼上 漏水".into(), QueueFilter { q: text("楼上 漏水"), ..all.clone() }),
        (
            format!("待办+类别 {common}+超期"),
            QueueFilter { category: cat(&common), overdue: Some(true), ..open.clone() },
        ),
        (
            format!("待办+类别 {common}+渠道 web"),
            QueueFilter { category: cat(&common), channel: text("web"), ..open.clone() },
        ),
        (
            format!("状态=已签收+类别 {rare}"),
            QueueFilter { status: text("acknowledged"), category: cat(&rare), ..all.clone() },
        ),
        (
            "状态=已评价+渠道 patrol+超期".into(),
            QueueFilter { status: text("rated"), channel: text("patrol"), overdue: Some(true), ..all.clone() },
        ),
        (
            "待办+渠道 hotline+未超期".into(),
            QueueFilter { channel: text("hotline"), overdue: Some(false), ..open.clone() },
        ),
        (
            format!("待办+近 30 天+类别 {common}+超期"),
            QueueFilter { created_from: days(30), category: cat(&common), overdue: Some(true), ..open.clone() },
        ),
        (format!("待办+网格+类别 {common}"), QueueFilter { grid, category: cat(&common), ..open.clone() }),
        (format!("全部+类别 {common}+关键词 噪音"), QueueFilter { category: cat(&common), q: text("噪音"), ..all }),
    ])
}

/// CPU seconds spent on queries: this process's (SQLite runs inside it), plus, on PostgreSQL,
/// the server processes serving this database (read from `/proc`, Linux).
struct CpuMeter {
    server_pids: Vec<i64>,
}

impl CpuMeter {
    async fn new(store: &Store) -> anyhow::Result<CpuMeter> {
        let server_pids = store.db.server_pids().await?;
        Ok(CpuMeter { server_pids })
    }

    fn what(&self) -> String {
        if self.server_pids.is_empty() {
            "本进程（含 SQLite）的 CPU 时间".into()
        } else {
            format!("本进程 + PostgreSQL 服务进程（{} 个连接）的 CPU 时间", self.server_pids.len())
        }
    }

    /// CPU seconds so far.
    fn read(&self) -> f64 {
        let ticks = |pid: &str| -> f64 {
            // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): utime, stime.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let get = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            get(11) + get(12)
        };
        let mut total = ticks("self");
        for pid in &self.server_pids {
            total += ticks(&pid.to_string());
        }
        // Linux counts in USER_HZ (100 per second).
        total / 100.0
    }
}

/// Monthly 三率 for every unit of the database (departments, streets, communities, grids) with
/// `cases` cases in the current month.
pub async fn rates(store: &Store, cases: u64) -> anyhow::Result<()> {
    use tongxin_app::evaluation::{Level, monthly};
    let days = tongxin_domain::kernel::clock::shanghai(store.now()).format("%d").to_string().parse::<i64>()? - 1;
    ensure_cases(store, cases, days.max(1)).await?;
    let month = tongxin_store::cases::synthetic::month(store.now());
    let weights = tongxin_domain::case::Weights::default();
    let started = Instant::now();
    let mut units = 0;
    for level in [Level::Department, Level::Street, Level::Community, Level::Grid] {
        let t = Instant::now();
        let ranked = monthly(store, &Scope::All, &month, level, &weights).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        units += ranked.len();
        println!(
            "rates: {month} {}：{} 个单位，{:.0} ms",
            level.label(),
            ranked.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    println!(
        "rates: 全部 {units} 个单位的月度三率与排名共 {:.0} ms（{}）",
        started.elapsed().as_secs_f64() * 1e3,
        store.db.backend().name()
    );
    Ok(())
}

/// Chinese keyword search over all cases of the street (the dispatcher's search box), with the
/// queue's default filter off: every status.
async fn keyword_search(store: &Store, requests: usize) -> anyhow::Result<()> {
    let regions = store.regions().in_scope(&Scope::All, false).await?;
    let street = regions
        .iter()
        .find(|r| r.level == "street")
        .map(|r| r.code.clone())
        .ok_or_else(|| anyhow::anyhow!("没有街道"))?;
    let scope = Scope::Region { code: RegionCode::parse(&street)? };
    let queries = ["噪音", "漏水", "噪音 扰民", "停车 占道", "垃圾 清运", "电梯 故障", "油烟", "楼上 漏水"];
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests {
        let q = queries[rng.random_range(0..queries.len())];
        let filter = QueueFilter { q: Some(q.into()), ..Default::default() };
        let t = Instant::now();
        std::hint::black_box(store.cases().queue(&scope, &filter, Page::default()).await?);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "search: 关键词检索（{}，{} 次）: p50 {:.1} ms, p99 {:.1} ms, 最大 {:.1} ms",
        store.db.backend().name(),
        requests,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
    Ok(())
}
