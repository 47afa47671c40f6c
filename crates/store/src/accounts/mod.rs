//! Staff accounts, sessions and API tokens. Secrets are never stored in clear: passwords as
//! argon2id hashes (made by the web layer), session and API tokens as SHA-256 digests, TOTP
//! secrets encrypted like other personal data.

use crate::audit::{AuditEntry, append};
use crate::error::StoreError;
use crate::{Actor, on_read, on_tx};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::region::RegionCode;

use tongxin_domain::accounts::{SCOPE_MISMATCH, access_fits_role, scope_fits_role};

repository!(
    /// Staff accounts: users, login accounting, TOTP, sessions and API tokens.
    Accounts,
    accounts
);

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope_region: Option<String>,
    pub scope_department: Option<i64>,
    pub can_unmask: bool,
    pub totp_secret: Option<Vec<u8>>,
}

/// What an admin may change of an existing account (`store.accounts().update_access`).
#[derive(Debug, Clone)]
pub struct UserAccess {
    pub role: Role,
    pub scope_region: Option<String>,
    pub scope_department: Option<i64>,
    pub can_unmask: bool,
    pub active: bool,
}

/// A user as the rest of the system sees one (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub can_unmask: bool,
    pub totp_enabled: bool,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    scope_region: Option<String>,
    scope_department: Option<i64>,
    department_street: Option<String>,
    can_unmask: bool,
    totp_enabled: bool,
    active: bool,
}

/// What login needs besides the public fields.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct CredRow {
    password_hash: String,
    totp_secret: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
    failed_logins: i64,
    locked_until: Option<DateTime<Utc>>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub second_factor_ok: bool,
    pub expires_at: DateTime<Utc>,
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.scope_region, u.scope_department, \
     d.street_code AS department_street, u.can_unmask, (u.totp_secret IS NOT NULL) AS totp_enabled, u.active \
     FROM users u LEFT JOIN departments d ON d.id = u.scope_department";

fn to_user(r: UserRow) -> Result<User, StoreError> {
    let bad = || StoreError::Invalid(format!("用户 {} 的角色或范围配置有误", r.username));
    let role = Role::parse(&r.role).ok_or_else(bad)?;
    let scope = match (&r.scope_region, r.scope_department, &r.department_street) {
        (Some(code), None, _) => Scope::Region { code: RegionCode::parse(code).map_err(|_| bad())? },
        (None, Some(id), Some(street)) => {
            Scope::Department { id, street: RegionCode::parse(street).map_err(|_| bad())? }
        }
        (None, None, _) if role == Role::Admin => Scope::All,
        _ => return Err(bad()),
    };
    Ok(User {
        id: r.id,
        username: r.username,
        display_name: r.display_name,
        role,
        scope,
        can_unmask: r.can_unmask,
        totp_enabled: r.totp_enabled,
        active: r.active,
    })
}

/// Constant-time comparison for secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Days an API token lasts unless the issuer says otherwise (issue 9 item 10).
pub const DEFAULT_API_TOKEN_DAYS: i64 = 90;

