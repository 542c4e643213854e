-- docpatch_enable and docpatch_disable on Citus tables, with
-- citus.enable_unsafe_triggers as Citus installs it (off): the trigger
-- reaches every shard and every copy, the stamp columns it adds hold the same
-- values on every copy, the messages name the table the user named, and a
-- table distributed after docpatch_enable keeps its etags when the
-- documented steps are followed (docs/citus.md).
\pset format unaligned
SET client_min_messages = warning;
\set VERBOSITY terse
\set SHOW_CONTEXT never
CREATE SCHEMA cen;
SET search_path = cen, public;
SHOW citus.enable_unsafe_triggers;

CREATE FUNCTION err(statement text) RETURNS text LANGUAGE sql AS $$ SELECT citus_suite.try(statement) $$;

-- The shards (and copies) of tbl that have no enabled docpatch_stamp
-- trigger, and those that have more than one.
CREATE FUNCTION shards_without_stamp(tbl regclass) RETURNS TABLE(shardid bigint, nodeport int, stamp_triggers text)
LANGUAGE sql AS $$
  SELECT shardid, nodeport, result FROM run_command_on_placements(tbl,
    $q$SELECT count(*) FROM pg_trigger WHERE tgrelid = '%s'::regclass AND tgenabled <> 'D'
         AND tgfoid = 'public.docpatch_stamp'::regproc$q$)
  WHERE result <> '1' ORDER BY 1, 2
$$;

