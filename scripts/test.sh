#!/usr/bin/env bash
# Runs every docpatch test on a fresh Debian 12 machine:
#   Debian packages (installed if missing) -> build -> throwaway PostgreSQL 15
#   -> pg_regress suite + isolation specs (make installcheck)
#   -> GoogleTest unit and integration tests (ctest)
#   -> the Citus suite on a three-node cluster (test/citus/run.sh)
#   -> the client examples (examples/run.sh) and the fuzz corpus replay
# and prints each runner's summary.  Exits non-zero if anything failed.
#
# DOCPATCH_LONG=1 runs the randomized tests' long campaigns.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

scripts/install-deps.sh || exit 1

build=${DOCPATCH_BUILD_DIR:-$repo/build}
mkdir -p "$build"
started=$(date +%s)

dir=$(scripts/pg-throwaway start) || { echo "docpatch: could not start the test server" >&2; exit 1; }
trap 'scripts/pg-throwaway stop "$dir"' EXIT
# shellcheck disable=SC1091
. "$dir/env"

status=0
summary=()

# step LABEL COMMAND...: runs one runner and records its outcome.
step() {
  local label=$1; shift
  if "$@"; then
    summary+=("$label: passed")
  else
    status=1
    summary+=("$label: FAILED")
  fi
}

installcheck() {
  local rc=0
  make -s installcheck >"$build/installcheck.log" 2>&1 || rc=1
  cat "$build/installcheck.log"
  if [ $rc -ne 0 ]; then
    for d in regression.diffs output_iso/regression.diffs; do
      [ -f "$d" ] && { echo "== $d"; head -c 30000 "$d"; }
    done
  fi
  return $rc
}

echo "== pg_regress and isolation specs (make installcheck)"
step "installcheck (pg_regress + isolation)" installcheck

echo "== GoogleTest (ctest)"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/cmake.log" 2>&1 \
  && cmake --build "$build" -j"$(nproc)" >>"$build/cmake.log" 2>&1 \
  || { cat "$build/cmake.log"; echo "docpatch: C++ test build failed" >&2; exit 1; }
step ctest ctest --test-dir "$build" --output-on-failure -j2

echo "== Citus: a coordinator and two workers on 127.0.0.1 (test/citus, docs/citus.md)"
step "citus (pg_regress + GoogleTest on a 3-node cluster)" scripts/citus-cluster run test/citus/run.sh "$build"

echo "== client examples (Python, Node.js, PHP)"
step examples examples/run.sh

echo "== fuzz corpus replay (libFuzzer targets over their saved inputs)"
step "fuzz corpus replay" scripts/fuzz.sh

echo "== summary ($(( $(date +%s) - started ))s)"
printf '%s\n' "${summary[@]}"
exit $status
