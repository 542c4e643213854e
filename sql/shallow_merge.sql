-- jsonb_shallow_merge: top-level merge of two objects, the patch winning
SELECT jsonb_shallow_merge('{"a": 1, "b": 2}', '{"b": 3, "c": 4}');
-- nested objects and arrays are replaced whole
SELECT jsonb_shallow_merge('{"m": {"x": 1, "y": 2}, "t": [1, 2, 3]}', '{"m": {"x": 9}, "t": [4]}');
-- JSON null sets the member to null (it does not delete)
SELECT jsonb_shallow_merge('{"title": "T", "description": "D"}', '{"description": null}');
-- empty patch returns the target; empty target returns the patch
SELECT jsonb_shallow_merge('{"a": 1}', '{}'), jsonb_shallow_merge('{}', '{"a": 1}');
-- SQL NULL target counts as {}; SQL NULL patch returns the target
SELECT jsonb_shallow_merge(NULL, '{"a": 1}'), jsonb_shallow_merge('{"a": 1}', NULL),
       jsonb_shallow_merge(NULL, NULL);
-- the first seed's cases: preserved members, quotes, unicode and emoji
SELECT jsonb_shallow_merge(
  '{"title": "Original Title", "description": "Original Description", "tags": ["tag1", "tag2"], "metadata": {"version": 1, "author": "user1"}}',
  '{"title": "Updated Title"}');
SELECT jsonb_shallow_merge('{"title": "Normal"}',
  jsonb_build_object('description', 'It''s a test with ''quotes'' and "double quotes"'));
\pset format unaligned
SELECT jsonb_shallow_merge('{"title": "Normal"}', '{"description": "🎉 Unicode test: café, naïve, 日本語"}')
       -> 'description';
\pset format aligned
-- values the patch does not touch come back byte-identical (12.00 stays 12.00)
SELECT jsonb_shallow_merge('{"price": 12.00, "big": 1e100, "n": 0.10}', '{"z": 1}');
-- for two objects the answer equals target || patch
SELECT bool_and(jsonb_shallow_merge(t, p) = t || p)
FROM (VALUES ('{"a": 1}'::jsonb, '{"a": [1]}'::jsonb),
             ('{"k": {"n": null}, "x": true}', '{"k": 0, "y": false}'),
             ('{"aa": 1, "b": 2, "ccc": 3}', '{"b": null, "dddd": {}, "": ""}')) v(t, p);
-- large objects (jsonb switches to stored offsets every 32 entries)
SELECT jsonb_shallow_merge(t, p) = t || p
FROM (SELECT jsonb_object_agg('k' || i, i) AS t FROM generate_series(1, 1000) i) a,
     (SELECT jsonb_object_agg('k' || (i * 7), 'v' || i) AS p FROM generate_series(1, 300) i) b;
-- arrays or scalars are an error, unlike ||
SELECT jsonb_shallow_merge('[1]', '{}');
SELECT jsonb_shallow_merge('{}', '[1]');
SELECT jsonb_shallow_merge('{}', '"text"');
SELECT jsonb_shallow_merge(NULL, '42');
-- the error carries SQLSTATE DP003
DO $$
BEGIN
  PERFORM jsonb_shallow_merge('{}', 'null');
EXCEPTION WHEN SQLSTATE 'DP003' THEN RAISE NOTICE 'caught DP003: %', SQLERRM;
END $$;
-- in a bulk UPDATE
CREATE TABLE items (id int PRIMARY KEY, doc jsonb);
INSERT INTO items SELECT i, jsonb_build_object('n', i, 'status', 'new') FROM generate_series(1, 5) i;
UPDATE items SET doc = jsonb_shallow_merge(doc, '{"status": "done"}') WHERE id <= 3;
SELECT id, doc FROM items ORDER BY id;
DROP TABLE items;
