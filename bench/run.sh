#!/usr/bin/env bash
# bench/run.sh: docpatch's benchmark suite, in one command.
#
#   bench/run.sh            the full run (about 25 minutes on a busy 2-CPU
#                           machine)
#   bench/run.sh --quick    a quick run (about 6 minutes): fewer repetitions,
#                           shorter timings, the same measurements
#   bench/run.sh --only functions,scaling,statements,trigger,memory
#                           run only some parts (also BENCH_ONLY=...)
#   bench/run.sh --only functions --cases 7,8
#                           only some rows of the function table (their ord
#                           in bench/functions.sql; also BENCH_CASES=...)
#   bench/run.sh --pg 18    on PostgreSQL 18 (14 to 18; default 15, Debian's;
#                           the others are built by scripts/pg-build on first
#                           use)
#   bench/run.sh --runs 3   independent runs of every measurement (default 3;
#                           also BENCH_RUNS=...): tables give the median and
#                           the spread (min-max) over the runs
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
#
# The server runs with glibc's malloc thresholds fixed (MALLOC_*_ below).
# By default glibc moves them as a process frees large blocks, and a
# backend whose heap is trimmed after every call pays fresh page faults on
# every call: a chain of 10 jsonb_set on a 50 KB document measured 15 to 20 ms
# instead of 1.5 to 2 ms, depending on what that backend had allocated before,
# not on the code timed.  Fixed thresholds make every run measure the work:
# no trimming, and blocks up to 32 MB from the heap (the state a long-lived
# backend reaches by itself once it has freed a block that large).  They are
# set one variable each: glibc cuts a GLIBC_TUNABLES list at its first ':'
# for the processes it starts.  The memory part alone runs with glibc's
# defaults (the server is restarted without them): with fixed thresholds the
# blocks a statement frees stay in the heap, and its peak counts them.
set -Eeuo pipefail
trap 'echo "$0: line $LINENO failed: $BASH_COMMAND" >&2' ERR

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

mode=${BENCH_MODE:-full}
only=${BENCH_ONLY:-functions,scaling,statements,trigger,memory}
cases=${BENCH_CASES:-}
pg=15
runs=${BENCH_RUNS:-3}
while (($#)); do
  case $1 in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --only) only=$2; shift ;;
    --cases) cases=$2; shift ;;
    --pg) pg=${2:?--pg needs a version}; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$mode" = quick ]; then
  fn_reps=3 fn_ms=40 st_seconds=3 trig_rows=5000
else
  fn_reps=7 fn_ms=200 st_seconds=10 trig_rows=20000
fi

log() { echo "bench: $*" >&2; }

scripts/install-deps.sh strace >&2
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --runs takes a positive number" >&2; exit 2; }
log "building and starting a throwaway server"
dir=$(MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_MMAP_THRESHOLD_=33554432 scripts/pg-throwaway start --pg "$pg")
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
  log "functions (in memory, $runs runs of $fn_reps repetitions of ~${fn_ms} ms per variant)"
  [[ $cases =~ ^[0-9]+(,[0-9]+)*$ || -z $cases ]] || { echo "bench/run.sh: --cases takes numbers: 7,8" >&2; exit 2; }
  case_list=${cases:+"ARRAY[$cases]"}
  psql -X -q -v ON_ERROR_STOP=1 -c "TRUNCATE bench.function_results"
  for ((run = 1; run <= runs; run++)); do  # each run in a fresh backend
    psql -X -q -v ON_ERROR_STOP=1 \
      -c "SELECT bench.functions(ARRAY['1 KB', '50 KB', '1 MB'], $fn_reps, $fn_ms, ${case_list:-NULL}, $run)" >/dev/null
  done
  echo "## Functions on documents in memory"
  echo
  echo "Time per call and the ratio baseline / docpatch: each run takes the medians of $fn_reps side-by-side"
  echo "repetitions (of the times and of the per-repetition ratios); the table gives the median of $runs runs"
  echo "and the spread of their ratios (min-max).  Targets apply to 50 KB documents."
  echo
  echo "| operation | size | docpatch µs | baseline | baseline µs | docpatch is faster by | spread over $runs runs | target (50 KB) |"
  echo "|---|---|---:|---|---:|---:|---:|---|"
  psql -X -At -F '|' -c "
    SELECT '', replace(name, '%REF%', CASE size WHEN '1 KB' THEN '0' ELSE '37' END), size,
           to_char(dp_us, 'FM999990.00'),
           replace(replace(baseline_name, '|', '\\|'), '%REF%', CASE size WHEN '1 KB' THEN '0' ELSE '37' END),
           to_char(base_us, 'FM99999990.00'),
           to_char(ratio, 'FM99990.0') || 'x',
           to_char(ratio_min, 'FM99990.0') || '–' || to_char(ratio_max, 'FM99990.0') || 'x',
           CASE WHEN size = '50 KB' THEN '>= ' || target || 'x: ' ||
                CASE WHEN ratio_min >= target THEN 'met in every run'
                     WHEN ratio_max >= target THEN '**met in some runs only**'
                     ELSE '**not met**' END ELSE '' END, ''
    FROM bench.function_report
    ORDER BY ord, CASE size WHEN '1 KB' THEN 1 WHEN '50 KB' THEN 2 ELSE 3 END"
  echo
