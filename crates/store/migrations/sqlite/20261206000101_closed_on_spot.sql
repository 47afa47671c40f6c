-- Issue 11 item 3: a patrol case closed on the spot (就地解决) counts for its grid as responded
-- and resolved; it has no requester to rate it, so it is kept apart from the verdicts that
-- 满意率 divides by.
ALTER TABLE unit_month_stats ADD COLUMN closed_on_spot INTEGER NOT NULL DEFAULT 0;
