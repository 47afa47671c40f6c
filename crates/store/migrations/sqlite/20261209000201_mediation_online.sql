-- 在线咨询 and 在线申请 (issue 12): a person's question to the street's mediation, or their
-- application for mediation, confirmed by a one-time code sent to their phone (kept
-- encrypted, with a masked form; the code keyed-hashed, expiring, a few wrong tries). A
-- question is answered by a mediator; an application becomes a dispute registered online.
CREATE TABLE mediation_requests (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('consult', 'apply')),
    street_code    TEXT NOT NULL,
    community_code TEXT,
    name           TEXT NOT NULL,
    phone_cipher   BLOB NOT NULL,
    phone_masked   TEXT NOT NULL,
    body           TEXT NOT NULL,
    code_hash      BLOB NOT NULL,
    tries          INTEGER NOT NULL DEFAULT 0,
    expires_at     TEXT NOT NULL,
    verified_at    TEXT,
    answer         TEXT,
    answered_by    INTEGER REFERENCES users(id),
    answered_at    TEXT,
    dispute_id     INTEGER REFERENCES disputes(id),
    created_at     TEXT NOT NULL
);
-- The desk's list: confirmed questions of a street, unanswered first, newest first.
CREATE INDEX mediation_requests_desk ON mediation_requests (street_code, kind, answered_at, id);
