-- Documents fetched from TOAST (compressed, or stored out of line) are
-- detoasted into a private copy that each function frees once its result
-- is built, unless the result is that copy.  Every outcome here must read
-- back intact: a changed document, an unchanged one (the input returned as
-- it is), a result that is the patch itself.
CREATE TABLE toasted (id int PRIMARY KEY, doc jsonb);
INSERT INTO toasted
  SELECT i, jsonb_build_object('id', i, 'status', 'open', 'n', 1,
                               'list', (SELECT jsonb_agg(repeat('x', 40) || j) FROM generate_series(1, 200) j))
  FROM generate_series(1, 3) i;
INSERT INTO toasted VALUES (4, '{}');
-- Rows 1 to 3 are stored compressed (much smaller than the jsonb value).
SELECT id, pg_column_size(doc) AS stored, pg_column_size(doc || '{}') AS in_memory
FROM toasted ORDER BY id;

-- A changing patch, in an UPDATE and in a SELECT.
UPDATE toasted SET doc = jsonb_patch_ops(doc, '[{"op": "replace", "path": "/status", "value": "closed"},
                                                {"op": "incr", "path": "/n", "value": 1}]')
WHERE id = 1;
SELECT doc->'status' AS status, doc->'n' AS n, jsonb_array_length(doc->'list') AS len,
       doc->'list'->>199 AS last
FROM toasted WHERE id = 1;
SELECT jsonb_patch_ops(doc, '[{"op": "remove", "path": "/list"}]') FROM toasted WHERE id = 2;

-- A patch that changes nothing returns the detoasted input itself.
SELECT jsonb_patch_ops(doc, '[{"op": "test", "path": "/status", "value": "open"}]') = doc AS same
FROM toasted WHERE id = 2;
UPDATE toasted SET doc = jsonb_patch_ops(doc, '[{"op": "test", "path": "/id", "value": 3}]') WHERE id = 3;
SELECT doc - 'list' AS unchanged, jsonb_array_length(doc->'list') AS len FROM toasted WHERE id = 3;

-- Merges: a changed result, the target returned as is, the patch returned
-- as is (an empty target).
SELECT jsonb_shallow_merge(doc, '{"status": "merged"}') - 'list' AS shallow FROM toasted WHERE id = 2;
SELECT jsonb_shallow_merge(doc, '{}') = doc AS target_back FROM toasted WHERE id = 2;
SELECT jsonb_shallow_merge(t4.doc, t2.doc) = t2.doc AS patch_back
FROM toasted t2, toasted t4 WHERE t2.id = 2 AND t4.id = 4;
SELECT jsonb_deep_merge(doc, '{"list": [1]}') AS deep FROM toasted WHERE id = 3;
SELECT jsonb_deep_merge(t4.doc, t3.doc) = t3.doc AS patch_back
FROM toasted t3, toasted t4 WHERE t3.id = 3 AND t4.id = 4;
SELECT jsonb_merge_patch(doc, '{"list": null, "n": null}') AS merge_patch FROM toasted WHERE id = 2;
SELECT jsonb_merge_patch(doc, '{"nothing": null}') = doc AS target_back FROM toasted WHERE id = 2;
UPDATE toasted SET doc = jsonb_merge_patch(doc, '{"status": "patched"}') WHERE id = 2;
SELECT doc->'status' AS status, jsonb_array_length(doc->'list') AS len FROM toasted WHERE id = 2;

-- The same document as both arguments.
SELECT jsonb_shallow_merge(doc, doc) = doc AS self_merge FROM toasted WHERE id = 1;
SELECT jsonb_merge_patch(doc, doc) = doc AS self_patch FROM toasted WHERE id = 1;

DROP TABLE toasted;
