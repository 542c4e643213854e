-- bench/functions.sql: docpatch's functions against PostgreSQL's own, timed
-- inside the server on documents held in memory.
--
-- Every case is a pair of expressions over the document `d` (a PL/pgSQL
-- parameter, so nothing is constant-folded): docpatch's and the baseline.
-- bench.functions() first checks that both give the same jsonb, then times
-- each in a PL/pgSQL loop of n calls (clock_timestamp around the loop; the
-- result is only tested for NULL, so neither side pays for copying it),
-- with n calibrated so that one timing lasts about `target_ms`.  The
-- variants of a case run side by side, `reps` times, alternating which goes
-- first.  bench/run.sh calls bench.functions() once per run, each run in a
-- fresh backend; the report takes medians within a run and gives the median
-- and the spread (min-max) over the runs.  Both sides get the same detoasted
-- document, so detoasting costs neither anything.

CREATE SCHEMA IF NOT EXISTS bench;

CREATE TABLE IF NOT EXISTS bench.function_cases (
  ord int PRIMARY KEY,
  name text NOT NULL,       -- what the row of the report says
  target numeric,           -- the ratio docpatch must reach on 50 KB documents
  docpatch text NOT NULL,   -- expression over d; %REF% is a references index
  baseline text NOT NULL,
  baseline_name text NOT NULL
);

TRUNCATE bench.function_cases;
INSERT INTO bench.function_cases VALUES
 (1, 'jsonb_patch_ops, 1 operation', 3,
  $$jsonb_patch_ops(d, '[{"op": "replace", "path": "/status", "value": "closed"}]')$$,
  $$jsonb_set(d, '{status}', '"closed"')$$,
  'jsonb_set'),
 (2, 'jsonb_patch_ops, 10 operations', 20,
  $$jsonb_patch_ops(d, '[
     {"op": "replace", "path": "/status", "value": "closed"},
     {"op": "replace", "path": "/priority", "value": 1},
     {"op": "replace", "path": "/version", "value": 2},
     {"op": "replace", "path": "/owner", "value": "user-7"},
     {"op": "replace", "path": "/updated_at", "value": "2024-06-01T00:00:00Z"},
     {"op": "replace", "path": "/title", "value": "a new title"},
     {"op": "replace", "path": "/config/theme", "value": "dark"},
     {"op": "replace", "path": "/config/locale", "value": "fr-FR"},
     {"op": "replace", "path": "/config/notifications/sms", "value": true},
     {"op": "add", "path": "/assignee", "value": "user-3"}]')$$,
  $$jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(d,
     '{status}', '"closed"'),
     '{priority}', '1'),
     '{version}', '2'),
     '{owner}', '"user-7"'),
     '{updated_at}', '"2024-06-01T00:00:00Z"'),
     '{title}', '"a new title"'),
     '{config,theme}', '"dark"'),
     '{config,locale}', '"fr-FR"'),
     '{config,notifications,sms}', 'true'),
     '{assignee}', '"user-3"')$$,
  '10 chained jsonb_set'),
 (3, 'jsonb_patch_ops, deep path /references/%REF%/meta/k', 3,
  $$jsonb_patch_ops(d, '[{"op": "replace", "path": "/references/%REF%/meta/k", "value": 42}]')$$,
  $$jsonb_set(d, '{references,%REF%,meta,k}', '42')$$,
  'jsonb_set'),
 (4, 'jsonb_shallow_merge', 2,
  $$jsonb_shallow_merge(d, '{"status": "closed", "updated_at": "2024-06-01T00:00:00Z", "assignee": "user-3"}')$$,
  $$d || '{"status": "closed", "updated_at": "2024-06-01T00:00:00Z", "assignee": "user-3"}'$$,
  '||'),
 (5, 'jsonb_deep_merge', 10,
  $$jsonb_deep_merge(d, '{"status": "closed", "updated_at": "2024-06-01T00:00:00Z",
     "config": {"theme": "dark", "notifications": {"sms": true, "digest": {"hour": 9}}}}')$$,
  $$bench.plpgsql_deep_merge(d, '{"status": "closed", "updated_at": "2024-06-01T00:00:00Z",
     "config": {"theme": "dark", "notifications": {"sms": true, "digest": {"hour": 9}}}}')$$,
  'PL/pgSQL deep merge'),
 (6, 'jsonb_merge_patch', 10,
  $$jsonb_merge_patch(d, '{"status": "closed", "assignee": "user-3",
     "config": {"legacy": null, "notifications": {"sms": true, "digest": {"hour": 9}}}}')$$,
  $$bench.plpgsql_merge_patch(d, '{"status": "closed", "assignee": "user-3",
     "config": {"legacy": null, "notifications": {"sms": true, "digest": {"hour": 9}}}}')$$,
  'PL/pgSQL merge patch'),
 -- The reference whose id is ref-1-%REF% (index %REF%), found by a jsonpath
 -- selector, against what users write today: find the index with
 -- WITH ORDINALITY, then jsonb_set ...
 (7, 'jsonb_patch_ops, selector `$.references[*] ? (@.id == $id).meta.k`', 20,
  $$jsonb_patch_ops(d, '[{"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.k",
     "vars": {"id": "ref-1-%REF%"}, "value": 42}]')$$,
  $$jsonb_set(d, ARRAY['references', (SELECT (r.ord - 1)::text
       FROM jsonb_array_elements(d -> 'references') WITH ORDINALITY AS r(e, ord)
       WHERE r.e ->> 'id' = 'ref-1-%REF%'), 'meta', 'k'], '42')$$,
  'WITH ORDINALITY, then `jsonb_set`'),
 -- ... and against the same change by index, which races (the target is
 -- at most 2 times slower: a ratio of at least 0.5)
 (8, 'jsonb_patch_ops, selector `$.references[*] ? (@.id == $id).meta.k`', 0.5,
  $$jsonb_patch_ops(d, '[{"op": "set", "jsonpath": "$.references[*] ? (@.id == $id).meta.k",
     "vars": {"id": "ref-1-%REF%"}, "value": 42}]')$$,
  $$jsonb_patch_ops(d, '[{"op": "set", "path": "/references/%REF%/meta/k", "value": 42}]')$$,
  '`jsonb_patch_ops` by index `/references/%REF%/meta/k`');

