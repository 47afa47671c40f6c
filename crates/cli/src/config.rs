//! One typed settings struct, layered: defaults, then a TOML file (`--config FILE`, or
//! `tongxin.toml` if present), then `TONGXIN__SECTION__KEY` environment variables, then flags.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[derive(Default)]
pub struct Settings {
    pub database: Database,
    pub server: Server,
    pub security: Security,
    pub sms: Sms,
    pub map: Map,
}

/// The interactive map's background (tiles). Default: none — the grids and buildings on a plain
/// ground, nothing fetched from elsewhere (the demo and the tests).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Map {
    /// `none`, `tianditu` (天地图 WMTS, the official base map; needs `tianditu_key`) or `xyz`.
    pub tiles: String,
    /// The 天地图 browser key (tk).
    pub tianditu_key: String,
    /// For `xyz`: a template such as `https://tile.example.org/{z}/{x}/{y}.png` (`{s}`: a, b, c).
    pub xyz_url: String,
    /// The credit line shown on the map (天地图's is filled in when empty).
    pub attribution: String,
    /// The tiles' datum: `wgs84` (天地图, CGCS2000) or `gcj02` (高德, 腾讯 …).
    pub coords: String,
}

impl Default for Map {
    fn default() -> Map {
        Map {
            tiles: "none".into(),
            tianditu_key: String::new(),
            xyz_url: String::new(),
            attribution: String::new(),
            coords: "wgs84".into(),
        }
    }
}

impl Map {
    /// The web layer's settings; a Chinese message naming the setting at fault.
    pub fn to_web(&self) -> anyhow::Result<tongxin_web::ui::map::MapConfig> {
        tongxin_web::ui::map::MapConfig::parse(
            &self.tiles,
            &self.tianditu_key,
            &self.xyz_url,
            &self.attribution,
            &self.coords,
        )
        .map_err(anyhow::Error::msg)
    }
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Map")
            .field("tiles", &self.tiles)
            .field("tianditu_key", &secret(&self.tianditu_key))
            .field("xyz_url", &self.xyz_url)
            .field("attribution", &self.attribution)
            .field("coords", &self.coords)
            .finish()
    }
}

/// Text messages to residents (case dispatched, handled, closed …).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sms {
    /// An HTTP gateway (`http://…`) taking `{"to","text","id"}` with an Idempotency-Key header;
    /// empty: messages are written to the log with the number masked.
    pub gateway_url: String,
    pub gateway_token: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    /// `sqlite://path` (or a bare path) or `postgres://…`.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    pub bind: String,
    /// Mark cookies Secure (set when served over HTTPS).
    pub cookie_secure: bool,
    pub session_hours: i64,
    /// Anonymous reports accepted per client address and per phone number per hour.
    pub reports_per_ip_per_hour: u32,
    pub reports_per_phone_per_hour: u32,
    /// The site's address as people reach it (`https://tongxin.example.gov.cn`), used in follow
    /// links and Open311 discovery; never taken from the request's Host header. Empty: `http://` + bind.
    pub public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDRs, e.g. `["127.0.0.1",
    /// "10.0.0.0/8"]`); the client is then the right-most address not in this list. Empty: the socket address.
    #[serde(deserialize_with = "list_or_csv")]
    pub trusted_proxies: Vec<String>,
    /// Connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
    /// Seconds a client may take to send a request's headers (this also bounds how long an idle
    /// keep-alive connection stays open), and to send its body.
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// The master key for personal data, 64 hex digits. If empty, `pii_key_file` is used.
    pub pii_key: String,
    /// Where the key lives; created with mode 0600 on first run if missing.
    pub pii_key_file: String,
    /// Days an API token stays valid after it is issued.
    pub api_token_days: i64,
}

// Secrets never reach a log or an error message through `Debug`: the PII key, the SMS gateway's
// token and a database password are shown only as set or not.
fn secret(value: &str) -> &'static str {
    if value.is_empty() { "" } else { "***" }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("gateway_url", &redact_url(&self.gateway_url))
            .field("gateway_token", &secret(&self.gateway_token))
            .finish()
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("url", &redact_url(&self.url)).finish()
    }
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("pii_key", &secret(&self.pii_key))
            .field("pii_key_file", &self.pii_key_file)
            .field("api_token_days", &self.api_token_days)
            .finish()
    }
}

impl Default for Database {
    fn default() -> Database {
        Database { url: "sqlite://tongxin.db".into() }
    }
}

