-- etag_guarded_update kinds and upsert_with_creation_ts modes beyond merge
-- and replace: ops (jsonb_patch_ops), deep_merge (jsonb_deep_merge),
-- merge_patch (jsonb_merge_patch); and the internal fold helpers
\set VERBOSITY default
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE items (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('items');
INSERT INTO items (id, doc) VALUES
  (1, '{"title": "T", "count": 1, "tags": ["a"], "meta": {"v": 1, "w": 2}}');

-----------------------------------------------------------------------------
-- etag_guarded_update: an array patch is JSON Patch (jsonb_patch_ops)
SELECT etag AS e1 FROM items WHERE id = 1 \gset
SELECT etag <> :'e1' AS new_etag, doc
FROM etag_guarded_update('items', '1', :'e1', '[
  {"op": "replace", "path": "/title", "value": "Patched"},
  {"op": "add", "path": "/tags/-", "value": "b"},
  {"op": "incr", "path": "/count", "value": 2}
]');
-- the patch's own errors propagate and nothing is written
SELECT etag AS e2, xmin::text AS x2 FROM items WHERE id = 1 \gset
SELECT err($$SELECT * FROM etag_guarded_update('items', '1', NULL, '[{"op": "test", "path": "/title", "value": "other"}]')$$);
SELECT err($$SELECT * FROM etag_guarded_update('items', '1', NULL, '[{"op": "remove", "path": "/missing"}]')$$);
SELECT err($$SELECT * FROM etag_guarded_update('items', '1', NULL, '[{"op": "frobnicate", "path": "/title"}]')$$);
SELECT err($$SELECT * FROM etag_guarded_update('items', '1', NULL, '[{"op": "incr", "path": "/title", "value": 1}]')$$);
SELECT etag = :'e2' AS etag_unchanged, xmin::text = :'x2' AS not_written FROM items WHERE id = 1;
-- a patch of only passing tests changes nothing and writes nothing
SELECT etag = :'e2' AS same_etag, doc->>'title' AS title
FROM etag_guarded_update('items', '1', :'e2', '[{"op": "test", "path": "/title", "value": "Patched"}]');
SELECT xmin::text = :'x2' AS not_written FROM items WHERE id = 1;
-- kind 'ops' with a single operation object
SELECT doc->'count' AS count
FROM etag_guarded_update('items', '1', NULL, '{"op": "incr", "path": "/count", "value": 10}', kind => 'ops');
-- kind 'deep_merge': nested objects merge
SELECT doc->'meta' AS meta
FROM etag_guarded_update('items', '1', NULL, '{"meta": {"w": 20, "x": 30}}', kind => 'deep_merge');
-- kind 'merge_patch' (RFC 7396): null removes a member
SELECT doc
FROM etag_guarded_update('items', '1', NULL, '{"meta": {"v": null}, "tags": null}', kind => 'merge_patch');
-- a NULL document counts as {} for every kind
INSERT INTO items (id, doc) VALUES (2, NULL);
SELECT doc FROM etag_guarded_update('items', '2', NULL, '[{"op": "add", "path": "/a", "value": 1}]');
UPDATE items SET doc = NULL WHERE id = 2;
SELECT doc FROM etag_guarded_update('items', '2', NULL, '{"a": {"b": 1}}', kind => 'deep_merge');
UPDATE items SET doc = NULL WHERE id = 2;
SELECT doc FROM etag_guarded_update('items', '2', NULL, '{"a": 1, "b": null}', kind => 'merge_patch');

-----------------------------------------------------------------------------
-- upsert_with_creation_ts mode 'deep_merge'
SELECT inserted, doc FROM upsert_with_creation_ts('items', '10'::text, '{"m": {"a": 1}}', 'deep_merge');
SELECT inserted, doc FROM upsert_with_creation_ts('items', '10'::text, '{"m": {"b": 2}}', 'deep_merge');
-- mode 'merge_patch': the insert drops nulls, the update removes members
SELECT inserted, doc FROM upsert_with_creation_ts('items', '11'::text, '{"a": 1, "b": null, "c": {"d": null}}', 'merge_patch');
SELECT inserted, doc FROM upsert_with_creation_ts('items', '11'::text, '{"a": null, "z": 26}', 'merge_patch');
-- mode 'ops': applied to {} when inserting, to the current document otherwise
SELECT inserted, doc FROM upsert_with_creation_ts('items', '12'::text,
  '[{"op": "add", "path": "/n", "value": 1}, {"op": "add", "path": "/list", "value": []}]', 'ops');
SELECT inserted, doc FROM upsert_with_creation_ts('items', '12'::text,
  '[{"op": "incr", "path": "/n", "value": 1}, {"op": "add", "path": "/list/-", "value": "x"}]', 'ops');
-- a patch that applies to the row but not to {} works for an existing id ...
SELECT inserted, doc FROM upsert_with_creation_ts('items', '12'::text,
  '[{"op": "replace", "path": "/n", "value": 100}]', 'ops');
-- ... and fails for a new one with the patch's error; nothing is inserted
SELECT err($$SELECT * FROM upsert_with_creation_ts('items', '13'::text, '[{"op": "replace", "path": "/n", "value": 100}]', 'ops')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('items', '13'::text, '[{"op": "test", "path": "/n", "value": 1}]', 'ops')$$);
SELECT count(*) AS none FROM items WHERE id = 13;
-- a malformed patch fails whether the id exists or not
SELECT err($$SELECT * FROM upsert_with_creation_ts('items', '12'::text, '[{"op": "nope"}]', 'ops')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('items', '13'::text, '[{"op": "nope"}]', 'ops')$$);
-- a patch that fails on the existing row fails
SELECT err($$SELECT * FROM upsert_with_creation_ts('items', '12'::text, '[{"op": "remove", "path": "/gone"}]', 'ops')$$);

-----------------------------------------------------------------------------
-- batch: items for one id fold in order, whatever the mode
-- merge_patch patches do not compose by merging them into each other (a
-- null in an earlier one would be lost); they are applied one after another
INSERT INTO items (id, doc) VALUES (20, '{"keep": 1, "x": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('items', '[
  {"id": 20, "doc": {"x": null}},
  {"id": 20, "doc": {"y": 2}},
  {"id": 21, "doc": {"a": 1, "b": null}},
  {"id": 21, "doc": {"a": null, "c": 3}}
]'::jsonb, 'merge_patch');
SELECT inserted, doc FROM upsert_with_creation_ts('items', '[
  {"id": 22, "doc": {"m": {"a": 1}}},
  {"id": 22, "doc": {"m": {"b": 2}}},
  {"id": 10, "doc": {"m": {"c": 3}}}
]'::jsonb, 'deep_merge');
-- ops: create, then edit, in one call
SELECT inserted, doc FROM upsert_with_creation_ts('items', '[
  {"id": 23, "doc": [{"op": "add", "path": "/todo", "value": []}]},
  {"id": 23, "doc": [{"op": "add", "path": "/todo/-", "value": "write tests"}]},
  {"id": 12, "doc": [{"op": "replace", "path": "/n", "value": 0}]},
  {"id": 23, "doc": [{"op": "add", "path": "/todo/-", "value": "ship"}]}
]'::jsonb, 'ops');
-- a batch whose new id cannot take its patch fails as a whole
SELECT err($$SELECT * FROM upsert_with_creation_ts('items', '[
  {"id": 12, "doc": [{"op": "replace", "path": "/n", "value": 1}]},
  {"id": 24, "doc": [{"op": "replace", "path": "/n", "value": 1}]}
]'::jsonb, 'ops')$$);
SELECT id, doc FROM items WHERE id IN (12, 24) ORDER BY id;

-----------------------------------------------------------------------------
-- the internal helpers, directly
SELECT docpatch_fold('{"a": 1}', 'merge', '[{"b": 2}, {"a": 3}]');
SELECT docpatch_fold(NULL, 'merge', '[{"b": 2}]');
SELECT docpatch_fold('{"a": 1}', 'replace', '[{"b": 2}, [3]]');
SELECT docpatch_fold('{"a": 1}', 'merge', '[]');
SELECT docpatch_fold('{"a": {"x": 1}}', 'deep_merge', '[{"a": {"y": 2}}]');
SELECT docpatch_fold('{"a": 1, "b": 2}', 'merge_patch', '[{"a": null}, {"c": 3}]');
SELECT docpatch_fold('{"n": 1}', 'ops', '[[{"op": "incr", "path": "/n", "value": 1}], [{"op": "incr", "path": "/n", "value": 1}]]');
SELECT err($$SELECT docpatch_fold('{}', 'ops', '[[{"op": "remove", "path": "/x"}]]')$$);
SELECT err($$SELECT docpatch_fold('{}', 'nope', '[]')$$);
SELECT err($$SELECT docpatch_fold('{}', NULL, '[]')$$);
SELECT err($$SELECT docpatch_fold('{}', 'merge', '{}')$$);
SELECT err($$SELECT docpatch_fold('{}', 'merge', NULL)$$);
-- docpatch_fold is each step's function applied in turn: one mode's
-- function, with that function's errors, and a step that changes nothing
-- returns the target as it is
SELECT docpatch_fold('{"a": 12.00}', 'merge', '[{"a": 12.00}]');
SELECT docpatch_fold(NULL, 'replace', '["a", 1, {"b": 2}]');
SELECT docpatch_fold(NULL, 'merge_patch', '[{"a": 1, "b": null}]');
SELECT err($$SELECT docpatch_fold(NULL, 'merge', '[[1]]')$$);
SELECT err($$SELECT docpatch_fold('{"a": []}', 'deep_merge', '[{"a": {"b": 1}}, 7]')$$);
SELECT err($$SELECT docpatch_fold(NULL, 'ops', '[[{"op": "nope"}]]')$$);
DROP TABLE items;
DROP FUNCTION err(text);
