#!/usr/bin/env bash
# Runs the client helpers' tests against the server in the environment
# (PGHOST, PGPORT, PGUSER; scripts/test.sh starts one), in a fresh database:
# the SQLSTATE tables against docs/sqlstates.md, Python with psycopg2 and
# psycopg 3, Node.js with node-postgres, PHP with PDO.  Shows each suite's
# output and ends with "clients: N passed, N failed" (suites).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=../scripts/runtimes.sh
. "$repo/scripts/runtimes.sh"
fresh_database docpatch_clients || { echo "clients: could not create the test database" >&2; exit 1; }

passed=0
failed=0
suite() {
  local name=$1; shift
  echo "-- $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "-- $name FAILED"; fi
}
python_tests() { need_python && "$PYTHON" -m unittest discover -s "$here/python/tests" -v 2>&1; }
node_tests() { need_node && node --test "$here/node/test/"; }
php_tests() { need_php && php "$here/php/tests/DocpatchTest.php"; }

suite "SQLSTATE tables (scripts/gen-client-sqlstates --check)" "$repo/scripts/gen-client-sqlstates" --check
suite "python (psycopg2, psycopg 3)" python_tests
suite "node (node-postgres)" node_tests
suite "php (PDO pgsql)" php_tests
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
