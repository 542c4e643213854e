-- bench/scaling.sql: patches of many operations on one large container.
--
-- bench.scaling(reps) times jsonb_patch_ops with n = 10,000 and 100,000
-- operations of one kind (the patch and the document are built before the
-- clock starts) and reports the time per operation: when it stays about the
-- same from 10,000 to 100,000 operations, the cost is linear in the number
-- of operations.

CREATE SCHEMA IF NOT EXISTS bench;

-- What bench/run.sh keeps of each run of bench.scaling().
CREATE TABLE IF NOT EXISTS bench.scaling_results (run int, ord int, kind text, n int, us_per_op float8);

CREATE OR REPLACE FUNCTION bench.scaling_case(kind text, n int)
RETURNS TABLE (doc jsonb, ops jsonb) LANGUAGE sql AS $$
  SELECT CASE kind
           WHEN 'object' THEN '{}'::jsonb
           ELSE jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, n) i))
         END,
         (SELECT jsonb_agg(CASE kind
                   WHEN 'append' THEN jsonb_build_object('op', 'add', 'path', '/a/-', 'value', i)
                   WHEN 'front insert' THEN jsonb_build_object('op', 'add', 'path', '/a/0', 'value', i)
                   WHEN 'front remove' THEN '{"op": "remove", "path": "/a/0"}'::jsonb
                   WHEN 'middle replace' THEN
                     jsonb_build_object('op', 'replace', 'path', '/a/' || (n / 2), 'value', i)
                   WHEN 'object' THEN jsonb_build_object('op', 'add', 'path', '/k' || i, 'value', i)
                 END)
          FROM generate_series(1, n) i)
$$;

CREATE OR REPLACE FUNCTION bench.scaling(reps int)
RETURNS TABLE (ord int, kind text, n int, us_per_op float8) LANGUAGE plpgsql AS $$
DECLARE
  d jsonb;
  o jsonb;
  t0 timestamptz;
  times float8[];
BEGIN
  ord := 0;
  FOREACH kind IN ARRAY ARRAY['append', 'front insert', 'front remove', 'middle replace', 'object'] LOOP
    ord := ord + 1;
    FOREACH n IN ARRAY ARRAY[10000, 100000] LOOP
      SELECT c.doc, c.ops INTO d, o FROM bench.scaling_case(kind, n) c;
      times := '{}';
      FOR r IN 1..reps LOOP
        t0 := clock_timestamp();
        IF jsonb_patch_ops(d, o) IS NULL THEN
          RAISE EXCEPTION 'unexpected NULL';
        END IF;
        times := times || extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
      END LOOP;
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO us_per_op FROM unnest(times) t;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END
$$;
