-- jsonb_patch_ops with "jsonpath" instead of "path": every rule and every
-- refusal of docs/functions/jsonb_patch_ops.md, "Selecting with jsonpath".
-- Output: the patched document, or SQLSTATE: message (and detail and hint
-- where PostgreSQL's version does not change them).
\set SHOW_CONTEXT never
\pset format unaligned
\pset tuples_only on
CREATE FUNCTION pg_temp.p(doc jsonb, ops jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  code text; message text; detail text; hint text;
BEGIN
  RETURN jsonb_patch_ops(doc, ops)::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN code || ': ' || message || coalesce(E'\n  DETAIL: ' || nullif(detail, ''), '')
         || coalesce(E'\n  HINT: ' || nullif(hint, ''), '');
END $$;
-- The same, without the detail (for details that quote PostgreSQL's own
-- parser, whose wording may change between versions).
CREATE FUNCTION pg_temp.code(doc jsonb, ops jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  code text; message text; detail text;
BEGIN
  RETURN jsonb_patch_ops(doc, ops)::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  RETURN code || ': ' || message || CASE WHEN detail <> '' THEN ' (with a detail)' ELSE '' END;
END $$;
CREATE TEMP TABLE d AS SELECT '{
  "id": "item-1", "status": "draft", "n": 2,
  "references": [
    {"id": "r1", "kind": "link", "meta": {"k": 1, "tags": ["a"]}},
    {"id": "r7", "kind": "file", "meta": {"k": 2, "tags": []}},
    {"id": "r9", "kind": "link", "meta": {"k": 3}}],
  "history": [{"by": "u1", "n": 1}, {"by": "u2", "n": 5}]}'::jsonb AS doc;

-----------------------------------------------------------------------------
-- The contract's example: the element whose id is r7, whatever its index
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.k", "vars": {"id": "r7"}, "value": 10}') FROM d;

-----------------------------------------------------------------------------
-- What selects: $, .key, ."key", [n], [last], [last - n], [a to b], lists, [*], .*
SELECT pg_temp.p('{"a": {"b c": 1}}', '{"op": "set", "jsonpath": "$.a.\"b c\"", "value": 2}');
SELECT pg_temp.p('{"l": [0, 1, 2, 3, 4]}', '{"op": "set", "jsonpath": "$.l[1]", "value": "x"}');
SELECT pg_temp.p('{"l": [0, 1, 2, 3, 4]}', '{"op": "set", "jsonpath": "$.l[last]", "value": "x"}');
SELECT pg_temp.p('{"l": [0, 1, 2, 3, 4]}', '{"op": "set", "jsonpath": "$.l[last - 1]", "value": "x"}');
SELECT pg_temp.p('{"l": [0, 1, 2, 3, 4]}', '{"op": "set", "jsonpath": "$.l[1 to 3]", "value": "x"}');
SELECT pg_temp.p('{"l": [0, 1, 2, 3, 4]}', '{"op": "set", "jsonpath": "$.l[last - 1 to last]", "value": "x"}');
-- a list selects each element once, in document order
SELECT pg_temp.p('{"l": [0, 1, 2, 3, 4]}', '{"op": "incr", "jsonpath": "$.l[last, 0, 0 to 1]", "value": 10}');
SELECT pg_temp.p('{"l": [0, 1, 2]}', '{"op": "set", "jsonpath": "$.l[*]", "value": "x"}');
SELECT pg_temp.p('{"o": {"a": 1, "b": 2}}', '{"op": "incr", "jsonpath": "$.o.*", "value": 1}');
-- $ is the document itself
SELECT pg_temp.p('{"a": 1}', '{"op": "replace", "jsonpath": "$", "value": {"b": 2}}');
SELECT pg_temp.p('5', '{"op": "incr", "jsonpath": "$", "value": 1}');
-- filters after any accessor, several in a row
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.kind == \"link\") ? (@.meta.k > 1).seen", "value": true}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references ? (@.size() > 2)[0].first", "value": true}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$ ? (@.status == \"draft\").status", "value": "review"}') FROM d;
-- a value that does not exist is not selected: where strict mode raises an
-- error, the selector simply selects nothing there
SELECT pg_temp.p('{"l": [{"v": 1}, 2, [3], {"w": 4}]}', '{"op": "incr", "jsonpath": "$.l[*].v", "value": 1}');
SELECT pg_temp.p('{"l": [0, 1]}', '{"op": "set", "jsonpath": "$.l[5]", "value": 1, "if_none": "skip"}');
SELECT pg_temp.p('{"l": [0, 1]}', '{"op": "set", "jsonpath": "$.l[1 to 9]", "value": "x"}');
SELECT pg_temp.p('{"l": [0, 1]}', '{"op": "set", "jsonpath": "$.l[last - 5]", "value": "x", "if_none": "skip"}');
SELECT pg_temp.p('{"a": [1]}', '{"op": "set", "jsonpath": "$.a.b", "value": 1, "if_none": "skip"}');
SELECT pg_temp.p('{"a": {"b": 1}}', '{"op": "set", "jsonpath": "$.a[*]", "value": 1, "if_none": "skip"}');

