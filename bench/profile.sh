#!/usr/bin/env bash
# bench/profile.sh: repeatable instruction counts of one docpatch call.
#
#   bench/profile.sh [SIZE] [EXPR] [CALLS]
#     SIZE   '1 KB', '50 KB' (default) or '1 MB'
#     EXPR   an expression over the document d (default: jsonb_patch_ops
#            replacing /status)
#     CALLS  number of calls (default 2000)
#
# Runs the expression CALLS times in a PL/pgSQL loop inside a single-user
# backend under valgrind --tool=callgrind (hardware counters for `perf` are
# not available in the virtual machines this project runs on), and prints
# the instructions per call of the whole loop and the top functions.  The
# callgrind file is left in /tmp for callgrind_annotate.  Uses its own
# throwaway server; needs valgrind (installed if missing).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
size=${1:-50 KB}
expr=${2:-"jsonb_patch_ops(d, '[{\"op\": \"replace\", \"path\": \"/status\", \"value\": \"closed\"}]')"}
calls=${3:-2000}

scripts/install-deps.sh valgrind >&2
dir=$(scripts/pg-throwaway start)
trap 'scripts/pg-throwaway stop "$dir"' EXIT
# shellcheck disable=SC1091
. "$dir/env"
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION docpatch" -c "SET client_min_messages = warning" \
  -f bench/documents.sql -f bench/baselines.sql -f bench/functions.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT bench.make_loop('loop_profile', \$expr\$$expr\$expr\$)" >/dev/null

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_postgres "$DOCPATCH_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null

out=/tmp/docpatch-callgrind.$$
workload="$dir/workload.sql"
# Only PL/pgSQL is counted (--toggle-collect): the loops, not building the
# document.  A first call compiles the loop function.
cat >"$workload" <<SQL
SELECT bench.loop_profile(bench.doc(bench.scale_for('$size')), 1);
SELECT bench.loop_profile(bench.doc(bench.scale_for('$size')), $calls);
SQL
chmod 644 "$workload"
touch "$out" && chmod 666 "$out"
as_postgres valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='plpgsql_call_handler' \
  "$DOCPATCH_PGBIN/postgres" --single -D "$dir/data" -c jit=off postgres <"$workload" >/dev/null 2>"$dir/valgrind.log" || {
  cat "$dir/valgrind.log" >&2
  exit 1
}
echo "expression: $expr"
echo "document:   $size, $calls calls; callgrind output: $out"
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "instructions per call (loop included): $(( total / (calls + 1) ))"
echo
callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ ' | sed -n '1,30p'
