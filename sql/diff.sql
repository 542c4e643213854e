-- jsonb_diff: the RFC 6902 patch that turns source into target
-- one changed member gives one operation
SELECT jsonb_diff('{"title": "A", "body": "long text", "n": 1}', '{"title": "B", "body": "long text", "n": 1}');
-- members only in the source are removed, members only in the target added,
-- members both sides have are compared recursively
SELECT jsonb_diff('{"a": 1, "gone": true, "m": {"x": 1, "y": [1, 2]}}',
                  '{"a": 1, "new": null, "m": {"x": 2, "y": [1, 2]}}');
-- equal documents give no operation; numbers compare as numbers
SELECT jsonb_diff('{"a": [1, {"b": null}]}', '{"a": [1, {"b": null}]}'),
       jsonb_diff('{"p": 1.0}', '{"p": 1.00}'), jsonb_diff('"x"', '"x"');
-- a change of type replaces; a different root replaces the whole document
SELECT jsonb_diff('{"a": {"b": 1}}', '{"a": [1]}'), jsonb_diff('{"a": 1}', '[1]'),
       jsonb_diff('true', 'false'), jsonb_diff('null', '{}');
-- path tokens are escaped: ~ is ~0 and / is ~1 (RFC 6901); unicode keys as they are
\pset format unaligned
SELECT jsonb_diff('{"a/b": 1, "m~n": 2, "": 3, "é😀": 4}', '{"a/b": 9, "m~n": 8, "": 7, "é😀": 6}');
\pset format aligned
-- arrays: the common prefix and suffix are kept, the elements between them
-- paired up and compared, the surplus removed (highest index first) or added
SELECT jsonb_diff('[1, 2, 3, 4, 5]', '[1, 2, 99, 4, 5]') AS changed,
       jsonb_diff('[1, 2, 3, 4, 5]', '[1, 2, 3, 3.5, 4, 5]') AS inserted,
       jsonb_diff('[1, 2, 3, 4, 5]', '[1, 4, 5]') AS removed;
SELECT jsonb_diff('["a", "b"]', '["a", "b", "c", "d"]') AS appended,
       jsonb_diff('["x", "a"]', '["a"]') AS shifted,
       jsonb_diff('[]', '[[]]') AS into_empty,
       jsonb_diff('[{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]', '[{"id": 1, "v": "a"}, {"id": 2, "v": "c"}]') AS nested;
SELECT jsonb_diff('[1, 2, 3]', '[7, 8]') AS replaced_and_removed;
-- operation objects have their members in jsonb order; values are the target's bytes
SELECT jsonb_diff('{"price": 1}', '{"price": 12.00}') -> 0 ->> 'value' AS value_text;
-- STRICT: NULL in, NULL out
SELECT jsonb_diff(NULL, '{}') IS NULL AS null_source, jsonb_diff('{}', NULL) IS NULL AS null_target;

