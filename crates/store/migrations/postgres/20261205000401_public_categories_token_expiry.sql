-- Issue 9 item 8: Open311 publishes a category's cases only when an admin marks it public.
-- Plainly public-space matters start public; personal matters (邻里纠纷 …) never by default.
ALTER TABLE categories ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE categories SET public = TRUE
 WHERE code IN ('city.road', 'city.manhole', 'city.garbage', 'city.greening');

-- Issue 9 item 10: API tokens expire. Tokens issued before this have none recorded; they are
-- taken to expire the configured number of days after their creation.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
