-- Issue 11 item 6: the queue finds the cases of a full phone number through its blind index,
-- on the case (its first reporter) and on later reporters of a merged duplicate.
CREATE INDEX cases_phone ON cases (phone_hmac);
CREATE INDEX case_requesters_phone ON case_requesters (phone_hmac);

-- Issue 11 item 8: the bell on every staff page counts a unit's unread notices from this index
-- alone (unit, then the unread ones: read_at IS NULL sorts together).
CREATE INDEX notices_unread ON notices (unit, read_at);
