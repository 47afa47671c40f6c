-- 信访 (issue 12): petitions under 《信访工作条例》 (2022) with the daily code sequence of each
-- street, the petitioner and the representatives of a group visit (art 20: at most five; ID
-- number, phone and address encrypted, with blind indexes and masked forms, like residents),
-- the append-only events, and the links petition ↔ 接诉即办 case and petition ↔ dispute.
-- The domain's state is the JSON column; status, kind, holder and the clock columns beside it
-- are what lists, scopes and the timers filter on. The duplicate rule (art 19, 36) reads a
-- person's petitions by the blind index of their identity with the matter's fingerprint.
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.

-- Daily code sequence per street (XF330702001-20261206-0001).
CREATE TABLE petition_code_seq (
    street_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (street_code, day)
);

CREATE TABLE petitions (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    street_code        TEXT NOT NULL,
    community_code     TEXT,
    grid_code          TEXT,
    -- The most specific of the three: scope filters are a prefix range on it.
    area_code          TEXT NOT NULL,
    channel            TEXT NOT NULL CHECK (channel IN ('online', 'letter', 'phone', 'fax', 'visit')),
    kind               TEXT NOT NULL CHECK (kind IN ('suggestion', 'accusation', 'claim')),
    status             TEXT NOT NULL,
    open               INTEGER NOT NULL DEFAULT 1,
    -- The unit holding it (`dept:N`, `grid:CODE`); NULL while the registering office keeps it.
    holder_unit        TEXT,
    -- The pending duty that ends first (the domain's earliest_pending clock), and its warning.
    next_clock         TEXT,
    next_deadline      TEXT,
    warn_at            TEXT,
    warned             INTEGER NOT NULL DEFAULT 0,
    overdue            INTEGER NOT NULL DEFAULT 0,
    -- The last day of a pending 复查/复核 window: after it, the job concludes the petition.
    window_end         TEXT,
    headcount          INTEGER,
    request            TEXT NOT NULL,
    facts              TEXT NOT NULL,
    reasons            TEXT NOT NULL,
    identity_hmac      BLOB NOT NULL,
    matter_fingerprint TEXT NOT NULL,
    from_case_id       INTEGER REFERENCES cases(id),
    dispute_id         INTEGER REFERENCES disputes(id),
    state              TEXT NOT NULL,
    created_by         INTEGER REFERENCES users(id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX petitions_area ON petitions (area_code, id);
CREATE INDEX petitions_holder ON petitions (holder_unit, id);
CREATE INDEX petitions_identity ON petitions (identity_hmac, matter_fingerprint);
CREATE INDEX petitions_warn_timer ON petitions (open, warned, warn_at);
CREATE INDEX petitions_overdue_timer ON petitions (open, overdue, next_deadline);
CREATE INDEX petitions_window ON petitions (status, window_end);

-- 信访人 (idx 0) and the representatives of a group visit (idx 1..5).
CREATE TABLE petition_people (
    petition_id    INTEGER NOT NULL REFERENCES petitions(id),
    idx            INTEGER NOT NULL CHECK (idx BETWEEN 0 AND 5),
    role           TEXT NOT NULL CHECK (role IN ('petitioner', 'representative')),
    name_cipher    BLOB NOT NULL,
    name_hmac      BLOB NOT NULL,
    name_masked    TEXT NOT NULL,
    address_cipher BLOB,
    address_masked TEXT,
    id_cipher      BLOB,
    id_hmac        BLOB,
    id_masked      TEXT,
    id_tail        TEXT,
    phone_cipher   BLOB,
    phone_hmac     BLOB,
    phone_masked   TEXT,
    phone_tail     TEXT,
    PRIMARY KEY (petition_id, idx)
);
CREATE INDEX petition_people_id ON petition_people (id_hmac);
CREATE INDEX petition_people_phone ON petition_people (phone_hmac);
CREATE INDEX petition_people_name ON petition_people (name_hmac);

-- The petition's append-only history (the domain's events, and links of repeated petitions).
CREATE TABLE petition_events (
    id          INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    kind        TEXT NOT NULL,
    unit        TEXT,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    at          TEXT NOT NULL
);
CREATE INDEX petition_events_petition ON petition_events (petition_id, id);

-- 接诉即办 → 信访: a case and the petition it was escalated to, read both ways.
CREATE TABLE petition_case_links (
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (petition_id, case_id)
);
CREATE INDEX petition_case_links_case ON petition_case_links (case_id, petition_id);

-- 调解化解 (art 33): a petition and the dispute whose mediation resolved it.
CREATE TABLE petition_dispute_links (
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    dispute_id  INTEGER NOT NULL REFERENCES disputes(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (petition_id, dispute_id)
);
CREATE INDEX petition_dispute_links_dispute ON petition_dispute_links (dispute_id, petition_id);
