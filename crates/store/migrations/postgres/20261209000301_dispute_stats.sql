-- 矛盾纠纷 figures for leaders (issue 12): what the statistics add up in SQL beside the state —
-- the days from registration to the agreement and to 结案 (tongxin_domain::mediation::stats),
-- each agreement item's due day and result, and indexes for a period's disputes and a day's
-- events. Existing disputes are filled in from their state.
-- PostgreSQL flavour; migrations/sqlite holds the same version with SQLite types.

ALTER TABLE disputes ADD COLUMN days_to_agreement BIGINT;
ALTER TABLE disputes ADD COLUMN days_to_close BIGINT;
CREATE INDEX disputes_area_created ON disputes (area_code, created_at);
CREATE INDEX dispute_events_kind_at ON dispute_events (kind, at);

-- 履行 (人民调解法 art 31): one row per item of the agreement, rewritten with every save.
CREATE TABLE dispute_performance_items (
    dispute_id BIGINT NOT NULL REFERENCES disputes(id),
    idx        BIGINT NOT NULL,
    due_on     DATE NOT NULL,
    result     TEXT,
    PRIMARY KEY (dispute_id, idx)
);
CREATE INDEX dispute_performance_due ON dispute_performance_items (due_on);

-- Shanghai calendar days, as the domain counts them (UTC + 8 hours, then the date).
UPDATE disputes SET days_to_agreement = GREATEST(0,
        (((state::jsonb #>> '{agreement,recorded_at}')::timestamptz AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date
      - (((state::jsonb ->> 'registered_at')::timestamptz AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date)
 WHERE status IN ('agreed', 'performing', 'followed_up', 'closed')
   AND state::jsonb #>> '{agreement,recorded_at}' IS NOT NULL;
UPDATE disputes SET days_to_close = GREATEST(0,
        (((state::jsonb ->> 'closed_at')::timestamptz AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date
      - (((state::jsonb ->> 'registered_at')::timestamptz AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date)
 WHERE status = 'closed' AND state::jsonb ->> 'closed_at' IS NOT NULL;
INSERT INTO dispute_performance_items (dispute_id, idx, due_on, result)
SELECT d.id, j.ord - 1, (j.value #>> '{term,due}')::date, j.value ->> 'result'
  FROM disputes d CROSS JOIN LATERAL jsonb_array_elements(d.state::jsonb -> 'performance') WITH ORDINALITY AS j(value, ord);
