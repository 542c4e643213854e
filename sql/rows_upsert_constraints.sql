-- upsert_with_creation_ts on tables with constraints (finding F7 of issue 17):
-- an existing row is updated when the row the upsert leaves satisfies the
-- table's constraints (CHECK on the document, NOT NULL columns the upsert
-- does not set), whatever the document a new row would have got; a new row
-- is still checked as an INSERT checks it.  Refusals by PostgreSQL are shown
-- as their SQLSTATE alone (the wording differs between majors).
CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  EXECUTE 'SELECT string_agg(CASE WHEN inserted THEN ''inserted '' ELSE ''updated '' END || doc::text, '', '') FROM '
          || statement INTO result;
  RETURN result;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

-----------------------------------------------------------------------------
-- 1. CHECK on the document
CREATE TABLE titled (id int PRIMARY KEY, doc jsonb NOT NULL CHECK (doc ? 'title'));
SELECT docpatch_enable('titled');
INSERT INTO titled (id, doc) VALUES (1, '{"title": "One"}'), (2, '{"title": "Two"}');
SELECT etag AS e1 FROM titled WHERE id = 1 \gset
-- an existing row: {"body": "x"} alone has no title, the row it leaves has
SELECT inserted, etag <> :'e1' AS new_etag, doc FROM upsert_with_creation_ts('titled', '1', '{"body": "x"}');
-- every mode
SELECT pg_temp.outcome($$upsert_with_creation_ts('titled', '1', '{"n": {"m": 1}}'::jsonb, 'deep_merge')$$) AS deep_merge,
       pg_temp.outcome($$upsert_with_creation_ts('titled', '1', '{"body": null}'::jsonb, 'merge_patch')$$) AS merge_patch;
SELECT pg_temp.outcome($$upsert_with_creation_ts('titled', '2', '{"title": "Zwei"}'::jsonb, 'replace')$$) AS replace_,
       pg_temp.outcome($$upsert_with_creation_ts('titled', '2', '[{"op": "add", "path": "/tags", "value": []}]'::jsonb, 'ops')$$) AS ops;