CREATE TABLE IF NOT EXISTS bench.function_results (
  run int, size text, case_ord int, variant text, rep int, n int, us_per_call float8);

-- A PL/pgSQL function that evaluates expr over d n times and returns the
-- microseconds per call.
CREATE OR REPLACE FUNCTION bench.make_loop(fname text, expr text) RETURNS void
LANGUAGE plpgsql AS $outer$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION bench.%I(d jsonb, n int) RETURNS float8
    LANGUAGE plpgsql AS $body$
    DECLARE
      t0 timestamptz;
    BEGIN
      t0 := clock_timestamp();
      FOR i IN 1..n LOOP
        IF (%s) IS NULL THEN
          RAISE EXCEPTION 'unexpected NULL';
        END IF;
      END LOOP;
      RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
    END
    $body$$f$, fname, expr);
END
$outer$;

-- cases: the ords of the cases to run (NULL: all of them); run: the number
-- its results are stored under (replacing that run's earlier results).
CREATE OR REPLACE FUNCTION bench.functions(sizes text[], reps int, target_ms float8, cases int[] DEFAULT NULL,
                                           run int DEFAULT 1)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  sz text;
  d jsonb;
  c record;
  ref int;
  same boolean;
  t1 float8;
  calls int[];
  us float8;
  variants text[] := ARRAY['docpatch', 'baseline'];
  k int;
BEGIN
  DELETE FROM bench.function_results r WHERE r.run = functions.run;
  FOREACH sz IN ARRAY sizes LOOP
    d := bench.doc(bench.scale_for(sz));
    ref := least(37, jsonb_array_length(d -> 'references') - 1);
    FOR c IN SELECT * FROM bench.function_cases WHERE cases IS NULL OR ord = ANY (cases) ORDER BY ord LOOP
      PERFORM bench.make_loop('loop_docpatch', replace(c.docpatch, '%REF%', ref::text));
      PERFORM bench.make_loop('loop_baseline', replace(c.baseline, '%REF%', ref::text));
      EXECUTE format('SELECT (%s) = (%s) FROM (SELECT $1 AS d) s',
                     replace(c.docpatch, '%REF%', ref::text), replace(c.baseline, '%REF%', ref::text))
        INTO same USING d;
      IF NOT same THEN
        RAISE EXCEPTION 'case "%" on % documents: docpatch and % disagree', c.name, sz, c.baseline_name;
      END IF;
      -- warm up (plans, caches), then calibrate the number of calls
      calls := ARRAY[1, 1];
      FOR k IN 1..2 LOOP
        EXECUTE format('SELECT bench.loop_%s($1, 1)', variants[k]) USING d;
        EXECUTE format('SELECT bench.loop_%s($1, 1)', variants[k]) INTO t1 USING d;
        calls[k] := greatest(1, least(200000, (target_ms * 1000 / greatest(t1, 0.01))::int));
        EXECUTE format('SELECT bench.loop_%s($1, $2)', variants[k]) INTO t1 USING d, least(calls[k], 50);
        calls[k] := greatest(1, least(200000, (target_ms * 1000 / greatest(t1, 0.01))::int));
      END LOOP;
      FOR r IN 1..reps LOOP
        FOR j IN 1..2 LOOP
          k := 1 + (j + r) % 2;  -- alternate which variant runs first
          EXECUTE format('SELECT bench.loop_%s($1, $2)', variants[k]) INTO us USING d, calls[k];
          INSERT INTO bench.function_results VALUES (run, sz, c.ord, variants[k], r, calls[k], us);
        END LOOP;
      END LOOP;
    END LOOP;
  END LOOP;
END
$$;

-- The report: one row per case and size.  Within a run: the medians of the
-- times and of the per-repetition ratios; over the runs: the median of the
-- runs' figures and the spread (min-max) of their ratios.
CREATE OR REPLACE VIEW bench.function_report AS
WITH per_rep AS (
  SELECT run, size, case_ord, rep,
         max(us_per_call) FILTER (WHERE variant = 'docpatch') AS dp,
         max(us_per_call) FILTER (WHERE variant = 'baseline') AS base
  FROM bench.function_results
  GROUP BY run, size, case_ord, rep),
per_run AS (
  SELECT run, size, case_ord,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY dp) AS dp_us,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY base) AS base_us,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY base / dp) AS ratio
  FROM per_rep
  GROUP BY run, size, case_ord)
SELECT c.ord, p.size,
       c.name, c.baseline_name, c.target,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.dp_us) AS dp_us,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.base_us) AS base_us,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.ratio) AS ratio,
       min(p.ratio) AS ratio_min,
       max(p.ratio) AS ratio_max,
       count(*) AS runs
FROM per_run p JOIN bench.function_cases c ON c.ord = p.case_ord
GROUP BY c.ord, p.size, c.name, c.baseline_name, c.target;
