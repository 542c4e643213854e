-- Messages of the row functions: identifiers in hints are quoted as SQL
-- would quote them (a hint can be pasted into psql as it is), and excerpts of
-- user text are cut at character boundaries of the server encoding.
-- (Findings 7 and 9 of issue 12.)
\set VERBOSITY default
-- diag(statement): SQLSTATE, message, detail and hint of the error raised
CREATE FUNCTION diag(statement text) RETURNS TABLE(part text, value text) LANGUAGE plpgsql AS $$
DECLARE s text; m text; d text; h text;
BEGIN
  EXECUTE statement;
  RETURN QUERY VALUES ('result', 'no error');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN QUERY VALUES ('sqlstate', s), ('message', m), ('detail', d), ('hint', h);
END $$;

-----------------------------------------------------------------------------
-- Hostile names: every identifier in a hint is quoted (quote_identifier,
-- regclass output, a string literal around a regclass name)
CREATE SCHEMA "we'ird";
CREATE TABLE "we'ird"."x'); DROP TABLE y; --" ("Key ""1""" int, "Doc;" jsonb);
-- no stamp trigger
SELECT * FROM diag($$SELECT * FROM etag_guarded_update('"we''ird"."x''); DROP TABLE y; --"', '1', NULL, '{}', key_column => 'Key "1"', doc_column => 'Doc;')$$);
-- a disabled one
SELECT docpatch_enable('"we''ird"."x''); DROP TABLE y; --"');
ALTER TABLE "we'ird"."x'); DROP TABLE y; --" RENAME TO "Other ""T""";
ALTER TABLE "we'ird"."Other ""T""" DISABLE TRIGGER ALL;
SELECT * FROM diag($$SELECT * FROM etag_guarded_update('"we''ird"."Other ""T"""', '1', NULL, '{}', key_column => 'Key "1"', doc_column => 'Doc;')$$);
ALTER TABLE "we'ird"."Other ""T""" ENABLE TRIGGER ALL;
-- no unique index on the key column
SELECT * FROM diag($$SELECT * FROM upsert_with_creation_ts('"we''ird"."Other ""T"""', '1', '{}', key_column => 'Key "1"', doc_column => 'Doc;')$$);
-- the stamp trigger: a missing column, a column of the wrong type
CREATE TABLE "we'ird"."Bad ""Types""" (id int PRIMARY KEY, created_at timestamptz, updated_at timestamptz, "E tag" int);
CREATE TRIGGER "My ""Stamp""" BEFORE INSERT OR UPDATE ON "we'ird"."Bad ""Types""" FOR EACH ROW EXECUTE FUNCTION docpatch_stamp('etag=E tag');
SELECT * FROM diag($$INSERT INTO "we'ird"."Bad ""Types""" (id) VALUES (1)$$);
ALTER TABLE "we'ird"."Bad ""Types""" DROP COLUMN "E tag";
SELECT * FROM diag($$INSERT INTO "we'ird"."Bad ""Types""" (id) VALUES (1)$$);
-- the same table visible on the search_path is named without its schema
SET search_path = "we'ird", public;
SELECT * FROM diag($$INSERT INTO "Bad ""Types""" (id) VALUES (1)$$);
RESET search_path;
DROP SCHEMA "we'ird" CASCADE;

-----------------------------------------------------------------------------
-- Excerpts in a database whose encoding is not UTF-8: EUC_JP characters are
-- two bytes; an excerpt is cut before a character, never inside one
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_docpatch_eucjp ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c regress_docpatch_eucjp
SET client_encoding = 'UTF8';
CREATE EXTENSION docpatch;
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- detail(statement): the SQLSTATE and detail of the error raised, the
-- row's own (random) etag shown as <etag>
CREATE FUNCTION detail(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || regexp_replace(d, '"[A-Za-z0-9_-]{22}"', '"<etag>"');
END $$;
CREATE TABLE 表 (id text PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('表');
-- an odd number of ASCII bytes before the characters puts byte 100 inside one
SELECT err(format($$SELECT * FROM etag_guarded_update('表', %L, NULL, '{}')$$, 'x' || repeat('あ', 200)));
SELECT err(format($$SELECT * FROM etag_guarded_update('表', %L, NULL, '{}')$$, repeat('い', 200)));
INSERT INTO 表 (id, doc) VALUES ('k', '{}');
SELECT err(format($$SELECT * FROM etag_guarded_update('表', 'k', %L, '{}')$$, 'y' || repeat('う', 200)));
SELECT detail(format($$SELECT * FROM etag_guarded_update('表', 'k', %L, '{}')$$, 'y' || repeat('う', 200)));
SELECT err(format($$SELECT * FROM etag_guarded_update('表', 'k', NULL, '{}', kind => %L)$$, 'z' || repeat('え', 200)));
SELECT err(format($$SELECT * FROM upsert_with_creation_ts('表', 'k', '{}'::jsonb, %L)$$, 'z' || repeat('お', 200)));
SELECT err(format($$SELECT * FROM upsert_with_creation_ts('表', '[{"id": 1, "doc": {}, %s: 1}]'::jsonb)$$, to_json('w' || repeat('か', 200))));
\c :regress_db
DROP DATABASE regress_docpatch_eucjp WITH (FORCE);
DROP FUNCTION diag(text);
