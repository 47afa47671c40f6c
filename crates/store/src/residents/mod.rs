//! Residents: the register of people, with encrypted ID and phone numbers.
//!
//! Search never decrypts: a full ID or phone number is matched through its blind index, the
//! last four digits (shown in the masked form anyway) through the `*_tail` columns, a name by
//! prefix. Every query is bounded by the caller's people scope.
//!
//! A search by a full number confirms a guess, so it is an unmask (issue 9, High 1): only
//! `store.residents().search_as` runs one, for holders of the unmask permission, after an audit
//! record and within a per-user limit counted from those records. Any other digit string than
//! the last four is refused: a longer partial number would narrow the masked part.

use crate::audit::{AuditEntry, append, record_limited};
use crate::bulk::{Val, insert_rows};
use crate::db::Tx;
use crate::error::StoreError;
use crate::{Actor, Page, Paged, on_read, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::kernel::access::Scope;
use tongxin_domain::kernel::audit::digest_of;
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::region::subtree_range;
use tongxin_domain::people::idcard::{Gender, IdNumber};

repository!(
    /// Residents: scoped search, masked and unmasked reads, create and update.
    Residents,
    residents
);

/// The tags a register commonly carries (free tags are allowed too).
pub const KNOWN_TAGS: [&str; 8] = ["独居老人", "高龄", "残疾", "低保", "留守儿童", "重点关注", "退役军人", "党员"];

#[derive(Debug, Clone)]
pub struct NewResident {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_code: String,
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
    /// 与户主关系: 户主, 配偶, 子女, 父母, 孙子女, 其他.
    pub relation: String,
    pub tags: Vec<String>,
}

/// A resident as anyone in scope sees them: ID and phone masked.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Resident {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_code: String,
    pub name: String,
    pub gender: String,
    /// Never sent to clients: beside the masked ID (first four, last four) the birth date
    /// leaves a handful of candidates (issue 9, High 1). Pages show the age instead.
    #[serde(skip)]
    pub birth_date: NaiveDate,
    pub relation: String,
    pub id_masked: String,
    pub phone_masked: Option<String>,
    #[serde(serialize_with = "split_tags")]
    pub tags: String,
    pub version: i64,
}

fn split_tags<S: serde::Serializer>(tags: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(tags.split(',').filter(|t| !t.is_empty()))
}

/// The two secrets in clear, for users holding the unmask permission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmasked {
    pub id: i64,
    pub id_number: String,
    pub phone: Option<String>,
}

/// What a search asks for; `q` is a name prefix, a full or last-four ID/phone number.
#[derive(Debug, Clone, Default)]
pub struct ResidentQuery {
    pub q: String,
    pub tag: Option<String>,
    pub grid: Option<String>,
}

/// Who searches, for full-number searches: the audit actor and the unmask permission.
#[derive(Debug, Clone, Copy)]
pub struct Searcher<'a> {
    pub actor: &'a Actor,
    pub can_unmask: bool,
}

/// Full-number searches one user may run per rolling hour (counted from the audit log, so the
/// limit holds across server processes and restarts).
pub const FULL_NUMBER_SEARCHES_PER_HOUR: i64 = 60;

/// The audit action of a full-number search.
pub const SEARCH_FULL_ACTION: &str = "resident.search_full";

/// The audit action of a search of the case queue by a requester's full phone number.
pub const CASE_PHONE_SEARCH_ACTION: &str = "case.search_phone";

/// Every full-number search counts against one hourly limit per user.
pub const FULL_NUMBER_SEARCH_ACTIONS: [&str; 2] = [SEARCH_FULL_ACTION, CASE_PHONE_SEARCH_ACTION];

/// What a search text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryKind {
    All,
    Name(String),
    /// The last four digits of an ID (may end in X) or phone.
    Tail(String),
    FullId(IdNumber),
    FullPhone(String),
}

impl QueryKind {
    /// A full number: confirms a guess, so it needs the unmask permission.
    pub fn is_unmask(&self) -> bool {
        matches!(self, QueryKind::FullId(_) | QueryKind::FullPhone(_))
    }
}

/// Refusal of any other digit string.
pub const PARTIAL_NUMBER_REFUSED: &str =
    "号码只能按后 4 位查找；按完整手机号或身份证号查找需要查看完整号码的权限，并会记入审计日志";
/// Refusal of a full number to a user without the unmask permission.
pub const FULL_NUMBER_NEEDS_UNMASK: &str =
    "按完整手机号或身份证号查找等同于查看完整号码，您没有该权限；请按姓名或号码后 4 位查找";

