-- Bounded work (issue 17, findings F4 and F8): folds cost in proportion to
-- their input, a jsonpath selection in proportion to the array it selects
-- from.  Every input below is sized so that the code before issue 17, whose
-- work grew with the product of two sizes, needed many times the server's
-- memory limit (scripts/pg-throwaway starts the server under `ulimit -v`,
-- 3 GB by default; docs/testing.md) and failed with 53200 out of memory;
-- bounded, each takes well under a second.
--
-- The target of the folds: 20,000 members.  Each of its 20,000 steps
-- changes nothing in it; the old code copied the whole target at every step
-- (20,000 copies of 20,000 members: 16 GB) and threw the copy away.
CREATE TEMP TABLE target AS
SELECT jsonb_object_agg('k' || g, g) AS t FROM generate_series(1, 20000) g;
CREATE TEMP TABLE steps AS
SELECT (SELECT jsonb_agg('{"k1": 1}'::jsonb) FROM generate_series(1, 20000)) AS flat,
       (SELECT jsonb_agg('{"a": {"k1": 1}}'::jsonb) FROM generate_series(1, 20000)) AS nested,
       -- a patch whose filter PostgreSQL's executor evaluates (on the whole
       -- document: the old code serialized it at every step) and that
       -- selects nothing
       (SELECT jsonb_agg('[{"op": "set", "jsonpath": "$ ? (@.k1 % 7 == 8).k2", "value": 0, "if_none": "skip"}]'::jsonb)
        FROM generate_series(1, 20000)) AS filtered;

-- 1. docpatch_fold in every mode that merges, and in mode ops
SELECT docpatch_fold(t, 'deep_merge', flat) = t AS deep_merge,
       docpatch_fold(t, 'merge_patch', flat) = t AS merge_patch,
       docpatch_fold(jsonb_build_object('a', t), 'deep_merge', nested) = jsonb_build_object('a', t) AS deep_merge_nested,
       docpatch_fold(jsonb_build_object('a', t), 'merge_patch', nested) = jsonb_build_object('a', t) AS merge_patch_nested,
       docpatch_fold(t, 'merge', flat) = t AS merge,
       docpatch_fold(t, 'ops', filtered) = t AS ops
FROM target, steps;
-- after a step that changes the document, the unchanged steps that follow
-- still cost only themselves
SELECT docpatch_fold(t, 'deep_merge', '[{"k1": 0}]'::jsonb || flat) = t AS deep_merge_after_change,
       docpatch_fold(t, 'ops', '[[{"op": "replace", "path": "/k1", "value": 0}]]'::jsonb || filtered)
         = jsonb_set(t, '{k1}', '0') AS ops_after_change
FROM target, steps;

-- 2. The batch upsert folds the items of one id twice: onto {} for a new row
-- (id 2: the target is its first item), onto the stored document for an
-- existing one (id 1)
CREATE TABLE bounded (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('bounded');
INSERT INTO bounded (id, doc) SELECT 1, t FROM target;
-- (one row per id, in the order of their first items)
SELECT u.n AS id, u.inserted, u.doc = t AS unchanged
FROM target,
     upsert_with_creation_ts('bounded',
       (SELECT jsonb_agg(jsonb_build_object('id', 1, 'doc', '{"k1": 1}'::jsonb)) FROM generate_series(1, 20000))
       || jsonb_build_array(jsonb_build_object('id', 2, 'doc', t))
       || (SELECT jsonb_agg(jsonb_build_object('id', 2, 'doc', '{"k1": 1}'::jsonb)) FROM generate_series(1, 20000)),
       'deep_merge') WITH ORDINALITY AS u(inserted, etag, created_at, updated_at, doc, n)
ORDER BY u.n;
SELECT id, doc = t AS stored FROM bounded, target ORDER BY id;
DROP TABLE bounded;

-- 3. A jsonpath list of 10,000 ranges over 100,000 elements: the old code
-- listed every index of every range before removing the duplicates (a
-- billion indices, 4 GB); each element is selected once.
CREATE TEMP TABLE ranges AS
SELECT (SELECT jsonb_agg(g % 3) FROM generate_series(1, 100000) g) AS doc,
       '$[' || (SELECT string_agg('0 to last', ', ') FROM generate_series(1, 10000)) || ']' AS everything,
       '$[' || (SELECT string_agg(format('%s to %s', 99990 - 10 * g, 99999 - 10 * g), ', ') FROM generate_series(0, 9999) g)
            || ', last]' AS tiled;
SELECT jsonb_patch_ops(doc, jsonb_build_object('op', 'test', 'jsonpath', everything || ' ? (@ >= 0)')) = doc AS every_element_tested,
       jsonb_patch_ops(doc, jsonb_build_object('op', 'set', 'jsonpath', everything, 'value', 1))
         = (SELECT jsonb_agg(1) FROM generate_series(1, 100000)) AS every_element_set_once,
       jsonb_patch_ops(doc, jsonb_build_object('op', 'incr', 'jsonpath', everything, 'value', 1))
         = (SELECT jsonb_agg(g % 3 + 1) FROM generate_series(1, 100000) g) AS every_element_incremented_once,
       jsonb_patch_ops(doc, jsonb_build_object('op', 'incr', 'jsonpath', tiled, 'value', 1))
         = (SELECT jsonb_agg(g % 3 + 1) FROM generate_series(1, 100000) g) AS ranges_in_reverse_order
FROM ranges;
