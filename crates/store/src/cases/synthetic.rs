//! Synthetic cases for the benchmarks (`tongxin bench queue|rates`): millions of plausible case
//! rows written in bulk, with the monthly unit counters they imply, so queue and 三率 timings
//! are measured on realistic volumes without running millions of requests first.

use crate::bulk::{Val, create_indexes, drop_indexes, insert_rows, reserve_ids, sync_id_sequence};
use crate::error::StoreError;
use chrono::{DateTime, Duration, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tongxin_domain::case::{CaseState, Channel, Status, Unit};

/// Where the synthetic cases fall.
#[derive(Debug, Clone)]
pub struct SyntheticSpec {
    pub count: u64,
    /// (grid code, street code) pairs to spread cases over.
    pub grids: Vec<(String, String)>,
    /// Department unit keys (`dept:7`) to lead them.
    pub units: Vec<String>,
    pub categories: Vec<String>,
    /// Cases are created over the `days` before `until`.
    pub until: DateTime<Utc>,
    pub days: i64,
    /// Share of the last ten days' cases still open (in someone's queue); older cases are
    /// open less often (see [`open_probability`]), so the open queues stay a working set.
    pub open_share: f64,
    pub seed: u64,
}

/// Words synthetic complaints are made of (what jieba yields for typical reports).
const VOCABULARY: [&str; 48] = [
    "噪音",
    "扰民",
    "装修",
    "夜间",
    "施工",
    "漏水",
    "楼上",
    "卫生间",
    "垃圾",
    "清运",
    "堆放",
    "异味",
    "停车",
    "占道",
    "乱停",
    "道路",
    "破损",
    "井盖",
    "路灯",
    "不亮",
    "供水",
    "停水",
    "水压",
    "供电",
    "停电",
    "燃气",
    "泄漏",
    "物业",
    "收费",
    "电梯",
    "故障",
    "绿化",
    "树木",
    "修剪",
    "油烟",
    "餐饮",
    "污染",
    "广场舞",
    "宠物",
    "狗叫",
    "违章",
    "搭建",
    "小区",
    "门口",
    "摊贩",
    "外卖",
    "电动车",
    "充电",
];

/// The statuses of open cases and their shares: most wait with a unit, a few await dispatch
/// or verification.
const OPEN_STATUSES: [(&str, f64); 6] = [
    ("received", 0.08),
    ("accepted", 0.04),
    ("dispatched", 0.35),
    ("acknowledged", 0.38),
    ("handled", 0.10),
    ("verified", 0.05),
];
/// The statuses of finished cases and their shares.
const CLOSED_STATUSES: [(&str, f64); 4] = [("rated", 0.55), ("closed", 0.35), ("rejected", 0.06), ("merged", 0.04)];
/// How cases come in, as at a street office: the 12345 hotline first.
const CHANNELS: [(&str, f64); 5] =
    [("hotline", 0.55), ("web", 0.25), ("patrol", 0.12), ("staff", 0.05), ("open311", 0.03)];

/// Picks from `(value, share)` pairs whose shares add up to 1.
fn pick<'a>(rng: &mut ChaCha8Rng, shares: &[(&'a str, f64)]) -> &'a str {
    let mut x = rng.random::<f64>();
    for (v, share) in shares {
        if x < *share {
            return v;
        }
        x -= share;
    }
    shares[shares.len() - 1].0
}

/// Whether a case `age_days` old is still open: `share` for the last ten days, a third of it
/// for the ten to thirty days before, and one in a hundred of older ones (stuck cases).
fn open_probability(share: f64, age_days: f64) -> f64 {
    if age_days < 10.0 {
        share
    } else if age_days < 30.0 {
        share / 3.0
    } else {
        0.01
    }
}

/// Category index with Zipf-like shares (a few categories take most cases, as 噪音 and 垃圾 do).
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let total: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
    let mut x = rng.random::<f64>() * total;
    for k in 1..=n {
        x -= 1.0 / k as f64;
        if x < 0.0 {
            return k - 1;
        }
    }
    n - 1
}

const COLS: [&str; 20] = [
    "id",
    "code",
    "street_code",
    "grid_code",
    "category_code",
    "kind",
    "urgency",
    "channel",
    "title",
    "description",
    "dedupe_key",
    "status",
    "open",
    "lead_unit",
    "state",
    "due_at",
    "deadline_at",
    "overdue",
    "created_at",
    "updated_at",
];

