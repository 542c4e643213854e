-- jsonb_patch_ops: RFC 6902 (add, remove, replace, move, copy, test), every
-- example of the RFC's Appendix A, then the edge cases the RFC leaves open.
\set SHOW_CONTEXT never
-- try_patch: the result, or the SQLSTATE and message of the error
CREATE FUNCTION pg_temp.try_patch(doc jsonb, ops jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
  RETURN jsonb_patch_ops(doc, ops)::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN 'ERROR ' || st || ': ' || msg;
END $$;

-- A.1 adding an object member
SELECT jsonb_patch_ops('{"foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux"}]');
-- A.2 adding an array element
SELECT jsonb_patch_ops('{"foo": ["bar", "baz"]}', '[{"op": "add", "path": "/foo/1", "value": "qux"}]');
-- A.3 removing an object member
SELECT jsonb_patch_ops('{"baz": "qux", "foo": "bar"}', '[{"op": "remove", "path": "/baz"}]');
-- A.4 removing an array element
SELECT jsonb_patch_ops('{"foo": ["bar", "qux", "baz"]}', '[{"op": "remove", "path": "/foo/1"}]');
-- A.5 replacing a value
SELECT jsonb_patch_ops('{"baz": "qux", "foo": "bar"}', '[{"op": "replace", "path": "/baz", "value": "boo"}]');
-- A.6 moving a value
SELECT jsonb_patch_ops('{"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}',
                       '[{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]');
-- A.7 moving an array element
SELECT jsonb_patch_ops('{"foo": ["all", "grass", "cows", "eat"]}',
                       '[{"op": "move", "from": "/foo/1", "path": "/foo/3"}]');
-- A.8 testing a value: success (the document comes back unchanged)
SELECT jsonb_patch_ops('{"baz": "qux", "foo": ["a", 2, "c"]}',
                       '[{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}]');
-- A.9 testing a value: error
SELECT jsonb_patch_ops('{"baz": "qux"}', '[{"op": "test", "path": "/baz", "value": "bar"}]');
-- A.10 adding a nested member object
SELECT jsonb_patch_ops('{"foo": "bar"}', '[{"op": "add", "path": "/child", "value": {"grandchild": {}}}]');
-- A.11 ignoring unrecognized elements
SELECT jsonb_patch_ops('{"foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]');
-- A.12 adding to a nonexistent target
SELECT jsonb_patch_ops('{"foo": "bar"}', '[{"op": "add", "path": "/baz/bat", "value": "qux"}]');
-- A.13 invalid JSON Patch document: jsonb keeps the last of duplicate keys,
-- so this operation is a "remove", never an "add"
SELECT '[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]'::jsonb;
SELECT pg_temp.try_patch('{"foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]');
SELECT pg_temp.try_patch('{"baz": 1, "foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]');
-- A.14 ~ escape ordering
SELECT jsonb_patch_ops('{"/": 9, "~1": 10}', '[{"op": "test", "path": "/~01", "value": 10}]');
-- A.15 comparing strings and numbers
SELECT jsonb_patch_ops('{"/": 9, "~1": 10}', '[{"op": "test", "path": "/~01", "value": "10"}]');
-- A.16 adding an array value
SELECT jsonb_patch_ops('{"foo": ["bar"]}', '[{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]');

-- operations apply in order, each seeing the effect of the previous ones
SELECT jsonb_patch_ops('{"a": {"b": [1, 2]}}', '[
  {"op": "add", "path": "/a/b/1", "value": 9},
  {"op": "remove", "path": "/a/b/0"},
  {"op": "copy", "from": "/a", "path": "/c"},
  {"op": "move", "from": "/c/b", "path": "/d"},
  {"op": "test", "path": "/d", "value": [9, 2]},
  {"op": "replace", "path": "/a/b", "value": null}]');
-- a lone operation object counts as a one-operation patch; [] changes nothing
SELECT jsonb_patch_ops('{"a": 1}', '{"op": "replace", "path": "/a", "value": 2}'),
       jsonb_patch_ops('{"a": 1}', '[]');
-- STRICT: a SQL NULL argument gives NULL
SELECT jsonb_patch_ops(NULL, '[]') IS NULL AS null_target, jsonb_patch_ops('{}', NULL) IS NULL AS null_ops;

-- the whole document: add and replace at "" replace it, test compares it,
-- remove of "" is refused as a malformed patch (DP001): nothing would be left
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "add", "path": "", "value": [1, 2]}]'),
       jsonb_patch_ops('[1, 2]', '[{"op": "replace", "path": "", "value": {"b": 2}}]'),
       jsonb_patch_ops('{"a": 1}', '[{"op": "test", "path": "", "value": {"a": 1.0}}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "remove", "path": ""}]');
