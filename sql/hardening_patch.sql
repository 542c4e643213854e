-- Hardening of jsonb_patch_ops against hostile input: every refusal carries a
-- documented SQLSTATE (never XX000) and the backend survives.  Outcomes are
-- shown as "SQLSTATE message" (or "ok" and the result); huge values are
-- summarized by length, count or md5.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  EXECUTE sql INTO r;
  RETURN 'ok ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.outcome(doc jsonb, ops jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  RETURN 'ok ' || coalesce(jsonb_patch_ops(doc, ops)::text, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- 1. The patch itself: every JSON type, and every JSON type as an element
SELECT given, pg_temp.outcome('{"a": 1}', given) FROM (VALUES
  ('null'::jsonb), ('true'), ('0'), ('"add"'), ('[]'), ('{}'),
  ('[null]'), ('[false]'), ('[1]'), ('["op"]'), ('[[]]'), ('[{}]'),
  ('[{"op": "test", "path": "/a", "value": 1}, []]')) v(given);

-- 2. Every member of every operation, with a value of every JSON type or
-- missing.  Each base operation succeeds on the document as written.
CREATE TEMP TABLE base_ops (op text, ops jsonb, members text[]);
INSERT INTO base_ops VALUES
  ('add',        '{"op": "add", "path": "/n", "value": 1}',        '{op,path,value,create_parents}'),
  ('remove',     '{"op": "remove", "path": "/a"}',                 '{op,path}'),
  ('replace',    '{"op": "replace", "path": "/a", "value": 2}',    '{op,path,value}'),
  ('move',       '{"op": "move", "from": "/a", "path": "/b"}',     '{op,path,from}'),
  ('copy',       '{"op": "copy", "from": "/a", "path": "/b"}',     '{op,path,from}'),
  ('test',       '{"op": "test", "path": "/a", "value": 1}',       '{op,path,value}'),
  ('set',        '{"op": "set", "path": "/a", "value": 2}',        '{op,path,value,create_parents}'),
  ('incr',       '{"op": "incr", "path": "/a", "value": 2}',       '{op,path,value,create_parents}'),
  ('add_unique', '{"op": "add_unique", "path": "/l", "value": 3}', '{op,path,value,create_parents}'),
  ('pull',       '{"op": "pull", "path": "/l", "value": 1}',       '{op,path,value}'),
  ('unset',      '{"op": "unset", "path": "/a"}',                  '{op,path}'),
  ('min',        '{"op": "min", "path": "/a", "value": 0}',        '{op,path,value,create_parents}'),
  ('max',        '{"op": "max", "path": "/a", "value": 5}',        '{op,path,value,create_parents}');
SELECT b.op, m.member, g.label AS given,
       pg_temp.outcome('{"a": 1, "l": [1, 2]}',
                       CASE WHEN g.value IS NULL THEN b.ops - m.member
                            ELSE jsonb_set(b.ops, ARRAY[m.member], g.value) END) AS outcome
FROM base_ops b
CROSS JOIN LATERAL unnest(b.members) WITH ORDINALITY AS m(member, mi)
CROSS JOIN (VALUES (1, 'missing', NULL::jsonb), (2, 'null', 'null'), (3, 'boolean', 'true'),
                   (4, 'number', '7'), (5, 'string', '"/a"'), (6, 'array', '["/a"]'),
                   (7, 'object', '{"a": 1}')) AS g(gi, label, value)
ORDER BY b.op, m.mi, g.gi;
-- unknown members are ignored; op names are case-sensitive and exact
SELECT pg_temp.outcome('{"a": 1}', '{"op": "replace", "path": "/a", "value": 2, "from": 7, "x": null}'),
       pg_temp.outcome('{"a": 1}', '{"op": "Replace", "path": "/a", "value": 2}'),
       pg_temp.outcome('{"a": 1}', '{"op": "replace ", "path": "/a", "value": 2}'),
       pg_temp.outcome('{"a": 1}', '{"op": "", "path": "/a", "value": 2}');

-- 3. Bad pointers, against every operation ("path"; "from" for move and copy)
CREATE TEMP TABLE pointers (pi int, pointer text);
INSERT INTO pointers VALUES
  (1, 'l'), (2, 'l/0'), (3, '#/l'), (4, '/l~'), (5, '/l~2'), (6, '/~a'), (7, '/l/01'), (8, '/l/00'),
  (9, '/l/+1'), (10, '/l/-1'), (11, '/l/-0'), (12, '/l/1.0'), (13, '/l/1e0'), (14, '/l/ 1'),
  (15, '/l/0x1'), (16, '/l/'), (17, '/l/4294967295'), (18, '/l/4294967296'),
  (19, '/l/18446744073709551615'), (20, '/l/18446744073709551616'),
  (21, '/l/99999999999999999999999999999999999999'), (22, '/l/-/0'), (23, '/l/-/-'), (24, '/-/l');
