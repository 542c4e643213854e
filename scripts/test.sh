#!/usr/bin/env bash
# Runs every docpatch test on a fresh Debian 12 machine:
#   Debian packages (installed if missing) -> build -> throwaway PostgreSQL 15
#   -> pg_regress suite + isolation specs (make installcheck)
#   -> GoogleTest unit and integration tests (ctest)
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

echo "== pg_regress and isolation specs (make installcheck)"
if make -s installcheck >"$build/installcheck.log" 2>&1; then
  cat "$build/installcheck.log"
  summary+=("installcheck (pg_regress + isolation): passed")
else
  cat "$build/installcheck.log"
  status=1
  summary+=("installcheck (pg_regress + isolation): FAILED")
  for d in regression.diffs output_iso/regression.diffs; do
    [ -f "$d" ] && { echo "== $d"; head -c 30000 "$d"; }
  done
fi

echo "== GoogleTest (ctest)"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/cmake.log" 2>&1 \
  && cmake --build "$build" -j"$(nproc)" >>"$build/cmake.log" 2>&1 \
  || { cat "$build/cmake.log"; echo "docpatch: C++ test build failed" >&2; exit 1; }
if ctest --test-dir "$build" --output-on-failure -j2; then
  summary+=("ctest: passed")
else
  status=1
  summary+=("ctest: FAILED")
fi

echo "== client examples (Python, Node.js, PHP)"
if examples/run.sh; then
  summary+=("examples: passed")
else
  status=1
  summary+=("examples: FAILED")
fi

echo "== fuzz corpus replay (libFuzzer targets over their saved inputs)"
if scripts/fuzz.sh; then
  summary+=("fuzz corpus replay: passed")
else
  status=1
  summary+=("fuzz corpus replay: FAILED")
fi

echo "== summary ($(( $(date +%s) - started ))s)"
printf '%s\n' "${summary[@]}"
exit $status
