-- jsonb_deep_merge: recursive merge of two objects, the patch winning
SELECT jsonb_deep_merge('{"a": 1, "m": {"x": 1, "n": {"p": 1, "q": 2}}}',
                        '{"b": 2, "m": {"y": 2, "n": {"q": 3}}}');
-- anything that is not an object on both sides replaces: arrays, scalars,
-- an object over a scalar, a scalar over an object
SELECT jsonb_deep_merge('{"t": [1, 2, 3], "s": "old", "o": 5, "k": {"x": 1}}',
                        '{"t": [4], "s": {"new": true}, "o": {"z": 0}, "k": "flat"}');
-- a JSON null sets the member to null, at every level (it does not delete)
SELECT jsonb_deep_merge('{"a": 1, "m": {"x": 1, "y": 2}}', '{"a": null, "m": {"x": null}}');
-- empty objects: an empty patch changes nothing, an empty member merges nothing
SELECT jsonb_deep_merge('{"a": 1}', '{}'), jsonb_deep_merge('{}', '{"a": {"b": 1}}'),
       jsonb_deep_merge('{"m": {"x": 1}}', '{"m": {}}'), jsonb_deep_merge('{"a": 1}', '{"m": {}}');
-- max_depth bounds how many levels merge: NULL (the default) is every level,
-- 1 is the shallow merge, 2 merges one level inside the top-level members,
-- 0 merges nothing (the patch replaces the target)
SELECT d, jsonb_deep_merge('{"a": {"b": {"c": {"d": 1, "e": 2}, "f": 3}, "g": 4}, "h": 5}',
                           '{"a": {"b": {"c": {"d": 9}}}}', d)
FROM (VALUES (NULL::int), (0), (1), (2), (3), (4), (100)) v(d);
-- the default is NULL
SELECT jsonb_deep_merge('{"a": {"b": {"c": 1}}}', '{"a": {"b": {"d": 2}}}')
     = jsonb_deep_merge('{"a": {"b": {"c": 1}}}', '{"a": {"b": {"d": 2}}}', NULL) AS same;
-- max_depth = 1 is jsonb_shallow_merge, which for objects is ||
SELECT bool_and(jsonb_deep_merge(t, p, 1) = jsonb_shallow_merge(t, p)) AS equals_shallow,
       bool_and(jsonb_deep_merge(t, p, 1) = t || p) AS equals_concat
FROM (VALUES ('{"a": 1}'::jsonb, '{"a": [1]}'::jsonb),
             ('{"k": {"n": null, "m": 1}, "x": true}', '{"k": {"n": 0}, "y": false}'),
             ('{"aa": 1, "b": {"c": {"d": 1}}, "ccc": 3}', '{"b": {"c": {"e": 2}}, "dddd": {}, "": ""}'),
             ('{}', '{"a": {"b": 1}}'),
             ('{"a": {"b": 1}}', '{}')) v(t, p);

-- SQL NULLs, as jsonb_shallow_merge: a NULL target counts as {} (so the
-- first write to a fresh row works), a NULL patch returns the target
SELECT jsonb_deep_merge(NULL, '{"a": {"b": 1}}'), jsonb_deep_merge('{"a": 1}', NULL),
       jsonb_deep_merge(NULL, NULL), jsonb_deep_merge(NULL, '{"a": 1}', 2);

-- the first seed's partial-update tests, with max_depth 2: the nested
-- metadata and config objects merge one level, anything below is replaced
CREATE TABLE notes (id int PRIMARY KEY, content jsonb);
INSERT INTO notes VALUES
  (1, '{"title": "Original Title", "description": "Original Description", "tags": ["tag1", "tag2"], "metadata": {"version": 1, "author": "user1"}}'),
  (2, '{"metadata": {"version": 1, "author": "user1", "tags": ["old"]}}'),
  (3, '{"tags": ["a", "b", "c"]}'),
  (4, '{"title": "Title", "description": "Description"}'),
  (5, '{"title": "Title"}'),
  (6, '{"config": {"ui": {"theme": "dark", "fontSize": 14}, "api": {"timeout": 5000}}}'),
  (7, '{"title": "Normal"}'),
  (8, '{"title": "Normal"}');
-- only the title changes; every other member is preserved
UPDATE notes SET content = jsonb_deep_merge(content, '{"title": "Updated Title"}', 2) WHERE id = 1;
-- nested metadata: version updated, author preserved, tags replaced
UPDATE notes SET content = jsonb_deep_merge(content, '{"metadata": {"version": 2, "tags": ["new"]}}', 2) WHERE id = 2;
-- arrays are replaced, not merged
UPDATE notes SET content = jsonb_deep_merge(content, '{"tags": ["x", "y"]}', 2) WHERE id = 3;
-- null sets the member to null, it does not delete it
UPDATE notes SET content = jsonb_deep_merge(content, '{"description": null}', 2) WHERE id = 4;
-- an empty patch leaves the document as it was
UPDATE notes SET content = jsonb_deep_merge(content, '{}', 2) WHERE id = 5;
-- config.ui is two levels down: replaced whole (fontSize goes), api preserved
UPDATE notes SET content = jsonb_deep_merge(content, '{"config": {"ui": {"theme": "light"}}}', 2) WHERE id = 6;
-- quotes and unicode survive
UPDATE notes SET content = jsonb_deep_merge(content,
  jsonb_build_object('description', 'It''s a test with ''quotes'' and "double quotes"'), 2) WHERE id = 7;
