-- jsonb_patch_ops: the operations Cosmos DB and MongoDB users ask for:
-- add_unique, pull, unset, min, max, and "create_parents".
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.try_patch(doc jsonb, ops jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
  RETURN jsonb_patch_ops(doc, ops)::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN 'ERROR ' || st || ': ' || msg;
END $$;

-- add_unique appends unless an equal element is already there
SELECT jsonb_patch_ops('{"tags": ["a", "b"]}', '[{"op": "add_unique", "path": "/tags", "value": "c"}]') AS absent,
       jsonb_patch_ops('{"tags": ["a", "b"]}', '[{"op": "add_unique", "path": "/tags", "value": "a"}]') AS present;
-- equality is JSON equality: numbers numerically, objects regardless of order
SELECT jsonb_patch_ops('{"s": [1, {"x": 1, "y": [2]}]}', '[
  {"op": "add_unique", "path": "/s", "value": 1.0},
  {"op": "add_unique", "path": "/s", "value": {"y": [2.00], "x": 1}},
  {"op": "add_unique", "path": "/s", "value": {"x": 1}},
  {"op": "add_unique", "path": "/s", "value": "1"}]');
-- a missing array is created; the same value twice is added once
SELECT jsonb_patch_ops('{}', '[{"op": "add_unique", "path": "/tags", "value": "x"}, {"op": "add_unique", "path": "/tags", "value": "x"}]');
-- on an array element that is an array, and on an array document
SELECT jsonb_patch_ops('{"m": [[1], [2]]}', '[{"op": "add_unique", "path": "/m/1", "value": 3}]'),
       jsonb_patch_ops('[1]', '[{"op": "add_unique", "path": "", "value": 2}]');
-- add_unique refuses a non-array (DP003)
SELECT v AS current, pg_temp.try_patch(jsonb_build_object('tags', v), '[{"op": "add_unique", "path": "/tags", "value": 1}]')
FROM (VALUES ('"a"'::jsonb), ('null'), ('{"0": 1}'), ('7')) t(v);
SELECT pg_temp.try_patch('{"m": [[1]]}', '[{"op": "add_unique", "path": "/m/1", "value": 3}]');
SELECT pg_temp.try_patch('{"m": [[1]]}', '[{"op": "add_unique", "path": "/m/-", "value": 3}]');

-- pull removes every element equal to the value
SELECT jsonb_patch_ops('{"l": [1, 2, 1.0, "1", 3, 1e0]}', '[{"op": "pull", "path": "/l", "value": 1}]'),
       jsonb_patch_ops('{"l": [{"a": 1, "b": 2}, {"a": 1}, {"b": 2, "a": 1}]}', '[{"op": "pull", "path": "/l", "value": {"a": 1, "b": 2}}]'),
       jsonb_patch_ops('{"l": [1, 2]}', '[{"op": "pull", "path": "/l", "value": 3}]');
-- a missing array, or a missing parent, is a no-op
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "pull", "path": "/l", "value": 1}]') AS missing,
       jsonb_patch_ops('{"a": 1}', '[{"op": "pull", "path": "/x/y/l", "value": 1}]') AS missing_parent,
       jsonb_patch_ops('{"a": [[1]]}', '[{"op": "pull", "path": "/a/3", "value": 1}]') AS past_the_end;
-- pull refuses a non-array target or a path through a scalar (DP003)
SELECT pg_temp.try_patch('{"l": "1,2"}', '[{"op": "pull", "path": "/l", "value": 1}]');
SELECT pg_temp.try_patch('{"a": 5}', '[{"op": "pull", "path": "/a/l", "value": 1}]');
SELECT pg_temp.try_patch('{"l": [1]}', '[{"op": "pull", "path": "/l/-", "value": 1}]');
SELECT pg_temp.try_patch('{"l": [1]}', '[{"op": "pull", "path": "/l"}]');
-- on the whole document
SELECT jsonb_patch_ops('["a", "b", "a"]', '[{"op": "pull", "path": "", "value": "a"}]');

-- unset removes a member or element if present
SELECT jsonb_patch_ops('{"a": 1, "b": 2}', '[{"op": "unset", "path": "/a"}]') AS member,
       jsonb_patch_ops('{"l": [1, 2, 3]}', '[{"op": "unset", "path": "/l/1"}]') AS element;
-- absence, even of a parent (or a parent that is not a container), is not an error
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "unset", "path": "/b"}]') AS absent,
       jsonb_patch_ops('{"a": 1}', '[{"op": "unset", "path": "/x/y/z"}]') AS absent_parent,
       jsonb_patch_ops('{"a": 1}', '[{"op": "unset", "path": "/a/b"}]') AS scalar_parent,
       jsonb_patch_ops('{"l": [1]}', '[{"op": "unset", "path": "/l/5"}]') AS past_the_end,
       jsonb_patch_ops('{"l": [1]}', '[{"op": "unset", "path": "/l/5/x"}]') AS past_the_end_parent;
