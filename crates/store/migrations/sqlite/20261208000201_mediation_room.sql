-- 在线调解室 (issue 12; domain mediation/room.rs): messages (背靠背 ones addressed to one party),
-- attachments, the shared draft agreement by version, each party's confirmation of a version
-- with a one-time code, and the one-time codes and sessions of parties who joined by SMS.

-- Everything said in the room, kept as part of the 调解工作档案 (人民调解法 art 27).
CREATE TABLE room_messages (
    id            INTEGER PRIMARY KEY,
    dispute_id    INTEGER NOT NULL REFERENCES disputes(id),
    -- 'mediator' or 'party'; the party's position for a party.
    author_kind   TEXT NOT NULL CHECK (author_kind IN ('mediator', 'party', 'system')),
    author_idx    INTEGER,
    author_name   TEXT NOT NULL,
    -- 'all' or 'party:N' (domain `Audience::key`).
    audience      TEXT NOT NULL,
    body          TEXT NOT NULL,
    file_id       INTEGER,
    at            TEXT NOT NULL
);
CREATE INDEX room_messages_dispute ON room_messages (dispute_id, id);

CREATE TABLE room_files (
    id            INTEGER PRIMARY KEY,
    dispute_id    INTEGER NOT NULL REFERENCES disputes(id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    bytes         BLOB NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX room_files_dispute ON room_files (dispute_id, id);

-- The shared draft agreement: every save is a new version.
CREATE TABLE room_drafts (
    dispute_id    INTEGER NOT NULL REFERENCES disputes(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (dispute_id, version)
);

-- Who confirmed which version, when (the legal signature is on paper: art 29).
CREATE TABLE room_confirmations (
    dispute_id    INTEGER NOT NULL REFERENCES disputes(id),
    idx           INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (dispute_id, idx, version)
);

-- One-time codes sent by SMS to a party: to join the room, or to confirm a draft version.
-- Stored keyed-hashed; they expire, are used once and allow a few wrong tries.
CREATE TABLE room_codes (
    id            INTEGER PRIMARY KEY,
    dispute_id    INTEGER NOT NULL REFERENCES disputes(id),
    idx           INTEGER NOT NULL,
    purpose       TEXT NOT NULL CHECK (purpose IN ('join', 'confirm')),
    version       INTEGER,
    code_hash     BLOB NOT NULL,
    tries         INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE INDEX room_codes_party ON room_codes (dispute_id, idx, purpose, id);

-- A party's session in one dispute's room (a cookie's hash), opened by a join code.
CREATE TABLE room_sessions (
    token_hash    BLOB PRIMARY KEY,
    dispute_id    INTEGER NOT NULL REFERENCES disputes(id),
    idx           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
