-- etag_guarded_update: one-statement If-Match updates (kinds merge and
-- replace here; ops, deep_merge and merge_patch in rows_kinds)
\set VERBOSITY default
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE notes (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('notes');
INSERT INTO notes (id, doc, created_at) VALUES
  (1, '{"title": "T", "tags": ["a"], "meta": {"v": 1}}', '2020-01-01 00:00:00+00'),
  (2, '{"title": "Two"}', '2020-01-01 00:00:00+00');

-----------------------------------------------------------------------------
-- If-Match equal to the row's etag: the patch is applied; a new etag,
-- updated_at = now(), created_at kept; the new state is returned
SELECT etag AS e1 FROM notes WHERE id = 1 \gset
BEGIN;
SELECT etag <> :'e1' AS new_etag, created_at = '2020-01-01 00:00:00+00' AS created_kept,
       updated_at = now() AS updated_now, doc
FROM etag_guarded_update('notes', '1', :'e1', '{"title": "New", "count": 1}');
SELECT doc AS stored_doc FROM notes WHERE id = 1;
COMMIT;
-- the returned etag and document are the stored ones
SELECT etag AS e2 FROM notes WHERE id = 1 \gset
SELECT etag AS returned_etag, doc AS returned_doc
FROM etag_guarded_update('notes', '1', :'e2', '{"count": 2}') \gset
SELECT etag = :'returned_etag' AS same_etag, doc = :'returned_doc' AS same_doc, etag <> :'e2' AS new_etag
FROM notes WHERE id = 1;

-- a stale etag: 412-style refusal, DP011, nothing written
SELECT etag AS e3, xmin::text AS x3 FROM notes WHERE id = 1 \gset
SELECT err(format($$SELECT * FROM etag_guarded_update('notes', '1', %L, '{"count": 3}')$$, :'e1'));
SELECT etag = :'e3' AS etag_unchanged, xmin::text = :'x3' AS not_written, doc->'count' AS count
FROM notes WHERE id = 1;
-- the detail names both etags (the current one is random: shown as <etag>),
-- the hint says what to do
DO $$
DECLARE d text; h text;
BEGIN
  PERFORM * FROM etag_guarded_update('notes', '1', 'not-the-etag', '{"count": 3}');
EXCEPTION WHEN SQLSTATE 'DP011' THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RAISE NOTICE 'detail: %', replace(d, (SELECT etag FROM notes WHERE id = 1), '<etag>');
  RAISE NOTICE 'hint: %', h;
END $$;

-- If-Match as an HTTP entity tag, in double quotes, is accepted
SELECT doc->'count' AS count
FROM etag_guarded_update('notes', '1', '"' || :'e3' || '"', '{"count": 3}');

-- if_match NULL: unconditional; '*': any existing row
SELECT doc->'count' AS count FROM etag_guarded_update('notes', '1', NULL, '{"count": 4}');
SELECT doc->'count' AS count FROM etag_guarded_update('notes', '1', '*', '{"count": 5}');

-- no such row: DP010, whatever If-Match says
SELECT err($$SELECT * FROM etag_guarded_update('notes', '99', NULL, '{"a": 1}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '99', '*', '{"a": 1}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '99', 'some-etag', '{"a": 1}')$$);
SELECT * FROM etag_guarded_update('notes', '99', NULL, '{"a": 1}');

-----------------------------------------------------------------------------
-- a patch that changes nothing writes nothing: same etag, same updated_at,
-- same row version; the current state is returned
SELECT etag AS e4, updated_at AS u4, xmin::text AS x4 FROM notes WHERE id = 1 \gset
SELECT etag = :'e4' AS same_etag, updated_at = :'u4' AS same_updated_at, doc
FROM etag_guarded_update('notes', '1', :'e4', '{"title": "New"}');
SELECT etag = :'e4' AS same_etag, xmin::text = :'x4' AS not_written FROM notes WHERE id = 1;
-- also without If-Match, with an empty patch, and with replace by an equal document
SELECT etag = :'e4' AS same_etag FROM etag_guarded_update('notes', '1', NULL, '{}');
SELECT etag = :'e4' AS same_etag
FROM etag_guarded_update('notes', '1', '*', (SELECT doc FROM notes WHERE id = 1), kind => 'replace');
SELECT xmin::text = :'x4' AS not_written FROM notes WHERE id = 1;
-- a no-change patch with a stale etag is still a mismatch
SELECT err(format($$SELECT * FROM etag_guarded_update('notes', '1', %L, '{}')$$, :'e1'));
-- 12.00 and 12 are equal numbers but different text: that is a change
UPDATE notes SET doc = '{"price": 12.00}' WHERE id = 2;
SELECT etag AS e5 FROM notes WHERE id = 2 \gset
SELECT etag = :'e5' AS same_etag, doc FROM etag_guarded_update('notes', '2', :'e5', '{"price": 12.00}');
SELECT etag = :'e5' AS same_etag, doc FROM etag_guarded_update('notes', '2', :'e5', '{"price": 12}');

-----------------------------------------------------------------------------
-- kinds: an object merges (jsonb_shallow_merge), 'replace' replaces
SELECT doc FROM etag_guarded_update('notes', '2', NULL, '{"title": "Merged", "price": null}');
SELECT doc FROM etag_guarded_update('notes', '2', NULL, '{"only": true}', kind => 'replace');
SELECT doc FROM etag_guarded_update('notes', '2', NULL, '"a scalar document"', kind => 'replace');
SELECT doc FROM etag_guarded_update('notes', '2', NULL, '{"title": "Two"}', 'replace');
-- 'merge' of a non-object: the merge's own error (DP003) propagates
SELECT err($$SELECT * FROM etag_guarded_update('notes', '2', NULL, '[1, 2]', kind => 'merge')$$);
-- a scalar patch without a kind is malformed (DP001)
SELECT * FROM etag_guarded_update('notes', '2', NULL, '42');
-- unknown kind (DP005)
SELECT * FROM etag_guarded_update('notes', '2', NULL, '{}', kind => 'upsert');
-- NULL arguments
SELECT err($$SELECT * FROM etag_guarded_update(NULL, '2', NULL, '{}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', NULL, NULL, '{}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '2', NULL, NULL)$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '2', NULL, '{}', key_column => NULL)$$);
-- failed updates leave the row alone
SELECT doc FROM notes WHERE id = 2;

-----------------------------------------------------------------------------
-- id is text converted to the key column's type
SELECT doc->'title' AS title FROM etag_guarded_update('notes', '  002 ', NULL, '{"title": "padded id"}');
SELECT err($$SELECT * FROM etag_guarded_update('notes', 'two', NULL, '{}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '99999999999', NULL, '{}')$$);
CREATE TABLE by_bigint (id bigint PRIMARY KEY, doc jsonb);
CREATE TABLE by_uuid (id uuid PRIMARY KEY, doc jsonb);
CREATE TABLE by_text (id text PRIMARY KEY, doc jsonb);
CREATE TABLE by_varchar (id varchar(20) PRIMARY KEY, doc jsonb);
SELECT docpatch_enable(t) FROM unnest(ARRAY['by_bigint', 'by_uuid', 'by_text', 'by_varchar']::regclass[]) t;
INSERT INTO by_bigint VALUES (9007199254740993, '{}');
INSERT INTO by_uuid VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{}');
INSERT INTO by_text VALUES ('Café ☕', '{}'), ('it''s', '{}');
INSERT INTO by_varchar VALUES ('v1', '{}');
SELECT doc FROM etag_guarded_update('by_bigint', '9007199254740993', NULL, '{"k": "bigint"}');
SELECT doc FROM etag_guarded_update('by_uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', NULL, '{"k": "uuid"}');
SELECT doc FROM etag_guarded_update('by_text', 'Café ☕', NULL, '{"k": "text"}');
SELECT doc FROM etag_guarded_update('by_text', 'it''s', NULL, '{"k": "quote"}');
SELECT doc FROM etag_guarded_update('by_varchar', 'v1', NULL, '{"k": "varchar"}');
SELECT err($$SELECT * FROM etag_guarded_update('by_uuid', 'not-a-uuid', NULL, '{}')$$);
\pset format unaligned
SELECT err($$SELECT * FROM etag_guarded_update('by_text', 'café ☕', NULL, '{}')$$);
\pset format aligned

-- other key and document columns, named safely
CREATE TABLE "Odd Table" ("Item Key" int PRIMARY KEY, "Body;--" jsonb, id text);
SELECT docpatch_enable('"Odd Table"');
INSERT INTO "Odd Table" VALUES (1, '{}', 'x');
SELECT doc FROM etag_guarded_update('"Odd Table"', '1', NULL, '{"odd": true}',
                                    key_column => 'Item Key', doc_column => 'Body;--');

-----------------------------------------------------------------------------
-- tables that do not fit: clear errors
SELECT * FROM etag_guarded_update('notes', '1', NULL, '{}', key_column => 'nope');
SELECT * FROM etag_guarded_update('notes', '1', NULL, '{}', doc_column => 'nope');
SELECT err($$SELECT * FROM etag_guarded_update('"Odd Table"', '1', NULL, '{}', key_column => 'Item Key', doc_column => 'id')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '1', NULL, '{}', key_column => 'id', doc_column => 'id')$$);
SELECT err($$SELECT * FROM etag_guarded_update('notes', '1', NULL, '{}', doc_column => 'etag')$$);
-- no stamp trigger: 55000, with a hint naming docpatch_enable
CREATE TABLE unstamped (id int PRIMARY KEY, doc jsonb);
INSERT INTO unstamped VALUES (1, '{}');
SELECT * FROM etag_guarded_update('unstamped', '1', NULL, '{"a": 1}');
-- a disabled trigger is not enough either
ALTER TABLE notes DISABLE TRIGGER zz_docpatch_stamp;
SELECT * FROM etag_guarded_update('notes', '1', NULL, '{"a": 1}');
ALTER TABLE notes ENABLE TRIGGER zz_docpatch_stamp;
-- no unique index on the key column: 42P10
CREATE TABLE no_key (id int, doc jsonb);
SELECT docpatch_enable('no_key');
SELECT * FROM etag_guarded_update('no_key', '1', NULL, '{"a": 1}');
CREATE UNIQUE INDEX ON no_key (id) WHERE id > 0;
SELECT err($$SELECT * FROM etag_guarded_update('no_key', '1', NULL, '{"a": 1}')$$);
-- not a table
CREATE VIEW notes_view AS SELECT * FROM notes;
SELECT err($$SELECT * FROM etag_guarded_update('notes_view', '1', NULL, '{"a": 1}')$$);
DROP VIEW notes_view;

-----------------------------------------------------------------------------
-- the plan cache follows the table: rename, new columns, new key type,
-- trigger removed and restored, drop and re-create
SELECT doc->'count' AS count FROM etag_guarded_update('notes', '1', NULL, '{"count": 10}');
ALTER TABLE notes RENAME TO notes_renamed;
SELECT doc->'count' AS count FROM etag_guarded_update('notes_renamed', '1', NULL, '{"count": 11}');
ALTER TABLE notes_renamed RENAME TO notes;
ALTER TABLE notes ADD COLUMN extra int DEFAULT 7;
SELECT doc->'count' AS count FROM etag_guarded_update('notes', '1', NULL, '{"count": 12}');
ALTER TABLE notes RENAME COLUMN doc TO body;
SELECT err($$SELECT * FROM etag_guarded_update('notes', '1', NULL, '{"count": 13}')$$);
SELECT doc->'count' AS count FROM etag_guarded_update('notes', '1', NULL, '{"count": 13}', doc_column => 'body');
ALTER TABLE notes RENAME COLUMN body TO doc;
ALTER TABLE notes ALTER COLUMN id TYPE bigint;
SELECT doc->'count' AS count FROM etag_guarded_update('notes', '1', NULL, '{"count": 14}');
SELECT docpatch_disable('notes');
SELECT err($$SELECT * FROM etag_guarded_update('notes', '1', NULL, '{"count": 15}')$$);
SELECT docpatch_enable('notes', etag => 'version');
SELECT etag AS e6, doc->'count' AS count FROM etag_guarded_update('notes', '1', NULL, '{"count": 15}') \gset
SELECT version = :'e6' AS returns_the_version_column, :'count' AS count FROM notes WHERE id = 1;
CREATE SCHEMA moved;
ALTER TABLE notes SET SCHEMA moved;
SELECT doc->'count' AS count FROM etag_guarded_update('moved.notes', '1', NULL, '{"count": 16}');
ALTER SCHEMA moved RENAME TO moved_again;
SELECT doc->'count' AS count FROM etag_guarded_update('moved_again.notes', '1', NULL, '{"count": 17}');
DROP TABLE moved_again.notes;
DROP SCHEMA moved_again;
CREATE TABLE notes (id text PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('notes');
INSERT INTO notes (id, doc) VALUES ('1', '{"fresh": true}');
SELECT doc FROM etag_guarded_update('notes', '1', NULL, '{"count": 1}');

-----------------------------------------------------------------------------
-- privileges and row-level security apply: the function runs with the
-- caller's rights, and a row RLS hides is "not found"
CREATE ROLE regress_docpatch_rows_user;
CREATE TABLE owned (id int PRIMARY KEY, owner text, doc jsonb);
SELECT docpatch_enable('owned');
INSERT INTO owned (id, owner, doc) VALUES
  (1, 'regress_docpatch_rows_user', '{"n": 1}'), (2, 'someone_else', '{"n": 2}'),
  (3, 'read_only', '{"n": 3}');
ALTER TABLE owned ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON owned FOR SELECT USING (owner IN (current_user, 'read_only'));
CREATE POLICY write_own ON owned FOR UPDATE USING (owner = current_user);
GRANT SELECT, UPDATE ON owned TO regress_docpatch_rows_user;
SET ROLE regress_docpatch_rows_user;
SELECT doc FROM etag_guarded_update('owned', '1', NULL, '{"mine": true}');
-- hidden by RLS: not found
SELECT err($$SELECT * FROM etag_guarded_update('owned', '2', NULL, '{"mine": true}')$$);
-- visible but not updatable: not found, with a detail saying so
SELECT * FROM etag_guarded_update('owned', '3', NULL, '{"mine": true}');
-- no privilege at all on another table
SELECT err($$SELECT * FROM etag_guarded_update('by_text', 'it''s', NULL, '{}')$$);
RESET ROLE;
SELECT id, doc FROM owned ORDER BY id;
-- a role with UPDATE on the document column only still needs to read the
-- key and etag (the WHERE clause) and the returned columns: SELECT
CREATE TABLE colpriv (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('colpriv');
INSERT INTO colpriv (id, doc) VALUES (1, '{}');
GRANT UPDATE (doc) ON colpriv TO regress_docpatch_rows_user;
SET ROLE regress_docpatch_rows_user;
SELECT err($$SELECT * FROM etag_guarded_update('colpriv', '1', NULL, '{"a": 1}')$$);
RESET ROLE;
GRANT SELECT ON colpriv TO regress_docpatch_rows_user;
SET ROLE regress_docpatch_rows_user;
SELECT doc FROM etag_guarded_update('colpriv', '1', NULL, '{"a": 1}');
RESET ROLE;

-----------------------------------------------------------------------------
-- a hostile search_path cannot hijack the statement: decoy functions,
-- operators and tables named like the ones it uses come first
CREATE SCHEMA evil;
CREATE FUNCTION evil.jsonb_shallow_merge(jsonb, jsonb) RETURNS jsonb
  LANGUAGE sql AS $$ SELECT '{"hijacked": true}'::jsonb $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'epoch'::timestamptz $$;
CREATE FUNCTION evil.always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always);
CREATE TABLE evil.notes (id text PRIMARY KEY, doc jsonb, created_at timestamptz,
                         updated_at timestamptz, etag text);
SET search_path = evil, public, pg_catalog;
SELECT doc FROM public.etag_guarded_update('public.notes', '1', NULL, '{"safe": true}');
SELECT public.err($$SELECT * FROM public.etag_guarded_update('public.notes', '1', 'wrong', '{}')$$);
RESET search_path;
SELECT count(*) AS decoy_rows FROM evil.notes;

DROP SCHEMA evil CASCADE;
DROP TABLE notes, unstamped, no_key, by_bigint, by_uuid, by_text, by_varchar, "Odd Table",
           owned, colpriv CASCADE;
DROP ROLE regress_docpatch_rows_user;
DROP FUNCTION err(text);
