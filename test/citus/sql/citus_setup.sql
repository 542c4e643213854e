-- The Citus suite's helpers (schema citus_suite), used by the files after
-- this one in test/citus/schedule.  Run against the coordinator of a
-- scripts/citus-cluster cluster: citus and docpatch are installed on every
-- node and both workers are in the metadata.
SELECT count(*) AS workers FROM pg_dist_node WHERE groupid > 0 AND isactive;
SELECT extversion IS NOT NULL AS docpatch_on_every_worker
FROM run_command_on_workers($$SELECT extversion FROM pg_extension WHERE extname = 'docpatch'$$)
     AS w(nodename, nodeport, success, extversion)
GROUP BY 1;

CREATE SCHEMA citus_suite;

-- try(statement): 'ok', or the SQLSTATE and message of the error it raised
-- (shard ids shown as _<shard>, so that a message naming a shard shows it
-- without depending on the id).
CREATE FUNCTION citus_suite.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '_[0-9]{6,}\M', '_<shard>', 'g');
END $$;

-- state(tbl): every row of tbl as {"<id>": {"doc", "etag", "created_at",
-- "updated_at"}}, times as UTC text with microseconds: Citus evaluates the
-- expressions on the workers, in their own TimeZone.
CREATE FUNCTION citus_suite.state(tbl regclass) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE s jsonb;
BEGIN
  EXECUTE format($q$SELECT coalesce(jsonb_object_agg(id::text, jsonb_build_object(
                     'doc', doc, 'etag', etag,
                     'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
                     'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'))), '{}')
                    FROM %s$q$, tbl) INTO s;
  RETURN s;
END $$;

-- A time as state() shows it.
CREATE FUNCTION citus_suite.utc(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
$$;

-- What a Citus table is, for the reports: plain, hash, reference, and how
-- many copies its shards have.
CREATE FUNCTION citus_suite.kind(tbl regclass) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT CASE p.partmethod WHEN 'h' THEN 'hash' WHEN 'n' THEN
                            CASE p.repmodel WHEN 't' THEN 'reference' ELSE 'citus local' END
                          ELSE p.partmethod::text END
                          || ', ' || (SELECT max(c) FROM (SELECT count(*) AS c FROM pg_dist_placement pl
                                       JOIN pg_dist_shard s USING (shardid)
                                       WHERE s.logicalrelid = tbl GROUP BY pl.shardid) x) || ' copies'
                   FROM pg_dist_partition p WHERE p.logicalrelid = tbl), 'plain')
$$;

