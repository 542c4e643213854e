-- jsonb_patch_ops: the Azure Cosmos DB patch operations (set, incr, and add,
-- replace, remove, move with RFC 6902 semantics), without the limit of 10
-- operations per patch.
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

-- set on an object member: creates or overwrites, like add
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "set", "path": "/a", "value": {"x": 1}}, {"op": "set", "path": "/b", "value": 2}]');
-- set on an array index overwrites the element (add inserts)
SELECT jsonb_patch_ops('{"t": [1, 2, 3]}', '[{"op": "set", "path": "/t/1", "value": 20}]') AS set,
       jsonb_patch_ops('{"t": [1, 2, 3]}', '[{"op": "add", "path": "/t/1", "value": 20}]') AS add;
-- an index equal to the length, or "-", appends; a larger index is out of range
SELECT jsonb_patch_ops('{"t": [1, 2, 3]}', '[{"op": "set", "path": "/t/3", "value": 4}, {"op": "set", "path": "/t/-", "value": 5}]');
SELECT pg_temp.try_patch('{"t": [1, 2, 3]}', '[{"op": "set", "path": "/t/5", "value": 4}]');
-- set at "" replaces the document
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "set", "path": "", "value": [true]}]');
-- set does not create missing parents (unless "create_parents": true)
SELECT pg_temp.try_patch('{"a": 1}', '[{"op": "set", "path": "/b/c", "value": 1}]');
SELECT jsonb_patch_ops('{"a": 1}', '[{"op": "set", "path": "/b/c", "value": 1, "create_parents": true}]');

-- incr adds a number to a number, with exact decimal arithmetic
SELECT jsonb_patch_ops('{"n": 0.1}', '[{"op": "incr", "path": "/n", "value": 0.2}]') AS decimal,
       jsonb_patch_ops('{"n": 41}', '[{"op": "incr", "path": "/n", "value": 1}]') AS integer,
       jsonb_patch_ops('{"n": 10}', '[{"op": "incr", "path": "/n", "value": -12}]') AS negative,
       jsonb_patch_ops('{"n": 1.50}', '[{"op": "incr", "path": "/n", "value": 1}]') AS scale;
-- an integer plus an integer stays an integer, however large
SELECT jsonb_patch_ops('{"n": 9007199254740993}', '[{"op": "incr", "path": "/n", "value": 100000000000000000000}]') AS big,
       jsonb_typeof(jsonb_patch_ops('{"n": 2}', '[{"op": "incr", "path": "/n", "value": 3}]') -> 'n') AS type,
       jsonb_patch_ops('{"n": 2}', '[{"op": "incr", "path": "/n", "value": 3}]') -> 'n' = '5' AS is_5;
-- a missing member is created with the given value
SELECT jsonb_patch_ops('{}', '[{"op": "incr", "path": "/views", "value": 1}, {"op": "incr", "path": "/views", "value": 1}]');
-- an array element is incremented in place; "-" or an index past the end is not an element
SELECT jsonb_patch_ops('{"c": [1, 2]}', '[{"op": "incr", "path": "/c/1", "value": 5}]');
SELECT pg_temp.try_patch('{"c": [1, 2]}', '[{"op": "incr", "path": "/c/2", "value": 5}]');
SELECT pg_temp.try_patch('{"c": [1, 2]}', '[{"op": "incr", "path": "/c/-", "value": 5}]');
-- incr at "" increments a number document
SELECT jsonb_patch_ops('1.5', '[{"op": "incr", "path": "", "value": 1}]');
-- incr refuses strings, null, booleans and containers (DP003)
SELECT v AS current, pg_temp.try_patch(jsonb_build_object('a', v), '[{"op": "incr", "path": "/a", "value": 1}]')
FROM (VALUES ('"1"'::jsonb), ('null'), ('true'), ('{"n": 1}'), ('[1]')) t(v);
-- and a value that is not a number (DP001)
SELECT v AS value, pg_temp.try_patch('{"a": 1}', jsonb_build_array(jsonb_build_object('op', 'incr', 'path', '/a', 'value', v)))
FROM (VALUES ('"1"'::jsonb), ('null'), ('false'), ('{}'), ('[]')) t(v);
-- a missing parent is DP002 unless create_parents
SELECT pg_temp.try_patch('{}', '[{"op": "incr", "path": "/stats/views", "value": 1}]');
SELECT jsonb_patch_ops('{}', '[{"op": "incr", "path": "/stats/views", "value": 1, "create_parents": true}]');

-- add, replace, remove and move keep their RFC 6902 meaning; move overwrites an existing target
SELECT jsonb_patch_ops('{"a": 1, "b": 2, "l": ["x"]}', '[
  {"op": "add", "path": "/l/0", "value": "w"},
  {"op": "replace", "path": "/a", "value": 10},
  {"op": "remove", "path": "/l/1"},
  {"op": "move", "from": "/a", "path": "/b"}]');

-- a typical Cosmos DB style patch of an order
SELECT jsonb_pretty(jsonb_patch_ops(
  '{"id": "o1", "status": "open", "total": 19.90, "items": [{"sku": "A", "qty": 1}], "audit": {"edits": 0}}',
  '[{"op": "set", "path": "/status", "value": "paid"},
    {"op": "incr", "path": "/total", "value": 5.10},
    {"op": "add", "path": "/items/-", "value": {"sku": "B", "qty": 2}},
    {"op": "incr", "path": "/items/0/qty", "value": 1},
    {"op": "incr", "path": "/audit/edits", "value": 1},
    {"op": "remove", "path": "/id"}]'));

-- no limit of 10 operations: 100,000 operations in one patch
SELECT jsonb_array_length(ops) AS operations,
       jsonb_patch_ops('{"n": 0, "log": []}', ops) -> 'n' AS n,
       jsonb_array_length(jsonb_patch_ops('{"n": 0, "log": []}', ops) -> 'log') AS log_length
FROM (SELECT jsonb_agg(CASE WHEN i % 2 = 0
                            THEN jsonb_build_object('op', 'incr', 'path', '/n', 'value', 1)
                            ELSE jsonb_build_object('op', 'add', 'path', '/log/-', 'value', i) END) AS ops
      FROM generate_series(1, 100000) i) p;
-- 100,000 members set in one patch
SELECT count(*) AS members, sum(value::int) AS total
FROM (SELECT jsonb_agg(jsonb_build_object('op', 'set', 'path', '/k' || i, 'value', i)) AS ops
      FROM generate_series(1, 100000) i) p,
     jsonb_each_text(jsonb_patch_ops('{}', p.ops));
