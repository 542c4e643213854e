-- jsonb_patch_ops: values no operation touches come back byte-identical; the
-- result is the jsonb PostgreSQL itself would build; bulk updates reuse the
-- decoded patch; the declared properties.
\set SHOW_CONTEXT never

-- untouched numbers keep their exact form (12.00 stays 12.00)
SELECT jsonb_patch_ops('{"price": 12.00, "n": 0.10, "big": 1e30, "items": [{"p": 1.50}]}',
                       '[{"op": "add", "path": "/z", "value": 1}]');
SELECT jsonb_patch_ops('{"price": 12.00, "items": [{"p": 1.50}, {"p": 2.50}]}',
                       '[{"op": "replace", "path": "/items/1/p", "value": 3.000}]');
-- values from the patch keep the form jsonb input gave them (1.10 stays 1.10)
SELECT jsonb_patch_ops('{}', '[{"op": "add", "path": "/v", "value": [1.10, 2e2, -0.0]}]');

-- the result's bytes are those of PostgreSQL's own encoding of the same value
-- (jsonb_send sends text: compare the binary datums through a binary cast)
CREATE CAST (jsonb AS bytea) WITHOUT FUNCTION;
SELECT '{"a": 1}'::jsonb::bytea = '{"a":1}'::jsonb::bytea AS same, '{"a": 1}'::jsonb::bytea = '{"a": 1.0}'::jsonb::bytea AS different;
CREATE TEMP TABLE cases (id serial, doc jsonb, ops jsonb);
INSERT INTO cases (doc, ops) VALUES
  ('{"a": 1}', '[{"op": "add", "path": "/b", "value": {"c": [1, "x", null, true]}}]'),
  ('[1, [2, [3, [4]]]]', '[{"op": "add", "path": "/1/1/1/0", "value": "deep"}]'),
  ('{"k": "v"}', '[{"op": "replace", "path": "", "value": 42}]'),
  ('"scalar"', '[{"op": "replace", "path": "", "value": "other"}]'),
  ('{"aaa": 1, "b": 2, "cc": 3}', '[{"op": "add", "path": "/dddd", "value": 4}, {"op": "remove", "path": "/b"}]'),
  ('{"é": "ü", "日本": "語"}', '[{"op": "move", "from": "/é", "path": "/🎉"}]'),
  ('{"a": [1, 2, 3]}', '[{"op": "remove", "path": "/a/0"}, {"op": "remove", "path": "/a/0"}, {"op": "remove", "path": "/a/0"}]'),
  ('{"a": {"b": {}}}', '[{"op": "remove", "path": "/a/b"}, {"op": "remove", "path": "/a"}]');
\pset format unaligned
SELECT id, r AS result, r::bytea = r::text::jsonb::bytea AS same_bytes
FROM cases, jsonb_patch_ops(doc, ops) r ORDER BY id;
\pset format aligned

-- large containers (jsonb stores an offset every 32 entries): compare with
-- PostgreSQL's jsonb_set, jsonb_insert and #-
CREATE TEMP TABLE big AS
SELECT (SELECT jsonb_object_agg('k' || i, jsonb_build_object('i', i, 'l', jsonb_build_array(i, i * 1.5, 'x' || i)))
        FROM generate_series(1, 1000) i) AS o,
       (SELECT jsonb_agg(i) FROM generate_series(1, 1000) i) AS a;
SELECT jsonb_patch_ops(o, '[{"op": "replace", "path": "/k500/l/2", "value": "new"}]') = jsonb_set(o, '{k500,l,2}', '"new"') AS replace,
       jsonb_patch_ops(o, '[{"op": "add", "path": "/k1001", "value": {}}]') = jsonb_set(o, '{k1001}', '{}') AS add_member,
       jsonb_patch_ops(o, '[{"op": "remove", "path": "/k77/l"}]') = o #- '{k77,l}' AS remove,
       jsonb_patch_ops(a, '[{"op": "add", "path": "/999", "value": 0}]') = jsonb_insert(a, '{999}', '0') AS insert,
       jsonb_patch_ops(a, '[{"op": "remove", "path": "/0"}]') = a #- '{0}' AS remove_first,
       jsonb_patch_ops(o, '[{"op": "incr", "path": "/k999/i", "value": 1}]')::bytea
         = jsonb_set(o, '{k999,i}', '1000')::bytea AS same_bytes
