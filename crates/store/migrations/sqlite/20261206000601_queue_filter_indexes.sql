-- Every filter of the queue is an index range walk in the page's order that stops after a page
-- (issue 11, Numbers; the query shapes are in store cases/read.rs `queue`).
--
-- Each area column (street_code, community_code, grid_code) gets one index per filter:
--   open cases / every case      (area, open DESC, due_at)   — `open DESC` so "全部" lists the open
--                                                              cases first, then the finished ones,
--                                                              each by deadline, from the same index
--   one status                   (area, status, due_at)
--   category / channel / overdue (area, <filter>, open DESC, due_at)
--   a date range                 (area, created_at), newest first within the range
-- Further filters of a combination are checked on the rows the walk finds (their shares are
-- bounded by the domain: see `queue`).
DROP INDEX cases_street_queue;
CREATE INDEX cases_street_queue ON cases (street_code, open DESC, due_at);
DROP INDEX cases_community_queue;
CREATE INDEX cases_community_queue ON cases (community_code, open DESC, due_at);
DROP INDEX cases_grid_queue;
CREATE INDEX cases_grid_queue ON cases (grid_code, open DESC, due_at);
CREATE INDEX cases_community_status ON cases (community_code, status, due_at);
CREATE INDEX cases_grid_status ON cases (grid_code, status, due_at);
CREATE INDEX cases_street_category ON cases (street_code, category_code, open DESC, due_at);
CREATE INDEX cases_community_category ON cases (community_code, category_code, open DESC, due_at);
CREATE INDEX cases_grid_category ON cases (grid_code, category_code, open DESC, due_at);
CREATE INDEX cases_street_channel ON cases (street_code, channel, open DESC, due_at);
CREATE INDEX cases_community_channel ON cases (community_code, channel, open DESC, due_at);
CREATE INDEX cases_grid_channel ON cases (grid_code, channel, open DESC, due_at);
CREATE INDEX cases_street_overdue ON cases (street_code, overdue, open DESC, due_at);
CREATE INDEX cases_community_overdue ON cases (community_code, overdue, open DESC, due_at);
CREATE INDEX cases_grid_overdue ON cases (grid_code, overdue, open DESC, due_at);
CREATE INDEX cases_community_created ON cases (community_code, created_at);
CREATE INDEX cases_grid_created ON cases (grid_code, created_at);
