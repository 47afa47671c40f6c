-- 网格排查 (issue 12): one screening per grid and calendar month (月排查); logging again in the
-- same month updates the row (its audit record keeps what it replaced). A dispute registered
-- from a screening names it. Notices about a dispute or a petition name it too, so opening one
-- goes to its page (a case notice already names its case).
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.

CREATE TABLE grid_screenings (
    id          INTEGER PRIMARY KEY,
    grid_code   TEXT NOT NULL,
    street_code TEXT NOT NULL,
    -- YYYY-MM
    period      TEXT NOT NULL,
    screened_on TEXT NOT NULL,
    findings    INTEGER NOT NULL CHECK (findings >= 0),
    note        TEXT,
    done_by     INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX grid_screenings_grid_period ON grid_screenings (grid_code, period);
CREATE INDEX grid_screenings_period ON grid_screenings (period, grid_code);

ALTER TABLE disputes ADD COLUMN screening_id INTEGER REFERENCES grid_screenings(id);
CREATE INDEX disputes_screening ON disputes (screening_id);

ALTER TABLE notices ADD COLUMN dispute_id INTEGER REFERENCES disputes(id);
ALTER TABLE notices ADD COLUMN petition_id INTEGER REFERENCES petitions(id);