-----------------------------------------------------------------------------
-- A hash-distributed table
CREATE TABLE items (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_distributed_table('items', 'id', shard_count => 4);
INSERT INTO items SELECT g, jsonb_build_object('n', g) FROM generate_series(1, 8) g;
SELECT err($$SELECT docpatch_enable('items')$$) AS docpatch_enable;
SHOW citus.enable_unsafe_triggers;
SELECT * FROM shards_without_stamp('items');
SELECT count(*) AS rows, count(DISTINCT etag) AS etags, bool_and(created_at = updated_at) AS created_is_updated FROM items;
SELECT inserted, doc FROM upsert_with_creation_ts('items', '9', '{"n": 9}');
SELECT etag AS e9 FROM items WHERE id = 9 \gset
SELECT doc FROM etag_guarded_update('items', '9', :'e9', '[{"op": "incr", "path": "/n", "value": 1}]', 'ops');
-- enabling again changes nothing
SELECT etag AS e9 FROM items WHERE id = 9 \gset
SELECT err($$SELECT docpatch_enable('items')$$) AS docpatch_enable_again;
SELECT etag = :'e9' AS etag_kept FROM items WHERE id = 9;
SELECT * FROM shards_without_stamp('items');
-- disabling removes the trigger from every shard
SELECT err($$SELECT docpatch_disable('items')$$) AS docpatch_disable;
SELECT count(*) AS shards_without_stamp FROM shards_without_stamp('items');
SELECT err($$SELECT * FROM etag_guarded_update('items', '9', NULL, '{}')$$) AS guarded_update_without_trigger;
SELECT err($$SELECT docpatch_enable('items')$$) AS docpatch_enable_back;
SELECT * FROM shards_without_stamp('items');

-- the trigger's messages name the table, not a shard
CREATE TABLE strict (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_distributed_table('strict', 'id', shard_count => 4);
CREATE TABLE broken (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_distributed_table('broken', 'id', shard_count => 4);
SELECT docpatch_enable('strict', on_created_at_change => 'error');
SELECT docpatch_enable('broken');
ALTER TABLE broken DROP COLUMN etag;
INSERT INTO strict (id, doc) VALUES (1, '{}');
\set VERBOSITY default
UPDATE strict SET created_at = '2000-01-01' WHERE id = 1;
INSERT INTO broken (id, doc) VALUES (1, '{}');
\set VERBOSITY terse

-----------------------------------------------------------------------------
-- A reference table and a hash-distributed table with two copies per
-- shard, with rows: docpatch_enable either refuses them, naming the table
-- and changing nothing, or adds columns that hold the same values on every
-- copy, and the row functions keep the copies equal.
CREATE TABLE ref (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_reference_table('ref');
INSERT INTO ref SELECT g, jsonb_build_object('n', g) FROM generate_series(1, 8) g;
SET citus.shard_replication_factor = 2;
CREATE TABLE rep (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_distributed_table('rep', 'id', shard_count => 4);
RESET citus.shard_replication_factor;
INSERT INTO rep SELECT g, jsonb_build_object('n', g) FROM generate_series(1, 8) g;
SELECT err($$SELECT docpatch_enable('ref')$$) AS docpatch_enable_ref;
SELECT err($$SELECT docpatch_enable('rep')$$) AS docpatch_enable_rep;
-- what that left on every copy
CREATE FUNCTION copies(tbl regclass) RETURNS TABLE(stamp_columns bigint, copies bigint, copies_with_stamp bigint, copies_agree boolean)
LANGUAGE sql AS $$
  SELECT c.n, p.n, p.n - (SELECT count(*) FROM shards_without_stamp(tbl)),
         CASE WHEN c.n = 3 THEN citus_suite.placements_agree(tbl, NULL) END
  FROM (SELECT count(*) AS n FROM pg_attribute WHERE attrelid = tbl AND NOT attisdropped
          AND attname IN ('created_at', 'updated_at', 'etag')) c,
       (SELECT count(*) AS n FROM pg_dist_placement JOIN pg_dist_shard USING (shardid) WHERE logicalrelid = tbl) p
$$;
SELECT 'ref' AS "table", * FROM copies('ref') UNION ALL SELECT 'rep', * FROM copies('rep');
-- a write through each row function
SELECT err($$SELECT * FROM upsert_with_creation_ts('ref', '1', '{"w": 1}')$$) AS upsert_ref,
       err($$SELECT * FROM upsert_with_creation_ts('ref', '[{"id": 2, "doc": {"w": 1}}]'::jsonb)$$) AS batch_ref,
       err($$SELECT * FROM etag_guarded_update('ref', '3', NULL, '{"w": 1}')$$) AS guarded_ref;
SELECT err($$SELECT * FROM upsert_with_creation_ts('rep', '1', '{"w": 1}')$$) AS upsert_rep,
       err($$SELECT * FROM upsert_with_creation_ts('rep', '[{"id": 2, "doc": {"w": 1}}]'::jsonb)$$) AS batch_rep,
       err($$SELECT * FROM etag_guarded_update('rep', '3', NULL, '{"w": 1}')$$) AS guarded_rep;
SELECT 'ref' AS "table", * FROM copies('ref') UNION ALL SELECT 'rep', * FROM copies('rep');
-- the row functions on a reference table whose stamp trigger was made by
-- hand, past docpatch_enable: they refuse it or keep its copies equal
CREATE TABLE ref_by_hand (id bigint PRIMARY KEY, doc jsonb NOT NULL,
  created_at timestamptz, updated_at timestamptz, etag text);
SELECT create_reference_table('ref_by_hand');
SET citus.enable_unsafe_triggers = on;
CREATE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON ref_by_hand FOR EACH ROW EXECUTE FUNCTION public.docpatch_stamp();
RESET citus.enable_unsafe_triggers;
SELECT err($$SELECT * FROM upsert_with_creation_ts('ref_by_hand', '1', '{"w": 1}')$$) AS upsert,
       err($$SELECT * FROM etag_guarded_update('ref_by_hand', '1', NULL, '{"w": 2}')$$) AS guarded;
SELECT citus_suite.placements_agree('ref_by_hand', NULL) AS copies_agree;

-----------------------------------------------------------------------------
-- A table distributed after docpatch_enable
CREATE TABLE late (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('late');
INSERT INTO late SELECT g, jsonb_build_object('n', g) FROM generate_series(1, 8) g;
CREATE TEMP TABLE late_before AS SELECT id, etag, created_at, updated_at FROM late;
-- Citus refuses to distribute a table with triggers
SELECT err($$SELECT create_distributed_table('cen.late', 'id', shard_count => 4)$$) AS distribute_with_trigger;
-- the documented way: disable, distribute, enable
SELECT docpatch_disable('late');
SELECT create_distributed_table('late', 'id', shard_count => 4);
SELECT truncate_local_data_after_distributing_table('late');
SELECT err($$SELECT docpatch_enable('late')$$) AS docpatch_enable_after_distributing;
SELECT * FROM shards_without_stamp('late');
SELECT count(*) AS rows, count(*) FILTER (WHERE l.etag = b.etag AND l.created_at = b.created_at AND l.updated_at = b.updated_at) AS stamps_kept
FROM late l JOIN late_before b USING (id);
-- the etag a client read before still matches
SELECT etag AS old_etag FROM late_before WHERE id = 3 \gset
SELECT doc FROM etag_guarded_update('late', '3', :'old_etag', '{"after": true}');
-- the same for a reference table
CREATE TABLE late_ref (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('late_ref');
INSERT INTO late_ref SELECT g, jsonb_build_object('n', g) FROM generate_series(1, 8) g;
CREATE TEMP TABLE late_ref_before AS SELECT id, etag, created_at, updated_at FROM late_ref;
SELECT docpatch_disable('late_ref');
SELECT create_reference_table('late_ref');
SELECT truncate_local_data_after_distributing_table('late_ref');
SELECT err($$SELECT docpatch_enable('late_ref')$$) AS docpatch_enable_after_distributing;
SELECT count(*) AS rows, count(*) FILTER (WHERE l.etag = b.etag AND l.created_at = b.created_at AND l.updated_at = b.updated_at) AS stamps_kept
FROM late_ref l JOIN late_ref_before b USING (id);
SELECT * FROM citus_suite.disagreeing_rows('late_ref');

RESET search_path;
DROP SCHEMA cen CASCADE;