-----------------------------------------------------------------------------
-- Predicates: PostgreSQL's, in strict mode
-- comparisons: numbers numerically, strings by their bytes, booleans, null
SELECT pg_temp.p('{"l": [{"v": 1}, {"v": 1.0}, {"v": "1"}, {"v": true}, {"v": null}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v == 1).hit", "value": 1}');
SELECT pg_temp.p('{"l": [{"v": 1}, {"v": 1.0}, {"v": "1"}, {"v": true}, {"v": null}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v != 1).hit", "value": 1}');
SELECT pg_temp.p('{"l": [{"v": 1}, {"v": "b"}, {"v": null}, {"v": {}}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v == null).hit", "value": 1}');
SELECT pg_temp.p('{"l": [{"v": "a"}, {"v": "b"}, {"v": "é"}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v > \"a\").hit", "value": 1}');
SELECT pg_temp.p('{"l": [{"v": false}, {"v": true}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v > false).hit", "value": 1}');
-- a missing member makes a comparison unknown, and ! of unknown is unknown
SELECT pg_temp.p('{"l": [{"v": 1}, {}]}', '{"op": "set", "jsonpath": "$.l[*] ? (!(@.v == 2)).hit", "value": 1}');
SELECT pg_temp.p('{"l": [{"v": 1}, {}]}', '{"op": "set", "jsonpath": "$.l[*] ? ((@.v == 2) is unknown).hit", "value": 1}');
-- in strict mode, exists() of a missing member is unknown too (not false)
SELECT pg_temp.p('{"l": [{"v": 1}, {}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v == 2 || !exists(@.v)).hit", "value": 1, "if_none": "skip"}');
SELECT pg_temp.p('{"l": [{"v": 1}, {}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v == 1 || exists(@.v)).hit", "value": 1}');
-- &&, ||, exists, like_regex, starts with, arithmetic, item methods
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.kind == \"link\" && @.meta.k >= 3).hit", "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == \"r1\" || @.id == \"r9\").hit", "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (exists(@.meta.tags[*] ? (@ == \"a\"))).hit", "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id like_regex \"^r[0-7]$\").hit", "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.kind starts with $p).hit", "vars": {"p": "fi"}, "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.meta.k * 2 + 1 == 5).hit", "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.meta.tags.size() == 1 && @.meta.k.type() == \"number\").hit", "value": 1}') FROM d;
-- $ inside a filter is the document, as the operation finds it
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.history[*] ? (@.n > $.n).late", "value": true}') FROM d;
SELECT pg_temp.p(doc, '[{"op": "set", "path": "/n", "value": 0}, {"op": "set", "jsonpath": "$.history[*] ? (@.n > $.n).late", "value": true}]') FROM d;
SELECT pg_temp.p(doc, '[{"op": "set", "path": "/n", "value": 0}, {"op": "set", "jsonpath": "$.history[*] ? (@.n + 0 > $.n).late", "value": true}]') FROM d;
-- errors inside a filter are unknown in strict mode (division by zero,
-- arithmetic on a string): nothing selected
SELECT pg_temp.p('{"l": [{"v": 1}, {"v": "x"}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.v / 0 == 1 || @.v + 1 == 2).hit", "value": 1}');
-- vars: $name, exactly as jsonb_path_query takes them
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.meta.k >= $min && @.kind == $kind).hit", "vars": {"min": 2, "kind": "link"}, "value": 1}') FROM d;
-- a variable that vars lacks is PostgreSQL's error when a filter uses it
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == $nope).hit", "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == $nope).hit", "vars": {}, "value": 1}') FROM d;
-- ... as are the errors it raises inside filters, as in jsonb_path_query
-- (jsonb_patch_ops is immutable: dates compare without the time zone setting)
SELECT pg_temp.p('{"l": [{"d": "2020-01-01 10:00:00+01"}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.d.datetime() < \"2021-01-01\".datetime()).x", "value": 1}');
SELECT pg_temp.p('{"l": [{"d": "2020-01-01 10:00:00+01"}]}', '{"op": "set", "jsonpath": "$.l[*] ? (@.d.datetime() < \"2021-01-01 00:00:00+00\".datetime()).x", "value": 1}');
-- the jsonb_path_query oracle: the values changed are the ones it returns
SELECT jsonb_path_query_array(doc, 'strict $.references[*] ? (@.meta.k >= $min).meta.k', '{"min": 2}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.meta.k >= $min).meta.k", "vars": {"min": 2}, "value": "changed"}') FROM d;