-- the batch form, one item and several items for one existing id
SELECT pg_temp.outcome($$upsert_with_creation_ts('titled', '[
  {"id": 2, "doc": {"a": 1}},
  {"id": 1, "doc": {"b": 1}},
  {"id": 2, "doc": {"c": 1}}]'::jsonb)$$) AS batch;
-- the row the upsert leaves is checked: no title is refused, nothing written
SELECT pg_temp.outcome($$upsert_with_creation_ts('titled', '1', '{"title": null}'::jsonb, 'merge_patch')$$) AS title_removed,
       pg_temp.outcome($$upsert_with_creation_ts('titled', '[{"id": 2, "doc": {"d": 1}}, {"id": 1, "doc": {"title": null}}]'::jsonb, 'merge_patch')$$) AS batch_title_removed;
-- a new row is checked as an INSERT checks it: the constraint's own error
SELECT pg_temp.outcome($$upsert_with_creation_ts('titled', '3', '{"body": "x"}'::jsonb)$$) AS new_row,
       pg_temp.outcome($$upsert_with_creation_ts('titled', '[{"id": 1, "doc": {"e": 1}}, {"id": 3, "doc": {"body": "x"}}]'::jsonb)$$) AS batch_new_row;
SELECT id, doc FROM titled ORDER BY id;
-- a new row with a title is inserted (several items fold onto {})
SELECT pg_temp.outcome($$upsert_with_creation_ts('titled', '[{"id": 3, "doc": {"body": "x"}}, {"id": 3, "doc": {"title": "Three"}}, {"id": 1, "doc": {"f": 1}}]'::jsonb)$$) AS batch_inserts;

-----------------------------------------------------------------------------
-- 2. A NOT NULL column without a default (a tenant) that the upsert does not set
CREATE TABLE tenant_notes (id int PRIMARY KEY, tenant text NOT NULL, doc jsonb);
SELECT docpatch_enable('tenant_notes');
INSERT INTO tenant_notes (id, tenant, doc) VALUES (1, 'acme', '{"a": 1}'), (2, 'acme', NULL);
SELECT inserted, doc FROM upsert_with_creation_ts('tenant_notes', '1', '{"b": 2}');
SELECT pg_temp.outcome($$upsert_with_creation_ts('tenant_notes', '[{"id": 2, "doc": {"c": 3}}, {"id": 1, "doc": {"d": 4}}]'::jsonb)$$) AS batch,
       pg_temp.outcome($$upsert_with_creation_ts('tenant_notes', '1', '[{"op": "remove", "path": "/a"}]'::jsonb, 'ops')$$) AS ops;
-- a new row has no tenant: 23502, also in a batch (nothing written)
SELECT pg_temp.outcome($$upsert_with_creation_ts('tenant_notes', '3', '{"x": 1}'::jsonb)$$) AS new_row,
       pg_temp.outcome($$upsert_with_creation_ts('tenant_notes', '[{"id": 1, "doc": {"x": 1}}, {"id": 3, "doc": {"x": 1}}]'::jsonb)$$) AS batch_new_row;
SELECT id, tenant, doc FROM tenant_notes ORDER BY id;

-----------------------------------------------------------------------------
-- 3. A partitioned table with the CHECK
CREATE TABLE parted (id int PRIMARY KEY, doc jsonb NOT NULL CHECK (doc ? 'title')) PARTITION BY RANGE (id);
CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (200);
SELECT docpatch_enable('parted');
INSERT INTO parted (id, doc) VALUES (1, '{"title": "One"}');
SELECT pg_temp.outcome($$upsert_with_creation_ts('parted', '1', '{"body": "x"}'::jsonb)$$) AS existing,
       pg_temp.outcome($$upsert_with_creation_ts('parted', '101', '{"body": "x"}'::jsonb)$$) AS new_row;
SELECT pg_temp.outcome($$upsert_with_creation_ts('parted', '[{"id": 101, "doc": {"title": "Hundred and one"}}, {"id": 1, "doc": {"n": 1}}]'::jsonb)$$) AS batch;
SELECT tableoid::regclass AS part, id, doc FROM parted ORDER BY id;

-----------------------------------------------------------------------------
-- 4. A BEFORE INSERT trigger that skips a new row: not written (DP010)
CREATE TABLE guarded (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('guarded');
CREATE FUNCTION skip_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.doc ? 'draft' THEN RETURN NULL; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER a_skip_drafts BEFORE INSERT ON guarded FOR EACH ROW EXECUTE FUNCTION skip_drafts();
SELECT pg_temp.outcome($$upsert_with_creation_ts('guarded', '1', '{"draft": true}'::jsonb)$$) AS skipped,
       pg_temp.outcome($$upsert_with_creation_ts('guarded', '1', '{"final": true}'::jsonb)$$) AS inserted,
       pg_temp.outcome($$upsert_with_creation_ts('guarded', '1', '{"draft": true}'::jsonb)$$) AS existing;

-----------------------------------------------------------------------------
-- 5. An update that keeps the etag it replaced (a stamp trigger that does
-- not fire on it: here one limited to UPDATE OF created_at) is refused
-- (55000) and undone
CREATE TABLE stuck (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('stuck');
INSERT INTO stuck (id, doc) VALUES (1, '{"n": 1}');
CREATE OR REPLACE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE OF created_at ON stuck
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
SELECT etag AS s1 FROM stuck \gset
SELECT pg_temp.outcome($$upsert_with_creation_ts('stuck', '1', '{"n": 2}'::jsonb)$$) AS single,
       pg_temp.outcome($$upsert_with_creation_ts('stuck', '[{"id": 2, "doc": {}}, {"id": 1, "doc": {"n": 3}}]'::jsonb)$$) AS batch;
SELECT id, etag = :'s1' AS same_etag, doc FROM stuck ORDER BY id;

DROP TABLE titled, tenant_notes, parted, guarded, stuck;
DROP FUNCTION skip_drafts();
