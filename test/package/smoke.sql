-- Smoke test of an installed docpatch package (scripts/test-package.sh):
-- the extension creates, its functions and its row functions work, and the
-- installed version is the one docpatch.control names (psql variable
-- expected_version).  Output is unaligned and compared with smoke.expected.
\set ON_ERROR_STOP on
\set VERBOSITY sqlstate
\set QUIET on
\pset format unaligned
\pset tuples_only on

CREATE EXTENSION docpatch;
SELECT extversion = :'expected_version' AS installed_version_is_the_default
FROM pg_extension WHERE extname = 'docpatch';

-- a patch
SELECT jsonb_patch_ops('{"n": 1, "tags": ["a"], "draft": true}',
  '[{"op": "incr", "path": "/n", "value": 41},
    {"op": "add_unique", "path": "/tags", "value": "b"},
    {"op": "add_unique", "path": "/tags", "value": "a"},
    {"op": "remove", "path": "/draft"}]');
-- merges
SELECT jsonb_merge_patch('{"a": 1, "b": {"c": 2, "d": 3}}', '{"b": {"c": null, "e": 4}}');
SELECT jsonb_deep_merge('{"a": {"x": 1}}', '{"a": {"y": 2}}');

-- a table with the stamp trigger, changed under If-Match
CREATE TABLE items (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('items');
SELECT inserted, doc FROM upsert_with_creation_ts('items', '1', '{"status": "draft", "n": 1}');
SELECT etag AS first_etag, created_at AS first_created_at FROM items WHERE id = 1 \gset
SELECT doc, etag <> :'first_etag' AS new_etag, created_at = :'first_created_at' AS same_created_at
FROM etag_guarded_update('items', '1', :'first_etag', '[{"op": "incr", "path": "/n", "value": 1}]');
-- the etag the client read is stale now: refused with DP011
\set ON_ERROR_STOP off
SELECT * FROM etag_guarded_update('items', '1', :'first_etag', '{"status": "published"}');
\set ON_ERROR_STOP on
SELECT :'LAST_ERROR_SQLSTATE' AS stale_etag_sqlstate;
SELECT doc FROM items WHERE id = 1;

DROP TABLE items;
DROP EXTENSION docpatch;
