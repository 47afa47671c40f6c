//! `tongxin bench pages`: every staff and resident page of the (demo) database, in process —
//! the router `tongxin serve` runs, driven with `oneshot`, so the time is the server's alone
//! (no client, no network). For each page: the HTML, plus the stylesheets and scripts it links
//! (photos aside), and p50/p99 over `requests` requests. Staff log in through the login form
//! (the admin with the current TOTP code). Issue 4's budgets: under 100 KB of HTML+CSS+JS per
//! page, p99 under 50 ms.
//!
//! The demo street has no cases; so that queues, inboxes and case pages show what a working day
//! shows, the command first tops the street up to [`OPEN_CASES`] open cases, filed through the
//! resident report form (POST /report) as residents do.

use crate::bench::percentile;
use crate::config::Settings;
use anyhow::{Context, bail, ensure};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::time::Instant;
use tongxin_domain::kernel::access::Scope;
use tongxin_store::cases::read::{CaseView, QueueFilter};
use tongxin_store::residents::ResidentQuery;
use tongxin_store::{Page, Store};
use tongxin_web::pages::assets::{is_vendored, linked_assets};
use tongxin_web::{AppState, WebConfig};
use tower::ServiceExt;

/// Issue 4: every page under 100 KB of HTML+CSS+JS (1 KB = 1000 bytes here), p99 under 50 ms.
const BUDGET_BYTES: usize = 100_000;
const BUDGET_P99_MS: f64 = 50.0;
/// Open cases in the street before measuring: more than a queue page (20 rows).
const OPEN_CASES: i64 = 25;
const PASSWORD: &str = "Tongxin@2026";
/// The demo's accounts (crates/cli/src/demo/organisation.rs).
const ADMIN: &str = "admin";
const LEADER: &str = "leader";
const DISPATCHER: &str = "dispatcher";
const COMMUNITY: &str = "community";
const GRID_WORKER: &str = "grid1";
const DEPARTMENT: &str = "chengguan";
const PARTY: &str = "party";
const MEDIATOR: &str = "mediator";
/// 噪音 in a query string.
const NOISE_QUERY: &str = "%E5%99%AA%E9%9F%B3";

/// Cookies of one browser (paths and expiry aside: every cookie goes with every request).
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn take(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = v.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else { continue };
            let gone = value.is_empty() || v.to_ascii_lowercase().contains("max-age=0");
            self.0.retain(|(k, _)| k != name.trim());
            if !gone {
                self.0.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request through the router, with the jar's cookies; `form` is an urlencoded body.
async fn send(app: &Router, jar: &Jar, method: &str, uri: &str, form: Option<String>) -> anyhow::Result<Reply> {
    let mut req = Request::builder().method(method).uri(uri);
    if !jar.0.is_empty() {
        req = req.header(header::COOKIE, jar.header());
    }
    let body = match form {
        Some(f) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f)
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body)?).await?;
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.into_body().collect().await.map_err(|e| anyhow::anyhow!("{e}"))?.to_bytes().to_vec();
    Ok(Reply { status, headers, body })
}

