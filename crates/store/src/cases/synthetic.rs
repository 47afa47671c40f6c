//! Synthetic cases for the benchmarks (`tongxin bench queue|rates`): millions of plausible case
//! rows written in bulk, with the monthly unit counters they imply, so queue and 三率 timings
//! are measured on realistic volumes without running millions of requests first.

use crate::bulk::{Val, insert_rows, reserve_ids, sync_id_sequence};
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
    /// Share of cases still open (in someone's queue).
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

const COLS: [&str; 19] = [
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
    "created_at",
    "updated_at",
];

impl super::Cases<'_> {
    /// Writes `spec.count` cases (and their counters) in chunks, reporting progress; returns
    /// how many were written.
    pub async fn seed_synthetic(&self, spec: &SyntheticSpec, progress: &mut dyn FnMut(u64)) -> Result<u64, StoreError> {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let mut counters: HashMap<(String, String), [i64; 6]> = HashMap::new();
        let mut written = 0u64;
        let chunk = 20_000u64;
        while written < spec.count {
            let n = chunk.min(spec.count - written);
            let mut tx = self.store.db.begin().await?;
            let first = reserve_ids(&mut tx, "cases").await?;
            let mut rows = Vec::with_capacity(n as usize);
            let mut words = Vec::with_capacity(n as usize);
            for k in 0..n {
                let id = first + k as i64;
                let (grid, street) = spec.grids[rng.random_range(0..spec.grids.len())].clone();
                let unit = spec.units[rng.random_range(0..spec.units.len())].clone();
                let created =
                    spec.until - Duration::seconds((rng.random::<f64>() * (spec.days * 86_400) as f64) as i64);
                let deadline = created + Duration::days(7 + (rng.random::<u64>() % 8) as i64);
                let open = rng.random::<f64>() < spec.open_share;
                let status =
                    if open { if rng.random::<f64>() < 0.5 { "dispatched" } else { "acknowledged" } } else { "rated" };
                // A state that decodes like any case's (CaseView reads it into CaseState).
                let state = CaseState {
                    status: Status::parse(status).unwrap_or(Status::Dispatched),
                    lead: Unit::parse_key(&unit),
                    deadline: Some(deadline),
                    dispatched_at: Some(created),
                    ..CaseState::new(Channel::Web)
                };
                let state = serde_json::to_string(&state).map_err(|e| StoreError::Invalid(e.to_string()))?;
                rows.push(vec![
                    id.into(),
                    format!("SYN{:010}", id).into(),
                    street.clone().into(),
                    grid.clone().into(),
                    spec.categories[rng.random_range(0..spec.categories.len())].clone().into(),
                    "complaint".into(),
                    "general".into(),
                    "web".into(),
                    "合成诉求".into(),
                    "用于性能测试的合成诉求".into(),
                    format!("syn{id}").into(),
                    status.into(),
                    open.into(),
                    unit.clone().into(),
                    state.into(),
                    deadline.into(),
                    Val::TsOpt(Some(deadline)),
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
                    let c = counters.entry((month.clone(), key)).or_insert([0; 6]);
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
            sync_id_sequence(&mut tx, "cases").await?;
            tx.commit().await?;
            written += n;
            progress(written);
        }
        let mut tx = self.store.db.begin().await?;
        let totals: super::history::StatTotals = counters.into_iter().collect();
        super::history::add_unit_month_stats(&mut tx, &totals).await?;
        tx.commit().await?;
        self.store.db.analyze().await?;
        Ok(written)
    }
}

/// `YYYY-MM` in Shanghai time.
pub fn month(t: DateTime<Utc>) -> String {
    tongxin_domain::kernel::clock::shanghai(t).format("%Y-%m").to_string()
}
