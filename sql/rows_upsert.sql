-- upsert_with_creation_ts: one INSERT ... ON CONFLICT DO UPDATE per call
-- (modes merge and replace here; ops, deep_merge and merge_patch in rows_kinds)
\set VERBOSITY default
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE docs (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('docs');

-----------------------------------------------------------------------------
-- a new id is inserted: created_at = updated_at = now(), a fresh etag
BEGIN;
SELECT inserted, created_at = now() AS created_now, updated_at = now() AS updated_now,
       etag ~ '^[A-Za-z0-9_-]{22}$' AS etag_format, doc
FROM upsert_with_creation_ts('docs', id => '1', doc => '{"title": "T", "tags": ["a"]}');
COMMIT;
SELECT created_at AS c1, etag AS e1 FROM docs WHERE id = 1 \gset
-- an existing id is merged (shallow, by default) into the locked current row;
-- created_at is kept, updated_at = now(), a new etag
BEGIN;
SELECT inserted, created_at = :'c1' AS created_kept, updated_at = now() AS updated_now,
       etag <> :'e1' AS new_etag, doc
FROM upsert_with_creation_ts('docs', id => '1', doc => '{"body": "B", "tags": ["b"]}');
COMMIT;
-- what is returned is what is stored
SELECT etag AS returned_etag FROM upsert_with_creation_ts('docs', '1'::text, '{"n": 1}') \gset
SELECT etag = :'returned_etag' AS stored, doc FROM docs WHERE id = 1;
-- mode 'replace': the whole document is replaced, created_at kept
SELECT inserted, created_at = :'c1' AS created_kept, doc
FROM upsert_with_creation_ts('docs', '1'::text, '{"replaced": true}', 'replace');
SELECT inserted, doc FROM upsert_with_creation_ts('docs', '2'::text, '{"new": "replace"}', mode => 'replace');
-- mode 'merge' of a new row: the document must be an object (jsonb_shallow_merge's DP003)
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '3'::text, '[1]')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '1'::text, '"text"')$$);
-- 'replace' stores any document
SELECT doc FROM upsert_with_creation_ts('docs', '3'::text, '[1, 2]', 'replace');

-- every upsert writes, even one that changes nothing (unlike etag_guarded_update)
SELECT etag AS e2 FROM docs WHERE id = 1 \gset
SELECT inserted, etag <> :'e2' AS new_etag, doc FROM upsert_with_creation_ts('docs', '1'::text, '{}');

-----------------------------------------------------------------------------
-- created_at is set once, at insert; no upsert ever changes it, even when the
-- document carries a created_at member or the trigger refuses changes
SELECT created_at AS c2 FROM docs WHERE id = 2 \gset
SELECT created_at = :'c2' AS created_kept, doc
FROM upsert_with_creation_ts('docs', '2'::text, '{"created_at": "1999-01-01T00:00:00Z"}');
SELECT created_at = :'c2' AS created_kept FROM upsert_with_creation_ts('docs', '2'::text, '{"x": 1}', 'replace');
SELECT docpatch_enable('docs', on_created_at_change => 'error');
SELECT inserted, created_at = :'c2' AS created_kept FROM upsert_with_creation_ts('docs', '2'::text, '{"y": 1}');
-- a plain UPDATE that tries is refused (strict trigger) or ignored (default)
SELECT err($$UPDATE docs SET created_at = '2000-01-01' WHERE id = 2$$);
SELECT docpatch_enable('docs');
UPDATE docs SET created_at = '2000-01-01' WHERE id = 2;
SELECT created_at = :'c2' AS created_kept FROM docs WHERE id = 2;

