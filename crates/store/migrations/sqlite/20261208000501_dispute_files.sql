-- The signed 调解协议书 uploaded back (issue 12): the agreement is signed, sealed and
-- fingerprinted on paper (人民调解法 art 29) and kept in the 调解工作档案 (art 27); its photo or
-- scan is stored like a case's photos, written in the transaction of the decision that names it
-- (the state's `agreement.scan` holds the sha256 reference).
-- SQLite flavour; migrations/postgres holds the same version with PostgreSQL types.

CREATE TABLE dispute_files (
    id           INTEGER PRIMARY KEY,
    dispute_id   INTEGER NOT NULL REFERENCES disputes(id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('agreement_scan')),
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX dispute_files_dispute ON dispute_files (dispute_id, id);
