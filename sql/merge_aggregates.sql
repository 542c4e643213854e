-- jsonb_merge_patch_agg and jsonb_shallow_merge_agg: fold a stream of changes
-- in order (use ORDER BY inside the aggregate)
CREATE TABLE changes (doc_id int, seq int, patch jsonb, PRIMARY KEY (doc_id, seq));
INSERT INTO changes VALUES
  (1, 1, '{"title": "Draft", "tags": ["a"], "meta": {"v": 1, "owner": "ann"}}'),
  (1, 2, '{"title": "Final", "meta": {"v": 2}}'),
  (1, 3, NULL),
  (1, 4, '{"tags": null, "meta": {"owner": null, "reviewed": true}}'),
  (2, 1, '{"n": 1, "gone": {"x": null}}'),
  (2, 2, '{"n": 2, "gone": null}'),
  (3, 1, NULL);
-- merge patch fold: the current document of each change log (RFC 7396 each
-- step; nulls delete; NULL patches are skipped; only NULLs give NULL)
SELECT doc_id, jsonb_merge_patch_agg(patch ORDER BY seq) FROM changes GROUP BY doc_id ORDER BY doc_id;
-- shallow merge fold: top-level members, the later patch winning; nulls kept
SELECT doc_id, jsonb_shallow_merge_agg(patch ORDER BY seq) FROM changes GROUP BY doc_id ORDER BY doc_id;
-- order matters: the same patches in reverse
SELECT jsonb_merge_patch_agg(patch ORDER BY seq DESC), jsonb_shallow_merge_agg(patch ORDER BY seq DESC)
FROM changes WHERE doc_id = 1;
-- each equals folding the scalar function from a NULL start
WITH RECURSIVE fold(seq, mp, sm) AS (
  SELECT 0, NULL::jsonb, NULL::jsonb
  UNION ALL
  SELECT c.seq, CASE WHEN c.patch IS NULL THEN f.mp ELSE jsonb_merge_patch(f.mp, c.patch) END,
         CASE WHEN c.patch IS NULL THEN f.sm ELSE jsonb_shallow_merge(f.sm, c.patch) END
  FROM fold f JOIN changes c ON c.doc_id = 1 AND c.seq = f.seq + 1)
SELECT (SELECT mp FROM fold ORDER BY seq DESC LIMIT 1)
         = (SELECT jsonb_merge_patch_agg(patch ORDER BY seq) FROM changes WHERE doc_id = 1) AS merge_patch_fold,
       (SELECT sm FROM fold ORDER BY seq DESC LIMIT 1)
         = (SELECT jsonb_shallow_merge_agg(patch ORDER BY seq) FROM changes WHERE doc_id = 1) AS shallow_fold;
-- no rows, or only NULL patches: NULL
SELECT jsonb_merge_patch_agg(patch) IS NULL AS no_rows, jsonb_shallow_merge_agg(patch) IS NULL AS no_rows_shallow
FROM changes WHERE false;
SELECT jsonb_merge_patch_agg(p) IS NULL AS only_nulls, jsonb_shallow_merge_agg(p) IS NULL AS only_nulls_shallow
FROM (VALUES (NULL::jsonb), (NULL)) v(p);
-- merge patch: a non-object patch replaces the running value; an object patch
-- after it applies to {}
SELECT jsonb_merge_patch_agg(p ORDER BY i)
FROM (VALUES (1, '{"a": 1}'::jsonb), (2, '[1, 2]'), (3, '{"b": 2, "c": null}')) v(i, p);
SELECT jsonb_merge_patch_agg(p ORDER BY i)
FROM (VALUES (1, '{"a": 1}'::jsonb), (2, '"scalar"')) v(i, p);
-- shallow merge: every patch must be an object (DP003), like jsonb_shallow_merge
SELECT jsonb_shallow_merge_agg(p ORDER BY i) FROM (VALUES (1, '{"a": 1}'::jsonb), (2, '[1]')) v(i, p);
SELECT jsonb_shallow_merge_agg(p ORDER BY i) FROM (VALUES (1, '"x"'::jsonb), (2, '{}')) v(i, p);
-- as window functions: the document as it stood after each change
SELECT seq, jsonb_merge_patch_agg(patch) OVER (ORDER BY seq) AS merge_patch,
       jsonb_shallow_merge_agg(patch) OVER (ORDER BY seq) AS shallow_merge
FROM changes WHERE doc_id = 1 ORDER BY seq;
-- quotes, unicode and emoji pass through
\pset format unaligned
SELECT jsonb_merge_patch_agg(p ORDER BY i) ->> 'd' AS d, jsonb_shallow_merge_agg(p ORDER BY i) ->> 'q' AS q
FROM (VALUES (1, '{"d": "🎉 Unicode test: café, naïve, 日本語"}'::jsonb),
             (2, jsonb_build_object('q', 'It''s a test with ''quotes'' and "double quotes"'))) v(i, p);
\pset format aligned
-- untouched values keep their bytes (12.00 stays 12.00)
SELECT jsonb_merge_patch_agg(p ORDER BY i), jsonb_shallow_merge_agg(p ORDER BY i)
FROM (VALUES (1, '{"price": 12.00, "m": {"n": 0.10}}'::jsonb), (2, '{"x": 1}')) v(i, p);
DROP TABLE changes;

-- long streams: the running document never points into a freed row and is
-- re-serialized as garbage accumulates; the answer matches a set-based one.
-- 200000 patches over 1000 keys, each key ending with the value of its last
-- patch, unless that patch deleted it (every third round of patches does)
WITH stream AS (
  SELECT i,
         jsonb_build_object('k' || (i % 1000),
           CASE WHEN (i / 1000) % 3 = 2 THEN NULL
                ELSE jsonb_build_object('v', i, 'pad', repeat('x', i % 50)) END) AS p,
         jsonb_build_object('k' || (i % 1000), jsonb_build_object('v', i)) AS s
  FROM generate_series(1, 200000) i),
last AS (SELECT i % 1000 AS k, max(i) AS i FROM generate_series(1, 200000) i GROUP BY 1)
SELECT (SELECT jsonb_merge_patch_agg(p ORDER BY i) FROM stream)
         = (SELECT jsonb_object_agg('k' || k, jsonb_build_object('v', i, 'pad', repeat('x', i % 50)))
            FROM last WHERE (i / 1000) % 3 <> 2) AS long_merge_patch,
       (SELECT jsonb_shallow_merge_agg(s ORDER BY i) FROM stream)
         = (SELECT jsonb_object_agg('k' || k, jsonb_build_object('v', i)) FROM last) AS long_shallow;
-- a large first document, then many small changes to it
WITH stream AS (
  SELECT 0 AS i, (SELECT jsonb_object_agg('k' || j, repeat('y', 20)) FROM generate_series(1, 5000) j) AS p
  UNION ALL
  SELECT i, jsonb_build_object('k' || (i % 5000 + 1), i) FROM generate_series(1, 50000) i)
SELECT (SELECT jsonb_merge_patch_agg(p ORDER BY i) FROM stream)
         = (SELECT jsonb_object_agg('k' || (i % 5000 + 1), i) FROM generate_series(45001, 50000) i) AS large_doc,
       (SELECT jsonb_shallow_merge_agg(p ORDER BY i) FROM stream)
         = (SELECT jsonb_object_agg('k' || (i % 5000 + 1), i) FROM generate_series(45001, 50000) i) AS large_doc_shallow;