impl super::Cases<'_> {
    /// Writes `spec.count` cases (and their counters) in one transaction, in chunks, reporting
    /// progress; returns how many were written. A load of more than [`REBUILD_INDEXES_FROM`]
    /// cases that more than doubles the table drops the tables' indexes first and builds them
    /// again at the end.
    pub async fn seed_synthetic(&self, spec: &SyntheticSpec, progress: &mut dyn FnMut(u64)) -> Result<u64, StoreError> {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let mut counters: HashMap<(String, String), [i64; super::history::STAT_COLUMNS.len()]> = HashMap::new();
        let mut written = 0u64;
        let chunk = 20_000u64;
        let have = self.count().await? as u64;
        let mut tx = self.store.db.begin().await?;
        let rebuilt = if spec.count >= REBUILD_INDEXES_FROM && spec.count > have {
            drop_indexes(&mut tx, &["cases", "case_participants", "case_fts"]).await?
        } else {
            Vec::new()
        };
        while written < spec.count {
            let n = chunk.min(spec.count - written);
            let first = reserve_ids(&mut tx, "cases").await?;
            let mut rows = Vec::with_capacity(n as usize);
            let mut words = Vec::with_capacity(n as usize);
            let mut participants = Vec::with_capacity(n as usize);
            for k in 0..n {
                let id = first + k as i64;
                let (grid, street) = spec.grids[rng.random_range(0..spec.grids.len())].clone();
                let unit = spec.units[rng.random_range(0..spec.units.len())].clone();
                let age = rng.random::<f64>() * spec.days as f64;
                let created = spec.until - Duration::seconds((age * 86_400.0) as i64);
                let deadline = created + Duration::days(7 + (rng.random::<u64>() % 8) as i64);
                let open = rng.random::<f64>() < open_probability(spec.open_share, age);
                let status = if open { pick(&mut rng, &OPEN_STATUSES) } else { pick(&mut rng, &CLOSED_STATUSES) };
                let status = Status::parse(status).unwrap_or(Status::Dispatched);
                // Awaiting dispatch: no unit, no deadline, ordered by the time it was reported.
                let waiting = matches!(status, Status::Received | Status::Accepted);
                let (lead, deadline, due) =
                    if waiting { (None, None, created) } else { (Some(unit.clone()), Some(deadline), deadline) };
                // Open past the deadline is overdue; about one finished case in twelve was.
                let overdue = match deadline {
                    Some(d) if open => d < spec.until,
                    Some(_) => rng.random::<f64>() < 0.08,
                    None => false,
                };
                let channel = pick(&mut rng, &CHANNELS);
                // A state that decodes like any case's (CaseView reads it into CaseState).
                let state = CaseState {
                    status,
                    lead: lead.as_deref().and_then(Unit::parse_key),
                    deadline,
                    dispatched_at: lead.as_ref().map(|_| created),
                    ..CaseState::new(Channel::parse(channel).unwrap_or(Channel::Web))
                };
                let state = serde_json::to_string(&state).map_err(|e| StoreError::Invalid(e.to_string()))?;
                // The lead unit's inbox row: held while with it, kept as reported afterwards.
                let participant = match status {
                    Status::Dispatched | Status::Acknowledged => Some(status.as_str()),
                    Status::Handled | Status::Verified | Status::Closed | Status::Rated => Some("reported"),
                    _ => None,
                };
                if let (Some(p), Some(l)) = (participant, &lead) {
                    participants.push(vec![id.into(), l.clone().into(), "lead".into(), p.into(), Val::TsOpt(deadline)]);
                }
                rows.push(vec![
                    id.into(),
                    format!("SYN{:010}", id).into(),
                    street.clone().into(),
                    grid.clone().into(),
                    spec.categories[zipf(&mut rng, spec.categories.len())].clone().into(),
                    "complaint".into(),
                    "general".into(),
                    channel.into(),
                    "合成诉求".into(),
                    "用于性能测试的合成诉求".into(),
                    format!("syn{id}").into(),
                    status.as_str().into(),
                    open.into(),
                    lead.clone().into(),
                    state.into(),
                    due.into(),
                    Val::TsOpt(deadline),
                    overdue.into(),
                    created.into(),
                    created.into(),
                ]);
                let text: Vec<&str> = (0..6).map(|_| VOCABULARY[rng.random_range(0..VOCABULARY.len())]).collect();
                words.push(vec![id.into(), super::search::case_words(&text.join(" "), &street, Some(&grid)).into()]);
                // The counters this case implies, for its unit and areas, in its month.
                let month = crate::cases::synthetic::month(created);
                let responded = rng.random::<f64>() < 0.9;
                let (rated, resolved, satisfied, reopened) = if open {
                    (false, false, false, false)
                } else {
                    let reopened = rng.random::<f64>() < 0.05;
                    (
                        !reopened,
                        !reopened && rng.random::<f64>() < 0.85,
                        !reopened && rng.random::<f64>() < 0.9,
                        reopened,
                    )
                };
                for key in [unit, format!("area:{street}"), format!("area:{}", &grid[..12]), format!("area:{grid}")] {
                    let c = counters.entry((month.clone(), key)).or_insert([0; super::history::STAT_COLUMNS.len()]);
                    c[0] += 1;
                    c[1] += responded as i64;
                    c[2] += rated as i64;
                    c[3] += resolved as i64;
                    c[4] += satisfied as i64;
                    c[5] += reopened as i64;
                }
            }
            insert_rows(&mut tx, "cases", &COLS, &rows).await?;
            insert_rows(&mut tx, "case_fts", &["rowid", "words"], &words).await?;
            insert_rows(
                &mut tx,
                "case_participants",
                &["case_id", "unit", "role", "status", "deadline_at"],
                &participants,
            )
            .await?;
            sync_id_sequence(&mut tx, "cases").await?;
            written += n;
            progress(written);
        }
        create_indexes(&mut tx, &rebuilt).await?;
        let totals: super::history::StatTotals = counters.into_iter().collect();
        super::history::add_unit_month_stats(&mut tx, &totals).await?;
        tx.commit().await?;
        self.store.db.analyze().await?;
        Ok(written)
    }
}

/// Loads at least this large (and larger than the table) rebuild the indexes instead of
/// updating them row by row.
pub const REBUILD_INDEXES_FROM: u64 = 100_000;

/// `YYYY-MM` in Shanghai time.
pub fn month(t: DateTime<Utc>) -> String {
    tongxin_domain::kernel::clock::shanghai(t).format("%Y-%m").to_string()
}