impl Default for Server {
    fn default() -> Server {
        Server {
            bind: "127.0.0.1:8080".into(),
            cookie_secure: false,
            session_hours: 8,
            reports_per_ip_per_hour: 30,
            reports_per_phone_per_hour: 10,
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            max_connections: 512,
            header_timeout_secs: 10,
            body_timeout_secs: 60,
        }
    }
}

impl Default for Security {
    fn default() -> Security {
        Security { pii_key: String::new(), pii_key_file: "tongxin.key".into(), api_token_days: 90 }
    }
}

/// A list in TOML, or one comma-separated string (from an environment variable).
fn list_or_csv<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(v) => v,
        Either::Csv(s) => s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect(),
    })
}

impl Server {
    /// The public base URL without a trailing slash.
    pub fn public_base(&self, bind: &str) -> String {
        let url = self.public_url.trim().trim_end_matches('/');
        if url.is_empty() { format!("http://{bind}") } else { url.to_string() }
    }
}

/// The SQLite database file (and its -wal and -shm) readable by the owner only, like the key
/// (issue 9 item 14): created 0600 before SQLite opens it, tightened if it exists. SQLite gives
/// its -wal and -shm files the database file's mode.
pub fn protect_sqlite_file(url: &str) -> anyhow::Result<()> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(());
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = Path::new(path);
        if !path.exists() {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e).with_context(|| format!("无法创建数据库文件 {}", path.display())),
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(meta) = std::fs::metadata(&p)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("无法将数据库文件 {} 的权限设为 0600", p.display()))?;
            }
        }
    }
    Ok(())
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// `TONGXIN__SERVER__BIND=0.0.0.0:80` → `{server: {bind: "0.0.0.0:80"}}`. A value takes the
/// type of the setting it names (read off `defaults`), never one guessed from its text: a
/// numeric SMS token stays a string, a non-numeric port count is refused by name.
fn env_table(defaults: &toml::Table, vars: impl Iterator<Item = (String, String)>) -> anyhow::Result<toml::Table> {
    let mut out = toml::Table::new();
    for (key, value) in vars {
        let Some(rest) = key.strip_prefix("TONGXIN__") else {
            continue;
        };
        let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
        let Some((last, sections)) = path.split_last() else {
            continue;
        };
        let mut default = Some(defaults);
        for part in sections {
            default = default.and_then(|t| t.get(part)).and_then(toml::Value::as_table);
        }
        let value = match default.and_then(|t| t.get(last)) {
            Some(toml::Value::Integer(_)) => toml::Value::Integer(
                value.trim().parse().with_context(|| format!("环境变量 {key} 须为整数，现为 “{value}”"))?,
            ),
            Some(toml::Value::Boolean(_)) => match value.trim() {
                "true" | "1" => toml::Value::Boolean(true),
                "false" | "0" => toml::Value::Boolean(false),
                _ => bail!("环境变量 {key} 须为 true 或 false，现为 “{value}”"),
            },
            // Strings, comma-separated lists, and unknown keys (refused by name when the
            // settings are read).
            _ => toml::Value::String(value),
        };
        let mut table = &mut out;
        for part in sections {
            let entry = table.entry(part.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let Some(next) = entry.as_table_mut() else {
                bail!("环境变量 {key} 的路径有误");
            };
            table = next;
        }
        table.insert(last.clone(), value);
    }
    Ok(out)
}

impl Settings {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        Settings::load_from(file, std::env::vars())
    }

    fn load_from(file: Option<&Path>, env: impl Iterator<Item = (String, String)>) -> anyhow::Result<Settings> {
        let mut table = toml::Table::try_from(Settings::default()).context("默认配置")?;
        let default_file = Path::new("tongxin.toml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).with_context(|| format!("无法读取配置文件 {}", path.display()))?;
            let over: toml::Table = text.parse().with_context(|| format!("配置文件 {} 格式错误", path.display()))?;
            merge(&mut table, over);
        }
        let env = env_table(&table, env)?;
        merge(&mut table, env);
        let settings: Settings =
            toml::Value::Table(table).try_into().context("配置项有误（检查配置文件与 TONGXIN__ 环境变量）")?;
        if settings.server.session_hours <= 0 {
            bail!("server.session_hours 必须为正数");
        }
        if !(1..=3650).contains(&settings.security.api_token_days) {
            bail!("security.api_token_days 须在 1 到 3650 之间");
        }
        if settings.server.max_connections == 0
            || settings.server.header_timeout_secs == 0
            || settings.server.body_timeout_secs == 0
        {
            bail!("server.max_connections 与各项超时（秒）必须为正数");
        }
        for p in &settings.server.trusted_proxies {
            if tongxin_web::auth::client::Cidr::parse(p).is_none() {
                bail!("server.trusted_proxies 中的 {p} 不是 IP 地址或 CIDR（如 10.0.0.0/8）");
            }
        }
        let url = settings.server.public_url.trim_end_matches('/');
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            bail!("server.public_url 须以 http:// 或 https:// 开头，如 https://tongxin.example.gov.cn");
        }
        settings.map.to_web()?;
        Ok(settings)
    }
}