-- but "-", a malformed index and the whole document are refused
SELECT pg_temp.try_patch('{"l": [1]}', '[{"op": "unset", "path": "/l/-"}]');
SELECT pg_temp.try_patch('{"l": [1]}', '[{"op": "unset", "path": "/l/01"}]');
SELECT pg_temp.try_patch('{"l": [1]}', '[{"op": "unset", "path": ""}]');

-- min / max set a missing member, or replace a higher / lower value
SELECT jsonb_patch_ops('{"lo": 5, "hi": 5}', '[
  {"op": "min", "path": "/lo", "value": 3},
  {"op": "max", "path": "/hi", "value": 3},
  {"op": "min", "path": "/new_lo", "value": 7},
  {"op": "max", "path": "/new_hi", "value": 7}]');
SELECT jsonb_patch_ops('{"lo": 5, "hi": 5}', '[
  {"op": "min", "path": "/lo", "value": 8},
  {"op": "max", "path": "/hi", "value": 1.5},
  {"op": "max", "path": "/hi", "value": 5.000}]');
-- numbers compare numerically, strings by code point ("é" is U+00E9, after "z")
SELECT jsonb_patch_ops('{"n": 10}', '[{"op": "max", "path": "/n", "value": 9.99}]') AS numeric_max,
       jsonb_patch_ops('{"s": "z"}', '[{"op": "max", "path": "/s", "value": "é"}]') AS string_max,
       jsonb_patch_ops('{"s": "b"}', '[{"op": "min", "path": "/s", "value": "B"}]') AS string_min,
       jsonb_patch_ops('{"s": "ab"}', '[{"op": "min", "path": "/s", "value": "a"}]') AS prefix;
-- on array elements and on the whole document
SELECT jsonb_patch_ops('{"l": [4, 9]}', '[{"op": "min", "path": "/l/1", "value": 6}]'),
       jsonb_patch_ops('3', '[{"op": "max", "path": "", "value": 4}]');
SELECT pg_temp.try_patch('{"l": [4, 9]}', '[{"op": "min", "path": "/l/2", "value": 6}]');
-- different types are an error (DP003)
SELECT v AS current, pg_temp.try_patch(jsonb_build_object('a', v), '[{"op": "max", "path": "/a", "value": 1}]')
FROM (VALUES ('"2"'::jsonb), ('null'), ('true'), ('[2]')) t(v);
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "min", "path": "/a", "value": "0"}]');
-- the value must be a number or a string (DP001)
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "min", "path": "/a", "value": null}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "max", "path": "/a", "value": [2]}]');

-- "create_parents": true creates missing intermediate objects
SELECT jsonb_patch_ops('{}', '[
  {"op": "add", "path": "/a/b/c", "value": 1, "create_parents": true},
  {"op": "set", "path": "/a/x/y", "value": 2, "create_parents": true},
  {"op": "incr", "path": "/s/views", "value": 1, "create_parents": true},
  {"op": "add_unique", "path": "/t/tags", "value": "x", "create_parents": true},
  {"op": "min", "path": "/r/lo", "value": 1, "create_parents": true},
  {"op": "max", "path": "/r/hi", "value": 9, "create_parents": true}]');
-- existing parents are used as they are; an array parent is fine when it exists
SELECT jsonb_patch_ops('{"a": {"keep": true}, "l": [{}]}', '[
  {"op": "add", "path": "/a/b/c", "value": 1, "create_parents": true},
  {"op": "add", "path": "/l/0/x/y", "value": 2, "create_parents": true},
  {"op": "add", "path": "/l/-", "value": 3, "create_parents": true}]');
-- but never through a scalar (DP003) or an array (DP002)
SELECT pg_temp.try_patch('{"a": 5}', '[{"op": "add", "path": "/a/b/c", "value": 1, "create_parents": true}]');
SELECT pg_temp.try_patch('{"a": null}', '[{"op": "set", "path": "/a/b", "value": 1, "create_parents": true}]');
SELECT pg_temp.try_patch('{"l": []}', '[{"op": "add", "path": "/l/0/x", "value": 1, "create_parents": true}]');
SELECT pg_temp.try_patch('{"l": []}', '[{"op": "add", "path": "/l/-/x", "value": 1, "create_parents": true}]');
-- false is the default; a value that is not a boolean is DP001
SELECT pg_temp.try_patch('{}', '[{"op": "add", "path": "/a/b", "value": 1, "create_parents": false}]');
SELECT pg_temp.try_patch('{}', '[{"op": "add", "path": "/a/b", "value": 1, "create_parents": "yes"}]');
-- an operation that fails after creating parents leaves nothing behind
SELECT pg_temp.try_patch('{}', '[{"op": "incr", "path": "/a/b", "value": 1, "create_parents": true}, {"op": "test", "path": "/a/b", "value": 2}]');
