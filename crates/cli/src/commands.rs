//! What each subcommand does.

use crate::config::{self, Settings};
use crate::{BenchCommand, Command, DemoScale, Kind, Open311Command, UserCommand, bench, demo};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::sync::Arc;
use tongxin_app::accounts::password::{self, HashCost};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::clock::SystemClock;
use tongxin_store::{Actor, Db, Store};
use tongxin_web::{AppState, WebConfig};

const DEMO_DATABASE: &str = "sqlite://tongxin-demo.db";

pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    config::protect_sqlite_file(&settings.database.url)?;
    let db = Db::connect(&settings.database.url)
        .await
        .with_context(|| format!("无法连接数据库 {}", config::redact_url(&settings.database.url)))?;
    let applied = db.migrate().await?;
    if applied > 0 {
        tracing::info!(applied, backend = db.backend().name(), "database migrated");
    }
    let key = crate::backup::load_key(&db, &settings.security).await?;
    let store = Store::new(db, key, Arc::new(SystemClock));
    crate::backup::check_key(&store, &settings.security).await?;
    // Once per database indexed before cases carried their area words.
    let mut last_shown = 0;
    let rebuilt = store
        .cases()
        .rebuild_search_index(&mut |done, total| {
            if done - last_shown >= 100_000 || done == total {
                last_shown = done;
                eprintln!("  重建检索索引 {done}/{total}");
            }
        })
        .await?;
    if rebuilt > 0 {
        tracing::info!(cases = rebuilt, "search index rebuilt with area words");
    }
    Ok(store)
}

/// A URL without its password, for messages.
pub async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { bind } => {
            let store = open_store(&settings).await?;
            serve(store, &settings, bind.unwrap_or_else(|| settings.server.bind.clone())).await
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database.url).await?;
            let n = db.migrate().await?;
            println!("{}：已应用 {n} 个迁移", db.backend().name());
            Ok(())
        }
        Command::Demo { seed, scale, bind, reset, no_serve } => {
            if settings.database.url == Settings::default().database.url {
                settings.database.url = DEMO_DATABASE.into();
            }
            if reset {
                remove_sqlite_files(&settings.database.url)?;
            }
            let store = open_store(&settings).await?;
            run_demo(&store, seed, scale, &settings.database.url).await?;
            if no_serve {
                // Closing checkpoints SQLite's WAL, so the database file alone holds the demo.
                store.db.close().await;
                Ok(())
            } else {
                serve(store, &settings, bind.unwrap_or_else(|| settings.server.bind.clone())).await
            }
        }
        Command::Import { kind, file } => {
            let store = open_store(&settings).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let actor = Actor::system("import");
            let report: Result<String, String> = match kind {
                Kind::Grids => tongxin_exchange::import_grids(&store, &actor, &Scope::All, &bytes)
                    .await
                    .map(|r| format!("已导入网格：新建 {} 个，更新 {} 个", r.created, r.updated))
                    .map_err(|e| e.to_string()),
                Kind::Residents => tongxin_exchange::import_residents(&store, &actor, &Scope::All, &bytes)
                    .await
                    .map(|r| {
                        format!(
                            "已导入居民 {} 人，新建户 {} 户（文件 SHA-256 {}）",
                            r.residents, r.households_created, r.sha256
                        )
                    })
                    .map_err(|e| e.to_string()),
                Kind::Cases => {
                    let locator = std::sync::Arc::new(tongxin_app::locator::LocatorCache::load(&store).await?);
                    let cases = tongxin_app::cases::CaseService::start(store.clone(), locator).await?;
                    cases
                        .import_hotline_csv_as_system(&bytes)
                        .await
                        .map(|r| format!("已导入 12345 工单 {} 件，其中自动派遣 {} 件", r.imported, r.auto_dispatched))
                        .map_err(|e| e.to_string())
                }
            };
            match report {
                Ok(summary) => {
                    println!("{summary}");
                    Ok(())
                }
                Err(e) => bail!("{e}"),
            }
        }
        Command::Export { kind, out, unmasked } => {
            let store = open_store(&settings).await?;
            let actor = Actor::system("export");
            match kind {
                Kind::Grids => {
                    let text = tongxin_exchange::export_grids(&store, &Scope::All, None).await?;
                    match out {
                        Some(path) => {
                            std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?
                        }
                        None => println!("{text}"),
                    }
                }
                Kind::Cases => bail!("诉求不支持导出；考评排名请用 GET /api/v1/evaluation/export"),
                Kind::Residents => {
                    let bytes = tongxin_exchange::export_residents(&store, &Scope::All, &actor, unmasked).await?;
                    let path = out.unwrap_or_else(|| "residents.xlsx".into());
                    std::fs::write(&path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
                    eprintln!(
                        "已导出到 {}{}",
                        path.display(),
                        if unmasked { "（含完整身份证号和手机号，已记入审计日志）" } else { "" }
                    );
                }
            }
            Ok(())
        }
        Command::Audit { command } => crate::backup::audit(command, &settings).await,
        Command::Backup { file } => crate::backup::backup(&settings, &file).await,
        Command::Restore { file, replace } => crate::backup::restore(&settings, &file, replace).await,
        Command::User { command } => user(command, &settings).await,
        Command::Open311 { command } => open311(command, &settings).await,
        Command::Bench { command } => match command {
            BenchCommand::Locate { grids, lookups } => {
                bench::locate(grids, lookups);
                Ok(())
            }
            BenchCommand::Intake { url, requests, concurrency } => {
                let store = open_store(&settings).await?;
                bench::intake(&store, &url, requests, concurrency).await
            }
            BenchCommand::Queue { cases, requests, search, per_page } => {
                bench::queue(&open_store(&settings).await?, cases, requests, search, per_page).await
            }
            BenchCommand::Rates { cases } => bench::rates(&open_store(&settings).await?, cases).await,
            BenchCommand::Pages { requests } => {
                crate::bench_pages::pages(&open_store(&settings).await?, &settings, requests).await
            }
            BenchCommand::Room { rooms, seconds, interval_ms } => {
                crate::bench_room::room(&open_store(&settings).await?, rooms, seconds, interval_ms).await
            }
            BenchCommand::Search { requests, scope } => {
                let store = open_store(&settings).await?;
                bench::search(&store, requests, scope.as_deref()).await
            }
        },
    }
}

