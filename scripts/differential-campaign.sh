#!/usr/bin/env bash
# The long randomized differential campaign over the whole engine, against
# the server in the environment (PGHOST etc., e.g. from scripts/pg-throwaway):
#
#   * jsonb_patch_ops, every operation, against the reference implementation
#     in test/integration/extended_ops_differential_test.cpp (exact document
#     or exact SQLSTATE): 350,000 cases per seed;
#   * jsonb_patch_ops, RFC 6902, against nlohmann::json::patch: 100,000 per seed;
#   * the merge family against nlohmann (merge patch 100,000, deep and shallow
#     merge 50,000 pairs, aggregates 2,000 streams, diff round trips 100,000
#     per seed);
#   * jsonpath selectors against PostgreSQL's own jsonpath executor
#     (test/integration/selector_differential_test.cpp): 100,000 per seed.
#
#   scripts/differential-campaign.sh [SEED...]      (default seeds: 1 2 3)
#
# Builds the GoogleTest binaries first (in build/); prints each run's summary
# lines and the total time.  docs/testing.md records the last campaign.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DOCPATCH_BUILD_DIR:-$repo/build}
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)

cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target integration_tests >/dev/null

started=$(date +%s)
status=0
for seed in "${seeds[@]}"; do
  # filter:cases (the tests that read DOCPATCH_CASES)
  for run in 'ExtendedOpsDifferential.*:350000' 'PatchDifferential.*:350000' 'MergeDifferential.*:350000' \
             'SelectorDifferential.*:100000'; do
    filter=${run%:*} cases=${run##*:}
    echo "== seed $seed: $filter"
    t0=$(date +%s)
    if ! DOCPATCH_SEED=$seed DOCPATCH_LONG=1 DOCPATCH_CASES=$cases \
        "$build/integration_tests" --gtest_filter="$filter" >"$build/campaign-$seed-${filter%%.*}.log" 2>&1; then
      status=1
    fi
    grep -E '^\[ differential \]|^\[  (PASSED|FAILED) ' "$build/campaign-$seed-${filter%%.*}.log" || true
    echo "   ($(( $(date +%s) - t0 )) s)"
  done
done
echo "== campaign: ${#seeds[@]} seeds, $(( $(date +%s) - started )) s, $([ $status -eq 0 ] && echo 'no failure' || echo 'FAILURES (see the logs in build/)')"
exit $status