-----------------------------------------------------------------------------
-- inserted is right also inside one transaction, for a row inserted earlier
-- in it, or locked by it
BEGIN;
SELECT inserted FROM upsert_with_creation_ts('docs', '10'::text, '{"a": 1}');
SELECT inserted FROM upsert_with_creation_ts('docs', '10'::text, '{"b": 1}');
INSERT INTO docs (id, doc) VALUES (11, '{}');
SELECT inserted FROM upsert_with_creation_ts('docs', '11'::text, '{"c": 1}');
SELECT id FROM docs WHERE id = 1 FOR UPDATE;
SELECT inserted FROM upsert_with_creation_ts('docs', '1'::text, '{"d": 1}');
SELECT id FROM docs WHERE id = 2 FOR SHARE;
SELECT inserted FROM upsert_with_creation_ts('docs', '2'::text, '{"e": 1}');
SAVEPOINT s;
SELECT inserted FROM upsert_with_creation_ts('docs', '12'::text, '{"f": 1}');
RELEASE SAVEPOINT s;
SELECT inserted FROM upsert_with_creation_ts('docs', '12'::text, '{"g": 1}');
COMMIT;
SELECT id, doc FROM docs WHERE id >= 10 ORDER BY id;

-----------------------------------------------------------------------------
-- batch form: one statement; items for the same id fold in order (a UI's
-- create-then-edit); one result row per id, in order of first appearance
BEGIN;
SELECT inserted, created_at = now() AS created_now, doc
FROM upsert_with_creation_ts('docs', '[
  {"id": 21, "doc": {"title": "draft"}},
  {"id": "1", "doc": {"batch": true}},
  {"id": 21, "doc": {"title": "final", "body": "text"}},
  {"id": 20, "doc": {"z": 1}},
  {"id": "21", "doc": {"tags": ["x"]}}
]');
COMMIT;
SELECT id, doc FROM docs WHERE id IN (1, 20, 21) ORDER BY id;
-- replace: the last item for an id wins
SELECT inserted, doc FROM upsert_with_creation_ts('docs',
  '[{"id": 20, "doc": {"first": 1}}, {"id": 20, "doc": {"second": 2}}]'::jsonb, 'replace');
-- untyped literals for the id and the document take the single form (its
-- overload with the document as text); untyped batch items with a mode would
-- be read that way too, which is refused with a hint
SELECT inserted, doc FROM upsert_with_creation_ts('docs', '20', '{"x": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('docs', '20', '{"y": 2}', 'replace');
SELECT inserted, doc FROM upsert_with_creation_ts('docs', id => '20', doc => '{"z": 3}', mode => 'merge');
SELECT * FROM upsert_with_creation_ts('docs', '[{"id": 20, "doc": {}}]', 'replace');
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '20', 'not json')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '20', NULL::text)$$);
SELECT inserted, doc FROM upsert_with_creation_ts('docs', items => '[{"id": 20, "doc": {"w": 4}}]', mode => 'merge');
-- forty ids: inserted, then upserted again; every write its own etag,
-- created_at kept
CREATE TEMP TABLE first_pass AS
SELECT * FROM upsert_with_creation_ts('docs', (SELECT jsonb_agg(jsonb_build_object('id', i, 'doc', jsonb_build_object('i', i)))
                                               FROM generate_series(101, 140) i));
CREATE TEMP TABLE second_pass AS
SELECT * FROM upsert_with_creation_ts('docs', (SELECT jsonb_agg(jsonb_build_object('id', i, 'doc', jsonb_build_object('i', i)))
                                               FROM generate_series(101, 140) i));
SELECT count(*) AS rows_, bool_and(f.inserted) AS first_inserted, bool_and(NOT s.inserted) AS then_updated,
       count(DISTINCT f.etag) + count(DISTINCT s.etag) AS distinct_etags,
       bool_and(f.etag <> s.etag) AS new_etags, bool_and(f.created_at = s.created_at) AS created_kept
FROM first_pass f JOIN second_pass s USING (doc);
SELECT count(*) AS rows_ FROM docs;
-- a batch that sends one id in two spellings still folds them into one row
SELECT inserted, doc FROM upsert_with_creation_ts('docs',
  '[{"id": "050", "doc": {"a": 1}}, {"id": 50, "doc": {"b": 2}}, {"id": 5e1, "doc": {"c": 3}}]');
