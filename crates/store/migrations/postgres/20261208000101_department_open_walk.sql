-- A department's open queue ("待办": what it still has to work on) walks its open participations
-- by deadline and stops after the page (store cases/read.rs, `Cases::queue`; issue 11, Numbers),
-- instead of sorting every open case it holds.
--
-- An open participation (`dispatched`, `acknowledged`) now means one whose case is being
-- handled: a unit that had not reported when its case moved on stands `idle` (app
-- cases/effects.rs, `participant_status`). Rows written before are brought in line here.
UPDATE case_participants SET status = 'idle'
 WHERE status IN ('dispatched', 'acknowledged')
   AND case_id IN (SELECT id FROM cases WHERE status NOT IN ('dispatched', 'acknowledged'));
-- A participation's deadline is its case's: a dispatch always starts the clock, so an open
-- participation always has one.
CREATE INDEX case_participants_open_deadline ON case_participants (unit, deadline_at, case_id)
    WHERE status IN ('dispatched', 'acknowledged');
