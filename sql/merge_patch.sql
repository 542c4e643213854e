-- jsonb_merge_patch: RFC 7396 JSON Merge Patch
-- RFC 7396 section 1: null deletes, objects merge, anything else replaces
SELECT jsonb_merge_patch('{"a": "b", "c": {"d": "e", "f": "g"}}', '{"a": "z", "c": {"f": null}}');
-- RFC 7396 section 3
SELECT jsonb_merge_patch(
  '{"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"}',
  '{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]}');
-- every example of RFC 7396 Appendix A, with the result the RFC gives
SELECT n, original, patch, jsonb_merge_patch(original, patch) AS result,
       jsonb_merge_patch(original, patch) = rfc_result AS as_rfc
FROM (VALUES
  (1, '{"a":"b"}'::jsonb, '{"a":"c"}'::jsonb, '{"a":"c"}'::jsonb),
  (2, '{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'),
  (3, '{"a":"b"}', '{"a":null}', '{}'),
  (4, '{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'),
  (5, '{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'),
  (6, '{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'),
  (7, '{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'),
  (8, '{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'),
  (9, '["a","b"]', '["c","d"]', '["c","d"]'),
  (10, '{"a":"b"}', '["c"]', '["c"]'),
  (11, '{"a":"foo"}', 'null', 'null'),
  (12, '{"a":"foo"}', '"bar"', '"bar"'),
  (13, '{"e":null}', '{"a":1}', '{"e":null,"a":1}'),
  (14, '[1,2]', '{"a":"b","c":null}', '{"a":"b"}'),
  (15, '{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}')) v(n, original, patch, rfc_result)
ORDER BY n;

-- a null member of a patch is removed wherever the patch is applied to
-- nothing (a new member, a non-object target); nulls inside arrays stay
SELECT jsonb_merge_patch('{"a": 1}', '{"n": {"x": null, "y": {"z": null, "w": [null, {"v": null}]}}}');
SELECT jsonb_merge_patch('"scalar"', '{"x": null, "y": 1}'), jsonb_merge_patch('[1]', '{"x": {"y": null}}');
-- a null for a member the target lacks is a no-op
SELECT jsonb_merge_patch('{"a": 1}', '{"b": null}');
-- an empty object patch changes nothing; an empty member merges nothing
SELECT jsonb_merge_patch('{"a": 1}', '{}'), jsonb_merge_patch('{"m": {"x": 1}}', '{"m": {}}'),
       jsonb_merge_patch('{"a": 1}', '{"m": {}}'), jsonb_merge_patch('[1, 2]', '{}');
-- scalars and arrays replace, at any level
SELECT jsonb_merge_patch('{"a": {"b": 1}}', '{"a": [1, {"c": null}]}'), jsonb_merge_patch('{"a": 1}', '[]'),
       jsonb_merge_patch('{"a": 1}', 'true'), jsonb_merge_patch('1', '2.50');

-- SQL NULLs: a NULL target counts as a non-object (an object patch applies to
-- {}, anything else is returned); a NULL patch returns the target
SELECT jsonb_merge_patch(NULL, '{"a": 1, "b": null}'), jsonb_merge_patch(NULL, '[1]'),
       jsonb_merge_patch('{"a": 1}', NULL), jsonb_merge_patch(NULL, NULL) IS NULL AS both_null;

-- the first seed's cases, where a merge patch differs from the other merges:
-- null deletes the member instead of setting it to null
SELECT jsonb_merge_patch('{"title": "Title", "description": "Description"}', '{"description": null}');
SELECT jsonb_merge_patch(
  '{"title": "Original Title", "description": "Original Description", "tags": ["tag1", "tag2"], "metadata": {"version": 1, "author": "user1"}}',
  '{"title": "Updated Title"}');
SELECT jsonb_merge_patch('{"metadata": {"version": 1, "author": "user1", "tags": ["old"]}}',
                         '{"metadata": {"version": 2, "tags": ["new"]}}');
SELECT jsonb_merge_patch('{"tags": ["a", "b", "c"]}', '{"tags": ["x", "y"]}');
SELECT jsonb_merge_patch('{"config": {"ui": {"theme": "dark", "fontSize": 14}, "api": {"timeout": 5000}}}',
                         '{"config": {"ui": {"theme": "light"}}}');
SELECT jsonb_merge_patch('{"title": "Normal"}',
  jsonb_build_object('description', 'It''s a test with ''quotes'' and "double quotes"')) ->> 'description';
\pset format unaligned
SELECT jsonb_merge_patch('{"title": "Normal", "😀": 1}', '{"description": "🎉 Unicode test: café, naïve, 日本語", "😀": null}');
\pset format aligned

-- untouched values come back byte-identical (12.00 stays 12.00)
SELECT jsonb_merge_patch('{"price": 12.00, "m": {"n": 0.10, "gone": 1}}', '{"m": {"gone": null}}');
-- large objects: deleting and setting members across stored-offset strides
SELECT jsonb_merge_patch(t, p) = expected AS large_ok
FROM (SELECT jsonb_object_agg('k' || i, i) AS t FROM generate_series(1, 1000) i) a,
     (SELECT jsonb_object_agg('k' || i, CASE WHEN i % 2 = 0 THEN NULL ELSE to_jsonb(-i) END) AS p
      FROM generate_series(1, 1200, 5) i) b,
     (SELECT jsonb_object_agg('k' || i, CASE WHEN i % 5 = 1 THEN -i ELSE i END) AS expected
      FROM generate_series(1, 1200) i
      WHERE (i <= 1000 OR i % 5 = 1) AND NOT (i % 5 = 1 AND i % 2 = 0)) c;
-- deep nesting
SELECT jsonb_merge_patch((repeat('{"a": ', 500) || '{"c": 1, "d": 2}' || repeat('}', 500))::jsonb,
                         (repeat('{"a": ', 500) || '{"b": 2, "d": null}' || repeat('}', 500))::jsonb)
       #> array_fill('a'::text, ARRAY[500]) AS deepest;

-- in an UPDATE: a PATCH endpoint with application/merge-patch+json
CREATE TABLE docs (id int PRIMARY KEY, body jsonb);
INSERT INTO docs VALUES (1, '{"name": "n", "meta": {"a": 1, "b": 2}}'), (2, NULL);
UPDATE docs SET body = jsonb_merge_patch(body, '{"meta": {"b": null, "c": 3}, "name": "m"}');
SELECT id, body FROM docs ORDER BY id;
DROP TABLE docs;
