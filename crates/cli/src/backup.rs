//! The key check at start (issue 9, R2), `tongxin backup` / `tongxin restore` (R7) and the audit
//! subcommands with their external anchor (item 6).

use crate::AuditCommand;
use crate::config::{self, Security, Settings};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use tongxin_store::pii::{KeyCheck, key_in_use};
use tongxin_store::{Db, PiiKey, Store};

/// Where the key comes from, for messages.
fn key_source(sec: &Security) -> String {
    if sec.pii_key.trim().is_empty() {
        format!("密钥文件 {}（配置项 [security] pii_key_file）", sec.pii_key_file)
    } else {
        "配置项 [security] pii_key（或环境变量 TONGXIN__SECURITY__PII_KEY）".to_string()
    }
}

/// Loads the personal-data key. A key file is created only for a database that holds nothing
/// encrypted yet: for any other a missing file means a restore without its key.
pub async fn load_key(db: &Db, sec: &Security) -> anyhow::Result<PiiKey> {
    let configured = !sec.pii_key.trim().is_empty();
    if !configured && !Path::new(&sec.pii_key_file).exists() && key_in_use(db).await? {
        bail!(
            "找不到密钥文件 {}，但这个数据库已用原密钥写入过（有密钥校验值或加密的身份证号、手机号）。请把与该数据库一起备份的密钥文件恢复到 {}\
             （或在配置 [security] pii_key 中填写原密钥）后再启动。为免数据无法解密，不会新建密钥。",
            sec.pii_key_file,
            sec.pii_key_file
        );
    }
    config::pii_key(sec)
}

/// Refuses a key that does not belong to the database, then seals the audit head with the chain
/// key. A database that cannot be written yet (read-only) is still served: the check value and
/// the seal are stored at the next start.
pub async fn check_key(store: &Store, sec: &Security) -> anyhow::Result<()> {
    match store.check_pii_key().await {
        Ok(KeyCheck::Mismatch) => bail!(
            "个人信息加密密钥与数据库不符：{} 不是写入这个数据库时所用的密钥。请恢复与该数据库一起备份的密钥\
             （tongxin.key 或配置中的 pii_key）后再启动；在此之前不会读写任何数据。",
            key_source(sec)
        ),
        Ok(KeyCheck::Created) => tracing::info!("personal-data key check value stored"),
        Ok(KeyCheck::Adopted) => tracing::info!("personal-data key matches existing data; check value stored"),
        Ok(KeyCheck::Matched) => {}
        Err(tongxin_store::StoreError::Unavailable(e)) => {
            tracing::warn!(error = %e, "could not store the key check value; checked again at next start")
        }
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = store.audit().seal_head().await {
        tracing::warn!(error = %e, "could not seal the audit head; sealed at the next append or start");
    }
    Ok(())
}

pub async fn audit(command: AuditCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = crate::commands::open_store(settings).await?;
    match command {
        AuditCommand::Verify { anchor } => verify(&store, &anchor).await,
        AuditCommand::Anchor => {
            let head = store.audit().head().await?;
            println!("{}:{}", head.seq, head.hash);
            eprintln!(
                "这是审计链当前的链头（序号:哈希）。请把它记在数据库之外（纸质台账、另一台机器），\
                 日后用 tongxin audit verify --anchor {}:{} 检查审计链没有被截断或改写。",
                head.seq, head.hash
            );
            Ok(())
        }
    }
}

async fn verify(store: &Store, anchors: &[tongxin_domain::kernel::audit::Anchor]) -> anyhow::Result<()> {
    match store.audit().verify_anchored(anchors).await? {
        Ok(n) => {
            let head = store.audit().head().await?;
            println!("审计链完整：共 {n} 条记录，逐条校验通过；链头 {}:{}", head.seq, head.hash);
            for a in anchors {
                println!("锚点 {a} 仍在链中");
            }
            Ok(())
        }
        Err(broken) => bail!("审计链断裂：{broken}"),
    }
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    Some(PathBuf::from(url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)))
}

