-- 接诉即办: categories, routing rules, cases with their events, participants and photos, the
-- notification outbox and in-app notices, monthly unit statistics, and full-text search.
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.

CREATE TABLE categories (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES categories(code),
    urgency     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    sort        INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE routing_rules (
    id            INTEGER PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES categories(code),
    area_kind     TEXT NOT NULL CHECK (area_kind IN ('grid', 'community', 'street', 'anywhere')),
    area_code     TEXT NOT NULL DEFAULT '',
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('department', 'grid')),
    target_ref    TEXT NOT NULL,
    auto_dispatch INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX routing_rules_category ON routing_rules (category_code, id);

-- Daily sequence for tracking codes (TX20261122-000123).
CREATE TABLE case_code_seq (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    street_code          TEXT NOT NULL,
    grid_code            TEXT,
    building_id          INTEGER REFERENCES buildings(id),
    category_code        TEXT NOT NULL REFERENCES categories(code),
    kind                 TEXT NOT NULL,
    urgency              TEXT NOT NULL,
    channel              TEXT NOT NULL,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL,
    address              TEXT NOT NULL DEFAULT '',
    lng                  REAL,
    lat                  REAL,
    requester_name       TEXT,
    phone_cipher         BLOB,
    phone_hmac           BLOB,
    phone_masked         TEXT,
    dedupe_key           TEXT NOT NULL,
    status               TEXT NOT NULL,
    open                 INTEGER NOT NULL DEFAULT 1,
    lead_unit            TEXT,
    state                TEXT NOT NULL,
    -- Queue order: the deadline, or the report time while awaiting dispatch (never NULL).
    due_at               TEXT NOT NULL,
    deadline_at          TEXT,
    warn_at              TEXT,
    contact_deadline_at  TEXT,
    warned               INTEGER NOT NULL DEFAULT 0,
    overdue              INTEGER NOT NULL DEFAULT 0,
    parent_case_id       INTEGER REFERENCES cases(id),
    created_by           INTEGER REFERENCES users(id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
-- Queues (filter + order exactly): open cases of a street / grid by deadline; by status.
CREATE INDEX cases_street_queue ON cases (street_code, open, due_at);
CREATE INDEX cases_grid_queue ON cases (grid_code, open, due_at);
CREATE INDEX cases_street_status ON cases (street_code, status, due_at);
CREATE INDEX cases_dedupe ON cases (dedupe_key, created_at);
CREATE INDEX cases_created ON cases (street_code, created_at);
-- Deadline timers: open cases not yet warned / not yet marked overdue, by time.
CREATE INDEX cases_warn_timer ON cases (open, warned, warn_at);
CREATE INDEX cases_overdue_timer ON cases (open, overdue, deadline_at);
CREATE INDEX cases_parent ON cases (parent_case_id);

CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    kind       TEXT NOT NULL,
    actor_id   INTEGER,
    actor_name TEXT NOT NULL,
    unit       TEXT,
    note       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    at         TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Every unit a case was dispatched to (lead and 吹哨 assisting units), for their inboxes.
CREATE TABLE case_participants (
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    unit        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('lead', 'assist')),
    status      TEXT NOT NULL,
    deadline_at TEXT,
    PRIMARY KEY (case_id, unit)
);
CREATE INDEX case_participants_inbox ON case_participants (unit, status, deadline_at);

CREATE TABLE case_photos (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('report', 'evidence')),
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX case_photos_case ON case_photos (case_id, id);

-- Transactional outbox: written with the change that causes it, delivered by a job.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL CHECK (channel IN ('notice', 'sms')),
    kind         TEXT NOT NULL,
    case_id      INTEGER REFERENCES cases(id),
    recipient    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    locked_until TEXT,
    sent_at      TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, available_at);

CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    unit       TEXT NOT NULL,
    case_id    INTEGER REFERENCES cases(id),
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT,
    outbox_id  INTEGER NOT NULL UNIQUE
);
CREATE INDEX notices_unit ON notices (unit, id);

-- Monthly counts per unit, kept current in the transactions that change cases (三率).
CREATE TABLE unit_month_stats (
    month              TEXT NOT NULL,
    unit               TEXT NOT NULL,
    dispatched         INTEGER NOT NULL DEFAULT 0,
    responded_in_time  INTEGER NOT NULL DEFAULT 0,
    rated              INTEGER NOT NULL DEFAULT 0,
    resolved           INTEGER NOT NULL DEFAULT 0,
    satisfied          INTEGER NOT NULL DEFAULT 0,
    reopened           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit)
);

CREATE TABLE open311_clients (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

-- Full-text search: jieba-segmented words, space separated, indexed by FTS5.
CREATE VIRTUAL TABLE case_fts USING fts5(words, content = '', contentless_delete = 1, tokenize = 'unicode61');
