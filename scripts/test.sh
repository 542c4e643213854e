#!/usr/bin/env bash
# Runs docpatch's tests on every supported PostgreSQL, on a fresh Debian 12
# machine:
#
#   scripts/test.sh             the whole suite on 15 (Debian's server), then
#                               the server tests on 14, 16, 17 and 18 (as CI)
#   scripts/test.sh --pg 17     one version (repeat --pg for several): the
#                               server tests on it, or the whole suite for 15
#
# The whole suite: pg_regress + isolation specs (make installcheck), the
# GoogleTest unit, integration and crash tests (ctest), the client helpers
# (clients/run-tests.sh), the guides' examples and the README's SQL
# (examples/run.sh), the fuzz corpus replay and the PGXN META.json validation
# (scripts/check-meta, and its own test: test/meta/check_meta_test.py).  The
# server tests: pg_regress, isolation and the libpq tests (ctest's integration
# and crash tests).  Each version gets its own throwaway server
# (scripts/pg-throwaway --pg N); the servers other than 15 are built by
# scripts/pg-build into a cache outside the clone on first use (3 to 9 minutes
# each), then reused.  Prints one summary line per version and a closing
# "tests: N passed, N failed" line; exits non-zero if anything failed.  After
# the 15 run, the Debian package (scripts/test-package.sh: built from a clean
# copy of the tree, installed, smoke-tested, purged) has its own line, and so
# has the Citus suite (test/citus) on a throwaway coordinator and two workers
# (scripts/citus-cluster; Citus is built once into the same cache).
#
#   DOCPATCH_LONG=1      the randomized tests' long campaigns
#   DOCPATCH_WERROR=1    compiler warnings fail the build (.ci/run sets it)
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }
versions=()
while (($#)); do
  case $1 in
    --pg) [ -n "${2:-}" ] || { usage >&2; exit 2; }; versions+=("$2"); shift ;;
    --pg=*) versions+=("${1#--pg=}") ;;
    -h | --help) usage; exit 0 ;;
    *) echo "test.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