-----------------------------------------------------------------------------
-- The ten operations
SELECT pg_temp.p(doc, '{"op": "replace", "jsonpath": "$.references[*] ? (@.id == \"r1\").kind", "value": "parent"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "remove", "jsonpath": "$.references[*] ? (@.kind == \"link\")"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "unset", "jsonpath": "$.references[*].meta.tags"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "incr", "jsonpath": "$.references[*].meta.k", "value": 100}') FROM d;
SELECT pg_temp.p(doc, '{"op": "min", "jsonpath": "$.references[*].meta.k", "value": 2}') FROM d;
SELECT pg_temp.p(doc, '{"op": "max", "jsonpath": "$.references[*].meta.k", "value": 2}') FROM d;
SELECT pg_temp.p(doc, '{"op": "add_unique", "jsonpath": "$.references[*].meta.tags", "value": "a"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "pull", "jsonpath": "$.references[*].meta.tags", "value": "a"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "test", "jsonpath": "$.references[*] ? (@.id == \"r7\").kind", "value": "file"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.history[*].by", "value": "system"}') FROM d;
-- every match changes: removing several elements of one array removes them all
SELECT pg_temp.p('{"l": [1, 5, 2, 6, 3]}', '{"op": "remove", "jsonpath": "$.l[*] ? (@ > 2)"}');
SELECT pg_temp.p('{"a": [{"l": [1, 2]}, {"l": [2, 3]}]}', '{"op": "remove", "jsonpath": "$.a[*].l[*] ? (@ == 2)"}');
-- matches are computed on the document as the operation finds it: its own
-- changes are not visible ($.l[0] is 1 for every candidate)
SELECT pg_temp.p('{"l": [1, 1, 2, 1]}', '{"op": "remove", "jsonpath": "$.l[*] ? (@ == $.l[0])"}');
-- ... and earlier operations' are
SELECT pg_temp.p('{"l": [{"id": "a"}]}', '[{"op": "add", "path": "/l/0", "value": {"id": "b"}}, {"op": "set", "jsonpath": "$.l[*] ? (@.id == \"a\").seen", "value": true}]');
-- with a jsonpath, remove and unset are alike: if_none decides whether
-- selecting nothing is an error
SELECT pg_temp.p('{"a": 1}', '{"op": "unset", "jsonpath": "$.b"}');
SELECT pg_temp.p('{"a": 1}', '{"op": "unset", "jsonpath": "$.b", "if_none": "skip"}');
-- what an operation refuses at a location, it refuses there, and says where
SELECT pg_temp.p('{"l": [{"v": 1}, {"v": "x"}]}', '{"op": "incr", "jsonpath": "$.l[*].v", "value": 1}');
SELECT pg_temp.p('{"l": [{"t": []}, {"t": 5}]}', '{"op": "add_unique", "jsonpath": "$.l[*].t", "value": 1}');
SELECT pg_temp.p('{"l": [{"t": "s"}]}', '{"op": "max", "jsonpath": "$.l[*].t", "value": 1}');