FROM big;
-- many operations on one large document equal the same changes made by jsonb_set
SELECT jsonb_patch_ops(o, ops) = expected AS equal, jsonb_patch_ops(o, ops)::bytea = expected::bytea AS same_bytes
FROM big,
     (SELECT jsonb_agg(jsonb_build_object('op', 'replace', 'path', '/k' || i || '/i', 'value', -i)) AS ops
      FROM generate_series(1, 1000, 7) i) p,
     LATERAL (SELECT o || (SELECT jsonb_object_agg('k' || i, jsonb_set(o -> ('k' || i), '{i}', to_jsonb(-i)))
                           FROM generate_series(1, 1000, 7) i)) e(expected);

-- a bulk UPDATE: one patch for every row (decoded once and reused)
CREATE TABLE items (id int PRIMARY KEY, doc jsonb);
INSERT INTO items SELECT i, jsonb_build_object('n', i, 'tags', jsonb_build_array('t' || (i % 3)), 'price', 10.00)
FROM generate_series(1, 1000) i;
UPDATE items SET doc = jsonb_patch_ops(doc, '[{"op": "incr", "path": "/n", "value": 1000},
                                              {"op": "add_unique", "path": "/tags", "value": "t1"},
                                              {"op": "set", "path": "/status", "value": "done"}]');
SELECT count(*) AS rows, min((doc ->> 'n')::int), max((doc ->> 'n')::int),
       count(*) FILTER (WHERE doc -> 'tags' = '["t1"]') AS t1_only,
       count(*) FILTER (WHERE doc -> 'tags' @> '["t1"]') AS with_t1,
       bool_and(doc -> 'price' = '10.00' AND (doc -> 'price')::text = '10.00') AS price_intact,
       bool_and(doc ->> 'status' = 'done') AS status
FROM items;
-- a different patch per row (the cache is replaced row by row)
UPDATE items SET doc = jsonb_patch_ops(doc, jsonb_build_array(
  jsonb_build_object('op', 'replace', 'path', '/n', 'value', id * 2),
  jsonb_build_object('op', CASE WHEN id % 2 = 0 THEN 'unset' ELSE 'set' END, 'path', '/status', 'value', id)));
SELECT count(*) FILTER (WHERE (doc ->> 'n')::int = id * 2) AS n_ok,
       count(*) FILTER (WHERE doc ? 'status') AS with_status,
       count(*) FILTER (WHERE (doc ->> 'status')::int = id) AS status_is_id
FROM items;
-- a prepared statement with the patch as a parameter
PREPARE patch_item(int, jsonb) AS UPDATE items SET doc = jsonb_patch_ops(doc, $2) WHERE id = $1 RETURNING doc;
EXECUTE patch_item(1, '[{"op": "move", "from": "/tags", "path": "/labels"}]');
EXECUTE patch_item(1, '[{"op": "test", "path": "/labels/0", "value": "t1"}, {"op": "pull", "path": "/labels", "value": "t1"}]');
EXECUTE patch_item(1, '[{"op": "test", "path": "/labels", "value": ["t1"]}]');
DEALLOCATE patch_item;
-- one failing row fails the whole statement
UPDATE items SET doc = jsonb_patch_ops(doc, '[{"op": "replace", "path": "/status", "value": 0}]');
SELECT count(*) FILTER (WHERE doc ? 'status') AS with_status FROM items;
DROP TABLE items;

DROP CAST (jsonb AS bytea);

-- declared properties
SELECT proname, pg_get_function_arguments(oid) AS arguments, prorettype::regtype AS returns,
       provolatile, proisstrict, proparallel, obj_description(oid, 'pg_proc') IS NOT NULL AS has_comment
FROM pg_proc WHERE proname = 'jsonb_patch_ops';
