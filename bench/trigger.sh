#!/usr/bin/env bash
# bench/trigger.sh: what the stamp trigger costs an UPDATE.
#
# Three identical tables of BENCH_TRIGGER_ROWS rows (1 KB documents, columns
# created_at, updated_at, etag): one without trigger, one with docpatch_stamp
# and one with the equivalent PL/pgSQL trigger (bench/baselines.sql:
# created_at kept, updated_at = now(), etag = a new random value).  Each
# repetition VACUUMs the three tables and times one bulk
#   UPDATE t SET doc = jsonb_patch_ops(doc, '[{"op": "incr", ...}]')
# on each, in rotating order; the trigger's own cost is the time per row
# with the trigger minus the time per row without, taken within each
# repetition (the table gives medians and the min-max over the repetitions).
#
# Expects the environment of a running server with docpatch, bench/documents.sql
# and bench/baselines.sql installed.  Prints markdown.
#   BENCH_TRIGGER_ROWS  rows per table (default 20000)
#   BENCH_REPS          repetitions (default 3; at least 3 recommended)
set -Eeuo pipefail
trap 'echo "$0: line $LINENO failed: $BASH_COMMAND" >&2' ERR

rows=${BENCH_TRIGGER_ROWS:-20000}
reps=${BENCH_REPS:-3}
export PGOPTIONS="${PGOPTIONS:-} -c jit=off -c client_min_messages=warning"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

if [ "$(psql_q -At -c "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'docpatch_stamp'")" != t ]; then
  echo "docpatch_stamp is not installed: trigger benchmark skipped."
  exit 0
fi

psql_q <<SQL
DROP TABLE IF EXISTS trig_none, trig_docpatch, trig_plpgsql;
CREATE TABLE trig_none (id int PRIMARY KEY, doc jsonb NOT NULL,
  created_at timestamptz, updated_at timestamptz, etag text);
INSERT INTO trig_none
  SELECT i, bench.doc(1, i), now(), now(), md5(i::text) FROM generate_series(1, $rows) i;
CREATE TABLE trig_docpatch (LIKE trig_none INCLUDING ALL);
INSERT INTO trig_docpatch SELECT * FROM trig_none;
CREATE TABLE trig_plpgsql (LIKE trig_none INCLUDING ALL);
INSERT INTO trig_plpgsql SELECT * FROM trig_none;
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON trig_docpatch
  FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON trig_plpgsql
  FOR EACH ROW EXECUTE FUNCTION bench.plpgsql_stamp();

CREATE OR REPLACE FUNCTION bench.time_update(tbl regclass) RETURNS float8
LANGUAGE plpgsql AS \$\$
DECLARE
  t0 timestamptz := clock_timestamp();
  n bigint;
BEGIN
  EXECUTE format('UPDATE %s SET doc = jsonb_patch_ops(doc, %L)', tbl,
                 '[{"op": "incr", "path": "/version", "value": 1}]');
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END
\$\$;
SQL

# Check that both triggers do their job before timing them.
psql_q -At <<'SQL' >/dev/null
DO $$
DECLARE
  t text;
  ok boolean;
BEGIN
  FOREACH t IN ARRAY ARRAY['trig_docpatch', 'trig_plpgsql'] LOOP
    EXECUTE format('UPDATE %I SET doc = doc WHERE id = 1', t);
    EXECUTE format($q$SELECT updated_at = now() AND etag <> md5('1') AND created_at < now()
                     FROM %I WHERE id = 1$q$, t) INTO ok;
    IF NOT ok THEN
      RAISE EXCEPTION 'the trigger of % did not stamp the row', t;
    END IF;
  END LOOP;
END
$$;
SQL

tables=(trig_none trig_docpatch trig_plpgsql)
declare -A times=()
for ((r = 1; r <= reps; r++)); do
  psql_q -c "VACUUM trig_none, trig_docpatch, trig_plpgsql"
  order=("${tables[@]:r % 3}" "${tables[@]:0:r % 3}")
  for t in "${order[@]}"; do
    times[$t]+="$(psql_q -At -c "SELECT bench.time_update('$t')") "
  done
done
psql_q -c "DROP TABLE trig_none, trig_docpatch, trig_plpgsql"

# One line per repetition: none docpatch plpgsql (µs per row).
paste -d' ' <(tr ' ' '\n' <<<"${times[trig_none]}" | grep -v '^$') \
  <(tr ' ' '\n' <<<"${times[trig_docpatch]}" | grep -v '^$') \
  <(tr ' ' '\n' <<<"${times[trig_plpgsql]}" | grep -v '^$') |
awk -v rows="$rows" -v reps="$reps" '
  function sorted(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }
  function med(a, n) { sorted(a, n); return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function cell(a, n, fmt,   m) { m = med(a, n); return sprintf(fmt " (" fmt "–" fmt ")", m, a[1], a[n]) }
  { n++; none[n] = $1; dp[n] = $2; pl[n] = $3; dpc[n] = $2 - $1; plc[n] = $3 - $1; rel[n] = ($2 - $1) / ($3 - $1) }
  END {
    printf "Bulk UPDATE of %d rows (1 KB documents), %d runs: median (min-max); the trigger'"'"'s cost and the\n", rows, reps
    print "ratio are taken within each run.\n"
    print "| trigger | UPDATE, µs per row | the trigger'"'"'s own cost, µs per row | relative to the PL/pgSQL trigger |"
    print "|---|---:|---:|---:|"
    printf "| none | %s | | |\n", cell(none, n, "%.2f")
    printf "| `docpatch_stamp()` | %s | %s | %s |\n", cell(dp, n, "%.2f"), cell(dpc, n, "%.2f"), cell(rel, n, "%.2f")
    printf "| PL/pgSQL trigger (`bench.plpgsql_stamp()`) | %s | %s | 1 |\n", cell(pl, n, "%.2f"), cell(plc, n, "%.2f")
  }'
