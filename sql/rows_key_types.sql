-- Ids are converted to the key column's full type -- its type modifier and
-- its collation, and the unique index's own collation -- exactly as an INSERT
-- of that id would store it, by every row function; items of a batch whose
-- ids land on the same key fold like repeated ids.  (Finding 5 of issue 12.)
\set VERBOSITY default
SET TimeZone = 'UTC';
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- rows(tbl): every row of a table, keys and documents, in key order
CREATE FUNCTION rows_of(tbl regclass) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT id::text || '' '' || doc::text FROM %s ORDER BY id', tbl);
END $$;

-----------------------------------------------------------------------------
-- numeric(5,2): '1.234' is stored as 1.23
CREATE TABLE n52 (id numeric(5,2) PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('n52');
SELECT inserted, doc FROM upsert_with_creation_ts('n52', '[{"id": "1.234", "doc": {"a": 1}}]'::jsonb);
SELECT inserted, doc FROM upsert_with_creation_ts('n52', '[{"id": "1.234", "doc": {"b": 2}}]'::jsonb);
-- two ids that round to the same key are one id: they fold in item order
SELECT inserted, doc FROM upsert_with_creation_ts('n52',
  '[{"id": 1.231, "doc": {"c": 3}}, {"id": 7, "doc": {"x": 1}}, {"id": "1.229", "doc": {"c": 4}}]'::jsonb);
SELECT inserted, doc FROM upsert_with_creation_ts('n52', '1.226', '{"d": 5}');
SELECT doc FROM etag_guarded_update('n52', '1.234', NULL, '{"e": 6}');
SELECT doc FROM etag_guarded_update('n52', '  1.2300 ', NULL, '{"f": 7}');
SELECT err($$SELECT * FROM etag_guarded_update('n52', '1.24', NULL, '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('n52', '1234.5', '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('n52', '[{"id": 1234.5, "doc": {}}]'::jsonb)$$);
SELECT * FROM rows_of('n52');

-----------------------------------------------------------------------------
-- timestamptz(0): fractions of a second round to the stored second
CREATE TABLE ts0 (id timestamptz(0) PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('ts0');
SELECT inserted, doc FROM upsert_with_creation_ts('ts0',
  '[{"id": "2024-01-01 10:00:00.4+00", "doc": {"a": 1}}, {"id": "2024-01-01 10:00:00.2+00", "doc": {"b": 2}}]'::jsonb);
SELECT inserted, doc FROM upsert_with_creation_ts('ts0', '2024-01-01 10:00:00.1+00', '{"c": 3}');
SELECT doc FROM etag_guarded_update('ts0', '2024-01-01 11:00:00.3+01', NULL, '{"d": 4}');
SELECT * FROM rows_of('ts0');

-----------------------------------------------------------------------------
-- varchar(5): trailing spaces beyond the length are dropped, as an INSERT
-- drops them; anything else too long is an error, never cut to another id
CREATE TABLE v5 (id varchar(5) PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('v5');
SELECT inserted, doc FROM upsert_with_creation_ts('v5', '[{"id": "ab      ", "doc": {"a": 1}}, {"id": "ab   ", "doc": {"b": 2}}]'::jsonb);
SELECT inserted, doc FROM upsert_with_creation_ts('v5', 'ab         ', '{"c": 3}');
SELECT doc FROM etag_guarded_update('v5', 'ab       ', NULL, '{"d": 4}');
SELECT err($$SELECT * FROM upsert_with_creation_ts('v5', 'abcdefg', '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('v5', '[{"id": "abcdefg", "doc": {}}]'::jsonb)$$);
SELECT err($$SELECT * FROM etag_guarded_update('v5', 'abcdefg', NULL, '{}')$$);
SELECT '[' || id || ']' AS id, doc FROM v5 ORDER BY id;

-- char(3): padded
CREATE TABLE c3 (id char(3) PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('c3');
SELECT inserted, doc FROM upsert_with_creation_ts('c3', '[{"id": "x", "doc": {"a": 1}}, {"id": "x  ", "doc": {"b": 2}}]'::jsonb);
SELECT doc FROM etag_guarded_update('c3', 'x ', NULL, '{"c": 3}');
SELECT '[' || id::text || ']' AS id, doc FROM c3;

-----------------------------------------------------------------------------
-- a case-insensitive collation on the column: 'Abc' and 'abc' are one key
CREATE COLLATION regress_docpatch_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE ci (id text COLLATE regress_docpatch_ci PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('ci');
SELECT inserted, doc FROM upsert_with_creation_ts('ci', '[{"id": "Abc", "doc": {"a": 1}}, {"id": "abc", "doc": {"b": 2}}, {"id": "ABC", "doc": {"c": 3}}]'::jsonb);
SELECT inserted, doc FROM upsert_with_creation_ts('ci', 'aBc', '{"d": 4}');
SELECT doc FROM etag_guarded_update('ci', 'ABC', NULL, '{"e": 5}');
SELECT count(*) AS rows_ FROM ci;
-- the unique index's collation counts, not only the column's
CREATE TABLE ci_index (id text COLLATE "C" NOT NULL, doc jsonb NOT NULL);
CREATE UNIQUE INDEX ON ci_index (id COLLATE regress_docpatch_ci);
SELECT docpatch_enable('ci_index');
SELECT inserted, doc FROM upsert_with_creation_ts('ci_index', '[{"id": "Key", "doc": {"a": 1}}, {"id": "KEY", "doc": {"b": 2}}]'::jsonb);
SELECT inserted, doc FROM upsert_with_creation_ts('ci_index', 'key', '{"c": 3}');
SELECT doc FROM etag_guarded_update('ci_index', 'kEy', NULL, '{"d": 4}');
SELECT id, doc FROM ci_index;

-----------------------------------------------------------------------------
-- a domain over a type with a modifier, and its check constraint (as varchar
-- keys, 'abc' and 'abc ' are two keys)
CREATE DOMAIN short_code AS varchar(4) CHECK (VALUE ~ '^[a-z ]*$');
CREATE TABLE dom (id short_code PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('dom');
SELECT inserted, doc FROM upsert_with_creation_ts('dom', '[{"id": "abc     ", "doc": {"a": 1}}, {"id": "abc", "doc": {"b": 2}}]'::jsonb);
SELECT doc FROM etag_guarded_update('dom', 'abc ', NULL, '{"c": 3}');
SELECT err($$SELECT * FROM upsert_with_creation_ts('dom', 'ABC', '{}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('dom', 'abcde', '{}')$$);

DROP TABLE n52, ts0, v5, c3, ci, ci_index, dom;
DROP DOMAIN short_code;
DROP COLLATION regress_docpatch_ci;
DROP FUNCTION rows_of(regclass);
DROP FUNCTION err(text);
