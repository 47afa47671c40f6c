-- Queues that no single index walks in page order look through a bounded window (store
-- cases/read.rs, `QUEUE_WINDOW`; issue 11, Numbers).
--
-- A department's cases beyond its open ones: its participations walked newest first.
CREATE INDEX case_participants_unit_case ON case_participants (unit, case_id);
-- A date range among the open (or the finished) cases — the queue's default "待办" with a date —
-- walks its area's cases of that state newest first, instead of every case of the range.
CREATE INDEX cases_street_open_created ON cases (street_code, open, created_at);
CREATE INDEX cases_community_open_created ON cases (community_code, open, created_at);
CREATE INDEX cases_grid_open_created ON cases (grid_code, open, created_at);
