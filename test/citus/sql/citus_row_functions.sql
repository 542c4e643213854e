-- Every row function on Citus tables gives the answers it gives on a plain
-- table: the same cases run, in the same order, on six tables of the same
-- shape and contents -- plain, hash-distributed, reference,
-- hash-distributed with two copies of every shard, partitioned (by range of
-- the key), and partitioned and hash-distributed -- and their outcomes are
-- compared.  An outcome is what the call returned (documents, inserted, and
-- for each etag / created_at / updated_at whether it is the stored one and
-- whether the call changed it), the error it raised (SQLSTATE, message,
-- detail and hint, the table's own name shown as <table>: a message naming a
-- shard differs), and what it did to the table.  After each case commits,
-- every copy of every shard is read directly on its node: the copies of a
-- reference or replicated table must hold the same rows, etags and times.
\pset format unaligned
SET client_min_messages = warning;
CREATE SCHEMA crf;
SET search_path = crf, public;
\set tables '{t_plain,t_hash,t_reference,t_replicated,t_partitioned,t_hash_partitioned}'

CREATE TABLE t_plain (id bigint PRIMARY KEY, doc jsonb NOT NULL);
CREATE TABLE t_hash (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_distributed_table('t_hash', 'id', shard_count => 4);
CREATE TABLE t_reference (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_reference_table('t_reference');
SET citus.shard_replication_factor = 2;
CREATE TABLE t_replicated (id bigint PRIMARY KEY, doc jsonb NOT NULL);
SELECT create_distributed_table('t_replicated', 'id', shard_count => 4);
RESET citus.shard_replication_factor;
CREATE TABLE t_partitioned (id bigint PRIMARY KEY, doc jsonb NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE t_partitioned_low PARTITION OF t_partitioned FOR VALUES FROM (MINVALUE) TO (100);
CREATE TABLE t_partitioned_high PARTITION OF t_partitioned FOR VALUES FROM (100) TO (MAXVALUE);
CREATE TABLE t_hash_partitioned (id bigint PRIMARY KEY, doc jsonb NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE t_hash_partitioned_low PARTITION OF t_hash_partitioned FOR VALUES FROM (MINVALUE) TO (100);
CREATE TABLE t_hash_partitioned_high PARTITION OF t_hash_partitioned FOR VALUES FROM (100) TO (MAXVALUE);
SELECT create_distributed_table('t_hash_partitioned', 'id', shard_count => 4);
SELECT t AS "table", citus_suite.kind(t) FROM unnest(:'tables'::regclass[]) t;

-- docpatch_enable itself is tested in citus_enable; here it sets the tables
-- up (citus.enable_unsafe_triggers off).  A table kept in several copies
-- (reference, replicated) is refused, with a message naming it: its cases
-- are not run.
CREATE TABLE enabled (tbl regclass PRIMARY KEY, outcome text NOT NULL);
INSERT INTO enabled SELECT t, citus_suite.try(format('SELECT docpatch_enable(%L)', t)) FROM unnest(:'tables'::regclass[]) t;
SELECT tbl AS "table", outcome AS docpatch_enable FROM enabled ORDER BY tbl::text;
INSERT INTO t_plain (id, doc)
SELECT g, jsonb_build_object('n', g, 'tags', jsonb_build_array('a'), 'nested', jsonb_build_object('x', 1, 'y', jsonb_build_object('z', 2)))
FROM generate_series(1, 12) g;
INSERT INTO t_hash SELECT id, doc FROM t_plain;
INSERT INTO t_reference SELECT id, doc FROM t_plain;
INSERT INTO t_replicated SELECT id, doc FROM t_plain;
INSERT INTO t_partitioned SELECT id, doc FROM t_plain;
INSERT INTO t_hash_partitioned SELECT id, doc FROM t_plain;
-- the stamped rows on every copy (NULL where each shard has one copy)
SELECT tbl AS "table", citus_suite.placements_agree(tbl, NULL) AS copies_agree
FROM enabled WHERE outcome = 'ok' ORDER BY tbl::text;

-- The cases: `call` is a SELECT in which :tbl is the table and $1 the etag
-- row `target` has before the call.
CREATE TABLE cases (ord int PRIMARY KEY, step text NOT NULL, target text, call text NOT NULL);
INSERT INTO cases VALUES
-- etag_guarded_update: every kind, with and without If-Match
(101, 'guarded merge, no If-Match',        '1', $$SELECT * FROM etag_guarded_update(:tbl, '1', NULL, '{"status": "a"}')$$),
(102, 'guarded merge, If-Match',           '1', $$SELECT * FROM etag_guarded_update(:tbl, '1', $1, '{"status": "b"}')$$),
(103, 'guarded merge, If-Match *',         '1', $$SELECT * FROM etag_guarded_update(:tbl, '1', '*', '{"status": "c"}')$$),
(104, 'guarded merge, If-Match quoted',    '1', $$SELECT * FROM etag_guarded_update(:tbl, '1', '"' || $1 || '"', '{"status": "d"}')$$),
(105, 'guarded ops, If-Match',             '2', $$SELECT * FROM etag_guarded_update(:tbl, '2', $1, '[{"op": "incr", "path": "/n", "value": 5}]', 'ops')$$),
(106, 'guarded ops, no If-Match',          '2', $$SELECT * FROM etag_guarded_update(:tbl, '2', NULL, '[{"op": "replace", "path": "/nested/x", "value": 7}]', 'ops')$$),
(107, 'guarded JSON Patch array, no kind', '2', $$SELECT * FROM etag_guarded_update(:tbl, '2', $1, '[{"op": "add", "path": "/tags/-", "value": "b"}]')$$),
(108, 'guarded deep_merge, If-Match',      '3', $$SELECT * FROM etag_guarded_update(:tbl, '3', $1, '{"nested": {"y": {"w": 3}}}', 'deep_merge')$$),
(109, 'guarded deep_merge, no If-Match',   '3', $$SELECT * FROM etag_guarded_update(:tbl, '3', NULL, '{"nested": {"x": 2}}', 'deep_merge')$$),
(110, 'guarded merge_patch, If-Match',     '4', $$SELECT * FROM etag_guarded_update(:tbl, '4', $1, '{"nested": {"x": null}, "m": 1}', 'merge_patch')$$),
(111, 'guarded merge_patch, no If-Match',  '4', $$SELECT * FROM etag_guarded_update(:tbl, '4', NULL, '{"tags": null}', 'merge_patch')$$),
(112, 'guarded replace, If-Match',         '5', $$SELECT * FROM etag_guarded_update(:tbl, '5', $1, '{"replaced": true}', 'replace')$$),
(113, 'guarded replace, no If-Match',      '5', $$SELECT * FROM etag_guarded_update(:tbl, '5', NULL, '{"replaced": 2}', 'replace')$$),
-- a patch that changes nothing: the current state, nothing written
(121, 'guarded no-op merge {}, If-Match',      '6', $$SELECT * FROM etag_guarded_update(:tbl, '6', $1, '{}')$$),
(122, 'guarded no-op merge, no If-Match',      '6', $$SELECT * FROM etag_guarded_update(:tbl, '6', NULL, '{"n": 6}')$$),
(123, 'guarded no-op ops test, If-Match',      '6', $$SELECT * FROM etag_guarded_update(:tbl, '6', $1, '[{"op": "test", "path": "/n", "value": 6}]', 'ops')$$),
(124, 'guarded no-op deep_merge, no If-Match', '6', $$SELECT * FROM etag_guarded_update(:tbl, '6', NULL, '{"nested": {"x": 1}}', 'deep_merge')$$),
(125, 'guarded no-op merge_patch, If-Match',   '6', $$SELECT * FROM etag_guarded_update(:tbl, '6', $1, '{"absent": null}', 'merge_patch')$$),
(126, 'guarded no-op replace, If-Match',       '6', $$SELECT * FROM etag_guarded_update(:tbl, '6', $1, '{"n": 6, "tags": ["a"], "nested": {"x": 1, "y": {"z": 2}}}', 'replace')$$),
-- stale etags and missing rows
(131, 'guarded stale etag, merge',        '7', $$SELECT * FROM etag_guarded_update(:tbl, '7', 'stale-etag', '{"status": "x"}')$$),
(132, 'guarded stale etag, no-op patch',  '7', $$SELECT * FROM etag_guarded_update(:tbl, '7', 'stale-etag', '{}')$$),
(133, 'guarded stale etag, ops',          '7', $$SELECT * FROM etag_guarded_update(:tbl, '7', 'stale-etag', '[{"op": "incr", "path": "/n", "value": 1}]', 'ops')$$),
(134, 'guarded missing row, no If-Match', NULL, $$SELECT * FROM etag_guarded_update(:tbl, '999', NULL, '{"status": "x"}')$$),
(135, 'guarded missing row, If-Match',    NULL, $$SELECT * FROM etag_guarded_update(:tbl, '999', 'some-etag', '{"status": "x"}')$$),
(136, 'guarded missing row, If-Match *',  NULL, $$SELECT * FROM etag_guarded_update(:tbl, '999', '*', '{}')$$),
(137, 'guarded patch that does not apply','7', $$SELECT * FROM etag_guarded_update(:tbl, '7', $1, '[{"op": "remove", "path": "/absent"}]', 'ops')$$),
(138, 'guarded id that is not a key',     NULL, $$SELECT * FROM etag_guarded_update(:tbl, 'seven', NULL, '{}')$$),
(139, 'guarded unknown kind',             '7', $$SELECT * FROM etag_guarded_update(:tbl, '7', NULL, '{}', 'patchwork')$$),
-- upsert_with_creation_ts, single: every mode, new and existing rows
(201, 'upsert merge, new',              NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '101', '{"a": 1}'::jsonb)$$),
(202, 'upsert merge, existing',         '101', $$SELECT * FROM upsert_with_creation_ts(:tbl, '101', '{"b": 2}'::jsonb)$$),
(203, 'upsert merge {}, existing',      '101', $$SELECT * FROM upsert_with_creation_ts(:tbl, '101', '{}'::jsonb)$$),
(204, 'upsert ops, new',                NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '102', '[{"op": "set", "path": "/a", "value": 1}]', 'ops')$$),
(205, 'upsert ops, existing, patch needs the row', '8', $$SELECT * FROM upsert_with_creation_ts(:tbl, '8', '[{"op": "replace", "path": "/n", "value": 80}]', 'ops')$$),
(206, 'upsert ops, new, patch needs a row',        NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '103', '[{"op": "replace", "path": "/n", "value": 1}]', 'ops')$$),
(207, 'upsert ops, existing, incr',     '8', $$SELECT * FROM upsert_with_creation_ts(:tbl, '8', '[{"op": "incr", "path": "/n", "value": 1}]', 'ops')$$),
(208, 'upsert deep_merge, new',         NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '104', '{"nested": {"a": 1}}', 'deep_merge')$$),
(209, 'upsert deep_merge, existing',    '104', $$SELECT * FROM upsert_with_creation_ts(:tbl, '104', '{"nested": {"b": 2}}', 'deep_merge')$$),
(210, 'upsert merge_patch, new',        NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '105', '{"a": 1, "gone": null}', 'merge_patch')$$),
(211, 'upsert merge_patch, existing',   '105', $$SELECT * FROM upsert_with_creation_ts(:tbl, '105', '{"a": null, "b": 1}', 'merge_patch')$$),
(212, 'upsert replace, new',            NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '106', '{"v": 1}', 'replace')$$),
(213, 'upsert replace, existing',       '106', $$SELECT * FROM upsert_with_creation_ts(:tbl, '106', '{"v": 2}', 'replace')$$),
(214, 'upsert text document, new',      NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '107', '{"t": 1}')$$),
(215, 'upsert unknown mode',            NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '108', '{}'::jsonb, 'patchwork')$$),
(216, 'upsert id that is not a key',    NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, 'x', '{}'::jsonb)$$),
-- upsert_with_creation_ts, batch: new and existing ids, repeated ids fold
(301, 'batch merge, new and existing, repeated id', NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": "9", "doc": {"b": 1}}, {"id": "201", "doc": {"a": 1}}, {"id": "9", "doc": {"c": 2}}]'::jsonb)$$),
(302, 'batch ops, new and existing',    NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": 202, "doc": [{"op": "set", "path": "/a", "value": 1}]}, {"id": 10, "doc": [{"op": "replace", "path": "/n", "value": 100}]}]'::jsonb, 'ops')$$),
(303, 'batch ops, a new row the patch cannot apply to', NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": 10, "doc": [{"op": "incr", "path": "/n", "value": 1}]}, {"id": 203, "doc": [{"op": "replace", "path": "/n", "value": 1}]}]'::jsonb, 'ops')$$),
(304, 'batch deep_merge',               NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": 11, "doc": {"nested": {"y": {"q": 1}}}}, {"id": 204, "doc": {"nested": {"a": 1}}}]'::jsonb, 'deep_merge')$$),
(305, 'batch merge_patch',              NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": 11, "doc": {"tags": null}}, {"id": 205, "doc": {"a": 1, "b": null}}]'::jsonb, 'merge_patch')$$),
(306, 'batch replace, repeated new id', NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": 206, "doc": {"v": 1}}, {"id": 12, "doc": {"v": 12}}, {"id": 206, "doc": {"v": 2}}]'::jsonb, 'replace')$$),
(307, 'batch empty',                    NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '[]'::jsonb)$$),
(308, 'batch of existing rows only',    NULL,
      $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"id": 12, "doc": {"w": 1}}, {"id": 9, "doc": {"w": 1}}]'::jsonb)$$),
(309, 'batch item without id',          NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '[{"doc": {}}]'::jsonb)$$),
-- the trigger's own refusal names the table
(401, 'on_created_at_change=error',     NULL, $$SELECT docpatch_enable(:tbl, on_created_at_change => 'error')::text AS enabled$$),
(402, 'UPDATE of created_at refused',   NULL, $$SELECT citus_suite.run(format('UPDATE %s SET created_at = %L WHERE id = 1', :tbl::regclass, '2000-01-01')) AS updated$$),
(403, 'on_created_at_change=keep',      NULL, $$SELECT docpatch_enable(:tbl)::text AS enabled$$),
-- docpatch_disable and docpatch_enable (citus.enable_unsafe_triggers off)
(501, 'docpatch_disable',               NULL, $$SELECT docpatch_disable(:tbl)::text AS disabled$$),
(502, 'guarded update without the trigger', '1', $$SELECT * FROM etag_guarded_update(:tbl, '1', $1, '{}')$$),
(503, 'upsert without the trigger',     NULL, $$SELECT * FROM upsert_with_creation_ts(:tbl, '1', '{}'::jsonb)$$),
(504, 'docpatch_enable again',          NULL, $$SELECT docpatch_enable(:tbl)::text AS enabled$$),
(505, 'docpatch_enable once more',      NULL, $$SELECT docpatch_enable(:tbl)::text AS enabled$$),
(506, 'guarded update after enabling',  '1', $$SELECT * FROM etag_guarded_update(:tbl, '1', $1, '{"status": "again"}')$$);

CREATE TABLE answers (tbl regclass, ord int, outcome jsonb, placements_agree boolean, PRIMARY KEY (tbl, ord));

-- Runs every case on a table, each in its own transaction, then reads the
-- rows the case changed on every copy.
CREATE PROCEDURE run_cases(target_table regclass) LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  IF NOT EXISTS (SELECT FROM crf.enabled e WHERE e.tbl = target_table AND e.outcome = 'ok') THEN
    RETURN;
  END IF;
  FOR c IN SELECT * FROM crf.cases ORDER BY ord LOOP
    INSERT INTO crf.answers (tbl, ord, outcome)
    VALUES (target_table, c.ord, citus_suite.outcome(target_table, c.call, c.target));
    COMMIT;
    UPDATE crf.answers a SET placements_agree = citus_suite.placements_agree(target_table,
             ARRAY(SELECT ch ->> 'row' FROM jsonb_array_elements(a.outcome -> 'changes') ch))
    WHERE a.tbl = target_table AND a.ord = c.ord;
    COMMIT;
  END LOOP;
END $$;

CALL run_cases('t_plain');
CALL run_cases('t_hash');
CALL run_cases('t_reference');
CALL run_cases('t_replicated');
CALL run_cases('t_partitioned');
CALL run_cases('t_hash_partitioned');

-- The tables compared, and how many cases ran on each
SELECT tbl AS "table", count(*) AS cases FROM answers GROUP BY tbl ORDER BY tbl::text;

-- The answers on the plain table, the tables that answered otherwise (none)
-- and the tables whose copies of the rows the case wrote disagree (none)
SELECT c.ord, c.step, p.outcome AS "plain table",
       coalesce(string_agg(a.tbl::text, ', ' ORDER BY a.tbl::text) FILTER (WHERE a.outcome IS DISTINCT FROM p.outcome), '') AS "differs on",
       coalesce(string_agg(a.tbl::text, ', ' ORDER BY a.tbl::text) FILTER (WHERE NOT a.placements_agree), '') AS "copies disagree on"
FROM cases c
JOIN answers p ON p.ord = c.ord AND p.tbl = 't_plain'::regclass
LEFT JOIN answers a ON a.ord = c.ord AND a.tbl <> 't_plain'::regclass
GROUP BY c.ord, c.step, p.outcome
ORDER BY c.ord;

-- Every answer that differs, in full (none)
SELECT a.tbl AS "table", c.ord, c.step, a.outcome AS "differs from the plain table's"
FROM answers a JOIN cases c USING (ord) JOIN answers p ON p.ord = a.ord AND p.tbl = 't_plain'::regclass
WHERE a.tbl <> 't_plain'::regclass AND a.outcome IS DISTINCT FROM p.outcome
ORDER BY a.tbl::text, c.ord;

-- The copies that disagree at the end, row by row, on the tables compared (none)
SELECT e.tbl AS "table", d.* FROM enabled e, citus_suite.disagreeing_rows(e.tbl) d
WHERE e.outcome = 'ok' AND citus_suite.kind(e.tbl) <> 'plain'
ORDER BY 1, 2, 3;

-- The tables compared end with the same documents as the plain table
CREATE FUNCTION documents(tbl regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  EXECUTE format($q$SELECT string_agg(concat_ws(' ', id, doc), ',' ORDER BY id) FROM %s$q$, tbl) INTO d;
  RETURN d;
END $$;
SELECT tbl AS "table", documents(tbl) = documents('t_plain') AS same_documents
FROM enabled WHERE outcome = 'ok' AND tbl <> 't_plain'::regclass ORDER BY tbl::text;

DROP SCHEMA crf CASCADE;
