#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs them.
#   scripts/fuzz.sh                 run each target over its corpus once (regression)
#   scripts/fuzz.sh 600             fuzz each target for 600 seconds, growing the corpus
# New crashing inputs are written to test/fuzz/corpus/<target>/ by hand after
# fixing them, so they stay as regression tests.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-0}
"$repo/scripts/install-deps.sh" clang libclang-rt-14-dev
out=${DOCPATCH_FUZZ_DIR:-$repo/build-fuzz}
mkdir -p "$out"
status=0
for src in "$repo"/test/fuzz/*_fuzz.cpp; do
  name=$(basename "$src" .cpp)
  target=${name%_fuzz}
  clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$repo/src" \
    "$src" "$repo"/src/core/*.cpp -o "$out/$name"
  corpus=$repo/test/fuzz/corpus/$target
  if [ "$seconds" -gt 0 ]; then
    work=$out/corpus-$target; mkdir -p "$work"
    "$out/$name" -max_total_time="$seconds" -print_final_stats=1 "$work" "$corpus" || status=1
  else
    "$out/$name" -runs=0 "$corpus" 2>&1 | tail -2 || status=1
  fi
done
exit $status
