-- Issue 9 item 2: every reporter of a merged duplicate report gets a follow token of their own.
-- Requester 1 is the case's first reporter (kept on `cases`); rows here are the later ones,
-- numbered from 2, each with their own name and phone.
CREATE TABLE case_requesters (
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    n            INTEGER NOT NULL CHECK (n >= 2),
    name         TEXT,
    phone_cipher BLOB,
    phone_hmac   BLOB,
    phone_masked TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (case_id, n)
);

-- Issue 9 R6: a row a background job cannot process is set aside once, with the reason,
-- instead of failing every pass.
CREATE TABLE job_quarantine (
    id        INTEGER PRIMARY KEY,
    job       TEXT NOT NULL,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL,
    UNIQUE (job, case_id)
);
