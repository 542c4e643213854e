/* docpatch--1.0--1.1.sql: update from 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION docpatch UPDATE TO '1.1'" to load this file. \quit

-- upsert_with_creation_ts computes the proposed document itself now.
DROP FUNCTION docpatch_fold_proposed(text, jsonb);

COMMENT ON FUNCTION docpatch_stamp() IS
'BEFORE INSERT OR UPDATE row trigger, the last one to fire: created_at set once, updated_at = now(), a new etag on every write (its last character tells an INSERT from an UPDATE); arguments created_at=, updated_at=, etag=, on_created_at_change=keep|error';

COMMENT ON FUNCTION docpatch_enable(regclass, name, name, name, text) IS
'adds the missing stamp columns (created_at, updated_at, etag) and the trigger zz_docpatch_stamp (renaming a stamp trigger of another name) to a table; idempotent';

-- The stamp trigger must be the last BEFORE row trigger of its table
-- (docpatch_stamp refuses to stamp otherwise); 1.0 named it docpatch_stamp,
-- which many user triggers sort after.  Every stamp trigger of another name
-- gets the name docpatch_enable now gives it, zz_docpatch_stamp, unless the
-- table already has a trigger of that name.  Tables Citus manages (and their
-- shards, where this script runs on a worker) are left to docpatch_enable,
-- which renames on the coordinator and lets Citus follow on the shards.
DO $update$
DECLARE
  stamp oid := '@extschema@.docpatch_stamp()'::pg_catalog.regprocedure;
  citus boolean := pg_catalog.to_regclass('pg_catalog.pg_dist_shard') IS NOT NULL;
  managed boolean;
  renamed int;
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgname, tg.tgrelid
    FROM pg_catalog.pg_trigger tg
    WHERE tg.tgfoid = stamp AND tg.tgparentid = 0 AND NOT tg.tgisinternal
      AND tg.tgname <> 'zz_docpatch_stamp'
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger o
                      WHERE o.tgrelid = tg.tgrelid AND o.tgname = 'zz_docpatch_stamp')
    ORDER BY tg.tgrelid, tg.tgname
  LOOP
    managed := false;
    IF citus THEN
      EXECUTE $citus$
        SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1)
            OR EXISTS (SELECT FROM pg_catalog.pg_dist_shard s
                         JOIN pg_catalog.pg_class owner ON owner.oid = s.logicalrelid
                         JOIN pg_catalog.pg_class shard ON shard.oid = $1
                        WHERE shard.relname = owner.relname || '_' || s.shardid
                          AND shard.relnamespace = owner.relnamespace)
      $citus$ INTO managed USING t.tgrelid;
    END IF;
    IF NOT managed THEN
      EXECUTE pg_catalog.format('ALTER TRIGGER %I ON %s RENAME TO zz_docpatch_stamp',
                                t.tgname, t.tgrelid::pg_catalog.regclass);
    END IF;
  END LOOP;
  -- PostgreSQL 14 renames the trigger of a partitioned table only: the
  -- clones on its partitions follow here, one level of partitions per
  -- round (15 and later rename them all themselves).
  LOOP
    renamed := 0;
    FOR t IN
      SELECT c.tgname, c.tgrelid
      FROM pg_catalog.pg_trigger c
      JOIN pg_catalog.pg_trigger p ON p.oid = c.tgparentid
      WHERE c.tgfoid = stamp AND p.tgname = 'zz_docpatch_stamp' AND c.tgname <> p.tgname
      ORDER BY c.tgrelid
    LOOP
      EXECUTE pg_catalog.format('ALTER TRIGGER %I ON %s RENAME TO zz_docpatch_stamp',
                                t.tgname, t.tgrelid::pg_catalog.regclass);
      renamed := renamed + 1;
    END LOOP;
    EXIT WHEN renamed = 0;
  END LOOP;
END
$update$;
