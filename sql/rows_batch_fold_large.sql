-- Folding the items of a batch that share one id is linear in their number:
-- 100,000 items for one id, in every mode, each a change the previous ones
-- did not make.  (Finding 8 of issue 12: the fold re-serialized the growing
-- document at every item, so 10,000 items took 7 s and 100,000 would take
-- ten minutes; linear, each of these takes about a second.  The
-- statement_timeout only keeps a regression from hanging the suite.)
SET statement_timeout = '120s';
CREATE TABLE big (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('big');
CREATE FUNCTION members(d jsonb) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM jsonb_object_keys(d) $$;

-- merge: every item adds a member
SELECT inserted, members(doc) AS members, doc -> 'k99999' AS last
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 1, 'doc', jsonb_build_object('k' || i, i)) ORDER BY i)
                                     FROM generate_series(0, 99999) i), 'merge');
-- and again onto the existing row
SELECT inserted, members(doc) AS members, doc -> 'k0' AS first, doc -> 'j99999' AS last
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 1, 'doc', jsonb_build_object('j' || i, i)) ORDER BY i)
                                     FROM generate_series(0, 99999) i), 'merge');
-- merge_patch: adds a member and deletes the one before
SELECT inserted, members(doc) AS members, doc
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 2, 'doc', jsonb_build_object('m' || i, i, 'm' || (i - 1), NULL)) ORDER BY i)
                                     FROM generate_series(0, 99999) i), 'merge_patch');
-- deep_merge: every item adds a member to a nested object
SELECT inserted, members(doc -> 'nested') AS members, doc -> 'nested' -> 'n99999' AS last
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 3, 'doc', jsonb_build_object('nested', jsonb_build_object('n' || i, i))) ORDER BY i)
                                     FROM generate_series(0, 99999) i), 'deep_merge');
-- ops: every item appends to an array and increments a counter
SELECT inserted, jsonb_array_length(doc -> 'list') AS elements, doc -> 'count' AS count
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 4, 'doc',
                                       CASE WHEN i = 0 THEN '[{"op": "add", "path": "/list", "value": []}, {"op": "add", "path": "/count", "value": 0}]'::jsonb
                                            ELSE jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/list/-', 'value', i),
                                                                   '{"op": "incr", "path": "/count", "value": 1}'::jsonb) END) ORDER BY i)
                                     FROM generate_series(0, 99999) i), 'ops');
-- replace: the last one wins
SELECT inserted, doc
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 5, 'doc', jsonb_build_object('r', i)) ORDER BY i)
                                     FROM generate_series(0, 99999) i), 'replace');
-- 100,000 items over 1,000 ids, interleaved
SELECT count(*) AS rows_, sum(members(doc)) AS members
FROM upsert_with_creation_ts('big', (SELECT jsonb_agg(jsonb_build_object('id', 1000 + i % 1000, 'doc', jsonb_build_object('x' || (i / 1000), i)) ORDER BY i)
                                     FROM generate_series(0, 99999) i));
-- what was stored is what was returned
SELECT id, members(doc) AS members FROM big WHERE id < 1000 AND jsonb_typeof(doc) = 'object' ORDER BY id;
RESET statement_timeout;
DROP TABLE big;
DROP FUNCTION members(jsonb);
