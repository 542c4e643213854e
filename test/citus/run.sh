#!/usr/bin/env bash
# The Citus suite, against the coordinator in the environment (PGHOST,
# PGPORT, DOCPATCH_PGBIN: what scripts/citus-cluster's env file sets):
#
#   scripts/citus-cluster run test/citus/run.sh [BUILD_DIR]
#
#   1. pg_regress, test/citus/schedule: citus_setup, citus_enable,
#      citus_row_functions (results in BUILD_DIR/citus-regress)
#   2. GoogleTest, citus_tests (test/citus/citus_test.cpp): concurrent
#      guarded increments, shard moves while clients write
#
# BUILD_DIR (default build/) is the CMake build directory; citus_tests is
# built there if needed.  Exits non-zero if anything failed.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$repo/build}
: "${PGHOST:?run through scripts/citus-cluster (PGHOST is not set)}"
[ -n "${DOCPATCH_CITUS_DIR:-}" ] || { echo "citus suite: not a scripts/citus-cluster environment" >&2; exit 1; }
bindir=${DOCPATCH_PGBIN:-$(pg_config --bindir)}
# The cluster's own pg_regress (its installation copy has the server's pgxs).
pg_regress=$(dirname "$("$bindir/pg_config" --pgxs)")/../test/regress/pg_regress
out=$build/citus-regress
mkdir -p "$out"
started=$SECONDS
status=0

psql -X -At -c "SELECT citus_version()" || exit 1
echo "-- pg_regress (test/citus/schedule)"
if ! "$pg_regress" --use-existing --dbname="${PGDATABASE:-postgres}" --bindir="$bindir" \
     --inputdir="$repo/test/citus" --outputdir="$out" --schedule="$repo/test/citus/schedule"; then
  status=1
  [ -f "$out/regression.diffs" ] && head -c 30000 "$out/regression.diffs"
fi

echo "-- GoogleTest (citus_tests)"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/cmake.log" 2>&1 ||
    { cat "$build/cmake.log"; exit 1; }
fi
cmake --build "$build" --target citus_tests -j"$(nproc)" >>"$build/cmake.log" 2>&1 ||
  { tail -n 40 "$build/cmake.log"; exit 1; }
"$build/citus_tests" || status=1

echo "-- citus suite: $((SECONDS - started)) s"
exit $status
