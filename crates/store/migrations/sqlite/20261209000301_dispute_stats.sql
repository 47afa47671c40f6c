-- 矛盾纠纷 figures for leaders (issue 12): what the statistics add up in SQL beside the state —
-- the days from registration to the agreement and to 结案 (tongxin_domain::mediation::stats),
-- each agreement item's due day and result, and indexes for a period's disputes and a day's
-- events. Existing disputes are filled in from their state.
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.

ALTER TABLE disputes ADD COLUMN days_to_agreement INTEGER;
ALTER TABLE disputes ADD COLUMN days_to_close INTEGER;
CREATE INDEX disputes_area_created ON disputes (area_code, created_at);
CREATE INDEX dispute_events_kind_at ON dispute_events (kind, at);

-- 履行 (人民调解法 art 31): one row per item of the agreement, rewritten with every save.
CREATE TABLE dispute_performance_items (
    dispute_id INTEGER NOT NULL REFERENCES disputes(id),
    idx        INTEGER NOT NULL,
    due_on     TEXT NOT NULL,
    result     TEXT,
    PRIMARY KEY (dispute_id, idx)
);
CREATE INDEX dispute_performance_due ON dispute_performance_items (due_on);

-- Shanghai calendar days, as the domain counts them (UTC + 8 hours, then the date).
UPDATE disputes SET days_to_agreement = MAX(0, CAST(
        julianday(date(json_extract(state, '$.agreement.recorded_at'), '+8 hours'))
      - julianday(date(json_extract(state, '$.registered_at'), '+8 hours')) AS INTEGER))
 WHERE status IN ('agreed', 'performing', 'followed_up', 'closed')
   AND json_extract(state, '$.agreement.recorded_at') IS NOT NULL;
UPDATE disputes SET days_to_close = MAX(0, CAST(
        julianday(date(json_extract(state, '$.closed_at'), '+8 hours'))
      - julianday(date(json_extract(state, '$.registered_at'), '+8 hours')) AS INTEGER))
 WHERE status = 'closed' AND json_extract(state, '$.closed_at') IS NOT NULL;
INSERT INTO dispute_performance_items (dispute_id, idx, due_on, result)
SELECT d.id, CAST(j.key AS INTEGER), json_extract(j.value, '$.term.due'), json_extract(j.value, '$.result')
  FROM disputes d, json_each(d.state, '$.performance') j;
