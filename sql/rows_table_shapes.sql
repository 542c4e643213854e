-- Table shapes (issue 17, "Verify, don't rule out"): before a row function
-- writes, it has verified every relation its statement can write -- the
-- table and every partition at every level -- and it follows them in its
-- plan cache: a change to any of them, or a new child, is seen by the next
-- call of the same session.  docpatch_enable repairs a stamp trigger that
-- drifted, or refuses.  Findings F1, F2, F3, F5 and F10.
\set VERBOSITY default
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- the stamp triggers of a table and its partitions: enabled how, fires for
-- which columns, when
CREATE FUNCTION stamps_of(tbl regclass) RETURNS TABLE(rel regclass, enabled "char", columns text, has_when boolean)
LANGUAGE sql AS $$
  SELECT tgrelid::regclass, tgenabled, array_to_string(tgattr, ','), tgqual IS NOT NULL
  FROM pg_trigger
  WHERE tgname = 'zz_docpatch_stamp'
    AND tgrelid IN (SELECT relid FROM pg_partition_tree(tbl) UNION SELECT tbl)
  ORDER BY tgrelid::regclass::text
$$;

-----------------------------------------------------------------------------
-- F1: inheritance.  A child made after docpatch_enable has no stamp
-- trigger, and PostgreSQL keeps the key unique in each table only: a table
-- with inheritance children is refused (0A000), also when the plans were
-- cached before the child came.
CREATE TABLE par (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('par');
SELECT inserted, doc FROM upsert_with_creation_ts('par', '1', '{"v": 0}');
SELECT doc FROM etag_guarded_update('par', '1', NULL, '{"v": 1}');
CREATE TABLE kid () INHERITS (par);
INSERT INTO kid VALUES (1, '{"kid": true}', now(), now(), 'kid-etag');
SELECT err($$SELECT * FROM etag_guarded_update('par', '1', NULL, '{"v": 2}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('par', '1', 'kid-etag', '{"v": 2}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('par', '1', '{"v": 2}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('par', '2', '{"v": 2}')$$);
-- nothing was written: one row in each table, the child's etag kept
SELECT tableoid::regclass AS tbl, id, doc, etag = 'kid-etag' AS kid_etag FROM par ORDER BY 1;
SELECT * FROM etag_guarded_update('par', '1', NULL, '{"v": 2}');
-- the child on its own is a table like any other
ALTER TABLE kid ADD PRIMARY KEY (id);
SELECT docpatch_enable('kid');
SELECT doc FROM etag_guarded_update('kid', '1', 'kid-etag', '{"kid": "patched"}');
SELECT tableoid::regclass AS tbl, id, doc FROM par ORDER BY 1;
-- without the child, the parent works again; with it again (ALTER TABLE ...
-- INHERIT, after the plans were cached), it is refused again
ALTER TABLE kid NO INHERIT par;
SELECT doc FROM etag_guarded_update('par', '1', NULL, '{"v": 3}');
SELECT inserted, doc FROM upsert_with_creation_ts('par', '1', '{"w": 3}');
ALTER TABLE kid INHERIT par;
SELECT err($$SELECT * FROM etag_guarded_update('par', '1', NULL, '{"v": 4}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('par', '1', '{"v": 4}')$$);
DROP TABLE kid;
SELECT doc FROM etag_guarded_update('par', '1', NULL, '{"v": 5}');

-----------------------------------------------------------------------------
-- F2: partitions at two levels.  A partition whose copy of the stamp trigger
-- is disabled, or fires on replicas only, is refused -- named, whichever
-- partition the row is in -- and docpatch_enable enables it again.
CREATE TABLE pt (id int PRIMARY KEY, doc jsonb NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10);
CREATE TABLE pt_2 PARTITION OF pt FOR VALUES FROM (10) TO (100) PARTITION BY RANGE (id);
CREATE TABLE pt_2a PARTITION OF pt_2 FOR VALUES FROM (10) TO (50);
CREATE TABLE pt_2b PARTITION OF pt_2 FOR VALUES FROM (50) TO (100);
SELECT docpatch_enable('pt');
SELECT * FROM stamps_of('pt');
SELECT inserted, doc FROM upsert_with_creation_ts('pt', '[{"id": 1, "doc": {}}, {"id": 20, "doc": {}}, {"id": 60, "doc": {}}]'::jsonb);
SELECT doc FROM etag_guarded_update('pt', '1', NULL, '{"v": 1}');
ALTER TABLE pt_1 DISABLE TRIGGER zz_docpatch_stamp;
SELECT etag AS etag_1 FROM pt WHERE id = 1 \gset
SELECT err($$SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 2}')$$);
SELECT err(format($$SELECT * FROM etag_guarded_update('pt', '1', %L, '{"v": 2}')$$, :'etag_1'));
SELECT err($$SELECT * FROM etag_guarded_update('pt', '60', NULL, '{"v": 2}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('pt', '1', '{"v": 2}')$$);
SELECT etag = :'etag_1' AS etag_kept, doc FROM pt WHERE id = 1;
SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 2}');
SELECT docpatch_enable('pt');
SELECT * FROM stamps_of('pt');
SELECT doc, etag <> :'etag_1' AS new_etag FROM etag_guarded_update('pt', '1', :'etag_1', '{"v": 2}');
SELECT err(format($$SELECT * FROM etag_guarded_update('pt', '1', %L, '{"v": 3}')$$, :'etag_1'));
-- a second-level partition, disabled
ALTER TABLE pt_2a DISABLE TRIGGER zz_docpatch_stamp;
SELECT err($$SELECT * FROM upsert_with_creation_ts('pt', '60', '{"v": 3}')$$);
-- replica-only: it does not fire in this session
ALTER TABLE pt_2a ENABLE TRIGGER zz_docpatch_stamp;
ALTER TABLE pt_2b ENABLE REPLICA TRIGGER zz_docpatch_stamp;
SELECT err($$SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 4}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('pt', '20', '{"v": 4}')$$);
-- under session_replication_role = replica, the partitions enabled for
-- origin do not fire: the first is named
SET session_replication_role = replica;
SELECT err($$SELECT * FROM etag_guarded_update('pt', '60', NULL, '{"v": 4}')$$);
RESET session_replication_role;
SELECT docpatch_enable('pt');
SELECT * FROM stamps_of('pt');
SELECT doc FROM etag_guarded_update('pt', '60', NULL, '{"v": 4}');
-- a table enabled for replicas as a whole keeps it: docpatch_enable makes
-- the partitions follow the table
ALTER TABLE pt ENABLE ALWAYS TRIGGER zz_docpatch_stamp;
ALTER TABLE pt_2b ENABLE TRIGGER zz_docpatch_stamp;
SELECT docpatch_enable('pt');
SELECT * FROM stamps_of('pt');
SET session_replication_role = replica;
SELECT doc FROM etag_guarded_update('pt', '60', NULL, '{"v": 5}');
RESET session_replication_role;
ALTER TABLE pt ENABLE TRIGGER zz_docpatch_stamp;
SELECT docpatch_enable('pt');
SELECT * FROM stamps_of('pt');
-- a partition whose own stamp trigger, with other arguments, stands in for
-- its disabled copy of the table's
ALTER TABLE pt_1 DISABLE TRIGGER zz_docpatch_stamp;
CREATE TRIGGER a_own_stamp BEFORE INSERT OR UPDATE ON pt_1
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp('on_created_at_change=error');
SELECT err($$SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 6}')$$);
DROP TRIGGER a_own_stamp ON pt_1;
SELECT docpatch_enable('pt');
-- a partition attached after the plans were cached is verified by the next
-- call: this one has a BEFORE trigger that fires after the stamp
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE pt_3 (LIKE pt);
CREATE TRIGGER zzz_touch BEFORE UPDATE ON pt_3 FOR EACH ROW EXECUTE FUNCTION touch();
SELECT doc FROM etag_guarded_update('pt', '1', NULL, '{"v": 6}');
ALTER TABLE pt ATTACH PARTITION pt_3 FOR VALUES FROM (100) TO (200);
SELECT err($$SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 7}')$$);
ALTER TABLE pt DETACH PARTITION pt_3;
SELECT doc FROM etag_guarded_update('pt', '1', NULL, '{"v": 7}');
-- and one created as a partition of a partition, likewise
CREATE TABLE pt_2c PARTITION OF pt_2 FOR VALUES FROM (100) TO (110);
ALTER TABLE pt_2c DISABLE TRIGGER zz_docpatch_stamp;
SELECT err($$SELECT * FROM upsert_with_creation_ts('pt', '1', '{"v": 8}')$$);
DROP TABLE pt_2c, pt_3;

-----------------------------------------------------------------------------
-- F3: a stamp trigger with a column list or a WHEN condition skips writes;
-- the row functions refuse it, docpatch_enable re-creates it.
CREATE TABLE f3 (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('f3');
SELECT inserted FROM upsert_with_creation_ts('f3', '1', '{"v": 0}');
CREATE OR REPLACE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE OF created_at ON f3
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
SELECT * FROM stamps_of('f3');
SELECT err($$SELECT * FROM etag_guarded_update('f3', '1', NULL, '{"v": 1}')$$);
SELECT err($$SELECT * FROM upsert_with_creation_ts('f3', '1', '{"v": 1}')$$);
SELECT docpatch_enable('f3');
SELECT * FROM stamps_of('f3');
SELECT doc FROM etag_guarded_update('f3', '1', NULL, '{"v": 1}');
-- WHEN (false), by a role that has only the TRIGGER privilege
CREATE ROLE regress_docpatch_trigger_only;
GRANT TRIGGER ON f3 TO regress_docpatch_trigger_only;
SET ROLE regress_docpatch_trigger_only;
CREATE OR REPLACE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON f3
  FOR EACH ROW WHEN (false) EXECUTE FUNCTION docpatch_stamp();
RESET ROLE;
SELECT * FROM stamps_of('f3');
SELECT err($$SELECT * FROM upsert_with_creation_ts('f3', '1', '{"v": 2}')$$);
SELECT * FROM upsert_with_creation_ts('f3', '1', '{"v": 2}');
-- the same role may re-create it (CREATE OR REPLACE TRIGGER needs TRIGGER)
SET ROLE regress_docpatch_trigger_only;
SELECT docpatch_enable('f3');
RESET ROLE;
SELECT * FROM stamps_of('f3');
SELECT inserted, doc FROM upsert_with_creation_ts('f3', '1', '{"v": 2}');
-- on a partitioned table, the copies follow the table's trigger
CREATE OR REPLACE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON pt
  FOR EACH ROW WHEN (NEW.doc IS NULL) EXECUTE FUNCTION docpatch_stamp();
SELECT err($$SELECT * FROM etag_guarded_update('pt', '60', NULL, '{"v": 9}')$$);
SELECT docpatch_enable('pt');
SELECT * FROM stamps_of('pt');
SELECT doc FROM etag_guarded_update('pt', '60', NULL, '{"v": 9}');
REVOKE ALL ON f3 FROM regress_docpatch_trigger_only;
DROP ROLE regress_docpatch_trigger_only;

-----------------------------------------------------------------------------
-- F5: a generated stamp column is computed after the BEFORE triggers:
-- docpatch_enable does not adopt it, the row functions refuse it.
CREATE TABLE f5 (id int PRIMARY KEY, doc jsonb NOT NULL,
                 etag text GENERATED ALWAYS AS (md5(doc::text)) STORED);
SELECT err($$SELECT docpatch_enable('f5')$$);
SELECT count(*) AS stamp_triggers FROM pg_trigger WHERE tgrelid = 'f5'::regclass;
-- the trigger made by hand
ALTER TABLE f5 ADD COLUMN created_at timestamptz, ADD COLUMN updated_at timestamptz;
CREATE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON f5 FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
SELECT err($$SELECT * FROM upsert_with_creation_ts('f5', '1', '{"v": 1}')$$);
SELECT err($$SELECT * FROM etag_guarded_update('f5', '1', NULL, '{"v": 1}')$$);
SELECT err($$SELECT docpatch_enable('f5')$$);
SELECT * FROM upsert_with_creation_ts('f5', '1', '{"v": 1}');

-----------------------------------------------------------------------------
-- F10: a stamp column in a key, a unique index or an exclusion constraint.
CREATE TABLE f10 (id text PRIMARY KEY, doc jsonb NOT NULL);
SELECT err($$SELECT docpatch_enable('f10', etag => 'id')$$);
SELECT count(*) AS stamp_triggers FROM pg_trigger WHERE tgrelid = 'f10'::regclass;
SELECT docpatch_enable('f10');
SELECT inserted FROM upsert_with_creation_ts('f10', 'a', '{}');
CREATE UNIQUE INDEX f10_etag ON f10 (etag);
SELECT err($$SELECT * FROM upsert_with_creation_ts('f10', 'a', '{"v": 1}')$$);
SELECT err($$SELECT docpatch_enable('f10')$$);
DROP INDEX f10_etag;
-- an index on an expression or with a predicate that reads the column
CREATE UNIQUE INDEX f10_lower_etag ON f10 (lower(etag));
SELECT err($$SELECT * FROM etag_guarded_update('f10', 'a', NULL, '{"v": 1}')$$);
DROP INDEX f10_lower_etag;
CREATE UNIQUE INDEX f10_recent ON f10 (id) WHERE updated_at > '2000-01-01';
SELECT err($$SELECT * FROM etag_guarded_update('f10', 'a', NULL, '{"v": 1}')$$);
DROP INDEX f10_recent;
-- a plain index, or one that only INCLUDEs the column, is fine
CREATE INDEX f10_plain ON f10 (etag);
CREATE UNIQUE INDEX f10_covering ON f10 (id) INCLUDE (etag);
SELECT doc FROM etag_guarded_update('f10', 'a', NULL, '{"v": 1}');
-- a partition's own unique index
CREATE UNIQUE INDEX pt_2b_updated ON pt_2b (updated_at);
SELECT err($$SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 10}')$$);
SELECT err($$SELECT docpatch_enable('pt')$$);
SELECT * FROM etag_guarded_update('pt', '1', NULL, '{"v": 10}');
DROP INDEX pt_2b_updated;
SELECT doc FROM etag_guarded_update('pt', '1', NULL, '{"v": 10}');

DROP TABLE par, pt, f3, f5, f10;
DROP FUNCTION err(text), stamps_of(regclass), touch();