SELECT p.pointer, b.op || CASE WHEN b.ops ? 'from' THEN ' from' ELSE '' END AS op,
       pg_temp.outcome('{"l": [[1, 2], [3]], "o": {"": 1}}',
                       jsonb_set(b.ops, ARRAY[CASE WHEN b.ops ? 'from' THEN 'from' ELSE 'path' END],
                                 to_jsonb(p.pointer))) AS outcome
FROM pointers p CROSS JOIN base_ops b
ORDER BY p.pi, b.op;

-- 4. Long paths: 100,000 segments, and the limit of 1,000,000 segments
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'add', 'path', repeat('/a', 100000), 'value', 1))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'test', 'path', repeat('/0', 100000), 'value', 1))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{"a": {}}', jsonb_build_object('op', 'move', 'from', '/a', 'path', repeat('/a', 100000)))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'unset', 'path', repeat('/a', 100000)))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'pull', 'path', repeat('/a', 100000), 'value', 1))$$);
-- creating 100,000 parents nests the document deeper than the stack allows
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'add', 'path', repeat('/a', 100000), 'value', 1, 'create_parents', true))$$);
-- within the stack: 1,000 created parents; then paths at and over the limit of 1,000,000 segments
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'add', 'path', repeat('/a', 1000), 'value', 1, 'create_parents', true)) #> array_fill('a'::text, ARRAY[1000])$$);
SELECT pg_temp.expect_error($$SELECT length(jsonb_patch_ops('{}', jsonb_build_object('op', 'add', 'path', repeat('/', 1000000), 'value', 1))::text)$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'add', 'path', repeat('/', 1000001), 'value', 1))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{"a": 1}', jsonb_build_object('op', 'copy', 'path', '/b', 'from', repeat('/a', 1000001)))$$);
-- and 10,000,000 segments in one patch
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', (SELECT jsonb_agg(jsonb_build_object('op', 'test', 'path', repeat('/', 999999), 'value', 1)) FROM generate_series(1, 11)))$$);

-- 5. 100,000 operations
CREATE TEMP TABLE many AS
SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/k' || i, 'value', i) ORDER BY i) AS adds,
       jsonb_agg(jsonb_build_object('op', 'incr', 'path', '/n', 'value', 1)) AS incrs
FROM generate_series(1, 100000) i;
SELECT (SELECT count(*) FROM jsonb_object_keys(r)) AS members, r -> 'k1' AS first, r -> 'k100000' AS last,
       r = (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 100000) i) AS as_expected
FROM (SELECT jsonb_patch_ops('{}', adds) AS r FROM many) s;
SELECT jsonb_patch_ops('{"n": 0}', incrs) FROM many;
-- an operation after 100,000 others fails: nothing is applied, the error names it
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', adds || '[{"op": "test", "path": "/k1", "value": 2}]') FROM many$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', adds || '[{"op": "frob"}]') FROM many$$);

-- 6. 10 MB keys (in the document, in paths, as op names)
CREATE TEMP TABLE bigkey AS
SELECT repeat('k', 10 * 1024 * 1024) AS k, jsonb_build_object(repeat('k', 10 * 1024 * 1024), 1, 'b', 2) AS doc;
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'replace', 'path', '/' || k, 'value', 5)) = jsonb_build_object(k, 5, 'b', 2) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'move', 'from', '/' || k, 'path', '/' || upper(k))) = jsonb_build_object(upper(k), 1, 'b', 2) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT md5(jsonb_patch_ops(doc, jsonb_build_object('op', 'copy', 'from', '/' || k, 'path', '/c')) ->> 'c') FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'test', 'path', '/' || k, 'value', 1)) = doc FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'remove', 'path', '/' || k)) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'add', 'path', '/' || k || '/x', 'value', 1)) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'remove', 'path', '/x' || k)) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', k, 'path', '/b')) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'test', 'path', '/b', 'value', k)) FROM bigkey$$);

