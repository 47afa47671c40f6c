-- 走访记录: a grid worker's visits to households (走访 / 排查 / 信息采集), read by grid.
CREATE TABLE visits (
    id           INTEGER PRIMARY KEY,
    grid_code    TEXT NOT NULL,
    household_id INTEGER NOT NULL REFERENCES households(id),
    visited_by   INTEGER NOT NULL REFERENCES users(id),
    visited_at   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('走访', '排查', '信息采集')),
    note         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX visits_grid ON visits (grid_code, visited_at);
CREATE INDEX visits_household ON visits (household_id, visited_at);