-- The round trip: applying jsonb_diff(s, t) to s gives t.  jsonb_diff emits
-- only add, remove and replace; this test-local function applies those with
-- PostgreSQL built-ins, as an independent check.
CREATE FUNCTION pg_apply_ops(doc jsonb, ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  op jsonb;
  path text[];
  parent jsonb;
BEGIN
  FOR op IN SELECT value FROM jsonb_array_elements(ops) LOOP
    IF op ->> 'path' = '' THEN
      IF op ->> 'op' <> 'replace' THEN RAISE EXCEPTION 'unexpected root %', op; END IF;
      doc := op -> 'value';
      CONTINUE;
    END IF;
    SELECT array_agg(replace(replace(t, '~1', '/'), '~0', '~') ORDER BY i) INTO path
    FROM unnest(string_to_array(substr(op ->> 'path', 2), '/')) WITH ORDINALITY AS x(t, i);
    parent := doc #> path[1:array_length(path, 1) - 1];
    CASE op ->> 'op'
      WHEN 'remove' THEN
        IF doc #> path IS NULL THEN RAISE EXCEPTION 'remove of a missing %', op; END IF;
        doc := doc #- path;
      WHEN 'replace' THEN
        IF doc #> path IS NULL THEN RAISE EXCEPTION 'replace of a missing %', op; END IF;
        doc := jsonb_set(doc, path, op -> 'value', false);
      WHEN 'add' THEN
        IF jsonb_typeof(parent) = 'array' THEN
          IF path[array_length(path, 1)]::int > jsonb_array_length(parent) THEN
            RAISE EXCEPTION 'add past the end %', op;
          ELSIF path[array_length(path, 1)]::int = jsonb_array_length(parent) THEN
            -- append (jsonb_set with an empty path would do nothing at the root)
            IF array_length(path, 1) = 1 THEN
              doc := doc || jsonb_build_array(op -> 'value');
            ELSE
              doc := jsonb_set(doc, path[1:array_length(path, 1) - 1], parent || jsonb_build_array(op -> 'value'));
            END IF;
          ELSE
            doc := jsonb_insert(doc, path, op -> 'value');
          END IF;
        ELSE
          doc := jsonb_set(doc, path, op -> 'value', true);
        END IF;
      ELSE RAISE EXCEPTION 'unexpected op %', op;
    END CASE;
  END LOOP;
  RETURN doc;
END $$;
CREATE TABLE samples (id int PRIMARY KEY, doc jsonb);
INSERT INTO samples VALUES
  (1, '{}'), (2, '[]'), (3, 'null'), (4, '"text"'), (5, '12.5'),
  (6, '{"a": 1, "b": [1, 2, 3], "c": {"d": "e", "f": null}}'),
  (7, '{"a": 2, "b": [1, 3], "c": {"d": "e", "g": [true]}, "h/i~j": 0}'),
  (8, '{"a": 1, "b": [0, 1, 2, 3, 4], "c": "flat"}'),
  (9, '[1, [2, 3], {"x": 1}, 4]'),
  (10, '[1, [2, 4, 3], {"x": 2, "y": null}]'),
  (11, '[{"x": 1}, 1, [2, 3], 4, 4, 4]'),
  (12, '{"b": [[1, 2], {"z": [1, {"q": 1}]}], "c": {"d": "é😀"}}'),
  (13, '{"b": [[1, 2, 3], {"z": [{"q": 2}]}], "c": {"d": "e"}, "a": {"a": {"a": {}}}}');
SELECT count(*) AS pairs,
       bool_and(pg_apply_ops(s.doc, jsonb_diff(s.doc, t.doc)) = t.doc) AS round_trips,
       bool_and(jsonb_diff(s.doc, t.doc) = '[]') FILTER (WHERE s.doc = t.doc) AS equal_gives_empty
FROM samples s, samples t;
-- and through jsonb_patch_ops, the same round trip in one call
SELECT count(*) AS pairs,
       bool_and(jsonb_patch_ops(s.doc, jsonb_diff(s.doc, t.doc)) = t.doc) AS patch_ops_round_trips
FROM samples s, samples t;
-- large documents: many scattered changes, removals and additions
SELECT jsonb_array_length(d) AS ops, jsonb_patch_ops(s, d) = t AS patch_ops_round_trip,
       pg_apply_ops(s, d) = t AS pg_round_trip
FROM (SELECT jsonb_object_agg('k' || i, jsonb_build_object('n', i, 'a', jsonb_build_array(i, i + 1, i + 2))) AS s,
             jsonb_object_agg('k' || i, CASE WHEN i % 97 = 0 THEN jsonb_build_object('n', -i, 'a', jsonb_build_array(i, i + 2))
                                             ELSE jsonb_build_object('n', i, 'a', jsonb_build_array(i, i + 1, i + 2)) END)
               FILTER (WHERE i % 101 <> 0) || '{"new": [1, 2]}' AS t
      FROM generate_series(1, 2000) i) x, LATERAL (SELECT jsonb_diff(s, t) AS d) y;
-- large arrays and objects stay linear: one change in the middle, one op
SELECT jsonb_diff(a, jsonb_set(a, '{5000}', '"changed"')) AS one_change,
       jsonb_diff(a, a - 2500) AS one_removal
FROM (SELECT jsonb_agg(i) AS a FROM generate_series(1, 10000) i) x;
SELECT jsonb_diff(o, o || '{"k77": "x"}') AS one_change
FROM (SELECT jsonb_object_agg('k' || i, i) AS o FROM generate_series(1, 10000) i) x;

-- jsonb_merge_diff: the RFC 7396 merge patch that turns source into target
SELECT jsonb_merge_diff('{"a": 1, "gone": true, "m": {"x": 1, "y": 2}, "t": [1, 2]}',
                        '{"a": 1, "new": "n", "m": {"x": 1, "y": 3}, "t": [1, 2, 3]}');
-- equal documents give {}
SELECT jsonb_merge_diff('{"a": {"b": [1]}, "p": 1.0}', '{"a": {"b": [1]}, "p": 1.00}');
-- a non-object target is its own merge patch (it replaces); an object target
-- over a non-object source is the whole target
SELECT jsonb_merge_diff('{"a": 1}', '[1, 2]'), jsonb_merge_diff('{"a": 1}', 'null'),
       jsonb_merge_diff('[1]', '{"a": {"b": 1}}'), jsonb_merge_diff('"s"', '"s"');
-- a member that becomes an object over a non-object is set whole
SELECT jsonb_merge_diff('{"a": 1}', '{"a": {"b": 1}}');
-- nulls inside arrays are fine: arrays are replaced whole
SELECT jsonb_merge_diff('{"a": [1]}', '{"a": [null, {"b": null}]}');
-- a null member cannot be expressed (null means delete in a merge patch): DP003
SELECT jsonb_merge_diff('{"a": 1}', '{"a": null}');
SELECT jsonb_merge_diff('{}', '{"a": {"b": {"c/d": null}}}');
SELECT jsonb_merge_diff('[]', '{"x": null}');
DO $$
BEGIN
  PERFORM jsonb_merge_diff('{"a": 1}', '{"a": 1, "b": null}');
EXCEPTION WHEN SQLSTATE 'DP003' THEN RAISE NOTICE 'caught DP003: %', SQLERRM;
END $$;
-- an unchanged null is no problem
SELECT jsonb_merge_diff('{"a": null, "b": 1}', '{"a": null, "b": 2}');
-- STRICT
SELECT jsonb_merge_diff(NULL, '{}') IS NULL AS null_source;
-- round trip over every pair of samples: jsonb_merge_patch(s, jsonb_merge_diff(s, t)) = t
-- wherever the merge diff exists, and DP003 exactly where t holds a null
-- member reachable through objects that s does not have
CREATE FUNCTION try_merge_diff(s jsonb, t jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  RETURN jsonb_merge_diff(s, t);
EXCEPTION WHEN SQLSTATE 'DP003' THEN RETURN NULL;
END $$;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE p IS NULL) AS inexpressible,
       bool_and(jsonb_merge_patch(s, p) = t) FILTER (WHERE p IS NOT NULL) AS round_trips
FROM (SELECT s.doc AS s, t.doc AS t, try_merge_diff(s.doc, t.doc) AS p FROM samples s, samples t) x;
SELECT s.id AS source, t.id AS target FROM samples s, samples t
WHERE try_merge_diff(s.doc, t.doc) IS NULL ORDER BY 1, 2;
DROP TABLE samples;
DROP FUNCTION pg_apply_ops(jsonb, jsonb);
DROP FUNCTION try_merge_diff(jsonb, jsonb);