fn remove_sqlite_files(url: &str) -> anyhow::Result<()> {
    if url.starts_with("postgres") {
        bail!("--reset 只用于 SQLite 演示库；PostgreSQL 请手动清空数据库");
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        if std::path::Path::new(&p).exists() {
            std::fs::remove_file(&p).with_context(|| format!("无法删除 {p}"))?;
        }
    }
    Ok(())
}

async fn run_demo(store: &Store, seed: u64, scale: DemoScale, database_url: &str) -> anyhow::Result<()> {
    let already = store.regions().count_by_level().await?.iter().map(|(_, n)| n).sum::<i64>();
    let started = std::time::Instant::now();
    let options = demo::DemoOptions {
        seed,
        scale: match scale {
            DemoScale::Street => demo::Scale::Street,
            DemoScale::District => demo::Scale::District,
            DemoScale::Tiny => demo::Scale::Tiny,
        },
    };
    let world = demo::generate(&options);
    if already > 0 {
        eprintln!("数据库中已有数据，跳过生成（如需重建请加 --reset）。");
    } else {
        eprintln!("生成演示数据（种子 {seed}）……");
        let hash = |p: &str| password::hash(p, HashCost::Standard);
        let mut progress = |line: &str| eprintln!("  {line}");
        let loaded = demo::load(store, &world, &hash, &mut progress).await?;
        // Categories first (rules refer to them), then the street's routing rules, then a year
        // of cases routed by them.
        tongxin_app::cases::config::seed_categories(store).await?;
        let rules = demo::routing::seed_rules(store).await?;
        eprintln!("  写入派单规则 {rules} 条");
        let history = demo::history::HistoryOptions::for_world(&world);
        demo::history::load_history(store, &world, loaded.first_building_id, history, &mut progress).await?;
        if world.street_count == 1 {
            eprintln!("  写入调解组织，演练一年的矛盾纠纷和信访……");
            let begun = std::time::Instant::now();
            // The year's timer jobs would log every warning of the past; the summary says it.
            let quiet = tracing::subscriber::NoSubscriber::default();
            let m =
                tracing::instrument::WithSubscriber::with_subscriber(demo::mediation::seed(store, seed), quiet).await?;
            eprintln!(
                "  写入调解组织 {} 个；一年纠纷 {} 件（{} 步）、信访 {} 件（{} 步）、在线咨询 {} 条、网格排查 {} 次；今日在办纠纷 {} 件（{:.1} 秒）",
                m.orgs,
                m.year.disputes,
                m.year.steps,
                m.petitions.disputes,
                m.petitions.steps,
                m.consultations,
                m.screenings,
                m.today,
                begun.elapsed().as_secs_f64()
            );
            if m.committees > 0 {
                eprintln!(
                    "  各社区人民调解委员会的调解员账号：tiaojie01 … tiaojie{:02}（密码同 mediator）",
                    m.committees
                );
            }
            for e in m.year.errors.iter().chain(&m.petitions.errors) {
                eprintln!("  未能完成的一步（该件停在当时的状态）：{e}");
            }
        }
        eprintln!("{}", world.summary());
        eprintln!("用时 {:.1} 秒", started.elapsed().as_secs_f64());
    }
    print_logins(&world, database_url);
    Ok(())
}