/// The value of the hidden `_csrf` field of a page's form.
fn csrf_field(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

/// Milliseconds, with a third decimal below 0.1 ms (a page served from memory).
fn ms(t: f64) -> String {
    if t < 0.1 { format!("{t:.3} ms") } else { format!("{t:.2} ms") }
}

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two).
fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if (c as u32) < 0x2E80 { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// A signed-in (or anonymous) browser of one role.
struct Browser {
    role: String,
    jar: Jar,
}

/// Logs `username` in through GET and POST /login, as a browser does.
async fn log_in(app: &Router, store: &Store, username: &str) -> anyhow::Result<Browser> {
    let creds = store
        .accounts()
        .credentials(username)
        .await
        .with_context(|| format!("演示账号 {username} 不存在，请先运行 demo"))?;
    let mut jar = Jar::default();
    let page = send(app, &jar, "GET", "/login", None).await?;
    ensure!(page.status == StatusCode::OK, "GET /login 返回 {}", page.status);
    jar.take(&page.headers);
    let csrf = csrf_field(&page.text()).context("登录页没有 _csrf 字段")?;
    let totp = match &creds.totp_secret {
        // The code of the current 30-second step, as `tongxin user totp-code` prints it; a step
        // already used (a run a moment ago) is refused, so then the next one (accepted too).
        Some(secret) => {
            let now = store.now().timestamp();
            let used = creds.totp_last_step.is_some_and(|s| s >= tongxin_domain::accounts::totp::step_at(now));
            tongxin_domain::accounts::totp::code_at(secret, if used { now + 30 } else { now })
        }
        None => String::new(),
    };
    let form = serde_urlencoded::to_string([
        ("_csrf", csrf.as_str()),
        ("next", ""),
        ("username", username),
        ("password", PASSWORD),
        ("totp_code", totp.as_str()),
    ])?;
    let r = send(app, &jar, "POST", "/login", Some(form)).await?;
    jar.take(&r.headers);
    if r.status != StatusCode::SEE_OTHER || !jar.has(tongxin_web::auth::SESSION_COOKIE) {
        let html = r.text();
        let why = html.split("role=\"alert\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or("");
        bail!("{username} 登录失败（{}）{why}", r.status);
    }
    Ok(Browser { role: creds.user.role.label().to_string(), jar })
}

/// A resident's report through the report form (`GET /report?b=…`, then `POST /report`).
async fn file_report(
    app: &Router,
    resident: &mut Browser,
    building: &str,
    category: &str,
    description: &str,
    phone: &str,
) -> anyhow::Result<()> {
    let uri = format!("/report?b={building}");
    let form = send(app, &resident.jar, "GET", &uri, None).await?;
    ensure!(form.status == StatusCode::OK, "GET {uri} 返回 {}", form.status);
    resident.jar.take(&form.headers);
    let csrf = csrf_field(&form.text()).context("反映表单没有 _csrf 字段")?;
    let body = serde_urlencoded::to_string([
        ("_csrf", csrf.as_str()),
        ("category", category),
        ("description", description),
        ("building", building),
        ("address", ""),
        ("name", ""),
        ("phone", phone),
    ])?;
    let r = send(app, &resident.jar, "POST", "/report", Some(body)).await?;
    let to = r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    ensure!(
        r.status == StatusCode::SEE_OTHER && to.starts_with("/report/done"),
        "提交诉求失败（{}）：{}",
        r.status,
        r.text().chars().take(300).collect::<String>()
    );
    Ok(())
}

fn region_of(scope: &Scope, who: &str) -> anyhow::Result<String> {
    match scope {
        Scope::Region { code } => Ok(code.to_string()),
        _ => bail!("账号 {who} 的管辖范围不是区域"),
    }
}

/// The first open case of `scope` in `street`, if any.
async fn open_case_in(store: &Store, scope: &Scope, street: &str) -> anyhow::Result<Option<CaseView>> {
    let filter = QueueFilter { open_only: true, ..Default::default() };
    let page = store.cases().queue(scope, &filter, Page::new(Some(1), Some(100))).await?;
    Ok(page.items.into_iter().find(|c| c.street_code == street))
}

struct Measured {
    path: String,
    role: String,
    html: usize,
    total: usize,
    p50: f64,
    p99: f64,
}

pub async fn pages(store: &Store, settings: &Settings, requests: usize) -> anyhow::Result<()> {
    ensure!(requests > 0, "--requests 至少为 1");
    // The router of `tongxin serve`, with its settings; anonymous reports come from no address
    // here (in process), so the per-address limit would count all of them as one visitor.
    let config = WebConfig {
        cookie_secure: settings.server.cookie_secure,
        session_ttl: chrono::Duration::hours(settings.server.session_hours),
        reports_per_ip_per_hour: settings.server.reports_per_ip_per_hour.max(1_000),
        reports_per_phone_per_hour: settings.server.reports_per_phone_per_hour,
        ..WebConfig::default()
    };
    let app = tongxin_web::app(AppState::new(store.clone(), config).await?);

    // Real ids from the database: the dispatcher's street, the grid worker's grid, a building
    // and a resident there.
    let street = region_of(
        &store.accounts().credentials(DISPATCHER).await.context("没有演示账号，请先运行 demo")?.user.scope,
        DISPATCHER,
    )?;
    let grid = region_of(&store.accounts().credentials(GRID_WORKER).await?.user.scope, GRID_WORKER)?;
    let department = store.accounts().credentials(DEPARTMENT).await?.user.scope;
    let buildings = store.places().qr_sheet(&Scope::All, &grid, Page::new(Some(1), Some(100))).await?.items;
    ensure!(!buildings.is_empty(), "网格 {grid} 没有楼栋");
    let grid_scope = Scope::Region { code: tongxin_domain::kernel::region::RegionCode::parse(&grid)? };
    let resident = store
        .residents()
        .search(&grid_scope, &ResidentQuery::default(), Page::new(Some(1), Some(1)))
        .await?
        .items
        .into_iter()
        .next()
        .with_context(|| format!("网格 {grid} 没有居民"))?;
    let street_scope = Scope::Region { code: tongxin_domain::kernel::region::RegionCode::parse(&street)? };

    // Cases: top the street up through the resident form; noise goes to the 城管 squad at once,
    // property matters wait for the dispatcher.
    let categories = tongxin_domain::case::default_categories();
    let code_of = |name: &str| categories.iter().find(|c| c.name == name).map(|c| c.code.clone());
    let noise = code_of("噪音扰民").context("分类中没有噪音扰民")?;
    let property = code_of("物业服务").context("分类中没有物业服务")?;
    let mut resident_browser = Browser { role: "居民".into(), jar: Jar::default() };
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let filter = QueueFilter { open_only: true, ..Default::default() };
    let open = store.cases().queue(&street_scope, &filter, Page::new(Some(1), Some(1))).await?.total;
    let mut filed = 0;
    for i in 0..(OPEN_CASES - open).max(0) as usize {
        let (category, text) = if i % 2 == 0 {
            (&noise, format!("楼下商铺晚上十点后噪音扰民，音响声很大（测量用 {run}-{i}）"))
        } else {
            (&property, format!("小区电梯经常停运，物业迟迟不来维修（测量用 {run}-{i}）"))
        };
        let building = &buildings[i % buildings.len()].qr_token;
        file_report(&app, &mut resident_browser, building, category, &text, &format!("1390000{:04}", i % 10_000))
            .await?;
        filed += 1;
    }
    if open_case_in(store, &department, &street).await?.is_none() {
        let text = format!("广场舞音响噪音扰民（测量用 {run}）");
        file_report(&app, &mut resident_browser, &buildings[0].qr_token, &noise, &text, "13900009999").await?;
        filed += 1;
    }
    let case = open_case_in(store, &department, &street)
        .await?
        .with_context(|| format!("城管执法中队在街道 {street} 没有办理中的诉求（派单规则？）"))?;
    let token = store.pii().follow_token(&case.code);
    let follow = serde_urlencoded::to_string([("c", case.code.as_str()), ("t", token.as_str())])?;
    let track = format!("/track/{}?{}", case.code, serde_urlencoded::to_string([("t", token.as_str())])?);

    println!(
        "pages: 数据库 {}，进程内测量服务器时间（不含网络），每页 {requests} 次请求{}",
        store.db.backend().name(),
        if filed > 0 { format!("；先经居民反映表单提交诉求 {filed} 件") } else { String::new() }
    );

    // Who opens which page.
    let mut browsers = vec![resident_browser];
    for who in [DISPATCHER, COMMUNITY, DEPARTMENT, GRID_WORKER, LEADER, ADMIN, PARTY, MEDIATOR] {
        browsers.push(log_in(&app, store, who).await?);
    }
    let case_page = format!("/cases/{}", case.id);
    // The mediator searches by a surname (a full name would be printed with the path).
    let surname: String = resident.name.chars().take(1).collect();
    let surname_search = serde_urlencoded::to_string([("q", surname.as_str())])?;
    // The party secretary's community's largest organisation (its members page is the longest).
    let party_scope = store.accounts().credentials(PARTY).await?.user.scope;
    let party_org = store
        .party()
        .orgs(&party_scope, None)
        .await?
        .into_iter()
        .max_by_key(|o| o.members)
        .context("演示库中没有党组织")?;
    let plan: Vec<(usize, Vec<String>)> = vec![
        (
            0,
            vec![
                "/report".into(),
                format!("/report?b={}", buildings[0].qr_token),
                format!("/report/done?{follow}"),
                track.clone(),
                "/login".into(),
            ],
        ),
        (
            1,
            vec![
                "/".into(),
                "/cases".into(),
                format!("/cases?q={NOISE_QUERY}"),
                case_page.clone(),
                "/map".into(),
                format!("/grids/{grid}/qr"),
                "/dashboard".into(),
                "/password".into(),
            ],
        ),
        (2, vec!["/cases".into(), "/map".into()]),
        (3, vec!["/inbox".into(), case_page.clone()]),
        (
            4,
            vec![
                "/grid".into(),
                "/grid/patrol".into(),
                "/grid/households".into(),
                format!("/grid/residents/{}", resident.id),
                "/grid/visits".into(),
            ],
        ),
        (5, vec!["/dashboard".into(), "/cases".into()]),
        (
            6,
            vec![
                "/admin/regions".into(),
                "/admin/categories".into(),
                "/admin/deadlines".into(),
                "/admin/users".into(),
                "/admin/imports".into(),
                "/admin/evaluation".into(),
            ],
        ),
        (7, vec!["/party".into(), format!("/party/orgs/{}", party_org.id)]),
        (8, vec!["/grid/households".into(), format!("/grid/households?{surname_search}")]),
    ];

    let mut assets: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::new();
    println!("{}{}{:>10} {:>14} {:>10} {:>10}", pad("页面", 40), pad("角色", 18), "HTML", "HTML+CSS+JS", "p50", "p99");
    for (who, paths) in plan {
        for path in paths {
            let browser = &mut browsers[who];
            // Tokens stay off the screen: the follow link's and the building QR code's.
            let shown = path.replace(&token, "…").replace(&buildings[0].qr_token, "…");
            // The first request: status, weight, and the cookies a browser would keep.
            let first = send(&app, &browser.jar, "GET", &path, None).await?;
            ensure!(first.status == StatusCode::OK, "{shown}（{}）返回 {}，应为 200", browser.role, first.status);
            browser.jar.take(&first.headers);
            let html = first.body.len();
            let mut total = html;
            // The vendored map library is outside the budget (issue 11), as are photos.
            for url in linked_assets(&first.text()).into_iter().filter(|u| !is_vendored(u)) {
                let size = match assets.get(&url) {
                    Some(n) => *n,
                    None => {
                        let r = send(&app, &Jar::default(), "GET", &url, None).await?;
                        ensure!(r.status == StatusCode::OK, "{shown} 引用的 {url} 返回 {}", r.status);
                        assets.insert(url.clone(), r.body.len());
                        r.body.len()
                    }
                };
                total += size;
            }
            let mut times = Vec::with_capacity(requests);
            for _ in 0..requests {
                let started = Instant::now();
                let r = send(&app, &browser.jar, "GET", &path, None).await?;
                times.push(started.elapsed().as_secs_f64() * 1e3);
                ensure!(r.status == StatusCode::OK, "{shown}（{}）返回 {}，应为 200", browser.role, r.status);
            }
            times.sort_by(f64::total_cmp);
            let m = Measured {
                path: shown,
                role: browser.role.clone(),
                html,
                total,
                p50: percentile(&times, 0.5),
                p99: percentile(&times, 0.99),
            };
            println!(
                "{}{}{:>10} {:>14} {:>10} {:>10}",
                pad(&m.path, 40),
                pad(&m.role, 18),
                kb(m.html),
                kb(m.total),
                ms(m.p50),
                ms(m.p99)
            );
            results.push(m);
        }
    }

    let slowest = results.iter().max_by(|a, b| a.p99.total_cmp(&b.p99)).expect("pages were measured");
    let heaviest = results.iter().max_by_key(|m| m.total).expect("pages were measured");
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    println!(
        "pages: 共 {} 个页面；最慢 p99 {}（{}）{}；最重 {}（{}）{}",
        results.len(),
        slowest.path,
        slowest.role,
        ms(slowest.p99),
        heaviest.path,
        heaviest.role,
        kb(heaviest.total)
    );
    println!(
        "pages: 预算 每页 HTML+CSS+JS < {} {}；服务器时间 p99 < {BUDGET_P99_MS:.0} ms {}",
        kb(BUDGET_BYTES),
        mark(heaviest.total < BUDGET_BYTES),
        mark(slowest.p99 < BUDGET_P99_MS)
    );
    Ok(())
}
