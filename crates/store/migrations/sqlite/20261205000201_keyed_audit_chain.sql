-- Issue 9, item 6: the audit chain is keyed. Links from keyed_from on are HMAC-SHA256 under a
-- key derived from the personal-data master key (kept outside the database); the records
-- already here keep their plain SHA-256 links and are verified the old way. mac is the head's
-- HMAC over (seq, hash, keyed_from), set at the next start or append.
ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER;
ALTER TABLE audit_head ADD COLUMN mac TEXT;
UPDATE audit_head SET keyed_from = seq + 1;

-- Issue 9, High 1: full-number resident searches per user per hour are counted from the log.
CREATE INDEX audit_log_actor_action ON audit_log (actor_id, action, at);
