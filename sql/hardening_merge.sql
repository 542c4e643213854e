-- Hardening of the merge family (jsonb_shallow_merge, jsonb_deep_merge,
-- jsonb_merge_patch, jsonb_diff, jsonb_merge_diff and the merge aggregates)
-- against hostile input: every refusal carries a documented SQLSTATE (never
-- XX000) and the backend survives.  Outcomes are shown as "SQLSTATE message"
-- (or "ok" and the result); huge values are summarized.
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
-- Calls f(a, b) (or f(a, b, c)) and returns its outcome.
CREATE FUNCTION pg_temp.outcome(f text, a jsonb, b jsonb, c int DEFAULT NULL, with_c bool DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
BEGIN
  IF with_c THEN
    EXECUTE format('SELECT %I($1, $2, $3)', f) INTO r USING a, b, c;
  ELSE
    EXECUTE format('SELECT %I($1, $2)', f) INTO r USING a, b;
  END IF;
  RETURN 'ok ' || coalesce(r::text, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE TEMP TABLE samples (si int, label text, v jsonb);
INSERT INTO samples VALUES
  (1, 'SQL NULL', NULL), (2, 'null', 'null'), (3, 'boolean', 'true'), (4, 'number', '7'),
  (5, 'string', '"s"'), (6, 'array', '[1]'), (7, 'empty object', '{}'), (8, 'object', '{"a": null, "b": {"c": 1}}');

-- 1. Every JSON type (and SQL NULL) in every argument position
SELECT f.fn, t.label AS first, p.label AS second, pg_temp.outcome(f.fn, t.v, p.v) AS outcome
FROM (VALUES (1, 'jsonb_shallow_merge'), (2, 'jsonb_deep_merge'), (3, 'jsonb_merge_patch'),
             (4, 'jsonb_diff'), (5, 'jsonb_merge_diff')) f(fi, fn)
CROSS JOIN samples t CROSS JOIN samples p
ORDER BY f.fi, t.si, p.si;
-- max_depth of jsonb_deep_merge: NULL, the edges of int, negative
SELECT d AS max_depth, pg_temp.outcome('jsonb_deep_merge', '{"a": {"b": {"c": 1}}}', '{"a": {"b": {"d": 2}}}', d, true)
FROM (VALUES (NULL::int), (0), (1), (2), (3), (2147483647), (-1), (-2147483648)) v(d);
SELECT pg_temp.outcome('jsonb_deep_merge', NULL, NULL, -1, true) AS null_documents_negative_depth,
       pg_temp.outcome('jsonb_deep_merge', '[1]', '{}', NULL, true) AS array_target,
       pg_temp.outcome('jsonb_deep_merge', '{}', '[1]', 0, true) AS array_patch_depth_0;

-- 2. The aggregates: every JSON type mid-stream, SQL NULLs, no rows
SELECT s.label, pg_temp.expect_error(format(
         $q$SELECT jsonb_shallow_merge_agg(p ORDER BY i)::text FROM (VALUES (1, '{"a": 1}'::jsonb), (2, %L::jsonb), (3, '{"b": 2}')) v(i, p)$q$, s.v)) AS shallow_merge_agg,
       pg_temp.expect_error(format(
         $q$SELECT jsonb_merge_patch_agg(p ORDER BY i)::text FROM (VALUES (1, '{"a": 1}'::jsonb), (2, %L::jsonb), (3, '{"b": 2}')) v(i, p)$q$, s.v)) AS merge_patch_agg
FROM samples s ORDER BY s.si;
SELECT jsonb_shallow_merge_agg(p) IS NULL AS shallow_all_null, jsonb_merge_patch_agg(p) IS NULL AS merge_patch_all_null
FROM (VALUES (NULL::jsonb), (NULL)) v(p);
SELECT jsonb_shallow_merge_agg(p) IS NULL AS shallow_no_rows, jsonb_merge_patch_agg(p) IS NULL AS merge_patch_no_rows
FROM (SELECT '{}'::jsonb AS p WHERE false) v;
-- a refusal in the middle of a group leaves the other groups alone (a new statement)
SELECT g, pg_temp.expect_error(format($q$SELECT jsonb_shallow_merge_agg(p)::text FROM (VALUES ('{"x": %s}'::jsonb), (%L)) v(p)$q$, g, CASE WHEN g = 2 THEN '[2]' ELSE '{"y": 1}' END))
FROM generate_series(1, 3) g;

-- 3. 100,000 patches through the aggregates, 100,000 members through the merges
SELECT (SELECT count(*) FROM jsonb_object_keys(r)) AS members, r -> 'k1' AS first, r -> 'k100000' AS last
FROM (SELECT jsonb_shallow_merge_agg(jsonb_build_object('k' || i, i) ORDER BY i) AS r FROM generate_series(1, 100000) i) s;
-- odd rows add a member, every fourth row deletes the one added before it
SELECT r = (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 100000, 4) i) AS merge_patch_agg_adds_and_deletes
FROM (SELECT jsonb_merge_patch_agg(CASE WHEN i % 2 = 1 THEN jsonb_build_object('k' || i, i)
                                        WHEN i % 4 = 0 THEN jsonb_build_object('k' || (i - 1), NULL)
                                        ELSE '{}' END ORDER BY i) AS r
      FROM generate_series(1, 100000) i) s;
CREATE TEMP TABLE wide AS
SELECT jsonb_object_agg('k' || i, i) AS t, jsonb_object_agg('k' || (i * 3), jsonb_build_object('n', i)) AS p
FROM generate_series(1, 100000) i;
SELECT jsonb_shallow_merge(t, p) = t || p AS shallow_is_concat,
       jsonb_deep_merge(t, p) = t || p AS deep_is_concat_here,
       jsonb_merge_patch(t, p) = t || p AS merge_patch_is_concat_here,
       jsonb_array_length(jsonb_diff(t, p)) AS diff_operations,
       jsonb_patch_ops(t, jsonb_diff(t, p)) = p AS diff_round_trip,
       jsonb_merge_patch(t, jsonb_merge_diff(t, p)) = p AS merge_diff_round_trip
FROM wide;

-- 4. 10 MB keys
CREATE TEMP TABLE bigkey AS
SELECT repeat('k', 10 * 1024 * 1024) AS k, jsonb_build_object(repeat('k', 10 * 1024 * 1024), jsonb_build_object('v', 1), 'b', 2) AS doc;
SELECT jsonb_shallow_merge(doc, jsonb_build_object(k, 5)) = jsonb_build_object(k, 5, 'b', 2) AS shallow,
       jsonb_deep_merge(doc, jsonb_build_object(k, jsonb_build_object('w', 2))) = jsonb_build_object(k, jsonb_build_object('v', 1, 'w', 2), 'b', 2) AS deep,
       jsonb_merge_patch(doc, jsonb_build_object(k, NULL)) = '{"b": 2}' AS merge_patch,
       jsonb_diff(doc, jsonb_build_object(k, jsonb_build_object('v', 2), 'b', 2)) = jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/' || k || '/v', 'value', 2)) AS diff,
       jsonb_merge_diff(doc, '{"b": 2}') = jsonb_build_object(k, NULL) AS merge_diff
FROM bigkey;
SELECT pg_temp.expect_error($$SELECT jsonb_merge_diff('{}', jsonb_build_object(k, jsonb_build_object('n', NULL))) FROM bigkey$$);
SELECT pg_temp.expect_error($$SELECT jsonb_shallow_merge_agg(p)::text FROM bigkey, LATERAL (VALUES (doc), (jsonb_build_array(k))) v(p)$$);

-- 5. Documents of 20 MB and more (compared with PostgreSQL's own operators)
CREATE TEMP TABLE big AS
SELECT jsonb_object_agg('key' || i, jsonb_build_object('n', i, 's', repeat('x', 100), 'l', jsonb_build_array(i, i + 1))) AS doc
FROM generate_series(1, 130000) i;
SELECT length(doc::text) > 20000000 AS over_20_mb FROM big;
SELECT jsonb_shallow_merge(doc, '{"key7": 0, "new": 1}') = doc || '{"key7": 0, "new": 1}' AS shallow,
       jsonb_deep_merge(doc, '{"key7": {"n": 0}}') = jsonb_set(doc, '{key7,n}', '0') AS deep,
       jsonb_merge_patch(doc, '{"key7": {"s": null}, "key8": null}') = jsonb_set(doc, '{key7}', (doc -> 'key7') - 's') - 'key8' AS merge_patch,
       jsonb_diff(doc, jsonb_set(doc, '{key99999,l,0}', '"x"')) AS diff,
       jsonb_merge_diff(doc, jsonb_set(doc, '{key99999,l,0}', '"x"')) AS merge_diff
FROM big;
SELECT jsonb_diff(doc, doc) AS diff_same, jsonb_merge_diff(doc, doc) AS merge_diff_same,
       jsonb_array_length(jsonb_diff(doc, '{}')) AS removals, jsonb_merge_patch(doc, jsonb_merge_diff(doc, '{"z": 1}')) AS emptied
FROM big;
-- merges whose result passes jsonb's 256 MB per container
SELECT pg_temp.expect_error($$SELECT jsonb_shallow_merge(jsonb_build_object('a', repeat('x', 140000000)), jsonb_build_object('b', repeat('y', 140000000)))$$);
SELECT pg_temp.expect_error($$SELECT jsonb_shallow_merge_agg(p) FROM (VALUES (jsonb_build_object('a', repeat('x', 140000000))), (jsonb_build_object('b', repeat('y', 140000000)))) v(p)$$);

-- 6. Nesting thousands deep
CREATE TEMP TABLE deep AS
SELECT (repeat('{"a": ', 2000) || '1' || repeat('}', 2000))::jsonb AS o1,
       (repeat('{"a": ', 2000) || '2' || repeat('}', 2000))::jsonb AS o2,
       (repeat('{"a": ', 2000) || 'null' || repeat('}', 2000))::jsonb AS onull,
       (repeat('[', 2000) || '1' || repeat(']', 2000))::jsonb AS a1,
       (repeat('[', 2000) || '2' || repeat(']', 2000))::jsonb AS a2,
       (repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb AS o5000,
       (repeat('{"a": ', 5000) || '2' || repeat('}', 5000))::jsonb AS o5000b;
SELECT jsonb_deep_merge(o1, o2) = o2 AS deep_merge, jsonb_merge_patch(o1, o2) = o2 AS merge_patch,
       jsonb_merge_patch(o1, onull) = (repeat('{"a": ', 1999) || '{}' || repeat('}', 1999))::jsonb AS merge_patch_deletes,
       jsonb_diff(o1, o2) = jsonb_build_array(jsonb_build_object('op', 'replace', 'path', repeat('/a', 2000), 'value', 2)) AS diff_objects,
       jsonb_diff(a1, a2) = jsonb_build_array(jsonb_build_object('op', 'replace', 'path', repeat('/0', 2000), 'value', 2)) AS diff_arrays,
       jsonb_merge_diff(o1, o2) = o2 AS merge_diff
FROM deep;
SELECT pg_temp.expect_error($$SELECT jsonb_merge_diff('{}', onull) FROM deep$$);
SELECT (SELECT jsonb_merge_patch_agg(p ORDER BY i) FROM (VALUES (1, o1), (2, o2)) v(i, p)) = o2 AS merge_patch_agg,
       (SELECT jsonb_shallow_merge_agg(p ORDER BY i) FROM (VALUES (1, o1), (2, o2)) v(i, p)) = o2 AS shallow_merge_agg
FROM deep;
-- with a small stack, every recursion stops cleanly with 54001 (what does not
-- recurse that deep still works)
SET max_stack_depth = '100kB';
SELECT f, pg_temp.expect_error(format('SELECT %s FROM deep', f)) FROM (VALUES
  ('jsonb_deep_merge(o5000, o5000b)'),
  ('jsonb_deep_merge(NULL, o5000b, 4000) = o5000b'),
  ('jsonb_deep_merge(o5000, o5000b, 10) = o5000b'),
  ('jsonb_merge_patch(o5000, o5000b)'),
  ('jsonb_merge_patch(''{}'', jsonb_build_object(''b'', o5000))'),
  ('jsonb_merge_patch(NULL, o5000)'),
  ('jsonb_diff(o5000, o5000b)'),
  ('jsonb_merge_diff(o5000, o5000b)'),
  ('jsonb_merge_diff(''[]'', o5000)'),
  ('jsonb_merge_patch_agg(p) FROM deep, LATERAL (VALUES (o5000), (jsonb_build_object(''a'', o5000))) v(p) --'),
  ('jsonb_shallow_merge(o5000, o5000) = o5000')) v(f);
RESET max_stack_depth;

-- 7. A diff that would repeat long paths past jsonb's limits: 2,000 levels
-- of 1,000-byte keys, each level with a changed member
CREATE TEMP TABLE longpaths AS
SELECT (repeat('{"x": 1, "' || repeat('k', 1000) || '": ', 2000) || '{}' || repeat('}', 2000))::jsonb AS s,
       (repeat('{"x": 2, "' || repeat('k', 1000) || '": ', 2000) || '{}' || repeat('}', 2000))::jsonb AS t;
SELECT pg_temp.expect_error($$SELECT jsonb_diff(s, t) FROM longpaths$$);
SELECT pg_temp.expect_error($$SELECT jsonb_merge_patch(s, jsonb_merge_diff(s, t)) = t FROM longpaths$$);

-- the backend is still here
SELECT 'alive' AS backend;