fn print_logins(world: &demo::World, database_url: &str) {
    println!("\n演示账号（密码均为各行所示）：");
    for u in world.users() {
        let scope = u.scope_region.clone().or_else(|| u.scope_department.clone()).unwrap_or_else(|| "全部".into());
        println!(
            "  {:<12} {:<10} {:<14} 范围 {:<16} 密码 {}",
            u.username,
            u.display_name,
            u.role.label(),
            scope,
            u.password
        );
        if let Some(secret) = &u.totp_secret {
            println!(
                "  {:<12} 动态验证码密钥 {}（加入手机验证器，或运行 `tongxin --database-url {} user totp-code {}` 取当前验证码）",
                "",
                tongxin_domain::accounts::totp::encode_secret(secret),
                database_url,
                u.username
            );
        }
    }
}

async fn serve(store: Store, settings: &Settings, bind: String) -> anyhow::Result<()> {
    let trusted_proxies =
        settings.server.trusted_proxies.iter().filter_map(|p| tongxin_web::auth::client::Cidr::parse(p)).collect();
    let config = WebConfig {
        cookie_secure: settings.server.cookie_secure,
        session_ttl: chrono::Duration::hours(settings.server.session_hours),
        reports_per_ip_per_hour: settings.server.reports_per_ip_per_hour,
        reports_per_phone_per_hour: settings.server.reports_per_phone_per_hour,
        public_url: settings.server.public_base(&bind),
        trusted_proxies,
        api_token_ttl: chrono::Duration::days(settings.security.api_token_days),
        map: settings.map.to_web()?,
        ..WebConfig::default()
    };
    let state = AppState::new(store.clone(), config).await?;
    let sms: std::sync::Arc<dyn tongxin_jobs::SmsSender> = if settings.sms.gateway_url.is_empty() {
        std::sync::Arc::new(tongxin_jobs::LogSender)
    } else {
        std::sync::Arc::new(
            tongxin_jobs::HttpSender::new(&settings.sms.gateway_url, &settings.sms.gateway_token)
                .map_err(anyhow::Error::msg)?,
        )
    };
    // Deadline timers and notification delivery; safe to run in every server process.
    let jobs = tongxin_jobs::spawn(store.clone(), state.cases.clone(), sms, tongxin_jobs::JobsConfig::default());
    let app = tongxin_web::app(state);
    let addr: SocketAddr = bind.parse().with_context(|| format!("监听地址 {bind} 格式错误，例如 127.0.0.1:8080"))?;
    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}（端口被占用？）"))?;
    println!("同心已启动：http://{addr}  （{}，Ctrl+C 停止）", store.db.backend().name());
    let fd_limit = tongxin_web::server::raise_open_files_limit();
    let max_connections = tongxin_web::server::connection_cap(settings.server.max_connections, fd_limit);
    if max_connections < settings.server.max_connections {
        eprintln!(
            "注意：进程可打开的文件数上限为 {}，同时连接数限为 {max_connections}（可在 systemd 中设置 LimitNOFILE 提高）",
            fd_limit.unwrap_or_default()
        );
    }
    let limits = tongxin_web::server::Limits {
        max_connections,
        header_timeout: std::time::Duration::from_secs(settings.server.header_timeout_secs),
        body_timeout: std::time::Duration::from_secs(settings.server.body_timeout_secs),
        ..tongxin_web::server::Limits::default()
    };
    tongxin_web::server::serve(listener, app, limits, shutdown()).await?;
    jobs.shutdown().await;
    store.db.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn user(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let actor = Actor::system("cli");
    match command {
        UserCommand::Create { username, display_name, role, scope_region, scope_department, can_unmask } => {
            let role = Role::parse(&role).with_context(|| format!("未知角色 {role}"))?;
            let password = match std::env::var("TONGXIN_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("请输入新账号密码：");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end().to_string()
                }
            };
            tongxin_domain::accounts::check_password_strength(&password).map_err(anyhow::Error::msg)?;
            let new = tongxin_store::accounts::NewUser {
                username,
                display_name,
                password_hash: password::hash(&password, HashCost::Standard),
                role,
                scope_region,
                scope_department,
                can_unmask,
                totp_secret: None,
            };
            let user = tongxin_app::accounts::create_user(&store, &actor, &new).await?;
            println!("已创建账号 {}（{}）", user.username, user.role.label());
        }
        UserCommand::Token { username, name } => {
            let creds =
                store.accounts().credentials(&username).await.with_context(|| format!("账号 {username} 不存在"))?;
            let token = format!("tx_{}", tongxin_web::auth::random_token());
            let until = store.now() + chrono::Duration::days(settings.security.api_token_days);
            store.accounts().create_api_token_until(&actor, creds.user.id, &name, &token, until).await?;
            println!("{token}");
        }
        UserCommand::TotpCode { username } => {
            let creds =
                store.accounts().credentials(&username).await.with_context(|| format!("账号 {username} 不存在"))?;
            let secret = creds.totp_secret.with_context(|| format!("账号 {username} 未设置动态验证码"))?;
            println!("{}", tongxin_domain::accounts::totp::code_at(&secret, store.now().timestamp()));
        }
        UserCommand::List => {
            for u in store.accounts().users().await? {
                let scope = match &u.scope {
                    Scope::All => "全部".to_string(),
                    Scope::Region { code } => code.to_string(),
                    Scope::Department { id, .. } => format!("部门 {id}"),
                };
                println!("{:<6} {:<14} {:<10} {:<14} {}", u.id, u.username, u.display_name, u.role.label(), scope);
            }
        }
    }
    Ok(())
}

async fn open311(command: Open311Command, settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let actor = Actor::system("cli");
    match command {
        Open311Command::Issue { name } => {
            let issued = store.open311().create_client(&actor, &name).await?;
            eprintln!("已为 Open311 客户端 {name} 签发密钥（编号 {}），仅显示这一次：", issued.id);
            println!("{}", issued.api_key);
        }
        Open311Command::List => {
            for c in store.open311().clients().await? {
                let state = if c.revoked_at.is_some() { "已吊销" } else { "有效" };
                println!("{:<6} {:<24} {} {state}", c.id, c.name, tongxin_web::open311::w3c(c.created_at));
            }
        }
        Open311Command::Revoke { id } => {
            store.open311().revoke_client(&actor, id).await?;
            println!("已吊销 Open311 客户端 {id}");
        }
    }
    Ok(())
}