-- 7. Documents of 20 MB and more (compared with PostgreSQL's own functions)
CREATE TEMP TABLE big AS
SELECT jsonb_object_agg('key' || i, jsonb_build_object('n', i, 's', repeat('x', 100), 'l', jsonb_build_array(i, i + 1))) AS doc
FROM generate_series(1, 130000) i;
SELECT length(doc::text) > 20000000 AS over_20_mb FROM big;
SELECT jsonb_patch_ops(doc, '[{"op": "replace", "path": "/key65000/l/1", "value": "x"}, {"op": "incr", "path": "/key7/n", "value": 0.5}]')
       = jsonb_set(jsonb_set(doc, '{key65000,l,1}', '"x"'), '{key7,n}', '7.5') AS same_as_jsonb_set
FROM big;
SELECT jsonb_patch_ops(doc, '[{"op": "remove", "path": "/key1"}, {"op": "add", "path": "/key0", "value": null}]')
       = (doc - 'key1') || '{"key0": null}' AS same_as_operators
FROM big;
-- copies of the whole document (each copy doubles it), then past jsonb's 256 MB per container
SELECT pg_temp.expect_error($$SELECT pg_column_size(jsonb_patch_ops(doc, '[{"op": "copy", "from": "", "path": "/c1"}, {"op": "copy", "from": "", "path": "/c2"}]')) / 1000000 || ' MB' FROM big$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(doc, (SELECT jsonb_agg(jsonb_build_object('op', 'copy', 'from', '', 'path', '/c' || i)) FROM generate_series(1, 30) i)) FROM big$$);
-- a 140 MB string added twice to one object: 280 MB of members
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/a', 'value', repeat('x', 140000000)), '{"op": "copy", "from": "/a", "path": "/b"}'::jsonb))$$);

-- 8. Nesting thousands deep, in the document and in the patch
CREATE TEMP TABLE deep AS
SELECT (repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb AS o,
       (repeat('[', 5000) || '1' || repeat(']', 5000))::jsonb AS a,
       (repeat('[', 5000) || '2' || repeat(']', 5000))::jsonb AS a2,
       (repeat('{"a": ', 1000) || '1' || repeat('}', 1000))::jsonb AS o1000;
-- paths that deep walk without recursion
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(o, jsonb_build_object('op', 'replace', 'path', repeat('/a', 5000), 'value', 2)) #>> array_fill('a'::text, ARRAY[5000]) FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(a, jsonb_build_object('op', 'incr', 'path', repeat('/0', 5000), 'value', 1)) = a2 FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(a, jsonb_build_object('op', 'test', 'path', '', 'value', a)) = a FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(o1000, jsonb_build_object('op', 'test', 'path', '', 'value', jsonb_patch_ops(o1000, '{"op": "copy", "from": "/a", "path": "/b"}') - 'b')) = o1000 FROM deep$$);
-- a patch whose value is nested 5,000 deep
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops('{}', jsonb_build_object('op', 'add', 'path', '/v', 'value', a)) -> 'v' = a FROM deep$$);
-- with a small stack, every recursion stops cleanly with 54001
SET max_stack_depth = '100kB';
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(a, jsonb_build_object('op', 'test', 'path', '', 'value', a2)) FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(a, jsonb_build_object('op', 'replace', 'path', repeat('/0', 4999), 'value', 5)) FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(o, jsonb_build_array(jsonb_build_object('op', 'replace', 'path', repeat('/a', 4999), 'value', 5), '{"op": "copy", "from": "/a", "path": "/b"}'::jsonb)) FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(jsonb_build_object('l', jsonb_build_array(a)), jsonb_build_object('op', 'add_unique', 'path', '/l', 'value', a2)) FROM deep$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(jsonb_build_object('l', jsonb_build_array(a)), jsonb_build_object('op', 'pull', 'path', '/l', 'value', a2)) FROM deep$$);
RESET max_stack_depth;

-- 9. Numbers: incr keeps numeric precision and refuses results out of range
SELECT jsonb_patch_ops('{"n": 0.1}', '{"op": "incr", "path": "/n", "value": 0.2}') AS exact,
       jsonb_patch_ops('{"n": 1e-300}', '{"op": "incr", "path": "/n", "value": 1}') = jsonb_build_object('n', 1 + 1e-300::numeric) AS tiny;
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(jsonb_build_object('n', ('9' || repeat('0', 131071))::numeric), jsonb_build_object('op', 'incr', 'path', '/n', 'value', ('9' || repeat('0', 131071))::numeric))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_patch_ops(jsonb_build_object('n', ('-9' || repeat('0', 131071))::numeric), jsonb_build_object('op', 'incr', 'path', '/n', 'value', ('-9' || repeat('0', 131071))::numeric))$$);

-- 10. NULL arguments: the function is strict
SELECT jsonb_patch_ops(NULL, '[]') IS NULL AS null_target, jsonb_patch_ops('{}', NULL) IS NULL AS null_ops,
       jsonb_patch_ops(NULL, NULL) IS NULL AS both_null;
SELECT pg_temp.outcome('null', '[{"op": "add", "path": "/a", "value": 1}]'),
       pg_temp.outcome('null', '[{"op": "replace", "path": "", "value": 1}]');

-- the backend is still here
SELECT 'alive' AS backend;
