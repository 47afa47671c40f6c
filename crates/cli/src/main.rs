//! `tongxin`: the one binary of the platform.

mod backup;
mod bench;
mod bench_pages;
mod bench_room;
mod commands;
mod config;
mod demo;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "tongxin", version, about = "同心 · 党建引领基层治理平台")]
struct Cli {
    /// Configuration file (TOML); `tongxin.toml` is read if present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database: `sqlite://FILE` (default `sqlite://tongxin.db`) or `postgres://…`.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform over HTTP.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations.
    Migrate,
    /// Create the demo street (or district) in a fresh database and serve it.
    Demo {
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = DemoScale::Street)]
        scale: DemoScale,
        #[arg(long)]
        bind: Option<String>,
        /// Delete an existing demo database first.
        #[arg(long)]
        reset: bool,
        /// Load only; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Import grids (GeoJSON) or residents (xlsx).
    Import {
        #[arg(value_enum)]
        kind: Kind,
        file: PathBuf,
    },
    /// Export grids (GeoJSON) or residents (xlsx, masked unless --unmasked).
    Export {
        #[arg(value_enum)]
        kind: Kind,
        /// Output file (default: stdout for GeoJSON; residents.xlsx for residents).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write full ID and phone numbers (recorded in the audit log).
        #[arg(long)]
        unmasked: bool,
    },
    /// Online copy of a SQLite database (PostgreSQL: prints the pg_dump commands).
    Backup { file: PathBuf },
    /// Put a backup in place of the SQLite database (server stopped), then check key and audit chain.
    Restore {
        file: PathBuf,
        /// Replace an existing database (kept beside it as `.before-restore`).
        #[arg(long)]
        replace: bool,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Open311 clients (API keys for posting service requests).
    Open311 {
        #[command(subcommand)]
        command: Open311Command,
    },
    /// Benchmarks (numbers recorded in the README).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DemoScale {
    Street,
    District,
    /// Two communities, a few hundred residents: for tests.
    #[value(hide = true)]
    Tiny,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    Grids,
    Residents,
    /// 12345 work orders (CSV, UTF-8; import only).
    Cases,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link.
    Verify {
        /// A head printed earlier by `audit anchor` (SEQ:HASH); the chain must still contain it.
        #[arg(long)]
        anchor: Vec<tongxin_domain::kernel::audit::Anchor>,
    },
    /// Print the current head (SEQ:HASH) for the operator to keep outside the database.
    Anchor,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a staff account; the password is read from TONGXIN_NEW_PASSWORD or asked on stdin.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// admin, leader, dispatcher, community_worker, grid_worker, party_secretary, mediator, department_handler
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope_region: Option<String>,
        #[arg(long)]
        scope_department: Option<i64>,
        #[arg(long)]
        can_unmask: bool,
    },
    /// Issue an API token for a machine client acting as USERNAME.
    Token {
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Print the current TOTP code of a user (for the demo and local operation).
    TotpCode { username: String },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
pub enum Open311Command {
    /// Register a client and print its API key (shown once).
    Issue { name: String },
    /// List clients.
    List,
    /// Revoke a client's key.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Point location over synthetic grid polygons, on one core.
    Locate {
        #[arg(long, default_value_t = 10_000)]
        grids: usize,
        #[arg(long, default_value_t = 5_000_000)]
        lookups: usize,
    },
    /// Resident reports through the HTTP API of a running server (see the README).
    Intake {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// First queue pages of every filter combination in every scope, with this many cases in the
    /// database (tops it up with synthetic cases).
    Queue {
        #[arg(long, default_value_t = 5_000_000)]
        cases: u64,
        /// First pages per combination and scope.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Cases per page (`/cases` shows 20).
        #[arg(long, default_value_t = 20)]
        per_page: u32,
        /// Time Chinese keyword searches instead of queue pages.
        #[arg(long)]
        search: bool,
    },
    /// Monthly 三率 of every unit with this many cases this month (tops up with synthetic cases).
    Rates {
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
    },
    /// Every staff and resident page in process: server time (p50, p99) and HTML+CSS+JS weight.
    /// Tops the street up to 25 open cases through the resident report form.
    Pages {
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// The online mediation room: open rooms with three members' live feeds each, every room
    /// posting in turn; a message's latency to the other members (p50, p99).
    Room {
        #[arg(long, default_value_t = 200)]
        rooms: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Time between two messages of one room.
        #[arg(long, default_value_t = 2_000)]
        interval_ms: u64,
    },
    /// Resident search within scope against an existing (demo) database.
    Search {
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Scope for the searches: a region code (default: a community), or `all`.
        #[arg(long)]
        scope: Option<String>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes in the user's language; no backtrace.
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = config::Settings::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        settings.database.url = url;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(commands::run(cli.command, settings))
}