fi

if has scaling; then
  log "scaling (patches of 10,000 and 100,000 operations, $runs runs)"
  psql -X -q -v ON_ERROR_STOP=1 -c "TRUNCATE bench.scaling_results"
  for ((run = 1; run <= runs; run++)); do
    psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO bench.scaling_results SELECT $run, * FROM bench.scaling($fn_reps)"
  done
  echo "## Large patches"
  echo
  echo "One \`jsonb_patch_ops\` call with n operations of one kind on one container: each run takes the median"
  echo "of $fn_reps calls; the table gives the median of $runs runs and their spread (min-max)."
  echo "A time per operation that stays flat from 10,000 to 100,000 operations means linear cost."
  echo
  echo "| operations | µs per operation, n = 10,000 | µs per operation, n = 100,000 |"
  echo "|---|---:|---:|"
  psql -X -At -F '|' -c "
    WITH s AS (
      SELECT ord, kind, n, percentile_cont(0.5) WITHIN GROUP (ORDER BY us_per_op) AS med,
             min(us_per_op) AS lo, max(us_per_op) AS hi
      FROM bench.scaling_results GROUP BY ord, kind, n),
    cell AS (
      SELECT ord, kind, n, to_char(med, 'FM990.000') || ' (' || to_char(lo, 'FM990.000') || '–'
                           || to_char(hi, 'FM990.000') || ')' AS txt
      FROM s)
    SELECT '', CASE kind
                 WHEN 'append' THEN 'add at \`/a/-\` (append) to an array of n'
                 WHEN 'front insert' THEN 'add at \`/a/0\` (insert at the front) of an array of n'
                 WHEN 'front remove' THEN 'remove \`/a/0\` from an array of n'
                 WHEN 'middle replace' THEN 'replace \`/a/<n/2>\` in an array of n'
                 ELSE 'add n new members to an empty object'
               END,
           max(txt) FILTER (WHERE n = 10000), max(txt) FILTER (WHERE n = 100000), ''
    FROM cell GROUP BY ord, kind ORDER BY ord"
  echo
fi

if has statements; then
  log "statements (pgbench, ${st_seconds}s x $runs runs per variant)"
  echo "## Whole statements (pgbench, 4 clients)"
  echo
  echo "Median of $runs interleaved runs of ${st_seconds} s each and the spread (min-max) of the runs;"
  echo "latencies over all their transactions."
  echo "Bytes sent: what the client wrote to the socket per update (strace), connection set-up excluded."
  echo
  BENCH_SECONDS=$st_seconds BENCH_REPS=$runs bench/statements.sh
  echo
fi

if has trigger; then
  log "trigger ($trig_rows rows x $runs runs)"
  echo "## Trigger cost"
  echo
  BENCH_TRIGGER_ROWS=$trig_rows BENCH_REPS=$runs bench/trigger.sh
  echo
fi

if has memory; then
  log "memory (1 MB document, $runs fresh backends, glibc's default malloc thresholds)"
  as_postgres() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
  as_postgres env -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_MMAP_THRESHOLD_ \
    "$DOCPATCH_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 restart >/dev/null
  echo "## Peak memory"
  echo
  /usr/bin/python3 bench/memory.py "$runs"
  echo
fi
log "done"
