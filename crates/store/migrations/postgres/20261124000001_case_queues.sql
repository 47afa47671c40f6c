-- Queues and timers at millions of cases (PostgreSQL flavour of migrations/sqlite).
--
-- A community's queue filters by equality on its own column (derived from the grid code, so
-- no writer has to fill it), which lets one index give both the filter and the deadline order.
ALTER TABLE cases ADD COLUMN community_code TEXT COLLATE "C" GENERATED ALWAYS AS (substr(grid_code, 1, 12)) STORED;
CREATE INDEX cases_community_queue ON cases (community_code, open, due_at);

-- An overdue case waits here for its automatic 督办 until the escalation (or any later
-- decision on the case) clears the flag, so a crash between the overdue mark and the
-- escalation delays the escalation instead of losing it.
ALTER TABLE cases ADD COLUMN supervise_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX cases_supervise_pending ON cases (id) WHERE supervise_pending = TRUE;

-- Timer and merge indexes hold only the rows they are asked about, so intake writes fewer
-- entries and the indexes stay small as closed cases pile up.
DROP INDEX cases_warn_timer;
CREATE INDEX cases_warn_timer ON cases (warn_at) WHERE open = TRUE AND warned = FALSE;
DROP INDEX cases_overdue_timer;
CREATE INDEX cases_overdue_timer ON cases (deadline_at) WHERE open = TRUE AND overdue = FALSE;
DROP INDEX cases_parent;
CREATE INDEX cases_parent ON cases (parent_case_id) WHERE parent_case_id IS NOT NULL;