-- an empty batch returns nothing
SELECT count(*) AS rows_ FROM upsert_with_creation_ts('docs', '[]'::jsonb);
-- malformed items (DP005)
SELECT upsert_with_creation_ts('docs', '{"id": 1}'::jsonb);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": 1, "doc": {}}, 7]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"doc": {}}]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": 1}]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": null, "doc": {}}]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": [1], "doc": {}}]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": 1, "docs": {}}]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', NULL::jsonb)$$);
-- an id the key type refuses, and a document the mode refuses: nothing is written
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": 30, "doc": {}}, {"id": "x", "doc": {}}]'::jsonb)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[{"id": 30, "doc": {}}, {"id": 31, "doc": 5}]'::jsonb)$$);
SELECT count(*) AS none FROM docs WHERE id IN (30, 31);

-----------------------------------------------------------------------------
-- arguments
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '1'::text, '{}', 'shallow')$$);
SELECT * FROM upsert_with_creation_ts('docs', '1'::text, '{}', NULL);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', NULL::text, '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '1'::text, NULL)$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts(NULL, '1'::text, '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '[]'::jsonb, 'nope')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', 'one'::text, '{}')$$);
-- named arguments pick the form without casts
SELECT inserted, doc FROM upsert_with_creation_ts('docs', id => '40', doc => '{"named": true}');
SELECT inserted, doc FROM upsert_with_creation_ts('docs', items => '[{"id": 41, "doc": {"named": true}}]');

-----------------------------------------------------------------------------
-- key types and column names
CREATE TABLE by_uuid (key uuid PRIMARY KEY, "Data" jsonb);
SELECT docpatch_enable('by_uuid');
SELECT inserted, doc FROM
  upsert_with_creation_ts('by_uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::text, '{"u": 1}',
                          key_column => 'key', doc_column => 'Data');
SELECT inserted, doc FROM upsert_with_creation_ts('by_uuid', '[{"id": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "doc": {"v": 2}}]'::jsonb,
                                                  key_column => 'key', doc_column => 'Data');
