#!/usr/bin/env bash
# bench/rows.sh: repeatable instruction counts of the row functions.
#
#   bench/rows.sh
#
# For etag_guarded_update (a patch that changes the row, and one that changes
# nothing) on 1 KB, 50 KB and 1 MB documents stored with pglz and lz4, and for
# upsert_with_creation_ts (100 existing ids, one call each and one batch),
# runs the calls in a PL/pgSQL loop inside a single-user backend under
# valgrind --tool=callgrind and prints the instructions per call (per id for
# the upserts) as a markdown table.  Instruction counts do not depend on what
# else runs on the machine, so two builds can be compared across runs (the
# timings of bench/statements.sh on a shared machine cannot be).  Uses its
# own throwaway server (scripts/pg-throwaway); needs valgrind (installed if
# missing).  Takes about 15 minutes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scripts/install-deps.sh valgrind >&2
dir=$(scripts/pg-throwaway start)
trap 'scripts/pg-throwaway stop "$dir"' EXIT
# shellcheck disable=SC1091
. "$dir/env"
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION docpatch" -c "SET client_min_messages = warning" \
  -f bench/documents.sql >/dev/null

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
out=/tmp/docpatch-rows-callgrind.$$
trap 'rm -f "$out"; scripts/pg-throwaway stop "$dir"' EXIT

# count SQL CALLS: instructions per call of SQL (a PL/pgSQL loop run with
# @N@ = CALLS, counted alone: --toggle-collect), after a warm-up with @N@ = 1
# in the same backend (counted too: the result is per call of the CALLS + 1).
count() {
  local sql=$1 calls=$2 workload="$dir/workload.sql"
  as_postgres "$DOCPATCH_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  printf '%s\n%s\n' "${sql//@N@/1}" "${sql//@N@/$calls}" >"$workload"
  chmod 644 "$workload"
  : >"$out" && chmod 666 "$out"
  as_postgres valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='plpgsql_call_handler' \
    "$DOCPATCH_PGBIN/postgres" --single -D "$dir/data" -c jit=off postgres <"$workload" >/dev/null \
    2>"$dir/valgrind.log" || { cat "$dir/valgrind.log" >&2; exit 1; }
  as_postgres "$DOCPATCH_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  local ir
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
  echo $(( ir / (calls + 1) ))
}

echo "| call | document | TOAST | instructions per call |"
echo "|---|---|---|---:|"
for spec in "1 KB:200" "50 KB:40" "1 MB:8"; do
  size=${spec%%:*} calls=${spec##*:}
  for comp in pglz lz4; do
    psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_rows;
CREATE TABLE bench_rows (id int PRIMARY KEY, doc jsonb NOT NULL);
ALTER TABLE bench_rows ALTER COLUMN doc SET COMPRESSION $comp;
INSERT INTO bench_rows SELECT i, bench.doc(bench.scale_for('$size'), i) FROM generate_series(1, 4) i;
SELECT docpatch_enable('bench_rows');
VACUUM ANALYZE bench_rows;
CREATE OR REPLACE FUNCTION bench.guarded(n int, noop boolean) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE r record; p jsonb;
BEGIN
  p := CASE WHEN noop THEN '[{"op": "replace", "path": "/status", "value": "x"}]'
            ELSE '[{"op": "incr", "path": "/version", "value": 1}]' END;
  FOR i IN 1..n LOOP
    SELECT * INTO r FROM etag_guarded_update('bench_rows', (1 + i % 4)::text, NULL, p);
  END LOOP;
END \$\$;
SELECT bench.guarded(4, true);
SQL
    echo "| \`etag_guarded_update\`, a patch that changes the row | $size | $comp | $(count "SELECT bench.guarded(@N@, false);" "$calls") |"
    echo "| \`etag_guarded_update\`, a patch that changes nothing | $size | $comp | $(count "SELECT bench.guarded(@N@, true);" "$calls") |"
  done
done

psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_rows;
CREATE TABLE bench_rows (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('bench_rows');
INSERT INTO bench_rows (id, doc) SELECT i, bench.doc(1, i) FROM generate_series(1, 100) i;
VACUUM ANALYZE bench_rows;
CREATE OR REPLACE FUNCTION bench.upserts(n int, batch boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record; items jsonb;
BEGIN
  items := (SELECT jsonb_agg(jsonb_build_object('id', i, 'doc', jsonb_build_object('v', i))) FROM generate_series(1, 100) i);
  FOR i IN 1..n LOOP
    IF batch THEN
      PERFORM count(*) FROM upsert_with_creation_ts('bench_rows', items);
    ELSE
      FOR j IN 1..100 LOOP
        SELECT * INTO r FROM upsert_with_creation_ts('bench_rows', j::text, '{"v": 1}'::jsonb);
      END LOOP;
    END IF;
  END LOOP;
END $$;
SELECT bench.upserts(1, true);
SQL
echo "| \`upsert_with_creation_ts\`, 100 existing ids, one call each (per id) | 1 KB | pglz | $(( $(count "SELECT bench.upserts(@N@, false);" 5) / 100 )) |"
echo "| \`upsert_with_creation_ts\`, 100 existing ids in one batch (per id) | 1 KB | pglz | $(( $(count "SELECT bench.upserts(@N@, true);" 5) / 100 )) |"