/// Reads the personal-data key from settings or its file, creating the file (0600) if absent.
pub fn pii_key(settings: &Security) -> anyhow::Result<tongxin_store::PiiKey> {
    if !settings.pii_key.trim().is_empty() {
        return Ok(tongxin_store::PiiKey::from_hex(&settings.pii_key)?);
    }
    let path = Path::new(&settings.pii_key_file);
    if path.exists() {
        let hex = std::fs::read_to_string(path).with_context(|| format!("无法读取密钥文件 {}", path.display()))?;
        return tongxin_store::PiiKey::from_hex(&hex).with_context(|| format!("密钥文件 {} 内容有误", path.display()));
    }
    let hex = tongxin_store::PiiKey::generate_hex();
    write_private(path, &hex)?;
    eprintln!("已生成个人信息加密密钥 {}（权限 0600）。请妥善备份：丢失后无法解密身份证号和手机号。", path.display());
    Ok(tongxin_store::PiiKey::from_hex(&hex)?)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).with_context(|| format!("无法创建密钥文件 {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = tongxin_testkit::temp_dir("cfg");
        let file = dir.path().join("t.toml");
        std::fs::write(&file, "[server]\nbind = \"0.0.0.0:9000\"\nsession_hours = 4\n").unwrap();
        let env = vec![("TONGXIN__SERVER__SESSION_HOURS".to_string(), "2".to_string()), ("OTHER".into(), "x".into())];
        let s = Settings::load_from(Some(&file), env.into_iter()).unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000", "file over default");
        assert_eq!(s.server.session_hours, 2, "env over file");
        assert_eq!(s.database.url, "sqlite://tongxin.db", "default kept");
    }

    #[test]
    fn trusted_proxies_come_as_a_list_or_from_the_environment() {
        let dir = tongxin_testkit::temp_dir("cfg-proxy");
        let file = dir.path().join("t.toml");
        std::fs::write(&file, "[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n").unwrap();
        let s = Settings::load_from(Some(&file), std::iter::empty()).unwrap();
        assert_eq!(s.server.trusted_proxies, vec!["127.0.0.1", "10.0.0.0/8"]);
        let env = vec![("TONGXIN__SERVER__TRUSTED_PROXIES".to_string(), "::1, 192.168.0.0/16".to_string())];
        let s = Settings::load_from(None, env.into_iter()).unwrap();
        assert_eq!(s.server.trusted_proxies, vec!["::1", "192.168.0.0/16"]);
        let env = vec![("TONGXIN__SERVER__TRUSTED_PROXIES".to_string(), "10.0.0.0/33".to_string())];
        assert!(Settings::load_from(None, env.into_iter()).is_err(), "a bad CIDR is refused");
        assert_eq!(s.security.api_token_days, 90, "tokens last 90 days unless configured");
    }

    #[cfg(unix)]
    #[test]
    fn the_sqlite_file_and_its_companions_are_private_item_14() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tongxin_testkit::temp_dir("dbmode");
        let db = dir.path().join("t.db");
        protect_sqlite_file(&format!("sqlite://{}?mode=rwc", db.display())).unwrap();
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600, "created private");
        let wal = dir.path().join("t.db-wal");
        std::fs::write(&wal, "").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
        protect_sqlite_file(&db.display().to_string()).unwrap();
        for p in [&db, &wal] {
            assert_eq!(std::fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
        }
    }

    /// SQLite gives its -wal and -shm files the database file's mode: all three stay private.
    #[cfg(unix)]
    #[tokio::test]
    async fn sqlite_companions_created_by_sqlite_are_private_too_item_14() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tongxin_testkit::temp_dir("dbmode2");
        let db = dir.path().join("w.db");
        let url = format!("sqlite://{}", db.display());
        protect_sqlite_file(&url).unwrap();
        let store = tongxin_store::db::Db::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let mut seen = 0;
        for suffix in ["", "-wal", "-shm"] {
            let p = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
            if let Ok(meta) = std::fs::metadata(&p) {
                seen += 1;
                assert_eq!(meta.permissions().mode() & 0o077, 0, "{} is readable by others", p.display());
            }
        }
        assert!(seen >= 2, "the database and its WAL exist");
        store.close().await;
    }

    #[test]
    fn environment_values_take_the_type_of_their_setting() {
        let env = |k: &str, v: &str| vec![(k.to_string(), v.to_string())].into_iter();
        let s = Settings::load_from(None, env("TONGXIN__SMS__GATEWAY_TOKEN", "123456")).unwrap();
        assert_eq!(s.sms.gateway_token, "123456", "a numeric token is still a token");
        let s = Settings::load_from(None, env("TONGXIN__SERVER__COOKIE_SECURE", "true")).unwrap();
        assert!(s.server.cookie_secure);
        let s = Settings::load_from(None, env("TONGXIN__SERVER__BIND", "8080")).unwrap();
        assert_eq!(s.server.bind, "8080");
        let e = Settings::load_from(None, env("TONGXIN__SERVER__SESSION_HOURS", "eight")).unwrap_err();
        assert!(format!("{e:#}").contains("TONGXIN__SERVER__SESSION_HOURS 须为整数"), "{e:#}");
        let e = Settings::load_from(None, env("TONGXIN__SERVER__COOKIE_SECURE", "yes")).unwrap_err();
        assert!(format!("{e:#}").contains("须为 true 或 false"), "{e:#}");
        assert!(Settings::load_from(None, env("TONGXIN__SERVER", "x")).is_err(), "a section is not a value");
    }

    #[test]
    fn the_map_section_chooses_the_tiles_and_refuses_what_would_not_work() {
        let env = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>().into_iter()
        };
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.map.to_web().unwrap(), tongxin_web::ui::map::MapConfig::default(), "no tiles by default");
        let s = Settings::load_from(
            None,
            env(&[("TONGXIN__MAP__TILES", "tianditu"), ("TONGXIN__MAP__TIANDITU_KEY", "0123abcd")]),
        )
        .unwrap();
        let web = s.map.to_web().unwrap();
        assert_eq!(web.tile_source().as_deref(), Some("https://*.tianditu.gov.cn"));
        assert!(!format!("{s:?}").contains("0123abcd"), "the key stays out of logs");
        let e = Settings::load_from(None, env(&[("TONGXIN__MAP__TILES", "tianditu")])).unwrap_err();
        assert!(format!("{e:#}").contains("tianditu_key"), "{e:#}");
        let e = Settings::load_from(None, env(&[("TONGXIN__MAP__TILES", "xyz"), ("TONGXIN__MAP__COORDS", "gcj02")]))
            .unwrap_err();
        assert!(format!("{e:#}").contains("xyz_url"), "{e:#}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let env = vec![("TONGXIN__SERVER__BINDD".to_string(), "x".to_string())];
        assert!(Settings::load_from(None, env.into_iter()).is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tongxin_testkit::temp_dir("key");
        let sec = Security { pii_key_file: dir.path().join("k").to_string_lossy().into(), ..Security::default() };
        let a = pii_key(&sec).unwrap();
        let blob = a.encrypt("x");
        let b = pii_key(&sec).unwrap();
        assert_eq!(b.decrypt(&blob).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let mut settings = Settings::default();
        settings.database.url = "postgres://tongxin:db-Secret-1@db.internal/tongxin".into();
        settings.security.pii_key = "ab".repeat(32);
        settings.sms.gateway_token = "sms-Secret-2".into();
        settings.sms.gateway_url = "http://user:gw-Secret-3@sms.internal/send".into();
        let shown = format!("{settings:?} {settings:#?}");
        for secret in ["db-Secret-1", &"ab".repeat(32), "sms-Secret-2", "gw-Secret-3"] {
            assert!(!shown.contains(secret), "{secret} printed: {shown}");
        }
        assert!(shown.contains("postgres://tongxin:***@db.internal/tongxin"), "{shown}");
        assert!(shown.contains("tongxin.key"), "non-secret settings still shown: {shown}");
    }
}