-----------------------------------------------------------------------------
-- Creating: a jsonpath ending in .key, for set, incr, min, max and
-- add_unique, creates the missing member of each selected object
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.note", "vars": {"id": "r9"}, "value": "new"}') FROM d;
SELECT pg_temp.p('{"l": [{}, {"views": 1}]}', '{"op": "incr", "jsonpath": "$.l[*].views", "value": 1}');
SELECT pg_temp.p('{"l": [{}, {"lo": 5}]}', '{"op": "min", "jsonpath": "$.l[*].lo", "value": 3}');
SELECT pg_temp.p('{"l": [{}, {"lo": 5}]}', '{"op": "max", "jsonpath": "$.l[*].lo", "value": 3}');
SELECT pg_temp.p('{"l": [{}, {"t": ["x"]}]}', '{"op": "add_unique", "jsonpath": "$.l[*].t", "value": "y"}');
-- never its parents ...
SELECT pg_temp.p('{"l": [{"id": 1}, {"id": 2, "m": {}}]}', '{"op": "set", "jsonpath": "$.l[*].m.k", "value": 1}');
-- ... unless create_parents is true (objects only: a value in the way is not selected)
SELECT pg_temp.p('{"l": [{"id": 1}, {"id": 2, "m": {}}, {"id": 3, "m": 5}]}', '{"op": "set", "jsonpath": "$.l[*].m.k", "value": 1, "create_parents": true}');
-- the other operations create nothing
SELECT pg_temp.p('{"l": [{}]}', '{"op": "replace", "jsonpath": "$.l[*].v", "value": 1}');
SELECT pg_temp.p('{"l": [{}]}', '{"op": "pull", "jsonpath": "$.l[*].v", "value": 1}');
-- a member that a filter follows is not created
SELECT pg_temp.p('{"l": [{}]}', '{"op": "set", "jsonpath": "$.l[*].v ? (@ == 1)", "value": 1}');