-- placements_agree(tbl, ids): every copy of every shard of tbl holds the
-- same rows (only the rows whose id is in ids, unless ids is NULL), read
-- directly on each node: run_command_on_placements opens its own
-- connections, so call it after the writes committed.  NULL for a table
-- whose shards have one copy each (or that Citus does not know).
CREATE FUNCTION citus_suite.placements_agree(tbl regclass, ids text[]) RETURNS boolean LANGUAGE sql AS $$
  SELECT bool_and(agree) FROM (
    SELECT count(DISTINCT result) = 1 AND bool_and(success) AS agree
    FROM run_command_on_placements(tbl,
           'SELECT md5(coalesce(string_agg(concat_ws('' '', id, etag, created_at, updated_at, doc), '','' ORDER BY id), '''')) FROM %s'
           || CASE WHEN ids IS NULL THEN '' ELSE ' WHERE id::text = ANY (' || quote_literal(ids::text) || '::text[])' END)
    GROUP BY shardid) per_shard
  WHERE EXISTS (SELECT FROM pg_dist_placement p JOIN pg_dist_shard s USING (shardid)
                WHERE s.logicalrelid = tbl GROUP BY p.shardid HAVING count(*) > 1)
$$;

-- The rows of tbl whose copies disagree (etag, updated_at or document), or
-- that some copy lacks; a copy that cannot be read shows as id '<error>'.
CREATE FUNCTION citus_suite.disagreeing_rows(tbl regclass) RETURNS TABLE(shardid bigint, id text, copies bigint, etags bigint, updated_ats bigint, docs bigint)
LANGUAGE sql AS $$
  WITH copies AS (
    SELECT * FROM run_command_on_placements(tbl,
      $q$SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'etag', etag, 'updated_at', updated_at, 'doc', doc)), '[]') FROM %s$q$))
  SELECT c.shardid, r.id, count(*), count(DISTINCT r.etag), count(DISTINCT r.updated_at), count(DISTINCT r.doc)
  FROM copies c, jsonb_to_recordset(c.result::jsonb) AS r(id text, etag text, updated_at text, doc jsonb)
  WHERE c.success
  GROUP BY c.shardid, r.id
  HAVING count(DISTINCT r.etag) > 1 OR count(DISTINCT r.updated_at) > 1 OR count(DISTINCT r.doc) > 1
         OR count(*) < (SELECT count(*) FROM pg_dist_placement pl WHERE pl.shardid = c.shardid)
  UNION ALL
  SELECT c.shardid, '<error>', count(*), NULL, NULL, NULL FROM copies c WHERE NOT c.success GROUP BY c.shardid
  ORDER BY 1, 2
$$;

-- A message as the comparison sees it: the table's own name, and the names
-- of its partitions (PostgreSQL's own row-level errors name the partition),
-- become <table> -- a shard's name (t_102008) stays as it is, and so differs
-- --, and etags (22 characters of base64url in quotes) become "<etag>".
CREATE FUNCTION citus_suite.normalized(message text, tbl regclass) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(
           regexp_replace(message,
             '\m(' || (SELECT string_agg(relname, '|') FROM pg_class
                        WHERE oid = tbl OR oid IN (SELECT relid FROM pg_partition_tree(tbl)))
                    || ')\M', '<table>', 'g'),
           '"[A-Za-z0-9_-]{22}"', '"<etag>"', 'g')
$$;

-- The label of a returned etag, created_at or updated_at: which row's
-- current value it is, and whether the call changed it.
CREATE FUNCTION citus_suite.describe_rows(result jsonb, before jsonb, after jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(described ORDER BY n), '[]') FROM (
    SELECT r.n, (r.row - 'etag' - 'created_at' - 'updated_at') || CASE WHEN NOT r.row ? 'etag' THEN '{}'::jsonb
      ELSE jsonb_strip_nulls(jsonb_build_object(
      'row', owner.id,
      'etag', CASE WHEN owner.id IS NULL THEN 'not the etag of any row'
                   WHEN before -> owner.id ->> 'etag' = r.row ->> 'etag' THEN 'unchanged'
                   ELSE 'new' END,
      'created_at', CASE WHEN owner.id IS NULL THEN NULL
                         WHEN after -> owner.id ->> 'created_at' = citus_suite.utc((r.row ->> 'created_at')::timestamptz) THEN 'stored'
                         ELSE 'differs from the stored one' END,
      'updated_at', CASE WHEN owner.id IS NULL THEN NULL
                         WHEN after -> owner.id ->> 'updated_at' = citus_suite.utc((r.row ->> 'updated_at')::timestamptz) THEN 'stored'
                         ELSE 'differs from the stored one' END)) END AS described
    FROM jsonb_array_elements(result) WITH ORDINALITY AS r(row, n)
    LEFT JOIN LATERAL (SELECT a.key AS id FROM jsonb_each(after) a
                       WHERE a.value ->> 'etag' = r.row ->> 'etag' LIMIT 1) owner ON true) d
$$;

-- What the call did to the table: rows inserted (with whether created_at =
-- updated_at) and rows changed (which columns).  Not whether updated_at =
-- now(): on Citus the trigger stamps the worker's transaction start, a few
-- milliseconds after the coordinator's now() (docs/citus.md, "Timestamps").
CREATE FUNCTION citus_suite.describe_changes(before jsonb, after jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(change ORDER BY id::numeric), '[]') FROM (
    SELECT a.key AS id, jsonb_build_object('row', a.key, 'inserted', a.value -> 'doc',
             'created_at = updated_at', a.value -> 'created_at' = a.value -> 'updated_at') AS change
    FROM jsonb_each(after) a WHERE NOT before ? a.key
    UNION ALL
    SELECT a.key, jsonb_strip_nulls(jsonb_build_object('row', a.key,
             'doc', CASE WHEN a.value -> 'doc' <> b.value -> 'doc' THEN a.value -> 'doc' END,
             'etag changed', a.value -> 'etag' <> b.value -> 'etag',
             'updated_at changed', a.value -> 'updated_at' <> b.value -> 'updated_at',
             'created_at changed', a.value -> 'created_at' <> b.value -> 'created_at'))
    FROM jsonb_each(after) a JOIN jsonb_each(before) b USING (key)
    WHERE a.value <> b.value
    UNION ALL
    SELECT b.key, jsonb_build_object('row', b.key, 'deleted', true)
    FROM jsonb_each(before) b WHERE NOT after ? b.key) c
$$;

-- run(statement): executes a statement that is not a SELECT (so that a
-- case can be one) and returns the number of rows it processed.
CREATE FUNCTION citus_suite.run(statement text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE statement;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- outcome(tbl, call, target): runs call (a SELECT; :tbl stands for the
-- table, $1 for the etag row `target` has before the call) in a
-- subtransaction and describes what it returned or raised and what it did to
-- the table, in terms that do not depend on random etags or times.
CREATE FUNCTION citus_suite.outcome(tbl regclass, call text, target text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  before jsonb := citus_suite.state(tbl);
  after jsonb;
  result jsonb;
  error jsonb;
  st text; msg text; det text; hnt text;
BEGIN
  BEGIN
    EXECUTE 'SELECT coalesce(jsonb_agg(to_jsonb(r)), ''[]'') FROM (' || replace(call, ':tbl', quote_literal(tbl::text)) || ') r'
      INTO result USING before -> target ->> 'etag';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    error := jsonb_strip_nulls(jsonb_build_object('sqlstate', st, 'message', citus_suite.normalized(msg, tbl),
               'detail', citus_suite.normalized(nullif(det, ''), tbl), 'hint', citus_suite.normalized(nullif(hnt, ''), tbl)));
  END;
  after := citus_suite.state(tbl);
  RETURN jsonb_strip_nulls(jsonb_build_object(
           'returned', CASE WHEN error IS NULL THEN citus_suite.describe_rows(result, before, after) END,
           'error', error,
           'changes', citus_suite.describe_changes(before, after)));
END $$;