-- scalar documents
SELECT jsonb_patch_ops('5', '[{"op": "replace", "path": "", "value": "x"}]'),
       jsonb_patch_ops('"x"', '[{"op": "test", "path": "", "value": "x"}]'),
       jsonb_patch_ops('null', '[{"op": "add", "path": "", "value": {"a": null}}]'),
       jsonb_patch_ops('true', '[{"op": "copy", "from": "", "path": ""}]');
SELECT pg_temp.try_patch('5', '[{"op": "add", "path": "/a", "value": 1}]');
SELECT pg_temp.try_patch('"text"', '[{"op": "remove", "path": "/0"}]');
SELECT pg_temp.try_patch('null', '[{"op": "test", "path": "/a", "value": null}]');

-- move and copy
-- from == path: move is a no-op (the location must still exist); copy of an
-- array element onto itself inserts a second copy
SELECT jsonb_patch_ops('{"a": {"b": 1}}', '[{"op": "move", "from": "/a/b", "path": "/a/b"}]'),
       jsonb_patch_ops('{"a": [1, 2]}', '[{"op": "copy", "from": "/a/0", "path": "/a/0"}]');
SELECT pg_temp.try_patch('{"a": {}}', '[{"op": "move", "from": "/a/b", "path": "/a/b"}]');
-- "" onto "" is a no-op too
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "move", "from": "", "path": ""}]');
-- a location cannot move into one of its own children (DP001: no document allows it)
SELECT pg_temp.try_patch('{"a": {"b": 1}}', '[{"op": "move", "from": "/a", "path": "/a/b/c"}]');
SELECT pg_temp.try_patch('{"a": {"b": 1}}', '[{"op": "move", "from": "", "path": "/a"}]');
-- but a child can move up, even to the whole document
SELECT jsonb_patch_ops('{"a": {"b": {"c": 1}}}', '[{"op": "move", "from": "/a/b", "path": "/a"}]'),
       jsonb_patch_ops('{"a": {"b": {"c": 1}}}', '[{"op": "move", "from": "/a/b", "path": ""}]');
-- move overwrites an existing member; the path is read after the removal
SELECT jsonb_patch_ops('{"a": 1, "b": 2}', '[{"op": "move", "from": "/a", "path": "/b"}]'),
       jsonb_patch_ops('[0, 1, 2, 3]', '[{"op": "move", "from": "/0", "path": "/3"}]'),
       jsonb_patch_ops('[0, 1, 2, 3]', '[{"op": "move", "from": "/3", "path": "/0"}]'),
       jsonb_patch_ops('[0, 1, 2, 3]', '[{"op": "move", "from": "/1", "path": "/-"}]');
-- copies are independent of their source
SELECT jsonb_patch_ops('{"a": {"x": [1]}}', '[
  {"op": "copy", "from": "/a", "path": "/b"},
  {"op": "add", "path": "/b/x/-", "value": 2},
  {"op": "add", "path": "/a/y", "value": 3},
  {"op": "copy", "from": "/b", "path": "/c"},
  {"op": "remove", "path": "/b/x/0"}]');
-- copy of the whole document into itself
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "copy", "from": "", "path": "/self"}]');
-- move and copy need an existing "from"
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "copy", "from": "/b", "path": "/c"}]');
SELECT pg_temp.try_patch('{"a": [1]}', '[{"op": "move", "from": "/a/1", "path": "/c"}]');

-- keys: "" (the pointer "/"), "~" and "/" (escaped ~0 and ~1), "-" in an object
SELECT jsonb_patch_ops('{"": 1, "a/b": 2, "m~n": 3}', '[
  {"op": "replace", "path": "/", "value": 10},
  {"op": "replace", "path": "/a~1b", "value": 20},
  {"op": "remove", "path": "/m~0n"},
  {"op": "add", "path": "/~0~1", "value": 30},
  {"op": "add", "path": "/-", "value": 40}]');
SELECT jsonb_patch_ops('{"": {"": 1}}', '[{"op": "add", "path": "//", "value": 2}]'),
       jsonb_patch_ops('{"a": 1}', '[{"op": "add", "path": "/", "value": 2}]');