-----------------------------------------------------------------------------
-- No match: "if_none"
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.k", "vars": {"id": "r404"}, "value": 1}') FROM d;
SELECT pg_temp.p(doc, '{"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.k", "vars": {"id": "r404"}, "value": 1, "if_none": "error"}') FROM d;
SELECT pg_temp.p(doc, '{"op": "remove", "jsonpath": "$.nothing"}') FROM d;
SELECT pg_temp.p('{"a": 1}', '{"op": "set", "jsonpath": "$.l[*] ? (@ == 1)", "value": 1, "if_none": "skip"}');
-- "append": a keyed upsert into an array
SELECT pg_temp.p('{"items": [{"sku": "A1", "qty": 1}]}', '{"op": "set", "jsonpath": "$.items[*] ? (@.sku == $s)", "vars": {"s": "A1"}, "value": {"sku": "A1", "qty": 2}, "if_none": "append"}');
SELECT pg_temp.p('{"items": [{"sku": "A1", "qty": 1}]}', '{"op": "set", "jsonpath": "$.items[*] ? (@.sku == $s)", "vars": {"s": "B2"}, "value": {"sku": "B2", "qty": 1}, "if_none": "append"}');
-- in every array that the final [*] iterates and where no element matched
SELECT pg_temp.p('{"orders": [{"items": [{"sku": "A1"}]}, {"items": []}]}', '{"op": "set", "jsonpath": "$.orders[*].items[*] ? (@.sku == \"A1\")", "value": {"sku": "A1", "new": true}, "if_none": "append"}');
-- nowhere to append: DP002
SELECT pg_temp.p('{"items": {}}', '{"op": "set", "jsonpath": "$.items[*] ? (@.sku == \"A1\")", "value": {}, "if_none": "append"}');
-- only for set whose jsonpath ends in [*] ? (...)
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.items[*]", "value": 1, "if_none": "append"}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.items[*] ? (@ == 1).x", "value": 1, "if_none": "append"}');
SELECT pg_temp.p('{}', '{"op": "incr", "jsonpath": "$.items[*] ? (@ == 1)", "value": 1, "if_none": "append"}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.items[*] ? (@ == 1)", "value": 1, "if_none": "sometimes"}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.items[*] ? (@ == 1)", "value": 1, "if_none": true}');

