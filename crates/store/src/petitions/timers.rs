//! The queries of the petition timers (run by the jobs through `tongxin_app::petitions`): the
//! warning and overdue marks of each petition's earliest pending duty (the domain's `clocks`,
//! kept as the row's `next_*` columns by every save) with their notices, and the petitions whose
//! 复查/复核 window lapsed (to be concluded as the domain says).
//!
//! Like the case and mediation timers, each mark is one `UPDATE … WHERE id IN (SELECT … LIMIT n)
//! AND <still due> RETURNING …` with its notices in the same transaction; the due condition is
//! repeated outside the subquery so a second process on PostgreSQL skips what the first marked.
//! Marks leave the version alone (bookkeeping, not a decision); a save that moves the deadline
//! clears them.

use super::write::{NewNotice, OUTBOX_COLS, outbox_rows};
use super::{Petitions, duty_unit};
use crate::bulk::insert_rows;
use crate::error::StoreError;
use crate::{on_read, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use tongxin_domain::case::Unit;
use tongxin_domain::petition::ClockKind;

/// A petition just marked (warned of its next deadline, or overdue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MarkedPetition {
    pub id: i64,
    pub code: String,
    pub street_code: String,
    pub holder_unit: Option<String>,
    pub next_clock: Option<String>,
    pub next_deadline: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A petition due for a system decision (a lapsed window), with the version to guard it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DuePetition {
    pub id: i64,
    pub code: String,
    pub version: i64,
}

/// The text of a clock notice: a warning (`overdue` false) or the overdue notice, naming the
/// clock and its article.
pub fn clock_text(code: &str, kind: ClockKind, deadline: DateTime<Utc>, overdue: bool) -> String {
    let when = crate::cases::timers::deadline_label(deadline);
    let (label, article) = (kind.label(), kind.article());
    if overdue {
        format!("信访件 {code} 的{label}期限（{when}，《信访工作条例》{article}）已过，仍未办理，请立即处理。")
    } else {
        format!("信访件 {code} 的{label}期限将于 {when} 届满（《信访工作条例》{article}），请抓紧办理。")
    }
}

impl Petitions<'_> {
    /// Marks up to `limit` open petitions whose warning time has come and queues a
    /// `petition_clock_warning` notice to whoever owes the duty. One already past its deadline
    /// is marked without a warning (the overdue notice follows).
    pub async fn mark_warnings(&self, limit: i64) -> Result<Vec<MarkedPetition>, StoreError> {
        let now = self.store.now();
        let due = "open = TRUE AND warned = FALSE AND warn_at <= $1";
        let sql = format!(
            "UPDATE petitions SET warned = TRUE WHERE id IN \
             (SELECT id FROM petitions WHERE {due} ORDER BY warn_at, id LIMIT $2) \
             AND {due} RETURNING id, code, street_code, holder_unit, next_clock, next_deadline, version"
        );
        self.mark(&sql, limit, now, |deadline| (deadline > now).then_some(("petition_clock_warning", false))).await
    }

    /// Marks up to `limit` open petitions past their next deadline overdue and queues a
    /// `petition_clock_overdue` notice to whoever owes the duty and to the registering office.
    pub async fn mark_overdue(&self, limit: i64) -> Result<Vec<MarkedPetition>, StoreError> {
        let now = self.store.now();
        let due = "open = TRUE AND overdue = FALSE AND next_deadline < $1";
        let sql = format!(
            "UPDATE petitions SET overdue = TRUE WHERE id IN \
             (SELECT id FROM petitions WHERE {due} ORDER BY next_deadline, id LIMIT $2) \
             AND {due} RETURNING id, code, street_code, holder_unit, next_clock, next_deadline, version"
        );
        self.mark(&sql, limit, now, |_| Some(("petition_clock_overdue", true))).await
    }

    /// Runs a marking statement and queues each marked petition's notices: `notice` gives the
    /// kind and whether it is the overdue notice (which the office gets too).
    async fn mark(
        &self,
        sql: &str,
        limit: i64,
        now: DateTime<Utc>,
        notice: impl Fn(DateTime<Utc>) -> Option<(&'static str, bool)>,
    ) -> Result<Vec<MarkedPetition>, StoreError> {
        let mut tx = self.store.db.begin().await?;
        let mut hits: Vec<MarkedPetition> =
            on_tx!(&mut tx, |c| sqlx::query_as(AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(c).await)?;
        hits.sort_by_key(|h| h.id);
        let mut rows = Vec::new();
        for h in &hits {
            let deadline = h.next_deadline.unwrap_or(now);
            let Some((kind, overdue)) = notice(deadline) else { continue };
            let Some(clock) = h.next_clock.as_deref().and_then(ClockKind::parse) else { continue };
            let holder = h.holder_unit.as_deref().and_then(Unit::parse_key);
            let text = clock_text(&h.code, clock, deadline, overdue);
            let mut units = vec![duty_unit(clock, holder.as_ref(), &h.street_code)];
            let office = super::office_unit(&h.street_code);
            if overdue && !units.contains(&office) {
                units.push(office);
            }
            let notices: Vec<NewNotice> =
                units.into_iter().map(|unit| NewNotice { kind: kind.into(), unit, text: text.clone() }).collect();
            rows.extend(outbox_rows(&notices, h.id, &h.code, now));
        }
        insert_rows(&mut tx, "outbox", &OUTBOX_COLS, &rows).await?;
        tx.commit().await?;
        Ok(hits)
    }

    /// Up to `limit` petitions whose 复查 or 复核 window ended before `today` without a request,
    /// earliest window first: the domain concludes them (办结).
    pub async fn lapsed_windows(&self, today: NaiveDate, limit: i64) -> Result<Vec<DuePetition>, StoreError> {
        let sql = "SELECT id, code, version FROM petitions WHERE status IN ('opinion_issued', 'reviewed') \
                   AND window_end < $1 ORDER BY window_end, id LIMIT $2";
        Ok(on_read!(&self.store.db, |p| sqlx::query_as(sql).bind(today).bind(limit).fetch_all(p).await)?)
    }
}
