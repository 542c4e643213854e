-- The docpatch demo: one document's life, each change a single statement.
\set QUIET on
\pset footer off
\pset border 0
SET client_min_messages = warning;
DROP TABLE IF EXISTS notes;
CREATE TABLE notes (id text PRIMARY KEY, doc jsonb NOT NULL);
\o /dev/null
SELECT docpatch_enable('notes');
\o
SET client_min_messages = notice;

\echo '1. create: an upsert inserts the note; created_at, updated_at and etag are stamped'
SELECT inserted, doc FROM upsert_with_creation_ts('notes', 'n1',
  '{"title": "Groceries", "items": ["milk"], "meta": {"pinned": false, "color": "red"}}');
SELECT etag AS etag1, created_at AS created1 FROM notes WHERE id = 'n1' \gset
SELECT set_config('demo.etag1', :'etag1', false) \gset

\echo '2. patch: JSON Patch and Cosmos-style ops, applied in the server, in one statement'
UPDATE notes SET doc = jsonb_patch_ops(doc, '[
  {"op": "add_unique", "path": "/items", "value": "eggs"},
  {"op": "incr", "path": "/version", "value": 1},
  {"op": "replace", "path": "/meta/pinned", "value": true}]') WHERE id = 'n1'
RETURNING doc;

\echo '3. merge: a deep merge changes meta.color and keeps meta.pinned'
SELECT jsonb_deep_merge(doc, '{"meta": {"color": "blue"}}') AS merged FROM notes WHERE id = 'n1';

\echo '4. If-Match: a client holding the first etag is refused (412 Precondition Failed)'
DO $$
BEGIN
  PERFORM etag_guarded_update('notes', 'n1', current_setting('demo.etag1'), '{"title": "Stale"}');
EXCEPTION WHEN SQLSTATE 'DP011' THEN RAISE NOTICE 'refused: SQLSTATE % (%)', SQLSTATE, split_part(SQLERRM, ' for the row', 1);
END $$;

\echo '5. ... while the current etag is accepted'
SELECT g.doc->>'title' AS title, g.etag <> :'etag1' AS new_etag
FROM notes n, etag_guarded_update('notes', 'n1', n.etag, '{"title": "Groceries (Sat)"}') g
WHERE n.id = 'n1';

\echo '6. an upsert that replaces the whole document keeps created_at'
SELECT inserted, created_at = :'created1'::timestamptz AS created_at_kept, doc
FROM upsert_with_creation_ts('notes', 'n1', '{"title": "Replaced"}', 'replace');