-----------------------------------------------------------------------------
-- test with a jsonpath: a predicate precondition
SELECT pg_temp.p(doc, '[{"op": "test", "jsonpath": "$ ? (@.status == \"draft\")"}, {"op": "set", "path": "/status", "value": "published"}]') FROM d;
SELECT pg_temp.p(doc, '[{"op": "test", "jsonpath": "$ ? (@.status == \"published\")"}, {"op": "set", "path": "/status", "value": "archived"}]') FROM d;
SELECT pg_temp.p(doc, '{"op": "test", "jsonpath": "$ ? (@.status == \"published\")", "if_none": "skip"}') FROM d;
-- with value: every selected value must equal it
SELECT pg_temp.p(doc, '{"op": "test", "jsonpath": "$.references[*].meta.k ? (@ > 1)", "value": 2}') FROM d;
SELECT pg_temp.p(doc, '{"op": "test", "jsonpath": "$.references[*] ? (@.id == \"r7\").meta.k", "value": 2.0}') FROM d;
SELECT pg_temp.p(doc, '{"op": "test", "jsonpath": "$.references[*] ? (@.id == \"r404\").meta.k", "value": 2}') FROM d;
SELECT pg_temp.p(doc, '{"op": "test", "jsonpath": "$.references[*] ? (@.id == \"r404\").meta.k", "value": 2, "if_none": "skip"}') FROM d;
-- through etag_guarded_update: a Cosmos DB filter predicate
CREATE TABLE selector_items (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('selector_items') IS NOT NULL;
INSERT INTO selector_items (id, doc) SELECT 1, doc FROM d;
CREATE FUNCTION pg_temp.guarded(patch jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT g.doc ->> 'status' FROM etag_guarded_update('selector_items', '1', NULL, patch) g);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.guarded('[{"op": "test", "jsonpath": "$ ? (@.status == \"draft\")"}, {"op": "set", "path": "/status", "value": "published"}]');
SELECT pg_temp.guarded('[{"op": "test", "jsonpath": "$ ? (@.status == \"draft\")"}, {"op": "set", "path": "/status", "value": "again"}]');
SELECT doc ->> 'status' FROM selector_items;

-----------------------------------------------------------------------------
-- A bulk UPDATE parses the jsonpath once and applies it to every row
INSERT INTO selector_items (id, doc) VALUES (2, '{"references": [{"id": "r7", "n": 0}]}'), (3, '{"references": [{"id": "r1", "n": 0}, {"id": "r7", "n": 5}]}'), (4, '{"references": []}');
UPDATE selector_items SET doc = jsonb_patch_ops(doc, '{"op": "incr", "jsonpath": "$.references[*] ? (@.id == $id).n", "vars": {"id": "r7"}, "value": 1, "if_none": "skip"}') WHERE id > 1;
SELECT id, doc -> 'references' FROM selector_items WHERE id > 1 ORDER BY id;
DROP TABLE selector_items;

-----------------------------------------------------------------------------
-- Refusals when the patch is decoded (DP001), whatever the document
-- a jsonpath that does not parse (PostgreSQL's message in the detail)
SELECT pg_temp.code('{}', '{"op": "set", "jsonpath": "$.a ? (", "value": 1}');
SELECT pg_temp.code('{}', '{"op": "set", "jsonpath": "", "value": 1}');
SELECT pg_temp.code('{}', '{"op": "set", "jsonpath": "$.a ? (@ like_regex \"(\")", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": 5, "value": 1}');
-- lax mode; an explicit strict is accepted
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "lax $.a", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "strict $.a", "value": 1}');
-- what the location part cannot have, named
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.**.a", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a.size()", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a.keyvalue()", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a + 1", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a == 1", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "exists($.a)", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$x.a", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "\"a\"", "value": 1}');
SELECT pg_temp.code('{}', '{"op": "set", "jsonpath": "@.a", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a[$i]", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a[1 + 1]", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a[-1]", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a[1.5]", "value": 1}');
SELECT pg_temp.p('{"a": [0, 1]}', '{"op": "set", "jsonpath": "$.a[1.0]", "value": "x"}');
-- add, move and copy refuse a jsonpath; path and jsonpath together are refused
SELECT pg_temp.p('{}', '{"op": "add", "jsonpath": "$.a", "value": 1}');
SELECT pg_temp.p('{}', '{"op": "move", "jsonpath": "$.a", "from": "/b"}');
SELECT pg_temp.p('{}', '{"op": "copy", "jsonpath": "$.a", "from": "/b"}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a", "path": "/a", "value": 1}');
-- removing the whole document
SELECT pg_temp.p('{}', '{"op": "remove", "jsonpath": "$"}');
SELECT pg_temp.p('{}', '{"op": "unset", "jsonpath": "$ ? (@.a == 1)"}');
-- vars must be an object; "value" is required except by test
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a", "vars": [1], "value": 1}');
SELECT pg_temp.p('{}', '{"op": "set", "jsonpath": "$.a"}');
SELECT pg_temp.p('{}', '{"op": "incr", "jsonpath": "$.a", "value": "1"}');
-- decoding comes first: a malformed operation after a failing one is DP001
SELECT pg_temp.p('{}', '[{"op": "test", "jsonpath": "$.a"}, {"op": "set", "jsonpath": "$.**", "value": 1}]');
-- long jsonpaths are cut short in messages, at a character boundary
SELECT pg_temp.p('{}', jsonb_build_object('op', 'remove', 'jsonpath', '$.' || repeat('é', 150)));

-----------------------------------------------------------------------------
-- Paths given with "path" behave as before: vars and if_none are not theirs
SELECT pg_temp.p('{"a": 1}', '{"op": "remove", "path": "/b", "if_none": "skip", "vars": 5}');

-----------------------------------------------------------------------------
-- Large selections: 100,000 elements, every other one removed
SELECT jsonb_array_length(jsonb_patch_ops(jsonb_build_object('l', (SELECT jsonb_agg(jsonb_build_object('i', i)) FROM generate_series(1, 100000) i)),
  '{"op": "remove", "jsonpath": "$.l[*] ? (@.i % 2 == 0)"}') -> 'l');
SELECT jsonb_patch_ops(jsonb_build_object('l', (SELECT jsonb_agg(jsonb_build_object('i', i)) FROM generate_series(1, 100000) i)),
  '{"op": "set", "jsonpath": "$.l[*] ? (@.i == $i).hit", "vars": {"i": 99999}, "value": true}') -> 'l' -> 99998;