/// Classifies a search text. Digit strings (an `X` allowed as an ID's last character) are a
/// last four, a full phone (11) or a full ID (18); every other length is refused.
pub fn classify_query(q: &str) -> Result<QueryKind, StoreError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(QueryKind::All);
    }
    let digits_then_x = |s: &str| {
        let b = s.as_bytes();
        let (last, body) = b.split_last().expect("non-empty");
        body.iter().all(u8::is_ascii_digit) && (last.is_ascii_digit() || *last == b'X' || *last == b'x')
    };
    if !digits_then_x(q) {
        return Ok(QueryKind::Name(q.to_string()));
    }
    let ends_in_x = !q.as_bytes()[q.len() - 1].is_ascii_digit();
    match q.len() {
        4 => Ok(QueryKind::Tail(q.to_ascii_uppercase())),
        11 if !ends_in_x => Ok(QueryKind::FullPhone(q.to_string())),
        18 => IdNumber::parse(q).map(QueryKind::FullId).map_err(|e| StoreError::Invalid(e.to_string())),
        _ => Err(StoreError::Invalid(PARTIAL_NUMBER_REFUSED.into())),
    }
}

/// Why a search was not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchRefused {
    #[error("{FULL_NUMBER_NEEDS_UNMASK}")]
    NeedsUnmask,
    #[error("按完整号码查找过于频繁（每人每小时最多 {FULL_NUMBER_SEARCHES_PER_HOUR} 次），请稍后再试")]
    RateLimited,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records a search by a full number (an unmask) before it runs: refused without the unmask
/// permission; audited with `entry` (a masked form and keyed digest, never the number); refused
/// past [`FULL_NUMBER_SEARCHES_PER_HOUR`] per user, counted over every kind of full-number
/// search ([`FULL_NUMBER_SEARCH_ACTIONS`]); a refused search leaves no record.
pub(crate) async fn record_full_number_search(
    store: &crate::Store,
    who: Searcher<'_>,
    entry: AuditEntry,
) -> Result<(), SearchRefused> {
    if !who.can_unmask {
        return Err(SearchRefused::NeedsUnmask);
    }
    if !record_limited(store, who.actor, entry, &FULL_NUMBER_SEARCH_ACTIONS, FULL_NUMBER_SEARCHES_PER_HOUR).await? {
        return Err(SearchRefused::RateLimited);
    }
    Ok(())
}

/// Editable fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ResidentPatch {
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub tags: Option<Vec<String>>,
}

const COLS: &str = "r.id, r.household_id, r.grid_code, r.name, r.gender, r.birth_date, r.relation, r.id_masked, r.phone_masked, r.tags, r.version";

const INSERT_COLS: [&str; 19] = [
    "id",
    "household_id",
    "grid_code",
    "street_code",
    "name",
    "gender",
    "birth_date",
    "relation",
    "id_cipher",
    "id_hmac",
    "id_masked",
    "id_tail",
    "phone_cipher",
    "phone_hmac",
    "phone_masked",
    "phone_tail",
    "tags",
    "created_at",
    "updated_at",
];

fn gender_str(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> =
        tags.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty() && !t.contains(',')).collect();
    out.sort();
    out.dedup();
    out
}

