-- Issue 11 item 5: a resident who lost the follow link finds their cases again by tracking
-- code + phone + a one-time code sent by SMS. Codes are stored keyed-hashed, expire, are used
-- once and allow a few wrong tries; a correct one opens a short session for that phone.
CREATE TABLE follow_codes (
    id          INTEGER PRIMARY KEY,
    phone_hmac  BLOB NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    requester   INTEGER NOT NULL CHECK (requester >= 1),
    code_hash   BLOB NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX follow_codes_phone ON follow_codes (phone_hmac, case_id);

CREATE TABLE follow_sessions (
    token_hash  BLOB PRIMARY KEY,
    phone_hmac  BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- 我的诉求: every case of a phone, through its blind index.
CREATE INDEX cases_phone_hmac ON cases (phone_hmac);
CREATE INDEX case_requesters_phone_hmac ON case_requesters (phone_hmac);
