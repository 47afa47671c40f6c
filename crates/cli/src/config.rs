//! One typed settings struct, layered: defaults, then a TOML file (`--config FILE`, or
//! `tongxin.toml` if present), then `TONGXIN__SECTION__KEY` environment variables, then flags.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub database: Database,
    pub server: Server,
    pub security: Security,
    pub sms: Sms,
}

/// Text messages to residents (case dispatched, handled, closed …).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sms {
    /// An HTTP gateway (`http://…`) taking `{"to","text","id"}` with an Idempotency-Key header;
    /// empty: messages are written to the log with the number masked.
    pub gateway_url: String,
    pub gateway_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// The master key for personal data, 64 hex digits. If empty, `pii_key_file` is used.
    pub pii_key: String,
    /// Where the key lives; created with mode 0600 on first run if missing.
    pub pii_key_file: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            database: Database::default(),
            server: Server::default(),
            security: Security::default(),
            sms: Sms::default(),
        }
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
        }
    }
}

impl Default for Security {
    fn default() -> Security {
        Security { pii_key: String::new(), pii_key_file: "tongxin.key".into() }
    }
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

/// `TONGXIN__SERVER__BIND=0.0.0.0:80` → `{server: {bind: "0.0.0.0:80"}}`.
fn env_table(vars: impl Iterator<Item = (String, String)>) -> toml::Table {
    let mut out = toml::Table::new();
    for (key, value) in vars {
        let Some(rest) = key.strip_prefix("TONGXIN__") else {
            continue;
        };
        let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
        let value = match value.as_str() {
            "true" => toml::Value::Boolean(true),
            "false" => toml::Value::Boolean(false),
            v => v.parse::<i64>().map(toml::Value::Integer).unwrap_or_else(|_| toml::Value::String(value.clone())),
        };
        let mut table = &mut out;
        for (i, part) in path.iter().enumerate() {
            if i + 1 == path.len() {
                table.insert(part.clone(), value.clone());
            } else {
                table = table
                    .entry(part.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                    .as_table_mut()
                    .expect("nested table");
            }
        }
    }
    out
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
        merge(&mut table, env_table(env));
        let settings: Settings =
            toml::Value::Table(table).try_into().context("配置项有误（检查配置文件与 TONGXIN__ 环境变量）")?;
        if settings.server.session_hours <= 0 {
            bail!("server.session_hours 必须为正数");
        }
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
        return Ok(
            tongxin_store::PiiKey::from_hex(&hex).with_context(|| format!("密钥文件 {} 内容有误", path.display()))?
        );
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
        let dir = tongxin_store::testing::TempDir::new("cfg");
        let file = dir.0.join("t.toml");
        std::fs::write(&file, "[server]\nbind = \"0.0.0.0:9000\"\nsession_hours = 4\n").unwrap();
        let env = vec![("TONGXIN__SERVER__SESSION_HOURS".to_string(), "2".to_string()), ("OTHER".into(), "x".into())];
        let s = Settings::load_from(Some(&file), env.into_iter()).unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000", "file over default");
        assert_eq!(s.server.session_hours, 2, "env over file");
        assert_eq!(s.database.url, "sqlite://tongxin.db", "default kept");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let env = vec![("TONGXIN__SERVER__BINDD".to_string(), "x".to_string())];
        assert!(Settings::load_from(None, env.into_iter()).is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tongxin_store::testing::TempDir::new("key");
        let sec = Security { pii_key: String::new(), pii_key_file: dir.0.join("k").to_string_lossy().into() };
        let a = pii_key(&sec).unwrap();
        let blob = a.encrypt("x");
        let b = pii_key(&sec).unwrap();
        assert_eq!(b.decrypt(&blob).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.0.join("k")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