/// An API token as its owner and admins see it (the secret is shown once, at issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Tokens issued before expiry was recorded last [`DEFAULT_API_TOKEN_DAYS`] from creation.
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    fn with_default_expiry(mut self) -> ApiToken {
        self.expires_at =
            Some(self.expires_at.unwrap_or(self.created_at + chrono::Duration::days(DEFAULT_API_TOKEN_DAYS)));
        self
    }

    /// Usable at `now`: neither revoked nor expired.
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// SHA-256 hex of a bearer secret (session cookie or API token).
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// An account as the transaction that just wrote it sees it.
async fn user_in_tx(tx: &mut crate::Tx, id: i64) -> Result<User, StoreError> {
    let row: UserRow = on_tx!(tx, |c| sqlx::query_as(AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
        .bind(id)
        .fetch_one(c)
        .await)?;
    to_user(row)
}

/// Logs the user out everywhere.
async fn end_sessions(tx: &mut crate::Tx, user_id: i64) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

impl Accounts<'_> {
    pub async fn create_user(&self, actor: &Actor, u: &NewUser) -> Result<User, StoreError> {
        if !scope_fits_role(u.role, u.scope_region.as_deref(), u.scope_department) {
            return Err(StoreError::Invalid(SCOPE_MISMATCH.into()));
        }
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO users (username, display_name, password_hash, role, scope_region, scope_department, can_unmask, totp_secret, \
                   password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9) RETURNING id";
        let secret = u.totp_secret.as_ref().map(|s| self.store.pii().encrypt(&data_encoding::HEXLOWER.encode(s)));
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(sql)
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.role.as_str())
                .bind(&u.scope_region)
                .bind(u.scope_department)
                .bind(u.can_unmask)
                .bind(secret)
                .bind(now)
                .fetch_one(c)
                .await
        })
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("用户名 {} 已存在", u.username)),
            e => e,
        })?;
        let user = user_in_tx(&mut tx, id).await?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("user.create", "user", id).after(digest_of(&user)),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let row: UserRow =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
                .bind(id)
                .fetch_one(p)
                .await)?;
        to_user(row)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(format!("{USER_SELECT} ORDER BY u.id")))
                .fetch_all(p)
                .await)?;
        rows.into_iter().map(to_user).collect()
    }

    pub async fn credentials(&self, username: &str) -> Result<Credentials, StoreError> {
        let row: UserRow = on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(format!(
            "{USER_SELECT} WHERE u.username = $1"
        )))
        .bind(username)
        .fetch_one(p)
        .await)?;
        let user = to_user(row)?;
        let sql =
            "SELECT password_hash, totp_secret, totp_last_step, failed_logins, locked_until FROM users WHERE id = $1";
        let c: CredRow = on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(user.id).fetch_one(p).await)?;
        let totp_secret = match c.totp_secret {
            Some(blob) => Some(
                data_encoding::HEXLOWER
                    .decode(self.store.pii().decrypt(&blob)?.as_bytes())
                    .map_err(|_| StoreError::unavailable("二次验证密钥损坏"))?,
            ),
            None => None,
        };
        Ok(Credentials {
            user,
            password_hash: c.password_hash,
            totp_secret,
            totp_last_step: c.totp_last_step,
            failed_logins: c.failed_logins,
            locked_until: c.locked_until,
        })
    }

    /// Counts a failed login; after `max_failures` in a row the account locks for `lock_for`.
    pub async fn record_login_failure(
        &self,
        user_id: i64,
        max_failures: i64,
        lock_for: Duration,
    ) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let failures: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
            )
            .bind(user_id)
            .fetch_one(c)
            .await
        })?;
        if failures >= max_failures {
            let until = now + lock_for;
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2")
                    .bind(until)
                    .bind(user_id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
            append(
                &mut tx,
                self.store.pii(),
                now,
                &Actor::system("login"),
                AuditEntry::new("user.lock", "user", user_id).detail("连续登录失败，账号临时锁定"),
            )
            .await?;
        }
        tx.commit().await
    }

    pub async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Remembers the last TOTP step used, refusing a replay (the update only applies to a later step).
    pub async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.store.db.begin().await?;
        let sql =
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)";
        let n =
            on_tx!(&mut tx, |c| sqlx::query(sql).bind(step).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n == 1)
    }

    pub async fn set_password(&self, actor: &Actor, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, version = version + 1 WHERE id = $3")
                .bind(password_hash)
                .bind(now)
                .bind(user_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        // Other sessions of the user end with the old password, and so do its API tokens
        // (issue 9 item 10: a leaked password must not leave a working token behind).
        end_sessions(&mut tx, user_id).await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
        )
        .bind(now)
        .bind(user_id)
        .execute(c)
        .await
        .map(|_| ()))?;
        append(&mut tx, self.store.pii(), now, actor, AuditEntry::new("user.password", "user", user_id)).await?;
        tx.commit().await
    }

    /// Changes an account's role, scope, unmask permission and whether it may log in (admin),
    /// with the same scope rule as `store.accounts().create_user`; audited with before/after digests.
    /// A new role or a deactivation ends the account's sessions (a new admin must pass the second
    /// factor); a deactivated account's API tokens stop working too (they check `active`).
    pub async fn update_access(&self, actor: &Actor, id: i64, u: &UserAccess) -> Result<User, StoreError> {
        if !access_fits_role(u.role, u.scope_region.as_deref(), u.scope_department) {
            return Err(StoreError::Invalid(SCOPE_MISMATCH.into()));
        }
        let before = self.store.accounts().user(id).await?;
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE users SET role = $1, scope_region = $2, scope_department = $3, can_unmask = $4, active = $5, \
                   updated_at = $6, version = version + 1 WHERE id = $7";
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(sql)
                .bind(u.role.as_str())
                .bind(&u.scope_region)
                .bind(u.scope_department)
                .bind(u.can_unmask)
                .bind(u.active)
                .bind(now)
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if before.role != u.role || !u.active {
            // A new role logs in afresh (an admin's needs the second factor); a disabled one not at all.
            end_sessions(&mut tx, id).await?;
        }
        let user = user_in_tx(&mut tx, id).await?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("user.update", "user", id).before(digest_of(&before)).after(digest_of(&user)),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn create_session(
        &self,
        user_id: i64,
        token: &str,
        csrf: &str,
        second_factor_ok: bool,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, second_factor_ok, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $5)";
        on_tx!(&mut tx, |c| {
            sqlx::query(sql)
                .bind(token_digest(token))
                .bind(user_id)
                .bind(csrf)
                .bind(second_factor_ok)
                .bind(now)
                .bind(now + ttl)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.commit().await
    }

    /// The session behind a cookie, if it exists, has not expired and its user is active.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let sql = "SELECT user_id, csrf_token, second_factor_ok, expires_at FROM sessions WHERE token_hash = $1";
        let row: Option<(i64, String, bool, DateTime<Utc>)> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(token_digest(token)).fetch_optional(p).await)?;
        let Some((user_id, csrf_token, second_factor_ok, expires_at)) = row else {
            return Ok(None);
        };
        if expires_at <= self.store.now() {
            return Ok(None);
        }
        let user = self.store.accounts().user(user_id).await?;
        Ok(user.active.then_some(Session { user, csrf_token, second_factor_ok, expires_at }))
    }

    /// Enrols a second factor in one transaction: the new secret with `step` (the code that
    /// proved it) as its last used step, the audit record, and the enrolling session marked as
    /// having passed the second factor.
    pub async fn enable_totp(
        &self,
        actor: &Actor,
        user_id: i64,
        secret: &[u8],
        step: i64,
        session_token: &str,
    ) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let blob = self.store.pii().encrypt(&data_encoding::HEXLOWER.encode(secret));
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2, updated_at = $3, version = version + 1 WHERE id = $4")
                .bind(&blob)
                .bind(step)
                .bind(now)
                .bind(user_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        append(&mut tx, self.store.pii(), now, actor, AuditEntry::new("user.totp_enroll", "user", user_id)).await?;
        on_tx!(&mut tx, |c| sqlx::query("UPDATE sessions SET second_factor_ok = TRUE WHERE token_hash = $1")
            .bind(token_digest(session_token))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        let mut tx = self.store.db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_digest(token))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Issues an API token for a machine client acting as `user_id`, valid for
    /// [`DEFAULT_API_TOKEN_DAYS`]; only its digest is kept.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        token: &str,
    ) -> Result<i64, StoreError> {
        let until = self.store.now() + chrono::Duration::days(DEFAULT_API_TOKEN_DAYS);
        self.store.accounts().create_api_token_until(actor, user_id, name, token, until).await
    }

    /// Issues an API token valid until `expires_at`; only its digest is kept.
    pub async fn create_api_token_until(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sql)
            .bind(user_id)
            .bind(name)
            .bind(token_digest(token))
            .bind(now)
            .bind(expires_at)
            .fetch_one(c)
            .await)?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("api_token.create", "api_token", id).detail(name.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// API tokens (never their secrets), newest first: one user's, or everyone's.
    pub async fn api_tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        let cols = "t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at";
        let rows: Vec<ApiToken> = match user_id {
            Some(id) => {
                let sql = format!(
                    "SELECT {cols} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.user_id = $1 ORDER BY t.id DESC"
                );
                on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(id)
                    .fetch_all(p)
                    .await)?
            }
            None => {
                let sql =
                    format!("SELECT {cols} FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC");
                on_read!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)?
            }
        };
        Ok(rows.into_iter().map(ApiToken::with_default_expiry).collect())
    }

    /// Revokes any user's token (an admin's act); `NotFound` if absent or already revoked.
    pub async fn revoke_any_api_token(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let owner: Option<i64> =
            on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await)?;
        self.store.accounts().revoke_api_token(actor, owner.ok_or(StoreError::NotFound)?, id).await
    }

    pub async fn revoke_api_token(&self, actor: &Actor, user_id: i64, id: i64) -> Result<(), StoreError> {
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let sql = "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL";
        let n = on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(now)
            .bind(id)
            .bind(user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, self.store.pii(), now, actor, AuditEntry::new("api_token.revoke", "api_token", id)).await?;
        tx.commit().await
    }

    /// The active user behind a bearer token.
    pub async fn user_by_api_token(&self, token: &str) -> Result<Option<User>, StoreError> {
        let sql = "SELECT user_id, created_at, expires_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL";
        let row: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> =
            on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(token_digest(token)).fetch_optional(p).await)?;
        let now = self.store.now();
        let live = row.filter(|(_, created, expires)| {
            expires.unwrap_or(*created + chrono::Duration::days(DEFAULT_API_TOKEN_DAYS)) > now
        });
        match live.map(|r| r.0) {
            Some(id) => {
                let user = self.store.accounts().user(id).await?;
                Ok(user.active.then_some(user))
            }
            None => Ok(None),
        }
    }
}