-- array indices
-- "-" appends on add; it is refused by replace, remove (DP002) and test (DP004)
SELECT jsonb_patch_ops('[1, 2]', '[{"op": "add", "path": "/-", "value": 3}]');
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "replace", "path": "/-", "value": 3}]');
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "remove", "path": "/-"}]');
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "test", "path": "/-", "value": 2}]');
-- "-" in the middle of a path refers to nothing
SELECT pg_temp.try_patch('[[1]]', '[{"op": "add", "path": "/-/0", "value": 3}]');
-- an index equal to the length appends on add and is out of range on replace
SELECT jsonb_patch_ops('[1, 2]', '[{"op": "add", "path": "/2", "value": 3}]');
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "add", "path": "/3", "value": 3}]');
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "replace", "path": "/2", "value": 3}]');
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "remove", "path": "/2"}]');
-- indices are decimal, without leading zeros or signs (DP001)
SELECT jsonb_patch_ops('[1, 2]', '[{"op": "replace", "path": "/0", "value": 0}]'),
       jsonb_patch_ops('[1, 2]', '[{"op": "replace", "path": "/1", "value": 0}]');
SELECT token, pg_temp.try_patch('[1, 2]', jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/' || token, 'value', 0)))
FROM unnest(ARRAY['01', '00', '-1', '+1', '1.0', '1e0', ' 1', '0x1', 'a', '']) token;
-- an enormous index is out of range, not an overflow
SELECT pg_temp.try_patch('[1, 2]', '[{"op": "replace", "path": "/99999999999999999999999", "value": 0}]');
-- on an object, a numeric token is just a key
SELECT jsonb_patch_ops('{"0": "zero", "01": "one"}', '[{"op": "replace", "path": "/01", "value": 1}]');

-- test: objects regardless of member order, numbers numerically, arrays in order
SELECT jsonb_patch_ops('{"o": {"a": 1, "b": [1, 2]}, "n": 1, "s": "10"}', '[
  {"op": "test", "path": "/o", "value": {"b": [1.0, 2e0], "a": 1.00}},
  {"op": "test", "path": "/n", "value": 10e-1},
  {"op": "test", "path": "/s", "value": "10"}]');
SELECT pg_temp.try_patch('{"a": [1, 2]}', '[{"op": "test", "path": "/a", "value": [2, 1]}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "test", "path": "/a", "value": "1"}]');
SELECT pg_temp.try_patch('{"a": {"x": 1}}', '[{"op": "test", "path": "/a", "value": {"x": 1, "y": null}}]');
SELECT pg_temp.try_patch('{"a": null}', '[{"op": "test", "path": "/a", "value": false}]');
-- test of null: an existing null passes, a missing member fails (DP004)
SELECT jsonb_patch_ops('{"a": null}', '[{"op": "test", "path": "/a", "value": null}]');
SELECT pg_temp.try_patch('{}', '[{"op": "test", "path": "/a", "value": null}]');

-- where nlohmann::json::patch (the differential test's oracle) deviates from
-- RFC 6902, docpatch follows the RFC:
-- adding into a null parent is an error (nlohmann turns the null into an object)
SELECT pg_temp.try_patch('{"a": null}', '[{"op": "add", "path": "/a/b", "value": 1}]');
SELECT pg_temp.try_patch('null', '[{"op": "add", "path": "/b", "value": 1}]');
-- adding or removing under a scalar parent is an error (nlohmann ignores it)
SELECT pg_temp.try_patch('{"a": 5}', '[{"op": "add", "path": "/a/b", "value": 1}]');
SELECT pg_temp.try_patch('{"a": "s"}', '[{"op": "remove", "path": "/a/b"}]');
SELECT pg_temp.try_patch('{"a": null}', '[{"op": "remove", "path": "/a/0"}]');
SELECT pg_temp.try_patch('{"a": true}', '[{"op": "copy", "from": "/a", "path": "/a/b"}]');

-- unknown members are ignored, missing or mistyped required ones are errors
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "remove", "path": "/a", "value": 1, "from": 7, "create_parents": "x"}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "add", "path": "/b"}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "test", "path": "/a"}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "move", "path": "/b"}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "copy", "from": 1, "path": "/b"}]');
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "replace", "path": ["a"], "value": 1}]');

-- a patch is atomic: when one operation fails, the row keeps its old value
CREATE TABLE items (id int PRIMARY KEY, doc jsonb);
INSERT INTO items VALUES (1, '{"n": 1, "tags": ["a"]}');
UPDATE items SET doc = jsonb_patch_ops(doc, '[
  {"op": "replace", "path": "/n", "value": 2},
  {"op": "add", "path": "/tags/-", "value": "b"},
  {"op": "test", "path": "/n", "value": 1}]') WHERE id = 1;
SELECT doc FROM items;
UPDATE items SET doc = jsonb_patch_ops(doc, '[
  {"op": "test", "path": "/n", "value": 1},
  {"op": "replace", "path": "/n", "value": 2},
  {"op": "add", "path": "/tags/-", "value": "b"}]') WHERE id = 1;
SELECT doc FROM items;
DROP TABLE items;