impl Residents<'_> {
    fn resident_row(&self, r: &NewResident, now: DateTime<Utc>) -> Vec<Val> {
        let pii = self.store.pii();
        let id = &r.id_number;
        vec![
            r.id.into(),
            r.household_id.into(),
            r.grid_code.clone().into(),
            r.grid_code.get(..9).unwrap_or("").into(),
            r.name.clone().into(),
            gender_str(id.gender()).into(),
            id.birth_date().into(),
            r.relation.clone().into(),
            pii.encrypt(id.as_str()).into(),
            pii.blind_index(id.as_str()).into(),
            id.masked().into(),
            id.tail4().into(),
            r.phone.as_ref().map(|p| pii.encrypt(p.as_str())).into(),
            r.phone.as_ref().map(|p| pii.blind_index(p.as_str())).into(),
            r.phone.as_ref().map(|p| p.masked()).into(),
            r.phone.as_ref().map(|p| p.tail4().to_string()).into(),
            clean_tags(&r.tags).join(",").into(),
            now.into(),
            now.into(),
        ]
    }

    /// Bulk insert for loads; ids reserved by the caller, duplicates refused by the unique index.
    pub async fn insert_many(&self, tx: &mut Tx, items: &[NewResident], now: DateTime<Utc>) -> Result<u64, StoreError> {
        let rows: Vec<Vec<Val>> = items.iter().map(|r| self.resident_row(r, now)).collect();
        let n = insert_rows(tx, "residents", &INSERT_COLS, &rows).await?;
        let tag_rows: Vec<Vec<Val>> = items
            .iter()
            .flat_map(|r| {
                clean_tags(&r.tags).into_iter().map(move |t| vec![r.id.into(), t.into(), r.grid_code.clone().into()])
            })
            .collect();
        insert_rows(tx, "resident_tags", &["resident_id", "tag", "grid_code"], &tag_rows).await?;
        Ok(n)
    }

    /// Which of these ID numbers are already registered (for import checks), by blind index.
    pub async fn existing_id_numbers(&self, ids: &[&IdNumber]) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for id in ids {
            let hit: Option<i64> = on_read!(&self.store.db, |p| {
                sqlx::query_scalar("SELECT id FROM residents WHERE id_hmac = $1")
                    .bind(self.store.pii().blind_index(id.as_str()))
                    .fetch_optional(p)
                    .await
            })?;
            if hit.is_some() {
                found.push(id.as_str().to_string());
            }
        }
        Ok(found)
    }

    /// A search without a person behind it (loads, benchmarks, tests): a full number is refused,
    /// since only `store.residents().search_as` can record it.
    pub async fn search(
        &self,
        scope: &Scope,
        query: &ResidentQuery,
        page: Page,
    ) -> Result<Paged<Resident>, StoreError> {
        let kind = classify_query(&query.q)?;
        if kind.is_unmask() {
            return Err(StoreError::Invalid(FULL_NUMBER_NEEDS_UNMASK.into()));
        }
        self.run_search(scope, query, &kind, page).await
    }

    /// A person's search. A full number needs the unmask permission; it is audited (its masked
    /// form and keyed digest, never the number) before it runs, and refused past the hourly
    /// limit — the record and the count share the audit head's lock, so parallel searches
    /// cannot slip past the limit.
    pub async fn search_as(
        &self,
        scope: &Scope,
        who: Searcher<'_>,
        query: &ResidentQuery,
        page: Page,
    ) -> Result<Paged<Resident>, SearchRefused> {
        let kind = classify_query(&query.q)?;
        if kind.is_unmask() {
            scope.people_prefix().ok_or(StoreError::NotFound)?;
            let (what, masked, digest) = match &kind {
                QueryKind::FullId(id) => ("身份证号", id.masked(), self.store.pii().blind_index(id.as_str())),
                QueryKind::FullPhone(p) => {
                    ("手机号", tongxin_domain::kernel::mask::mask_phone(p), self.store.pii().blind_index(p))
                }
                _ => unreachable!("full numbers only"),
            };
            let entry = AuditEntry::new(SEARCH_FULL_ACTION, "resident", "search")
                .after(data_encoding::HEXLOWER.encode(&digest))
                .detail(format!("按完整{what}查找 {masked}"));
            record_full_number_search(self.store, who, entry).await?;
        }
        Ok(self.run_search(scope, query, &kind, page).await?)
    }

    async fn run_search(
        &self,
        scope: &Scope,
        query: &ResidentQuery,
        kind: &QueryKind,
        page: Page,
    ) -> Result<Paged<Resident>, StoreError> {
        let people = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let prefix = crate::places::narrow(people, query.grid.as_deref())?;
        let (lo, hi) = subtree_range(&prefix);
        let tag = query.tag.clone().unwrap_or_default();
        // With a tag, the (tag, grid_code, resident_id) index drives the search; without one,
        // $3 is bound but constant, so each case is its own SQL text with its own plan.
        let tag_filter = if tag.is_empty() {
            "$3 = ''"
        } else {
            "r.id IN (SELECT t.resident_id FROM resident_tags t WHERE t.tag = $3 AND t.grid_code >= $1 AND t.grid_code < $2)"
        };
        let scope_filter = "r.grid_code >= $1 AND r.grid_code < $2";
        // Each search mode is its own SQL text; $4/$5 are the mode's key, $6/$7 the page.
        let (mode_filter, order, k1, k2): (&str, &str, Val, Val) = match kind {
            QueryKind::All => ("($4 = '' AND $5 = '')", "r.grid_code, r.id", "".into(), "".into()),
            QueryKind::FullId(id) => {
                ("(r.id_hmac = $4 AND $5 = '')", "r.id", self.store.pii().blind_index(id.as_str()).into(), "".into())
            }
            QueryKind::FullPhone(p) => {
                ("(r.phone_hmac = $4 AND $5 = '')", "r.id", self.store.pii().blind_index(p).into(), "".into())
            }
            QueryKind::Tail(tail) => {
                ("(r.id_tail = $4 OR r.phone_tail = $5)", "r.id", tail.clone().into(), tail.clone().into())
            }
            // Prefix range: byte order on both backends (SQLite BINARY, PostgreSQL COLLATE "C").
            QueryKind::Name(q) => {
                ("(r.name >= $4 AND r.name < $5)", "r.name, r.id", q.clone().into(), format!("{q}\u{10FFFF}").into())
            }
        };
        // A tag alone walks the tag index in order and stops after a page; the count reads only
        // that index. Otherwise residents drive, filtered by scope, tag and the mode's key.
        let (from, count_from, filter, order) = if *kind == QueryKind::All && !tag.is_empty() {
            let filter = format!("t.tag = $3 AND t.grid_code >= $1 AND t.grid_code < $2 AND {mode_filter}");
            (
                "resident_tags t JOIN residents r ON r.id = t.resident_id",
                "resident_tags t",
                filter,
                "t.grid_code, t.resident_id",
            )
        } else {
            let filter = format!("{scope_filter} AND {tag_filter} AND {mode_filter}");
            ("residents r", "residents r", filter, order)
        };
        let sql = format!("SELECT {COLS} FROM {from} WHERE {filter} ORDER BY {order} LIMIT $6 OFFSET $7");
        let count_sql = format!("SELECT COUNT(*) FROM {count_from} WHERE {filter}");
        macro_rules! bind_key {
            ($q:expr, $v:expr) => {
                match $v {
                    Val::Bytes(b) => $q.bind(b.clone()),
                    Val::Text(t) => $q.bind(t.clone()),
                    _ => unreachable!("keys are text or bytes"),
                }
            };
        }
        let items = on_read!(&self.store.db, |p| {
            let qy = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(&lo).bind(&hi).bind(&tag);
            let qy = bind_key!(qy, &k1);
            let qy = bind_key!(qy, &k2);
            qy.bind(page.limit()).bind(page.offset()).fetch_all(p).await
        })?;
        let total = on_read!(&self.store.db, |p| {
            let qy = sqlx::query_scalar(AssertSqlSafe(count_sql.as_str())).bind(&lo).bind(&hi).bind(&tag);
            let qy = bind_key!(qy, &k1);
            let qy = bind_key!(qy, &k2);
            qy.fetch_one(p).await
        })?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total, total_capped: false })
    }

    pub async fn get(&self, scope: &Scope, id: i64) -> Result<Resident, StoreError> {
        let sql = format!("SELECT {COLS} FROM residents r WHERE r.id = $1");
        let r: Resident =
            on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(p).await)?;
        if scope.covers_people_at(&r.grid_code) { Ok(r) } else { Err(StoreError::NotFound) }
    }

    /// Decrypts ID and phone for a user with the unmask permission; the read is audited first,
    /// so no one sees the data without a record of it.
    pub async fn get_unmasked(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<Unmasked, StoreError> {
        let r = self.store.residents().get(scope, id).await?;
        let (id_cipher, phone_cipher): (Vec<u8>, Option<Vec<u8>>) = on_read!(&self.store.db, |p| {
            sqlx::query_as("SELECT id_cipher, phone_cipher FROM residents WHERE id = $1").bind(id).fetch_one(p).await
        })?;
        let out = Unmasked {
            id: r.id,
            id_number: self.store.pii().decrypt(&id_cipher)?,
            phone: phone_cipher.map(|c| self.store.pii().decrypt(&c)).transpose()?,
        };
        self.store
            .audit()
            .record(actor, AuditEntry::new("resident.unmask", "resident", id).detail("查看完整身份证号和手机号"))
            .await?;
        Ok(out)
    }

    /// Registers one resident (信息采集) with an audit record.
    pub async fn create(&self, scope: &Scope, actor: &Actor, mut r: NewResident) -> Result<Resident, StoreError> {
        if !scope.covers_people_at(&r.grid_code) {
            return Err(StoreError::NotFound);
        }
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        if let Some(h) = r.household_id {
            let grid: Option<String> = on_tx!(&mut tx, |c| {
                sqlx::query_scalar("SELECT grid_code FROM households WHERE id = $1").bind(h).fetch_optional(c).await
            })?;
            if grid.as_deref() != Some(r.grid_code.as_str()) {
                return Err(StoreError::Invalid("户不存在或不在该网格".into()));
            }
        }
        r.id = crate::bulk::reserve_ids(&mut tx, "residents").await?;
        if let Err(e) = self.store.residents().insert_many(&mut tx, std::slice::from_ref(&r), now).await {
            let StoreError::Conflict(_) = e else { return Err(e) };
            drop(tx);
            // "Already registered" confirms an ID number as a search would: recorded (masked
            // form and keyed digest only) so that guessing by registration shows in the log.
            let digest = data_encoding::HEXLOWER.encode(&self.store.pii().blind_index(r.id_number.as_str()));
            let entry = AuditEntry::new("resident.create_duplicate", "resident", "duplicate")
                .after(digest)
                .detail(format!("登记已存在的身份证号 {}", r.id_number.masked()));
            self.store.audit().record(actor, entry).await?;
            return Err(StoreError::Conflict("该身份证号已登记".into()));
        }
        crate::bulk::sync_id_sequence(&mut tx, "residents").await?;
        let created = self.resident_in_tx(&mut tx, r.id).await?;
        append(
            &mut tx,
            self.store.pii(),
            now,
            actor,
            AuditEntry::new("resident.create", "resident", r.id).after(digest_of(&created)),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn resident_in_tx(&self, tx: &mut Tx, id: i64) -> Result<Resident, StoreError> {
        let sql = format!("SELECT {COLS} FROM residents r WHERE r.id = $1");
        Ok(on_tx!(tx, |c| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?)
    }

    /// Updates editable fields if `version` is still current; a stale version is a conflict.
    pub async fn update(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        version: i64,
        patch: &ResidentPatch,
    ) -> Result<Resident, StoreError> {
        let phone = match patch.phone.as_deref().map(str::trim) {
            Some("") => Some(None),
            Some(p) => Some(Some(Phone::parse(p).map_err(|e| StoreError::Invalid(e.to_string()))?)),
            None => None,
        };
        let now = self.store.now();
        let mut tx = self.store.db.begin().await?;
        let before = self.resident_in_tx(&mut tx, id).await?;
        if !scope.covers_people_at(&before.grid_code) {
            return Err(StoreError::NotFound);
        }
        if before.version != version {
            return Err(StoreError::stale());
        }
        let relation = patch.relation.clone().unwrap_or_else(|| before.relation.clone());
        let tags = patch
            .tags
            .as_ref()
            .map(|t| clean_tags(t))
            .unwrap_or_else(|| before.tags.split(',').filter(|t| !t.is_empty()).map(String::from).collect());
        let sql = "UPDATE residents SET relation = $1, tags = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5";
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(sql)
                .bind(&relation)
                .bind(tags.join(","))
                .bind(now)
                .bind(id)
                .bind(version)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        if n != 1 {
            return Err(StoreError::stale());
        }
        if let Some(phone) = phone {
            let pii = self.store.pii();
            let sql = "UPDATE residents SET phone_cipher = $1, phone_hmac = $2, phone_masked = $3, phone_tail = $4 WHERE id = $5";
            on_tx!(&mut tx, |c| {
                sqlx::query(sql)
                    .bind(phone.as_ref().map(|p| pii.encrypt(p.as_str())))
                    .bind(phone.as_ref().map(|p| pii.blind_index(p.as_str())))
                    .bind(phone.as_ref().map(|p| p.masked()))
                    .bind(phone.as_ref().map(|p| p.tail4().to_string()))
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        if patch.tags.is_some() {
            on_tx!(&mut tx, |c| sqlx::query("DELETE FROM resident_tags WHERE resident_id = $1")
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            let rows: Vec<Vec<Val>> =
                tags.iter().map(|t| vec![id.into(), t.clone().into(), before.grid_code.clone().into()]).collect();
            insert_rows(&mut tx, "resident_tags", &["resident_id", "tag", "grid_code"], &rows).await?;
        }
        let after = self.resident_in_tx(&mut tx, id).await?;
        let entry =
            AuditEntry::new("resident.update", "resident", id).before(digest_of(&before)).after(digest_of(&after));
        append(&mut tx, self.store.pii(), now, actor, entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        Ok(on_read!(&self.store.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM residents").fetch_one(p).await)?)
    }
}

impl Residents<'_> {
    /// The members of one household, if the scope covers it.
    pub async fn in_household(&self, scope: &Scope, household: i64) -> Result<Vec<Resident>, StoreError> {
        let people = scope.people_prefix().ok_or(StoreError::NotFound)?;
        let (lo, hi) = subtree_range(people);
        let sql = format!(
            "SELECT {COLS} FROM residents r WHERE r.household_id = $1 AND r.grid_code >= $2 AND r.grid_code < $3 ORDER BY r.id"
        );
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(household)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(p)
            .await)?)
    }
}
