#!/usr/bin/env bash
# bench/run.sh: docpatch's benchmark suite, in one command.
#
#   bench/run.sh            the full run (about 11 minutes)
#   bench/run.sh --quick    a quick run (about 2 minutes): fewer repetitions,
#                           shorter timings
#   bench/run.sh --only functions,scaling,statements,trigger,memory
#                           run only some parts (also BENCH_ONLY=...)
#   bench/run.sh --only functions --cases 7,8
#                           only some rows of the function table (their ord
#                           in bench/functions.sql; also BENCH_CASES=...)
#   bench/run.sh --pg 18    on PostgreSQL 18 (14 to 18; default 15, Debian's;
#                           the others are built by scripts/pg-build on first
#                           use)
#
# Installs what it needs (scripts/install-deps.sh plus strace), builds
# docpatch, starts its own throwaway server (scripts/pg-throwaway), runs
#   functions   docpatch's functions vs PostgreSQL's own / PL/pgSQL, in memory
#   scaling     patches of 10,000 and 100,000 operations (time per operation)
#   statements  whole UPDATE statements with pgbench, 4 clients
#   trigger     docpatch_stamp vs no trigger vs a PL/pgSQL trigger
#   memory      peak backend memory of one patch of a 1 MB document
# prints the results as markdown tables on stdout, and stops the server.
# Progress goes to stderr.  Never part of CI or scripts/test.sh: timings
# depend on the machine and on whatever else it is doing; ratios measured
# side by side in one run are what count.
set -Eeuo pipefail
trap 'echo "$0: line $LINENO failed: $BASH_COMMAND" >&2' ERR

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

mode=${BENCH_MODE:-full}
only=${BENCH_ONLY:-functions,scaling,statements,trigger,memory}
cases=${BENCH_CASES:-}
pg=15
while (($#)); do
  case $1 in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --only) only=$2; shift ;;
    --cases) cases=$2; shift ;;
    --pg) pg=${2:?--pg needs a version}; shift ;;
    -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$mode" = quick ]; then
  fn_reps=3 fn_ms=40 st_seconds=3 st_reps=1 trig_rows=5000 trig_reps=3 mem_reps=1
else
  fn_reps=7 fn_ms=200 st_seconds=10 st_reps=3 trig_rows=20000 trig_reps=7 mem_reps=3
fi

log() { echo "bench: $*" >&2; }

scripts/install-deps.sh strace >&2
log "building and starting a throwaway server"
dir=$(scripts/pg-throwaway start --pg "$pg")
trap 'scripts/pg-throwaway stop "$dir"' EXIT
# shellcheck disable=SC1091
. "$dir/env"
export PGOPTIONS="-c jit=off -c client_min_messages=warning"
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION docpatch" \
  -f bench/documents.sql -f bench/baselines.sql -f bench/functions.sql -f bench/scaling.sql >&2

has() { [[ ",$only," == *",$1,"* ]]; }

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(free -g | awk '/^Mem:/ {print $2 " GB"}')
pgv=$(psql -X -At -c "SHOW server_version")
echo "# docpatch benchmarks ($mode run)"
echo
echo "Machine: $(nproc) CPUs ($cpu), $mem of memory; PostgreSQL $pgv;"
echo "docpatch $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown); $(date -u +%Y-%m-%d)."
echo

if has functions; then
  log "functions (in memory, $fn_reps repetitions of ~${fn_ms} ms per variant)"
  [[ $cases =~ ^[0-9]+(,[0-9]+)*$ || -z $cases ]] || { echo "bench/run.sh: --cases takes numbers: 7,8" >&2; exit 2; }
  case_list=${cases:+"ARRAY[$cases]"}
  psql -X -q -v ON_ERROR_STOP=1 \
    -c "SELECT bench.functions(ARRAY['1 KB', '50 KB', '1 MB'], $fn_reps, $fn_ms, ${case_list:-NULL})" >/dev/null
  echo "## Functions on documents in memory"
  echo
  echo "Time per call (median of $fn_reps side-by-side repetitions) and the ratio baseline / docpatch"
  echo "(median of the per-repetition ratios).  Targets apply to 50 KB documents."
  echo
  echo "| operation | size | docpatch µs | baseline | baseline µs | docpatch is faster by | target (50 KB) |"
  echo "|---|---|---:|---|---:|---:|---|"
  psql -X -At -F '|' -c "
    SELECT '', replace(name, '%REF%', CASE size WHEN '1 KB' THEN '0' ELSE '37' END), size,
           to_char(dp_us, 'FM999990.00'),
           replace(replace(baseline_name, '|', '\\|'), '%REF%', CASE size WHEN '1 KB' THEN '0' ELSE '37' END),
           to_char(base_us, 'FM99999990.00'),
           to_char(ratio, 'FM99990.0') || 'x',
           CASE WHEN size = '50 KB' THEN '>= ' || target || 'x: ' ||
                CASE WHEN ratio >= target THEN 'met' ELSE '**not met**' END ELSE '' END, ''
    FROM bench.function_report
    ORDER BY ord, CASE size WHEN '1 KB' THEN 1 WHEN '50 KB' THEN 2 ELSE 3 END"
  echo
fi

if has scaling; then
  log "scaling (patches of 10,000 and 100,000 operations)"
  echo "## Large patches"
  echo
  echo "One \`jsonb_patch_ops\` call with n operations of one kind on one container (median of $fn_reps calls)."
  echo "A time per operation that stays flat from 10,000 to 100,000 operations means linear cost."
  echo
  echo "| operations | µs per operation, n = 10,000 | µs per operation, n = 100,000 |"
  echo "|---|---:|---:|"
  psql -X -At -F '|' -c "
    SELECT '', CASE kind
                 WHEN 'append' THEN 'add at \`/a/-\` (append) to an array of n'
                 WHEN 'front insert' THEN 'add at \`/a/0\` (insert at the front) of an array of n'
                 WHEN 'front remove' THEN 'remove \`/a/0\` from an array of n'
                 WHEN 'middle replace' THEN 'replace \`/a/<n/2>\` in an array of n'
                 ELSE 'add n new members to an empty object'
               END,
           to_char(max(us_per_op) FILTER (WHERE n = 10000), 'FM990.000'),
           to_char(max(us_per_op) FILTER (WHERE n = 100000), 'FM990.000'), ''
    FROM bench.scaling($fn_reps) GROUP BY kind ORDER BY min(ord)"
  echo
fi

if has statements; then
  log "statements (pgbench, ${st_seconds}s x $st_reps per variant)"
  echo "## Whole statements (pgbench, 4 clients)"
  echo
  echo "Median of $st_reps interleaved runs of ${st_seconds} s each; latencies over all their transactions."
  echo "Bytes sent: what the client wrote to the socket per update (strace), connection set-up excluded."
  echo
  BENCH_SECONDS=$st_seconds BENCH_REPS=$st_reps bench/statements.sh
  echo
fi

if has trigger; then
  log "trigger ($trig_rows rows x $trig_reps repetitions)"
  echo "## Trigger cost"
  echo
  BENCH_TRIGGER_ROWS=$trig_rows BENCH_REPS=$trig_reps bench/trigger.sh
  echo
fi

if has memory; then
  log "memory (1 MB document, median of $mem_reps fresh backends)"
  echo "## Peak memory"
  echo
  /usr/bin/python3 bench/memory.py "$mem_reps"
  echo
fi
log "done"
