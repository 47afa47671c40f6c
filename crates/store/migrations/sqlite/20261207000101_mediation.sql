-- 矛盾纠纷多元化解 / 人民调解 (issue 12): mediation organisations, their mediators and committee
-- members, the configurable risk levels, disputes with their parties (ID and phone encrypted,
-- with blind indexes and masked forms, like residents), events, current mediators, the daily
-- code sequence of each street, and the links between 接诉即办 cases and the disputes they were
-- referred to. 司法确认 lives in the dispute's state JSON; its status and window end are columns
-- for the job that lapses missed windows.
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.

CREATE TABLE mediation_orgs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    region_code  TEXT NOT NULL REFERENCES regions(code),
    field        TEXT,
    multi_ethnic INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX mediation_orgs_region ON mediation_orgs (region_code, id);

-- 人民调解员 (人民调解法 arts 13–15): a committee member or a person the committee hired; linked
-- to a staff account when they have one. A removed mediator keeps the row with the reason.
CREATE TABLE mediators (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES mediation_orgs(id),
    user_id        INTEGER REFERENCES users(id),
    name           TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    appointment    TEXT NOT NULL,
    qualification  TEXT NOT NULL DEFAULT '',
    term_start     TEXT NOT NULL,
    term_end       TEXT,
    specialities   TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    removal_reason TEXT,
    removal_text   TEXT,
    removed_on     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, user_id)
);
CREATE INDEX mediators_org ON mediators (org_id, id);
CREATE INDEX mediators_user ON mediators (user_id);

-- The roster of a 人民调解委员会 (arts 8–9), replaced as a whole.
CREATE TABLE mediation_committee_members (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES mediation_orgs(id),
    name       TEXT NOT NULL,
    gender     TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    post       TEXT NOT NULL,
    minority   INTEGER NOT NULL DEFAULT 0,
    term_start TEXT NOT NULL,
    term_end   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX mediation_committee_org ON mediation_committee_members (org_id, id);

-- Risk levels (风险等级), most severe first; configurable, seeded with the domain's defaults.
CREATE TABLE mediation_risk_levels (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    colour         TEXT NOT NULL,
    escalate_to    TEXT NOT NULL,
    response_hours INTEGER NOT NULL,
    sort           INTEGER NOT NULL
);
INSERT INTO mediation_risk_levels (code, name, colour, escalate_to, response_hours, sort) VALUES
    ('red', '红', '#D93025', 'district', 2, 1),
    ('orange', '橙', '#F29900', 'street', 24, 2),
    ('yellow', '黄', '#F9CB28', 'community', 72, 3),
    ('green', '绿', '#1E8E3E', 'grid', 168, 4);

-- Daily code sequence per street (一案一编码: TJ330702001-20261207-0001).
CREATE TABLE dispute_code_seq (
    street_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (street_code, day)
);

CREATE TABLE disputes (
    id                      INTEGER PRIMARY KEY,
    code                    TEXT NOT NULL UNIQUE,
    street_code             TEXT NOT NULL,
    community_code          TEXT,
    grid_code               TEXT,
    -- The most specific of the three: scope filters are a prefix range on it.
    area_code               TEXT NOT NULL,
    dispute_type            TEXT NOT NULL,
    source                  TEXT NOT NULL,
    status                  TEXT NOT NULL,
    open                    INTEGER NOT NULL DEFAULT 1,
    level                   TEXT NOT NULL,
    org_id                  INTEGER NOT NULL REFERENCES mediation_orgs(id),
    risk_code               TEXT,
    deadline_at             TEXT,
    warn_at                 TEXT,
    warned                  INTEGER NOT NULL DEFAULT 0,
    overdue                 INTEGER NOT NULL DEFAULT 0,
    supervise_pending       INTEGER NOT NULL DEFAULT 0,
    confirmation_status     TEXT NOT NULL,
    confirmation_window_end TEXT,
    referred_case_id        INTEGER REFERENCES cases(id),
    state                   TEXT NOT NULL,
    created_by              INTEGER REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX disputes_area ON disputes (area_code, id);
CREATE INDEX disputes_org ON disputes (org_id, status, id);
CREATE INDEX disputes_warn_timer ON disputes (open, warned, warn_at);
CREATE INDEX disputes_overdue_timer ON disputes (open, overdue, deadline_at);
CREATE INDEX disputes_supervise ON disputes (supervise_pending, id);
CREATE INDEX disputes_confirmation ON disputes (confirmation_status, confirmation_window_end);
CREATE INDEX disputes_case ON disputes (referred_case_id);

-- 当事人: the index is the party's position in the state's list.
CREATE TABLE dispute_parties (
    dispute_id   INTEGER NOT NULL REFERENCES disputes(id),
    idx          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    side         TEXT NOT NULL CHECK (side IN ('applicant', 'respondent', 'party')),
    resident_id  INTEGER REFERENCES residents(id),
    id_cipher    BLOB,
    id_hmac      BLOB,
    id_masked    TEXT,
    id_tail      TEXT,
    phone_cipher BLOB,
    phone_hmac   BLOB,
    phone_masked TEXT,
    phone_tail   TEXT,
    PRIMARY KEY (dispute_id, idx)
);
CREATE INDEX dispute_parties_phone ON dispute_parties (phone_hmac);
CREATE INDEX dispute_parties_id ON dispute_parties (id_hmac);

-- The mediators assigned now (from the state), for the mediators' view of their disputes.
CREATE TABLE dispute_mediators (
    dispute_id  INTEGER NOT NULL REFERENCES disputes(id),
    mediator_id INTEGER NOT NULL REFERENCES mediators(id),
    PRIMARY KEY (dispute_id, mediator_id)
);
CREATE INDEX dispute_mediators_mediator ON dispute_mediators (mediator_id, dispute_id);

-- 调解工作档案 (art 27): the dispute's append-only history.
CREATE TABLE dispute_events (
    id         INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes(id),
    kind       TEXT NOT NULL,
    actor_id   INTEGER,
    actor_name TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    at         TEXT NOT NULL
);
CREATE INDEX dispute_events_dispute ON dispute_events (dispute_id, id);

-- 诉求转调解: a case and the dispute it was referred to, read both ways.
CREATE TABLE dispute_case_links (
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    dispute_id INTEGER NOT NULL REFERENCES disputes(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (case_id, dispute_id)
);
CREATE INDEX dispute_case_links_dispute ON dispute_case_links (dispute_id, case_id);
