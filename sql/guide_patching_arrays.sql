-- The statements of docs/guides/patching-arrays-of-objects.md, in order.
-- Every ```sql block of the guide is in this file, verbatim (a unit test,
-- GuidesDoc, checks it), so that what the guide shows is what the suite runs.
\set SHOW_CONTEXT never
\pset format unaligned
CREATE FUNCTION pg_temp.err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE ground_truth (id text PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('ground_truth') IS NOT NULL AS enabled;
INSERT INTO ground_truth (id, doc) VALUES ('gt-1', '{
  "status": "draft",
  "references": [
    {"id": "r1", "url": "https://example.com/a", "meta": {"score": 3}},
    {"id": "r7", "url": "https://example.com/b", "meta": {"score": 1}}],
  "history": []}');

-- Change the reference whose id is r7, wherever it is
UPDATE ground_truth
SET doc = jsonb_patch_ops(doc, '[
  {"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.score",
   "vars": {"id": "r7"}, "value": 5}]')
WHERE id = 'gt-1';

SELECT r -> 'meta' ->> 'score' AS score FROM ground_truth, jsonb_array_elements(doc -> 'references') r
WHERE id = 'gt-1' AND r ->> 'id' = 'r7';

-- A keyed upsert: replace the reference with this id, or append it
UPDATE ground_truth
SET doc = jsonb_patch_ops(doc, '[
  {"op": "set", "jsonpath": "$.references[*] ? (@.id == $id)",
   "vars": {"id": "r9"},
   "value": {"id": "r9", "url": "https://example.com/c", "meta": {"score": 0}},
   "if_none": "append"}]')
WHERE id = 'gt-1';

SELECT jsonb_path_query_array(doc, '$.references[*].id') AS ids FROM ground_truth WHERE id = 'gt-1';

-- A keyed removal that may find nothing to remove
UPDATE ground_truth
SET doc = jsonb_patch_ops(doc, '[
  {"op": "remove", "jsonpath": "$.references[*] ? (@.id == $id)",
   "vars": {"id": "r1"}, "if_none": "skip"}]')
WHERE id = 'gt-1';

SELECT jsonb_path_query_array(doc, '$.references[*].id') AS ids FROM ground_truth WHERE id = 'gt-1';

-- Append to the history and bump a counter in the same statement
UPDATE ground_truth
SET doc = jsonb_patch_ops(doc, '[
  {"op": "set", "path": "/history/-",
   "value": {"action": "scored", "ref": "r7", "by": "u1"}},
  {"op": "incr", "jsonpath": "$.references[*] ? (@.id == $id).meta.score",
   "vars": {"id": "r7"}, "value": 1}]')
WHERE id = 'gt-1';

SELECT doc -> 'history' AS history, jsonb_path_query(doc, '$.references[*] ? (@.id == "r7").meta.score') AS score
FROM ground_truth WHERE id = 'gt-1';

-- A predicate precondition: approve only a draft
SELECT doc ->> 'status' AS status FROM etag_guarded_update('ground_truth', 'gt-1', NULL, '[
  {"op": "test", "jsonpath": "$ ? (@.status == \"draft\")"},
  {"op": "set", "path": "/status", "value": "approved"}]');

-- The same patch again: the document is no longer a draft (DP004, HTTP 409)
SELECT pg_temp.err($$SELECT * FROM etag_guarded_update('ground_truth', 'gt-1', NULL, '[
  {"op": "test", "jsonpath": "$ ? (@.status == \"draft\")"},
  {"op": "set", "path": "/status", "value": "approved"}]')$$);

-- A precondition about an element: change r7 only while its score is below 10
SELECT pg_temp.err($$SELECT * FROM etag_guarded_update('ground_truth', 'gt-1', NULL, '[
  {"op": "test", "jsonpath": "$.references[*] ? (@.id == $id && @.meta.score < 10)", "vars": {"id": "r7"}},
  {"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).url", "vars": {"id": "r7"}, "value": "https://example.com/b2"}]')$$);

-- Client values go into vars, never into the jsonpath's text
PREPARE set_score(text, text, jsonb) AS
  UPDATE ground_truth
  SET doc = jsonb_patch_ops(doc, jsonb_build_object(
    'op', 'set', 'jsonpath', '$.references[*] ? (@.id == $id).meta.score',
    'vars', jsonb_build_object('id', $2), 'value', $3, 'if_none', 'skip'))
  WHERE id = $1;
EXECUTE set_score('gt-1', 'r7', '8');
EXECUTE set_score('gt-1', 'r7") || (true', '0');

SELECT jsonb_path_query_array(doc, '$.references[*].meta.score') AS scores FROM ground_truth WHERE id = 'gt-1';

DROP TABLE ground_truth;