UPDATE notes SET content = jsonb_deep_merge(content, '{"description": "🎉 Unicode test: café, naïve, 日本語"}', 2) WHERE id = 8;
SELECT id, content FROM notes ORDER BY id;
SELECT content ->> 'description' FROM notes WHERE id IN (7, 8) ORDER BY id;
-- the exact answers the seed expects
SELECT id, content = expected AS as_expected
FROM notes JOIN (VALUES
  (1, '{"title": "Updated Title", "description": "Original Description", "tags": ["tag1", "tag2"], "metadata": {"version": 1, "author": "user1"}}'::jsonb),
  (2, '{"metadata": {"version": 2, "author": "user1", "tags": ["new"]}}'),
  (3, '{"tags": ["x", "y"]}'),
  (4, '{"title": "Title", "description": null}'),
  (5, '{"title": "Title"}'),
  (6, '{"config": {"ui": {"theme": "light"}, "api": {"timeout": 5000}}}'),
  (7, jsonb_build_object('title', 'Normal', 'description', 'It''s a test with ''quotes'' and "double quotes"')),
  (8, '{"title": "Normal", "description": "🎉 Unicode test: café, naïve, 日本語"}')) e(id, expected) USING (id)
ORDER BY id;
-- unbounded, the same config patch keeps fontSize
SELECT jsonb_deep_merge('{"config": {"ui": {"theme": "dark", "fontSize": 14}, "api": {"timeout": 5000}}}',
                        '{"config": {"ui": {"theme": "light"}}}');
-- a fresh row: the NULL content counts as {}
INSERT INTO notes VALUES (9, NULL);
UPDATE notes SET content = jsonb_deep_merge(content, '{"metadata": {"version": 1}}', 2) WHERE id = 9;
SELECT content FROM notes WHERE id = 9;
DROP TABLE notes;

-- values the patch does not touch come back byte-identical (12.00 stays 12.00),
-- also inside a merged member
SELECT jsonb_deep_merge('{"price": 12.00, "m": {"n": 0.10, "big": 1e30}}', '{"m": {"z": 1}}');
-- patch values are copied as they are written
SELECT jsonb_deep_merge('{"price": 12}', '{"price": 12.000}');
-- large objects (jsonb switches to stored offsets every 32 entries), nested
SELECT jsonb_deep_merge(t, p) = expected AS large_ok
FROM (SELECT jsonb_build_object('m', jsonb_object_agg('k' || i, i), 'x', 1) AS t
      FROM generate_series(1, 1000) i) a,
     (SELECT jsonb_build_object('m', jsonb_object_agg('k' || (i * 7), 'v' || i)) AS p
      FROM generate_series(1, 300) i) b,
     (SELECT jsonb_build_object('m', jsonb_object_agg('k' || i,
               CASE WHEN i % 7 = 0 AND i / 7 <= 300 THEN to_jsonb('v' || (i / 7)) ELSE to_jsonb(i) END)
             || (SELECT jsonb_object_agg('k' || (j * 7), 'v' || j) FROM generate_series(143, 300) j),
             'x', 1) AS expected
      FROM generate_series(1, 1000) i) c;
-- deep nesting
SELECT jsonb_deep_merge((repeat('{"a": ', 500) || '{"c": 1}' || repeat('}', 500))::jsonb,
                        (repeat('{"a": ', 500) || '{"b": 2}' || repeat('}', 500))::jsonb)
       #> array_fill('a'::text, ARRAY[500]) AS deepest;

-- at the top level both sides must be objects (as for jsonb_shallow_merge)
SELECT jsonb_deep_merge('[1]', '{}');
SELECT jsonb_deep_merge('{}', '[1]');
SELECT jsonb_deep_merge('{}', '"text"', 3);
SELECT jsonb_deep_merge(NULL, '42');
SELECT jsonb_deep_merge('null', '{"a": 1}');
-- a negative max_depth is an invalid argument
SELECT jsonb_deep_merge('{}', '{}', -1);
SELECT jsonb_deep_merge(NULL, NULL, -5);
-- SQLSTATEs: DP003 for a non-object, DP005 for a negative max_depth
DO $$
BEGIN
  BEGIN
    PERFORM jsonb_deep_merge('{}', '[]');
  EXCEPTION WHEN SQLSTATE 'DP003' THEN RAISE NOTICE 'caught DP003: %', SQLERRM;
  END;
  BEGIN
    PERFORM jsonb_deep_merge('{}', '{}', -1);
  EXCEPTION WHEN SQLSTATE 'DP005' THEN RAISE NOTICE 'caught DP005: %', SQLERRM;
  END;
END $$;
