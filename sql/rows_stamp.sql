-- docpatch_stamp(): created_at / updated_at / etag maintenance, and
-- docpatch_enable / docpatch_disable.
\set VERBOSITY default
-- err(statement): the SQLSTATE and message the statement fails with
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- an etag: 22 characters of base64url (128 random bits)
SELECT docpatch_new_etag() ~ '^[A-Za-z0-9_-]{22}$' AS etag_format;

-----------------------------------------------------------------------------
-- the trigger on the default columns
CREATE TABLE notes (id int PRIMARY KEY, doc jsonb NOT NULL,
                    created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON notes
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();

-- INSERT: created_at defaults to now(), updated_at = now(), a fresh etag;
-- an etag the client writes is overwritten
BEGIN;
INSERT INTO notes (id, doc) VALUES (1, '{"title": "one"}');
INSERT INTO notes (id, doc, etag) VALUES (2, '{"title": "two"}', 'client-etag');
SELECT id, created_at = now() AS created_now, updated_at = now() AS updated_now,
       etag ~ '^[A-Za-z0-9_-]{22}$' AS etag_format, etag <> 'client-etag' AS etag_overwritten
FROM notes ORDER BY id;
COMMIT;

-- INSERT with an explicit created_at keeps it
BEGIN;
INSERT INTO notes (id, doc, created_at) VALUES (3, '{}', '2020-01-02 03:04:05+00');
SELECT created_at = '2020-01-02 03:04:05+00' AS created_given, updated_at = now() AS updated_now
FROM notes WHERE id = 3;
COMMIT;

-- UPDATE: created_at keeps its old value whatever the statement says
-- (silently: ORMs write every column); updated_at = now(); a new etag
SELECT etag AS etag_before FROM notes WHERE id = 3 \gset
BEGIN;
UPDATE notes SET doc = '{"v": 2}', created_at = '1999-12-31 00:00:00+00', etag = 'mine',
                 updated_at = '1999-12-31 00:00:00+00'
WHERE id = 3;
SELECT created_at = '2020-01-02 03:04:05+00' AS created_kept, updated_at = now() AS updated_now,
       etag <> :'etag_before' AS etag_changed, etag <> 'mine' AS etag_not_client
FROM notes WHERE id = 3;
COMMIT;
-- setting created_at to NULL is ignored too
UPDATE notes SET created_at = NULL WHERE id = 3;
SELECT created_at = '2020-01-02 03:04:05+00' AS created_kept FROM notes WHERE id = 3;

-- every write gets a new etag, even one that changes nothing
SELECT etag AS etag_before FROM notes WHERE id = 1 \gset
UPDATE notes SET doc = doc WHERE id = 1;
SELECT etag <> :'etag_before' AS new_etag FROM notes WHERE id = 1;

-- etags are never repeated: 2000 writes of one row, 2000 distinct etags
CREATE TEMP TABLE seen (etag text);
DO $$
DECLARE e text;
BEGIN
  FOR i IN 1..2000 LOOP
    UPDATE notes SET doc = jsonb_build_object('i', i) WHERE id = 1 RETURNING etag INTO e;
    INSERT INTO seen VALUES (e);
  END LOOP;
END $$;
SELECT count(*) AS writes, count(DISTINCT etag) AS distinct_etags FROM seen;
-- not even after a delete and a re-insert of the same key
SELECT etag AS etag_before FROM notes WHERE id = 2 \gset
DELETE FROM notes WHERE id = 2;
INSERT INTO notes (id, doc) VALUES (2, '{"title": "two"}');
SELECT etag <> :'etag_before' AS new_etag_after_reinsert FROM notes WHERE id = 2;

-- multi-row statements stamp every row, each with its own etag
UPDATE notes SET doc = doc || '{"bulk": true}';
SELECT count(*) AS rows_, count(DISTINCT etag) AS distinct_etags FROM notes;

-----------------------------------------------------------------------------
-- on_created_at_change=error: an UPDATE that changes created_at is refused
CREATE TABLE strict_notes (id int PRIMARY KEY, doc jsonb,
                           created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON strict_notes
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp('on_created_at_change=error');
INSERT INTO strict_notes (id, doc, created_at) VALUES (1, '{}', '2020-01-01 00:00:00+00');
UPDATE strict_notes SET created_at = '2021-01-01 00:00:00+00' WHERE id = 1;
SELECT err($$UPDATE strict_notes SET created_at = NULL WHERE id = 1$$);
-- writing back the same value, or leaving it out, is fine
UPDATE strict_notes SET doc = '{"a": 1}', created_at = '2020-01-01 00:00:00+00' WHERE id = 1;
UPDATE strict_notes SET doc = '{"a": 2}' WHERE id = 1;
SELECT doc, created_at = '2020-01-01 00:00:00+00' AS created_kept FROM strict_notes;
-- on_created_at_change=keep is the default, spelled out
DROP TRIGGER stamp ON notes;
CREATE TRIGGER stamp2 BEFORE INSERT OR UPDATE ON notes
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp('on_created_at_change=keep');
UPDATE notes SET created_at = now() - interval '1 day' WHERE id = 3;
SELECT created_at = '2020-01-02 03:04:05+00' AS created_kept FROM notes WHERE id = 3;
DROP TRIGGER stamp2 ON notes;
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON notes
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();

-----------------------------------------------------------------------------
-- trigger arguments name other columns
CREATE TABLE custom ("Key" text PRIMARY KEY, body jsonb,
                     inserted_on timestamptz, "Changed On" timestamptz, version_tag text);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON custom FOR EACH ROW
  EXECUTE FUNCTION docpatch_stamp('created_at=inserted_on', 'updated_at=Changed On', 'etag=version_tag');
BEGIN;
INSERT INTO custom ("Key", body) VALUES ('k', '{}');
SELECT inserted_on = now() AS created_now, "Changed On" = now() AS updated_now,
       version_tag ~ '^[A-Za-z0-9_-]{22}$' AS etag_format
FROM custom;
COMMIT;

-----------------------------------------------------------------------------
-- missing or wrongly typed columns: a clear error naming the column
CREATE TABLE no_etag (id int PRIMARY KEY, created_at timestamptz, updated_at timestamptz);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON no_etag FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
INSERT INTO no_etag (id) VALUES (1);
CREATE TABLE bad_types (id int PRIMARY KEY, created_at timestamp, updated_at timestamptz, etag int);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON bad_types FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
INSERT INTO bad_types (id) VALUES (1);
SELECT err($$INSERT INTO custom ("Key", body) VALUES ('x', '{}')$$) AS still_fine;
CREATE TABLE named_missing (id int PRIMARY KEY, created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON named_missing FOR EACH ROW
  EXECUTE FUNCTION docpatch_stamp('etag=version');
SELECT err($$INSERT INTO named_missing (id) VALUES (1)$$);
-- malformed trigger arguments (DP005)
CREATE TABLE bad_args (id int PRIMARY KEY, created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON bad_args FOR EACH ROW
  EXECUTE FUNCTION docpatch_stamp('created=x');
INSERT INTO bad_args (id) VALUES (1);
DROP TRIGGER stamp ON bad_args;
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON bad_args FOR EACH ROW
  EXECUTE FUNCTION docpatch_stamp('etag');
SELECT err($$INSERT INTO bad_args (id) VALUES (1)$$);
DROP TRIGGER stamp ON bad_args;
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON bad_args FOR EACH ROW
  EXECUTE FUNCTION docpatch_stamp('on_created_at_change=ignore');
SELECT err($$INSERT INTO bad_args (id) VALUES (1)$$);
DROP TRIGGER stamp ON bad_args;
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON bad_args FOR EACH ROW
  EXECUTE FUNCTION docpatch_stamp('etag=created_at');
SELECT err($$INSERT INTO bad_args (id) VALUES (1)$$);
DROP TRIGGER stamp ON bad_args;
-- fired the wrong way (39P01)
CREATE TRIGGER stamp AFTER INSERT ON bad_args FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
INSERT INTO bad_args (id) VALUES (1);
DROP TRIGGER stamp ON bad_args;
CREATE TRIGGER stamp BEFORE INSERT ON bad_args FOR EACH STATEMENT EXECUTE FUNCTION docpatch_stamp();
SELECT err($$INSERT INTO bad_args (id) VALUES (1)$$);
DROP TRIGGER stamp ON bad_args;
CREATE TRIGGER stamp BEFORE DELETE ON bad_args FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
INSERT INTO bad_args (id) VALUES (1);
SELECT err($$DELETE FROM bad_args$$);
DROP TRIGGER stamp ON bad_args;

-----------------------------------------------------------------------------
-- the column numbers are cached per trigger and follow ALTER TABLE
CREATE TABLE altered (id int PRIMARY KEY, created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON altered FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
INSERT INTO altered (id) VALUES (1);
-- the etag column moves to another attribute number
ALTER TABLE altered DROP COLUMN etag;
SELECT err($$INSERT INTO altered (id) VALUES (2)$$);
ALTER TABLE altered ADD COLUMN note text, ADD COLUMN etag text;
INSERT INTO altered (id, note) VALUES (2, 'kept');
SELECT id, note, etag ~ '^[A-Za-z0-9_-]{22}$' AS etag_format FROM altered ORDER BY id;
-- a renamed column, then a retyped one
ALTER TABLE altered RENAME COLUMN updated_at TO modified_at;
SELECT err($$UPDATE altered SET note = 'x'$$);
ALTER TABLE altered RENAME COLUMN modified_at TO updated_at;
ALTER TABLE altered ALTER COLUMN etag TYPE varchar(40);
SELECT err($$UPDATE altered SET note = 'x'$$);
ALTER TABLE altered ALTER COLUMN etag TYPE text;
BEGIN;
UPDATE altered SET note = 'y';
SELECT id, updated_at = now() AS updated_now, etag ~ '^[A-Za-z0-9_-]{22}$' AS etag_format
FROM altered ORDER BY id;
COMMIT;

-----------------------------------------------------------------------------
-- docpatch_enable: adds the missing columns and the trigger in one call
CREATE TABLE plain (id int PRIMARY KEY, doc jsonb);
INSERT INTO plain SELECT i, jsonb_build_object('n', i) FROM generate_series(1, 50) i;
SELECT docpatch_enable('plain');
SELECT attname, format_type(atttypid, atttypmod), attnotnull, pg_get_expr(adbin, adrelid) AS default_
FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
WHERE attrelid = 'plain'::regclass AND attnum > 0 ORDER BY attnum;
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'plain'::regclass;
-- existing rows got the stamps, each its own etag
SELECT count(*) AS rows_, count(DISTINCT etag) AS distinct_etags,
       bool_and(etag ~ '^[A-Za-z0-9_-]{22}$') AS etag_format,
       bool_and(created_at IS NOT NULL AND updated_at IS NOT NULL) AS stamped
FROM plain;
-- idempotent: a second call changes nothing
SELECT etag AS etag_before FROM plain WHERE id = 1 \gset
SELECT docpatch_enable('plain');
SELECT count(*) AS columns_ FROM pg_attribute WHERE attrelid = 'plain'::regclass AND attnum > 0;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'plain'::regclass;
SELECT etag = :'etag_before' AS rows_untouched FROM plain WHERE id = 1;
-- the trigger works
UPDATE plain SET doc = '{"n": 0}' WHERE id = 1;
SELECT etag <> :'etag_before' AS new_etag FROM plain WHERE id = 1;
-- custom names and the strict mode replace the trigger, whatever its name:
-- it is renamed zz_docpatch_stamp
ALTER TRIGGER zz_docpatch_stamp ON plain RENAME TO my_stamp;
SELECT docpatch_enable('plain', created_at => 'born', etag => 'tag', on_created_at_change => 'error');
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'plain'::regclass;
SELECT attname FROM pg_attribute WHERE attrelid = 'plain'::regclass AND attnum > 0 ORDER BY attnum;
SELECT err($$UPDATE plain SET born = '2000-01-01' WHERE id = 1$$);
-- columns that exist keep their definition; a wrong type is refused
CREATE TABLE typed (id int PRIMARY KEY, etag uuid);
SELECT docpatch_enable('typed');
-- not a table, a foreign trigger of the same name, bad arguments
CREATE VIEW plain_view AS SELECT * FROM plain;
SELECT err($$SELECT docpatch_enable('plain_view')$$);
CREATE FUNCTION other_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE taken (id int PRIMARY KEY);
CREATE TRIGGER zz_docpatch_stamp BEFORE INSERT ON taken FOR EACH ROW EXECUTE FUNCTION other_trigger();
SELECT docpatch_enable('taken');
SELECT err($$SELECT docpatch_enable('typed', on_created_at_change => 'sometimes')$$);
SELECT err($$SELECT docpatch_enable('typed', created_at => 'stamp', updated_at => 'stamp')$$);
SELECT err($$SELECT docpatch_enable(NULL)$$);
-- docpatch_disable removes the trigger and keeps the columns; idempotent
SELECT docpatch_disable('plain');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'plain'::regclass;
SELECT count(*) AS columns_ FROM pg_attribute WHERE attrelid = 'plain'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT docpatch_disable('plain');
UPDATE plain SET etag = 'by hand' WHERE id = 1;
SELECT etag FROM plain WHERE id = 1;
-- enable again
SELECT docpatch_enable('plain');
UPDATE plain SET doc = '{}' WHERE id = 1;
SELECT etag <> 'by hand' AS stamped_again FROM plain WHERE id = 1;

-- a partitioned table: the trigger is cloned to the partitions
CREATE TABLE parted (id int PRIMARY KEY, doc jsonb) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
SELECT docpatch_enable('parted');
BEGIN;
INSERT INTO parted (id, doc) VALUES (1, '{}');
SELECT created_at = now() AS created_now, etag ~ '^[A-Za-z0-9_-]{22}$' AS etag_format FROM parted;
COMMIT;
SELECT docpatch_disable('parted');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid IN ('parted'::regclass, 'parted_1'::regclass);

DROP TABLE notes, strict_notes, custom, no_etag, bad_types, named_missing, bad_args, altered,
           plain CASCADE;
DROP TABLE typed, taken, parted;
DROP FUNCTION other_trigger();
DROP FUNCTION err(text);