fn what_else_to_keep(settings: &Settings) -> String {
    let key = if settings.security.pii_key.trim().is_empty() {
        format!(
            "密钥文件 {}（没有它，备份中的身份证号和手机号无法解密，审计链也无法校验）",
            settings.security.pii_key_file
        )
    } else {
        "配置中的 [security] pii_key（没有它，备份中的身份证号和手机号无法解密）".to_string()
    };
    let config = "配置文件（tongxin.toml 或 --config 指定的文件）及 TONGXIN__ 开头的环境变量";
    format!("请与备份分开、妥善保存：\n  1. {key}\n  2. {config}\n  3. 审计链锚点：tongxin audit anchor 的输出")
}

const PG_HELP: &str = "PostgreSQL 数据库请用 PostgreSQL 自带的工具在线备份与恢复：\n  \
    备份：pg_dump --format=custom --file=tongxin.dump \"$DATABASE_URL\"\n  \
    恢复：createdb tongxin_restored && pg_restore --no-owner --dbname=postgres://…/tongxin_restored tongxin.dump\n  \
    恢复后：tongxin --database-url postgres://…/tongxin_restored audit verify（同时检查密钥是否匹配）";

/// `tongxin backup FILE`.
pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    if sqlite_path(&settings.database.url).is_none() {
        bail!("tongxin backup 只用于 SQLite。\n{PG_HELP}\n{}", what_else_to_keep(settings));
    }
    let store = crate::commands::open_store(settings).await?;
    store.backup_sqlite(file).await?;
    // The copy is checked as a restore would check it, with the same key.
    let db = Db::connect(&file.to_string_lossy()).await?;
    let copy = Store::new(
        db,
        config::pii_key(&settings.security)?,
        std::sync::Arc::new(tongxin_domain::kernel::clock::SystemClock),
    );
    let verified = copy.audit().verify().await?;
    let counts = copy.row_counts().await?;
    copy.db.close().await;
    let n = verified.map_err(|b| anyhow::anyhow!("备份副本的审计链校验失败：{b}"))?;
    let counts: Vec<String> = counts.iter().map(|(t, n)| format!("{t} {n}")).collect();
    println!("已备份到 {}（权限 0600）：审计链 {n} 条校验通过；{}", file.display(), counts.join("，"));
    println!("{}", what_else_to_keep(settings));
    Ok(())
}

/// `tongxin restore FILE`: puts a backup in place of the configured SQLite database (the server
/// must be stopped), then checks it as every start does — the key — and verifies the audit chain.
pub async fn restore(settings: &Settings, file: &Path, replace: bool) -> anyhow::Result<()> {
    let Some(target) = sqlite_path(&settings.database.url) else {
        bail!("tongxin restore 只用于 SQLite。\n{PG_HELP}");
    };
    if !file.is_file() {
        bail!("备份文件 {} 不存在", file.display());
    }
    if target.exists() {
        if !replace {
            bail!(
                "数据库 {} 已存在。请先停止服务，再加 --replace 恢复（原数据库会改名保留为 {}.before-restore）",
                target.display(),
                target.display()
            );
        }
        // Never over an earlier kept copy: .before-restore, .before-restore.1, …
        let kept_name = (0..)
            .map(|n| match n {
                0 => format!("{}.before-restore", target.display()),
                n => format!("{}.before-restore.{n}", target.display()),
            })
            .find(|k| !Path::new(k).exists())
            .expect("a free name");
        eprintln!("原数据库改名保留为 {kept_name}");
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", target.display()));
            if p.exists() {
                let kept = format!("{kept_name}{suffix}");
                std::fs::rename(&p, &kept).with_context(|| format!("无法把 {} 改名为 {kept}", p.display()))?;
            }
        }
    }
    copy_private(file, &target)?;
    // open_store migrates, refuses a key that does not match, and seals the audit head.
    let store = crate::commands::open_store(settings).await?;
    let counts: Vec<String> = store.row_counts().await?.iter().map(|(t, n)| format!("{t} {n}")).collect();
    println!("已恢复到 {}：密钥与数据库相符；{}", target.display(), counts.join("，"));
    verify(&store, &[]).await
}

fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(to).with_context(|| format!("无法创建 {}", to.display()))?;
    let mut input = std::fs::File::open(from).with_context(|| format!("无法读取 {}", from.display()))?;
    std::io::copy(&mut input, &mut out).with_context(|| format!("无法写入 {}", to.display()))?;
    out.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongxin_testkit::TempDir;

    fn settings(dir: &TempDir, db: &str, key: &str) -> Settings {
        let mut s = Settings::default();
        s.database.url = format!("sqlite://{}", dir.path().join(db).display());
        s.security.pii_key_file = dir.path().join(key).to_string_lossy().into_owned();
        s
    }

    /// Issue 9, R2: a fresh database records its key; a restore without the key file, or with
    /// another key, is refused with a message naming what to restore; the right key starts.
    #[tokio::test]
    async fn a_database_refuses_a_missing_or_different_key() {
        let dir = tongxin_testkit::temp_dir("keycheck");
        let s = settings(&dir, "t.db", "tongxin.key");
        // The first start makes the key file and stores its check value in the database.
        crate::commands::open_store(&s).await.unwrap().db.close().await;
        assert!(Path::new(&s.security.pii_key_file).exists());

        // The right key starts again.
        crate::commands::open_store(&s).await.unwrap().db.close().await;

        // The key file left behind: refused, no new key made.
        let kept = dir.path().join("kept.key");
        std::fs::rename(&s.security.pii_key_file, &kept).unwrap();
        let e = crate::commands::open_store(&s).await.unwrap_err().to_string();
        assert!(e.contains("找不到密钥文件") && e.contains("tongxin.key"), "{e}");
        assert!(!Path::new(&s.security.pii_key_file).exists(), "no new key was made");

        // Another key: refused, naming the key's source.
        std::fs::write(&s.security.pii_key_file, PiiKey::generate_hex()).unwrap();
        let e = crate::commands::open_store(&s).await.unwrap_err().to_string();
        assert!(e.contains("密钥与数据库不符") && e.contains("tongxin.key"), "{e}");
        let mut configured = s.clone();
        configured.security.pii_key = PiiKey::generate_hex();
        let e = crate::commands::open_store(&configured).await.unwrap_err().to_string();
        assert!(e.contains("pii_key"), "{e}");

        std::fs::remove_file(&s.security.pii_key_file).unwrap();
        std::fs::rename(&kept, &s.security.pii_key_file).unwrap();
        crate::commands::open_store(&s).await.unwrap().db.close().await;
    }

    /// Issue 9, R7: backup then restore into a new place with the CLI's own steps; the restore
    /// ends with the key check and a verified audit chain, and an existing database is kept.
    #[tokio::test]
    async fn backup_and_restore_round_trip() {
        let dir = tongxin_testkit::temp_dir("backup-cli");
        let s = settings(&dir, "live.db", "tongxin.key");
        let store = crate::commands::open_store(&s).await.unwrap();
        for i in 0..5 {
            store
                .audit()
                .record(&tongxin_store::Actor::system("t"), tongxin_store::audit::AuditEntry::new("t.e", "x", i))
                .await
                .unwrap();
        }
        let file = dir.path().join("live.backup");
        backup(&s, &file).await.unwrap();
        assert!(backup(&s, &file).await.is_err(), "never overwrites a backup");
        store.db.close().await;

        let mut elsewhere = s.clone();
        elsewhere.database.url = format!("sqlite://{}", dir.path().join("restored.db").display());
        restore(&elsewhere, &file, false).await.unwrap();
        assert!(restore(&elsewhere, &file, false).await.is_err(), "an existing database needs --replace");
        restore(&elsewhere, &file, true).await.unwrap();
        assert!(dir.path().join("restored.db.before-restore").exists());
        let restored = crate::commands::open_store(&elsewhere).await.unwrap();
        assert_eq!(restored.audit().verify().await.unwrap(), Ok(5));
        restored.db.close().await;

        // Restored with a different key: refused after the copy, with the message.
        let mut other_key = elsewhere.clone();
        other_key.security.pii_key = PiiKey::generate_hex();
        let e = restore(&other_key, &file, true).await.unwrap_err().to_string();
        assert!(e.contains("密钥与数据库不符"), "{e}");
        assert!(dir.path().join("restored.db.before-restore.1").exists(), "earlier kept copies stay");

        let mut pg = s.clone();
        pg.database.url = "postgres://u@localhost/x".into();
        let e = backup(&pg, &file).await.unwrap_err().to_string();
        assert!(e.contains("pg_dump") && e.contains("pg_restore"), "{e}");
    }
}
