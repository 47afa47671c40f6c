-- Cases are now indexed for search under their area words too (see store cases/search.rs).
-- A database without cases is ready at once; one with cases is re-indexed once when it is
-- opened (`Store::rebuild_search_index`, run by every `tongxin` command that opens it).
INSERT INTO settings (key, value) SELECT 'search.area_words', 'true' WHERE NOT EXISTS (SELECT 1 FROM cases);