CREATE TABLE by_text (id text PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('by_text');
SELECT inserted, doc FROM upsert_with_creation_ts('by_text', 'Straße ✓'::text, '{"t": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('by_text', '[{"id": "Straße ✓", "doc": {"u": 2}}, {"id": 7, "doc": {"n": 7}}]'::jsonb);
SELECT id, doc FROM by_text ORDER BY id;
-- a document column that allows NULL: an existing NULL document counts as {}
INSERT INTO by_text (id, doc) VALUES ('null-doc', NULL);
SELECT inserted, doc FROM upsert_with_creation_ts('by_text', 'null-doc'::text, '{"filled": true}');

-----------------------------------------------------------------------------
-- a partitioned table (its RETURNING cannot read system columns: inserted
-- comes from the etag the stamp trigger drew for the write)
CREATE TABLE parted (id int PRIMARY KEY, doc jsonb) PARTITION BY HASH (id);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT docpatch_enable('parted');
SELECT inserted, doc FROM upsert_with_creation_ts('parted', '1'::text, '{"a": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('parted', '1'::text, '{"b": 2}');
SELECT inserted, doc FROM upsert_with_creation_ts('parted',
  '[{"id": 2, "doc": {"x": 1}}, {"id": 1, "doc": {"c": 3}}, {"id": 3, "doc": {"y": 1}}, {"id": 2, "doc": {"z": 1}}]'::jsonb);
SELECT tableoid::regclass AS partition, id, doc FROM parted ORDER BY id;
-- etag_guarded_update on it, with a change and without
SELECT etag AS pe FROM parted WHERE id = 2 \gset
SELECT etag = :'pe' AS same_etag, doc FROM etag_guarded_update('parted', '2', :'pe', '{"x": 1}');
SELECT etag = :'pe' AS same_etag, doc FROM etag_guarded_update('parted', '2', :'pe', '{"x": 2}');
SELECT err(format($$SELECT * FROM etag_guarded_update('parted', '2', %L, '{}')$$, :'pe'));
DROP TABLE parted;

-----------------------------------------------------------------------------
-- tables that do not fit
CREATE TABLE no_key (id int, doc jsonb);
SELECT docpatch_enable('no_key');
SELECT * FROM upsert_with_creation_ts('no_key', '1'::text, '{}');
SELECT err($$SELECT * FROM upsert_with_creation_ts('no_key', '[{"id": 1, "doc": {}}]'::jsonb)$$);
CREATE TABLE deferred_key (id int, doc jsonb, UNIQUE (id) DEFERRABLE INITIALLY DEFERRED);
SELECT docpatch_enable('deferred_key');
SELECT err($$SELECT * FROM upsert_with_creation_ts('deferred_key', '1'::text, '{}')$$);
CREATE TABLE unstamped (id int PRIMARY KEY, doc jsonb);
SELECT err($$SELECT * FROM upsert_with_creation_ts('unstamped', '1'::text, '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '1'::text, '{}', key_column => 'nope')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '1'::text, '{}', doc_column => 'created_at')$$);
SELECT count(*) AS none FROM unstamped;

-----------------------------------------------------------------------------
-- privileges and row-level security apply
CREATE ROLE regress_docpatch_upsert_user;
CREATE TABLE tenant_docs (id int PRIMARY KEY, tenant text NOT NULL DEFAULT current_user, doc jsonb);
SELECT docpatch_enable('tenant_docs');
INSERT INTO tenant_docs (id, tenant, doc) VALUES (1, 'other_tenant', '{"secret": true}');
ALTER TABLE tenant_docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON tenant_docs USING (tenant = current_user);
GRANT SELECT, INSERT, UPDATE ON tenant_docs TO regress_docpatch_upsert_user;
SET ROLE regress_docpatch_upsert_user;
SELECT inserted, doc FROM upsert_with_creation_ts('tenant_docs', '2'::text, '{"mine": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('tenant_docs', '2'::text, '{"mine": 2}');
-- another tenant's row: the update is refused by the policy
SELECT err($$SELECT * FROM upsert_with_creation_ts('tenant_docs', '1'::text, '{"stolen": true}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('docs', '1'::text, '{}')$$);
RESET ROLE;
SELECT id, tenant, doc FROM tenant_docs ORDER BY id;

-----------------------------------------------------------------------------
-- a hostile search_path changes nothing
CREATE SCHEMA evil;
CREATE FUNCTION evil.jsonb_shallow_merge(jsonb, jsonb) RETURNS jsonb
  LANGUAGE sql AS $$ SELECT '{"hijacked": true}'::jsonb $$;
CREATE FUNCTION evil.jsonb_array_elements(jsonb) RETURNS SETOF jsonb
  LANGUAGE sql AS $$ SELECT '{"id": 666, "doc": {"hijacked": true}}'::jsonb $$;
CREATE FUNCTION evil.always(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = evil.always);
CREATE FUNCTION evil.text_arrow(jsonb, text) RETURNS text LANGUAGE sql AS $$ SELECT '666' $$;
CREATE OPERATOR evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = evil.text_arrow);
CREATE TABLE evil.docs (id int PRIMARY KEY, doc jsonb);
SET search_path = evil, public, pg_catalog;
SELECT inserted, doc FROM public.upsert_with_creation_ts('public.docs', '60'::text, '{"safe": 1}');
SELECT inserted, doc FROM public.upsert_with_creation_ts('public.docs', '60'::text, '{"safe": 2}');
SELECT inserted, doc FROM public.upsert_with_creation_ts('public.docs',
  '[{"id": 61, "doc": {"safe": 3}}, {"id": 60, "doc": {"safe": 4}}]'::jsonb);
RESET search_path;
SELECT count(*) AS decoy_rows FROM evil.docs;
SELECT count(*) AS hijacked FROM docs WHERE id = 666 OR doc ? 'hijacked';

DROP SCHEMA evil CASCADE;
DROP TABLE docs, by_uuid, by_text, no_key, deferred_key, unstamped, tenant_docs;
DROP ROLE regress_docpatch_upsert_user;
DROP FUNCTION err(text);
