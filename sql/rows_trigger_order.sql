-- The stamp trigger is the last BEFORE row trigger to touch a row: no user
-- trigger can rewrite created_at or plant an etag after it.  PostgreSQL fires
-- the triggers of one event in the byte order of their names;
-- docpatch_enable names the stamp trigger zz_docpatch_stamp (renaming an
-- existing one), and a table where an enabled BEFORE row trigger would still
-- fire after it refuses writes.  (Finding 10 of issue 12.)
\set VERBOSITY default
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION forge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.etag := 'forged';
  NEW.created_at := '1970-01-01 00:00:00+00';
  RETURN NEW;
END $$;
CREATE FUNCTION triggers_of(tbl regclass) RETURNS TABLE(tgname name, enabled "char") LANGUAGE sql AS $$
  SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = tbl AND NOT tgisinternal ORDER BY tgname
$$;

CREATE TABLE t (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('t');
SELECT * FROM triggers_of('t');
INSERT INTO t (id, doc) VALUES (1, '{}');

-- a user trigger that sorts before the stamp: what it writes into the stamp
-- columns is overwritten, so a forged etag never matches
CREATE TRIGGER forge BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION forge();
UPDATE t SET doc = '{"v": 1}' WHERE id = 1;
SELECT etag <> 'forged' AS not_forged, created_at <> '1970-01-01 00:00:00+00' AS created_kept FROM t;
SELECT err($$SELECT * FROM etag_guarded_update('t', '1', 'forged', '{"v": 2}')$$);
DROP TRIGGER forge ON t;

-- a user BEFORE row trigger that sorts after it: every write is refused, by
-- the stamp trigger and by the row functions, until it is renamed
CREATE TRIGGER zzz_forge BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION forge();
SELECT err($$UPDATE t SET doc = '{"v": 3}' WHERE id = 1$$);
SELECT err($$SELECT * FROM etag_guarded_update('t', '1', 'forged', '{"v": 3}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('t', '1', '{"v": 3}')$$);
-- (an INSERT is not an event it fires for)
INSERT INTO t (id, doc) VALUES (2, '{}');
-- disabled, it does not fire: writes work again
ALTER TABLE t DISABLE TRIGGER zzz_forge;
SELECT doc FROM etag_guarded_update('t', '1', NULL, '{"v": 4}');
ALTER TABLE t ENABLE TRIGGER zzz_forge;
SELECT err($$UPDATE t SET doc = '{"v": 5}' WHERE id = 1$$);
ALTER TRIGGER zzz_forge ON t RENAME TO a_forge;
SELECT doc FROM etag_guarded_update('t', '1', NULL, '{"v": 5}');
SELECT etag <> 'forged' AS not_forged, created_at <> '1970-01-01 00:00:00+00' AS created_kept FROM t WHERE id = 1;
DROP TRIGGER a_forge ON t;
-- AFTER triggers and statement triggers may sort anywhere
CREATE FUNCTION nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER zzz_after AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION nothing();
CREATE TRIGGER zzz_statement BEFORE UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION nothing();
SELECT doc FROM etag_guarded_update('t', '1', NULL, '{"v": 6}');
DROP TRIGGER zzz_after ON t;
DROP TRIGGER zzz_statement ON t;
-- a second stamp trigger is a trigger after the first one
CREATE TRIGGER zzz_second_stamp BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
SELECT err($$UPDATE t SET doc = '{"v": 7}' WHERE id = 1$$);
DROP TRIGGER zzz_second_stamp ON t;

-----------------------------------------------------------------------------
-- docpatch_enable renames a stamp trigger of another name (as version 1.0
-- named it, or as a user named it) to zz_docpatch_stamp, with the arguments
-- the call gives
CREATE TABLE old_style (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('old_style');
ALTER TRIGGER zz_docpatch_stamp ON old_style RENAME TO docpatch_stamp;
CREATE TRIGGER set_defaults BEFORE INSERT OR UPDATE ON old_style FOR EACH ROW EXECUTE FUNCTION forge();
SELECT * FROM triggers_of('old_style');
SELECT err($$INSERT INTO old_style (id, doc) VALUES (1, '{}')$$);
SELECT docpatch_enable('old_style', on_created_at_change => 'error');
SELECT * FROM triggers_of('old_style');
SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'old_style'::regclass AND tgname = 'zz_docpatch_stamp';
INSERT INTO old_style (id, doc) VALUES (1, '{}');
SELECT etag <> 'forged' AS not_forged FROM old_style;
-- a trigger named zz_docpatch_stamp that runs another function is refused
CREATE TABLE taken (id int PRIMARY KEY, doc jsonb NOT NULL);
CREATE TRIGGER zz_docpatch_stamp BEFORE INSERT ON taken FOR EACH ROW EXECUTE FUNCTION forge();
SELECT err($$SELECT docpatch_enable('taken')$$);

-----------------------------------------------------------------------------
-- partitions: the clones are renamed with the parent, and a BEFORE trigger
-- created on one partition after the stamp's clone refuses that
-- partition's plain writes only; the row functions, which verify every
-- partition their statements can write, refuse the table
CREATE TABLE parted (id int PRIMARY KEY, doc jsonb) PARTITION BY RANGE (id);
CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM (10) TO (20);
SELECT docpatch_enable('parted');
ALTER TRIGGER zz_docpatch_stamp ON parted RENAME TO docpatch_stamp;
SELECT docpatch_enable('parted');
SELECT tgrelid::regclass AS tbl, tgname FROM pg_trigger WHERE tgrelid IN ('parted'::regclass, 'parted_a'::regclass, 'parted_b'::regclass) ORDER BY 1, 2;
CREATE TRIGGER zzz_forge BEFORE INSERT ON parted_b FOR EACH ROW EXECUTE FUNCTION forge();
SELECT err($$SELECT * FROM upsert_with_creation_ts('parted', '1', '{"a": 1}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('parted', '11', '{"b": 1}')$$);
INSERT INTO parted (id, doc) VALUES (1, '{"a": 1}');
SELECT err($$INSERT INTO parted (id, doc) VALUES (11, '{"b": 1}')$$);
SELECT count(*) AS forged FROM parted WHERE etag = 'forged';

DROP TABLE t, old_style, taken, parted;
DROP FUNCTION forge(), nothing(), triggers_of(regclass), err(text);