((${#versions[@]})) || versions=(15 14 16 17 18)
for v in "${versions[@]}"; do
  case $v in
    14 | 15 | 16 | 17 | 18) ;;
    *) echo "test.sh: PostgreSQL $v is not supported (14 to 18)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh || exit 1

build=${DOCPATCH_BUILD_DIR:-$repo/build}
logs=$build/logs
mkdir -p "$logs"
started=$SECONDS
status=0
summary=()
all_passed=0 all_failed=0

# The server of the version under test, and a background build, stop with
# the run however it ends.
current_dir= prebuild_pid=
cleanup() {
  [ -z "$current_dir" ] || scripts/pg-throwaway stop "$current_dir"
  [ -z "$prebuild_pid" ] || kill -- -"$prebuild_pid" 2>/dev/null || true
}
trap cleanup EXIT

# With a cold cache, the servers other than 15 are built in the background,
# one at a time, while the first versions are tested; each version's tests
# wait for its build (scripts/pg-build's lock).  Not niced: on a machine busy
# with other work a niced build starves, and the tests end up waiting for it.
to_build=()
for v in "${versions[@]}"; do
  [ "$v" = 15 ] || scripts/pg-build --built "$v" >/dev/null || to_build+=("$v")
done
if ((${#to_build[@]})) && ((${#versions[@]} > 1)); then
  echo "== building PostgreSQL ${to_build[*]} in the background"
  setsid bash -c 'for v; do scripts/pg-build "$v" >/dev/null || true; done' _ "${to_build[@]}" &
  prebuild_pid=$!
fi

echo "== C++ test programs (cmake)"
cmake_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
[ "${DOCPATCH_WERROR:-}" = 1 ] && cmake_flags+=(-DDOCPATCH_WERROR=ON)
cmake -S "$repo" -B "$build" "${cmake_flags[@]}" >"$logs/cmake.log" 2>&1 \
  && cmake --build "$build" -j"$(nproc)" >>"$logs/cmake.log" 2>&1 \
  || { cat "$logs/cmake.log"; echo "docpatch: C++ test build failed" >&2; exit 1; }

# The parts of one version's line, filled by the runners below.
parts=()
version_ok=1

# record LABEL OK [COUNTS]: one part of the version's summary line.
record() {
  local label=$1 ok=$2 counts=${3:-} note=${4:-}
  if [[ $counts =~ ^([0-9]+)/([0-9]+)$ ]]; then
    tests_passed=$((tests_passed + BASH_REMATCH[1]))
    tests_failed=$((tests_failed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  fi
  # A runner that failed without a count of its own still counts a failure.
  if [ "$ok" != 1 ] && ! [[ $counts =~ ^[0-9]+/[0-9]+$ ]]; then
    tests_failed=$((tests_failed + 1))
  fi
  if [ "$ok" = 1 ]; then
    parts+=("$label ${counts:-passed}${note:+ ($note)}")
  else
    version_ok=0
    parts+=("$label FAILED${counts:+ ($counts${note:+, $note})}")
  fi
}

# regress_counts LOG: "passed/total" from pg_regress's closing line, which
# is plain text before 16 ("All 20 tests passed.", " 2 of 20 tests failed.")
# and a TAP comment from 16 on ("# All 20 tests passed.", "1..20").
regress_counts() {
  local line n total
  line=$(grep -E '(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests (failed|passed))' "$1" | tail -n 1)
  if [[ $line =~ All\ ([0-9]+)\ tests\ passed ]]; then
    echo "${BASH_REMATCH[1]}/${BASH_REMATCH[1]}"
  elif [[ $line =~ ([0-9]+)\ of\ ([0-9]+)\ tests\ failed ]]; then
    n=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
    echo "$((total - n))/$total"
  else
    echo "no result"
  fi
}

# pg_regress or the isolation specs (one of PGXS's installcheck halves), run
# in the version's build tree so that versions never share results/.
server_suite() {
  local label=$1 tree=$2 log=$3 diffs=$4; shift 4
  echo "== $label"
  local ok=1
  make -C "$tree" -s installcheck "$@" >"$log" 2>&1 || ok=0
  cat "$log"
  if [ $ok = 0 ] && [ -f "$tree/$diffs" ]; then
    echo "== $tree/$diffs"
    head -c 30000 "$tree/$diffs"
  fi
  record "$label" $ok "$(regress_counts "$log")"
}

ctest_suite() {
  local label=$1 log=$2; shift 2
  echo "== $label"
  local ok=1
  ctest --test-dir "$build" --output-on-failure -j2 "$@" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || ok=0
  local line counts= skipped
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    counts="$((BASH_REMATCH[2] - BASH_REMATCH[1]))/${BASH_REMATCH[2]}"
  fi
  # ctest counts a skipped test (GTEST_SKIP) as passed; say how many.
  skipped=$(grep -c ' (Skipped)$' "$log")
  record "$label" $ok "$counts" "$([ "$skipped" -gt 0 ] && echo "$skipped skipped")"
}

step() {
  local label=$1; shift
  echo "== $label"
  if "$@"; then record "$label" 1; else record "$label" 0; fi
}

# The META.json step: the file, then the validator's own test (every check of
# scripts/check-meta refuses a broken variant of the file).
meta_checks() { scripts/check-meta && python3 test/meta/check_meta_test.py; }

# test_version N: the suite of one version on its own throwaway server.
test_version() {
  local v=$1 t0=$SECONDS
  parts=() version_ok=1 tests_passed=0 tests_failed=0
  rm -f "$logs/pg$v-summary" "$logs/pg$v-counts"
  echo "===== PostgreSQL $v"
  local dir
  if ! dir=$(scripts/pg-throwaway start --pg "$v"); then
    status=1
    summary+=("PostgreSQL $v: FAILED (the server or docpatch did not build or start)")
    all_failed=$((all_failed + 1))
    return
  fi
  current_dir=$dir
  # shellcheck disable=SC1090
  (
    . "$dir/env"
    tree=$repo/build/ext/pg$v
    server_suite pg_regress "$tree" "$logs/pg$v-regress.log" regression.diffs ISOLATION=
    server_suite isolation "$tree" "$logs/pg$v-isolation.log" output_iso/regression.diffs REGRESS=
    if [ "$v" = 15 ]; then
      ctest_suite ctest "$logs/pg$v-ctest.log"
      step clients clients/run-tests.sh
      step "guides and examples" examples/run.sh
      step "fuzz replay" scripts/fuzz.sh
      step META.json meta_checks
    else
      ctest_suite "ctest (integration, crash)" "$logs/pg$v-ctest.log" -R '^(integration|crash)\.'
    fi
    server=$(psql -X -At -c "SHOW server_version" 2>/dev/null | cut -d' ' -f1)
    line="PostgreSQL ${server:-$v}: $([ $version_ok = 1 ] && echo passed || echo FAILED)"
    line+=" ($(printf '%s, ' "${parts[@]}")$((SECONDS - t0)) s)"
    echo "$line" >"$logs/pg$v-summary"
    echo "$tests_passed $tests_failed" >"$logs/pg$v-counts"
    [ $version_ok = 1 ]
  ) || status=1
  scripts/pg-throwaway stop "$dir"
  current_dir=
  summary+=("$(cat "$logs/pg$v-summary" 2>/dev/null || echo "PostgreSQL $v: FAILED")")
  local p f
  read -r p f <"$logs/pg$v-counts" 2>/dev/null || p=0 f=1
  all_passed=$((all_passed + p)) all_failed=$((all_failed + f))
}

# The Debian package, for Debian's PostgreSQL 15: built from a clean copy of
# the tree, installed into the system's server, smoke-tested in its own
# cluster, purged again.
test_package() {
  local t0=$SECONDS
  echo "===== Debian package (scripts/test-package.sh)"
  if scripts/test-package.sh; then
    summary+=("Debian package: passed (build, lintian, install, smoke test, purge; $((SECONDS - t0)) s)")
    all_passed=$((all_passed + 1))
  else
    status=1
    summary+=("Debian package: FAILED (why: the \"test-package:\" line above; build log: build/logs/package-build.log)")
    all_failed=$((all_failed + 1))
  fi
}

# test_citus: the Citus suite on PostgreSQL 15, its own summary line.
test_citus() {
  local t0=$SECONDS log=$logs/citus.log ok=1 counts line citus
  parts=() version_ok=1 tests_passed=0 tests_failed=0
  all_of() { [[ $1 =~ ^([0-9]+)/([0-9]+)$ ]] && ((BASH_REMATCH[1] == BASH_REMATCH[2] && BASH_REMATCH[2] > 0)); }
  echo "===== Citus"
  scripts/citus-cluster run test/citus/run.sh "$build" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || ok=0
  counts=$(regress_counts "$log")
  record pg_regress "$(all_of "$counts" && echo 1 || echo 0)" "$counts"
  counts=0/0
  line=$(grep -E '^\[==========\] [0-9]+ tests? from .* ran' "$log" | tail -n 1)
  [[ $line =~ \]\ ([0-9]+)\ tests? ]] && counts=0/${BASH_REMATCH[1]}
  [[ $(grep -E '^\[  PASSED  \] [0-9]+' "$log") =~ ([0-9]+) ]] && counts=${BASH_REMATCH[1]}/${counts#*/}
  record GoogleTest "$(all_of "$counts" && echo 1 || echo 0)" "$counts"
  citus=$(sed -n 's/^Citus \([0-9.]*\) on .*/\1/p' "$log" | head -n 1)
  [ "$version_ok" = 1 ] && [ "$ok" = 1 ] || { ok=0; status=1; }
  summary+=("Citus ${citus:-?} on PostgreSQL 15: $([ $ok = 1 ] && echo passed || echo FAILED) ($(printf '%s, ' "${parts[@]}")$((SECONDS - t0)) s)")
  all_passed=$((all_passed + tests_passed)) all_failed=$((all_failed + tests_failed))
}

for v in "${versions[@]}"; do
  test_version "$v"
  [ "$v" != 15 ] || { test_package; test_citus; }
done

echo "== summary ($((SECONDS - started)) s)"
printf '%s\n' "${summary[@]}"
# Every pg_regress test, isolation spec and ctest test of every version.
echo "tests: $all_passed passed, $all_failed failed"
exit $status
