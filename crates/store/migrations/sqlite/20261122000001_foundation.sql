-- Foundation: places, people, party organisations, departments, users, sessions, audit.
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.
-- Codes are the national 统计用区划代码; a code prefix names a subtree, so scoped reads are
-- indexed range scans on grid_code / region_code. street_code is the tenant key.

CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    parent_code TEXT REFERENCES regions(code),
    level       TEXT NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
    name        TEXT NOT NULL,
    street_code TEXT,
    geometry    TEXT,
    min_lng     REAL,
    min_lat     REAL,
    max_lng     REAL,
    max_lat     REAL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX regions_parent ON regions (parent_code, code);
CREATE INDEX regions_level ON regions (level, code);

CREATE TABLE buildings (
    id          INTEGER PRIMARY KEY,
    grid_code   TEXT NOT NULL REFERENCES regions(code),
    street_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    lng         REAL NOT NULL,
    lat         REAL NOT NULL,
    floors      INTEGER NOT NULL,
    units       INTEGER NOT NULL,
    qr_token    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX buildings_grid ON buildings (grid_code, id);

CREATE TABLE households (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    grid_code   TEXT NOT NULL,
    street_code TEXT NOT NULL,
    unit_no     INTEGER NOT NULL,
    room_no     TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (building_id, unit_no, room_no)
);
CREATE INDEX households_grid ON households (grid_code, id);

CREATE TABLE residents (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER REFERENCES households(id),
    grid_code    TEXT NOT NULL REFERENCES regions(code),
    street_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    gender       TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date   TEXT NOT NULL,
    relation     TEXT NOT NULL,
    id_cipher    BLOB NOT NULL,
    id_hmac      BLOB NOT NULL UNIQUE,
    id_masked    TEXT NOT NULL,
    id_tail      TEXT NOT NULL,
    phone_cipher BLOB,
    phone_hmac   BLOB,
    phone_masked TEXT,
    phone_tail   TEXT,
    tags         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX residents_grid ON residents (grid_code, id);
CREATE INDEX residents_name ON residents (name, grid_code);
CREATE INDEX residents_household ON residents (household_id);
CREATE INDEX residents_phone_hmac ON residents (phone_hmac);
CREATE INDEX residents_id_tail ON residents (id_tail, grid_code);
CREATE INDEX residents_phone_tail ON residents (phone_tail, grid_code);

CREATE TABLE resident_tags (
    resident_id INTEGER NOT NULL REFERENCES residents(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    grid_code   TEXT NOT NULL,
    PRIMARY KEY (resident_id, tag)
);
CREATE INDEX resident_tags_tag ON resident_tags (tag, grid_code, resident_id);

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    street_code TEXT NOT NULL REFERENCES regions(code),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (street_code, name)
);

CREATE TABLE party_orgs (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES party_orgs(id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    street_code TEXT NOT NULL,
    building_id INTEGER REFERENCES buildings(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_orgs_region ON party_orgs (region_code, id);
CREATE INDEX party_orgs_parent ON party_orgs (parent_id);

CREATE TABLE party_members (
    id                    INTEGER PRIMARY KEY,
    resident_id           INTEGER REFERENCES residents(id),
    org_id                INTEGER NOT NULL REFERENCES party_orgs(id),
    region_code           TEXT NOT NULL,
    street_code           TEXT NOT NULL,
    name                  TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('formal', 'probationary')),
    employment            TEXT NOT NULL CHECK (employment IN ('in_service', 'retired')),
    work_unit             TEXT NOT NULL DEFAULT '',
    joined_on             TEXT,
    dual_report_community TEXT REFERENCES regions(code),
    dual_report_on        TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_members_org ON party_members (org_id, id);
CREATE INDEX party_members_region ON party_members (region_code, id);

-- 党员中心户: a member's household that keeps in touch with its neighbours.
CREATE TABLE center_households (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES party_members(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    org_id       INTEGER NOT NULL REFERENCES party_orgs(id),
    region_code  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (household_id)
);
CREATE INDEX center_households_org ON center_households (org_id);
CREATE TABLE center_household_links (
    center_id    INTEGER NOT NULL REFERENCES center_households(id) ON DELETE CASCADE,
    household_id INTEGER NOT NULL REFERENCES households(id),
    PRIMARY KEY (center_id, household_id)
);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL,
    scope_region        TEXT REFERENCES regions(code),
    scope_department    INTEGER REFERENCES departments(id),
    can_unmask          INTEGER NOT NULL DEFAULT 0,
    totp_secret         BLOB,
    totp_last_step      INTEGER,
    active              INTEGER NOT NULL DEFAULT 1,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    password_changed_at TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    CHECK ((scope_region IS NULL) OR (scope_department IS NULL))
);

-- 多网合一: the people attached to one grid.
CREATE TABLE grid_team_members (
    id           INTEGER PRIMARY KEY,
    grid_code    TEXT NOT NULL REFERENCES regions(code),
    street_code  TEXT NOT NULL,
    role         TEXT NOT NULL,
    name         TEXT NOT NULL,
    phone_cipher BLOB,
    phone_masked TEXT,
    user_id      INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX grid_team_grid ON grid_team_members (grid_code, id);

CREATE TABLE sessions (
    token_hash       TEXT PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token       TEXT NOT NULL,
    second_factor_ok INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The hash-chained audit log. audit_head is the single row every append updates first, which
-- serialises appends across processes (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_id      INTEGER,
    actor_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    before_digest TEXT,
    after_digest  TEXT,
    detail        TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
